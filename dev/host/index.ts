/**
 * An in-process Azure Functions host for this app: loads the registered functions exactly
 * as deployed and plays the Durable Task extension's part, driving the real
 * durable-functions replay engine, on the real clock or on a time-skipping virtual clock.
 *
 * See docs/local-host.md.
 */
import { installFunctionsCore, capturedRegistrations, setCoreLogSink } from './functionsCore';
import { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { QueueClient } from '@azure/storage-queue';
import { systemClock, type Clock } from '../clock';
import {
  DurableEngine,
  HostInvariantError,
  isTerminal,
  type AtLeastOnceRule,
  type HostEvent,
  type HostEventType,
  type InstanceStatus,
  type ListFilter,
} from './engine';
import type { HistoryEvent } from './durableAdapter';
import { LocalHttpServer } from './httpServer';
import { consoleLogger, type DurableClientData, type InvocationDeps, type LogEntry, type Logger } from './invocation';
import { ManagementApi, RPC_PREFIX, WEBHOOK_PREFIX } from './management';
import { QueueListener, connectionStringFor } from './queueTriggers';
import { FunctionRegistry, RegistrationError, type TriggerKind } from './registry';
import { applyEnv, readHostJson, resolveSettings, type HostJsonOptions, type QueueOptions } from './settings';
import { TimerTriggers } from './timerTriggers';
import { WorkTracker } from './work';
import { EventEmitter, on } from 'node:events';
import { QueueServiceClient } from '@azure/storage-queue';

installFunctionsCore();

export type { HostEvent, HostEventType, InstanceStatus, ListFilter, AtLeastOnceRule, LogEntry, Logger, QueueOptions };
export type { RuntimeStatus } from './engine';
export type { HistoryEvent } from './durableAdapter';
export {
  NonDeterministicOrchestrationError,
  HostInvariantError,
  InstanceNotFoundError,
  InstanceConflictError,
} from './engine';
export { EventType } from './durableAdapter';
export { consoleLogger } from './invocation';
export { installFunctionsCore } from './functionsCore';

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
  /** When set, `authLevel: function|admin` routes and the management webhooks need it as `code` or `x-functions-key`. */
  functionKey?: string;
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

interface VirtualLike extends Clock {
  advanceTo(t: number | Date): number;
  onAdvance?(listener: (now: number) => void): () => void;
}

function asVirtual(clock: Clock): VirtualLike | undefined {
  return clock.virtual && typeof (clock as Partial<VirtualLike>).advanceTo === 'function'
    ? (clock as VirtualLike)
    : undefined;
}

export async function createLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const clock = options.clock ?? systemClock;
  const virtual = asVirtual(clock);
  const logger = options.logger ?? consoleLogger;
  const hostJson: HostJsonOptions = options.hostJson ? readHostJson(options.hostJson) : { queues: {} };

  const envVars: Record<string, string | undefined> = { ...(options.env ?? {}) };
  if (
    options.storageConnectionString &&
    envVars.AzureWebJobsStorage === undefined &&
    process.env.AzureWebJobsStorage === undefined
  ) {
    envVars.AzureWebJobsStorage = options.storageConnectionString;
  }
  const restoreEnv = applyEnv(envVars);
  const cleanups: Array<() => unknown> = [];
  try {
    // 1. Capture the registrations.
    installFunctionsCore();
    setCoreLogSink((level, category, message) =>
      logger({
        level: level as LogEntry['level'],
        category: `worker:${category}`,
        message,
        time: new Date(clock.now()).toISOString(),
      }),
    );
    const before = capturedRegistrations().length;
    await options.load();
    const regs = capturedRegistrations().slice(before);
    if (regs.length === 0) {
      throw new RegistrationError(
        'load() registered no functions. Either the app module was already loaded in this module registry (under jest use ' +
          '`load: () => jest.isolateModules(() => require(app))`, or require a fresh copy), or @azure/functions looked up ' +
          '@azure/functions-core before the host could provide it (map it in jest.config.js moduleNameMapper, or import ' +
          'dev/host before @azure/functions).',
      );
    }
    const registry = new FunctionRegistry(regs);

    // 2. Settings.
    const taskHubName =
      options.taskHubName ??
      (hostJson.taskHubName ? resolveSettings(hostJson.taskHubName, 'host.json durableTask.hubName') : 'TestHubName');
    const work = new WorkTracker();
    let baseUrl = '';
    const keyQuery = options.functionKey ? `&code=${encodeURIComponent(options.functionKey)}` : '';
    const clientData = (): DurableClientData => {
      const hook = `${baseUrl}${WEBHOOK_PREFIX.slice(0, -1)}`;
      const common = `taskHub=${encodeURIComponent(taskHubName)}&connection=Storage${keyQuery}`;
      return {
        taskHubName,
        creationUrls: {
          createNewInstancePostUri: `${hook}/orchestrators/{functionName}[/{instanceId}]?${common}`,
          createAndWaitOnNewInstancePostUri: `${hook}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${common}`,
        },
        managementUrls: {
          id: 'INSTANCEID',
          statusQueryGetUri: `${hook}/instances/INSTANCEID?${common}`,
          sendEventPostUri: `${hook}/instances/INSTANCEID/raiseEvent/{eventName}?${common}`,
          terminatePostUri: `${hook}/instances/INSTANCEID/terminate?reason={text}&${common}`,
          rewindPostUri: `${hook}/instances/INSTANCEID/rewind?reason={text}&${common}`,
          purgeHistoryDeleteUri: `${hook}/instances/INSTANCEID?${common}`,
          restartPostUri: `${hook}/instances/INSTANCEID/restart?${common}`,
          suspendPostUri: `${hook}/instances/INSTANCEID/suspend?reason={text}&${common}`,
          resumePostUri: `${hook}/instances/INSTANCEID/resume?reason={text}&${common}`,
        },
        baseUrl: hook,
        requiredQueryStringParameters: `${common}`,
        rpcBaseUrl: `${baseUrl}${RPC_PREFIX}`,
      };
    };
    const deps: InvocationDeps = { logger, now: () => clock.now(), clientData };

    // 3. The durable engine.
    const engine = new DurableEngine({
      clock,
      registry,
      deps,
      work,
      maxConcurrentActivities: options.maxConcurrentActivities ?? 10,
      atLeastOnce: options.atLeastOnce ?? [],
      maximumShortTimerMs: options.maximumShortTimerMs ?? 6 * 86400_000,
      longRunningTimerIntervalMs: options.longRunningTimerIntervalMs ?? 3 * 86400_000,
      overridableExistingInstanceStates: hostJson.overridableExistingInstanceStates ?? 'AnyState',
      crossCheck: options.crossCheck ?? true,
    });
    cleanups.push(() => engine.close());
    const eventLog: HostEvent[] = [];
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    engine.events.on('*', (e: HostEvent) => {
      eventLog.push(e);
      emitter.emit(e.type, e);
      emitter.emit('*', e);
    });
    const emit = (e: HostEvent): void => {
      engine.events.emit(e.type, e);
      engine.events.emit('*', e);
    };

    // 4. HTTP: functions and the management API.
    const management = new ManagementApi(engine, clientData, {
      functionKey: options.functionKey,
      pageSize: options.listPageSize ?? 100,
    });
    const server = new LocalHttpServer({
      hostname: options.hostname ?? '127.0.0.1',
      port: options.httpPort ?? 7071,
      routePrefix: hostJson.routePrefix ?? 'api',
      functionKey: options.functionKey,
      functions: registry.all,
      management,
      deps,
      work,
      emit,
    });
    baseUrl = await server.listen();
    cleanups.push(() => server.close());
    // DurableClient rewrites management URLs to localhost:7071 unless WEBSITE_HOSTNAME is set (as it is on Azure).
    if (process.env.WEBSITE_HOSTNAME === undefined)
      cleanups.push(applyEnv({ WEBSITE_HOSTNAME: new URL(baseUrl).host }));

    // 5. Timer and queue triggers.
    const timers = new TimerTriggers(registry.all, clock, deps, work, emit, options.timerSchedules ?? true);
    cleanups.push(() => timers.close());
    const q = { ...hostJson.queues, ...(options.queues ?? {}) };
    if (virtual && options.queues?.visibilityTimeoutMs === undefined) q.visibilityTimeoutMs = 0;
    const queueOptions = {
      maxDequeueCount: q.maxDequeueCount ?? 5,
      batchSize: q.batchSize ?? 16,
      visibilityTimeoutMs: q.visibilityTimeoutMs ?? 0,
      messageEncoding: q.messageEncoding ?? 'base64',
      maxPollingIntervalMs: q.maxPollingIntervalMs ?? 1000,
      minPollingIntervalMs: q.minPollingIntervalMs ?? 10,
    } as const;
    const listeners: QueueListener[] = [];
    if (options.queueListeners ?? true) {
      for (const fn of registry.ofKind('queue'))
        listeners.push(new QueueListener(fn, queueOptions, deps, work, emit, logger, options.storageConnectionString));
      for (const l of listeners) await l.start();
      cleanups.push(() => Promise.all(listeners.map((l) => l.stop())));
    }
    const queueClients = new Map<string, QueueClient>();
    const queueClient = (name: string): QueueClient => {
      let c = queueClients.get(name);
      if (!c) {
        c = QueueServiceClient.fromConnectionString(
          connectionStringFor(undefined, options.storageConnectionString),
        ).getQueueClient(name);
        queueClients.set(name, c);
      }
      return c;
    };

    // 6. Time.
    const fireDue = (): void => {
      engine.fireDueTimers();
      timers.fireDue();
    };
    if (virtual?.onAdvance) cleanups.push(virtual.onAdvance(() => fireDue()));
    timers.start();

    const throwIfFatal = (): void => {
      if (engine.fatalErrors.length > 0)
        throw engine.fatalErrors[0] instanceof HostInvariantError
          ? engine.fatalErrors[0]
          : new HostInvariantError(engine.fatalErrors[0].message);
    };

    /** Waits until no work is known and no queue has a visible message; fires timers already due. */
    const settle = async (): Promise<void> => {
      for (;;) {
        await work.whenIdle();
        const due = engine.nextTimerDue();
        if (due !== undefined && due <= clock.now()) {
          fireDue();
          continue;
        }
        const found = await Promise.all(listeners.map((l) => l.hasVisibleMessages().catch(() => false)));
        if (found.some(Boolean) || work.busy) continue;
        return;
      }
    };

    const step = async (target: number | undefined, includeSchedules: boolean): Promise<boolean> => {
      if (!virtual) return false;
      const candidates = [engine.nextTimerDue(), includeSchedules ? timers.nextDue() : undefined].filter(
        (x): x is number => x !== undefined,
      );
      const next = candidates.length ? Math.min(...candidates) : undefined;
      if (next === undefined || (target !== undefined && next > target)) {
        if (target !== undefined && target > clock.now()) {
          virtual.advanceTo(target);
          fireDue();
        }
        return false;
      }
      virtual.advanceTo(Math.max(next, clock.now()));
      fireDue();
      return true;
    };

    let closed = false;
    const runUntilIdle = async (opts: RunOptions = {}): Promise<void> => {
      const advance = opts.advanceTime ?? !!virtual;
      const until = opts.until === undefined ? undefined : +opts.until;
      const max = opts.maxTimerSteps ?? 100_000;
      for (let i = 0; ; i++) {
        await settle();
        throwIfFatal();
        if (!advance || !virtual) return;
        if (i >= max)
          throw new Error(
            `runUntilIdle: still scheduling timers after ${max} steps (virtual time ${new Date(clock.now()).toISOString()}).`,
          );
        if (!(await step(until, false))) {
          await settle();
          throwIfFatal();
          return;
        }
      }
    };

    const advanceTo = async (time: Date | number | string): Promise<void> => {
      if (!virtual) throw new Error('advance()/advanceTo() need a VirtualClock.');
      const target = typeof time === 'number' ? time : new Date(time).getTime();
      for (;;) {
        await settle();
        throwIfFatal();
        if (!(await step(target, true))) break;
      }
      await settle();
      throwIfFatal();
    };

    const waitForInstance = async (instanceId: string, opts: WaitOptions = {}): Promise<InstanceStatus> => {
      const done = (): InstanceStatus | undefined => {
        const s = engine.getStatus(instanceId);
        if (!s) throw new RegistrationError(`No instance with ID '${instanceId}' found.`);
        return isTerminal(s.runtimeStatus) ? s : undefined;
      };
      if (virtual) {
        for (let i = 0; ; i++) {
          await settle();
          throwIfFatal();
          const s = done();
          if (s) return s;
          if (i > 100_000 || !(await step(undefined, false))) {
            const st = engine.getStatus(instanceId);
            throw new Error(
              `Instance '${instanceId}' is ${st?.runtimeStatus} and nothing else can run at virtual time ${new Date(clock.now()).toISOString()} ` +
                '(it waits for an external event, or for work the host does not know of).',
            );
          }
        }
      }
      const first = done();
      if (first) return first;
      return new Promise<InstanceStatus>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const off = engine.onStatusChange((id) => {
          if (id !== instanceId) return;
          try {
            const s = done();
            if (s) finish(() => resolve(s));
          } catch (err) {
            finish(() => reject(err as Error));
          }
        });
        const finish = (f: () => void): void => {
          off();
          if (timer) clearTimeout(timer);
          f();
        };
        if (opts.timeoutMs !== undefined)
          timer = setTimeout(
            () =>
              finish(() => reject(new Error(`Instance '${instanceId}' did not finish within ${opts.timeoutMs} ms.`))),
            opts.timeoutMs,
          );
      });
    };

    const durable: DurableApi = {
      startNew: async (name, o) => engine.startNew(name, o ?? {}),
      getStatus: (id, o = {}) => {
        const s = engine.getStatus(id);
        if (!s) return undefined;
        const out: InstanceStatusWithHistory = o.showInput === false ? { ...s, input: null } : s;
        if (o.showHistory) out.historyEvents = engine.condensedHistory(id, !!o.showHistoryOutput);
        return out;
      },
      history: (id) => engine.history(id),
      raiseEvent: (id, name, data) => engine.raiseEvent(id, name, data ?? null),
      terminate: (id, reason = '') => engine.terminate(id, reason),
      purge: (id) => engine.purge(id),
      list: (filter) => engine.list(filter),
      waitForInstance,
      clientData,
      client: () => {
        const binding = { name: 'localHostDurableClient', type: 'durableClient' };
        const ctx = new InvocationContext({
          functionName: 'localHost',
          invocationId: 'local-host',
          options: { trigger: { name: 'x', type: 'x' }, extraInputs: [binding], extraOutputs: [] },
        });
        ctx.extraInputs.set(binding.name, clientData());
        return df.getClient(ctx);
      },
    };

    const host: LocalHost = {
      baseUrl,
      clock,
      functions: registry.all.map((f) => ({ name: f.name, kind: f.kind })),
      durable,
      timers: {
        fire: (name, o) => timers.fire(name, o),
        nextOccurrence: (name) => timers.nextOccurrence(name),
        names: () => timers.names(),
      },
      queues: {
        send: async (queueName, message) => {
          const text = typeof message === 'string' ? message : JSON.stringify(message);
          const client = queueClient(queueName);
          await client.createIfNotExists();
          await client.sendMessage(
            queueOptions.messageEncoding === 'base64' ? Buffer.from(text, 'utf8').toString('base64') : text,
          );
          for (const l of listeners) if (l.queueName === queueName) l.wake();
        },
        client: queueClient,
        names: () => listeners.map((l) => l.queueName),
      },
      events: {
        on: (type, listener) => void emitter.on(type, listener),
        off: (type, listener) => void emitter.off(type, listener),
        stream: () => streamEvents(emitter),
        get log() {
          return eventLog;
        },
      },
      runUntilIdle,
      stats: () => ({ ...engine.stats }),
      advance: (ms) => advanceTo(clock.now() + ms),
      advanceTo,
      close: async () => {
        if (closed) return;
        closed = true;
        emitter.emit('close');
        for (const c of cleanups.reverse()) await c();
        setCoreLogSink(undefined);
        restoreEnv();
      },
    };
    return host;
  } catch (err) {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
    restoreEnv();
    throw err;
  }
}

async function* streamEvents(emitter: EventEmitter): AsyncIterableIterator<HostEvent> {
  const ac = new AbortController();
  const onClose = (): void => ac.abort();
  emitter.once('close', onClose);
  try {
    for await (const [e] of on(emitter, '*', { signal: ac.signal })) yield e as HostEvent;
  } catch (err) {
    if ((err as { name?: string }).name !== 'AbortError') throw err;
  } finally {
    emitter.off('close', onClose);
  }
}
