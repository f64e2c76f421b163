/**
 * Per-iteration Custom Vision backup: request the configured exports, then wait for the
 * `Export` notifications (raised to this instance as external events by the queue
 * function) racing a durable timer; when the timer wins, read the export status itself
 * (an activity), so a lost notification is not a lost backup. Ends with every platform
 * backed up or failed with a reason, recorded in the ledger.
 *
 * Deterministic generator (replayed): no I/O, no clock but `context.df.currentUtcDateTime`,
 * no randomness. Nothing here holds a key or a SAS: inputs, events and outputs carry ids,
 * platform names, blob names and reasons only.
 */
import type { OrchestrationContext, Task } from 'durable-functions';
import {
  CV_EXPORT_EVENT,
  formatPlatformSpec,
  type CheckedExport,
  type CustomVisionBackupOutput,
  type CustomVisionBackupProgress,
  type ExportEventData,
  type PlatformResult,
  type PlatformSpec,
  type RequestedExport,
} from '../customVisionBackup/contracts';
import { CvActivities, CvOrchestrators } from '../customVisionBackup/registry';
import { callActivity, inputOf } from '../durable/call';

function sameSpec(a: PlatformSpec, b: PlatformSpec): boolean {
  return a.platform.toLowerCase() === b.platform.toLowerCase() && (a.flavor ?? '') === (b.flavor ?? '');
}

export function* customVisionBackupOrchestrator(
  context: OrchestrationContext,
): Generator<Task, CustomVisionBackupOutput, unknown> {
  const input = inputOf(context, CvOrchestrators.backup);
  const { projectId, iterationId } = input;
  const startedAt = context.df.currentUtcDateTime;
  const deadline = startedAt.getTime() + input.deadlineMs;
  const results: PlatformResult[] = [];
  let pending: PlatformSpec[] = [];
  let checks = 0;

  const progress = (): void =>
    context.df.setCustomStatus({
      pending: pending.map(formatPlatformSpec),
      backedUp: results.filter((r) => r.outcome === 'backedUp').length,
      failed: results.filter((r) => r.outcome === 'failed').length,
      checks,
    } satisfies CustomVisionBackupProgress);

  // 1. Request the exports ("already queued" is success).
  let requested: RequestedExport[];
  try {
    requested = yield* callActivity(context, CvActivities.requestExports, {
      projectId,
      iterationId,
      platforms: input.platforms,
    });
  } catch (e) {
    const reason = `requesting the export failed after retries: ${firstLine(e)}`;
    requested = input.platforms.map((p) => ({ ...p, state: 'failed', reason }));
  }
  for (const r of requested) {
    const spec: PlatformSpec = r.flavor ? { platform: r.platform, flavor: r.flavor } : { platform: r.platform };
    if (r.state === 'failed') results.push({ ...spec, outcome: 'failed', reason: r.reason, via: 'request' });
    else pending.push(spec);
  }
  progress();

  function* check(final: boolean): Generator<Task, void, unknown> {
    checks += 1;
    const waitedMinutes = Math.round((context.df.currentUtcDateTime.getTime() - startedAt.getTime()) / 60_000);
    let checked: CheckedExport[];
    try {
      checked = yield* callActivity(context, CvActivities.checkExports, {
        projectId,
        iterationId,
        // A copy: `pending` changes below, and the action is serialized later.
        platforms: pending.map((p) => ({ ...p })),
        final,
        waitedMinutes,
      });
    } catch (e) {
      if (!final) return; // try again at the next round
      checked = pending.map((p) => ({
        ...p,
        state: 'failed',
        reason: `reading the export status failed after retries: ${firstLine(e)}`,
      }));
    }
    for (const c of checked) {
      const i = pending.findIndex((p) => sameSpec(p, c));
      if (i < 0 || c.state === 'waiting') continue;
      const spec = pending[i] as PlatformSpec;
      pending.splice(i, 1);
      if (c.state === 'backedUp')
        results.push({
          ...spec,
          outcome: 'backedUp',
          blobName: c.blobName,
          replicaVerified: c.replicaVerified,
          via: 'statusCheck',
        });
      else results.push({ ...spec, outcome: 'failed', reason: c.reason, via: 'statusCheck' });
    }
    if (final) {
      for (const p of pending)
        results.push({
          ...p,
          outcome: 'failed',
          reason: 'timedOut: no backup before the deadline',
          via: 'statusCheck',
        });
      pending = [];
    }
    progress();
  }

  // Something may already be done (requested before, "already queued"): look once now.
  if (pending.length > 0 && requested.some((r) => r.state === 'alreadyQueued')) yield* check(false);

  // 2. Wait for notifications, racing a timer; on timeout read the status.
  let eventTask: Task | undefined;
  while (pending.length > 0) {
    const nowMs = context.df.currentUtcDateTime.getTime();
    if (nowMs >= deadline) {
      yield* check(true);
      break;
    }
    // One event task at a time: a task that lost a race stays subscribed and gets the next event.
    eventTask ??= context.df.waitForExternalEvent(CV_EXPORT_EVENT);
    let eventWon: boolean;
    if (eventTask.isCompleted) {
      // Task.any over an already completed task never resolves (durable-functions 3.x): take it directly.
      eventWon = true;
    } else {
      const timer = context.df.createTimer(new Date(Math.min(nowMs + input.waitMs, deadline)));
      const winner = yield context.df.Task.any([eventTask, timer]);
      eventWon = winner === eventTask;
      if (eventWon) timer.cancel();
    }
    if (!eventWon) {
      yield* check(context.df.currentUtcDateTime.getTime() >= deadline);
      continue;
    }
    const data = (eventTask.result ?? {}) as Partial<ExportEventData>;
    eventTask = undefined;
    if (data.exportStatus === 'ExportCompleted' && typeof data.platform === 'string') {
      const platform = data.platform.toLowerCase();
      // The blob name carries the platform only: every pending flavor of it is backed up by this blob.
      const hits = pending.filter((p) => p.platform.toLowerCase() === platform);
      if (hits.length === 0) continue;
      pending = pending.filter((p) => p.platform.toLowerCase() !== platform);
      for (const p of hits)
        results.push({
          ...p,
          outcome: 'backedUp',
          ...(data.blobName ? { blobName: data.blobName } : {}),
          replicaVerified: data.replicaVerified === true,
          via: 'notification',
        });
      progress();
    } else if (data.exportStatus === 'ExportFailed') {
      // The notification names no platform: read the status to learn which one failed.
      yield* check(false);
    }
  }

  // 3. Record the outcome.
  const ordered = input.platforms
    .map((p) => results.find((r) => sameSpec(r, p)))
    .filter((r): r is PlatformResult => r !== undefined);
  const backedUp = ordered.filter((r) => r.outcome === 'backedUp').length;
  const state: CustomVisionBackupOutput['state'] =
    backedUp === ordered.length ? 'completed' : backedUp === 0 ? 'failed' : 'partial';
  yield* callActivity(context, CvActivities.recordBackupOutcome, {
    projectId,
    iterationId,
    instanceId: context.df.instanceId,
    platforms: input.platforms.map(formatPlatformSpec),
    startedAt: startedAt.toISOString(),
    outcomes: ordered,
  });
  progress();
  return {
    projectId,
    iterationId,
    state,
    platforms: ordered,
    startedAt: startedAt.toISOString(),
    finishedAt: context.df.currentUtcDateTime.toISOString(),
  };
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return (m.split('\n')[0] ?? '').slice(0, 300);
}
