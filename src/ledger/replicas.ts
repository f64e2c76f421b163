/**
 * Replica records: for every (source model, DR region) pair, where its verified copy is
 * (the target model id: what a team needs at failover time), and how the last attempt went.
 *
 * Blob: `replicas/{sourceModelId}/{region}.json` (segments encoded, see keys.ts).
 *
 * All marks are idempotent per run id (activities are retried at least once), and a failure
 * never hides a verified copy of the same source model version.
 *
 * Each record carries its blob's whole envelope in its metadata (`inlineInListing`), so
 * `listAll` costs one listing request per 5000 records, not one GET per record. Later
 * verifications of many pairs at once live in the region documents (verifications.ts): the
 * listing readers apply them, `get` does not.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { DocumentStore, type DocumentStoreOptions, type DocumentType } from './documentStore';
import { hasShape, isCount, isIsoDate, isNonEmptyString, isRecord, isString, oneOf, optional } from './guards';
import { decodeKeySegment, ledgerKey } from './keys';
import { itemSegments, pairSegments } from '../common/pairs';
import { scrubSecrets } from '../common/secrets';
import { applyVerifications, VerificationRepository, type RegionVerification } from './verifications';

export const REPLICA_STATES = ['replicated', 'failed', 'inProgress'] as const;
export type ReplicaState = (typeof REPLICA_STATES)[number];

export interface ReplicaError {
  /** Classification, e.g. `authorizationExpired`, `transient`, `targetResourceUnknown`, `deadlineExceeded`. */
  kind: string;
  /** The service's error code, e.g. `1002`, `AuthorizationError`, `2024`. */
  code?: string;
  /** Human-readable; secrets are redacted before storing; at most 2000 characters. */
  message: string;
}

export interface ModelReplicaRecord {
  sourceModelId: string;
  sourceModelName?: string;
  /** Opaque version of the source model (e.g. its `lastUpdatedDateTime`); absent = unknown, treated as the same version. */
  sourceModelVersion?: string;
  region: string;
  /**
   * The member the copy was made from, when it is not the home member (after a failover:
   * docs/failover.md). Source versions are compared only between the same member's listings.
   */
  sourceRegion?: string;
  targetResourceId: string;
  /** Id of the verified copy in the target (present when a verified copy of this version exists). */
  targetModelId?: string;
  /**
   * `replicated`: a verified copy exists (a later failed attempt is recorded in `lastError` without changing this);
   * `inProgress`: a copy is running and no verified copy of this version exists; `failed`: the last attempt failed.
   */
  state: ReplicaState;
  /**
   * When the copy was last verified `ready` in the target: as stored by the marks, or (from
   * `listAll` / `listForModel`) the later region verification naming this copy.
   */
  lastVerifiedAt?: string;
  lastAttemptAt: string;
  lastRunId: string;
  /** Number of distinct runs that worked on this pair. */
  attempts: number;
  lastError?: ReplicaError;
  lastFailedAt?: string;
  /** A verified copy superseded by a newer source version or another target resource (for cleanup). */
  previousTargetModelId?: string;
}

export interface ReplicaAttempt {
  sourceModelId: string;
  region: string;
  /** The member copied from, when it is not the home member. */
  sourceRegion?: string;
  targetResourceId: string;
  runId: string;
  sourceModelName?: string;
  sourceModelVersion?: string;
}

export interface ReplicaSuccess extends ReplicaAttempt {
  targetModelId: string;
  /** Defaults to the clock's now. */
  verifiedAt?: Date | string;
}

export interface ReplicaFailure extends ReplicaAttempt {
  error: ReplicaError;
}

export interface MarkResult {
  record: ModelReplicaRecord;
  /** False when the mark was already applied (nothing written). */
  changed: boolean;
}

const isReplicaError = (v: unknown): v is ReplicaError =>
  hasShape<ReplicaError>(v, { kind: isNonEmptyString, code: optional(isString), message: isString });

export const isModelReplicaRecord = (v: unknown): v is ModelReplicaRecord =>
  hasShape<ModelReplicaRecord>(v, {
    sourceModelId: isNonEmptyString,
    sourceModelName: optional(isString),
    sourceModelVersion: optional(isString),
    region: isNonEmptyString,
    sourceRegion: optional(isNonEmptyString),
    targetResourceId: isNonEmptyString,
    targetModelId: optional(isNonEmptyString),
    state: oneOf(REPLICA_STATES),
    lastVerifiedAt: optional(isIsoDate),
    lastAttemptAt: isIsoDate,
    lastRunId: isNonEmptyString,
    attempts: isCount,
    lastError: optional(isReplicaError),
    lastFailedAt: optional(isIsoDate),
    previousTargetModelId: optional(isNonEmptyString),
  }) &&
  isRecord(v) &&
  (v.state !== 'replicated' || (v.targetModelId !== undefined && v.lastVerifiedAt !== undefined));

