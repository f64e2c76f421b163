/**
 * The Custom Vision notification flow's work, behind thin function adapters:
 *
 * - {@link handleNotification}: one queue message → parse → validate → dispatch → records.
 *   Bad input is kept in the rejected store and acknowledged (returns normally); transient
 *   failures throw so the host retries (then `<queue>-poison`). Idempotent: a duplicate
 *   changes no record.
 * - The backup orchestration's activities: {@link requestExports}, {@link checkExports},
 *   {@link recordBackupOutcome}. Each is safe to run again.
 *
 * Durable operations come through the small {@link BackupOrchestrations} port, so this
 * module holds no Functions types. Nothing returned, logged or recorded holds a key or SAS.
 */
import {
  CustomVisionError,
  CvPermanentError,
  backupBlobName,
  notificationKey,
  parseNotification,
  rejectedMessageRecord,
  scrubSecrets,
  serializeCvError,
  type BackupRecord,
  type CustomVisionNotification,
  type ExportFlavor,
  type ExportInfo,
  type ExportNotification,
  type ExportPlatform,
} from '../customVision';
import type { CvBackupInput as LedgerBackupInput, CvBackupSource } from '../ledger/customVisionRecords';
import type { RejectedQueueMessage, RejectedReason, RejectionStage } from '../ledger/rejectedNotifications';
import { emitCvBackupRecorded, emitCvNotificationRejected } from '../telemetry/emit';
import {
  cvBackupInstanceId,
  formatPlatformSpec,
  type CheckExportsInput,
  type CheckedExport,
  type CustomVisionBackupInput,
  type ExportEventData,
  type PlatformSpec,
  type RecordOutcomeInput,
  type RequestExportsInput,
  type RequestedExport,
} from '../customVisionBackup/contracts';
import type { ActivityHandlers } from '../durable/register';
import type { CvActivities } from '../customVisionBackup/registry';
import type { AppLogger } from '../runtime/logger';
import type { CustomVisionDeps } from './customVisionDeps';

/** How long the backup orchestration waits for a notification before reading the export status itself. */
export const EXPORT_WAIT_MS = 10 * 60_000;
/** After this (from the start of the backup), what is still not backed up fails. */
export const EXPORT_DEADLINE_MS = 6 * 60 * 60_000;

/** The durable operations the queue function needs (implemented over a DurableClient). */
export interface BackupOrchestrations {
  /** Starts the instance unless one with this id exists (in any state). True when started. */
  startIfAbsent(instanceId: string, input: CustomVisionBackupInput): Promise<boolean>;
  /** Raises the Export event when the instance exists and is running. True when raised. */
  raiseIfWaiting(instanceId: string, data: ExportEventData): Promise<boolean>;
}

export interface QueueMessageMeta {
  id?: string;
  dequeueCount?: number;
  insertionTime?: string;
  queueName?: string;
}

export type HandleOutcome =
  | { result: 'rejected'; stage: RejectionStage; code: string; duplicate: boolean }
  | {
      result: 'recorded';
      key: string;
      changed: boolean;
      backupStarted?: boolean;
      eventRaised?: boolean;
      backups?: number;
    };

/** Queue message metadata from the trigger's `triggerMetadata` (camelCased by the worker). */
export function queueMessageMeta(
  triggerMetadata: Record<string, unknown> | undefined,
  queueName?: string,
): QueueMessageMeta {
  const m = triggerMetadata ?? {};
  const meta: QueueMessageMeta = {};
  if (typeof m.id === 'string') meta.id = m.id;
  const dq =
    typeof m.dequeueCount === 'number'
      ? m.dequeueCount
      : typeof m.dequeueCount === 'string'
        ? Number(m.dequeueCount)
        : NaN;
  if (Number.isInteger(dq) && dq >= 0) meta.dequeueCount = dq;
  const it =
    m.insertionTime instanceof Date
      ? m.insertionTime.toISOString()
      : typeof m.insertionTime === 'string'
        ? m.insertionTime
        : undefined;
  if (it !== undefined && Number.isFinite(Date.parse(it))) meta.insertionTime = it;
  if (queueName !== undefined) meta.queueName = queueName;
  return meta;
}

