/**
 * Scheduling within an episode: appends the history event a message delivers, walks the
 * orchestrator's cumulative actions against what earlier replays recorded (non-determinism is
 * an orchestration failure), and numbers and schedules the new tasks exactly as the replay
 * engine numbers them (retry timers, long timers split into pieces, sub-orchestrations).
 * Side effects (starting activities, arming timers, creating children) are collected in
 * `effects` and run only once the episode is committed.
 */
import {
  ACTION_NAMES,
  ActionKeys,
  ActionType,
  EventType,
  fingerprintOf,
  forEachAtomic,
  historyEvent,
  parseJsonText,
  takesNumber,
  toJsonText,
  type Action,
  type HistoryEvent,
  type RetryOptionsLike,
} from './durableAdapter';
import type { EngineCore } from './engineCore';
import type { Instance, LongTimer, Message, OpenTask, RetryState } from './instanceStore';
import { NonDeterministicOrchestrationError, UnsupportedActionError } from './types';

export class Scheduler {
  constructor(private readonly core: EngineCore) {}

  /**
   * Appends the history event for `msg` and mirrors the numbers the library takes while
   * replaying it. Returns false when the message is stale.
   */
  deliver(
    inst: Instance,
    msg: Exclude<Message, { kind: 'terminate' }>,
    now: number,
    events: HistoryEvent[],
    effects: Array<() => void>,
  ): boolean {
    switch (msg.kind) {
      case 'start':
        events.push(
          historyEvent(EventType.ExecutionStarted, now, {
            Name: inst.name,
            Input: toJsonText(inst.input),
            Version: '',
            ...(inst.parent
              ? {
                  ParentInstance: {
                    OrchestrationInstance: { InstanceId: inst.parent.instanceId, ExecutionId: inst.parent.executionId },
                    TaskScheduleId: inst.parent.taskId,
                  },
                }
              : {}),
          }),
        );
        return true;
      case 'event':
        events.push(historyEvent(EventType.EventRaised, now, { Name: msg.name, Input: msg.input }));
        return true;
      case 'taskCompleted':
      case 'taskFailed': {
        const task = inst.open.get(msg.taskId);
        if (!task || task.kind !== 'activity') return false;
        inst.open.delete(msg.taskId);
        if (msg.kind === 'taskCompleted') {
          events.push(historyEvent(EventType.TaskCompleted, now, { TaskScheduledId: msg.taskId, Result: msg.result }));
        } else {
          events.push(
            historyEvent(EventType.TaskFailed, now, {
              TaskScheduledId: msg.taskId,
              Reason: msg.reason,
              Details: msg.details,
              ...(msg.failureDetails ? { FailureDetails: msg.failureDetails } : {}),
            }),
          );
          if (task.retry) this.scheduleRetryTimer(inst, task.retry, now, events, effects);
        }
        return true;
      }
      case 'subCompleted':
      case 'subFailed': {
        const task = inst.open.get(msg.taskId);
        if (!task || task.kind !== 'subOrchestration') return false;
        inst.open.delete(msg.taskId);
        if (msg.kind === 'subCompleted') {
          events.push(
            historyEvent(EventType.SubOrchestrationInstanceCompleted, now, {
              TaskScheduledId: msg.taskId,
              Result: msg.result,
            }),
          );
        } else {
          events.push(
            historyEvent(EventType.SubOrchestrationInstanceFailed, now, {
              TaskScheduledId: msg.taskId,
              Reason: msg.reason,
              Details: msg.details,
            }),
          );
          if (task.retry) this.scheduleRetryTimer(inst, task.retry, now, events, effects);
        }
        return true;
      }
      case 'timerFired': {
        const task = inst.open.get(msg.taskId);
        if (!task || task.kind !== 'timer' || task.canceled) return false;
        inst.open.delete(msg.taskId);
        events.push(
          historyEvent(EventType.TimerFired, now, { TimerId: msg.taskId, FireAt: new Date(msg.fireAt).toISOString() }),
        );
        if (task.purpose === 'retry' && task.retry) {
          // RetryableTask: after the timer, either the next attempt (a new number) or the final error (none).
          if (task.retry.failures < task.retry.options.maxNumberOfAttempts)
            this.scheduleAttempt(inst, task.retry, now, events, effects);
        } else if (task.long && !task.long.canceled && task.long.finalFireAt > now) {
          // LongTimerTask: one more piece, numbered while the previous piece's TimerFired is replayed.
          this.createTimerTask(
            inst,
            this.nextPieceFireAt(task.long.finalFireAt, now),
            'timer',
            now,
            events,
            effects,
            task.long,
          );
        }
        return true;
      }
    }
  }

