/**
 * The run and batch orchestrators with fake activities (no storage, no emulator): the
 * sliding window's bound and a failed pair that does not abort the run.
 */
import type { RunConfig, RunSummary } from '../../src/replication/contracts';
import { DEFAULT_COPY_POLICY } from '../../src/replication/policy';
import { Orchestrators } from '../../src/replication/registry';
import { startFakeHost, type FakeActivities } from '../support/fakeActivities';

function config(maxParallel: number, batchSize: number): RunConfig {
  return {
    sourceRegion: 'westus2',
    apiVersion: '2024-11-30',
    regions: ['eastus'],
    unknownRegions: [],
    maxParallel,
    batchSize,
    copy: { ...DEFAULT_COPY_POLICY },
  };
}

/** Fake copy activities that keep every copy running for a few polls and track how many are in flight. */
function copies(options: { failing?: string } = {}): { fakes: FakeActivities; maxInFlight: () => number } {
  const inFlight = new Set<string>();
  const polls = new Map<string, number>();
  let max = 0;
  return {
    maxInFlight: () => max,
    fakes: {
      startCopy: async (i) => {
        if (i.sourceModelId === options.failing)
          return { kind: 'failed', reason: { kind: 'permanent', code: 'InvalidModel', message: 'cannot be copied' } };
        inFlight.add(i.sourceModelId);
        max = Math.max(max, inFlight.size);
        return {
          kind: 'started',
          targetModelId: `t-${i.sourceModelId}`,
          operationLocation: `https://t/op/${i.sourceModelId}`,
          expiresAt: '2026-05-02T00:00:00Z',
        };
      },
      checkCopy: async (i) => {
        const n = (polls.get(i.sourceModelId) ?? 0) + 1;
        polls.set(i.sourceModelId, n);
        return n < 3 ? { kind: 'pending', status: 'running' } : { kind: 'succeeded', targetModelId: i.targetModelId };
      },
      finishCopy: async (i) => {
        inFlight.delete(i.sourceModelId);
        return { kind: 'verified', targetModelId: i.targetModelId, verifiedAt: '2026-05-01T00:01:00Z' };
      },
      recordCopyFailure: async () => undefined,
      discardTarget: async () => ({ deleted: true }),
    },
  };
}

async function run(models: number, runConfig: RunConfig, fakes: FakeActivities): Promise<RunSummary> {
  const ids = Array.from({ length: models }, (_, i) => `model-${i}`);
  const h = await startFakeHost({
    loadRunConfig: async () => runConfig,
    sweepBlankModels: async () => ({ deleted: 0 }),
    listSourceModels: async () => ({ listed: ids.length, pages: 1 }),
    listTargetModels: async () => ({ listed: 0, pages: 1 }),
    planReplication: async (p) => ({
      readyModels: ids.length,
      toCopy: ids.flatMap((sourceModelId) => p.regions.map((region) => ({ sourceModelId, region }))),
      phaseSizes: [ids.length * p.regions.length],
      alreadyReplicatedCount: 0,
      stale: [],
      invalid: [],
      creating: [],
      notFound: [],
    }),
    saveRunReport: async () => undefined,
    ...fakes,
  });
  const id = await h.host.durable.startNew(Orchestrators.replicate.name, { input: { trigger: 'local' } });
  const status = await h.host.durable.waitForInstance(id);
  await h.close();
  expect(status.runtimeStatus).toBe('Completed');
  return status.output as RunSummary;
}

