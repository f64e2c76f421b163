/**
 * Custom Vision project DR records: per (source project, DR region) one document — what to call
 * in the DR region (the imported project, its published iteration, the publish name and the
 * prediction resource), the counts read back from it against the export's, the state
 * (`copying`, `ready`, `failed`, `unverified`), the last error with the service's code, and
 * every DR project this app created there (the only ones retention may delete).
 *
 * Blob: `customvision/dr-projects/{projectId}/{region}.json`, inline in listings (small, listed by
 * the health model and the routes). Never a key or an export token: the ledger's secret guard
 * refuses a write that looks like one, and error texts are redacted before they are stored.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { DocumentStore, type DocumentStoreOptions, type DocumentType, type UpdateResult } from './documentStore';
import { arrayOf, hasShape, isCount, isIsoDate, isNonEmptyString, isString, oneOf, optional } from './guards';
import { ledgerKey } from './keys';
import { redactSecrets } from './secretGuard';

export const CV_DR_STATES = ['copying', 'ready', 'failed', 'unverified'] as const;
export type CvDrState = (typeof CV_DR_STATES)[number];

export interface CvDrCounts {
  iterations: number;
  images: number;
  tags: number;
  regions: number;
}

/** A DR project this app created (ImportProject), named with the app's marker. */
export interface CvDrCreatedProject {
  drProjectId: string;
  name: string;
  createdAt: string;
  instanceId: string;
  /** `importing` until verified; `ready` once verified and published; `failed` (deleted when it could be); `retired` (deleted by retention). */
  status: 'importing' | 'ready' | 'failed' | 'retired';
  deletedAt?: string;
  /** The export's counts and import estimate (a re-run of the activity adopts the project without importing again). */
  expected?: CvDrCounts;
  estimatedImportTimeMs?: number;
}

export const CV_DR_ITERATION_ORIGINS = ['imported', 'trainedInDr'] as const;
export type CvDrIterationOrigin = (typeof CV_DR_ITERATION_ORIGINS)[number];

/** The DR copy to call: the imported project and its published iteration. */
export interface CvDrCurrent {
  drProjectId: string;
  iterationId?: string;
  iterationName?: string;
  /**
   * Where the published iteration comes from: `imported` with the project, or `trainedInDr` (no
   * imported iteration matched and `CV_DR_TRAIN_MISSING` trained one in the DR region: billed,
   * and not the source's model byte for byte). Absent in records written before it existed.
   */
  iterationOrigin?: CvDrIterationOrigin;
  /** Absent when the source has no published iteration (nothing to serve there either). */
  publishName?: string;
  expected: CvDrCounts;
  /** Read from the DR project; `regions` is the export's (no cheap read of a project's regions: see docs). */
  actual: CvDrCounts;
  /** The source's newest trained iteration when the copy was exported (a newer one makes the copy stale). */
  sourceIterationId?: string;
  copiedAt: string;
}

export interface CvDrError {
  /** The service's code (`BadRequestExceedProjectLimit`, …) or the app's (`ImportFailed`, `CountMismatch`, …). */
  code: string;
  message: string;
  at: string;
  expected?: CvDrCounts;
  actual?: CvDrCounts;
}

export interface CvProjectReplicaRecord {
  sourceProjectId: string;
  region: string;
  /** The DR training endpoint (not a secret). */
  endpoint: string;
  predictionResourceId: string;
  state: CvDrState;
  current?: CvDrCurrent;
  /** The copy in progress (one per project and region). */
  attempt?: { instanceId: string; startedAt: string; trigger: string };
  lastError?: CvDrError;
  /** When a copy was last asked for (notification or schedule): a copy exported before it is not the newest. */
  requestedAt?: string;
  lastVerifiedAt?: string;
  copies: CvDrCreatedProject[];
}

const isCounts = (v: unknown): v is CvDrCounts =>
  hasShape<CvDrCounts>(v, { iterations: isCount, images: isCount, tags: isCount, regions: isCount });
const isCreated = (v: unknown): v is CvDrCreatedProject =>
  hasShape<CvDrCreatedProject>(v, {
    drProjectId: isNonEmptyString,
    name: isString,
    createdAt: isIsoDate,
    instanceId: isString,
    status: oneOf(['importing', 'ready', 'failed', 'retired'] as const),
    deletedAt: optional(isIsoDate),
    expected: optional(isCounts),
    estimatedImportTimeMs: optional(isCount),
  });
