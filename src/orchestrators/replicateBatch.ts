/**
 * One batch of (model, region) pairs, copied with at most `parallel` copy
 * sub-orchestrations in flight (a sliding window, not waves: a slow copy never holds
 * back the rest). Batches keep every orchestration's history small: the run's parent
 * only sees one completion per batch, so replay work per copy does not grow with the
 * number of models.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import {
  Orchestrators,
  type BatchInput,
  type BatchResult,
  type CopyInput,
  type CopyOutcome,
  type PairRef,
} from '../replication/contracts';
import { copyInstanceId } from '../replication/policy';

export function* replicateBatchOrchestrator(context: OrchestrationContext): Generator<Task, BatchResult, unknown> {
  const input = context.df.getInput() as BatchInput;
  const outcomes: CopyOutcome[] = [];
  const running = new Map<Task, PairRef>();
  let next = 0;
  const progress = (): void =>
    context.df.setCustomStatus({
      total: input.pairs.length,
      done: outcomes.length,
      copied: outcomes.filter((o) => o.outcome === 'copied').length,
      failed: outcomes.filter((o) => o.outcome === 'failed').length,
    });

  progress();
  while (next < input.pairs.length || running.size > 0) {
    while (running.size < input.parallel && next < input.pairs.length) {
      const pair = input.pairs[next++];
      const copyInput: CopyInput = {
        runId: input.runId,
        sourceModelId: pair.sourceModelId,
        region: pair.region,
        policy: input.policy,
      };
      running.set(
        context.df.callSubOrchestrator(Orchestrators.copy, copyInput, copyInstanceId(input.runId, pair)),
        pair,
      );
    }
    // Task.any over tasks that are already complete never resolves in durable-functions
    // 3.x (the compound task only listens for future completions), so harvest finished
    // copies first and only wait when every task in the window is still running.
    if (![...running.keys()].some((t) => t.isCompleted)) {
      yield context.df.Task.any([...running.keys()]);
    }
    for (const [task, pair] of [...running]) {
      if (!task.isCompleted) continue;
      running.delete(task);
      outcomes.push(settle(task, pair, context.df.currentUtcDateTime.toISOString()));
    }
    progress();
  }
  return { outcomes };
}

/** A copy orchestration returns its outcome; should it ever fail outright, the failure is still one pair's failure, never the batch's. */
function settle(task: Task, pair: PairRef, now: string): CopyOutcome {
  if (!task.isFaulted && task.result && typeof task.result === 'object') return task.result as CopyOutcome;
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
