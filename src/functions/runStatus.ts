/**
 * A replication run's progress as the HTTP API shows it, shared by `GET /api/replications/{id}`
 * (./replication.ts) and the dashboard's run list (./dashboard.ts): one place that reads the
 * run's custom status and, while it copies, adds up its batches' per-pair counts.
 */
import * as df from 'durable-functions';
import type { CurrentRun } from '../http/dashboard/runs';
import type { RunInput, RunProgress } from '../replication/contracts';
import { batchInstanceId } from '../replication/policy';
import { Orchestrators } from '../replication/registry';
import { durableIdArgument, findInstanceStatus } from './durableStatus';

/** Batch status queries in flight at once while adding up a run's live counts. */
const BATCH_STATUS_CONCURRENCY = 8;

/**
 * The run's progress from its custom status; while copying, with per-pair counts (the run
 * counts finished batches, each batch counts its pairs). A batch not started yet counts 0.
 */
export async function liveRunProgress(
  client: df.DurableClient,
  runId: string,
  customStatus: unknown,
): Promise<RunProgress | undefined> {
  const progress = (customStatus ?? undefined) as RunProgress | undefined;
  if (!progress || progress.phase !== 'copying') return progress;
  const live = { ...progress, done: 0, copied: 0, failed: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < progress.batches) {
      const i = next++;
      try {
        const batch = await client.getStatus(durableIdArgument(batchInstanceId(runId, i)));
        const s = batch.customStatus as { done?: number; copied?: number; failed?: number } | undefined;
        live.done += s?.done ?? 0;
        live.copied += s?.copied ?? 0;
        live.failed += s?.failed ?? 0;
      } catch {
        // not started yet
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_STATUS_CONCURRENCY, progress.batches) }, worker));
  return live;
}

/**
 * The run in progress (from `running`, the status of the running replication instance, if
 * any) with its live progress; undefined when none runs or it ended in between.
 */
export async function currentRun(
  client: df.DurableClient,
  running: df.DurableOrchestrationStatus | undefined,
): Promise<CurrentRun | undefined> {
  if (!running) return undefined;
  const status = await findInstanceStatus(client, running.instanceId, { showInput: true });
  if (!status || status.name !== Orchestrators.replicate.name) return undefined;
  const progress = await liveRunProgress(client, status.instanceId, status.customStatus);
  return {
    id: status.instanceId,
    runtimeStatus: String(status.runtimeStatus),
    createdTime: isoOf(status.createdTime),
    lastUpdatedTime: isoOf(status.lastUpdatedTime),
    dryRun: (status.input as RunInput | null | undefined)?.dryRun === true,
    ...(progress ? { progress } : {}),
  };
}

function isoOf(d: Date): string {
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}
