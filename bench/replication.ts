/**
 * The real replication orchestration (local host + Azurite + emulator with S0 rate
 * limits, one virtual clock) on one scenario, and the figures read back from the
 * emulator's schedule and request log, the storage counting proxy and the durable
 * histories. `runOrchestrated` is the first full sync on a fresh emulator and ledger;
 * `runAgain` runs once more on the same stack (same emulator, same ledger): the
 * steady-state runs.
 */
import type { FormRecognizerEmulator, RequestLogEntry } from '../dev/emulators/formRecognizer';
import { EventType, type HistoryEvent, type InstanceStatus } from '../dev/host';
import type { LocalStack } from '../dev/stack';
import { diffStorageCounts, type StorageCounts, type StorageCountingProxy } from '../dev/storageCountingProxy';
import { createLedgerContainerClient, openLedger, ReplicaRepository, type ModelReplicaRecord } from '../src/ledger';
import type { CheckCopyResult, RunSummary } from '../src/replication/contracts';
import { emulatorOptionsFor, lowerBoundMs, resourcesFor, SOURCE_NAME, type Scenario } from './scenario';
import { mean, percentile } from './stats';

export interface RequestFigures {
  total: number;
  byKind: Record<string, number>;
  throttled: number;
  throttledByKind: Record<string, number>;
}

export interface HistoryFigures {
  instances: number;
  /** Σ over every episode of every instance of the events the replay engine was handed. */
  eventsReplayed: number;
  eventsReplayedPerCopy: number;
  /** Σ replayed per orchestrator kind, per copy. */
  perCopyByOrchestrator: Record<string, number>;
  longestHistory: { instanceId: string; events: number };
  episodes: number;
}

/** Activities of one run, from the durable histories of all its instances. */
export interface ActivityFigures {
  /** Activity executions the host ran during the run (its own counter). */
  executions: number;
  /** TaskScheduled events: every attempt of every activity call, retries included. */
  scheduled: number;
  /** TaskFailed events: attempts that threw (each retried, or the call failed). */
  failed: number;
  byName: Record<string, { scheduled: number; failed: number }>;
}

/** One replication run: what it cost and what it did. */
export interface RunFigures {
  runId: string;
  summary: RunSummary;
  startMs: number;
  /** The orchestration's last update (virtual). */
  endMs: number;
  virtualMs: number;
  realMs: number;
  /** Service requests of this run (emulator request log), by kind. */
  requests: RequestFigures;
  /** Blob storage requests of this run (counting proxy); absent without a proxy. */
  storage?: StorageCounts;
  activities: ActivityFigures;
  instances: number;
}

export interface OrchestratedResult extends RunFigures {
  lowerBoundMs: number;
  durations: number[];
  pollsPerCopy: number[];
  detectionLatencyMs: number[];
  history: HistoryFigures;
}

export function requestFigures(log: readonly RequestLogEntry[]): RequestFigures {
  const byKind: Record<string, number> = {};
  const throttledByKind: Record<string, number> = {};
  let throttled = 0;
  for (const e of log) {
    const kind = e.call ?? 'other';
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    if (e.status === 429) {
      throttled += 1;
      throttledByKind[kind] = (throttledByKind[kind] ?? 0) + 1;
    }
  }
  return { total: log.length, byKind, throttled, throttledByKind };
}

/**
 * One run on the stack as it is (its emulator and ledger), started as the benchmark always
 * starts runs (`replicateModels`, trigger local), with the figures of this run only: request
 * log and storage counts since it started. The caller reads the instances' histories and
 * then purges them (`purgeRun`).
 */
