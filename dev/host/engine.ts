/**
 * The Durable Task extension's part, in process: keeps one history per orchestration
 * instance, invokes the registered orchestration handler (the real durable-functions replay
 * engine) with the extension's payload, and executes the actions it returns: activities
 * (with the library's retry-timer protocol), timers (split like the library expects),
 * sub-orchestrations, external events, continueAsNew and termination.
 *
 * The host mirrors the library's task numbering exactly and checks it after every
 * episode against `context.df.taskOrchestratorExecutor.openTasks`.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import dfPackage from 'durable-functions/package.json';
import type { Clock } from '../clock';
import { EventType, historyEvent, toJsonText, parseJsonText, condensedHistory, type HistoryEvent } from './history';
import { createInvocationContext, errorDetails, errorMessage, type InvocationDeps } from './invocation';
import type { FunctionDescription, FunctionRegistry } from './registry';
import { Semaphore, WorkTracker } from './work';

export type RuntimeStatus =
  'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Canceled' | 'Terminated' | 'Suspended';

export const TERMINAL_STATUSES: readonly RuntimeStatus[] = ['Completed', 'Failed', 'Terminated', 'Canceled'];

export function isTerminal(status: RuntimeStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** A compact event for progress display and assertions. */
export type HostEvent =
  | { type: 'instanceStarted'; time: string; instanceId: string; name: string; parentInstanceId?: string }
  | { type: 'instanceCompleted'; time: string; instanceId: string; name: string; output: unknown }
  | { type: 'instanceFailed'; time: string; instanceId: string; name: string; error: string }
  | { type: 'instanceTerminated'; time: string; instanceId: string; name: string; reason: string }
  | { type: 'instanceContinuedAsNew'; time: string; instanceId: string; name: string }
  | { type: 'activityStarted'; time: string; instanceId: string; name: string; taskId: number; execution: number }
  | { type: 'activityCompleted'; time: string; instanceId: string; name: string; taskId: number }
  | { type: 'activityFailed'; time: string; instanceId: string; name: string; taskId: number; error: string }
  | { type: 'activityResultLost'; time: string; instanceId: string; name: string; taskId: number; execution: number }
  | { type: 'timerSet'; time: string; instanceId: string; taskId: number; fireAt: string; purpose: 'timer' | 'retry' }
  | { type: 'timerFired'; time: string; instanceId: string; taskId: number; fireAt: string }
  | { type: 'eventRaised'; time: string; instanceId: string; name: string }
  | {
      type: 'functionInvoked';
      time: string;
      name: string;
      trigger: 'http' | 'timer' | 'queue';
      ok: boolean;
      error?: string;
    }
  | { type: 'hostError'; time: string; error: string; instanceId?: string };

export type HostEventType = HostEvent['type'];

/** Re-executes activities whose result is "lost" after they ran, as the real engine may. */
export interface AtLeastOnceRule {
  /** Activity name (case-insensitive) or predicate. */
  activity: string | ((name: string, input: unknown) => boolean);
  /** How many invocations lose their first result (each is executed once more). Default 1. */
  count?: number;
}

export interface RetryOptionsLike {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  parentInstanceId?: string;
}

export interface ListFilter {
  runtimeStatus?: RuntimeStatus[];
  createdTimeFrom?: Date | number;
  createdTimeTo?: Date | number;
  instanceIdPrefix?: string;
}

/** The orchestrator's actions changed between replays. */
export class NonDeterministicOrchestrationError extends Error {
  override name = 'NonDeterministicOrchestrationError';
}

/** The host's view disagrees with the replay engine's: a host bug or an incompatible durable-functions version. */
export class HostInvariantError extends Error {
  override name = 'HostInvariantError';
}

export class InstanceNotFoundError extends Error {
  override name = 'InstanceNotFoundError';
}

export class InstanceConflictError extends Error {
  override name = 'InstanceConflictError';
}

// ---------------------------------------------------------------------------------------------

interface RetryState {
  options: RetryOptionsLike;
  failures: number;
  kind: 'activity' | 'subOrchestration';
  name: string;
  input: unknown;
  explicitInstanceId?: string;
}

interface LongTimer {
  finalFireAt: number;
  canceled: boolean;
}

type OpenTask =
  | { kind: 'activity'; id: number; name: string; input: unknown; retry?: RetryState }
  | { kind: 'subOrchestration'; id: number; name: string; childInstanceId: string; retry?: RetryState }
  | {
      kind: 'timer';
      id: number;
      fireAt: number;
      canceled: boolean;
      purpose: 'timer' | 'retry';
      long?: LongTimer;
      retry?: RetryState;
    };