describe('replicateModels orchestrator (fake activities, virtual clock)', () => {
  it('keeps at most DR_MAX_PARALLEL copies in flight in one batch', async () => {
    const c = copies();
    const summary = await run(10, config(3, 50), c.fakes);
    expect(summary.totals).toMatchObject({ planned: 10, copied: 10, failed: 0 });
    expect(c.maxInFlight()).toBe(3);
  });

  it('keeps at most DR_MAX_PARALLEL copies in flight across concurrent batches', async () => {
    // 60 pairs in batches of 20, 6 at a time: 2 batches at once, 3 copies each.
    const c = copies();
    const summary = await run(60, config(6, 20), c.fakes);
    expect(summary.totals).toMatchObject({ planned: 60, copied: 60, failed: 0 });
    expect(c.maxInFlight()).toBe(6);
  });

  it('one failed pair does not abort the run', async () => {
    const c = copies({ failing: 'model-4' });
    const summary = await run(10, config(3, 50), c.fakes);
    expect(summary.totals).toMatchObject({ planned: 10, copied: 9, failed: 1 });
    expect(summary.failures).toEqual([
      {
        sourceModelId: 'model-4',
        region: 'eastus',
        reason: { kind: 'permanent', code: 'InvalidModel', message: 'cannot be copied' },
        attempts: 1,
      },
    ]);
  });

  it('a copy orchestration that fails outright settles as that pair failed (a faulted task is not "completed")', async () => {
    const c = copies();
    const startCopy = c.fakes.startCopy!;
    const summary = await run(6, config(3, 50), {
      ...c.fakes,
      startCopy: async (i, ctx) => {
        if (i.sourceModelId === 'model-2') throw new Error('the ledger is gone');
        return startCopy(i, ctx);
      },
    });
    expect(summary.totals).toMatchObject({ planned: 6, copied: 5, failed: 1 });
    expect(summary.failures[0]).toMatchObject({ sourceModelId: 'model-2', reason: { kind: 'internal' } });
  });

  it('a run that fails as a whole is reported (reportRunFailed) before the orchestration fails', async () => {
    const h = await startFakeHost({
      loadRunConfig: async () => config(3, 50),
      sweepBlankModels: async () => ({ deleted: 0 }),
      listSourceModels: async () => {
        throw new Error('the source listing keeps failing');
      },
      reportRunFailed: async () => undefined,
    });
    const id = await h.host.durable.startNew(Orchestrators.replicate.name, { input: { trigger: 'local' } });
    const status = await h.host.durable.waitForInstance(id);
    await h.close();
    expect(status.runtimeStatus).toBe('Failed');
    const reported = h.calls.filter((c) => c.name === 'reportRunFailed');
    expect(reported).toHaveLength(1);
    expect(reported[0]?.input).toMatchObject({
      runId: id,
      trigger: 'local',
      error: expect.stringContaining('the source listing keeps failing'),
    });
    expect(h.calls.some((c) => c.name === 'saveRunReport')).toBe(false);
  });

  it('lists every target at once, each resumed after its pause, and plans once with the failed region named', async () => {
    const twoRegions = { ...config(3, 50), regions: ['eastus', 'westeurope', 'japaneast'] };
    const h = await startFakeHost({
      loadRunConfig: async () => twoRegions,
      sweepBlankModels: async () => ({ deleted: 0 }),
      // The source: 3 bursts, paused 1 s between them.
      listSourceModels: async (i) =>
        i.from === 'p3'
          ? { listed: 10, pages: 1 }
          : { listed: 100, pages: 10, resume: { from: i.from === 'p2' ? 'p3' : 'p2', retryAfterMs: 1000 } },
      listTargetModels: async (i) => {
        if (i.region === 'japaneast') throw new Error('japaneast: 503 ServiceUnavailable');
        if (i.region === 'eastus' && i.from === undefined)
          return { listed: 300, pages: 10, resume: { from: 'e2', retryAfterMs: 1100 } };
        return { listed: 5, pages: 1 };
      },
      planReplication: async (p) => ({
        readyModels: 210,
        toCopy: [],
        phaseSizes: [],
        alreadyReplicatedCount: 210 * p.regions.length,
        stale: [],
        invalid: [],
        creating: [],
        notFound: [],
      }),
      saveRunReport: async () => undefined,
    });
    const id = await h.host.durable.startNew(Orchestrators.replicate.name, { input: { trigger: 'local' } });
    const status = await h.host.durable.waitForInstance(id);
    await h.close();
    expect(status.runtimeStatus).toBe('Completed');
    const names = h.calls.map((c) => c.name);
    expect(names.filter((n) => n === 'listSourceModels')).toHaveLength(3);
    // eastus twice (resumed from its cursor), westeurope once, japaneast through its retries.
    const targets = h.calls
      .filter((c) => c.name === 'listTargetModels')
      .map((c) => c.input as { region: string; from?: string });
    expect(targets.filter((t) => t.region === 'eastus')).toEqual([
      { runId: id, region: 'eastus' },
      { runId: id, region: 'eastus', from: 'e2' },
    ]);
    expect(targets.filter((t) => t.region === 'westeurope')).toHaveLength(1);
    expect(targets.filter((t) => t.region === 'japaneast').length).toBeGreaterThan(1);
    // One planning call for every region: the failed region is named with its reason, and the
    // input carries no model list (the items are in the listing scratch).
    const plans = h.calls.filter((c) => c.name === 'planReplication');
    expect(plans).toHaveLength(1);
    expect(plans[0]?.input).toEqual({
      runId: id,
      regions: ['eastus', 'westeurope', 'japaneast'],
      unlisted: [{ region: 'japaneast', reason: expect.stringContaining('503 ServiceUnavailable') }],
      recordVerified: true,
    });
    // Planning comes after the last listing.
    expect(names.lastIndexOf('listTargetModels')).toBeLessThan(names.indexOf('planReplication'));
    const summary = status.output as RunSummary;
    expect(summary.totals).toMatchObject({ readyModels: 210, pairs: 630, planned: 0, alreadyReplicated: 630 });
  });
});