/** Processes one notification. Throws only for failures worth retrying (the host retries, then poisons). */
export async function handleNotification(
  services: CustomVisionDeps,
  payload: unknown,
  meta: QueueMessageMeta,
  durable: BackupOrchestrations,
  log: AppLogger,
): Promise<HandleOutcome> {
  const parsed = parseNotification(payload, services.policy ? { modelUriPolicy: services.policy } : {});
  if (!parsed.ok) return reject(services, payload, meta, 'parse', parsed.reason, log);
  const n = parsed.notification;
  const key = notificationKey(n);
  try {
    switch (n.type) {
      case 'ConnectionTest': {
        const r = await (await services.records()).recordConnectionTest(n.projectId);
        log.log(`${key}: ${r.changed ? 'project integration verified' : 'already recorded (duplicate)'}`);
        return { result: 'recorded', key, changed: r.changed };
      }
      case 'Training':
        return await onTraining(services, n.projectId, n.iterationId, n.trainingStatus, key, durable, log);
      case 'Export':
        return n.exportStatus === 'ExportFailed'
          ? await onExportFailed(services, n, key, durable, log)
          : await onExportCompleted(services, n, key, payload, meta, durable, log);
    }
  } catch (e) {
    if (e instanceof CustomVisionError && !e.retryable) {
      return reject(services, payload, meta, 'process', { code: e.reason, message: e.message }, log, key);
    }
    throw e;
  }
}

async function onTraining(
  services: CustomVisionDeps,
  projectId: string,
  iterationId: string,
  status: 'TrainingCompleted' | 'TrainingFailed',
  key: string,
  durable: BackupOrchestrations,
  log: AppLogger,
): Promise<HandleOutcome> {
  const records = await services.records();
  const r = await records.recordTraining(projectId, iterationId, status);
  const platforms = services.settings.exportPlatforms;
  if (status !== 'TrainingCompleted' || platforms.length === 0 || !services.training) {
    log.log(
      `${key}: ${r.changed ? 'recorded' : 'already recorded (duplicate)'}${status === 'TrainingCompleted' && platforms.length === 0 ? '; CV_EXPORT_PLATFORMS is empty: no export requested' : ''}`,
    );
    return { result: 'recorded', key, changed: r.changed };
  }
  const instanceId = cvBackupInstanceId(projectId, iterationId);
  const specs: PlatformSpec[] = platforms.map((p) =>
    p.flavor ? { platform: p.platform, flavor: p.flavor } : { platform: p.platform },
  );
  // Record first, then start: a retry after a crash in between still starts it (startIfAbsent).
  const started = await records.recordBackupStarted(projectId, iterationId, instanceId, specs.map(formatPlatformSpec));
  const backupStarted = await durable.startIfAbsent(instanceId, {
    projectId,
    iterationId,
    platforms: specs,
    waitMs: EXPORT_WAIT_MS,
    deadlineMs: EXPORT_DEADLINE_MS,
  });
  log.log(
    `${key}: ${r.changed ? 'recorded' : 'already recorded'}; backup ${instanceId} ${backupStarted ? 'started' : 'already exists'} (${specs.map(formatPlatformSpec).join(', ')})`,
  );
  return { result: 'recorded', key, changed: r.changed || started.changed || backupStarted, backupStarted };
}

async function onExportFailed(
  services: CustomVisionDeps,
  n: ExportNotification,
  key: string,
  durable: BackupOrchestrations,
  log: AppLogger,
): Promise<HandleOutcome> {
  const r = await (await services.records()).recordExportFailed(n.projectId, n.iterationId);
  const eventRaised = await durable.raiseIfWaiting(cvBackupInstanceId(n.projectId, n.iterationId), {
    exportStatus: 'ExportFailed',
  });
  log.warn(
    `${key}: export failed${r.changed ? '' : ' (already recorded)'}${eventRaised ? '; backup orchestration notified' : ''}`,
  );
  return { result: 'recorded', key, changed: r.changed, eventRaised };
}