type Message =
  | { kind: 'start' }
  | { kind: 'taskCompleted'; executionId: string; taskId: number; result: string }
  | {
      kind: 'taskFailed';
      executionId: string;
      taskId: number;
      reason: string;
      details: string;
      failureDetails?: Record<string, unknown>;
    }
  | { kind: 'subCompleted'; executionId: string; taskId: number; result: string }
  | { kind: 'subFailed'; executionId: string; taskId: number; reason: string; details: string }
  | { kind: 'timerFired'; executionId: string; taskId: number; fireAt: number }
  | { kind: 'event'; name: string; input: string }
  | { kind: 'terminate'; reason: string };

interface RecordedAction {
  /** For messages: what the action was, in words. */
  fingerprint: string;
  /** What is compared between replays: the fingerprint, with a compound's parts as interned numbers (see `ActionKeys`). */
  key: string;
  ids: number[];
}

interface Instance {
  id: string;
  name: string;
  input: unknown;
  parent?: { instanceId: string; executionId: string; taskId: number };
  executionId: string;
  createdTime: number;
  lastUpdatedTime: number;
  status: RuntimeStatus;
  output: unknown;
  customStatus: unknown;
  history: HistoryEvent[];
  inbox: Message[];
  pumping: boolean;
  nextSeq: number;
  recorded: RecordedAction[];
  open: Map<number, OpenTask>;
  lastTimestamp: number;
  episodes: number;
  /** Long timers by the number of their first piece (cancellation applies to every piece). */
  longTimers: Map<number, LongTimer>;
  /** Interned fingerprints of atomic actions (compound actions' keys refer to them by number). */
  fingerprints: Map<string, number>;
}

interface DueTimer {
  key: string;
  instanceId: string;
  executionId: string;
  taskId: number;
  fireAt: number;
}

interface Action {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  retryOptions?: RetryOptionsLike;
  fireAt?: Date;
  isCanceled?: boolean;
  externalEventName?: string;
  compoundActions?: Action[];
  [k: string]: unknown;
}

const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

const ACTION_NAMES: Record<number, string> = Object.fromEntries(Object.entries(ActionType).map(([k, v]) => [v, k]));

const OUT_OF_PROC_LABEL = '\n\n$OutOfProcData$:';

export interface EngineOptions {
  clock: Clock;
  registry: FunctionRegistry;
  deps: InvocationDeps;
  work: WorkTracker;
  maxConcurrentActivities: number;
  atLeastOnce: AtLeastOnceRule[];
  /** Library's `maximumShortTimerDuration`; default 6 days. */
  maximumShortTimerMs: number;
  /** Library's `longRunningTimerIntervalDuration`; default 3 days. */
  longRunningTimerIntervalMs: number;
  /** host.json `overridableExistingInstanceStates`. */
  overridableExistingInstanceStates: 'AnyState' | 'NonRunningStates';
  /** Check open tasks against the library after every episode (default true). */
  crossCheck: boolean;
}

