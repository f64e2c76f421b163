/**
 * Custom Vision records: what the notification flow knows about each project, iteration
 * and exported-model backup. Plain data, no Custom Vision client types.
 *
 * Blobs (segments encoded, see keys.ts):
 * - `customvision/projects/{projectId}.json` — the project's integration is verified
 *   (its `ConnectionTest` arrived);
 * - `customvision/iterations/{projectId}/{iterationId}.json` — training outcome, export
 *   failures announced, and the per-iteration backup orchestration's state and result;
 * - `customvision/backups/{projectId}/{iterationId}/{platform}.json` — one exported model
 *   blob backed up: name, location (never a SAS), size, checksum, verified replica.
 *
 * Every write is idempotent: applying the same fact twice changes nothing (a duplicate
 * or re-delivered queue message, an activity run twice by the durable engine).
 */
import type { ContainerClient } from '@azure/storage-blob';
import { DocumentStore, type DocumentStoreOptions, type DocumentType } from './documentStore';
import { arrayOf, hasShape, isCount, isIsoDate, isNonEmptyString, isRecord, isString, oneOf, optional } from './guards';
import { ledgerKey } from './keys';
import { scrubSecrets } from '../common/secrets';

export const CV_TRAINING_STATUSES = ['TrainingCompleted', 'TrainingFailed'] as const;
export type CvTrainingStatus = (typeof CV_TRAINING_STATUSES)[number];
export const CV_BACKUP_STATES = ['running', 'completed', 'partial', 'failed'] as const;
/** `completed`: every platform backed up; `partial`: some; `failed`: none. */
export type CvBackupState = (typeof CV_BACKUP_STATES)[number];
export const CV_PLATFORM_OUTCOMES = ['backedUp', 'failed'] as const;
export type CvPlatformOutcomeKind = (typeof CV_PLATFORM_OUTCOMES)[number];

export interface CvProjectRecord {
  projectId: string;
  /** When the first `ConnectionTest` of this project was processed. */
  connectionVerifiedAt: string;
}

export interface CvPlatformOutcome {
  platform: string;
  flavor?: string;
  outcome: CvPlatformOutcomeKind;
  /** Why it failed (no secrets). */
  reason?: string;
  blobName?: string;
}

export interface CvIterationBackup {
  /** Durable instance id of the per-iteration backup orchestration. */
  instanceId: string;
  /** Requested exports, e.g. `ONNX`, `TensorFlow:TensorFlowLite`. */
  platforms: string[];
  startedAt: string;
  state: CvBackupState;
  finishedAt?: string;
  outcomes?: CvPlatformOutcome[];
}

export interface CvIterationRecord {
  projectId: string;
  iterationId: string;
  trainingStatus?: CvTrainingStatus;
  trainingRecordedAt?: string;
  /** When an `ExportFailed` notification for this iteration was processed (it names no platform). */
  exportFailedAt?: string;
  backup?: CvIterationBackup;
  /**
   * Late or contradictory notifications that were not applied because the iteration is further
   * along (e.g. `TrainingFailed` after `TrainingCompleted`, `ExportFailed` after a completed
   * backup): the state is kept, the contradiction recorded (the latest MAX_CONTRADICTIONS).
   */
  contradictions?: CvContradiction[];
}

export const CV_CONTRADICTING = ['TrainingFailed', 'ExportFailed'] as const;

export interface CvContradiction {
  /** The notification that was not applied. */
  notification: (typeof CV_CONTRADICTING)[number];
  /** When it was processed. */
  at: string;
  /** What the record says that it contradicts, e.g. `trainingStatus TrainingCompleted`, `backup completed`. */
  kept: string;
}

export const MAX_CONTRADICTIONS = 20;

export interface CvChecksum {
  algorithm: 'md5' | 'sha256';
  value: string;
}

export interface CvReplicaRecord {
  /** Replica blob URL, no SAS. */
  location: string;
  sizeBytes: number;
  verified: true;
  checksum: CvChecksum;
  method: 'server' | 'stream' | 'existing';
}

