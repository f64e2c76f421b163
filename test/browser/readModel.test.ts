/**
 * One read model, every reader (issue 22, item 1): one ledger state with an unverified pair, a
 * restore-drill mismatch, failed pairs and a not-copyable model, built by real runs through the
 * local host (Azurite, the Form Recognizer emulator, a virtual clock) plus one recorded drill.
 * Every reader must give every pair the same verdict (state, health, last drill):
 * `GET /api/report`, `GET /api/dashboard/data`, the dashboard page in Chromium, the
 * `npm run local` table (renderReport) — and the per-region verdicts of `GET /api/health` and
 * the `ModelDr.ReplicaHealth` events must be the ones those pairs add up to.
 *
 * Before the read model the dashboard showed the unverified pairs as replicated (it never saw
 * the last run's unverified pairs), had no last drills at all, and neither it nor the events
 * counted a drill mismatch that made `/api/health` answer 503.
 */
import type { Browser } from 'playwright-core';
import { VirtualClock } from '../../dev/clock';
import { renderReport } from '../../dev/local';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { DrillRepository } from '../../src/ledger/drills';
import type { RunSummary } from '../../src/replication/contracts';
import { EVENTS, MemoryTelemetry } from '../../src/telemetry';
import { SOURCE, TARGETS, readySourceIds } from '../integration/replicationHarness';
import { launchChromium, watchedPage } from './browserSupport';
import { at, regionCounts, verdictsOfRows, verdictsOfTable, type Report, type Row } from './verdicts';

const KEY = `rm-key-${Math.random().toString(36).slice(2, 12)}`;
const REGIONS = ['eastus', 'westeurope'] as const;

