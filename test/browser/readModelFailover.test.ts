/**
 * One read model after a failover (issue 23, "Runs, planning, lineage checks, health, the report,
 * the dashboard and drills all work from the active primary"): the readiness matrix's columns are
 * the active primary's standbys — after an unplanned failover westus2 → eastus, the home member
 * westus2 is a column holding the origins, eastus (now serving) is not — and every reader says so
 * alike: `GET /api/report`, `GET /api/dashboard/data`, the page in Chromium, the `npm run local`
 * table, `GET /api/health` and the `ModelDr.ReplicaHealth` events. Through the local host, Azurite,
 * the Form Recognizer emulator and a virtual clock.
 *
 * Before: every reader took its columns from DR_TARGETS (eastus, westeurope): a model trained in
 * eastus during the outage showed MISSING in eastus, its own origin, and the home member's copies
 * (the originals the clients will fail back to) were in no report, no health and no event.
 */
import { SOURCE, TARGETS, readySourceIds } from '../integration/replicationHarness';
import { at, everyReaderAgrees, useReadersStack, type FullReport } from './verdicts';

const KEY = `rmf-key-${Math.random().toString(36).slice(2, 12)}`;
const STANDBYS = ['westus2', 'westeurope'] as const;

describe('one read model after a failover: the columns are the standbys, every reader alike', () => {
  jest.setTimeout(240_000);
  const f = useReadersStack(KEY, 'local-rmf');
  const api = f.api;
  const agree = (runId: string): ReturnType<typeof everyReaderAgrees> => everyReaderAgrees(f, KEY, STANDBYS, runId);

  it('unplanned failover, a run during the outage, the old primary back: every reader shows the standbys and the origins alike', async () => {
    const stack = f.stack();
    const emulator = stack.emulator!;
    const home = readySourceIds(emulator);
    expect((await f.run()).totals.failed).toBe(0);

    // westus2 goes down; the operator fails over to eastus (no run in between).
    emulator.faults.add(SOURCE, { kind: 'drop', times: Number.MAX_SAFE_INTEGER });
    const started = await api<{ id: string }>('POST', 'failovers', { to: 'eastus', mode: 'unplanned' });
    expect(started.status).toBe(202);
    expect((await stack.host.durable.waitForInstance(started.body.id)).runtimeStatus).toBe('Completed');

    // Right after the switch: westus2 holds the origins, declared down: unverified (not ready, not missing).
    const switched = (await api<FullReport>('GET', 'report')).body;
    expect(switched.regions).toEqual([...STANDBYS]);
    for (const id of home) {
      const cell = switched.rows.find((r) => r.sourceModelId === id)!.cells.westus2;
      expect(cell).toMatchObject({ status: 'unverified', origin: true });
      expect(cell.reason).toMatch(/declared down by the unplanned failover/);
    }
    expect(switched.orphanRecords).toEqual([]);

    // A model trained in eastus during the outage; a run from eastus protects it in westeurope.
    const family = stack.app.current().settings.apiFamily;
    const trained =
      family === 'formRecognizerV2'
        ? emulator.addModel(TARGETS.eastus, {}).modelId
        : (emulator.addDocumentModel(TARGETS.eastus, {
            modelId: 'trained-in-outage',
            apiVersion: stack.app.current().settings.apiVersion,
          }),
          'trained-in-outage');
    const lineage = `eastus@${trained}`;
    f.telemetry.events.length = 0;
    const during = await f.run();
    expect(during.sourceRegion).toBe('eastus');
    const { report, truth } = await agree(during.runId);
    for (const id of home) expect(truth[at(id, 'westus2')]).toMatchObject({ status: 'unverified', origin: true });
    expect(truth[at(lineage, 'westus2')]).toMatchObject({ status: 'missing', health: 'unhealthy' });
    expect(report.rows.find((r) => r.sourceModelId === lineage)!.cells.westus2.reason).toMatch(/^not copied: /);
    expect(truth[at(lineage, 'westeurope')]).toMatchObject({ status: 'replicated', health: 'healthy' });
    expect(report.rows.find((r) => r.sourceModelId === lineage)!.cells.eastus).toBeUndefined();

    // westus2 is back (eastus still primary): a run lists it — the origins are verified, the new model copied into it.
    emulator.faults.clear(SOURCE);
    f.clock.advance(60_000);
    f.telemetry.events.length = 0;
    const back = await f.run();
    expect(back.totals.failed).toBe(0);
    const after = await agree(back.runId);
    for (const id of home)
      expect(after.truth[at(id, 'westus2')]).toEqual({
        status: 'replicated',
        health: 'healthy',
        drill: 'none',
        origin: true,
      });
    expect(after.truth[at(lineage, 'westus2')]).toMatchObject({ status: 'replicated', health: 'healthy' });
    expect(after.report.health.health).toBe('healthy');
    expect(after.report.orphanRecords).toEqual([]);

    // The routing agrees: a home model's origin in westus2 is an alternate verified when the report says.
    const id = home[0];
    const route = (
      await api<{
        now: { region: string };
        alternates: Array<{ region: string; state: string; lastVerifiedAt?: string }>;
      }>('GET', `routing/${encodeURIComponent(id)}`)
    ).body;
    expect(route.now.region).toBe('eastus');
    const cell = after.report.rows.find((r) => r.sourceModelId === id)!.cells.westus2;
    expect(route.alternates.find((a) => a.region === 'westus2')).toMatchObject({
      state: 'origin',
      lastVerifiedAt: cell.lastVerifiedAt,
    });
    expect(cell.lastVerifiedAt).toBeDefined();
  });
});
