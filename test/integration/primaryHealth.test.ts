/**
 * The health of the active primary through the local host, Azurite and the emulator
 * (docs/failover.md, "Health of the members"): a run that cannot list the primary (its
 * connections dropped) records it in its report, and the one read model counts the app
 * unhealthy, naming the primary's region — `GET /api/health` answers 503 and `GET /api/report`'s
 * health says so — until a run lists the primary again.
 */
import { VirtualClock } from '../../dev/clock';
import { renderReport } from '../../dev/local';
import type { ReportBody } from '../../src/readModel';
import type { FormRecognizerEmulator } from '../../dev/emulators/formRecognizer';
import { useLocalStack } from '../support/stack';
import { SOURCE, ledgerOf, run, startRun, versionReset } from './replicationHarness';

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

describe('a primary the last run could not list', () => {
  const clock = new VirtualClock('2026-12-01T00:00:00Z');
  const stack = useLocalStack({
    clock,
    logger: () => undefined,
    host: { timerSchedules: false, atLeastOnce: [{ activity: 'reportRunFailed', count: 3 }] },
  });

  async function get(path: string): Promise<Reply> {
    const res = await fetch(`${stack.host.baseUrl}${path}`);
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  it('is unhealthy in /api/health (503) and /api/report, naming its region, until a run lists it again', async () => {
    const emulator = (await stack.reset(versionReset('2023-07-31'))) as FormRecognizerEmulator;
    const first = await run(stack);
    expect(first.totals.failed).toBe(0);
    expect((await get('/api/health')).status).toBe(200);

    // The primary goes down: every request to it has its connection dropped.
    emulator.faults.add(SOURCE, { kind: 'drop', times: 1_000_000 });
    const id = await startRun(stack);
    const ended = await stack.host.durable.waitForInstance(id);
    expect(ended.runtimeStatus).toBe('Failed');

    const report = await (await ledgerOf(stack)).runReports.get(id);
    expect(report).toMatchObject({ runId: id, dryRun: false, pairs: [], sourceUnreachable: { region: 'westus2' } });
    expect(report?.sourceUnreachable?.reason).not.toBe('');

    const health = await get('/api/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ health: 'unhealthy', primary: { region: 'westus2', health: 'unhealthy' } });
    expect((health.body.reasons as string[])[0]).toMatch(/^primary westus2: unhealthy: unreachable/);

    const body = (await get('/api/report')).body;
    const reportHealth = body.health as Record<string, unknown>;
    expect(reportHealth).toMatchObject({
      health: 'unhealthy',
      primaryUnreachable: { region: 'westus2', runId: id },
    });
    expect((reportHealth.reasons as string[]).some((r) => r.startsWith('primary westus2: unhealthy'))).toBe(true);
    // The copies themselves are still there: the targets' pairs are not called failed.
    expect(body.totals).toMatchObject({ failed: 0 });
    // `npm run local`'s table prints the same verdict.
    const table = renderReport(body as unknown as ReportBody);
    expect(table).toContain('health: UNHEALTHY');
    expect(table).toMatch(/^ {2}primary westus2: unhealthy: unreachable/m);

    // The run list names the run failed, never succeeded (it has no pairs).
    const runs = (await get('/api/replications?limit=5')).body.runs as Array<{ runId: string; outcome: string }>;
    expect(runs.find((r) => r.runId === id)?.outcome).toBe('failed');

    // The primary answers again: the next run lists it and the app is healthy.
    emulator.faults.clear();
    await run(stack);
    const after = await get('/api/health');
    expect(after.status).toBe(200);
    expect(after.body.primary).toBeUndefined();
  });
});