async function onExportCompleted(
  services: CustomVisionDeps,
  n: ExportNotification,
  key: string,
  payload: unknown,
  meta: QueueMessageMeta,
  durable: BackupOrchestrations,
  log: AppLogger,
): Promise<HandleOutcome> {
  const backup = services.backup;
  if (!backup) {
    const reason: RejectedReason = n.modelUri
      ? {
          code: 'foreignModelUri',
          message: 'Content.modelUri is not used: CV_BACKUP_CONTAINER_URL is not set, so no storage account is trusted',
          field: 'Content.modelUri',
        }
      : {
          code: 'backupNotConfigured',
          message: 'ExportCompleted cannot be backed up: CV_BACKUP_CONTAINER_URL is not set',
        };
    return reject(services, payload, meta, 'process', reason, log, key);
  }
  const records = await services.records();
  const instanceId = cvBackupInstanceId(n.projectId, n.iterationId);
  // Fast path for a duplicate: the blob named by modelUri already has a record.
  const named = n.modelLocation?.blobName;
  const platform = named ? platformOf(named) : undefined;
  if (named && platform) {
    const existing = await records.getBackup(n.projectId, n.iterationId, platform);
    if (existing && existing.blobName === named) {
      const eventRaised = await durable.raiseIfWaiting(
        instanceId,
        eventOf(existing.platform, existing.blobName, existing.replica !== undefined),
      );
      log.log(`${key}: already backed up (duplicate)${eventRaised ? '; backup orchestration notified' : ''}`);
      return { result: 'recorded', key, changed: false, eventRaised, backups: 1 };
    }
  }
  const made = await backup.backupExport(n);
  let changed = false;
  let eventRaised = false;
  for (const b of made) {
    const r = await putBackup(services, records, b, 'notification');
    changed ||= r.changed;
    eventRaised =
      (await durable.raiseIfWaiting(instanceId, eventOf(b.platform, b.blobName, b.replica !== undefined))) ||
      eventRaised;
  }
  log.log(
    `${key}: ${made.length} backup record(s) ${changed ? 'written' : 'unchanged'}${made.some((b) => b.replica) ? ', replica verified' : ''}${eventRaised ? '; backup orchestration notified' : ''}`,
  );
  return { result: 'recorded', key, changed, eventRaised, backups: made.length };
}

async function reject(
  services: CustomVisionDeps,
  payload: unknown,
  meta: QueueMessageMeta,
  stage: RejectionStage,
  reason: RejectedReason,
  log: AppLogger,
  key?: string,
): Promise<HandleOutcome> {
  const sanitized = rejectedMessageRecord(payload, { code: 'malformedJson', message: '' }).raw;
  const message: RejectedQueueMessage = {};
  if (meta.id !== undefined) message.id = meta.id;
  if (meta.dequeueCount !== undefined) message.dequeueCount = meta.dequeueCount;
  if (meta.insertionTime !== undefined) message.insertionTime = meta.insertionTime;
  const safeReason: RejectedReason = {
    code: reason.code,
    message: scrubSecrets(reason.message),
    ...(reason.field !== undefined ? { field: reason.field } : {}),
  };
  const res = await (
    await services.rejected()
  ).add({
    stage,
    reason: safeReason,
    raw: sanitized,
    ...(meta.queueName !== undefined ? { queue: meta.queueName } : {}),
    ...(Object.keys(message).length > 0 ? { message } : {}),
    ...(key !== undefined ? { notificationKey: key } : {}),
  });
  log.warn(
    `notification rejected (${stage}, ${safeReason.code}): ${safeReason.message}${res.created ? '' : ' (already kept)'}; message acknowledged`,
  );
  // Once per rejected message (a redelivery of the same message is not told again).
  if (res.created) emitCvNotificationRejected(services.telemetry, { stage, code: safeReason.code });
  return { result: 'rejected', stage, code: safeReason.code, duplicate: !res.created };
}

function platformOf(blobName: string): string | undefined {
  const m = /\.([A-Za-z0-9_-]{1,40})$/.exec(blobName);
  return m?.[1];
}

function eventOf(platform: string, blobName: string, replicaVerified: boolean): ExportEventData {
  return { exportStatus: 'ExportCompleted', platform, blobName, replicaVerified };
}

/** Records a backup; a new record (not a duplicate) is told as `ModelDr.CvBackupRecorded`. */
async function putBackup(
  services: CustomVisionDeps,
  records: Awaited<ReturnType<CustomVisionDeps['records']>>,
  b: BackupRecord,
  source: CvBackupSource,
): Promise<{ changed: boolean }> {
  const r = await records.putBackup(toLedgerInput(b), source);
  if (r.changed)
    emitCvBackupRecorded(services.telemetry, {
      projectId: b.projectId,
      iterationId: b.iterationId,
      platform: b.platform,
      sizeBytes: b.sizeBytes,
      replicaVerified: b.replica?.verified === true,
      source,
    });
  return r;
}

function toLedgerInput(b: BackupRecord): LedgerBackupInput {
  return JSON.parse(JSON.stringify(b)) as LedgerBackupInput;
}

// ------------------------------------------------------------------------------------------
// Activities of the backup orchestration

export async function requestExports(
  services: CustomVisionDeps,
  input: RequestExportsInput,
): Promise<RequestedExport[]> {
  const { training } = services;
  if (!training)
    return input.platforms.map((p) => ({
      ...p,
      state: 'failed',
      reason: 'CV_ENDPOINT / CV_TRAINING_KEY are not set: exports cannot be requested',
    }));
  const out: RequestedExport[] = [];
  for (const p of input.platforms) {
    try {
      const r = await training.requestExport(
        input.projectId,
        input.iterationId,
        p.platform as ExportPlatform,
        p.flavor as ExportFlavor | undefined,
      );
      out.push({ ...p, state: r.alreadyQueued ? 'alreadyQueued' : 'requested' });
    } catch (e) {
      if (e instanceof CustomVisionError && !e.retryable) out.push({ ...p, state: 'failed', reason: reasonOf(e) });
      else throw e; // transient: the activity is retried (requesting again is "already queued")
    }
  }
  return out;
}

