/**
 * What the parts of the durable engine (episodes, scheduling, activities) share: the options,
 * the instance store, the timers, and the engine's few operations that cross parts. The
 * engine (engine.ts) builds one and hands it to each part.
 */
import type { Instance, Message } from './instanceStore';
import type { TimerQueue } from './timers';
import type { EngineOptions, EngineStats, HostEvent } from './types';
import type { InstanceStore } from './instanceStore';

export interface EngineCore {
  readonly opts: EngineOptions;
  readonly store: InstanceStore;
  readonly timers: TimerQueue;
  readonly stats: EngineStats;
  /** The clock's current time, ISO 8601 (for events and log entries). */
  iso(): string;
  emit(e: HostEvent): void;
  /** Queues a message for the instance and runs its episodes in order. */
  enqueue(inst: Instance, msg: Message, front?: boolean): void;
  /** Creates (or replaces) an instance and queues its start. */
  createInstance(name: string, instanceId: string, input: unknown, parent: Instance['parent']): Instance;
  /** Runs an activity for a scheduled task; its completion is queued for the instance. */
  startActivity(instanceId: string, executionId: string, taskId: number, name: string, input: unknown): void;
  /** A host error: recorded, logged, and the instance (if any) failed. */
  fatal(err: Error, inst?: Instance): void;
}
