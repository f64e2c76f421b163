/**
 * drillModels / drillModel with fake activities on the virtual clock (the real replay engine in
 * the local host, no storage or emulator): one model's failed drill never aborts the run; a
 * throttled start waits its Retry-After; polls wait the service's Retry-After; the page budget.
 */
import { VirtualClock } from '../../dev/clock';
import { createLocalHost, type LocalHost } from '../../dev/host';
import type { DrillActivityHandlers } from '../../src/activities/drills';
import type { DrillPlan, DrillRunSummary, PairDrill, RecordDrillsInput } from '../../src/drills/contracts';
import { DrillActivities, DrillOrchestrators } from '../../src/drills/registry';
import type { DrillResult } from '../../src/drills/result';
import { bindActivities, bindOrchestrator } from '../../src/durable/register';
import { drillModelOrchestrator, drillModelsOrchestrator } from '../../src/orchestrators/drillModels';

const RESULT: DrillResult = { docType: 'd', fields: { Total: { type: 'number', valueHash: 'h' } }, pages: 2 };
const plan = (over: Partial<DrillPlan> = {}): DrillPlan => ({
  models: ['a', 'b'].map((id) => ({
    sourceModelId: id,
    sample: `${id}/s.pdf`,
    estimatedPages: 2,
    replicas: [{ region: 'eastus', targetModelId: `${id}-dr` }],
  })),
  noSample: ['c'],
  maxPages: 20,
  maxParallel: 2,
  ...over,
});

async function withHost(
  fakes: Partial<DrillActivityHandlers>,
  body: (h: {
    host: LocalHost;
    clock: VirtualClock;
    calls: Array<{ name: string; at: number; input: unknown }>;
  }) => Promise<void>,
): Promise<void> {
  const clock = new VirtualClock('2026-12-01T00:00:00Z');
  const calls: Array<{ name: string; at: number; input: unknown }> = [];
  const handlers = Object.fromEntries(
    Object.keys(DrillActivities).map((k) => [
      k,
      (input: unknown) => {
        calls.push({ name: k, at: clock.now(), input });
        const f = (fakes as Record<string, ((i: unknown) => unknown) | undefined>)[k];
        if (!f) throw new Error(`unexpected ${k}`);
        return f(input);
      },
    ]),
  ) as unknown as DrillActivityHandlers;
  const host = await createLocalHost({
    load: () => {
      bindOrchestrator(DrillOrchestrators.run, drillModelsOrchestrator);
      bindOrchestrator(DrillOrchestrators.model, drillModelOrchestrator);
      bindActivities(DrillActivities, () => handlers);
    },
    clock,
    httpPort: 0,
    timerSchedules: false,
    queueListeners: false,
    logger: () => undefined,
  });
  try {
    await body({ host, clock, calls });
  } finally {
    await host.close();
  }
}

async function runDrills(host: LocalHost): Promise<DrillRunSummary> {
  const id = await host.durable.startNew('drillModels', { input: { trigger: 'local' } });
  const s = await host.durable.waitForInstance(id);
  expect(s.runtimeStatus).toBe('Completed');
  return s.output as DrillRunSummary;
}

const passed = (i: RecordDrillsInput): PairDrill[] =>
  i.replicas.map((r) => ({ sourceModelId: i.sourceModelId, region: r.region, outcome: 'passed' }));