async function runOnce(
  stack: LocalStack,
  emulator: FormRecognizerEmulator,
  storage: StorageCountingProxy | undefined,
): Promise<{ figures: RunFigures; instances: InstanceStatus[] }> {
  const logFrom = emulator.requestLog.length;
  const storageBefore = storage?.snapshot();
  const executionsBefore = stack.host.stats().activityExecutions;
  const startMs = stack.clock.now();
  const realStart = performance.now();
  const runId = await stack.host.durable.startNew('replicateModels', { input: { trigger: 'local' } });
  const status = await stack.host.durable.waitForInstance(runId, { timeoutMs: 30 * 60_000 });
  const realMs = performance.now() - realStart;
  if (status.runtimeStatus !== 'Completed')
    throw new Error(`run ${runId} ended ${status.runtimeStatus}: ${JSON.stringify(status.output)}`);
  const summary = status.output as RunSummary;
  const endMs = Date.parse(status.lastUpdatedTime);
  const storageCounts = storage && storageBefore ? diffStorageCounts(storage.snapshot(), storageBefore) : undefined;
  const instances = stack.host.durable.list({ instanceIdPrefix: runId });
  const activities: ActivityFigures = {
    executions: stack.host.stats().activityExecutions - executionsBefore,
    scheduled: 0,
    failed: 0,
    byName: {},
  };
  for (const inst of instances) {
    const names = new Map<number, string>();
    for (const e of stack.host.durable.history(inst.instanceId)) {
      if (e.EventType === EventType.TaskScheduled) {
        const name = String(e.Name);
        names.set(e.EventId, name);
        activities.scheduled += 1;
        (activities.byName[name] ??= { scheduled: 0, failed: 0 }).scheduled += 1;
      } else if (e.EventType === EventType.TaskFailed) {
        const name = names.get(Number(e.TaskScheduledId)) ?? '?';
        activities.failed += 1;
        (activities.byName[name] ??= { scheduled: 0, failed: 0 }).failed += 1;
      }
    }
  }
  return {
    figures: {
      runId,
      summary,
      startMs,
      endMs,
      virtualMs: endMs - startMs,
      realMs,
      requests: requestFigures(emulator.requestLog.slice(logFrom)),
      ...(storageCounts ? { storage: storageCounts } : {}),
      activities,
      instances: instances.length,
    },
    instances,
  };
}

/** Frees the host's memory of a run (its durable histories); the ledger keeps what it wrote. */
function purgeRun(stack: LocalStack, instances: readonly InstanceStatus[]): void {
  for (const inst of instances) stack.host.durable.purge(inst.instanceId);
}

/**
 * Runs once more on the stack's current emulator and ledger (after `runOrchestrated`, or
 * after changing the source with `emulator.upsertModel`): a steady-state run.
 */
export async function runAgain(stack: LocalStack, storage?: StorageCountingProxy): Promise<RunFigures> {
  const emulator = stack.emulator;
  if (!emulator) throw new Error('the stack has no emulator (run runOrchestrated first)');
  const { figures, instances } = await runOnce(stack, emulator, storage);
  purgeRun(stack, instances);
  return figures;
}

/** Runs one scenario on a (reset) stack: fresh emulator and ledger, same loaded app and clock. */
export async function runOrchestrated(
  stack: LocalStack,
  scenario: Scenario,
  storage?: StorageCountingProxy,
): Promise<OrchestratedResult> {
  const emulator: FormRecognizerEmulator = await stack.reset({
    resources: resourcesFor(scenario),
    emulator: emulatorOptionsFor(scenario),
  });
  const { figures, instances } = await runOnce(stack, emulator, storage);
  const { startMs, summary } = figures;

  const operations = emulator.operations(SOURCE_NAME);
  const { lowerBoundMs: lb, durations } = lowerBoundMs(startMs, operations, scenario.rateLimits.management);
  const completesAt = new Map(
    operations.filter((o) => o.status === 'succeeded').map((o) => [o.targetModelId, Date.parse(o.completesDateTime)]),
  );

  const pollsPerCopy: number[] = [];
  const detectionLatencyMs: number[] = [];
  const history: HistoryFigures = {
    instances: 0,
    eventsReplayed: 0,
    eventsReplayedPerCopy: 0,
    perCopyByOrchestrator: {},
    longestHistory: { instanceId: '', events: 0 },
    episodes: 0,
  };
  for (const inst of instances) {
    const events = stack.host.durable.history(inst.instanceId);
    history.instances += 1;
    const replayed = replayedEvents(events);
    history.eventsReplayed += replayed.events;
    history.episodes += replayed.episodes;
    history.perCopyByOrchestrator[inst.name] = (history.perCopyByOrchestrator[inst.name] ?? 0) + replayed.events;
    if (events.length > history.longestHistory.events)
      history.longestHistory = { instanceId: inst.instanceId, events: events.length };
    if (inst.name === 'copyModelToRegion') {
      const copy = copyFigures(events);
      pollsPerCopy.push(copy.polls);
      if (copy.succeededAt !== undefined && copy.targetModelId) {
        const done = completesAt.get(copy.targetModelId);
        if (done !== undefined) detectionLatencyMs.push(copy.succeededAt - done);
      }
    }
  }
  const copies = Math.max(1, summary.totals.planned);
  history.eventsReplayedPerCopy = history.eventsReplayed / copies;
  for (const k of Object.keys(history.perCopyByOrchestrator)) history.perCopyByOrchestrator[k] /= copies;

  // Free the host's memory of this run before the next one.
  purgeRun(stack, instances);
  return { ...figures, lowerBoundMs: lb, durations, pollsPerCopy, detectionLatencyMs, history };
}

