/**
 * The dashboard's matrix: the read model (src/readModel: the same cells, health and last
 * drills as `GET /api/report`), filtered and cut into pages of whole model rows.
 *
 * Replica records are one blob per pair, each listed with its document inline, so a refresh
 * costs one listing per 5 000 records (not one read per pair: 40 000 at 5 000 models × 8
 * regions), plus the region verification documents that changed since the last refresh.
 */
import type { AppHealth, Health, RegionHealth } from '../../health';
import type { ReadinessReport } from '../../ledger/readiness';
import type { ModelReplicaRecord, ReplicaRepository } from '../../ledger/replicas';
import { applyVerifications, type RegionVerification } from '../../ledger/verifications';
import type { ModelView, PairView, ReadModel } from '../../readModel/model';
import { encodeCursor, type MatrixQuery } from './query';

/** Failed pairs' model ids handed to the page for "re-run the failed pairs" (POST /api/replications takes ≤ 5000). */
const MAX_FAILED_MODELS = 5000;
const MAX_NOT_COPYABLE = 100;

export class ReplicaSnapshot {
  private inflight: Promise<ModelReplicaRecord[]> | undefined;
  /** The last answer: returned again (the same array) while nothing changed, so callers can memoize on it. */
  private last: { fingerprint: string; records: ModelReplicaRecord[]; verifications: RegionVerification[] } | undefined;
  /** Region verification documents as last read, by key, with their ETags (they are large: read only when changed). */
  private readonly verifications = new Map<string, { etag: string; value: RegionVerification }>();

  constructor(private readonly replicas: ReplicaRepository) {}