describe('one read model: every reader gives every pair the same verdict', () => {
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
      instanceId: `local-readmodel-${runs}`,
      input: { trigger: 'local' },
    });
    const status = await stack.host.durable.waitForInstance(id);
    if (status.runtimeStatus !== 'Completed') throw new Error(`run ${id} ended ${status.runtimeStatus}`);
    return status.output as RunSummary;
  }
  async function get<T>(path: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${stack.host.baseUrl}/api/${path}`, { headers: { 'x-functions-key': KEY } });
    return { status: res.status, body: (await res.json()) as T };
  }

  it('report, dashboard data, the page in Chromium, the table, /api/health and the ReplicaHealth events agree', async () => {
    const emulator = stack.emulator!;
    const [broken, mismatched, ...others] = readySourceIds(emulator);
    // A copy of `broken` always fails (both runs, both regions).
    emulator.faults.add(SOURCE, {
      kind: 'copyFails',
      code: 'ResourceResolverError',
      message: 'Could not fetch information for the target resource.',
      when: (req) => req.modelId === broken,
      times: Infinity,
    });
    const first = await run();
    expect(first.copies).toHaveLength((others.length + 1) * 2);
    expect(first.invalidModels).toHaveLength(1);

    // The last drill of `mismatched` in westeurope answered differently from the source.
    const ledger = await stack.app.current().replication.ledger();
    const replica = await ledger.replicas.get(mismatched, 'westeurope');
    await new DrillRepository(ledger.container).record({
      sourceModelId: mismatched,
      region: 'westeurope',
      at: new Date(clock.now()).toISOString(),
      runId: 'drill-readmodel-1',
      outcome: 'mismatch',
      targetModelId: replica?.targetModelId ?? 'none',
      differences: [{ field: 'InvoiceTotal', kind: 'value' }],
      comparedWithRecordedSource: false,
      sample: 'samples/invoice.pdf',
    });

    // The second run cannot list eastus: its copies there are unverified.
    emulator.faults.add(TARGETS.eastus, { kind: 'status', status: 503, call: 'list', times: Infinity });
    telemetry.events.length = 0;
    const second = await run();
    expect(second.unverified.length).toBe(others.length + 1);
    clock.advance(60_000);

    // The reference: GET /api/report.
    const report = (await get<Report>('report')).body;
    const truth = verdictsOfRows(REGIONS, report.rows, report.health.pairs);
    const invalid = report.notCopyable;
    expect(invalid).toEqual([expect.objectContaining({ status: 'invalid', reason: expect.any(String) })]);
    // The four facts, as the report gives them.
    expect(truth[at(mismatched, 'eastus')]).toEqual({ status: 'unverified', health: 'degraded', drill: 'none' });
    expect(truth[at(mismatched, 'westeurope')]).toEqual({
      status: 'replicated',
      health: 'unhealthy',
      drill: 'mismatch',
    });
    expect(truth[at(broken, 'westeurope')]).toMatchObject({ status: 'failed', health: 'unhealthy' });
    expect(truth[at(others[0], 'westeurope')]).toEqual({ status: 'replicated', health: 'healthy', drill: 'none' });
    expect(Object.keys(truth)).toHaveLength((others.length + 2) * 2);
    expect(report.rows.map((r) => r.sourceModelId)).not.toContain(invalid[0].modelId);

    // The dashboard's data: the same verdicts, the same not-copyable model with its reason.
    const data = (
      await get<{
        rows: Row[];
        notCopyable: Report['notCopyable'];
        health: { health: string; byRegion: Record<string, { health: string }> };
      }>('dashboard/data?limit=500')
    ).body;
    expect(verdictsOfRows(REGIONS, data.rows)).toEqual(truth);
    expect(data.notCopyable).toEqual(invalid);
    expect(data.health.health).toBe(report.health.health);
    // The report's own cells carry the same health as its health member.
    expect(verdictsOfRows(REGIONS, report.rows)).toEqual(truth);

    // The table of `npm run local` (and its --json, which is the report itself).
    const table = renderReport(report as unknown as Parameters<typeof renderReport>[0]);
    expect(verdictsOfTable(REGIONS, table, report.rows)).toEqual(truth);
    expect(table).toContain(
      `not copyable: ${invalid[0].modelName ?? invalid[0].modelId} (invalid: ${invalid[0].reason ?? ''})`,
    );

    // /api/health: the regions' verdicts are the worst of their pairs'; a drill mismatch is unhealthy → 503.
    const probe = await get<{ health: string; regions: Array<{ region: string; health: string; pairs: number }> }>(
      'health',
    );
    expect(probe.status).toBe(503);
    expect(probe.body.health).toBe('unhealthy');
    const worstOf = (region: string): string => {
      const c = regionCounts(truth, region);
      return c.unhealthy > 0 ? 'unhealthy' : c.degraded > 0 ? 'degraded' : 'healthy';
    };
    expect(probe.body.regions.map((r) => [r.region, r.health, r.pairs])).toEqual(
      REGIONS.map((r) => [r, worstOf(r), regionCounts(truth, r).pairs]),
    );
    expect(Object.fromEntries(Object.entries(data.health.byRegion).map(([r, h]) => [r, h.health]))).toEqual(
      Object.fromEntries(REGIONS.map((r) => [r, worstOf(r)])),
    );

    // The events of the second run: one per region, the same health and the same counts.
    const events = telemetry.eventsNamed(EVENTS.replicaHealth).filter((e) => e.runId === second.runId);
    expect(events.map((e) => e.region)).toEqual([...REGIONS]);
    for (const e of events) {
      const c = regionCounts(truth, String(e.region));
      expect(e).toMatchObject({ health: worstOf(String(e.region)), ...c });
    }

    // The page in Chromium: every cell's state, health and last drill; the drill column; the not-copyable line.
    const w = await watchedPage(browser);
    try {
      const { page } = w;
      const res = await page.goto(`${stack.host.baseUrl}/api/dashboard?code=${KEY}&refresh=1`);
      expect(res?.status()).toBe(200);
      await page.waitForSelector('body[data-matrix-ready="true"]', { timeout: 30_000 });
      const shown = await page.$$eval('#matrix tbody[data-key] td[data-region]', (tds) =>
        tds.map((td) => [
          `${td.closest('tbody')?.getAttribute('data-key') ?? ''} @ ${td.getAttribute('data-region') ?? ''}`,
          {
            status: td.getAttribute('data-state') ?? '',
            health: td.getAttribute('data-health') ?? 'none',
            drill: td.getAttribute('data-drill') ?? 'none',
          },
        ]),
      );
      expect(Object.fromEntries(shown)).toEqual(truth);
      const heads = await page.$$eval('#matrix-head th', (ths) => ths.map((t) => t.textContent));
      expect(heads).toContain('Last drill');
      expect(
        await page.locator(`#matrix tbody[data-key="${mismatched}"] td[data-drill]:not([data-region])`).textContent(),
      ).toMatch(/drill MISMATCH \(westeurope\)/);
      expect(await page.textContent('#not-copyable')).toContain(invalid[0].reason ?? '');
      expect(w.errors).toEqual([]);
    } finally {
      await w.context.close();
    }
  });
});
