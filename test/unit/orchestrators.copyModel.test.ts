/**
 * copyModel with fake activities (no storage, no emulator): the real orchestrator on the
 * real replay engine, on the virtual clock.
 */
import type { CopyOutcome, CopyPolicy, StartCopyResult } from '../../src/replication/contracts';
import { DEFAULT_COPY_POLICY } from '../../src/replication/policy';
import { Orchestrators } from '../../src/replication/registry';
import { startFakeHost, type FakeActivities, type FakeHost } from '../support/fakeActivities';

const policy: CopyPolicy = { ...DEFAULT_COPY_POLICY };
const input = { runId: 'run-1', sourceModelId: 'model-a', region: 'eastus', policy };

const started = (n: number): StartCopyResult => ({
  kind: 'started',
  targetModelId: `target-${n}`,
  operationLocation: `https://target/op/${n}`,
  expiresAt: '2026-05-02T00:00:00Z',
});

async function copy(fakes: FakeActivities): Promise<{ outcome: CopyOutcome; h: FakeHost }> {
  const h = await startFakeHost({
    recordCopyFailure: async () => undefined,
    discardTarget: async () => ({ deleted: true }),
    finishCopy: async (i) => ({ kind: 'verified', targetModelId: i.targetModelId, verifiedAt: '2026-05-01T00:01:00Z' }),
    ...fakes,
  });
  const id = await h.host.durable.startNew(Orchestrators.copy.name, { input });
  const status = await h.host.durable.waitForInstance(id);
  await h.close();
  expect(status.runtimeStatus).toBe('Completed');
  return { outcome: status.output as CopyOutcome, h };
}

const names = (h: FakeHost): string[] => h.calls.map((c) => c.name);

describe('copyModel orchestrator (fake activities, virtual clock)', () => {
  it('copies: start, poll until succeeded, verify', async () => {
    let polls = 0;
    const { outcome, h } = await copy({
      startCopy: async () => started(1),
      checkCopy: async () =>
        ++polls < 3 ? { kind: 'pending', status: 'running' } : { kind: 'succeeded', targetModelId: 'target-1' },
    });
    expect(outcome).toMatchObject({ outcome: 'copied', targetModelId: 'target-1', attempts: 1, discarded: 0 });
    expect(names(h)).toEqual(['startCopy', 'checkCopy', 'checkCopy', 'checkCopy', 'finishCopy']);
  });

  it('renews an expired authorization: the blank model is discarded and a new attempt copies', async () => {
    let starts = 0;
    const { outcome, h } = await copy({
      startCopy: async () => started(++starts),
      checkCopy: async (i) =>
        i.targetModelId === 'target-1'
          ? {
              kind: 'failed',
              renew: true,
              reason: { kind: 'authorization', code: 'AuthorizationExpired', message: 'expired' },
            }
          : { kind: 'succeeded', targetModelId: i.targetModelId },
    });
    expect(outcome).toMatchObject({ outcome: 'copied', targetModelId: 'target-2', attempts: 2, discarded: 1 });
    expect(h.calls.filter((c) => c.name === 'discardTarget').map((c) => c.input)).toEqual([
      { runId: 'run-1', sourceModelId: 'model-a', region: 'eastus', targetModelId: 'target-1' },
    ]);
  });

  it('stops on a permanent failure and records it, without another attempt', async () => {
    const reason = { kind: 'permanent' as const, code: 'InvalidModel', message: 'the model is invalid' };
    const { outcome, h } = await copy({ startCopy: async () => ({ kind: 'failed', reason }) });
    expect(outcome).toMatchObject({ outcome: 'failed', reason, attempts: 1, discarded: 0 });
    expect(names(h)).toEqual(['startCopy', 'recordCopyFailure']);
    expect(h.calls[1].input).toEqual({
      runId: 'run-1',
      sourceModelId: 'model-a',
      region: 'eastus',
      reason,
      attempts: 1,
      // When the pair's copy started (the orchestration's own time), for modeldr.copy.duration.
      startedAt: '2026-05-01T00:00:00.000Z',
    });
  });

  it('throttling does not count as an attempt', async () => {
    let starts = 0;
    const { outcome, h } = await copy({
      startCopy: async () =>
        ++starts <= policy.maxAttempts + 2
          ? {
              kind: 'retry',
              countsAsAttempt: false,
              retryAfterMs: 10_000,
              reason: { kind: 'throttled', code: '429', message: 'too many requests' },
            }
          : started(starts),
      checkCopy: async (i) => ({ kind: 'succeeded', targetModelId: i.targetModelId }),
    });
    // More throttled tries than the attempt budget, and still one attempt.
    expect(starts).toBe(policy.maxAttempts + 3);
    expect(outcome).toMatchObject({ outcome: 'copied', attempts: 1 });
    expect(names(h).filter((n) => n === 'startCopy')).toHaveLength(policy.maxAttempts + 3);
  });

  it('a copy that fails for good discards its blank model and records the failure', async () => {
    const reason = { kind: 'permanent' as const, code: 'ModelCorrupt', message: 'copy failed' };
    const { outcome, h } = await copy({
      startCopy: async () => started(1),
      checkCopy: async () => ({ kind: 'failed', renew: false, reason }),
    });
    expect(outcome).toMatchObject({ outcome: 'failed', reason, attempts: 1, discarded: 1 });
    expect(names(h)).toEqual(['startCopy', 'checkCopy', 'discardTarget', 'recordCopyFailure']);
  });
});
