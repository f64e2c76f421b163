/**
 * The Custom Vision backup orchestration's activities: {@link requestExports},
 * {@link checkExports}, {@link recordBackupOutcome} (each safe to run again), built over their
 * dependencies by {@link createCustomVisionActivities} and bound to the definitions of
 * src/customVisionBackup/registry.ts by the composition root. Nothing returned, logged or
 * recorded holds a key or SAS. (The notification queue's work is in ./customVisionNotifications.ts.)
 */
import {
  CustomVisionError,
  CvPermanentError,
  DR_MODE_RETRY_MS,
  sameName,
  serializeCvError,
  type BackupRecord,
  type ExportFlavor,
  type ExportInfo,
  type EnsureExportResult,
  type ExportIdentity,
  type ExportPlatform,
} from '../customVision';
import type { CvBackupInput as LedgerBackupInput, CvBackupSource } from '../ledger/customVisionRecords';
import {
  type CheckExportsInput,
  type CheckedExport,
  type RecordOutcomeInput,
  type RequestExportsInput,
  type RequestedExport,
} from '../customVisionBackup/contracts';
import type { ActivityHandlers } from '../durable/register';
import type { CvActivities } from '../customVisionBackup/registry';
import type { CustomVisionDeps } from './customVisionDeps';
import { emitCvBackupRecorded } from '../telemetry';

/** Records a backup; a new record (not a duplicate) is told as `ModelDr.CvBackupRecorded`. */
export async function putBackup(
  services: CustomVisionDeps,
  records: Awaited<ReturnType<CustomVisionDeps['records']>>,
  b: BackupRecord,
  source: CvBackupSource,
): Promise<{ changed: boolean }> {
  const r = await records.putBackup(ledgerBackupInput(b), source);
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

/** A backup as the ledger records it (plain JSON: no class instances, no undefined members). */
export function ledgerBackupInput(b: BackupRecord): LedgerBackupInput {
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
    const platform = p.platform as ExportPlatform;
    const flavor = p.flavor as ExportFlavor | undefined;
    try {
      // "Already queued" is also the answer after Done: ensureExport settles it from GetExports.
      const r: EnsureExportResult = training.ensureExport
        ? await training.ensureExport(input.projectId, input.iterationId, platform, flavor)
        : await training
            .requestExport(input.projectId, input.iterationId, platform, flavor)
            .then((x): EnsureExportResult =>
              x.alreadyQueued ? { state: 'alreadyQueued' } : { state: 'requested', export: x.export },
            );
      if (r.state === 'requested') out.push({ ...p, state: 'requested' });
      else out.push({ ...p, state: 'alreadyQueued', ...(r.export ? { status: r.export.status } : {}) });
    } catch (e) {
      if (e instanceof CustomVisionError && e.reason === 'projectReadOnly')
        // ForbiddenDRModeEnabled: the project is read-only during a Custom Vision failover (minutes to
        // hours). Not an activity retry (30 s × 5 would give up): the orchestration waits on a timer.
        out.push({ ...p, state: 'deferred', retryAfterMs: e.retryAfterMs ?? DR_MODE_RETRY_MS, reason: reasonOf(e) });
      else if (e instanceof CustomVisionError && !e.retryable) out.push({ ...p, state: 'failed', reason: reasonOf(e) });
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
    // Platform and flavor compared case-insensitively (the service's casing is not the one we sent).
    const ofPlatform = exports.filter((e) => sameName(e.platform, p.platform));
    const exact = ofPlatform.filter((e) => sameName(e.flavor, p.flavor));
    // A flavorless request that the service lists with a (default) flavor is still ours.
    const mine = exact.length > 0 || p.flavor ? exact : ofPlatform;
    // Unknown status text is 'Exporting' here (the client maps open enumerations to "not done yet").
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
    const existing = await records.getBackup(input.projectId, input.iterationId, p.platform, p.flavor);
    if (existing) {
      out.push({
        ...p,
        state: 'backedUp',
        blobName: existing.blobName,
        replicaVerified: existing.replica !== undefined,
        source: existing.source,
      });
      continue;
    }
    const spec: ExportIdentity = {
      projectId: input.projectId,
      iterationId: input.iterationId,
      platform: p.platform,
      ...(p.flavor ? { flavor: p.flavor } : {}),
    };
    try {
      const b = await backup.backupExportedModel(spec);
      await putBackup(services, records, b, 'statusCheck' satisfies CvBackupSource);
      out.push({
        ...p,
        state: 'backedUp',
        blobName: b.blobName,
        replicaVerified: b.replica !== undefined,
        source: 'statusCheck',
      });
      continue;
    } catch (e) {
      if (!(e instanceof CvPermanentError && e.reason === 'blobNotFound')) {
        if (e instanceof CustomVisionError && !e.retryable) out.push({ ...p, state: 'failed', reason: reasonOf(e) });
        else throw e;
        continue;
      }
    }
    // Done, but its blob is not in the backup container (integration added later, blob deleted,
    // another naming): copy it from GetExports' downloadUri, here — the SAS never leaves this activity.
    try {
      const uri = training.getExportDownloadUri
        ? await training.getExportDownloadUri(input.projectId, input.iterationId, p.platform, p.flavor)
        : undefined;
      if (!uri) {
        out.push(waiting('the export is Done but its blob is not in the backup container (and no downloadUri yet)'));
        continue;
      }
      const b = await backup.backupFromDownloadUri(spec, uri);
      await putBackup(services, records, b, 'downloadUri' satisfies CvBackupSource);
      out.push({
        ...p,
        state: 'backedUp',
        blobName: b.blobName,
        replicaVerified: b.replica !== undefined,
        source: 'downloadUri',
      });
    } catch (e) {
      if (e instanceof CustomVisionError && !e.retryable) out.push({ ...p, state: 'failed', reason: reasonOf(e) });
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

export type CustomVisionActivities = ActivityHandlers<typeof CvActivities>;

/** The backup orchestration's activities over their dependencies (bound by the composition root). */
export function createCustomVisionActivities(deps: CustomVisionDeps): CustomVisionActivities {
  return {
    requestExports: (input) => requestExports(deps, input),
    checkExports: (input) => checkExports(deps, input),
    recordBackupOutcome: (input) => recordBackupOutcome(deps, input),
  };
}
