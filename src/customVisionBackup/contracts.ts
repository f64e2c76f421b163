/**
 * The contract between the Custom Vision backup orchestration, its activities and the queue
 * function: the shapes that cross the durable boundary (inputs, outputs, the `Export` event).
 * Everything here ends up in durable history: ids, platform names, blob names and reasons
 * only — never a key or a SAS. Pure types and constants; the registry is ./registry.ts.
 */

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

export interface CustomVisionBackupInput {
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

/**
 * `alreadyQueued` carries what GetExports said (Done: check right away). `deferred`: the
 * project is temporarily read-only (`ForbiddenDRModeEnabled`): request again after
 * `retryAfterMs` (a durable timer), not an activity retry.
 */
export type RequestedExport = PlatformSpec &
  (
    | { state: 'requested' }
    | { state: 'alreadyQueued'; status?: 'Done' | 'Exporting' | 'Failed' }
    | { state: 'deferred'; retryAfterMs: number; reason: string }
    | { state: 'failed'; reason: string }
  );

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
    | { state: 'backedUp'; blobName: string; replicaVerified: boolean; source?: BackupSource }
    | { state: 'failed'; reason: string }
    | { state: 'waiting'; detail: string }
  );

/** How a backup was found (as the ledger records it): never a URL. */
export type BackupSource = 'notification' | 'statusCheck' | 'downloadUri';

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
  /** For a backup found by reading the status: from the blob in the container, or copied from GetExports' downloadUri. */
  source?: BackupSource;
}

export interface RecordOutcomeInput {
  projectId: string;
  iterationId: string;
  instanceId: string;
  platforms: string[];
  startedAt: string;
  outcomes: PlatformResult[];
}

export interface CustomVisionBackupOutput {
  projectId: string;
  iterationId: string;
  state: 'completed' | 'partial' | 'failed';
  platforms: PlatformResult[];
  startedAt: string;
  finishedAt: string;
}

export interface CustomVisionBackupProgress {
  pending: string[];
  /** Not requested yet: the next flavor of a platform waits for the previous one; a read-only project waits for its timer. */
  waiting?: string[];
  backedUp: number;
  failed: number;
  checks: number;
}
