/**
 * Region verifications: "in run X at time T, the target's own listing showed these copies
 * ready". One document per DR region, written once per run (one write for thousands of
 * pairs, instead of one per pair's replica record).
 *
 * Blob: `verifications/{region}.json` (segment encoded, see keys.ts).
 *
 * Replica readers (`ReplicaRepository.listAll` / `listForModel`) age a pair from the later of
 * its record's `lastVerifiedAt` and its region's `verifiedAt`, when the region document names
 * the record's copy (`applyVerifications`).
 */
import type { ContainerClient } from '@azure/storage-blob';
import { deepFreeze, DocumentStore, type DocumentStoreOptions, type DocumentType } from './documentStore';
import { hasShape, isIsoDate, isNonEmptyString } from './guards';
import { ledgerKey } from './keys';
import type { ModelReplicaRecord } from './replicas';
import { newestByRegion } from '../common/regionListings';

/** Longest id (region, resource id, run id, model id) in a verification document. */
export const MAX_VERIFICATION_ID_LENGTH = 1024;
/** Most pairs in one region's document. */
export const MAX_VERIFIED_PAIRS = 100_000;

export interface RegionVerification {
  region: string;
  /** The target resource whose listing was read. */
  targetResourceId: string;
  runId: string;
  /** When the listing was read (ISO 8601). */
  verifiedAt: string;
  /**
   * `[sourceModelId, targetModelId]` of every copy the listing showed `ready`, sorted by source
   * model id, each source once. Stored as pairs, not as an object keyed by model id: a model id
   * is arbitrary text and must never become a field name (the secret guard refuses fields
   * named like `…token` or `key`; `__proto__` is no plain key).
   */
  pairs: [string, string][];
}

export interface RegionVerificationInput {
  region: string;
  targetResourceId: string;
  runId: string;
  /** Defaults to the clock's now. */
  verifiedAt?: Date | string;
  /** Source model id → target model id (an object or entries, e.g. a Map); a repeated source keeps the last. */
  pairs: Readonly<Record<string, string>> | Iterable<readonly [string, string]>;
}

export interface RecordResult {
  /** The region's document after the call: the one given, or a newer one that was kept. */
  verification: RegionVerification;
  /** False when nothing was written (the stored one is newer, or the same). */
  changed: boolean;
}

const isId = (v: unknown): v is string => isNonEmptyString(v) && v.length <= MAX_VERIFICATION_ID_LENGTH;

function isPairs(v: unknown): v is [string, string][] {
  if (!Array.isArray(v) || v.length > MAX_VERIFIED_PAIRS) return false;
  const seen = new Set<string>();
  for (const p of v) {
    if (!Array.isArray(p) || p.length !== 2 || !isId(p[0]) || !isId(p[1]) || seen.has(p[0])) return false;
    seen.add(p[0]);
  }
  return true;
}

export const isRegionVerification = (v: unknown): v is RegionVerification =>
  hasShape<RegionVerification>(v, {
    region: isId,
    targetResourceId: isId,
    runId: isId,
    verifiedAt: isIsoDate,
    pairs: isPairs,
  });

export const REGION_VERIFICATION_DOCUMENT: DocumentType<RegionVerification> = {
  kind: 'regionVerification',
  schemaVersion: 1,
  // Not inline in listings: 5000 pairs are ~400 KB, far beyond blob metadata.
  isData: isRegionVerification,
};

export class VerificationRepository {
  readonly store: DocumentStore<RegionVerification>;
  private readonly now: () => number;

  constructor(container: ContainerClient, options: DocumentStoreOptions = {}) {
    // Remembering the few region documents lets a later `record` in this process write without
    // reading the (large) document first; the write stays conditional on the remembered ETag.
    this.store = new DocumentStore(container, REGION_VERIFICATION_DOCUMENT, {
      ...options,
      knownDocuments: Math.max(options.knownDocuments ?? 0, 16),
    });
    const clock = options.clock;
    this.now = clock ? () => clock.now() : () => Date.now();
  }

  static key(region: string): string {
    return ledgerKey(['verifications', region], '.json');
  }

  /**
   * Records what a run's listing of a region's target showed ready: one conditional write. A
   * document verified earlier is replaced; one verified later (a newer run got there first)
   * is kept; the same document again writes nothing.
   */
  async record(input: RegionVerificationInput): Promise<RecordResult> {
    const verifiedAt =
      input.verifiedAt === undefined ? new Date(this.now()).toISOString() : new Date(input.verifiedAt).toISOString();
    const entries: Iterable<readonly [string, string]> =
      Symbol.iterator in input.pairs
        ? (input.pairs as Iterable<readonly [string, string]>)
        : Object.entries(input.pairs as Readonly<Record<string, string>>);
    const pairs = [...new Map(entries)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const next: RegionVerification = {
      region: input.region,
      targetResourceId: input.targetResourceId,
      runId: input.runId,
      verifiedAt,
      pairs,
    };
    const result = await this.store.update(VerificationRepository.key(input.region), (current) => {
      if (!current) return next;
      if (Date.parse(current.verifiedAt) > Date.parse(verifiedAt)) return current;
      return sameVerification(current, next) ? current : next;
    });
    return { verification: result.value!, changed: result.changed };
  }

  async get(region: string): Promise<RegionVerification | undefined> {
    return (await this.store.get(VerificationRepository.key(region)))?.value;
  }

  /** Every region's document: one listing, one GET per region. */
  async listAll(): Promise<RegionVerification[]> {
    const out: RegionVerification[] = [];
    for await (const doc of this.store.list('verifications/')) out.push(doc.value);
    return out;
  }

  /** The documents of these regions (one GET each; absent ones are left out). */
  async forRegions(regions: Iterable<string>): Promise<RegionVerification[]> {
    const docs = await Promise.all([...new Set(regions)].map((r) => this.get(r)));
    return docs.filter((d): d is RegionVerification => d !== undefined);
  }

  async remove(region: string): Promise<boolean> {
    return this.store.delete(VerificationRepository.key(region));
  }
}

/**
 * The records as their region documents verify them: a `replicated` record whose region
 * document lists its copy (same `targetModelId`, same target resource, case-insensitive)
 * gets the later of its own `lastVerifiedAt` and the document's `verifiedAt`. Any other
 * record is returned as it is (the same object).
 */
export function applyVerifications(
  records: readonly ModelReplicaRecord[],
  verifications: readonly RegionVerification[],
): ModelReplicaRecord[] {
  const byRegion = newestByRegion(verifications);
  if (byRegion.size === 0) return [...records];
  return records.map((r) => {
    const v = byRegion.get(r.region);
    if (
      !v ||
      r.state !== 'replicated' ||
      r.targetModelId === undefined ||
      v.pairs.get(r.sourceModelId) !== r.targetModelId ||
      r.targetResourceId.toLowerCase() !== v.resource ||
      (r.lastVerifiedAt !== undefined && Date.parse(r.lastVerifiedAt) >= v.at)
    )
      return r;
    return deepFreeze({ ...r, lastVerifiedAt: v.verifiedAt });
  });
}

function sameVerification(a: RegionVerification, b: RegionVerification): boolean {
  return (
    a.region === b.region &&
    a.targetResourceId === b.targetResourceId &&
    a.runId === b.runId &&
    Date.parse(a.verifiedAt) === Date.parse(b.verifiedAt) &&
    a.pairs.length === b.pairs.length &&
    a.pairs.every(([s, t], i) => b.pairs[i][0] === s && b.pairs[i][1] === t)
  );
}