/** `d.hh:mm:ss` as the extension writes TimeSpans. */
export function formatTimeSpan(ms: number): string {
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86400);
  const h = Math.floor((totalSeconds % 86400) / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${days}.${pad(h)}:${pad(m)}:${pad(s)}`;
}

export class DurableEngine {
  readonly events = new EventEmitter();
  private readonly instances = new Map<string, Instance>();
  private readonly timers = new Map<string, DueTimer>();
  private realTimer: NodeJS.Timeout | undefined;
  private readonly activitySlots: Semaphore;
  private readonly lostBudget: Array<{ rule: AtLeastOnceRule; remaining: number }>;
  private readonly statusListeners = new Set<(id: string) => void>();
  private closed = false;
  /** Host-level errors (non-determinism is an orchestration failure, not one of these). */
  readonly fatalErrors: Error[] = [];
  /** Episodes run and open-task cross-checks passed, for tests and progress display. */
  readonly stats = { episodes: 0, crossChecks: 0, activityExecutions: 0 };

  constructor(private readonly opts: EngineOptions) {
    this.activitySlots = new Semaphore(opts.maxConcurrentActivities);
    this.lostBudget = opts.atLeastOnce.map((rule) => ({ rule, remaining: rule.count ?? 1 }));
    this.events.setMaxListeners(0);
  }

  // ---------------------------------------------------------------- client operations

  startNew(name: string, options: { instanceId?: string; input?: unknown } = {}): string {
    this.assertOpen();
    const fn = this.opts.registry.get(name, 'orchestration');
    const instanceId = options.instanceId ?? randomUUID().replace(/-/g, '');
    if (!instanceId.trim()) throw new RangeError('instanceId must not be empty');
    const existing = this.instances.get(instanceId);
    if (
      existing &&
      this.opts.overridableExistingInstanceStates === 'NonRunningStates' &&
      !isTerminal(existing.status)
    ) {
      throw new InstanceConflictError(`An Orchestration instance with the status ${existing.status} already exists.`);
    }
    this.createInstance(fn.name, instanceId, options.input, undefined);
    return instanceId;
  }

  raiseEvent(instanceId: string, eventName: string, data: unknown): void {
    this.assertOpen();
    const inst = this.mustGet(instanceId);
    if (isTerminal(inst.status))
      throw new InstanceConflictError(
        `Instance '${instanceId}' is ${inst.status}; the event '${eventName}' was not delivered.`,
      );
    this.emit({ type: 'eventRaised', time: this.iso(), instanceId, name: eventName });
    this.enqueue(inst, { kind: 'event', name: eventName, input: toJsonText(data) });
  }

  terminate(instanceId: string, reason: string): void {
    this.assertOpen();
    const inst = this.mustGet(instanceId);
    if (isTerminal(inst.status)) throw new InstanceConflictError(`Instance '${instanceId}' is already ${inst.status}.`);
    this.enqueue(inst, { kind: 'terminate', reason });
  }

  purge(instanceId: string): boolean {
    const inst = this.instances.get(instanceId);
    if (!inst) return false;
    if (!isTerminal(inst.status))
      throw new InstanceConflictError(
        `Instance '${instanceId}' is ${inst.status}; only completed, failed or terminated instances can be purged.`,
      );
    this.instances.delete(instanceId);
    return true;
  }

  has(instanceId: string): boolean {
    return this.instances.has(instanceId);
  }

  getStatus(instanceId: string): InstanceStatus | undefined {
    const inst = this.instances.get(instanceId);
    return inst ? this.statusOf(inst) : undefined;
  }

  /** The raw history of the current execution (PascalCase events, a copy). */
  history(instanceId: string): HistoryEvent[] {
    const inst = this.mustGet(instanceId);
    return structuredClone(inst.history);
  }

  condensedHistory(instanceId: string, showOutput: boolean): Array<Record<string, unknown>> {
    return condensedHistory(this.mustGet(instanceId).history, showOutput);
  }

  list(filter: ListFilter = {}): InstanceStatus[] {
    const from = filter.createdTimeFrom === undefined ? -Infinity : +filter.createdTimeFrom;
    const to = filter.createdTimeTo === undefined ? Infinity : +filter.createdTimeTo;
    return [...this.instances.values()]
      .filter((i) => !filter.runtimeStatus?.length || filter.runtimeStatus.includes(i.status))
      .filter((i) => i.createdTime >= from && i.createdTime <= to)
      .filter((i) => !filter.instanceIdPrefix || i.id.startsWith(filter.instanceIdPrefix))
      .sort((a, b) => a.createdTime - b.createdTime || (a.id < b.id ? -1 : 1))
      .map((i) => this.statusOf(i));
  }

  /** Called with an instance id whenever its status, custom status or history changes. */
  onStatusChange(listener: (instanceId: string) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  // ---------------------------------------------------------------- timers

  /** The earliest fire time of a pending (not canceled) durable timer. */
  nextTimerDue(): number | undefined {
    let min: number | undefined;
    for (const t of this.timers.values()) if (min === undefined || t.fireAt < min) min = t.fireAt;
    return min;
  }

  /** Delivers every timer due at the clock's current time, earliest first. */
  fireDueTimers(): number {
    const now = this.opts.clock.now();
    const due = [...this.timers.values()]
      .filter((t) => t.fireAt <= now)
      .sort((a, b) => a.fireAt - b.fireAt || a.taskId - b.taskId);
    for (const t of due) {
      this.timers.delete(t.key);
      const inst = this.instances.get(t.instanceId);
      if (!inst || inst.executionId !== t.executionId || isTerminal(inst.status)) continue;
      this.emit({
        type: 'timerFired',
        time: this.iso(),
        instanceId: t.instanceId,
        taskId: t.taskId,
        fireAt: new Date(t.fireAt).toISOString(),
      });
      this.enqueue(inst, { kind: 'timerFired', executionId: t.executionId, taskId: t.taskId, fireAt: t.fireAt });
    }
    this.armRealTimer();
    return due.length;
  }

  close(): void {
    this.closed = true;
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    this.timers.clear();
  }

  // ---------------------------------------------------------------- internals: instances

  private assertOpen(): void {
    if (this.closed) throw new Error('The local host is closed.');
  }

  private mustGet(instanceId: string): Instance {
    const inst = this.instances.get(instanceId);
    if (!inst) throw new InstanceNotFoundError(`No instance with ID '${instanceId}' found.`);
    return inst;
  }

  private iso(): string {
    return new Date(this.opts.clock.now()).toISOString();
  }

  private emit(e: HostEvent): void {
    this.events.emit(e.type, e);
    this.events.emit('*', e);
  }

  private notifyStatus(id: string): void {
    for (const l of this.statusListeners) l(id);
  }

  private statusOf(inst: Instance): InstanceStatus {
    return {
      name: inst.name,
      instanceId: inst.id,
      runtimeStatus: inst.status,
      input: structuredClone(inst.input),
      output: structuredClone(inst.output),
      customStatus: structuredClone(inst.customStatus),
      createdTime: new Date(inst.createdTime).toISOString(),
      lastUpdatedTime: new Date(inst.lastUpdatedTime).toISOString(),
      ...(inst.parent ? { parentInstanceId: inst.parent.instanceId } : {}),
    };
  }

  private createInstance(name: string, instanceId: string, input: unknown, parent: Instance['parent']): Instance {
    const previous = this.instances.get(instanceId);
    if (previous) this.dropOpenTasks(previous);
    const now = this.opts.clock.now();
    const inst: Instance = {
      id: instanceId,
      name,
      input: input === undefined ? null : jsonRoundTrip(input),
      parent,
      executionId: randomUUID().replace(/-/g, ''),
      createdTime: now,
      lastUpdatedTime: now,
      status: 'Pending',
      output: null,
      customStatus: null,
      history: [],
      inbox: [],
      pumping: false,
      nextSeq: 0,
      recorded: [],
      open: new Map(),
      lastTimestamp: now,
      episodes: 0,
      longTimers: new Map(),
      fingerprints: new Map(),
    };
    // Messages still queued for a replaced instance are dropped with it.
    if (previous) {
      for (let i = 0; i < previous.inbox.length; i++) this.opts.work.end();
      previous.inbox = [];
    }
    this.instances.set(instanceId, inst);
    this.enqueue(inst, { kind: 'start' });
    this.notifyStatus(instanceId);
    return inst;
  }

  private enqueue(inst: Instance, msg: Message, front = false): void {
    this.opts.work.begin();
    if (front) inst.inbox.unshift(msg);
    else inst.inbox.push(msg);
    this.pump(inst);
  }

  private pump(inst: Instance): void {
    if (inst.pumping) return;
    inst.pumping = true;
    setImmediate(() => {
      void this.drain(inst);
    });
  }

  private async drain(inst: Instance): Promise<void> {
    try {
      while (inst.inbox.length > 0 && this.instances.get(inst.id) === inst) {
        const msg = inst.inbox.shift() as Message;
        try {
          await this.runEpisode(inst, msg);
        } catch (err) {
          this.fatal(err instanceof Error ? err : new Error(errorMessage(err)), inst);
        } finally {
          this.opts.work.end();
        }
      }
    } finally {
      inst.pumping = false;
    }
  }

  private fatal(err: Error, inst?: Instance): void {
    this.fatalErrors.push(err);
    this.opts.deps.logger({
      level: 'error',
      category: 'host',
      message: err.message,
      instanceId: inst?.id,
      time: this.iso(),
    });
    this.emit({ type: 'hostError', time: this.iso(), error: err.message, instanceId: inst?.id });
    if (inst && !isTerminal(inst.status)) {
      inst.status = 'Failed';
      inst.output = `Local host error: ${err.message}`;
      this.dropOpenTasks(inst);
      this.notifyStatus(inst.id);
    }
  }

  private dropOpenTasks(inst: Instance): void {
    for (const t of inst.open.values())
      if (t.kind === 'timer') this.timers.delete(this.timerKey(inst.id, inst.executionId, t.id));
    inst.open.clear();
    this.armRealTimer();
  }

  // ---------------------------------------------------------------- internals: episodes

  private async runEpisode(inst: Instance, msg: Message): Promise<void> {
    if (isTerminal(inst.status)) return;
    if ('executionId' in msg && msg.executionId !== inst.executionId) return; // stale: earlier execution

    const now = Math.max(this.opts.clock.now(), inst.lastTimestamp);
    inst.lastTimestamp = now;

    if (msg.kind === 'terminate') {
      inst.history.push(historyEvent(EventType.ExecutionTerminated, now, { Input: toJsonText(msg.reason) }));
      this.finish(inst, 'Terminated', msg.reason, now);
      this.emit({
        type: 'instanceTerminated',
        time: this.iso(),
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
    const delivered = this.deliver(inst, msg, now, newEvents, effects);
    if (!delivered) return; // a completion for a task that is no longer open (e.g. lost race)

    // 2. Invoke the orchestrator with the whole history.
    const fn = this.opts.registry.get(inst.name, 'orchestration');
    // A copy the replay engine may change (it turns Timestamps into Dates), as if parsed from the wire.
    const history = [
      ...inst.history.map((e) => wireCopy(e, true)),
      ...newEvents.slice(0, 2).map((e) => wireCopy(e, e.IsPlayed)),
    ];
    const payload = {
      history,
      input: structuredClone(inst.input),
      instanceId: inst.id,
      isReplaying: inst.history.length > 0,
      parentInstanceId: inst.parent?.instanceId,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 2,
      longRunningTimerIntervalDuration: formatTimeSpan(this.opts.longRunningTimerIntervalMs),
      maximumShortTimerDuration: formatTimeSpan(this.opts.maximumShortTimerMs),
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
    const context = createInvocationContext(fn, this.opts.deps, { instanceId: inst.id });
    let state: OrchestratorStateLike | undefined;
    let failure: { message: string; details: string } | undefined;
    try {
      state = (await fn.handler(payload, context)) as OrchestratorStateLike;
    } catch (err) {
      const text = errorMessage(err);
      const at = text.indexOf(OUT_OF_PROC_LABEL);
      if (at >= 0) {
        try {
          state = JSON.parse(text.slice(at + OUT_OF_PROC_LABEL.length)) as OrchestratorStateLike;
        } catch {
          state = undefined;
        }
        const message = state?.error ?? text.slice(0, at);
        failure = {
          message,
          details:
            err instanceof Error && err.stack
              ? err.stack.replace(OUT_OF_PROC_LABEL, '\n').split('$OutOfProcData$')[0]
              : message,
        };
      } else {
        failure = { message: text, details: errorDetails(err) };
      }
    }
    inst.episodes++;
    this.stats.episodes++;

    // 3. Diff the cumulative actions against what was recorded; number and schedule the new ones.
    let continueAsNew: Action | undefined;
    try {
      const actions: Action[] = (state?.actions?.[0] ?? []) as Action[];
      continueAsNew = this.processActions(inst, actions, now, newEvents, effects);
    } catch (err) {
      if (err instanceof NonDeterministicOrchestrationError || err instanceof UnsupportedActionError) {
        failure = { message: err.message, details: err.stack ?? err.message };
        state = undefined;
      } else throw err;
    }

    // 4. Cross-check the open tasks with the replay engine's.
    if (!failure && this.opts.crossCheck) this.crossCheck(inst, context);

    // 5. Commit.
    if (state?.customStatus !== undefined) inst.customStatus = jsonRoundTrip(state.customStatus);
    const wasPending = inst.status === 'Pending';
    if (msg.kind === 'start') {
      inst.status = 'Running';
      if (wasPending || inst.history.length === 0) {
        this.emit({
          type: 'instanceStarted',
          time: this.iso(),
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
      this.emit({ type: 'instanceFailed', time: this.iso(), instanceId: inst.id, name: inst.name, error: reason });
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
      this.emit({ type: 'instanceCompleted', time: this.iso(), instanceId: inst.id, name: inst.name, output });
      return;
    }

    newEvents.push(historyEvent(EventType.OrchestratorCompleted, now));
    inst.history.push(...newEvents);
    inst.lastUpdatedTime = now;
    for (const effect of effects) effect();
    this.notifyStatus(inst.id);
  }

  /**
   * Appends the history event for `msg` and mirrors the numbers the library takes while
   * replaying it. Returns false when the message is stale.
   */
  private deliver(
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
    return finalFireAt - now > this.opts.maximumShortTimerMs ? now + this.opts.longRunningTimerIntervalMs : finalFireAt;
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
      this.emit({
        type: 'timerSet',
        time: this.iso(),
        instanceId: inst.id,
        taskId: id,
        fireAt: new Date(fireAt).toISOString(),
        purpose,
      });
      if (!task.canceled) this.addTimer(inst, id, fireAt);
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
    effects.push(() => this.startActivity(inst.id, executionId, id, name, input));
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
      const fn = this.opts.registry.find(name);
      if (!fn || fn.kind !== 'orchestration') {
        const reason = `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`;
        this.enqueue(inst, { kind: 'subFailed', executionId: parent.executionId, taskId: id, reason, details: reason });
        return;
      }
      this.createInstance(fn.name, childId, input, parent);
    });
  }

  /** Walks the cumulative action list; returns the ContinueAsNew action if any. */
  private processActions(
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
          if (a.actionType === ActionType.CreateTimer && a.isCanceled) this.cancelTimer(inst, id);
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
        if (finalFireAt - now > this.opts.maximumShortTimerMs) {
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

  private cancelTimer(inst: Instance, originalId: number): void {
    const long = inst.longTimers.get(originalId);
    if (long) long.canceled = true;
    for (const t of inst.open.values()) {
      if (t.kind !== 'timer' || t.canceled) continue;
      if (t.id === originalId || (long && t.long === long)) {
        t.canceled = true;
        this.timers.delete(this.timerKey(inst.id, inst.executionId, t.id));
      }
    }
    this.armRealTimer();
  }

  private crossCheck(inst: Instance, context: unknown): void {
    const df = (context as { df?: { taskOrchestratorExecutor?: { openTasks?: Record<string, unknown> } } }).df;
    const openTasks = df?.taskOrchestratorExecutor?.openTasks;
    if (!openTasks) {
      throw new HostInvariantError(
        `Cross-check impossible for instance '${inst.id}': context.df.taskOrchestratorExecutor.openTasks is missing (durable-functions internals changed?).`,
      );
    }
    const library = Object.keys(openTasks).sort((a, b) => Number(a) - Number(b));
    const host = [...inst.open.keys()].map(String).sort((a, b) => Number(a) - Number(b));
    if (library.join(',') !== host.join(',')) {
      throw new HostInvariantError(
        `Open-task mismatch after episode ${inst.episodes} of '${inst.name}' (instance '${inst.id}'): the host has [${host.join(', ')}], the replay engine has [${library.join(', ')}]. The host's task numbering no longer matches durable-functions ${libraryVersion()}.`,
      );
    }
    this.stats.crossChecks++;
  }

  private finish(inst: Instance, status: RuntimeStatus, output: unknown, now: number, failureDetails?: string): void {
    inst.status = status;
    inst.output = output;
    inst.lastUpdatedTime = now;
    this.dropOpenTasks(inst);
    this.notifyStatus(inst.id);
    const parent = inst.parent ? this.instances.get(inst.parent.instanceId) : undefined;
    if (!inst.parent || !parent || parent.executionId !== inst.parent.executionId || isTerminal(parent.status)) return;
    const { executionId, taskId } = inst.parent;
    if (status === 'Completed') {
      this.enqueue(parent, { kind: 'subCompleted', executionId, taskId, result: toJsonText(output) });
    } else if (status === 'Failed' || status === 'Terminated') {
      const reason =
        status === 'Failed' ? String(output) : `Orchestrator function '${inst.name}' was terminated: ${String(output)}`;
      this.enqueue(parent, { kind: 'subFailed', executionId, taskId, reason, details: failureDetails ?? reason });
    }
  }

  private continueAsNew(inst: Instance, action: Action, now: number): void {
    this.dropOpenTasks(inst);
    inst.status = 'ContinuedAsNew';
    inst.lastUpdatedTime = now;
    this.notifyStatus(inst.id);
    this.emit({ type: 'instanceContinuedAsNew', time: this.iso(), instanceId: inst.id, name: inst.name });
    // ContinueAsNew input went through Utils.processInput (strings JSON-encoded).
    inst.input =
      typeof action.input === 'string'
        ? parseJsonText(action.input)
        : action.input === undefined
          ? null
          : jsonRoundTrip(action.input);
    inst.executionId = randomUUID().replace(/-/g, '');
    inst.history = [];
    inst.recorded = [];
    inst.nextSeq = 0;
    inst.open = new Map();
    inst.longTimers = new Map();
    inst.fingerprints = new Map();
    // Messages not yet delivered (external events) stay queued for the new execution;
    // completions of the old execution's tasks are dropped as stale when dequeued.
    this.enqueue(inst, { kind: 'start' }, true);
  }

  // ---------------------------------------------------------------- activities

  private startActivity(instanceId: string, executionId: string, taskId: number, name: string, input: unknown): void {
    this.opts.work.begin();
    void this.activitySlots
      .run(() => this.executeActivity(instanceId, executionId, taskId, name, input))
      .catch((err: unknown) => this.fatal(err instanceof Error ? err : new Error(errorMessage(err))))
      .finally(() => this.opts.work.end());
  }

  private async executeActivity(
    instanceId: string,
    executionId: string,
    taskId: number,
    name: string,
    input: unknown,
  ): Promise<void> {
    const inst = this.instances.get(instanceId);
    if (!inst || inst.executionId !== executionId || isTerminal(inst.status)) return;
    const fn = this.opts.registry.find(name);
    if (!fn || fn.kind !== 'activity') {
      const reason = `The function '${name}' doesn't exist, is disabled, or is not an activity function.`;
      this.enqueue(inst, { kind: 'taskFailed', executionId, taskId, reason, details: reason });
      return;
    }
    let execution = 0;
    let outcome: { ok: true; result: string } | { ok: false; err: unknown };
    for (;;) {
      execution++;
      this.emit({ type: 'activityStarted', time: this.iso(), instanceId, name: fn.name, taskId, execution });
      outcome = await this.invokeActivity(fn, input, instanceId);
      if (!this.takeLostResult(fn.name, input)) break;
      this.emit({ type: 'activityResultLost', time: this.iso(), instanceId, name: fn.name, taskId, execution });
      this.opts.deps.logger({
        level: 'warning',
        category: 'host',
        instanceId,
        time: this.iso(),
        message: `at-least-once: the result of activity '${fn.name}' (task ${taskId}) is dropped; executing it again.`,
      });
    }
    const current = this.instances.get(instanceId);
    if (!current || current !== inst || inst.executionId !== executionId || isTerminal(inst.status)) return;
    if (outcome.ok) {
      this.emit({ type: 'activityCompleted', time: this.iso(), instanceId, name: fn.name, taskId });
      this.enqueue(inst, { kind: 'taskCompleted', executionId, taskId, result: outcome.result });
    } else {
      const message = errorMessage(outcome.err);
      const failureDetails = parseFailureDetails(message);
      const shownMessage = failureDetails ? String(failureDetails.ErrorMessage ?? message) : message;
      this.emit({ type: 'activityFailed', time: this.iso(), instanceId, name: fn.name, taskId, error: shownMessage });
      this.enqueue(inst, {
        kind: 'taskFailed',
        executionId,
        taskId,
        reason: `Activity function '${fn.name}' failed: ${shownMessage}`,
        details: errorDetails(outcome.err),
        failureDetails,
      });
    }
  }

  private async invokeActivity(
    fn: FunctionDescription,
    input: unknown,
    instanceId: string,
  ): Promise<{ ok: true; result: string } | { ok: false; err: unknown }> {
    this.stats.activityExecutions++;
    const context = createInvocationContext(fn, this.opts.deps, { instanceId, triggerMetadata: { instanceId } });
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

  // ---------------------------------------------------------------- timer bookkeeping

  private timerKey(instanceId: string, executionId: string, taskId: number): string {
    return `${instanceId}\u0000${executionId}\u0000${taskId}`;
  }

  private addTimer(inst: Instance, taskId: number, fireAt: number): void {
    if (isTerminal(inst.status)) return;
    const key = this.timerKey(inst.id, inst.executionId, taskId);
    this.timers.set(key, { key, instanceId: inst.id, executionId: inst.executionId, taskId, fireAt });
    if (!this.opts.clock.virtual) this.armRealTimer();
    else if (fireAt <= this.opts.clock.now()) setImmediate(() => this.fireDueTimers());
  }

  private armRealTimer(): void {
    if (this.opts.clock.virtual || this.closed) return;
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    const next = this.nextTimerDue();
    if (next === undefined) return;
    const delay = Math.min(Math.max(0, next - this.opts.clock.now()), 2_000_000_000);
    this.realTimer = setTimeout(() => {
      this.realTimer = undefined;
      this.fireDueTimers();
    }, delay);
  }
}