  private scheduleRetryTimer(
    inst: Instance,
    retry: RetryState,
    now: number,
    events: HistoryEvent[],
    effects: Array<() => void>,
  ): void {
    retry.failures++;
    const o = retry.options;
    let delay = 0;
    if (retry.failures < o.maxNumberOfAttempts) {
      delay = o.firstRetryIntervalInMilliseconds * Math.pow(o.backoffCoefficient ?? 1, retry.failures - 1);
      if (o.maxRetryIntervalInMilliseconds !== undefined && o.maxRetryIntervalInMilliseconds > 0)
        delay = Math.min(delay, o.maxRetryIntervalInMilliseconds);
    }
    this.createTimerTask(inst, now + delay, 'retry', now, events, effects, undefined, retry);
  }

  private scheduleAttempt(
    inst: Instance,
    retry: RetryState,
    now: number,
    events: HistoryEvent[],
    effects: Array<() => void>,
  ): void {
    const id = inst.nextSeq++;
    if (retry.kind === 'activity')
      this.scheduleActivity(inst, id, retry.name, retry.input, now, events, effects, retry);
    else
      this.scheduleSubOrchestration(
        inst,
        id,
        retry.name,
        retry.explicitInstanceId,
        retry.input,
        now,
        events,
        effects,
        retry,
      );
  }

  private nextPieceFireAt(finalFireAt: number, now: number): number {
    return finalFireAt - now > this.core.opts.maximumShortTimerMs
      ? now + this.core.opts.longRunningTimerIntervalMs
      : finalFireAt;
  }

  private createTimerTask(
    inst: Instance,
    fireAt: number,
    purpose: 'timer' | 'retry',
    now: number,
    events: HistoryEvent[],
    effects: Array<() => void>,
    long?: LongTimer,
    retry?: RetryState,
    id: number = inst.nextSeq++,
    canceled = false,
  ): void {
    const task: OpenTask = { kind: 'timer', id, fireAt, canceled, purpose, long, retry };
    inst.open.set(id, task);
    events.push(historyEvent(EventType.TimerCreated, now, { FireAt: new Date(fireAt).toISOString() }, id));
    if (canceled) return;
    effects.push(() => {
      this.core.emit({
        type: 'timerSet',
        time: this.core.iso(),
        instanceId: inst.id,
        taskId: id,
        fireAt: new Date(fireAt).toISOString(),
        purpose,
      });
      if (!task.canceled) this.core.timers.add(inst, id, fireAt);
    });
  }

  private scheduleActivity(
    inst: Instance,
    id: number,
    name: string,
    input: unknown,
    now: number,
    events: HistoryEvent[],
    effects: Array<() => void>,
    retry?: RetryState,
  ): void {
    inst.open.set(id, { kind: 'activity', id, name, input, retry });
    events.push(historyEvent(EventType.TaskScheduled, now, { Name: name, Input: toJsonText(input) }, id));
    const executionId = inst.executionId;
    effects.push(() => this.core.startActivity(inst.id, executionId, id, name, input));
  }

  private scheduleSubOrchestration(
    inst: Instance,
    id: number,
    name: string,
    explicitInstanceId: string | undefined,
    input: unknown,
    now: number,
    events: HistoryEvent[],
    effects: Array<() => void>,
    retry?: RetryState,
  ): void {
    const childId = explicitInstanceId ?? `${inst.id}:${id.toString(16).padStart(4, '0')}`;
    inst.open.set(id, { kind: 'subOrchestration', id, name, childInstanceId: childId, retry });
    events.push(
      historyEvent(
        EventType.SubOrchestrationInstanceCreated,
        now,
        { Name: name, InstanceId: childId, Input: toJsonText(input) },
        id,
      ),
    );
    const parent = { instanceId: inst.id, executionId: inst.executionId, taskId: id };
    effects.push(() => {
      const fn = this.core.opts.registry.find(name);
      if (!fn || fn.kind !== 'orchestration') {
        const reason = `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`;
        this.core.enqueue(inst, {
          kind: 'subFailed',
          executionId: parent.executionId,
          taskId: id,
          reason,
          details: reason,
        });
        return;
      }
      this.core.createInstance(fn.name, childId, input, parent);
    });
  }

