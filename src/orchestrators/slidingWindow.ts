/**
 * A sliding window of durable tasks (not waves: a slow task never holds back the rest),
 * written once for the run (batches) and the batch (copies). Deterministic: tasks start in
 * item order and are settled in the order they were started.
 */
import type { OrchestrationContext, Task } from 'durable-functions';

export interface WindowSpec<T, K extends Task = Task> {
  items: readonly T[];
  /** May `item` start now, with `running` in flight (oldest first)? Must be true when nothing runs. */
  canStart(item: T, running: readonly T[]): boolean;
  /** Starts the task for `item` (the `index`-th). */
  start(item: T, index: number): K;
  /** Takes a completed (possibly faulted) task's result. */
  settle(task: K, item: T, index: number): void;
  /** After every round of settled tasks (progress). */
  afterRound?(): void;
}

export function* slidingWindow<T, K extends Task>(
  context: OrchestrationContext,
  spec: WindowSpec<T, K>,
): Generator<Task, void, unknown> {
  const { items } = spec;
  const running = new Map<K, { item: T; index: number }>();
  let next = 0;
  while (next < items.length || running.size > 0) {
    while (
      next < items.length &&
      spec.canStart(
        items[next],
        [...running.values()].map((r) => r.item),
      )
    ) {
      running.set(spec.start(items[next], next), { item: items[next], index: next });
      next += 1;
    }
    if (running.size === 0) throw new Error(`sliding window: item ${next} cannot start with nothing running`);
    // Task.any over tasks that are already complete never resolves in durable-functions
    // 3.x (the compound task only listens for future completions), so harvest finished
    // tasks first and only wait when every task in the window is still running.
    if (![...running.keys()].some(isSettled)) {
      yield context.df.Task.any([...running.keys()]);
    }
    for (const [task, r] of [...running]) {
      if (!isSettled(task)) continue;
      running.delete(task);
      spec.settle(task, r.item, r.index);
    }
    spec.afterRound?.();
  }
}

/**
 * Done, successfully or not. In durable-functions 3.x `isCompleted` is false for a faulted task
 * (`isFaulted` is true instead): harvesting by `isCompleted` alone would never settle a failed
 * task, and a `Task.any` over it never resolves.
 */
export function isSettled(task: Task): boolean {
  return task.isCompleted || task.isFaulted;
}
