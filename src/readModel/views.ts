/**
 * What each reader shows of the read model. Readers render; they never judge: every verdict
 * (a pair's state, health and reasons, its last drill, the regions', the app's) is the model's.
 */
import {
  healthHttpResponse,
  type CvHealthReport,
  type Health,
  type HealthResponseBody,
  type PairHealth,
  type RegionHealth,
} from '../health/health';
import type { ReadinessReport } from '../ledger/readiness';
import type { CustomVisionDrView, MembersView, ModelView, ReadModel } from './model';

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
  /** The last run could not list the active primary: its region, the run, when and why. */
  primaryUnreachable?: { region: string; runId: string; at: string; reason: string };
}

/** `GET /api/report`'s body: the readiness report (each cell with its health and last drill), the last run, the health. */
export type ReportBody = Omit<ReadinessReport, 'rows'> & {
  rows: ModelView[];
  lastRun?: { runId: string; finishedAt: string };
  health: ReportHealth;
  /** The Custom Vision DR projects (one row per project and DR region), when configured. */
  customVisionDr?: CustomVisionDrView;
  /** The DR group: the active primary, each member's role and last failover and test failover. */
  members?: MembersView;
};

export function reportHealthOf(model: ReadModel): ReportHealth {
  const app = model.health;
  const out: ReportHealth = {
    health: app.health,
    rpoHours: app.rpoHours,
    reasons: app.reasons,
    regions: app.replicas.regions,
    pairs: app.replicas.pairs,
  };
  if (app.oldestAgeSeconds !== undefined) out.oldestAgeSeconds = app.oldestAgeSeconds;
  if (app.customVision) out.customVision = app.customVision;
  if (app.primaryUnreachable) out.primaryUnreachable = app.primaryUnreachable;
  return out;
}

export function reportOf(model: ReadModel): ReportBody {
  const body: ReportBody = {
    generatedAt: model.generatedAt,
    regions: model.regions,
    rows: model.rows,
    totals: model.totals,
    byRegion: model.byRegion,
    notCopyable: model.notCopyable,
    orphanRecords: model.orphanRecords,
    health: reportHealthOf(model),
  };
  if (model.lastRun) body.lastRun = model.lastRun;
  if (model.customVisionDr) body.customVisionDr = model.customVisionDr;
  if (model.members) body.members = model.members;
  return body;
}

/** `GET /api/health`: 200 healthy / 200 degraded / 503 unhealthy (a drill mismatch is unhealthy). */
export function healthResponseOf(model: ReadModel): { status: 200 | 503; body: HealthResponseBody } {
  return healthResponseFor(model.health);
}

/**
 * `GET /api/health` of an app health (the read model's, or the one read from the secondary): with
 * the Custom Vision DR projects' per-region lines and counts (counts only: the route is anonymous).
 */
export function healthResponseFor(app: ReadModel['health']): { status: 200 | 503; body: HealthResponseBody } {
  const { status, body } = healthHttpResponse(app);
  const dr = app.customVisionDr;
  if (!dr) return { status, body };
  const lines = app.reasons.filter((r) => r.startsWith('custom vision DR ') && !body.reasons.includes(r));
  return {
    status,
    body: { ...body, reasons: [...body.reasons, ...lines], customVisionDr: { health: dr.health, ...dr.summary } },
  };
}
