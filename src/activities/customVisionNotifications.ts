/**
 * The Custom Vision notification flow's work, behind thin function adapters:
 *
 * - {@link handleNotification}: one queue message → parse → validate → dispatch → records.
 *   Bad input is kept in the rejected store and acknowledged (returns normally); transient
 *   failures throw so the host retries (then `<queue>-poison`). Idempotent: a duplicate
 *   changes no record.
 * - {@link probeCustomVisionContainers}: the start-up check of the configured containers.
 *
 * The backup orchestration's activities are in ./customVisionBackup.ts.
 *
 * Durable operations come through the small {@link BackupOrchestrations} port, so this
 * module holds no Functions types. Nothing returned, logged or recorded holds a key or SAS.
 */
import {
  CustomVisionError,
  CvConfigurationError,
  notificationKey,
  describeAccess,
  parseExportBlobName,
  parsePlatform,
  probeContainer,
  sameName,
  parseNotification,
  rejectedMessageRecord,
  type ExportNotification,
  type ProbeResult,
} from '../customVision';
import { scrubSecrets } from '../common/secrets';
import type { RejectedQueueMessage, RejectedReason, RejectionStage } from '../ledger/rejectedNotifications';
import { emitCvNotificationRejected } from '../telemetry/emit';
import {
  cvBackupInstanceId,
  formatPlatformSpec,
  type CustomVisionBackupInput,
  type ExportEventData,
  type PlatformSpec,
} from '../customVisionBackup/contracts';
import type { AppLogger } from '../runtime/logger';
import type { CustomVisionDeps } from './customVisionDeps';
import { putBackup } from './customVisionBackup';

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
  /** After a `TrainingCompleted` (and its export backups): the project DR copies, when the project is configured. How many were asked for. */
  projectDr?(projectId: string): Promise<number>;
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
      /** The notification contradicted a state further along: not applied, recorded as an event. */
      contradiction?: boolean;
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
      case 'Training': {
        const out = await onTraining(services, n.projectId, n.iterationId, n.trainingStatus, key, durable, log);
        if (
          n.trainingStatus === 'TrainingCompleted' &&
          out.result === 'recorded' &&
          !out.contradiction &&
          durable.projectDr
        ) {
          const asked = await durable.projectDr(n.projectId);
          if (asked > 0) log.log(`${key}: project DR copy asked for in ${asked} region(s)`);
        }
        return out;
      }
      case 'Export':
        return n.exportStatus === 'ExportFailed'
          ? await onExportFailed(services, n, key, durable, log)
          : await onExportCompleted(services, n, key, payload, meta, durable, log);
    }
  } catch (e) {
    if (e instanceof CvConfigurationError) {
      // A setting to fix, not a passing failure: kept once (reason `configuration`, replayable with
      // POST /api/customvision/replay after the fix), never retried by the host (no retry storm).
      log.error(`${key}: ${e.message}`);
      return reject(services, payload, meta, 'process', { code: 'configuration', message: e.message }, log, key);
    }
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
  if (r.contradiction) {
    // A late or contradictory message never moves the iteration back; it is kept as an event.
    log.warn(`${key}: contradicts the recorded ${r.contradiction.kept}; state kept, contradiction recorded`);
    return { result: 'recorded', key, changed: r.changed, contradiction: true };
  }
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
  if (r.contradiction) {
    log.warn(`${key}: contradicts the recorded ${r.contradiction.kept}; state kept, contradiction recorded`);
    return { result: 'recorded', key, changed: r.changed, contradiction: true };
  }
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
  const named = n.modelLocation?.blobName;
  // Flavors of one platform share the service's blob name: which flavor these bytes are is known
  // only from GetExports. The backup orchestration (which requests them one after another) copies
  // the blob to its per-flavor name; the notification only tells it to look now.
  const namedPlatform = named ? parsePlatform(parseExportBlobName(named)?.suffix.split('.')[0]) : undefined;
  if (namedPlatform && services.settings.exportPlatforms.some((s) => s.flavor && sameName(s.platform, namedPlatform))) {
    const eventRaised = await durable.raiseIfWaiting(instanceId, {
      exportStatus: 'ExportCompleted',
      platform: namedPlatform,
    });
    log.log(
      `${key}: ${namedPlatform} is configured with flavors: ${eventRaised ? 'the backup orchestration copies it to its per-flavor name' : 'no backup orchestration is waiting for it; not recorded as a flavorless backup'}`,
    );
    return { result: 'recorded', key, changed: false, eventRaised, backups: 0 };
  }
  // Fast path for a duplicate: the blob named by modelUri already has a record.
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

/**
 * At start: one cheap read-only call on each configured container (`CV_BACKUP_CONTAINER_URL`,
 * `CV_REPLICA_CONTAINER_URL`). A container the app cannot reach is logged as an error naming
 * the setting (a configuration problem says so); nothing is thrown.
 */
export async function probeCustomVisionContainers(deps: CustomVisionDeps, log: AppLogger): Promise<ProbeResult[]> {
  const out: ProbeResult[] = [];
  for (const access of deps.containers ?? []) {
    const r = await probeContainer(access);
    out.push(r);
    if (r.ok) log.log(`custom vision: ${r.message}`);
    else
      log.error(
        `custom vision: ${r.setting} cannot be reached (${r.kind === 'configuration' ? 'a configuration problem: fix the setting' : r.kind}): ${r.message} [tried ${describeAccess(access)}]`,
      );
  }
  return out;
}
