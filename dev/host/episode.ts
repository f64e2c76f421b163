/**
 * One episode of an orchestration instance: deliver one message, invoke the orchestrator
 * (the real durable-functions replay engine) with the whole history, schedule the new
 * actions, cross-check the open tasks with the library's, and commit: the instance runs on,
 * completes, fails, continues as new or is terminated; a finished child reports to its parent.
 */
import {
  actionsOf,
  EventType,
  historyEvent,
  jsonRoundTrip,
  libraryOpenTaskIds,
  libraryVersion,
  orchestrationPayload,
  parseJsonText,
  readOrchestratorError,
  toJsonText,
  wireCopy,
  type Action,
  type HistoryEvent,
  type OrchestratorStateLike,
} from './durableAdapter';
import type { EngineCore } from './engineCore';
import { newExecutionId, type Instance, type Message } from './instanceStore';
import { createInvocationContext, errorDetails, errorMessage } from './invocation';
import type { Scheduler } from './scheduling';
import {
  HostInvariantError,
  isTerminal,
  NonDeterministicOrchestrationError,
  UnsupportedActionError,
  type RuntimeStatus,
} from './types';

export class EpisodeRunner {
  constructor(
    private readonly core: EngineCore,
    private readonly scheduler: Scheduler,
  ) {}

  async run(inst: Instance, msg: Message): Promise<void> {
    if (isTerminal(inst.status)) return;
    if ('executionId' in msg && msg.executionId !== inst.executionId) return; // stale: earlier execution

    const now = Math.max(this.core.opts.clock.now(), inst.lastTimestamp);
    inst.lastTimestamp = now;

    if (msg.kind === 'terminate') {
      inst.history.push(historyEvent(EventType.ExecutionTerminated, now, { Input: toJsonText(msg.reason) }));
      this.finish(inst, 'Terminated', msg.reason, now);
      this.core.emit({
        type: 'instanceTerminated',
        time: this.core.iso(),
        instanceId: inst.id,
        name: inst.name,
        reason: msg.reason,
      });
      return;
    }

    const newEvents: HistoryEvent[] = [historyEvent(EventType.OrchestratorStarted, now)];
    /** Side effects that run only once the episode has been committed. */
    const effects: Array<() => void> = [];

    // 1. The one new event of this episode, and the task numbers the library takes while replaying it.
    const delivered = this.scheduler.deliver(inst, msg, now, newEvents, effects);
    if (!delivered) return; // a completion for a task that is no longer open (e.g. lost race)

    // 2. Invoke the orchestrator with the whole history.
    const fn = this.core.opts.registry.get(inst.name, 'orchestration');
    // A copy the replay engine may change (it turns Timestamps into Dates), as if parsed from the wire.
    const history = [
      ...inst.history.map((e) => wireCopy(e, true)),
      ...newEvents.slice(0, 2).map((e) => wireCopy(e, e.IsPlayed)),
    ];
    const payload = orchestrationPayload({
      history,
      input: structuredClone(inst.input),
      instanceId: inst.id,
      isReplaying: inst.history.length > 0,
      parentInstanceId: inst.parent?.instanceId,
      longRunningTimerIntervalMs: this.core.opts.longRunningTimerIntervalMs,
      maximumShortTimerMs: this.core.opts.maximumShortTimerMs,
    });
    const context = createInvocationContext(fn, this.core.opts.deps, { instanceId: inst.id });
    let state: OrchestratorStateLike | undefined;
    let failure: { message: string; details: string } | undefined;
    try {
      state = (await fn.handler(payload, context)) as OrchestratorStateLike;
    } catch (err) {
      ({ state, failure } = readOrchestratorError(err, errorMessage(err), () => errorDetails(err)));
    }
    inst.episodes++;
    this.core.stats.episodes++;

    // 3. Diff the cumulative actions against what was recorded; number and schedule the new ones.
    let continueAsNew: Action | undefined;
    try {
      continueAsNew = this.scheduler.processActions(inst, actionsOf(state), now, newEvents, effects);
    } catch (err) {
      if (err instanceof NonDeterministicOrchestrationError || err instanceof UnsupportedActionError) {
        failure = { message: err.message, details: err.stack ?? err.message };
        state = undefined;
      } else throw err;
    }

    // 4. Cross-check the open tasks with the replay engine's.
    if (!failure && this.core.opts.crossCheck) this.crossCheck(inst, context);

    // 5. Commit.
    if (state?.customStatus !== undefined) inst.customStatus = jsonRoundTrip(state.customStatus);
    const wasPending = inst.status === 'Pending';
    if (msg.kind === 'start') {
      inst.status = 'Running';
      if (wasPending || inst.history.length === 0) {
        this.core.emit({
          type: 'instanceStarted',
          time: this.core.iso(),
          instanceId: inst.id,
          name: inst.name,
          parentInstanceId: inst.parent?.instanceId,
        });
      }
    }

    if (failure) {
      const reason = `Orchestrator function '${inst.name}' failed: ${failure.message}`;
      newEvents.push(
        historyEvent(EventType.ExecutionCompleted, now, { OrchestrationStatus: 'Failed', Result: toJsonText(reason) }),
      );
      newEvents.push(historyEvent(EventType.OrchestratorCompleted, now));
      inst.history.push(...newEvents);
      this.finish(inst, 'Failed', reason, now, failure.details);
      this.core.emit({
        type: 'instanceFailed',
        time: this.core.iso(),
        instanceId: inst.id,
        name: inst.name,
        error: reason,
      });
      return;
    }

    if (state?.isDone && continueAsNew) {
      newEvents.push(historyEvent(EventType.ContinueAsNew, now, { Result: toJsonText(continueAsNew.input) }));
      newEvents.push(historyEvent(EventType.OrchestratorCompleted, now));
      inst.history.push(...newEvents);
      this.continueAsNew(inst, continueAsNew, now);
      return;
    }

    if (state?.isDone) {
      const output = state.output === undefined ? null : jsonRoundTrip(state.output);
      newEvents.push(
        historyEvent(EventType.ExecutionCompleted, now, {
          OrchestrationStatus: 'Completed',
          Result: toJsonText(output),
        }),
      );
      newEvents.push(historyEvent(EventType.OrchestratorCompleted, now));
      inst.history.push(...newEvents);
      this.finish(inst, 'Completed', output, now);
      this.core.emit({
        type: 'instanceCompleted',
        time: this.core.iso(),
        instanceId: inst.id,
        name: inst.name,
        output,
      });
      return;
    }

    newEvents.push(historyEvent(EventType.OrchestratorCompleted, now));
    inst.history.push(...newEvents);
    inst.lastUpdatedTime = now;
    for (const effect of effects) effect();
    this.core.store.notifyStatus(inst.id);
  }