export async function checkExports(services: CustomVisionDeps, input: CheckExportsInput): Promise<CheckedExport[]> {
  const { training, backup } = services;
  if (!backup)
    return input.platforms.map((p) => ({
      ...p,
      state: 'failed',
      reason: 'CV_BACKUP_CONTAINER_URL is not set: nothing to back up from',
    }));
  if (!training)
    return input.platforms.map((p) => ({
      ...p,
      state: 'failed',
      reason: 'CV_ENDPOINT / CV_TRAINING_KEY are not set: the export status cannot be read',
    }));
  const records = await services.records();
  const exports = await training.listExports(input.projectId, input.iterationId);
  const out: CheckedExport[] = [];
  for (const p of input.platforms) {
    const mine = exports.filter(
      (e) =>
        e.platform.toLowerCase() === p.platform.toLowerCase() &&
        (p.flavor === undefined || (e.flavor ?? '') === p.flavor),
    );
    const state = pick(mine);
    const waiting = (detail: string): CheckedExport =>
      input.final
        ? { ...p, state: 'failed', reason: `timedOut: ${detail} after ${input.waitedMinutes} min` }
        : { ...p, state: 'waiting', detail };
    if (state === 'Failed') {
      out.push({ ...p, state: 'failed', reason: 'exportFailed: Custom Vision reports the export as Failed' });
      continue;
    }
    if (state === undefined) {
      out.push(waiting('the export is not listed by Custom Vision'));
      continue;
    }
    if (state === 'Exporting') {
      out.push(waiting('still exporting'));
      continue;
    }
    const name = backupBlobName(input.projectId, input.iterationId, p.platform);
    const existing = await records.getBackup(input.projectId, input.iterationId, p.platform);
    if (existing) {
      out.push({
        ...p,
        state: 'backedUp',
        blobName: existing.blobName,
        replicaVerified: existing.replica !== undefined,
      });
      continue;
    }
    try {
      const b = await backup.backupBlob(name, { projectId: input.projectId, iterationId: input.iterationId });
      await putBackup(services, records, b, 'statusCheck');
      out.push({ ...p, state: 'backedUp', blobName: b.blobName, replicaVerified: b.replica !== undefined });
    } catch (e) {
      if (e instanceof CvPermanentError && e.reason === 'blobNotFound')
        out.push(waiting('the export is Done but its blob is not in the backup container'));
      else if (e instanceof CustomVisionError && !e.retryable) out.push({ ...p, state: 'failed', reason: reasonOf(e) });
      else throw e;
    }
  }
  return out;
}

export async function recordBackupOutcome(services: CustomVisionDeps, input: RecordOutcomeInput): Promise<void> {
  const records = await services.records();
  await records.recordBackupOutcome(input.projectId, input.iterationId, {
    instanceId: input.instanceId,
    platforms: input.platforms,
    startedAt: input.startedAt,
    outcomes: input.outcomes.map((o) => ({
      platform: o.platform,
      ...(o.flavor !== undefined ? { flavor: o.flavor } : {}),
      outcome: o.outcome,
      ...(o.reason !== undefined ? { reason: o.reason } : {}),
      ...(o.blobName !== undefined ? { blobName: o.blobName } : {}),
    })),
  });
}

function pick(exports: ExportInfo[]): ExportInfo['status'] | undefined {
  for (const s of ['Done', 'Exporting', 'Failed'] as const) if (exports.some((e) => e.status === s)) return s;
  return undefined;
}

function reasonOf(e: CustomVisionError): string {
  const s = serializeCvError(e);
  return `${s.reason ?? s.kind}: ${s.message}`;
}

/** For logs: a notification's key, never its modelUri. */
export function describeNotification(n: CustomVisionNotification): string {
  return notificationKey(n);
}

export type CustomVisionActivities = ActivityHandlers<typeof CvActivities>;

/** The backup orchestration's activities over their dependencies (bound by the composition root). */
export function createCustomVisionActivities(deps: CustomVisionDeps): CustomVisionActivities {
  return {
    requestExports: (input) => requestExports(deps, input),
    checkExports: (input) => checkExports(deps, input),
    recordBackupOutcome: (input) => recordBackupOutcome(deps, input),
  };
}
