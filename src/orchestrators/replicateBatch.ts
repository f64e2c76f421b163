/**
 * One batch of (item, region) pairs, copied with at most `parallel` copy
 * sub-orchestrations in flight (a sliding window, see ./slidingWindow.ts). Batches keep
 * every orchestration's history small: the run's parent only sees one completion per
 * batch, so replay work per copy does not grow with the number of models.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import { inputOf, orchestratorTask, resultOf, type TypedTask } from '../durable/call';
import type { BatchResult, CopyOutcome, PairRef } from '../replication/contracts';
import { copyInstanceId, freeLane } from '../replication/policy';
import { Orchestrators } from '../replication/registry';
import { slidingWindow } from './slidingWindow';

export function* replicateBatchOrchestrator(context: OrchestrationContext): Generator<Task, BatchResult, unknown> {
  const input = inputOf(context, Orchestrators.batch);
  const outcomes: CopyOutcome[] = [];
  const progress = (): void =>
    context.df.setCustomStatus({
      total: input.pairs.length,
      done: outcomes.length,
      copied: outcomes.filter((o) => o.outcome === 'copied').length,
      failed: outcomes.filter((o) => o.outcome === 'failed').length,
    });

  progress();
  // Each copy in flight holds one of the batch's lanes (its start slots, see CopySlot).
  const lanes = new Map<number, number>();
  const { slots } = input;
  yield* slidingWindow(context, {
    items: input.pairs,
    canStart: (_pair, running) => running.length < input.parallel,
    start: (pair, index) => {
      const lane = freeLane(lanes.values(), input.parallel);
      lanes.set(index, lane);
      const slot = slots ? { lane: slots.base + lane, lanes: slots.lanes, intervalMs: slots.intervalMs } : undefined;
      return orchestratorTask(
        context,
        Orchestrators.copy,
        {
          runId: input.runId,
          sourceModelId: pair.sourceModelId,
          region: pair.region,
          policy: input.policy,
          ...(slot ? { slot } : {}),
        },
        copyInstanceId(input.runId, pair),
      );
    },
    settle: (task, pair, index) => {
      lanes.delete(index);
      outcomes.push(settle(task, pair, context.df.currentUtcDateTime.toISOString()));
    },
    afterRound: progress,
  });
  return { outcomes };
}

/** A copy orchestration returns its outcome; should it ever fail outright, the failure is still one pair's failure, never the batch's. */
function settle(task: TypedTask<CopyOutcome>, pair: PairRef, now: string): CopyOutcome {
  if (!task.isFaulted && task.result && typeof task.result === 'object') return resultOf(task);
  const error = task.result instanceof Error ? task.result.message : String(task.result ?? 'unknown error');
  return {
    ...pair,
    outcome: 'failed',
    reason: { kind: 'internal', message: `copy orchestration failed: ${error.split('\n')[0].slice(0, 500)}` },
    attempts: 0,
    discarded: 0,
    startedAt: now,
    finishedAt: now,
  };
}