  /** Walks the cumulative action list; returns the ContinueAsNew action if any. */
  processActions(
    inst: Instance,
    actions: Action[],
    now: number,
    events: HistoryEvent[],
    effects: Array<() => void>,
  ): Action | undefined {
    const seen = new Map<Action, number>();
    const keys = new ActionKeys(inst.fingerprints);
    let continueAsNew: Action | undefined;
    for (let i = 0; i < actions.length; i++) {
      const action = actions[i];
      const key = keys.keyOf(action);
      if (i < inst.recorded.length) {
        const rec = inst.recorded[i];
        if (rec.key !== key) {
          const fingerprint = fingerprintOf(action);
          throw new NonDeterministicOrchestrationError(
            `Non-deterministic orchestrator '${inst.name}' (instance '${inst.id}', episode ${inst.episodes}): action #${i} was ${rec.fingerprint} in an earlier replay but is now ${fingerprint}. Orchestrator code must make the same calls in the same order on every replay.`,
          );
        }
        let k = 0;
        forEachAtomic(action, (a) => {
          if (!takesNumber(a) || seen.has(a)) return;
          const id = rec.ids[k++];
          seen.set(a, id);
          if (a.actionType === ActionType.CreateTimer && a.isCanceled) this.core.timers.cancel(inst, id);
        });
        if (action.actionType === ActionType.ContinueAsNew) continueAsNew = action;
        continue;
      }
      const ids: number[] = [];
      forEachAtomic(action, (a) => {
        if (a.actionType === ActionType.ContinueAsNew) {
          continueAsNew = a;
          return;
        }
        if (a.actionType === ActionType.WaitForExternalEvent) return;
        if (!takesNumber(a))
          throw new UnsupportedActionError(
            `The local host does not support ${ACTION_NAMES[a.actionType] ?? `action type ${a.actionType}`} (orchestrator '${inst.name}', instance '${inst.id}').`,
          );
        if (seen.has(a)) return;
        const id = inst.nextSeq++;
        seen.set(a, id);
        ids.push(id);
        this.scheduleAction(inst, id, a, now, events, effects);
      });
      inst.recorded.push({ fingerprint: fingerprintOf(action), key, ids });
    }
    if (actions.length < inst.recorded.length) {
      throw new NonDeterministicOrchestrationError(
        `Non-deterministic orchestrator '${inst.name}' (instance '${inst.id}', episode ${inst.episodes}): action #${actions.length} was ${inst.recorded[actions.length].fingerprint} in an earlier replay but is now missing.`,
      );
    }
    return continueAsNew;
  }

  private scheduleAction(
    inst: Instance,
    id: number,
    a: Action,
    now: number,
    events: HistoryEvent[],
    effects: Array<() => void>,
  ): void {
    switch (a.actionType) {
      case ActionType.CallActivity:
      case ActionType.CallActivityWithRetry: {
        // Activity inputs went through Utils.processInput: strings are JSON-encoded, the rest is raw.
        const input = typeof a.input === 'string' ? parseJsonText(a.input) : a.input;
        const name = a.functionName as string;
        const retry: RetryState | undefined =
          a.actionType === ActionType.CallActivityWithRetry
            ? { options: a.retryOptions as RetryOptionsLike, failures: 0, kind: 'activity', name, input }
            : undefined;
        this.scheduleActivity(inst, id, name, input, now, events, effects, retry);
        return;
      }
      case ActionType.CallSubOrchestrator:
      case ActionType.CallSubOrchestratorWithRetry: {
        const name = a.functionName as string;
        const explicit = typeof a.instanceId === 'string' && a.instanceId ? a.instanceId : undefined;
        const retry: RetryState | undefined =
          a.actionType === ActionType.CallSubOrchestratorWithRetry
            ? {
                options: a.retryOptions as RetryOptionsLike,
                failures: 0,
                kind: 'subOrchestration',
                name,
                input: a.input,
                explicitInstanceId: explicit,
              }
            : undefined;
        this.scheduleSubOrchestration(inst, id, name, explicit, a.input, now, events, effects, retry);
        return;
      }
      case ActionType.CreateTimer: {
        const finalFireAt = new Date(a.fireAt as Date).getTime();
        if (finalFireAt - now > this.core.opts.maximumShortTimerMs) {
          const long: LongTimer = { finalFireAt, canceled: !!a.isCanceled };
          inst.longTimers.set(id, long);
          this.createTimerTask(
            inst,
            this.nextPieceFireAt(finalFireAt, now),
            'timer',
            now,
            events,
            effects,
            long,
            undefined,
            id,
            !!a.isCanceled,
          );
        } else {
          this.createTimerTask(
            inst,
            finalFireAt,
            'timer',
            now,
            events,
            effects,
            undefined,
            undefined,
            id,
            !!a.isCanceled,
          );
        }
        return;
      }
      default:
        throw new UnsupportedActionError(
          `The local host does not support ${ACTION_NAMES[a.actionType] ?? `action type ${a.actionType}`} (orchestrator '${inst.name}', instance '${inst.id}').`,
        );
    }
  }
}
