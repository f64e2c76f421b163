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
import type { Browser } from 'playwright-core';
import { VirtualClock } from '../../dev/clock';
import { renderReport } from '../../dev/local';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import type { RunSummary } from '../../src/replication/contracts';
import { EVENTS, MemoryTelemetry } from '../../src/telemetry';
import { SOURCE, TARGETS, readySourceIds } from '../integration/replicationHarness';
import { launchChromium, watchedPage } from './browserSupport';
import { at, regionCounts, verdictsOfRows, verdictsOfTable, type Report, type Verdicts } from './verdicts';

const KEY = `rmf-key-${Math.random().toString(36).slice(2, 12)}`;
const STANDBYS = ['westus2', 'westeurope'] as const;

type FullReport = Report & {
  rows: Array<Report['rows'][number] & { cells: Record<string, { reason?: string; targetModelId?: string }> }>;
  orphanRecords: unknown[];
};

describe('one read model after a failover: the columns are the standbys, every reader alike', () => {
  jest.setTimeout(240_000);
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const telemetry = new MemoryTelemetry();
  let stack: LocalStack;
  let browser: Browser;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startLocalStack({
        clock,
        telemetry,
        logger: () => undefined,
        env: { DR_RPO_HOURS: '26' },
        host: { timerSchedules: false, functionKey: KEY },
      }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  let runs = 0;
  async function run(): Promise<RunSummary> {
    runs += 1;
    const id = await stack.host.durable.startNew('replicateModels', {
      instanceId: `local-rmf-${runs}`,
      input: { trigger: 'local' },
    });
    const status = await stack.host.durable.waitForInstance(id);
    if (status.runtimeStatus !== 'Completed') throw new Error(`run ${id} ended ${status.runtimeStatus}`);
    return status.output as RunSummary;
  }
  async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${stack.host.baseUrl}/api/${path}`, {
      method,
      headers: { 'x-functions-key': KEY, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  /** Every reader's verdicts, checked against the report's; returns the report. */
  async function everyReaderAgrees(runId: string): Promise<{ report: FullReport; truth: Verdicts }> {
    const report = (await api<FullReport>('GET', 'report')).body;
    expect(report.regions).toEqual([...STANDBYS]);
    const truth = verdictsOfRows(STANDBYS, report.rows, report.health.pairs);
    expect(verdictsOfRows(STANDBYS, report.rows)).toEqual(truth);

    const data = (
      await api<{
        rows: Report['rows'];
        regions: string[];
        health: { health: string; byRegion: Record<string, unknown> };
      }>('GET', 'dashboard/data?limit=500')
    ).body;
    expect(data.regions).toEqual([...STANDBYS]);
    expect(verdictsOfRows(STANDBYS, data.rows)).toEqual(truth);
    expect(data.health.health).toBe(report.health.health);
    expect(Object.keys(data.health.byRegion)).toEqual([...STANDBYS]);

    const table = renderReport(report as unknown as Parameters<typeof renderReport>[0]);
    expect(verdictsOfTable(STANDBYS, table, report.rows)).toEqual(truth);

    const worstOf = (region: string): string => {
      const c = regionCounts(truth, region);
      return c.unhealthy > 0 ? 'unhealthy' : c.degraded > 0 ? 'degraded' : 'healthy';
    };
    const probe = await api<{ health: string; regions: Array<{ region: string; health: string; pairs: number }> }>(
      'GET',
      'health',
    );
    expect(probe.body.regions.map((r) => [r.region, r.health, r.pairs])).toEqual(
      STANDBYS.map((r) => [r, worstOf(r), regionCounts(truth, r).pairs]),
    );

    const events = telemetry.eventsNamed(EVENTS.replicaHealth).filter((e) => e.runId === runId);
    expect(events.map((e) => e.region)).toEqual([...STANDBYS]);
    for (const e of events) {
      const { drillMismatch: _ignored, ...c } = regionCounts(truth, String(e.region));
      expect(e).toMatchObject({ health: worstOf(String(e.region)), ...c });
    }

    const w = await watchedPage(browser);
    try {
      const { page } = w;
      const res = await page.goto(`${stack.host.baseUrl}/api/dashboard?code=${KEY}&refresh=1`);
      expect(res?.status()).toBe(200);
      await page.waitForSelector('body[data-matrix-ready="true"]', { timeout: 30_000 });
      const heads = await page.$$eval('#matrix-head th', (ths) => ths.map((t) => t.textContent ?? ''));
      expect(heads.filter((h) => ['westus2', 'eastus', 'westeurope'].includes(h))).toEqual([...STANDBYS]);
      const shown = await page.$$eval('#matrix tbody[data-key] td[data-region]', (tds) =>
        tds.map((td) => [
          `${td.closest('tbody')?.getAttribute('data-key') ?? ''} @ ${td.getAttribute('data-region') ?? ''}`,
          {
            status: td.getAttribute('data-state') ?? '',
            health: td.getAttribute('data-health') ?? 'none',
            drill: td.getAttribute('data-drill') ?? 'none',
            ...(td.getAttribute('data-origin') === 'true' ? { origin: true } : {}),
          },
        ]),
      );
      expect(Object.fromEntries(shown)).toEqual(truth);
      expect(w.errors).toEqual([]);
    } finally {
      await w.context.close();
    }
    return { report, truth };
  }

  it('unplanned failover, a run during the outage, the old primary back: every reader shows the standbys and the origins alike', async () => {
    const emulator = stack.emulator!;
    const home = readySourceIds(emulator);
    expect((await run()).totals.failed).toBe(0);

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
    telemetry.events.length = 0;
    const during = await run();
    expect(during.sourceRegion).toBe('eastus');
    const { report, truth } = await everyReaderAgrees(during.runId);
    for (const id of home) expect(truth[at(id, 'westus2')]).toMatchObject({ status: 'unverified', origin: true });
    expect(truth[at(lineage, 'westus2')]).toMatchObject({ status: 'missing', health: 'unhealthy' });
    expect(report.rows.find((r) => r.sourceModelId === lineage)!.cells.westus2.reason).toMatch(/^not copied: /);
    expect(truth[at(lineage, 'westeurope')]).toMatchObject({ status: 'replicated', health: 'healthy' });
    expect(report.rows.find((r) => r.sourceModelId === lineage)!.cells.eastus).toBeUndefined();

    // westus2 is back (eastus still primary): a run lists it — the origins are verified, the new model copied into it.
    emulator.faults.clear(SOURCE);
    clock.advance(60_000);
    telemetry.events.length = 0;
    const back = await run();
    expect(back.totals.failed).toBe(0);
    const after = await everyReaderAgrees(back.runId);
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
    const cell = after.report.rows.find((r) => r.sourceModelId === id)!.cells.westus2 as { lastVerifiedAt?: string };
    expect(route.alternates.find((a) => a.region === 'westus2')).toMatchObject({
      state: 'origin',
      lastVerifiedAt: cell.lastVerifiedAt,
    });
    expect(cell.lastVerifiedAt).toBeDefined();
  });
});
