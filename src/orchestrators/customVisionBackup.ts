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
import { nextExports, sameName, type ExportSpec } from '../customVision/flavors';

function sameSpec(a: PlatformSpec, b: PlatformSpec): boolean {
  return sameName(a.platform, b.platform) && sameName(a.flavor, b.flavor);
}

function specOf(p: PlatformSpec): PlatformSpec {
  return p.flavor ? { platform: p.platform, flavor: p.flavor } : { platform: p.platform };
}

export function* customVisionBackupOrchestrator(
  context: OrchestrationContext,
): Generator<Task, CustomVisionBackupOutput, unknown> {
  const input = inputOf(context, CvOrchestrators.backup);
  const { projectId, iterationId } = input;
  const specs = input.platforms.map(specOf);
  const startedAt = context.df.currentUtcDateTime;
  const deadline = startedAt.getTime() + input.deadlineMs;
  const results: PlatformResult[] = [];
  /** Requested and not settled yet. */
  let pending: PlatformSpec[] = [];
  /** The project was read-only (ForbiddenDRModeEnabled): request again at `at`. */
  let deferred: { spec: PlatformSpec; at: number; reason: string }[] = [];
  let checks = 0;
  const nowMs = (): number => context.df.currentUtcDateTime.getTime();
  const settled = (): PlatformSpec[] => results.map(specOf);

  const progress = (): void =>
    context.df.setCustomStatus({
      pending: pending.map(formatPlatformSpec),
      waiting: specs
        .filter((s) => !pending.some((p) => sameSpec(p, s)) && !results.some((r) => sameSpec(r, s)))
        .map(formatPlatformSpec),
      backedUp: results.filter((r) => r.outcome === 'backedUp').length,
      failed: results.filter((r) => r.outcome === 'failed').length,
      checks,
    } satisfies CustomVisionBackupProgress);

  /**
   * Requests what is due: per platform its next flavor, only once the previous one is settled
   * (two flavors of one platform would overwrite each other's blob), and a deferred one only
   * when its timer is due. True when something is already there to look at now.
   */
  function* requestDue(): Generator<Task, boolean, unknown> {
    const now = nowMs();
    const due = nextExports(specs as ExportSpec[], settled())
      .map(specOf)
      .filter((s) => !pending.some((p) => sameSpec(p, s)))
      .filter((s) => !deferred.some((d) => sameSpec(d.spec, s) && d.at > now));
    if (due.length === 0) return false;
    deferred = deferred.filter((d) => !due.some((s) => sameSpec(s, d.spec)));
    let requested: RequestedExport[];
    try {
      requested = yield* callActivity(context, CvActivities.requestExports, { projectId, iterationId, platforms: due });
    } catch (e) {
      const reason = `requesting the export failed after retries: ${firstLine(e)}`;
      requested = due.map((p) => ({ ...p, state: 'failed', reason }));
    }
    let lookNow = false;
    for (const r of requested) {
      const spec = specOf(r);
      if (r.state === 'failed') results.push({ ...spec, outcome: 'failed', reason: r.reason, via: 'request' });
      else if (r.state === 'deferred') deferred.push({ spec, at: now + r.retryAfterMs, reason: r.reason });
      else {
        pending.push(spec);
        // Already there (Done, Failed, or not listed yet): look once right away.
        if (r.state === 'alreadyQueued' && r.status !== 'Exporting') lookNow = true;
      }
    }
    progress();
    return lookNow;
  }

  function* check(final: boolean): Generator<Task, void, unknown> {
    if (pending.length === 0) return;
    checks += 1;
    const waitedMinutes = Math.round((nowMs() - startedAt.getTime()) / 60_000);
    let checked: CheckedExport[];
    try {
      checked = yield* callActivity(context, CvActivities.checkExports, {
        projectId,
        iterationId,
        // A copy: `pending` changes below, and the action is serialized later.
        platforms: pending.map(specOf),
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
          ...(c.source ? { source: c.source } : {}),
        });
      else results.push({ ...spec, outcome: 'failed', reason: c.reason, via: 'statusCheck' });
    }
    progress();
  }

  /** After anything settled: request what is now due, and look at once at what is already there. */
  function* advance(): Generator<Task, void, unknown> {
    while (yield* requestDue()) yield* check(false);
  }

  // 1. Request the first round of exports ("already queued" is success).
  yield* advance();
  progress();

  // 2. Wait for notifications, racing a timer; on timeout read the status.
  let eventTask: Task | undefined;
  while (pending.length > 0 || deferred.length > 0) {
    const now = nowMs();
    if (now >= deadline) break;
    const nextDeferral = Math.min(deadline, ...deferred.map((d) => d.at));
    if (pending.length === 0) {
      // Only read-only projects to wait for: no event can help, sleep until the earliest is due.
      yield context.df.createTimer(new Date(nextDeferral));
      yield* advance();
      continue;
    }
    // One event task at a time: a task that lost a race stays subscribed and gets the next event.
    eventTask ??= context.df.waitForExternalEvent(CV_EXPORT_EVENT);
    let eventWon: boolean;
    if (eventTask.isCompleted) {
      // Task.any over an already completed task never resolves (durable-functions 3.x): take it directly.
      eventWon = true;
    } else {
      const timer = context.df.createTimer(new Date(Math.min(now + input.waitMs, nextDeferral)));
      const winner = yield context.df.Task.any([eventTask, timer]);
      eventWon = winner === eventTask;
      if (eventWon) timer.cancel();
    }
    if (!eventWon) {
      if (nowMs() < deadline) {
        yield* check(false);
        yield* advance();
      }
      continue;
    }
    const data = (eventTask.result ?? {}) as Partial<ExportEventData>;
    eventTask = undefined;
    if (data.exportStatus === 'ExportCompleted' && typeof data.platform === 'string') {
      const platform = data.platform;
      const hits = pending.filter((p) => sameName(p.platform, platform));
      if (hits.length === 0) continue;
      if (hits.some((p) => p.flavor) || !data.blobName) {
        // A flavor: the blob is the platform's, shared by its flavors; the check copies it to the per-flavor name.
        yield* check(false);
      } else {
        pending = pending.filter((p) => !sameName(p.platform, platform));
        for (const p of hits)
          results.push({
            ...p,
            outcome: 'backedUp',
            blobName: data.blobName,
            replicaVerified: data.replicaVerified === true,
            via: 'notification',
          });
        progress();
      }
      yield* advance();
    } else if (data.exportStatus === 'ExportFailed') {
      // The notification names no platform: read the status to learn which one failed.
      yield* check(false);
      yield* advance();
    }
  }

  // At the deadline: a last look, then whatever is not backed up fails with its reason.
  if (pending.length > 0) yield* check(true);
  for (const p of pending)
    results.push({ ...p, outcome: 'failed', reason: 'timedOut: no backup before the deadline', via: 'statusCheck' });
  pending = [];
  for (const d of deferred)
    results.push({
      ...d.spec,
      outcome: 'failed',
      reason: `timedOut: still read-only at the deadline (${d.reason})`,
      via: 'request',
    });
  deferred = [];
  for (const s of specs)
    if (!results.some((r) => sameSpec(r, s)))
      results.push({
        ...s,
        outcome: 'failed',
        reason: 'timedOut: not requested before the deadline (the previous flavor of its platform was not backed up)',
        via: 'request',
      });
  progress();

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