/**
 * How the backup was found: the `ExportCompleted` notification, the orchestration reading the
 * export status, or a server-side copy from GetExports' `downloadUri` (the export was Done but
 * its blob was not in the backup container; the SAS itself is never recorded).
 */
export const CV_BACKUP_SOURCES = ['notification', 'statusCheck', 'downloadUri'] as const;
export type CvBackupSource = (typeof CV_BACKUP_SOURCES)[number];

export interface CvBackupRecord {
  projectId: string;
  iterationId: string;
  platform: string;
  /** The export's flavor (GetExports); two flavors of one platform are two records. */
  flavor?: string;
  /** The blob backed up, e.g. `{projectId} - {iterationId}.{platform}` or `… .{platform}.{flavor}`. */
  blobName: string;
  /** Backup blob URL, no SAS. */
  location: string;
  sizeBytes: number;
  md5?: string;
  sha256?: string;
  lastModified: string;
  etag?: string;
  replica?: CvReplicaRecord;
  recordedAt: string;
  source: CvBackupSource;
}

/** A backup as computed (what `CustomVisionBackup` returns): the record without the bookkeeping. */
export type CvBackupInput = Omit<CvBackupRecord, 'recordedAt' | 'source'>;

const isChecksum = (v: unknown): v is CvChecksum =>
  hasShape<CvChecksum>(v, { algorithm: oneOf(['md5', 'sha256'] as const), value: isNonEmptyString });
const isReplica = (v: unknown): v is CvReplicaRecord =>
  hasShape<CvReplicaRecord>(v, {
    location: isNonEmptyString,
    sizeBytes: isCount,
    verified: (x: unknown): x is true => x === true,
    checksum: isChecksum,
    method: oneOf(['server', 'stream', 'existing'] as const),
  });

export const isCvProjectRecord = (v: unknown): v is CvProjectRecord =>
  hasShape<CvProjectRecord>(v, { projectId: isNonEmptyString, connectionVerifiedAt: isIsoDate });

const isOutcome = (v: unknown): v is CvPlatformOutcome =>
  hasShape<CvPlatformOutcome>(v, {
    platform: isNonEmptyString,
    flavor: optional(isString),
    outcome: oneOf(CV_PLATFORM_OUTCOMES),
    reason: optional(isString),
    blobName: optional(isString),
  });

const isIterationBackup = (v: unknown): v is CvIterationBackup =>
  hasShape<CvIterationBackup>(v, {
    instanceId: isNonEmptyString,
    platforms: arrayOf(isNonEmptyString),
    startedAt: isIsoDate,
    state: oneOf(CV_BACKUP_STATES),
    finishedAt: optional(isIsoDate),
    outcomes: optional(arrayOf(isOutcome)),
  });

const isContradiction = (v: unknown): v is CvContradiction =>
  hasShape<CvContradiction>(v, { notification: oneOf(CV_CONTRADICTING), at: isIsoDate, kept: isNonEmptyString });

export const isCvIterationRecord = (v: unknown): v is CvIterationRecord =>
  hasShape<CvIterationRecord>(v, {
    projectId: isNonEmptyString,
    iterationId: isNonEmptyString,
    trainingStatus: optional(oneOf(CV_TRAINING_STATUSES)),
    trainingRecordedAt: optional(isIsoDate),
    exportFailedAt: optional(isIsoDate),
    backup: optional(isIterationBackup),
    contradictions: optional(arrayOf(isContradiction)),
  });

