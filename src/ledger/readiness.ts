/**
 * The DR readiness report: a pure function from the source's models, the replica records
 * and the configured regions to a model × region matrix.
 */
import type { ReplicaError, ModelReplicaRecord } from './replicas';
import type { DrillRecord } from './drills';
import { pairKey, pairKeyOf, parseLineageKey } from '../common/pairs';
import { lastDrillOf, type LastDrill } from '../drills/reportView';
import { newestByRegion, originListing, type RegionListing } from '../common/regionListings';
import type { RegionVerification } from './verifications';

export interface SourceModelInfo {
  modelId: string;
  modelName?: string;
  /** `ready` models are copyable; others (`creating`, `invalid`) are listed apart. */
  status: string;
  /** Same opaque version as `ModelReplicaRecord.sourceModelVersion` (e.g. `lastUpdatedDateTime`). */
  version?: string;
  /** Why a model that is not `ready` cannot be copied (e.g. created with v2, expired). */
  reason?: string;
}

/**
 * `unverified`: the ledger records a copy, but the last run could not verify it (its target
 * could not be reached or listed): not ready; `lastVerifiedAt` / `ageSeconds` say how old the
 * last verification is.
 */
export type ReadinessStatus = 'replicated' | 'missing' | 'failed' | 'inProgress' | 'unverified';

export interface ReadinessCell {
  status: ReadinessStatus;
  targetModelId?: string;
  lastVerifiedAt?: string;
  /** Seconds since the last verification of the copy (replicated cells). */
  ageSeconds?: number;
  /** The last failure (also on a replicated cell whose later attempt failed). */
  lastError?: ReplicaError;
  lastRunId?: string;
  /** The record is about an older version of the source model: the copy is out of date. */
  stale?: boolean;
  /** `unverified` cells: why the last run could not verify the copy. */
  reason?: string;
  /** The pair's last restore drill, when one is recorded (judged by the health model). */
  lastDrill?: LastDrill;
  /**
   * The region is the lineage's origin (docs/failover.md): it holds the original under
   * `targetModelId` (the origin id), not a copy. `replicated` only when a run's listing of the
   * region showed it ready (its region verification); else `unverified`, with why.
   */
  origin?: true;
}

export interface ReadinessRow {
  /** The lineage key (src/common/pairs.ts): the item id for a model born in the home member. */
  sourceModelId: string;
  sourceModelName?: string;
  /** One cell per configured region. */
  cells: Record<string, ReadinessCell>;
  /** Replicated in every region. */
  ready: boolean;
}

export interface ReadinessCounts {
  replicated: number;
  missing: number;
  failed: number;
  inProgress: number;
  unverified: number;
  /** Age of the oldest verified copy, in seconds. */
  oldestVerifiedAgeSeconds?: number;
}

export interface ReadinessReport {
  generatedAt: string;
  regions: string[];
  rows: ReadinessRow[];
  totals: ReadinessCounts & { models: number; pairs: number; readyModels: number };
  byRegion: Record<string, ReadinessCounts>;
  /** Source models that are not copyable (not `ready`). */
  notCopyable: { modelId: string; modelName?: string; status: string; reason?: string }[];
  /**
   * Records whose source model is gone from the source, or whose region is no longer configured
   * (a record in the active primary is the model being served, not an orphan).
   */
  orphanRecords: {
    sourceModelId: string;
    region: string;
    targetModelId?: string;
    reason: 'sourceModelGone' | 'regionNotConfigured';
  }[];
}