// ---------------------------------------------------------------------------------------------

class UnsupportedActionError extends Error {
  override name = 'UnsupportedActionError';
}

interface OrchestratorStateLike {
  isDone?: boolean;
  actions?: unknown[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
}

function takesNumber(a: Action): boolean {
  return (
    a.actionType === ActionType.CallActivity ||
    a.actionType === ActionType.CallActivityWithRetry ||
    a.actionType === ActionType.CallSubOrchestrator ||
    a.actionType === ActionType.CallSubOrchestratorWithRetry ||
    a.actionType === ActionType.CreateTimer
  );
}

function forEachAtomic(a: Action, visit: (a: Action) => void): void {
  if (
    (a.actionType === ActionType.WhenAll || a.actionType === ActionType.WhenAny) &&
    Array.isArray(a.compoundActions)
  ) {
    for (const c of a.compoundActions) forEachAtomic(c, visit);
  } else visit(a);
}

/**
 * The comparison keys of one episode's actions: an atomic action's key is its fingerprint;
 * a compound's (Task.any / Task.all, which repeat the same child actions episode after
 * episode) names its children by the interned numbers of their fingerprints, each child
 * fingerprinted once per episode. Equal keys ⇔ equal fingerprints, without building and
 * comparing ever longer strings.
 */
class ActionKeys {
  private readonly memo = new Map<Action, string>();