const isCurrent = (v: unknown): v is CvDrCurrent =>
  hasShape<CvDrCurrent>(v, {
    drProjectId: isNonEmptyString,
    iterationId: optional(isString),
    iterationName: optional(isString),
    iterationOrigin: optional(oneOf(CV_DR_ITERATION_ORIGINS)),
    publishName: optional(isString),
    expected: isCounts,
    actual: isCounts,
    sourceIterationId: optional(isString),
    copiedAt: isIsoDate,
  });
const isError = (v: unknown): v is CvDrError =>
  hasShape<CvDrError>(v, {
    code: isNonEmptyString,
    message: isString,
    at: isIsoDate,
    expected: optional(isCounts),
    actual: optional(isCounts),
  });
const isAttempt = (v: unknown): v is CvProjectReplicaRecord['attempt'] =>
  hasShape<NonNullable<CvProjectReplicaRecord['attempt']>>(v, {
    instanceId: isNonEmptyString,
    startedAt: isIsoDate,
    trigger: isString,
  });

export const isCvProjectReplicaRecord = (v: unknown): v is CvProjectReplicaRecord =>
  hasShape<CvProjectReplicaRecord>(v, {
    sourceProjectId: isNonEmptyString,
    region: isNonEmptyString,
    endpoint: isString,
    predictionResourceId: isString,
    state: oneOf(CV_DR_STATES),
    current: optional(isCurrent),
    attempt: optional(isAttempt),
    lastError: optional(isError),
    requestedAt: optional(isIsoDate),
    lastVerifiedAt: optional(isIsoDate),
    copies: arrayOf(isCreated),
  });

export const CV_PROJECT_REPLICA_DOCUMENT: DocumentType<CvProjectReplicaRecord> = {
  kind: 'cvProjectReplica',
  schemaVersion: 1,
  isData: isCvProjectReplicaRecord,
  inlineInListing: true,
};

const PREFIX = 'customvision/dr-projects/';

/** An error as the ledger keeps it: its text redacted and bounded. */
export function cvDrError(e: Omit<CvDrError, 'message'> & { message: string }): CvDrError {
  return { ...e, message: redactSecrets(e.message).slice(0, 1000) };
}

export class CvProjectReplicaRepository {
  readonly store: DocumentStore<CvProjectReplicaRecord>;

  constructor(container: ContainerClient, options: DocumentStoreOptions = {}) {
    this.store = new DocumentStore(container, CV_PROJECT_REPLICA_DOCUMENT, options);
  }

  static key(projectId: string, region: string): string {
    return ledgerKey(['customvision', 'dr-projects', projectId.toLowerCase(), region], '.json');
  }

  async get(projectId: string, region: string): Promise<CvProjectReplicaRecord | undefined> {
    return (await this.store.get(CvProjectReplicaRepository.key(projectId, region)))?.value;
  }

  /** Every record, or those of one project; ordered by project, then region. */
  async list(projectId?: string): Promise<CvProjectReplicaRecord[]> {
    const prefix = projectId ? `${PREFIX}${projectId.toLowerCase()}/` : PREFIX;
    const out: CvProjectReplicaRecord[] = [];
    for await (const d of this.store.list(prefix)) out.push(d.value);
    return out.sort((a, b) => a.sourceProjectId.localeCompare(b.sourceProjectId) || a.region.localeCompare(b.region));
  }

  /**
   * Read-modify-write of one record; `fn` gets the current one (or a fresh `unverified` one
   * for this target) and returns the new one, or the same object for "no change".
   */
  async update(
    target: { projectId: string; region: string; endpoint: string; predictionResourceId: string },
    fn: (current: CvProjectReplicaRecord) => CvProjectReplicaRecord,
  ): Promise<UpdateResult<CvProjectReplicaRecord>> {
    const fresh: CvProjectReplicaRecord = {
      sourceProjectId: target.projectId.toLowerCase(),
      region: target.region,
      endpoint: target.endpoint,
      predictionResourceId: target.predictionResourceId,
      state: 'unverified',
      copies: [],
    };
    return this.store.update(CvProjectReplicaRepository.key(target.projectId, target.region), (cur) => {
      const base = cur ?? fresh;
      const next = fn(base);
      return next === base && cur !== undefined ? cur : next;
    });
  }
}