describe('drillModels orchestration (fake activities, virtual clock)', () => {
  it("one model's drill that cannot be recorded fails only its pairs; the run completes", async () => {
    await withHost(
      {
        planDrills: () => plan(),
        startAnalyze: () => ({ kind: 'started', operationLocation: 'https://x/analyzeResults/1' }),
        pollAnalyze: () => ({ kind: 'succeeded', result: RESULT }),
        recordDrills: (i) => {
          if (i.sourceModelId === 'a') throw new Error('ledger down');
          return passed(i);
        },
      },
      async ({ host }) => {
        const s = await runDrills(host);
        expect(s.pairs).toEqual([
          expect.objectContaining({
            sourceModelId: 'a',
            outcome: 'failed',
            reason: expect.objectContaining({ code: 'DrillFailed' }),
          }),
          { sourceModelId: 'b', region: 'eastus', outcome: 'passed' },
        ]);
        expect(s.totals).toMatchObject({ passed: 1, failed: 1, noSample: 1 });
      },
    );
  }, 60_000);

  it('a drill that fails early never takes a still-running sibling down with it: each pair gets its own outcome', async () => {
    let polls = 0;
    await withHost(
      {
        planDrills: () => plan(),
        // a's start keeps throwing (its orchestration fails after the retries); b's analyze runs long.
        startAnalyze: (i) => {
          if (i.modelId === 'a') throw new Error('start keeps failing');
          return { kind: 'started', operationLocation: `https://x/analyzeResults/${i.modelId}` };
        },
        pollAnalyze: () =>
          ++polls <= 60 ? { kind: 'running', retryAfterMs: 5000 } : { kind: 'succeeded', result: RESULT },
        recordDrills: (i) => passed(i),
      },
      async ({ host }) => {
        const s = await runDrills(host);
        expect(s.pairs).toEqual([
          expect.objectContaining({ sourceModelId: 'a', outcome: 'failed' }),
          { sourceModelId: 'b', region: 'eastus', outcome: 'passed' },
        ]);
      },
    );
  }, 60_000);

  it('a throttled start waits its Retry-After; polls wait the service Retry-After', async () => {
    let throttledOnce = false;
    let polls = 0;
    await withHost(
      {
        planDrills: () => plan({ models: plan().models.slice(0, 1) }),
        startAnalyze: () => {
          if (!throttledOnce) {
            throttledOnce = true;
            return { kind: 'throttled', retryAfterMs: 7000 };
          }
          return { kind: 'started', operationLocation: 'https://x/analyzeResults/1', retryAfterMs: 4000 };
        },
        pollAnalyze: () =>
          ++polls % 2 === 1 ? { kind: 'running', retryAfterMs: 9000 } : { kind: 'succeeded', result: RESULT },
        recordDrills: passed,
      },
      async ({ host, calls }) => {
        const s = await runDrills(host);
        expect(s.totals.passed).toBe(1);
        const at = (name: string) => calls.filter((c) => c.name === name).map((c) => c.at);
        const [t0, t1] = at('startAnalyze');
        expect(t1 - t0).toBeGreaterThanOrEqual(7000);
        const [p0, p1] = at('pollAnalyze');
        expect(p0 - t1).toBeGreaterThanOrEqual(4000);
        expect(p1 - p0).toBeGreaterThanOrEqual(9000);
        expect(s.pagesAnalyzed).toBe(4);
      },
    );
  }, 60_000);

  it('keeps within the page budget: pairs beyond it are skipped and never analyzed', async () => {
    await withHost(
      {
        planDrills: () => plan({ maxPages: 4 }),
        startAnalyze: () => ({ kind: 'started', operationLocation: 'https://x/analyzeResults/1' }),
        pollAnalyze: () => ({ kind: 'succeeded', result: RESULT }),
        recordDrills: passed,
      },
      async ({ host, calls }) => {
        const s = await runDrills(host);
        expect(s.skippedForPageBudget).toEqual([{ sourceModelId: 'b', region: 'eastus' }]);
        expect(calls.filter((c) => c.name === 'startAnalyze')).toHaveLength(2);
        expect(s.pagesAnalyzed).toBe(4);
      },
    );
  }, 60_000);

  it("analyzes the reference at the lineage's origin; a plan from before lineages keeps the DR_SOURCE_* resource", async () => {
    await withHost(
      {
        planDrills: () =>
          plan({
            models: [
              {
                sourceModelId: 'eastus@fresh',
                origin: { region: 'eastus', modelId: 'fresh' },
                sample: 'eastus@fresh/s.pdf',
                estimatedPages: 1,
                replicas: [{ region: 'westus2', targetModelId: 'fresh-w' }],
              },
              // As planned before lineages (no origin): durable history of a run in flight across the upgrade.
              {
                sourceModelId: 'a',
                sample: 'a/s.pdf',
                estimatedPages: 1,
                replicas: [{ region: 'eastus', targetModelId: 'a-dr' }],
              },
            ],
          }),
        startAnalyze: () => ({ kind: 'started', operationLocation: 'https://x/analyzeResults/1' }),
        pollAnalyze: () => ({ kind: 'succeeded', result: RESULT }),
        recordDrills: passed,
      },
      async ({ host, calls }) => {
        await runDrills(host);
        const starts = calls
          .filter((c) => c.name === 'startAnalyze')
          .map((c) => c.input as { at: unknown; modelId: string })
          .map(({ at, modelId }) => ({ at, modelId }));
        expect(starts).toEqual(
          expect.arrayContaining([
            { at: { kind: 'region', region: 'eastus' }, modelId: 'fresh' },
            { at: { kind: 'region', region: 'westus2' }, modelId: 'fresh-w' },
            { at: { kind: 'source' }, modelId: 'a' },
            { at: { kind: 'region', region: 'eastus' }, modelId: 'a-dr' },
          ]),
        );
        expect(starts).toHaveLength(4);
        const records = calls.filter((c) => c.name === 'recordDrills').map((c) => c.input as RecordDrillsInput);
        expect(records.find((r) => r.sourceModelId === 'eastus@fresh')?.origin).toEqual({
          region: 'eastus',
          modelId: 'fresh',
        });
        expect(records.find((r) => r.sourceModelId === 'a')?.origin).toBeUndefined();
      },
    );
  }, 60_000);
});
