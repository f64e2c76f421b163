/**
 * The real replication orchestration (local host + Azurite + emulator with S0 rate
 * limits, one virtual clock) on one scenario, and the figures read back from the
 * emulator's schedule and request log and from the durable histories.
 */
import type { FormRecognizerEmulator, RequestLogEntry } from '../dev/emulators/formRecognizer';
import { EventType, type HistoryEvent } from '../dev/host';
import type { LocalStack } from '../dev/stack';
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

export interface OrchestratedResult {
  summary: RunSummary;
  startMs: number;
  endMs: number;
  lowerBoundMs: number;
  durations: number[];
  requests: RequestFigures;
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

/** Runs one scenario on a (reset) stack: fresh emulator and ledger, same loaded app and clock. */
export async function runOrchestrated(stack: LocalStack, scenario: Scenario): Promise<OrchestratedResult> {
  const emulator: FormRecognizerEmulator = await stack.reset({
    resources: resourcesFor(scenario),
    emulator: emulatorOptionsFor(scenario),
  });
  const startMs = stack.clock.now();
  const runId = await stack.host.durable.startNew('replicateModels', { input: { trigger: 'local' } });
  const status = await stack.host.durable.waitForInstance(runId, { timeoutMs: 30 * 60_000 });
  if (status.runtimeStatus !== 'Completed')
    throw new Error(`run ${runId} ended ${status.runtimeStatus}: ${JSON.stringify(status.output)}`);
  const summary = status.output as RunSummary;
  const endMs = Date.parse(status.lastUpdatedTime);

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
  const instances = stack.host.durable.list({ instanceIdPrefix: runId });
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

  const requests = requestFigures(emulator.requestLog);
  // Free the host's memory of this run before the next one.
  for (const inst of instances) stack.host.durable.purge(inst.instanceId);
  return { summary, startMs, endMs, lowerBoundMs: lb, durations, requests, pollsPerCopy, detectionLatencyMs, history };
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