export const REPLICA_DOCUMENT: DocumentType<ModelReplicaRecord> = {
  kind: 'replica',
  schemaVersion: 1,
  inlineInListing: true,
  isData: isModelReplicaRecord,
};

const MAX_ERROR_MESSAGE = 2000;

export class ReplicaRepository {
  readonly store: DocumentStore<ModelReplicaRecord>;
  /** The region verification documents the listing readers apply (the ledger's own, when opened by `openLedger`). */
  readonly verifications: VerificationRepository;
  private readonly now: () => number;

  constructor(container: ContainerClient, options: DocumentStoreOptions = {}, verifications?: VerificationRepository) {
    this.store = new DocumentStore(container, REPLICA_DOCUMENT, options);
    this.verifications = verifications ?? new VerificationRepository(container, options);
    const clock = options.clock;
    this.now = clock ? () => clock.now() : () => Date.now();
  }

  static key(sourceModelId: string, region: string): string {
    return ledgerKey(pairSegments('replicas', { sourceModelId, region }), '.json');
  }

  /**
   * The pair's record as stored, without the region verifications (its `lastVerifiedAt` is the
   * marks' own): what the copy flow's read-modify-write decisions are based on. Readers that
   * show or judge ages use `listForModel` / `listAll`.
   */
  async get(sourceModelId: string, region: string): Promise<ModelReplicaRecord | undefined> {
    return (await this.store.get(ReplicaRepository.key(sourceModelId, region)))?.value;
  }

  /**
   * Every region's record of one source model, with the region verifications applied
   * (`applyVerifications`): one listing, plus one GET per region it has a record in.
   */
  async listForModel(sourceModelId: string): Promise<ModelReplicaRecord[]> {
    return this.withVerifications(await this.collect(`${ledgerKey(itemSegments('replicas', sourceModelId))}/`));
  }

  /**
   * Every record, with the region verifications applied (`applyVerifications`): one listing
   * request per 5000 records (a record without its inline copy is read with GET, once), and,
   * at the same time, one listing of `verifications/` plus one GET per region document.
   */
  async listAll(): Promise<ModelReplicaRecord[]> {
    return (await this.listAllVerified()).records;
  }

  /**
   * `listAll`, with the region verification documents it applied (the read model also verifies a
   * lineage's origin by them, docs/failover.md): the same reads.
   */
  async listAllVerified(): Promise<{ records: ModelReplicaRecord[]; verifications: RegionVerification[] }> {
    const [records, verifications] = await Promise.all([this.collect('replicas/'), this.verifications.listAll()]);
    return { records: applyVerifications(records, verifications), verifications };
  }

  /**
   * The records (e.g. read from `store` directly) with their regions' verifications applied:
   * one GET per distinct region of the records.
   */
  async withVerifications(records: readonly ModelReplicaRecord[]): Promise<ModelReplicaRecord[]> {
    if (records.length === 0) return [];
    return applyVerifications(records, await this.verifications.forRegions(records.map((r) => r.region)));
  }

  /** Removes a pair's record (e.g. the source model was deleted). */
  async remove(sourceModelId: string, region: string): Promise<boolean> {
    return this.store.delete(ReplicaRepository.key(sourceModelId, region));
  }

  /** A copy of this pair starts in run `runId`. Keeps a verified copy of the same version `replicated`. */
  async markInProgress(attempt: ReplicaAttempt): Promise<MarkResult> {
    const nowIso = this.isoNow();
    return this.apply(attempt, (current) => {
      if (
        current &&
        current.lastRunId === attempt.runId &&
        (current.state === 'inProgress' || sameCopy(current, attempt))
      )
        return current;
      const base = this.advance(current, attempt, nowIso);
      if (current && sameCopy(current, attempt)) return base;
      return { ...supersede(base, current), state: 'inProgress' };
    });
  }

  /**
   * The copy is verified `ready` in the target. Re-applying the same success (same run,
   * same target model) changes nothing; a later run's success refreshes `lastVerifiedAt`.
   */
  async markReplicated(success: ReplicaSuccess): Promise<MarkResult> {
    const nowIso = this.isoNow();
    const verifiedAt = success.verifiedAt === undefined ? nowIso : new Date(success.verifiedAt).toISOString();
    return this.apply(success, (current) => {
      if (
        current &&
        current.lastRunId === success.runId &&
        current.targetModelId === success.targetModelId &&
        sameCopy(current, success)
      ) {
        return current;
      }
      const base = this.advance(current, success, nowIso);
      const previous =
        current?.targetModelId && current.targetModelId !== success.targetModelId
          ? current.targetModelId
          : current?.previousTargetModelId;
      const next: ModelReplicaRecord = {
        ...base,
        state: 'replicated',
        targetModelId: success.targetModelId,
        lastVerifiedAt: verifiedAt,
      };
      delete next.lastError;
      delete next.lastFailedAt;
      delete next.previousTargetModelId;
      return previous ? { ...next, previousTargetModelId: previous } : next;
    });
  }

