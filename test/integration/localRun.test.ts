import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

function runLocal(
  args: string[],
  env: Record<string, string>,
): { status: number | null; stdout: string; stderr: string } {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(DR_|CV_|AzureWebJobsStorage)/.test(k)),
  );
  const result = spawnSync(tsx, ['dev/local.ts', ...args], {
    cwd: root,
    env: { ...clean, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run local', () => {
  it('--once --json: copies the emulated models to both regions, backs up a Custom Vision iteration, prints the report, exits 0', () => {
    // Real clock: the emulator's copies take 4 s; all ten run at once.
    const { status, stdout, stderr } = runLocal(['--once', '--json', '--port', '0'], { DR_MAX_PARALLEL: '10' });
    expect({ status, stderr: status === 0 ? '' : stderr }).toEqual({ status: 0, stderr: '' });
    const last = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
      summary: { totals: { copied: number; failed: number }; regions: string[] };
      report: { totals: { replicated: number; missing: number }; regions: string[] };
      customVision: {
        ok: boolean;
        platforms: string[];
        backups: Array<{ platform: string; location: string; replica?: { verified: boolean } }>;
      };
      drills: { totals: Record<string, number>; pagesAnalyzed: number };
    };
    expect(last.summary.regions).toEqual(['eastus', 'westeurope']);
    expect(last.summary.totals).toMatchObject({ copied: 10, failed: 0 });
    expect(last.report.totals).toMatchObject({ replicated: 10, missing: 0 });
    // The emulated Custom Vision project was trained, exported and backed up twice over.
    expect(last.customVision.ok).toBe(true);
    expect(last.customVision.backups.map((b) => b.platform).sort()).toEqual(['ONNX', 'TensorFlow']);
    // Restore drills after the replication: two seeded samples, each analyzed at the source and in both regions.
    expect(last.drills.totals).toMatchObject({ passed: 4, mismatch: 0, failed: 0, noSample: 3 });
    expect(last.drills.pagesAnalyzed).toBe(12);
    expect(last.customVision.backups.every((b) => b.replica?.verified === true && !b.location.includes('?'))).toBe(
      true,
    );
  });

  it('exits 2 with a message naming the setting when the configuration is wrong', () => {
    const { status, stderr } = runLocal(['--once'], { DR_SOURCE_ENDPOINT: 'not a url', DR_SOURCE_REGION: 'westus2' });
    expect(status).toBe(2);
    expect(stderr).toContain('DR_SOURCE_ENDPOINT');
    expect(stderr).toContain('DR_TARGETS');
  });
});
