/**
 * The instance store: every orchestration instance the host knows of, with its current
 * execution's history, inbox and open tasks. It holds state only; episodes change it.
 */
import { randomUUID } from 'node:crypto';
import type { HistoryEvent, RetryOptionsLike } from './durableAdapter';
import { jsonRoundTrip } from './durableAdapter';
import { InstanceNotFoundError, type InstanceStatus, type ListFilter, type RuntimeStatus } from './types';

export interface RetryState {
  options: RetryOptionsLike;
  failures: number;
  kind: 'activity' | 'subOrchestration';
  name: string;
  input: unknown;
  explicitInstanceId?: string;
}

export interface LongTimer {
  finalFireAt: number;
  canceled: boolean;
}

export type OpenTask =
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

export type Message =
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

export interface RecordedAction {
  /** For messages: what the action was, in words. */
  fingerprint: string;
  /** What is compared between replays: the fingerprint, with a compound's parts as interned numbers (see `ActionKeys`). */
  key: string;
  ids: number[];
}

export interface Instance {
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

export function newExecutionId(): string {
  return randomUUID().replace(/-/g, '');
}

/** A fresh instance, Pending, with an empty history. */
export function newInstance(
  name: string,
  instanceId: string,
  input: unknown,
  parent: Instance['parent'],
  now: number,
): Instance {
  return {
    id: instanceId,
    name,
    input: input === undefined ? null : jsonRoundTrip(input),
    parent,
    executionId: newExecutionId(),
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
}

export class InstanceStore {
  private readonly instances = new Map<string, Instance>();
  private readonly statusListeners = new Set<(id: string) => void>();

  get(instanceId: string): Instance | undefined {
    return this.instances.get(instanceId);
  }

  has(instanceId: string): boolean {
    return this.instances.has(instanceId);
  }

  set(inst: Instance): void {
    this.instances.set(inst.id, inst);
  }

  delete(instanceId: string): void {
    this.instances.delete(instanceId);
  }

  mustGet(instanceId: string): Instance {
    const inst = this.instances.get(instanceId);
    if (!inst) throw new InstanceNotFoundError(`No instance with ID '${instanceId}' found.`);
    return inst;
  }

  list(filter: ListFilter = {}): InstanceStatus[] {
    const from = filter.createdTimeFrom === undefined ? -Infinity : +filter.createdTimeFrom;
    const to = filter.createdTimeTo === undefined ? Infinity : +filter.createdTimeTo;
    return [...this.instances.values()]
      .filter((i) => !filter.runtimeStatus?.length || filter.runtimeStatus.includes(i.status))
      .filter((i) => i.createdTime >= from && i.createdTime <= to)
      .filter((i) => !filter.instanceIdPrefix || i.id.startsWith(filter.instanceIdPrefix))
      .sort((a, b) => a.createdTime - b.createdTime || (a.id < b.id ? -1 : 1))
      .map((i) => statusOf(i));
  }

  /** Called with an instance id whenever its status, custom status or history changes. */
  onStatusChange(listener: (instanceId: string) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  notifyStatus(instanceId: string): void {
    for (const l of this.statusListeners) l(instanceId);
  }
}

/** The client's view of an instance (copies, ISO times). */
export function statusOf(inst: Instance): InstanceStatus {
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
