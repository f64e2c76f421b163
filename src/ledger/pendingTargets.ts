/**
 * Blank target models: a copy authorization creates (reserves) a model in the target before
 * the copy runs. Each one is recorded here *before* the authorization is used and removed
 * once its copy is verified (or the blank model is deleted), so cleanup can find and delete
 * orphans even after a crash.
 *
 * Blob: `pending-targets/{region}/{targetModelId}.json` (segments encoded, see keys.ts).
 */
import type { ContainerClient } from '@azure/storage-blob';
import { deepFreeze, DocumentStore, type DocumentStoreOptions, type DocumentType } from './documentStore';
import { hasShape, isCount, isIsoDate, isNonEmptyString, optional } from './guards';
import { ledgerKey } from './keys';

export interface PendingTarget {
  region: string;
  targetResourceId: string;
  targetModelId: string;
  /** The lineage key (src/common/pairs.ts). */
  sourceModelId: string;
  runId: string;
  /**
   * The member the copy was made from, when not the home member (after a failover: the active
   * primary then). The crash sweep verifies a landed copy against this member's item.
   */
  sourceRegion?: string;
  /** The item's id in `sourceRegion` when it differs from the lineage key (v2.1 copies, lineages born elsewhere). */
  sourceItemId?: string;
  /** When it was recorded (the store's clock). */
  createdAt: string;
  /** Which copy attempt of the run created it (lets a re-run activity find the copy it already started). */
  attempt?: number;
  /** When the authorization that created it expires (ISO 8601; the token itself is never stored). */
  expiresAt?: string;
  /** The copy operation started with it (the source's `Operation-Location`, no credentials). */
  operationLocation?: string;
  /**
   * The run whose sweep found this target `ready` and a copy of its source after the run that
   * created it died mid-copy, and recorded it as the replica (kept until the next sweep, so a
   * re-run sweep of that run reports it again).
   */
  recoveredBy?: string;
}

/** Fields of a pending target that can change after it is recorded. */
export type PendingTargetPatch = Partial<
  Pick<PendingTarget, 'attempt' | 'expiresAt' | 'operationLocation' | 'recoveredBy'>
>;

export const isPendingTarget = (v: unknown): v is PendingTarget =>
  hasShape<PendingTarget>(v, {
    region: isNonEmptyString,
    targetResourceId: isNonEmptyString,
    targetModelId: isNonEmptyString,
    sourceModelId: isNonEmptyString,
    runId: isNonEmptyString,
    sourceRegion: optional(isNonEmptyString),
    sourceItemId: optional(isNonEmptyString),
    createdAt: isIsoDate,
    attempt: optional(isCount),
    expiresAt: optional(isIsoDate),
    operationLocation: optional(isNonEmptyString),
    recoveredBy: optional(isNonEmptyString),
  });

export const PENDING_TARGET_DOCUMENT: DocumentType<PendingTarget> = {
  kind: 'pendingTarget',
  schemaVersion: 1,
  inlineInListing: true,
  isData: isPendingTarget,
};

export class PendingTargetRepository {
  readonly store: DocumentStore<PendingTarget>;
  private readonly now: () => number;

  constructor(container: ContainerClient, options: DocumentStoreOptions = {}) {
    this.store = new DocumentStore(container, PENDING_TARGET_DOCUMENT, options);
    const clock = options.clock;
    this.now = clock ? () => clock.now() : () => Date.now();
  }

  static key(region: string, targetModelId: string): string {
    return ledgerKey(['pending-targets', region, targetModelId], '.json');
  }

  /** Records a blank target model. Idempotent: recording it again keeps the first record. */
  async add(target: Omit<PendingTarget, 'createdAt'>): Promise<PendingTarget> {
    const key = PendingTargetRepository.key(target.region, target.targetModelId);
    const record: PendingTarget = {
      region: target.region,
      targetResourceId: target.targetResourceId,
      targetModelId: target.targetModelId,
      sourceModelId: target.sourceModelId,
      runId: target.runId,
      ...(target.sourceRegion !== undefined ? { sourceRegion: target.sourceRegion } : {}),
      ...(target.sourceItemId !== undefined ? { sourceItemId: target.sourceItemId } : {}),
      createdAt: new Date(this.now()).toISOString(),
      ...pickPatch(target),
    };
    // A new blank model is the common case: one conditional create (If-None-Match *), no read.
    // Already recorded (a re-run activity): the first record stays, as read.
    const created = await this.store.create(key, record);
    if (created.created) return deepFreeze(record);
    const result = await this.store.update(key, (current) => current ?? record);
    return result.value!;
  }

  /**
   * Adds or changes `attempt`, `expiresAt`, `operationLocation`, `recoveredBy` of a recorded blank target
   * (e.g. the operation location once the copy started). Returns undefined, writing nothing,
   * when it is not recorded (already removed); re-applying the same patch writes nothing.
   */
  async update(region: string, targetModelId: string, patch: PendingTargetPatch): Promise<PendingTarget | undefined> {
    const changes = pickPatch(patch);
    const result = await this.store.update(PendingTargetRepository.key(region, targetModelId), (current) => {
      if (!current) return undefined;
      const changed = (Object.keys(changes) as (keyof PendingTargetPatch)[]).some((k) => current[k] !== changes[k]);
      return changed ? { ...current, ...changes } : current;
    });
    return result.value;
  }

  /** Forgets a blank target model (its copy was verified, or it was deleted). False if it was not recorded. */
  async remove(region: string, targetModelId: string): Promise<boolean> {
    return this.store.delete(PendingTargetRepository.key(region, targetModelId));
  }

  async get(region: string, targetModelId: string): Promise<PendingTarget | undefined> {
    return (await this.store.get(PendingTargetRepository.key(region, targetModelId)))?.value;
  }

  async listForRegion(region: string): Promise<PendingTarget[]> {
    return this.collect(`${ledgerKey(['pending-targets', region])}/`);
  }

  async listAll(): Promise<PendingTarget[]> {
    return this.collect('pending-targets/');
  }

  private async collect(prefix: string): Promise<PendingTarget[]> {
    const out: PendingTarget[] = [];
    for await (const doc of this.store.list(prefix)) out.push(doc.value);
    return out;
  }
}

function pickPatch(p: PendingTargetPatch): PendingTargetPatch {
  const out: PendingTargetPatch = {};
  if (p.attempt !== undefined) out.attempt = p.attempt;
  if (p.expiresAt !== undefined) out.expiresAt = p.expiresAt;
  if (p.operationLocation !== undefined) out.operationLocation = p.operationLocation;
  if (p.recoveredBy !== undefined) out.recoveredBy = p.recoveredBy;
  return out;
}