export function buildReadinessReport(input: {
  sourceModels: readonly SourceModelInfo[];
  replicas: readonly ModelReplicaRecord[];
  regions: readonly string[];
  now: number | Date;
  /** Pairs the last run could not verify (its `unverified` pairs), with the reason. */
  unverified?: ReadonlyArray<{ sourceModelId: string; region: string; reason?: string }>;
  /** The last restore drill of each pair (one record per pair): shown on the pair's cell. */
  drills?: readonly DrillRecord[];
  /**
   * The DR group's roles (docs/failover.md): `regions` are then the standbys. A cell whose region
   * is its lineage's origin is the original (`origin: true`), verified by the region's
   * verification document; a record in the `primary` is no orphan.
   */
  roles?: {
    home: string;
    primary: string;
    verifications: readonly RegionVerification[];
    /**
     * The member the last switch declared down (an unplanned failover from it): its cells verified
     * before `since` are `unverified` with `reason` — the operator said it is down — until a run's
     * listing of it verifies them again.
     */
    down?: { region: string; since: string; reason: string };
  };
}): ReadinessReport {
  const nowMs = typeof input.now === 'number' ? input.now : input.now.getTime();
  const regions = [...new Set(input.regions)];
  const regionSet = new Set(regions);
  const byPair = new Map<string, ModelReplicaRecord>();
  for (const r of input.replicas) byPair.set(pairKeyOf(r), r);
  const unverified = new Map((input.unverified ?? []).map((u) => [pairKeyOf(u), u.reason]));
  const drills = new Map((input.drills ?? []).map((d) => [pairKeyOf(d), d]));
  const roles = input.roles;
  const listings = newestByRegion(roles?.verifications ?? []);

  const ready = input.sourceModels.filter((m) => m.status === 'ready').sort((a, b) => compare(a.modelId, b.modelId));
  const readyIds = new Set(ready.map((m) => m.modelId));
  const knownIds = new Set(input.sourceModels.map((m) => m.modelId));
  const emptyCounts = (): ReadinessCounts => ({ replicated: 0, missing: 0, failed: 0, inProgress: 0, unverified: 0 });
  const byRegion: Record<string, ReadinessCounts> = Object.fromEntries(regions.map((r) => [r, emptyCounts()]));
  const totals = { models: ready.length, pairs: ready.length * regions.length, readyModels: 0, ...emptyCounts() };

  const rows: ReadinessRow[] = ready.map((model) => {
    const cells: Record<string, ReadinessCell> = {};
    for (const region of regions) {
      const key = pairKey(model.modelId, region);
      const record = byPair.get(key);
      const origin = roles && parseLineageKey(model.modelId, roles.home);
      const cell =
        origin && origin.origin === region && record?.targetModelId === undefined
          ? originCell(origin, originListing(listings, model.modelId, origin), unverified.get(key), nowMs)
          : toCell(record, model, nowMs);
      const down = roles?.down;
      if (
        down?.region === region &&
        cell.status === 'replicated' &&
        !(cell.lastVerifiedAt !== undefined && Date.parse(cell.lastVerifiedAt) >= Date.parse(down.since))
      ) {
        cell.status = 'unverified';
        cell.reason = down.reason;
      }
      if (cell.status === 'missing' && unverified.get(key) !== undefined)
        // Not copied: the last run could not reach the region (after a failover it copies nothing into it).
        cell.reason = `not copied: ${unverified.get(key)}`;
      if (cell.status === 'replicated' && unverified.has(key)) {
        cell.status = 'unverified';
        const reason = unverified.get(key);
        if (reason !== undefined) cell.reason = reason;
      }
      const drill = drills.get(key);
      if (drill) cell.lastDrill = lastDrillOf(drill);
      cells[region] = cell;
      for (const counts of [byRegion[region], totals]) {
        counts[cell.status]++;
        if (cell.ageSeconds !== undefined)
          counts.oldestVerifiedAgeSeconds = Math.max(counts.oldestVerifiedAgeSeconds ?? 0, cell.ageSeconds);
      }
    }
    const row: ReadinessRow = {
      sourceModelId: model.modelId,
      cells,
      ready: regions.every((r) => cells[r].status === 'replicated'),
    };
    if (model.modelName !== undefined) row.sourceModelName = model.modelName;
    if (row.ready) totals.readyModels++;
    return row;
  });

  const notCopyable = input.sourceModels
    .filter((m) => m.status !== 'ready')
    .sort((a, b) => compare(a.modelId, b.modelId))
    .map((m) => ({
      modelId: m.modelId,
      ...(m.modelName !== undefined ? { modelName: m.modelName } : {}),
      status: m.status,
      ...(m.reason !== undefined ? { reason: m.reason } : {}),
    }));

  const orphanRecords: ReadinessReport['orphanRecords'] = [];
  for (const r of [...input.replicas].sort((a, b) => compare(pairKeyOf(a), pairKeyOf(b)))) {
    if (readyIds.has(r.sourceModelId) && regionSet.has(r.region)) continue;
    if (roles && r.region === roles.primary) continue;
    if (!knownIds.has(r.sourceModelId) || !regionSet.has(r.region)) {
      const reason = !knownIds.has(r.sourceModelId) ? 'sourceModelGone' : 'regionNotConfigured';
      orphanRecords.push(
        r.targetModelId
          ? { sourceModelId: r.sourceModelId, region: r.region, targetModelId: r.targetModelId, reason }
          : { sourceModelId: r.sourceModelId, region: r.region, reason },
      );
    }
  }

  return { generatedAt: new Date(nowMs).toISOString(), regions, rows, totals, byRegion, notCopyable, orphanRecords };
}

function toCell(record: ModelReplicaRecord | undefined, model: SourceModelInfo, nowMs: number): ReadinessCell {
  if (!record) return { status: 'missing' };
  const stale =
    record.sourceModelVersion !== undefined &&
    model.version !== undefined &&
    record.sourceModelVersion !== model.version;
  const cell: ReadinessCell = { status: stale ? 'missing' : record.state, lastRunId: record.lastRunId };
  if (stale) cell.stale = true;
  if (record.lastError) cell.lastError = record.lastError;
  if (record.state === 'replicated' && !stale) {
    cell.targetModelId = record.targetModelId;
    cell.lastVerifiedAt = record.lastVerifiedAt;
    if (record.lastVerifiedAt)
      cell.ageSeconds = Math.max(0, Math.floor((nowMs - Date.parse(record.lastVerifiedAt)) / 1000));
  }
  return cell;
}

/**
 * The cell of a lineage's origin (no record names a copy there: the region holds the original,
 * under the origin id): `replicated` when the region's last verification — a run's own listing of
 * the region — showed the original ready; otherwise `unverified` with why, never `missing` (the
 * original was never copied there) and never ready.
 */
function originCell(
  origin: { origin: string; itemId: string },
  listed: RegionListing | undefined,
  runReason: string | undefined,
  nowMs: number,
): ReadinessCell {
  const { origin: region, itemId } = origin;
  if (listed) {
    return {
      status: 'replicated',
      origin: true,
      targetModelId: itemId,
      lastVerifiedAt: listed.verifiedAt,
      ageSeconds: Math.max(0, Math.floor((nowMs - listed.at) / 1000)),
      lastRunId: listed.runId,
    };
  }
  return {
    status: 'unverified',
    origin: true,
    targetModelId: itemId,
    reason:
      runReason ??
      `${region} is the lineage's origin and holds the original '${itemId}'; no listing of ${region} has shown it ready`,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
