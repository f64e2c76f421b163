/**
 * The local host's public API: the options of `createLocalHost` and the `LocalHost` it returns.
 */
import type { QueueClient } from '@azure/storage-queue';
import type * as df from 'durable-functions';
import type { Clock } from '../clock';
import type { HistoryEvent } from './durableAdapter';
import type { DurableClientData, Logger } from './invocation';
import type { TriggerKind } from './registry';
import type { QueueOptions } from './settings';
import type { AtLeastOnceRule, HostEvent, HostEventType, InstanceStatus, ListFilter } from './types';

export interface LocalHostOptions {
  /** Loads the app (e.g. `() => require('../src/functions')`); every `app.*` call made during it is captured. */
  load: () => unknown;
  /** `systemClock` (default) or a `VirtualClock` for time-skipping. */
  clock?: Clock;
  /** App settings applied to process.env while the host is open (undefined removes one); restored by close(). */
  env?: Record<string, string | undefined>;
  /** Storage for queue triggers when `AzureWebJobsStorage` is not in env (also exported to the app as AzureWebJobsStorage). */
  storageConnectionString?: string;
  /** Port for HTTP functions and the durable management API. Default 7071; 0 picks a free port (tests). */
  httpPort?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  hostname?: string;
  /** When set, `authLevel: function|admin` routes need it as `code` or `x-functions-key`. */
  functionKey?: string;
  /**
   * The task hub's system key: when set, the management routes on the HTTP port
   * (`/runtime/webhooks/durabletask/…`, `/durabletask/…`) need it, the management URLs the
   * client hands out carry it, and the client's own API moves to a separate keyless loopback
   * listener (as the extension's). Default: a random key whenever `functionKey` is set, else none.
   */
  systemKey?: string;
  /** Activities running at once, across instances. Default 10. */
  maxConcurrentActivities?: number;
  /** Re-execute activities whose result is "lost" after they ran (idempotency tests). */
  atLeastOnce?: AtLeastOnceRule[];
  /** Where function and host logs go. Default: information and above to the console. */
  logger?: Logger;
  /** host.json (path or parsed): durableTask.hubName, overridableExistingInstanceStates, queues, http.routePrefix. */
  hostJson?: string | object;
  /** Overrides host.json. Default TestHubName. */
  taskHubName?: string;
  /** Overrides host.json `extensions.queues`. */
  queues?: QueueOptions;
  /** Run timer functions on their schedules (default true). `timers.fire()` works either way. */
  timerSchedules?: boolean;
  /** Start queue listeners (default true when the app has queue functions). */
  queueListeners?: boolean;
  /** Check the host's open tasks against the replay engine's after every episode (default true). */
  crossCheck?: boolean;
  /** Page size of the management API's instance list. Default 100. */
  listPageSize?: number;
  /** Long-timer settings passed to the library (defaults 6 days / 3 days, as the extension). */
  maximumShortTimerMs?: number;
  longRunningTimerIntervalMs?: number;
}

export interface StatusOptions {
  showHistory?: boolean;
  showHistoryOutput?: boolean;
  showInput?: boolean;
}

export interface InstanceStatusWithHistory extends InstanceStatus {
  historyEvents?: Array<Record<string, unknown>>;
}

export interface RunOptions {
  /** Advance a virtual clock to due timers (default true on a virtual clock). */
  advanceTime?: boolean;
  /** Never advance a virtual clock beyond this time. */
  until?: Date | number;
  /** Safety net against orchestrations that never stop scheduling timers. Default 100000. */
  maxTimerSteps?: number;
}

export interface WaitOptions {
  /** Real-clock only: give up after this many wall-clock milliseconds. */
  timeoutMs?: number;
}

export interface DurableApi {
  startNew(name: string, options?: { instanceId?: string; input?: unknown }): Promise<string>;
  getStatus(instanceId: string, options?: StatusOptions): InstanceStatusWithHistory | undefined;
  /** The raw history of the current execution, as the replay engine receives it. */
  history(instanceId: string): HistoryEvent[];
  raiseEvent(instanceId: string, eventName: string, data?: unknown): void;
  terminate(instanceId: string, reason?: string): void;
  purge(instanceId: string): boolean;
  list(filter?: ListFilter): InstanceStatus[];
  /** Resolves with the final status; on a virtual clock advances time as needed. */
  waitForInstance(instanceId: string, options?: WaitOptions): Promise<InstanceStatus>;
  /** A real `DurableClient` connected to this host. */
  client(): df.DurableClient;
  /** Durable client input data, as `df.app.client.*` functions receive it. */
  clientData(): DurableClientData;
}

export interface TimersApi {
  fire(name: string, options?: { isPastDue?: boolean }): Promise<void>;
  nextOccurrence(name: string): Date;
  names(): string[];
}

export interface QueuesApi {
  /** Sends a message (objects as JSON), encoded per the host's messageEncoding. */
  send(queueName: string, message: unknown): Promise<void>;
  /** A QueueClient for a queue (e.g. `<queue>-poison`) on the host's storage. */
  client(queueName: string): QueueClient;
  /** Resolved queue names of the queue functions. */
  names(): string[];
}

export interface HostEvents {
  on(type: HostEventType | '*', listener: (e: HostEvent) => void): void;
  off(type: HostEventType | '*', listener: (e: HostEvent) => void): void;
  /** Every event as an async iterator (ends on close()). */
  stream(): AsyncIterableIterator<HostEvent>;
  /** Every event so far. */
  readonly log: readonly HostEvent[];
}

export interface LocalHost {
  readonly baseUrl: string;
  readonly clock: Clock;
  readonly functions: ReadonlyArray<{ name: string; kind: TriggerKind }>;
  readonly durable: DurableApi;
  readonly timers: TimersApi;
  readonly queues: QueuesApi;
  readonly events: HostEvents;
  /** Waits until nothing can run; on a virtual clock first advances through due durable timers. */
  runUntilIdle(options?: RunOptions): Promise<void>;
  /** Virtual clock: moves time forward, stopping at every durable timer and timer-function occurrence on the way. */
  advance(ms: number): Promise<void>;
  advanceTo(time: Date | number | string): Promise<void>;
  /** Episodes run, open-task cross-checks passed, activity executions. */
  stats(): { episodes: number; crossChecks: number; activityExecutions: number };
  close(): Promise<void>;
}
