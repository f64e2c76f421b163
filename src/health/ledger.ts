/**
 * The health of the app, from the ledger alone (issue 16): the readiness report built from the
 * replica records and the last run's report, assessed against the RPO, with the regions the
 * last run could not verify; plus the Custom Vision backups when backups are configured. No
 * service is called, so `/api/health` answers fast and even while the source region is down.
 *
 * Used by `GET /api/report` (its `health` member), `GET /api/health`, the run-report activity
 * (the `ModelDr.ReplicaHealth` events) and `npm run local`.
 */
import type { CustomVisionSettings } from '../config';
import type { Ledger } from '../ledger/connect';
import type { CustomVisionRecordRepository } from '../ledger/customVisionRecords';
import { buildReadinessReport, type ReadinessReport, type SourceModelInfo } from '../ledger/readiness';
import type { RunReport } from '../ledger/runReports';
import {
  assessCustomVisionHealth,
  assessReplicaHealth,
  combineHealth,
  type AppHealth,
  type CvHealthReport,
  type Health,
  type HealthReason,
  type PairHealth,
  type RegionHealth,
} from './health';

export interface LedgerReadiness {
  readiness: ReadinessReport;
  /** The last finished (not dry) run's report, if any. */
  lastRun?: RunReport;
}

/**
 * The readiness report from the ledger: the last run's view of the source (its pairs, invalid
 * and creating models) plus every replica record. A model the ledger knows nothing of cannot
 * be shown; every model a run has seen ready has a record or a pair in its report.
 */
export async function readinessFromLedger(
  ledger: Ledger,
  regions: readonly string[],
  nowMs: number,
): Promise<LedgerReadiness> {
  const [replicas, latest] = await Promise.all([ledger.replicas.listAll(), ledger.runReports.latest(10)]);
  const lastRun = latest.find((r) => !r.dryRun);
  const models = new Map<string, SourceModelInfo>();
  for (const r of replicas)
    models.set(r.sourceModelId, {
      modelId: r.sourceModelId,
      status: 'ready',
      ...(r.sourceModelName ? { modelName: r.sourceModelName } : {}),
    });
  if (lastRun) {
    for (const p of lastRun.pairs)
      if (!models.has(p.sourceModelId)) models.set(p.sourceModelId, { modelId: p.sourceModelId, status: 'ready' });
    const why = new Map((lastRun.notCopyable ?? []).map((m) => [m.modelId, m.reason]));
    for (const id of lastRun.invalidModels) {
      const reason = why.get(id);
      models.set(id, { modelId: id, status: 'invalid', ...(reason !== undefined ? { reason } : {}) });
    }
    for (const id of lastRun.creatingModels) models.set(id, { modelId: id, status: 'creating' });
  }
  const readiness = buildReadinessReport({
    sourceModels: [...models.values()],
    replicas,
    regions,
    now: nowMs,
    // Pairs the last run could not verify (their target could not be read): `unverified`, never ok.
    ...(lastRun
      ? {
          unverified: lastRun.pairs
            .filter((p) => p.outcome === 'unverified')
            .map((p) => ({
              sourceModelId: p.sourceModelId,
              region: p.region,
              ...(p.reason ? { reason: p.reason } : {}),
            })),
        }
      : {}),
  });
  return lastRun ? { readiness, lastRun } : { readiness };
}

/**
 * Regions the last run could not verify: its `unverifiedRegions`, and any region where the
 * readiness report shows a pair in an `unverified` state (issue 11 may add that state).
 */
export function unverifiedRegionsOf(readiness: ReadinessReport, lastRun?: RunReport): string[] {
  const out = new Set((lastRun?.unverifiedRegions ?? []).map((u) => u.region));
  for (const row of readiness.rows)
    for (const [region, cell] of Object.entries(row.cells)) if (cell.status === 'unverified') out.add(region);
  return readiness.regions.filter((r) => out.has(r));
}

