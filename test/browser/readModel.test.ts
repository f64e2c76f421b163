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
import { DrillRepository } from '../../src/ledger/drills';
import { SOURCE, TARGETS, readySourceIds } from '../integration/replicationHarness';
import { at, everyReaderAgrees, useReadersStack } from './verdicts';

const KEY = `rm-key-${Math.random().toString(36).slice(2, 12)}`;
const REGIONS = ['eastus', 'westeurope'] as const;

describe('one read model: every reader gives every pair the same verdict', () => {
  jest.setTimeout(240_000);
  const f = useReadersStack(KEY, 'local-readmodel');

  it('report, dashboard data, the page in Chromium, the table, /api/health and the ReplicaHealth events agree', async () => {
    const stack = f.stack();
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
    const first = await f.run();
    expect(first.copies).toHaveLength((others.length + 1) * 2);
    expect(first.invalidModels).toHaveLength(1);

    // The last drill of `mismatched` in westeurope answered differently from the source.
    const ledger = await stack.app.current().replication.ledger();
    const replica = await ledger.replicas.get(mismatched, 'westeurope');
    await new DrillRepository(ledger.container).record({
      sourceModelId: mismatched,
      region: 'westeurope',
      at: new Date(f.clock.now()).toISOString(),
      runId: 'drill-readmodel-1',
      outcome: 'mismatch',
      targetModelId: replica?.targetModelId ?? 'none',
      differences: [{ field: 'InvoiceTotal', kind: 'value' }],
      comparedWithRecordedSource: false,
      sample: 'samples/invoice.pdf',
    });

    // The second run cannot list eastus: its copies there are unverified.
    emulator.faults.add(TARGETS.eastus, { kind: 'status', status: 503, call: 'list', times: Infinity });
    f.telemetry.events.length = 0;
    const second = await f.run();
    expect(second.unverified.length).toBe(others.length + 1);
    f.clock.advance(60_000);

    // Every reader against GET /api/report; on the page also the drill column and the not-copyable line.
    const { report, truth, data, table, probe } = await everyReaderAgrees(
      f,
      KEY,
      REGIONS,
      second.runId,
      async (page, shown) => {
        const heads = await page.$$eval('#matrix-head th', (ths) => ths.map((t) => t.textContent));
        expect(heads).toContain('Last drill');
        expect(
          await page.locator(`#matrix tbody[data-key="${mismatched}"] td[data-drill]:not([data-region])`).textContent(),
        ).toMatch(/drill MISMATCH \(westeurope\)/);
        const reason = shown.notCopyable[0]?.reason;
        expect(reason).toEqual(expect.any(String));
        expect(await page.textContent('#not-copyable')).toContain(reason);
      },
    );
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
    // The dashboard's data: the same not-copyable model with its reason.
    expect(data.notCopyable).toEqual(invalid);
    // The table of `npm run local` (and its --json, which is the report itself).
    expect(table).toContain(
      `not copyable: ${invalid[0].modelName ?? invalid[0].modelId} (invalid: ${invalid[0].reason ?? ''})`,
    );
    // /api/health: a drill mismatch is unhealthy → 503.
    expect(probe.status).toBe(503);
    expect(probe.body.health).toBe('unhealthy');
  });
});
