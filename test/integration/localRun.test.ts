import { runLocalSync } from '../support/localProcess';

const runLocal = (args: string[], env: Record<string, string>): ReturnType<typeof runLocalSync> =>
  runLocalSync(args, env, 120_000);

describe('npm run local', () => {
  it('--once --json: copies the emulated models to both regions, backs up a Custom Vision iteration, prints the report, exits 0', () => {
    // Real clock: the emulator's copies take 4 s; all ten run at once.
    // With DR_LOCAL_FUNCTION_KEY the local host requires the key (its own calls send it) and the dashboard URL carries it.
    const { status, stdout, stderr } = runLocal(['--once', '--json', '--port', '0'], {
      DR_MAX_PARALLEL: '10',
      DR_LOCAL_FUNCTION_KEY: 'local-dash-key',
    });
    expect({ status, stderr: status === 0 ? '' : stderr }).toEqual({ status: 0, stderr: '' });
    expect(stderr).toMatch(/dashboard +http:\/\/127\.0\.0\.1:\d+\/api\/dashboard\?code=local-dash-key\n/);
    // Bound to loopback only and says whether keys are required (--json prints the banner on stderr).
    expect(stderr).toMatch(
      /function key required on every route \(DR_LOCAL_FUNCTION_KEY\); listening on http:\/\/127\.0\.0\.1:\d+ \(loopback\) only/,
    );
    const last = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
      summary: { totals: { copied: number; failed: number }; regions: string[] };
      report: { totals: { replicated: number; missing: number }; regions: string[] };
      customVision: {
        ok: boolean;
        platforms: string[];
        backups: Array<{ platform: string; location: string; replica?: { verified: boolean } }>;
        dr?: {
          summary: { ready: number; failed: number };
          projects: Array<{ region: string; state: string; publishName?: string }>;
        };
      };
      drills: { totals: Record<string, number>; pagesAnalyzed: number };
    };
    expect(last.summary.regions).toEqual(['eastus', 'westeurope']);
    expect(last.summary.totals).toMatchObject({ copied: 10, failed: 0 });
    expect(last.report.totals).toMatchObject({ replicated: 10, missing: 0 });
    // The emulated Custom Vision project was trained, exported and backed up twice over.
    expect(last.customVision.ok).toBe(true);
    expect(last.customVision.backups.map((b) => b.platform).sort()).toEqual(['ONNX', 'TensorFlow']);
    // …and copied to the emulated DR training resource: imported, verified, published (issue 24).
    expect(last.customVision.dr?.projects).toEqual([
      expect.objectContaining({ region: 'eastus', state: 'ready', publishName: 'parts-inspection' }),
    ]);
    expect(stderr).toMatch(/Custom Vision DR projects — 1 pair\(s\): 1 ready, 0 failed/);
    // Restore drills after the replication: two seeded samples, each analyzed at the source and in both regions.
    expect(last.drills.totals).toMatchObject({ passed: 4, mismatch: 0, failed: 0, noSample: 3 });
    expect(last.drills.pagesAnalyzed).toBe(12);
    // The readiness table (on stderr with --json) is printed after the drills: each drilled pair shows its last
    // drill next to the copy's age; the pairs of models without a sample show none.
    const table = stderr.slice(stderr.indexOf('DR readiness ('));
    const modelRows = table.split('\n').filter((l) => /\bok \d+s ago/.test(l));
    expect(modelRows).toHaveLength(5);
    expect(modelRows.filter((l) => /(ok \d+s ago · drill passed \d+s ago\s+){2}/.test(`${l} `))).toHaveLength(2);
    expect(modelRows.filter((l) => !l.includes('drill'))).toHaveLength(3);
    expect(last.customVision.backups.every((b) => b.replica?.verified === true && !b.location.includes('?'))).toBe(
      true,
    );
  });

  it('--once --json exits 1 when a Custom Vision DR copy failed, and the JSON says which and why', () => {
    const { status, stdout, stderr } = runLocal(['--once', '--json', '--port', '0'], {
      DR_MAX_PARALLEL: '10',
      DR_LOCAL_CV_DR_FAIL_IMPORTS: 'true',
    });
    expect(status).toBe(1);
    const last = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
      customVision: { ok: boolean; dr?: { projects: Array<{ state: string; error?: { code: string } }> } };
    };
    expect(last.customVision.ok).toBe(false);
    expect(last.customVision.dr?.projects).toEqual([
      expect.objectContaining({ state: 'failed', error: expect.objectContaining({ code: 'ImportFailed' }) }),
    ]);
    expect(stderr).toMatch(/eastus +FAILED/);
  });

  it('exits 2 with a message naming the setting when the configuration is wrong', () => {
    const { status, stderr } = runLocal(['--once'], { DR_SOURCE_ENDPOINT: 'not a url', DR_SOURCE_REGION: 'westus2' });
    expect(status).toBe(2);
    expect(stderr).toContain('DR_SOURCE_ENDPOINT');
    expect(stderr).toContain('DR_TARGETS');
  });

  it('exits 2 naming AzureWebJobsStorage when its connection string has no queue endpoint (a blob-only one)', () => {
    const { status, stderr } = runLocal(['--once', '--port', '0'], {
      AzureWebJobsStorage:
        'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;',
    });
    expect(status).toBe(2);
    expect(stderr).toMatch(/configuration error: Storage connection 'AzureWebJobsStorage' .*no QueueEndpoint/);
    expect(stderr).not.toMatch(/a2V5/);
  });

  it('exits 2 naming CV_BACKUP_CONTAINER_URL when the start-up probe cannot reach the Custom Vision container', () => {
    // A plain http URL on another account than AzureWebJobsStorage: only a token credential is left, and
    // storage refuses bearer tokens over http — no credential can be used (a configuration problem).
    const { status, stdout, stderr } = runLocal(['--once', '--port', '0'], {
      CV_BACKUP_CONTAINER_URL: 'http://127.0.0.1:9/otheraccount/cv-backups',
    });
    expect(status).toBe(2);
    expect(stderr).toMatch(
      /configuration error: CV_BACKUP_CONTAINER_URL: .*configuration: no credential could be obtained/,
    );
    expect(stdout).not.toContain('replication run');
  });
});