  /**
   * The attempt failed. A verified copy of the same source model version (and target
   * resource) stays `replicated` with its target id; the failure is recorded in
   * `lastError` / `lastFailedAt`. Error messages are redacted and truncated.
   */
  async markFailed(failure: ReplicaFailure): Promise<MarkResult> {
    const nowIso = this.isoNow();
    const error = sanitizeError(failure.error);
    return this.apply(failure, (current) => {
      if (
        current &&
        current.lastRunId === failure.runId &&
        sameError(current.lastError, error) &&
        (current.state === 'failed' || sameCopy(current, failure))
      ) {
        return current;
      }
      const base = { ...this.advance(current, failure, nowIso), lastError: error, lastFailedAt: nowIso };
      if (current && sameCopy(current, failure)) return base;
      return { ...supersede(base, current), state: 'failed' };
    });
  }

  private async apply(
    attempt: ReplicaAttempt,
    fn: (current: ModelReplicaRecord | undefined) => ModelReplicaRecord,
  ): Promise<MarkResult> {
    const result = await this.store.update(ReplicaRepository.key(attempt.sourceModelId, attempt.region), fn);
    return { record: result.value!, changed: result.changed };
  }

  /** Common fields of every mark: identity, run bookkeeping, the latest name/version/target resource. */
  private advance(current: ModelReplicaRecord | undefined, a: ReplicaAttempt, nowIso: string): ModelReplicaRecord {
    const newRun = current?.lastRunId !== a.runId;
    const next: ModelReplicaRecord = {
      ...(current ?? { state: 'inProgress', attempts: 0 }),
      sourceModelId: a.sourceModelId,
      region: a.region,
      targetResourceId: a.targetResourceId,
      lastRunId: a.runId,
      lastAttemptAt: newRun || !current ? nowIso : current.lastAttemptAt,
      attempts: (current?.attempts ?? 0) + (newRun ? 1 : 0),
    };
    if (a.sourceRegion !== undefined) next.sourceRegion = a.sourceRegion;
    else delete next.sourceRegion;
    if (a.sourceModelName !== undefined) next.sourceModelName = a.sourceModelName;
    if (a.sourceModelVersion !== undefined) next.sourceModelVersion = a.sourceModelVersion;
    return next;
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString();
  }

  private async collect(prefix: string): Promise<ModelReplicaRecord[]> {
    const records: ModelReplicaRecord[] = [];
    for await (const doc of this.store.list(prefix)) records.push(doc.value);
    return records;
  }
}

/** Decodes a replica key back to its pair (for tools that list keys only). */
export function parseReplicaKey(key: string): { sourceModelId: string; region: string } | undefined {
  const m = /^replicas\/([^/]+)\/([^/]+)\.json$/.exec(key);
  return m ? { sourceModelId: decodeKeySegment(m[1]), region: decodeKeySegment(m[2]) } : undefined;
}

/** True when `current` is a verified copy of the same source version in the same target resource. */
function sameCopy(current: ModelReplicaRecord, a: ReplicaAttempt): boolean {
  return (
    current.state === 'replicated' &&
    current.targetResourceId.toLowerCase() === a.targetResourceId.toLowerCase() &&
    // Versions are comparable only between listings of the same member (docs/failover.md).
    ((current.sourceRegion ?? '') !== (a.sourceRegion ?? '') ||
      current.sourceModelVersion === undefined ||
      a.sourceModelVersion === undefined ||
      current.sourceModelVersion === a.sourceModelVersion)
  );
}

/** Moves a verified copy that no longer counts (other version or resource) to `previousTargetModelId`. */
function supersede(next: ModelReplicaRecord, current: ModelReplicaRecord | undefined): ModelReplicaRecord {
  const out = { ...next };
  if (current?.targetModelId) out.previousTargetModelId = current.targetModelId;
  delete out.targetModelId;
  delete out.lastVerifiedAt;
  return out;
}

function sanitizeError(e: ReplicaError): ReplicaError {
  const message = scrubSecrets(String(e.message ?? '')).slice(0, MAX_ERROR_MESSAGE);
  const kind = scrubSecrets(String(e.kind || 'unknown')).slice(0, 100);
  return e.code === undefined ? { kind, message } : { kind, code: scrubSecrets(String(e.code)).slice(0, 100), message };
}

function sameError(a: ReplicaError | undefined, b: ReplicaError): boolean {
  return a !== undefined && a.kind === b.kind && a.code === b.code && a.message === b.message;
}