  constructor(private readonly interned: Map<string, number>) {}

  keyOf(a: Action): string {
    const known = this.memo.get(a);
    if (known !== undefined) return known;
    let key: string;
    if (a.actionType === ActionType.WhenAll || a.actionType === ActionType.WhenAny) {
      key = `${ACTION_NAMES[a.actionType]}[${(a.compoundActions ?? []).map((c) => this.numberOf(c)).join(',')}]`;
    } else {
      key = fingerprintOf(a);
    }
    this.memo.set(a, key);
    return key;
  }

  private numberOf(a: Action): number {
    const key = this.keyOf(a);
    let n = this.interned.get(key);
    if (n === undefined) {
      n = this.interned.size;
      this.interned.set(key, n);
    }
    return n;
  }
}

/** A history event as the replay engine would get it from the extension (fresh objects, no shared parts). */
function wireCopy(e: HistoryEvent, played: boolean): HistoryEvent {
  const copy: HistoryEvent = { ...e, IsPlayed: played };
  for (const k in copy) {
    const v = copy[k];
    if (typeof v === 'object' && v !== null) copy[k] = structuredClone(v);
  }
  return copy;
}

/** What must not change between replays (timer cancellation may). */
function fingerprintOf(a: Action): string {
  const name = ACTION_NAMES[a.actionType] ?? `action ${a.actionType}`;
  switch (a.actionType) {
    case ActionType.WhenAll:
    case ActionType.WhenAny:
      return `${name}[${(a.compoundActions ?? []).map(fingerprintOf).join(', ')}]`;
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return `${name} '${a.functionName}'(${safeJson(a.input)})${a.retryOptions ? ` retry ${safeJson(a.retryOptions)}` : ''}`;
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return `${name} '${a.functionName}'${a.instanceId ? ` id '${a.instanceId}'` : ''}(${safeJson(a.input)})${a.retryOptions ? ` retry ${safeJson(a.retryOptions)}` : ''}`;
    case ActionType.CreateTimer:
      return `${name} at ${new Date(a.fireAt as Date).toISOString()}`;
    case ActionType.WaitForExternalEvent:
      return `${name} '${a.externalEventName}'`;
    case ActionType.ContinueAsNew:
      return `${name}(${safeJson(a.input)})`;
    default:
      return name;
  }
}

/** What a value looks like after the extension has serialized it. */
export function jsonRoundTrip<T>(v: T): T {
  if (v === undefined) return v;
  const text = JSON.stringify(v);
  return (text === undefined ? undefined : JSON.parse(text)) as T;
}

function safeJson(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    if (s === undefined) return 'undefined';
    return s.length > 200 ? `${s.slice(0, 200)}…` : s;
  } catch {
    return String(v);
  }
}

/** An activity error whose message is durable-functions' serialized failure details (setExceptionPropertiesProvider). */
function parseFailureDetails(message: string): Record<string, unknown> | undefined {
  if (!message.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(message) as Record<string, unknown>;
    if (typeof v.errorType !== 'string' || typeof v.errorMessage !== 'string' || !v.properties) return undefined;
    return {
      ErrorType: v.errorType,
      ErrorMessage: v.errorMessage,
      StackTrace: v.stackTrace,
      IsNonRetriable: !!v.isNonRetriable,
      Properties: v.properties,
    };
  } catch {
    return undefined;
  }
}

function libraryVersion(): string {
  return dfPackage.version;
}