export interface LedgerHealthInput {
  ledger: Ledger;
  regions: readonly string[];
  rpoHours: number;
  nowMs: number;
  /** Present when Custom Vision backups are configured (`CV_BACKUP_CONTAINER_URL`). */
  customVision?: { settings: CustomVisionSettings; records: () => Promise<CustomVisionRecordRepository> };
  /** Present when Custom Vision project DR is configured (`CV_DR_TARGETS`): the DR projects count like pairs. */
  customVisionDr?: { settings: CustomVisionDrSettings; replicas: () => Promise<CvProjectReplicaRepository> };
  /** Adds to the readiness report what the ledger holds beside it (e.g. each pair's last drill), before it is judged. */
  decorate?: (readiness: ReadinessReport) => ReadinessReport;
}

export interface LedgerHealth extends LedgerReadiness {
  app: AppHealth;
}

/** The app's health from the ledger: replicas (with what the last run could not verify) and Custom Vision backups. */
export async function assessHealthFromLedger(input: LedgerHealthInput): Promise<LedgerHealth> {
  const [{ readiness: built, lastRun }, customVision] = await Promise.all([
    readinessFromLedger(input.ledger, input.regions, input.nowMs),
    input.customVision ? customVisionHealth(input.customVision, input.rpoHours, input.nowMs) : undefined,
  ]);
  const readiness = input.decorate ? input.decorate(built) : built;
  const replicas = assessReplicaHealth({
    readiness,
    rpoHours: input.rpoHours,
    unverifiedRegions: unverifiedRegionsOf(readiness, lastRun),
    now: input.nowMs,
  });
  let app = combineHealth(replicas, customVision);
  // Custom Vision project DR (issue 24): counted like pairs (src/health/customVisionDr.ts).
  if (input.customVisionDr && input.customVisionDr.settings.targets.length > 0) {
    const records = await (await input.customVisionDr.replicas()).list();
    const rows = cvDrRows(input.customVisionDr.settings, records, input.nowMs, input.rpoHours);
    app = withCvDrHealth(app, cvDrHealth(rows, input.rpoHours));
  }
  return lastRun ? { readiness, lastRun, app } : { readiness, app };
}

async function customVisionHealth(
  cv: NonNullable<LedgerHealthInput['customVision']>,
  rpoHours: number,
  nowMs: number,
): Promise<CvHealthReport> {
  const records = await cv.records();
  const [backups, iterations] = await Promise.all([records.listBackups(), records.listIterations()]);
  return assessCustomVisionHealth({
    backups,
    iterations,
    platforms: cv.settings.exportPlatforms.map((p) => p.platform),
    requireReplica: cv.settings.replicaContainer !== undefined,
    rpoHours,
    now: nowMs,
  });
}

/**
 * The `health` member of `GET /api/report` (and of `npm run local -- --json`'s report): the
 * app's health and oldest age, per region (`health`, `maxAgeSeconds`, `overRpo`, …) and per
 * pair (`health`, `reasons`, `ageSeconds`, `overRpo`), and the Custom Vision slots.
 */
export interface ReportHealth {
  health: Health;
  rpoHours: number;
  /** Age of the oldest verified copy or backup, in seconds. */
  oldestAgeSeconds?: number;
  /** One line per region (or backup slot) that is not healthy. */
  reasons: string[];
  regions: RegionHealth[];
  pairs: PairHealth[];
  customVision?: CvHealthReport;
}

export function reportHealth(app: AppHealth): ReportHealth {
  const out: ReportHealth = {
    health: app.health,
    rpoHours: app.rpoHours,
    reasons: app.reasons,
    regions: app.replicas.regions,
    pairs: app.replicas.pairs,
  };
  if (app.oldestAgeSeconds !== undefined) out.oldestAgeSeconds = app.oldestAgeSeconds;
  if (app.customVision) out.customVision = app.customVision;
  return out;
}

export type { HealthReason };
import type { CustomVisionDrSettings } from '../config';
import type { CvProjectReplicaRepository } from '../ledger/customVisionProjects';
import { cvDrHealth, cvDrRows, withCvDrHealth } from './customVisionDr';