export const isCvBackupRecord = (v: unknown): v is CvBackupRecord =>
  hasShape<CvBackupRecord>(v, {
    projectId: isNonEmptyString,
    iterationId: isNonEmptyString,
    platform: isNonEmptyString,
    flavor: optional(isNonEmptyString),
    blobName: isNonEmptyString,
    location: isNonEmptyString,
    sizeBytes: isCount,
    md5: optional(isString),
    sha256: optional(isString),
    lastModified: isIsoDate,
    etag: optional(isString),
    replica: optional(isReplica),
    recordedAt: isIsoDate,
    source: oneOf(CV_BACKUP_SOURCES),
  }) &&
  isRecord(v) &&
  !/[?#]/.test(String(v.location)) &&
  (!isRecord(v.replica) || !/[?#]/.test(String(v.replica.location)));

export const CV_PROJECT_DOCUMENT: DocumentType<CvProjectRecord> = {
  kind: 'cvProject',
  schemaVersion: 1,
  isData: isCvProjectRecord,
};
export const CV_ITERATION_DOCUMENT: DocumentType<CvIterationRecord> = {
  kind: 'cvIteration',
  schemaVersion: 1,
  isData: isCvIterationRecord,
};
export const CV_BACKUP_DOCUMENT: DocumentType<CvBackupRecord> = {
  kind: 'cvBackup',
  schemaVersion: 1,
  isData: isCvBackupRecord,
};

export interface CvWriteResult<T> {
  record: T;
  /** False when the fact was already recorded (nothing written). */
  changed: boolean;
}

const MAX_REASON = 1000;

function withContradiction(current: CvIterationRecord, c: CvContradiction): CvIterationRecord {
  return { ...current, contradictions: [...(current.contradictions ?? []), c].slice(-MAX_CONTRADICTIONS) };
}

/** The repository of Custom Vision project, iteration and backup records. */
export class CustomVisionRecordRepository {
  readonly projects: DocumentStore<CvProjectRecord>;
  readonly iterations: DocumentStore<CvIterationRecord>;
  readonly backups: DocumentStore<CvBackupRecord>;
  private readonly now: () => number;

  constructor(container: ContainerClient, options: DocumentStoreOptions = {}) {
    this.projects = new DocumentStore(container, CV_PROJECT_DOCUMENT, options);
    this.iterations = new DocumentStore(container, CV_ITERATION_DOCUMENT, options);
    this.backups = new DocumentStore(container, CV_BACKUP_DOCUMENT, options);
    const clock = options.clock;
    this.now = clock ? () => clock.now() : () => Date.now();
  }

  static projectKey(projectId: string): string {
    return ledgerKey(['customvision', 'projects', projectId.toLowerCase()], '.json');
  }

  static iterationKey(projectId: string, iterationId: string): string {
    return ledgerKey(['customvision', 'iterations', projectId.toLowerCase(), iterationId.toLowerCase()], '.json');
  }

  /** `…/{platform}.json`, or `…/{platform}.{flavor}.json` for a flavor (canonical casing from the caller). */
  static backupKey(projectId: string, iterationId: string, platform: string, flavor?: string): string {
    return ledgerKey(
      [
        'customvision',
        'backups',
        projectId.toLowerCase(),
        iterationId.toLowerCase(),
        flavor ? `${platform}.${flavor}` : platform,
      ],
      '.json',
    );
  }

  /** A `ConnectionTest`: the first one is recorded; later ones change nothing. */
  async recordConnectionTest(projectId: string): Promise<CvWriteResult<CvProjectRecord>> {
    const record: CvProjectRecord = { projectId: projectId.toLowerCase(), connectionVerifiedAt: this.isoNow() };
    const res = await this.projects.update(
      CustomVisionRecordRepository.projectKey(projectId),
      (current) => current ?? record,
    );
    return { record: res.value!, changed: res.changed };
  }

  async getProject(projectId: string): Promise<CvProjectRecord | undefined> {
    return (await this.projects.get(CustomVisionRecordRepository.projectKey(projectId)))?.value;
  }

  /**
   * A `Training` notification. The same status again changes nothing. A state further along is
   * never moved back: `TrainingFailed` on an iteration already `TrainingCompleted` (or whose backup
   * started) is recorded as a contradiction and the state kept (`contradiction` set).
   */
  async recordTraining(
    projectId: string,
    iterationId: string,
    status: CvTrainingStatus,
  ): Promise<CvWriteResult<CvIterationRecord> & { contradiction?: CvContradiction }> {
    const nowIso = this.isoNow();
    let contradiction: CvContradiction | undefined;
    const result = await this.updateIteration(projectId, iterationId, (current) => {
      contradiction = undefined;
      if (current?.trainingStatus === status) return current;
      const kept =
        status === 'TrainingFailed'
          ? current?.trainingStatus === 'TrainingCompleted'
            ? `trainingStatus TrainingCompleted${current.backup ? `, backup ${current.backup.state}` : ''}`
            : current?.backup
              ? `backup ${current.backup.state}`
              : undefined
          : undefined;
      if (kept) {
        contradiction = { notification: 'TrainingFailed', at: nowIso, kept };
        return withContradiction(current!, contradiction);
      }
      return {
        ...(current ?? this.blankIteration(projectId, iterationId)),
        trainingStatus: status,
        trainingRecordedAt: nowIso,
      };
    });
    return contradiction ? { ...result, contradiction } : result;
  }

  /**
   * An `ExportFailed` notification (no platform): the first one is recorded. On an iteration whose
   * backup completed it is a contradiction: recorded as such, the backup's state kept.
   */
  async recordExportFailed(
    projectId: string,
    iterationId: string,
  ): Promise<CvWriteResult<CvIterationRecord> & { contradiction?: CvContradiction }> {
    const nowIso = this.isoNow();
    let contradiction: CvContradiction | undefined;
    const result = await this.updateIteration(projectId, iterationId, (current) => {
      contradiction = undefined;
      if (current?.backup?.state === 'completed') {
        contradiction = { notification: 'ExportFailed', at: nowIso, kept: 'backup completed' };
        return withContradiction(current, contradiction);
      }
      return current?.exportFailedAt
        ? current
        : { ...(current ?? this.blankIteration(projectId, iterationId)), exportFailedAt: nowIso };
    });
    return contradiction ? { ...result, contradiction } : result;
  }

  /** The backup orchestration of this iteration was started (once per instance id). */
  async recordBackupStarted(
    projectId: string,
    iterationId: string,
    instanceId: string,
    platforms: string[],
  ): Promise<CvWriteResult<CvIterationRecord>> {
    const nowIso = this.isoNow();
    return this.updateIteration(projectId, iterationId, (current) => {
      if (current?.backup?.instanceId === instanceId) return current;
      return {
        ...(current ?? this.blankIteration(projectId, iterationId)),
        backup: { instanceId, platforms: [...platforms], startedAt: nowIso, state: 'running' },
      };
    });
  }

  /** The backup orchestration ended: every platform backed up or failed with a reason. */
  async recordBackupOutcome(
    projectId: string,
    iterationId: string,
    result: { instanceId: string; platforms: string[]; startedAt?: string; outcomes: CvPlatformOutcome[] },
  ): Promise<CvWriteResult<CvIterationRecord>> {
    const nowIso = this.isoNow();
    const outcomes = result.outcomes.map(sanitizeOutcome);
    const backedUp = outcomes.filter((o) => o.outcome === 'backedUp').length;
    const state: CvBackupState = backedUp === outcomes.length ? 'completed' : backedUp === 0 ? 'failed' : 'partial';
    return this.updateIteration(projectId, iterationId, (current) => {
      const prev = current?.backup;
      if (
        prev &&
        prev.instanceId === result.instanceId &&
        prev.state === state &&
        sameOutcomes(prev.outcomes, outcomes)
      )
        return current;
      const backup: CvIterationBackup = {
        instanceId: result.instanceId,
        platforms: [...result.platforms],
        startedAt: prev?.instanceId === result.instanceId ? prev.startedAt : (result.startedAt ?? nowIso),
        state,
        finishedAt: nowIso,
        outcomes,
      };
      return { ...(current ?? this.blankIteration(projectId, iterationId)), backup };
    });
  }

  async getIteration(projectId: string, iterationId: string): Promise<CvIterationRecord | undefined> {
    return (await this.iterations.get(CustomVisionRecordRepository.iterationKey(projectId, iterationId)))?.value;
  }

  /** Iteration records of one project (or of every project), newest training first. */
  async listIterations(projectId?: string): Promise<CvIterationRecord[]> {
    const prefix = projectId
      ? `${ledgerKey(['customvision', 'iterations', projectId.toLowerCase()])}/`
      : 'customvision/iterations/';
    const out: CvIterationRecord[] = [];
    for await (const doc of this.iterations.list(prefix)) out.push(doc.value);
    const at = (r: CvIterationRecord): string => r.backup?.startedAt ?? r.trainingRecordedAt ?? r.exportFailedAt ?? '';
    return out.sort((a, b) => at(b).localeCompare(at(a)) || a.iterationId.localeCompare(b.iterationId));
  }

  /**
   * Records a verified backup. The same blob (name, size, checksums, ETag) with the same
   * replica changes nothing, whichever way it was found again; a different blob (the
   * export was redone) replaces the record.
   */
  async putBackup(input: CvBackupInput, source: CvBackupSource): Promise<CvWriteResult<CvBackupRecord>> {
    const record: CvBackupRecord = { ...stripUndefined(input), recordedAt: this.isoNow(), source };
    const key = CustomVisionRecordRepository.backupKey(
      input.projectId,
      input.iterationId,
      input.platform,
      input.flavor,
    );
    const res = await this.backups.update(key, (current) =>
      current && sameBackup(current, record) ? current : record,
    );
    return { record: res.value!, changed: res.changed };
  }

  async getBackup(
    projectId: string,
    iterationId: string,
    platform: string,
    flavor?: string,
  ): Promise<CvBackupRecord | undefined> {
    return (await this.backups.get(CustomVisionRecordRepository.backupKey(projectId, iterationId, platform, flavor)))
      ?.value;
  }

  /** Backup records, newest first; filtered by project, or project and iteration. */
  async listBackups(filter: { projectId?: string; iterationId?: string } = {}): Promise<CvBackupRecord[]> {
    if (filter.iterationId && !filter.projectId) throw new RangeError('listBackups: iterationId needs projectId');
    const segments = [
      'customvision',
      'backups',
      ...(filter.projectId ? [filter.projectId.toLowerCase()] : []),
      ...(filter.iterationId ? [filter.iterationId.toLowerCase()] : []),
    ];
    const prefix = `${ledgerKey(segments)}/`;
    const out: CvBackupRecord[] = [];
    for await (const doc of this.backups.list(prefix)) out.push(doc.value);
    return out.sort((a, b) => b.recordedAt.localeCompare(a.recordedAt) || a.blobName.localeCompare(b.blobName));
  }

  private async updateIteration(
    projectId: string,
    iterationId: string,
    fn: (current: CvIterationRecord | undefined) => CvIterationRecord | undefined,
  ): Promise<CvWriteResult<CvIterationRecord>> {
    const res = await this.iterations.update(CustomVisionRecordRepository.iterationKey(projectId, iterationId), fn);
    return { record: res.value!, changed: res.changed };
  }

  private blankIteration(projectId: string, iterationId: string): CvIterationRecord {
    return { projectId: projectId.toLowerCase(), iterationId: iterationId.toLowerCase() };
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString();
  }
}

function stripUndefined<T extends object>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function sameBackup(a: CvBackupRecord, b: CvBackupRecord): boolean {
  const core = (r: CvBackupRecord): string =>
    JSON.stringify([
      r.blobName,
      r.location,
      r.sizeBytes,
      r.md5 ?? null,
      r.sha256 ?? null,
      r.etag ?? null,
      r.lastModified,
      r.replica ? [r.replica.location, r.replica.sizeBytes, r.replica.checksum] : null,
    ]);
  // A record with a verified replica is not downgraded by a later sighting without one, nor vice versa.
  return (
    core(a) === core(b) ||
    (a.replica !== undefined &&
      core({ ...a, replica: undefined } as CvBackupRecord) === core({ ...b, replica: undefined } as CvBackupRecord) &&
      b.replica === undefined)
  );
}

function sanitizeOutcome(o: CvPlatformOutcome): CvPlatformOutcome {
  const out: CvPlatformOutcome = { platform: o.platform, outcome: o.outcome };
  if (o.flavor !== undefined) out.flavor = o.flavor;
  if (o.reason !== undefined) out.reason = scrubSecrets(String(o.reason)).slice(0, MAX_REASON);
  if (o.blobName !== undefined) out.blobName = o.blobName;
  return out;
}

function sameOutcomes(a: CvPlatformOutcome[] | undefined, b: CvPlatformOutcome[]): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

export const isCvPlatformOutcome = isOutcome;
