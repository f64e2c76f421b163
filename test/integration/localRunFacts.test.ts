/**
 * `npm run local -- --once --json` as a real process (issue 11): the JSON document is on the
 * last stdout line in every outcome, including a run that ended Failed (fact 9), and a target
 * that refuses neural models ends the run red with the service's code on exactly the pairs
 * that need a neural model.
 */

import { runLocalSync } from '../support/localProcess';

const runLocal = (args: string[], env: Record<string, string>): ReturnType<typeof runLocalSync> =>
  runLocalSync(args, env, 280_000);

const lastLine = (stdout: string): unknown => JSON.parse(stdout.trim().split('\n').pop() ?? '{}');

interface Failure {
  sourceModelId: string;
  region: string;
  reason: { code?: string; message: string };
}

describe('npm run local -- --once --json (issue 11)', () => {
  it('a target that refuses neural models: exit 1; the neural model and the composed model that needs it fail there with the service code; everything else is replicated', () => {
    const { status, stdout, stderr } = runLocal(
      ['--once', '--json', '--port', '0', '--api-version', '2024-11-30', '--refuse-neural', 'westeurope'],
      { DR_MAX_PARALLEL: '10' },
    );
    expect({ status, stderr: status === 1 ? '' : stderr }).toEqual({ status: 1, stderr: '' });
    const doc = lastLine(stdout) as {
      summary: { totals: Record<string, number>; failures: Failure[]; copies: Array<{ sourceModelId: string }> };
      report: {
        rows: Array<{
          sourceModelId: string;
          cells: Record<string, { status: string; lastError?: { code?: string } }>;
        }>;
      };
    };
    const failures = doc.summary.failures.map((f) => [f.sourceModelId, f.region, f.reason.code]).sort();
    expect(failures).toEqual([
      ['finance-composed', 'westeurope', 'ComponentModelNotFound'],
      ['receipts-eu', 'westeurope', 'DocumentModelLimitNeural'],
    ]);
    const composed = doc.summary.failures.find((f) => f.sourceModelId === 'finance-composed');
    expect(composed?.reason.message).toMatch(/receipts-eu.*DocumentModelLimitNeural/s);
    // Everything else: the classifier, the plain models everywhere, the neural and composed ones in eastus.
    expect(doc.summary.totals).toMatchObject({ failed: 2, unverified: 0 });
    expect(doc.summary.totals.copied).toBe(doc.summary.totals.pairs - 2);
    const cell = (id: string, region: string) => doc.report.rows.find((r) => r.sourceModelId === id)?.cells[region];
    expect(cell('receipts-eu', 'westeurope')).toMatchObject({
      status: 'failed',
      lastError: { code: 'DocumentModelLimitNeural' },
    });
    expect(cell('receipts-eu', 'eastus')?.status).toBe('replicated');
    expect(cell('finance-composed', 'eastus')?.status).toBe('replicated');
  }, 300_000);

  it('a run that ends Failed (the source cannot be listed) still prints the JSON document last, with runtimeStatus and the error; exit 1', () => {
    // Configured resources on a loopback port nothing listens on: the source listing fails for good.
    const dead = 'http://127.0.0.1:9';
    const { status, stdout } = runLocal(['--once', '--json', '--port', '0'], {
      DR_SOURCE_ENDPOINT: dead,
      DR_SOURCE_REGION: 'westus2',
      DR_SOURCE_RESOURCE_ID:
        '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/fr-source',
      DR_SOURCE_KEY: 'k'.repeat(32),
      DR_TARGETS: JSON.stringify([
        {
          region: 'eastus',
          endpoint: 'http://localhost:9',
          resourceId:
            '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/fr-eastus',
          keySetting: 'DR_TARGET_KEY_EASTUS',
        },
      ]),
      DR_TARGET_KEY_EASTUS: 'k'.repeat(32),
    });
    expect(status).toBe(1);
    const doc = lastLine(stdout) as { runtimeStatus?: string; error?: string; runId?: string };
    expect(doc).toMatchObject({ runtimeStatus: 'Failed', error: expect.any(String), runId: expect.any(String) });
    expect(doc.error?.length).toBeGreaterThan(0);
    expect(stdout).not.toContain('k'.repeat(32));
  }, 300_000);
});
