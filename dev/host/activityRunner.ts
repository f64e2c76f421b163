/**
 * Runs activities for scheduled tasks: at most `maxConcurrentActivities` at once, each
 * invocation as the Functions host would make it, with the "at-least-once" rules that lose a
 * result and execute the activity again as the real engine may. The outcome is queued for the
 * instance as a TaskCompleted or TaskFailed message.
 */
import { jsonRoundTrip, parseFailureDetails, toJsonText } from './durableAdapter';
import type { EngineCore } from './engineCore';
import { createInvocationContext, errorDetails, errorMessage } from './invocation';
import type { FunctionDescription } from './registry';
import { isTerminal, type AtLeastOnceRule } from './types';
import { Semaphore } from './work';

type Outcome = { ok: true; result: string } | { ok: false; err: unknown };

export class ActivityRunner {
  private readonly slots: Semaphore;
  private readonly lostBudget: Array<{ rule: AtLeastOnceRule; remaining: number }>;

  constructor(private readonly core: EngineCore) {
    this.slots = new Semaphore(core.opts.maxConcurrentActivities);
    this.lostBudget = core.opts.atLeastOnce.map((rule) => ({ rule, remaining: rule.count ?? 1 }));
  }

  start(instanceId: string, executionId: string, taskId: number, name: string, input: unknown): void {
    this.core.opts.work.begin();
    void this.slots
      .run(() => this.execute(instanceId, executionId, taskId, name, input))
      .catch((err: unknown) => this.core.fatal(err instanceof Error ? err : new Error(errorMessage(err))))
      .finally(() => this.core.opts.work.end());
  }

  private async execute(
    instanceId: string,
    executionId: string,
    taskId: number,
    name: string,
    input: unknown,
  ): Promise<void> {
    const { core } = this;
    const inst = core.store.get(instanceId);
    if (!inst || inst.executionId !== executionId || isTerminal(inst.status)) return;
    const fn = core.opts.registry.find(name);
    if (!fn || fn.kind !== 'activity') {
      const reason = `The function '${name}' doesn't exist, is disabled, or is not an activity function.`;
      core.enqueue(inst, { kind: 'taskFailed', executionId, taskId, reason, details: reason });
      return;
    }
    let execution = 0;
    let outcome: Outcome;
    for (;;) {
      execution++;
      core.emit({ type: 'activityStarted', time: core.iso(), instanceId, name: fn.name, taskId, execution });
      outcome = await this.invoke(fn, input, instanceId);
      if (!this.takeLostResult(fn.name, input)) break;
      core.emit({ type: 'activityResultLost', time: core.iso(), instanceId, name: fn.name, taskId, execution });
      core.opts.deps.logger({
        level: 'warning',
        category: 'host',
        instanceId,
        time: core.iso(),
        message: `at-least-once: the result of activity '${fn.name}' (task ${taskId}) is dropped; executing it again.`,
      });
    }
    const current = core.store.get(instanceId);
    if (!current || current !== inst || inst.executionId !== executionId || isTerminal(inst.status)) return;
    if (outcome.ok) {
      core.emit({ type: 'activityCompleted', time: core.iso(), instanceId, name: fn.name, taskId });
      core.enqueue(inst, { kind: 'taskCompleted', executionId, taskId, result: outcome.result });
    } else {
      const message = errorMessage(outcome.err);
      const failureDetails = parseFailureDetails(message);
      const shownMessage = failureDetails ? String(failureDetails.ErrorMessage ?? message) : message;
      core.emit({ type: 'activityFailed', time: core.iso(), instanceId, name: fn.name, taskId, error: shownMessage });
      core.enqueue(inst, {
        kind: 'taskFailed',
        executionId,
        taskId,
        reason: `Activity function '${fn.name}' failed: ${shownMessage}`,
        details: errorDetails(outcome.err),
        failureDetails,
      });
    }
  }

  private async invoke(fn: FunctionDescription, input: unknown, instanceId: string): Promise<Outcome> {
    this.core.stats.activityExecutions++;
    const context = createInvocationContext(fn, this.core.opts.deps, { instanceId, triggerMetadata: { instanceId } });
    try {
      const value = await fn.handler(jsonRoundTrip(input), context);
      return { ok: true, result: toJsonText(value) };
    } catch (err) {
      return { ok: false, err };
    }
  }

  private takeLostResult(name: string, input: unknown): boolean {
    for (const b of this.lostBudget) {
      if (b.remaining <= 0) continue;
      const r = b.rule.activity;
      const match = typeof r === 'string' ? r.toLowerCase() === name.toLowerCase() : r(name, input);
      if (match) {
        b.remaining--;
        return true;
      }
    }
    return false;
  }
}