  private crossCheck(inst: Instance, context: unknown): void {
    const openTasks = libraryOpenTaskIds(context);
    if (!openTasks) {
      throw new HostInvariantError(
        `Cross-check impossible for instance '${inst.id}': context.df.taskOrchestratorExecutor.openTasks is missing (durable-functions internals changed?).`,
      );
    }
    const library = [...openTasks].sort((a, b) => Number(a) - Number(b));
    const host = [...inst.open.keys()].map(String).sort((a, b) => Number(a) - Number(b));
    if (library.join(',') !== host.join(',')) {
      throw new HostInvariantError(
        `Open-task mismatch after episode ${inst.episodes} of '${inst.name}' (instance '${inst.id}'): the host has [${host.join(', ')}], the replay engine has [${library.join(', ')}]. The host's task numbering no longer matches durable-functions ${libraryVersion()}.`,
      );
    }
    this.core.stats.crossChecks++;
  }

  private finish(inst: Instance, status: RuntimeStatus, output: unknown, now: number, failureDetails?: string): void {
    inst.status = status;
    inst.output = output;
    inst.lastUpdatedTime = now;
    this.core.timers.dropOpenTasks(inst);
    this.core.store.notifyStatus(inst.id);
    const parent = inst.parent ? this.core.store.get(inst.parent.instanceId) : undefined;
    if (!inst.parent || !parent || parent.executionId !== inst.parent.executionId || isTerminal(parent.status)) return;
    const { executionId, taskId } = inst.parent;
    if (status === 'Completed') {
      this.core.enqueue(parent, { kind: 'subCompleted', executionId, taskId, result: toJsonText(output) });
    } else if (status === 'Failed' || status === 'Terminated') {
      const reason =
        status === 'Failed' ? String(output) : `Orchestrator function '${inst.name}' was terminated: ${String(output)}`;
      this.core.enqueue(parent, { kind: 'subFailed', executionId, taskId, reason, details: failureDetails ?? reason });
    }
  }

  private continueAsNew(inst: Instance, action: Action, now: number): void {
    this.core.timers.dropOpenTasks(inst);
    inst.status = 'ContinuedAsNew';
    inst.lastUpdatedTime = now;
    this.core.store.notifyStatus(inst.id);
    this.core.emit({ type: 'instanceContinuedAsNew', time: this.core.iso(), instanceId: inst.id, name: inst.name });
    // ContinueAsNew input went through Utils.processInput (strings JSON-encoded).
    inst.input =
      typeof action.input === 'string'
        ? parseJsonText(action.input)
        : action.input === undefined
          ? null
          : jsonRoundTrip(action.input);
    inst.executionId = newExecutionId();
    inst.history = [];
    inst.recorded = [];
    inst.nextSeq = 0;
    inst.open = new Map();
    inst.longTimers = new Map();
    inst.fingerprints = new Map();
    // Messages not yet delivered (external events) stay queued for the new execution;
    // completions of the old execution's tasks are dropped as stale when dequeued.
    this.core.enqueue(inst, { kind: 'start' }, true);
  }
}
