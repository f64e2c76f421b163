/**
 * An in-process Azure Functions host for this app: loads the registered functions exactly
 * as deployed and plays the Durable Task extension's part, driving the real
 * durable-functions replay engine, on the real clock or on a time-skipping virtual clock.
 *
 * This file assembles the host; the public types are in api.ts, app loading in appLoading.ts,
 * time driving in driver.ts, the durable engine in engine.ts. See docs/local-host.md.
 */
import { installFunctionsCore, setCoreLogSink } from './functionsCore';
import { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { QueueClient } from '@azure/storage-queue';
import { systemClock } from '../clock';
import type { DurableApi, InstanceStatusWithHistory, LocalHost, LocalHostOptions } from './api';
import { durableClientData, loadApp } from './appLoading';
import { asVirtual, createDriver } from './driver';
import {
  DurableEngine,
  type AtLeastOnceRule,
  type HostEvent,
  type HostEventType,
  type InstanceStatus,
  type ListFilter,
} from './engine';
import { LocalHttpServer } from './httpServer';
import { consoleLogger, type InvocationDeps, type LogEntry, type Logger } from './invocation';
import { ManagementApi, RPC_PREFIX } from './management';
import { randomBytes } from 'node:crypto';
import { QueueListener, connectionStringFor } from './queueTriggers';
import { applyEnv, readHostJson, resolveSettings, type HostJsonOptions, type QueueOptions } from './settings';
import { TimerTriggers } from './timerTriggers';
import { WorkTracker } from './work';
import { EventEmitter, on } from 'node:events';
import { QueueServiceClient } from '@azure/storage-queue';

installFunctionsCore();

export type { HostEvent, HostEventType, InstanceStatus, ListFilter, AtLeastOnceRule, LogEntry, Logger, QueueOptions };
export type { RuntimeStatus } from './engine';
export type { HistoryEvent } from './durableAdapter';
export type * from './api';
export {
  NonDeterministicOrchestrationError,
  HostInvariantError,
  InstanceNotFoundError,
  InstanceConflictError,
} from './engine';
export { EventType } from './durableAdapter';
export { consoleLogger } from './invocation';
export { installFunctionsCore } from './functionsCore';

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
    const functionKey = options.functionKey;
    // Keys configured → management routes need the system key, as in Azure (never open next to keyed functions).
    const systemKey = options.systemKey ?? (functionKey ? randomBytes(24).toString('base64url') : undefined);
    const work = new WorkTracker();
    let baseUrl = '';
    let rpcBaseUrl = '';
    let taskHubName = options.taskHubName ?? 'TestHubName';
    const clientData = durableClientData(
      () => baseUrl,
      () => taskHubName,
      systemKey,
      () => rpcBaseUrl,
    );
    const deps: InvocationDeps = { logger, now: () => clock.now(), clientData };
    const started: { engine?: DurableEngine } = {}; // the engine, once the app is loaded
    const emit = (e: HostEvent): void => {
      started.engine?.events.emit(e.type, e);
      started.engine?.events.emit('*', e);
    };

    // 1. HTTP first: the host's own address is the app's WEBSITE_HOSTNAME (as on Azure) before the app loads.
    const routePrefix = hostJson.routePrefix ?? 'api';
    const server = new LocalHttpServer({
      hostname: options.hostname ?? '127.0.0.1',
      port: options.httpPort ?? 7071,
      role: 'public',
      routePrefix,
      functionKey,
      systemKey,
      deps,
      work,
      emit,
    });
    baseUrl = await server.listen();
    cleanups.push(() => server.close());
    // With keys, the client's RPC API gets its own loopback listener, like the extension's local endpoint;
    // without keys it is served on the public port, like func start. That listener needs the system key too
    // (any local process can reach a loopback port): the client's base URL carries it as its first path
    // segment, since the durable client sends no key header or query there.
    let rpcServer: LocalHttpServer | undefined;
    if (systemKey !== undefined) {
      rpcServer = new LocalHttpServer({
        hostname: '127.0.0.1',
        port: 0,
        role: 'rpc',
        routePrefix,
        systemKey,
        deps,
        work,
        emit,
      });
      rpcBaseUrl = `${await rpcServer.listen()}/${encodeURIComponent(systemKey)}${RPC_PREFIX}`;
      const rpc = rpcServer;
      cleanups.push(() => rpc.close());
    }
    // DurableClient rewrites management URLs to localhost:7071 unless WEBSITE_HOSTNAME is set (as it is on Azure);
    // the app builds its own absolute URLs from it too.
    if (process.env.WEBSITE_HOSTNAME === undefined)
      cleanups.push(applyEnv({ WEBSITE_HOSTNAME: new URL(baseUrl).host }));

    // 2. Capture the registrations.
    const registry = await loadApp(options.load, logger, clock);

    // 3. Settings.
    if (options.taskHubName === undefined && hostJson.taskHubName)
      taskHubName = resolveSettings(hostJson.taskHubName, 'host.json durableTask.hubName');

    // 4. The durable engine.
    const theEngine = new DurableEngine({
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
    started.engine = theEngine;
    cleanups.push(() => theEngine.close());
    const eventLog: HostEvent[] = [];
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    theEngine.events.on('*', (e: HostEvent) => {
      eventLog.push(e);
      emitter.emit(e.type, e);
      emitter.emit('*', e);
    });

    // 5. HTTP: functions and the management API.
    const management = new ManagementApi(theEngine, clientData, {
      systemKey,
      pageSize: options.listPageSize ?? 100,
    });
    server.attach(registry.all, management);
    rpcServer?.attach([], management);

    // 6. Timer and queue triggers.
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

    // 7. Time.
    const driver = createDriver({ engine: theEngine, timers, work, listeners, clock, virtual });
    const { runUntilIdle, advanceTo, waitForInstance } = driver;
    if (virtual?.onAdvance) cleanups.push(virtual.onAdvance(() => driver.fireDue()));
    timers.start();
    let closed = false;

    const durable: DurableApi = {
      startNew: async (name, o) => theEngine.startNew(name, o ?? {}),
      getStatus: (id, o = {}) => {
        const s = theEngine.getStatus(id);
        if (!s) return undefined;
        const out: InstanceStatusWithHistory = o.showInput === false ? { ...s, input: null } : s;
        if (o.showHistory) out.historyEvents = theEngine.condensedHistory(id, !!o.showHistoryOutput);
        return out;
      },
      history: (id) => theEngine.history(id),
      raiseEvent: (id, name, data) => theEngine.raiseEvent(id, name, data ?? null),
      terminate: (id, reason = '') => theEngine.terminate(id, reason),
      purge: (id) => theEngine.purge(id),
      list: (filter) => theEngine.list(filter),
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
      stats: () => ({ ...theEngine.stats }),
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