  /** All replica records, as `GET /api/report` sees them (concurrent callers share one refresh). */
  refresh(): Promise<ModelReplicaRecord[]> {
    this.inflight ??= this.sync().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async sync(): Promise<ModelReplicaRecord[]> {
    // One listing per 5 000 records (each carries its document inline: see ledger/documentStore.ts).
    const docs: Array<{ etag: string; value: ModelReplicaRecord }> = [];
    for await (const d of this.replicas.store.list('replicas/')) docs.push(d);
    const store = this.replicas.verifications.store;
    const seen = new Set<string>();
    for await (const { key, etag } of store.listKeys('verifications/')) {
      seen.add(key);
      if (this.verifications.get(key)?.etag === etag) continue;
      const doc = await store.get(key);
      if (doc) this.verifications.set(key, { etag: doc.etag, value: doc.value });
      else this.verifications.delete(key);
    }
    for (const key of [...this.verifications.keys()]) if (!seen.has(key)) this.verifications.delete(key);
    const fingerprint = [...docs.map((d) => d.etag), '|', ...[...this.verifications.values()].map((v) => v.etag)].join(
      ',',
    );
    if (this.last?.fingerprint === fingerprint) return this.last.records;
    const verifications = [...this.verifications.values()].map((v) => v.value);
    const records = applyVerifications(
      docs.map((d) => d.value),
      verifications,
    );
    this.last = { fingerprint, records, verifications };
    return records;
  }

  /** The region verification documents the last `refresh` applied (they also verify a lineage's origin). */
  lastVerifications(): RegionVerification[] {
    return this.last?.verifications ?? [];
  }
}

/** A matrix cell and row: the read model's (src/readModel), as `GET /api/report` has them. */
export type MatrixCell = PairView;
export type MatrixRow = ModelView;

function cellMatches(cell: MatrixCell, state: NonNullable<MatrixQuery['state']>): boolean {
  if (state === 'attention') return cell.status !== 'replicated' || cell.lastError !== undefined;
  if (state === 'stale') return cell.stale === true;
  if (state === 'degraded' || state === 'unhealthy') return cell.health === state;
  return cell.status === state;
}

export function rowMatches(row: MatrixRow, query: Pick<MatrixQuery, 'state' | 'q'>): boolean {
  if (query.q !== undefined) {
    const q = query.q;
    if (!row.sourceModelId.toLowerCase().includes(q) && !(row.sourceModelName ?? '').toLowerCase().includes(q))
      return false;
  }
  if (query.state !== undefined) {
    const state = query.state;
    if (!Object.values(row.cells).some((c) => cellMatches(c, state))) return false;
  }
  return true;
}

export interface MatrixPage {
  generatedAt: string;
  regions: string[];
  totals: ReadinessReport['totals'];
  byRegion: ReadinessReport['byRegion'];
  /** Rows matching the filter (all pages). */
  matched: number;
  /** Position of this page's first row among the matching rows (0-based). */
  offset: number;
  rows: MatrixRow[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
  /** Pairs whose state is `failed`: the models and regions to re-run (POST /api/replications). */
  failedPairs: { count: number; models: string[]; regions: string[]; truncated: boolean };
  notCopyable: ReadinessReport['notCopyable'];
  notCopyableTotal: number;
  lastRun?: { runId: string; finishedAt: string };
  /** The read model's health: the app's, each region's, the RPO. */
  health: MatrixHealth;
}

export interface MatrixHealth {
  health: Health;
  rpoHours: number;
  byRegion: Record<
    string,
    Pick<
      RegionHealth,
      'health' | 'reasons' | 'healthy' | 'degraded' | 'unhealthy' | 'overRpo' | 'unverified' | 'drillMismatch'
    >
  >;
  /** Pairs per health state, all regions. */
  totals: Record<Health, number>;
  summary: string[];
}

/** The page's health summary: the read model's app health (replicas and Custom Vision backups), per region, per state. */
export function matrixHealth(app: AppHealth): MatrixHealth {
  const health = app.replicas;
  const totals: Record<Health, number> = { healthy: 0, degraded: 0, unhealthy: 0 };
  for (const p of health.pairs) totals[p.health]++;
  return {
    health: app.health,
    rpoHours: app.rpoHours,
    byRegion: Object.fromEntries(
      health.regions.map((r) => [
        r.region,
        {
          health: r.health,
          reasons: r.reasons,
          healthy: r.healthy,
          degraded: r.degraded,
          unhealthy: r.unhealthy,
          overRpo: r.overRpo,
          unverified: r.unverified,
          drillMismatch: r.drillMismatch,
        },
      ]),
    ),
    totals,
    summary: app.reasons,
  };
}

/** A page of the read model's matrix (rows sorted by model id, as the report sorts them). */
export function pageOf(report: ReadModel, query: MatrixQuery): MatrixPage {
  const matching = report.rows.filter((r) => rowMatches(r, query));
  let start = 0;
  if (query.after !== undefined) {
    const after = query.after;
    start = matching.findIndex((r) => r.sourceModelId > after);
    if (start < 0) start = matching.length;
  }
  const rows = matching.slice(start, start + query.limit);
  const failedModels = new Set<string>();
  const failedRegions = new Set<string>();
  let failedCount = 0;
  for (const row of report.rows)
    for (const [region, cell] of Object.entries(row.cells))
      if (cell.status === 'failed') {
        failedCount++;
        failedModels.add(row.sourceModelId);
        failedRegions.add(region);
      }
  const page: MatrixPage = {
    generatedAt: report.generatedAt,
    regions: report.regions,
    totals: report.totals,
    byRegion: report.byRegion,
    matched: matching.length,
    offset: start,
    rows,
    failedPairs: {
      count: failedCount,
      models: [...failedModels].slice(0, MAX_FAILED_MODELS),
      regions: report.regions.filter((r) => failedRegions.has(r)),
      truncated: failedModels.size > MAX_FAILED_MODELS,
    },
    notCopyable: report.notCopyable.slice(0, MAX_NOT_COPYABLE),
    notCopyableTotal: report.notCopyable.length,
    health: matrixHealth(report.health),
  };
  if (start + rows.length < matching.length && rows.length > 0)
    page.nextCursor = encodeCursor(rows[rows.length - 1].sourceModelId);
  if (report.lastRun) page.lastRun = report.lastRun;
  return page;
}
