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
    listSourceModels: async () => ({
      ready: ids.map((modelId) => ({ modelId, status: 'ready' as const })),
      invalid: [],
      creating: [],
      notFound: [],
    }),
    planReplication: async (p) => ({
      toCopy: p.models.flatMap((m) => p.regions.map((region) => ({ sourceModelId: m.modelId, region }))),
      alreadyReplicated: [],
      stale: [],
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
});
