/**
 * The Durable Task extension's part, in process: keeps one history per orchestration
 * instance, invokes the registered orchestration handler (the real durable-functions replay
 * engine) with the extension's payload, and executes the actions it returns: activities
 * (with the library's retry-timer protocol), timers (split like the library expects),
 * sub-orchestrations, external events, continueAsNew and termination.
 *
 * The host mirrors the library's task numbering exactly and checks it after every
 * episode against `context.df.taskOrchestratorExecutor.openTasks`.
 *
 * This file is the engine's client surface and message loop; the parts:
 * - instanceStore.ts: the instances and their state (state only);
 * - episode.ts: one episode (invoke, cross-check, commit), scheduling.ts: the actions' tasks;
 * - timers.ts: durable timers; activityRunner.ts: activity invocations;
 * - durableAdapter.ts: everything that depends on durable-functions' internals.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { toJsonText, type HistoryEvent } from './durableAdapter';
import type { EngineCore } from './engineCore';
import { EpisodeRunner } from './episode';
import { condensedHistory } from './history';
import { InstanceStore, newInstance, statusOf, type Instance, type Message } from './instanceStore';
import { errorMessage } from './invocation';
import { ActivityRunner } from './activityRunner';
import { Scheduler } from './scheduling';
import { TimerQueue } from './timers';
import {
  InstanceConflictError,
  isTerminal,
  type EngineOptions,
  type EngineStats,
  type HostEvent,
  type InstanceStatus,
  type ListFilter,
} from './types';

export * from './types';
export { formatTimeSpan, jsonRoundTrip, type RetryOptionsLike } from './durableAdapter';

export class DurableEngine {
  readonly events = new EventEmitter();
  private readonly store = new InstanceStore();
  private readonly timers: TimerQueue;
  private readonly activities: ActivityRunner;
  private readonly episodes: EpisodeRunner;
  private closed = false;
  /** Host-level errors (non-determinism is an orchestration failure, not one of these). */
  readonly fatalErrors: Error[] = [];
  /** Episodes run and open-task cross-checks passed, for tests and progress display. */
  readonly stats: EngineStats = { episodes: 0, crossChecks: 0, activityExecutions: 0 };

  constructor(private readonly opts: EngineOptions) {
    this.events.setMaxListeners(0);
    this.timers = new TimerQueue(opts.clock, () => this.fireDueTimers());
    const core: EngineCore = {
      opts,
      store: this.store,
      timers: this.timers,
      stats: this.stats,
      iso: () => this.iso(),
      emit: (e) => this.emit(e),
      enqueue: (inst, msg, front) => this.enqueue(inst, msg, front),
      createInstance: (name, instanceId, input, parent) => this.createInstance(name, instanceId, input, parent),
      startActivity: (instanceId, executionId, taskId, name, input) =>
        this.activities.start(instanceId, executionId, taskId, name, input),
      fatal: (err, inst) => this.fatal(err, inst),
    };
    this.activities = new ActivityRunner(core);
    this.episodes = new EpisodeRunner(core, new Scheduler(core));
  }

  // ---------------------------------------------------------------- client operations

  startNew(name: string, options: { instanceId?: string; input?: unknown } = {}): string {
    this.assertOpen();
    const fn = this.opts.registry.get(name, 'orchestration');
    const instanceId = options.instanceId ?? randomId();
    if (!instanceId.trim()) throw new RangeError('instanceId must not be empty');
    const existing = this.store.get(instanceId);
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
    const inst = this.store.mustGet(instanceId);
    if (isTerminal(inst.status))
      throw new InstanceConflictError(
        `Instance '${instanceId}' is ${inst.status}; the event '${eventName}' was not delivered.`,
      );
    this.emit({ type: 'eventRaised', time: this.iso(), instanceId, name: eventName });
    this.enqueue(inst, { kind: 'event', name: eventName, input: toJsonText(data) });
  }

  terminate(instanceId: string, reason: string): void {
    this.assertOpen();
    const inst = this.store.mustGet(instanceId);
    if (isTerminal(inst.status)) throw new InstanceConflictError(`Instance '${instanceId}' is already ${inst.status}.`);
    this.enqueue(inst, { kind: 'terminate', reason });
  }

  purge(instanceId: string): boolean {
    const inst = this.store.get(instanceId);
    if (!inst) return false;
    if (!isTerminal(inst.status))
      throw new InstanceConflictError(
        `Instance '${instanceId}' is ${inst.status}; only completed, failed or terminated instances can be purged.`,
      );
    this.store.delete(instanceId);
    return true;
  }

  has(instanceId: string): boolean {
    return this.store.has(instanceId);
  }

  getStatus(instanceId: string): InstanceStatus | undefined {
    const inst = this.store.get(instanceId);
    return inst ? statusOf(inst) : undefined;
  }

  /** The raw history of the current execution (PascalCase events, a copy). */
  history(instanceId: string): HistoryEvent[] {
    const inst = this.store.mustGet(instanceId);
    return structuredClone(inst.history);
  }

  condensedHistory(instanceId: string, showOutput: boolean): Array<Record<string, unknown>> {
    return condensedHistory(this.store.mustGet(instanceId).history, showOutput);
  }

  list(filter: ListFilter = {}): InstanceStatus[] {
    return this.store.list(filter);
  }

  /** Called with an instance id whenever its status, custom status or history changes. */
  onStatusChange(listener: (instanceId: string) => void): () => void {
    return this.store.onStatusChange(listener);
  }

  // ---------------------------------------------------------------- timers

  /** The earliest fire time of a pending (not canceled) durable timer. */
  nextTimerDue(): number | undefined {
    return this.timers.nextDue();
  }

  /** Delivers every timer due at the clock's current time, earliest first. */
  fireDueTimers(): number {
    const due = this.timers.takeDue(this.opts.clock.now());
    for (const t of due) {
      const inst = this.store.get(t.instanceId);
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
    this.timers.arm();
    return due.length;
  }

  close(): void {
    this.closed = true;
    this.timers.close();
  }

  // ---------------------------------------------------------------- internals: the message loop

  private assertOpen(): void {
    if (this.closed) throw new Error('The local host is closed.');
  }

  private iso(): string {
    return new Date(this.opts.clock.now()).toISOString();
  }

  private emit(e: HostEvent): void {
    this.events.emit(e.type, e);
    this.events.emit('*', e);
  }

  private createInstance(name: string, instanceId: string, input: unknown, parent: Instance['parent']): Instance {
    const previous = this.store.get(instanceId);
    if (previous) this.timers.dropOpenTasks(previous);
    const inst = newInstance(name, instanceId, input, parent, this.opts.clock.now());
    // Messages still queued for a replaced instance are dropped with it.
    if (previous) {
      for (let i = 0; i < previous.inbox.length; i++) this.opts.work.end();
      previous.inbox = [];
    }
    this.store.set(inst);
    this.enqueue(inst, { kind: 'start' });
    this.store.notifyStatus(instanceId);
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
      while (inst.inbox.length > 0 && this.store.get(inst.id) === inst) {
        const msg = inst.inbox.shift() as Message;
        try {
          await this.episodes.run(inst, msg);
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
      this.timers.dropOpenTasks(inst);
      this.store.notifyStatus(inst.id);
    }
  }
}

function randomId(): string {
  return randomUUID().replace(/-/g, '');
}