/** The replay engine is handed the whole history at every episode: Σ (events before the episode + the 2 new ones). */
function replayedEvents(events: readonly HistoryEvent[]): { events: number; episodes: number } {
  let total = 0;
  let episodes = 0;
  events.forEach((e, i) => {
    if (e.EventType === EventType.OrchestratorStarted) {
      total += i + 2;
      episodes += 1;
    }
  });
  return { events: total, episodes };
}

/** Polls of the copy (checkCopy activities) and when the orchestration learned it succeeded. */
function copyFigures(events: readonly HistoryEvent[]): { polls: number; succeededAt?: number; targetModelId?: string } {
  const names = new Map<number, string>();
  let polls = 0;
  let succeededAt: number | undefined;
  let targetModelId: string | undefined;
  for (const e of events) {
    if (e.EventType === EventType.TaskScheduled) {
      names.set(e.EventId, String(e.Name));
      if (e.Name === 'checkCopy') polls += 1;
    } else if (e.EventType === EventType.TaskCompleted && names.get(Number(e.TaskScheduledId)) === 'checkCopy') {
      const result = JSON.parse(String(e.Result)) as CheckCopyResult;
      if (result.kind === 'succeeded') {
        succeededAt = Date.parse(e.Timestamp);
        targetModelId = result.targetModelId;
      }
    }
  }
  return { polls, ...(succeededAt !== undefined ? { succeededAt } : {}), ...(targetModelId ? { targetModelId } : {}) };
}

export function pollFigures(polls: number[]): { mean: number; p95: number } {
  return { mean: mean(polls), p95: percentile(polls, 95) };
}

/**
 * A size's steady state without its first full sync: the stack reset to the scenario with every
 * target already holding a ready copy of every source model, and the ledger holding the replica
 * record of every pair (written directly, one create each, before any run). What a first sync
 * leaves behind, for the sizes where a first sync on Azurite takes too long here (its in-memory
 * store scans the account's blobs on every request). Returns the emulator.
 */
export async function seedReplicated(stack: LocalStack, scenario: Scenario): Promise<FormRecognizerEmulator> {
  const base = resourcesFor(scenario);
  const source = base[0];
  const sourceModels = source.models ?? [];
  const copyId = (i: number, r: number): string =>
    `c0${String(r).padStart(6, '0')}-0000-4000-a000-${String(i).padStart(12, '0')}`;
  const resources = base.map((spec, r) =>
    r === 0
      ? spec
      : {
          ...spec,
          models: sourceModels.map((m, i) => ({ ...m, modelId: copyId(i, r) })),
        },
  );
  const emulator = await stack.reset({ resources, emulator: emulatorOptionsFor(scenario) });
  const storage = stack.env.AzureWebJobsStorage;
  if (!storage) throw new Error('stack has no AzureWebJobsStorage');
  const ledger = await openLedger(
    createLedgerContainerClient({ connectionString: storage }, stack.env.DR_LEDGER_CONTAINER ?? 'model-dr'),
    { clock: stack.clock },
  );
  const now = new Date(stack.clock.now()).toISOString();
  const versions = new Map(emulator.models(SOURCE_NAME).map((m) => [m.modelId, m.lastUpdatedDateTime]));
  const records: ModelReplicaRecord[] = [];
  resources.slice(1).forEach((target, k) => {
    const resourceId = emulator.resource(target.name).resourceId;
    sourceModels.forEach((m, i) =>
      records.push({
        sourceModelId: m.modelId ?? '',
        ...(m.modelName !== undefined ? { sourceModelName: m.modelName } : {}),
        ...(versions.get(m.modelId ?? '') !== undefined ? { sourceModelVersion: versions.get(m.modelId ?? '') } : {}),
        region: target.region,
        targetResourceId: resourceId,
        targetModelId: copyId(i, k + 1),
        state: 'replicated',
        lastVerifiedAt: now,
        lastAttemptAt: now,
        lastRunId: 'seeded',
        attempts: 1,
      }),
    );
  });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < records.length) {
      const r = records[next++];
      await ledger.replicas.store.create(ReplicaRepository.key(r.sourceModelId, r.region), r);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return emulator;
}
