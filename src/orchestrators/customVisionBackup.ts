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
import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';

export const CvOrchestrators = { backup: 'customVisionBackup' } as const;
export const CvActivities = {
  requestExports: 'cvRequestExports',
  checkExports: 'cvCheckExports',
  recordBackupOutcome: 'cvRecordBackupOutcome',
} as const;
/** The external event the queue function raises for an `Export` notification. */
export const CV_EXPORT_EVENT = 'Export';

/** One instance per iteration: a duplicate `TrainingCompleted` finds it and starts nothing. */
export function cvBackupInstanceId(projectId: string, iterationId: string): string {
  return `cvbackup-${projectId.toLowerCase()}-${iterationId.toLowerCase()}`;
}

export interface PlatformSpec {
  platform: string;
  flavor?: string;
}

export function formatPlatformSpec(p: PlatformSpec): string {
  return p.flavor ? `${p.platform}:${p.flavor}` : p.platform;
}

export interface CvBackupInput {
  projectId: string;
  iterationId: string;
  platforms: PlatformSpec[];
  /** How long to wait for a notification before reading the export status. */
  waitMs: number;
  /** From the start: after this, what is still not backed up fails (`timedOut`). */
  deadlineMs: number;
}

export interface RequestExportsInput {
  projectId: string;
  iterationId: string;
  platforms: PlatformSpec[];
}

export type RequestedExport = PlatformSpec &
  ({ state: 'requested' | 'alreadyQueued' } | { state: 'failed'; reason: string });

export interface CheckExportsInput {
  projectId: string;
  iterationId: string;
  platforms: PlatformSpec[];
  /** Last check: anything not backed up now fails with a reason. */
  final: boolean;
  /** Minutes waited so far (for the reason text). */
  waitedMinutes: number;
}

export type CheckedExport = PlatformSpec &
  (
    | { state: 'backedUp'; blobName: string; replicaVerified: boolean }
    | { state: 'failed'; reason: string }
    | { state: 'waiting'; detail: string }
  );

/** Data of the `Export` external event (no URL, no SAS). */
export interface ExportEventData {
  exportStatus: 'ExportCompleted' | 'ExportFailed';
  platform?: string;
  blobName?: string;
  replicaVerified?: boolean;
}

export interface PlatformResult extends PlatformSpec {
  outcome: 'backedUp' | 'failed';
  reason?: string;
  blobName?: string;
  replicaVerified?: boolean;
  /** How it was learned: the notification (event), or reading the export status. */
  via?: 'notification' | 'statusCheck' | 'request';
}

export interface RecordOutcomeInput {
  projectId: string;
  iterationId: string;
  instanceId: string;
  platforms: string[];
  startedAt: string;
  outcomes: PlatformResult[];
}

export interface CvBackupOutput {
  projectId: string;
  iterationId: string;
  state: 'completed' | 'partial' | 'failed';
  platforms: PlatformResult[];
  startedAt: string;
  finishedAt: string;
}

export interface CvBackupProgress {
  pending: string[];
  backedUp: number;
  failed: number;
  checks: number;
}

const REQUEST_RETRY = (): df.RetryOptions => {
  const r = new df.RetryOptions(30_000, 5);
  r.backoffCoefficient = 2;
  r.maxRetryIntervalInMilliseconds = 10 * 60_000;
  return r;
};

function sameSpec(a: PlatformSpec, b: PlatformSpec): boolean {
  return a.platform.toLowerCase() === b.platform.toLowerCase() && (a.flavor ?? '') === (b.flavor ?? '');
}

export function* customVisionBackupOrchestrator(
  context: OrchestrationContext,
): Generator<Task, CvBackupOutput, unknown> {
  const input = context.df.getInput() as CvBackupInput;
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
    } satisfies CvBackupProgress);

  // 1. Request the exports ("already queued" is success).
  let requested: RequestedExport[];
  try {
    requested = (yield context.df.callActivityWithRetry(CvActivities.requestExports, REQUEST_RETRY(), {
      projectId,
      iterationId,
      platforms: input.platforms,
    } satisfies RequestExportsInput)) as RequestedExport[];
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
      checked = (yield context.df.callActivityWithRetry(CvActivities.checkExports, REQUEST_RETRY(), {
        projectId,
        iterationId,
        // A copy: `pending` changes below, and the action is serialized later.
        platforms: pending.map((p) => ({ ...p })),
        final,
        waitedMinutes,
      } satisfies CheckExportsInput)) as CheckedExport[];
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
  const state: CvBackupOutput['state'] =
    backedUp === ordered.length ? 'completed' : backedUp === 0 ? 'failed' : 'partial';
  yield context.df.callActivityWithRetry(CvActivities.recordBackupOutcome, REQUEST_RETRY(), {
    projectId,
    iterationId,
    instanceId: context.df.instanceId,
    platforms: input.platforms.map(formatPlatformSpec),
    startedAt: startedAt.toISOString(),
    outcomes: ordered,
  } satisfies RecordOutcomeInput);
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
