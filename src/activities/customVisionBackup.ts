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
  backupBlobName,
  serializeCvError,
  type BackupRecord,
  type ExportFlavor,
  type ExportInfo,
  type ExportPlatform,
} from '../customVision';
import type { CvBackupInput as LedgerBackupInput, CvBackupSource } from '../ledger/customVisionRecords';
import type {
  CheckExportsInput,
  CheckedExport,
  RecordOutcomeInput,
  RequestExportsInput,
  RequestedExport,
} from '../customVisionBackup/contracts';
import type { CvActivities } from '../customVisionBackup/registry';
import type { ActivityHandlers } from '../durable/register';
import type { CustomVisionDeps } from './customVisionDeps';

/** A backup as the ledger records it (plain JSON: no class instances, no undefined members). */
export function ledgerBackupInput(b: BackupRecord): LedgerBackupInput {
  return JSON.parse(JSON.stringify(b)) as LedgerBackupInput;
}

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
      await records.putBackup(ledgerBackupInput(b), 'statusCheck' satisfies CvBackupSource);
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

export type CustomVisionActivities = ActivityHandlers<typeof CvActivities>;

/** The backup orchestration's activities over their dependencies (bound by the composition root). */
export function createCustomVisionActivities(deps: CustomVisionDeps): CustomVisionActivities {
  return {
    requestExports: (input) => requestExports(deps, input),
    checkExports: (input) => checkExports(deps, input),
    recordBackupOutcome: (input) => recordBackupOutcome(deps, input),
  };
}
