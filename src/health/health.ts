/**
 * The DR health model (issue 16), pure code: from the readiness report (the ledger's
 * replica records against the source's models), the RPO and what the last run could not
 * verify, to a health per pair, per region and for the app; the same for Custom Vision
 * backups (per project and platform).
 *
 * A pair is
 * - **healthy** when its last verified copy is younger than the RPO and holds the source's
 *   current version;
 * - **degraded** when that copy is older than the RPO but younger than 2 × RPO, when the
 *   region could not be verified in the last run, when it holds an older source version
 *   (`stale`), when the copy of the current version is still running (`inProgress`), or when
 *   the last attempt failed but the verified copy is still there;
 * - **unhealthy** when the copy is 2 × RPO old or older, when the pair is missing (never
 *   copied), or when its last copy failed (no verified copy of the current version).
 *
 * A region's health and the app's are the worst of their pairs'. Boundaries: an age equal
 * to the RPO is degraded, equal to 2 × RPO unhealthy ("younger than" is strict).
 */
import type { CvBackupRecord, CvIterationRecord, CvProjectRecord } from '../ledger/customVisionRecords';
import type { ReadinessCell, ReadinessReport } from '../ledger/readiness';
import type { CvDrSummary } from './customVisionDr';

export const HEALTH_STATES = ['healthy', 'degraded', 'unhealthy'] as const;
export type Health = (typeof HEALTH_STATES)[number];

/** Why a pair (or region, or backup slot) is not healthy. */
export const HEALTH_REASONS = {
  /** The last verified copy is older than the RPO (degraded). */
  olderThanRpo: 'degraded',
  /** The last verified copy is 2 × RPO old or older (unhealthy). */
  olderThanTwiceRpo: 'unhealthy',
  /** The region could not be verified in the last run (degraded). */
  regionUnverified: 'degraded',
  /** The copy holds an older version of the source model (degraded). */
  staleSourceVersion: 'degraded',
  /** A copy of the current version is running; none is verified yet (degraded). */
  copyInProgress: 'degraded',
  /** The verified copy is there, but the last attempt on the pair failed (degraded). */
  lastAttemptFailed: 'degraded',
  /** Never copied / never backed up (unhealthy). */
  missing: 'unhealthy',
  /** The last copy failed and no verified copy of the current version exists (unhealthy). */
  lastCopyFailed: 'unhealthy',
  /** The last restore drill could not analyze with the copy (degraded: the copy may still be good). */
  lastDrillFailed: 'degraded',
  /** The last restore drill: the copy answered differently from the source (unhealthy). */
  lastDrillMismatch: 'unhealthy',
} as const satisfies Record<string, Exclude<Health, 'healthy'>>;
export type HealthReason = keyof typeof HEALTH_REASONS;

export function worst(...states: readonly Health[]): Health {
  let rank = 0;
  for (const s of states) rank = Math.max(rank, HEALTH_STATES.indexOf(s));
  return HEALTH_STATES[rank];
}

function healthOf(reasons: readonly HealthReason[]): Health {
  return worst('healthy', ...reasons.map((r) => HEALTH_REASONS[r]));
}

/** Health by age alone: `< rpo` healthy, `< 2 × rpo` degraded, else unhealthy. */
export function ageReason(ageSeconds: number, rpoSeconds: number): HealthReason | undefined {
  if (ageSeconds < rpoSeconds) return undefined;
  return ageSeconds < 2 * rpoSeconds ? 'olderThanRpo' : 'olderThanTwiceRpo';
}

export interface PairHealth {
  sourceModelId: string;
  region: string;
  health: Health;
  /** Empty when healthy. */
  reasons: HealthReason[];
  /** Age of the verified copy of the current version, in seconds (absent: there is none). */
  ageSeconds?: number;
  /** True when the pair holds no verified copy of the current version younger than the RPO. */
  overRpo: boolean;
}

export interface RegionHealth {
  region: string;
  health: Health;
  /** Distinct reasons of its pairs (and `regionUnverified`), most severe first. */
  reasons: HealthReason[];
  pairs: number;
  healthy: number;
  degraded: number;
  unhealthy: number;
  replicated: number;
  /** Never copied (stale pairs are counted apart). */
  missing: number;
  failed: number;
  stale: number;
  inProgress: number;
  /** Pairs the last run could not verify (their cell is `unverified`). */
  unverified: number;
  /** Pairs whose last restore drill answered differently from the source (unhealthy). */
  drillMismatch: number;
  /** Pairs whose last restore drill could not analyze with the copy (degraded). */
  drillFailed: number;
  /** Pairs without a verified copy of the current version younger than the RPO. */
  overRpo: number;
  /** Age of the oldest verified copy in the region, in seconds. */
  maxAgeSeconds?: number;
  /** False when the last run could not verify the region. */
  verifiedInLastRun: boolean;
}

export interface ReplicaHealthReport {
  health: Health;
  generatedAt: string;
  rpoHours: number;
  /** One per configured region, in the report's region order. */
  regions: RegionHealth[];
  /** Every pair of a copyable model, by model then region. */
  pairs: PairHealth[];
  /** Age of the oldest verified copy anywhere, in seconds. */
  oldestAgeSeconds?: number;
  /** Short human-readable lines (one per region that is not healthy), for /api/health and the summary. */
  summary: string[];
}

export interface ReplicaHealthInput {
  readiness: ReadinessReport;
  rpoHours: number;
  /** Regions the last run could not verify (unreachable, authorization failed, …). */
  unverifiedRegions?: readonly string[];
  /** Ages are computed from `lastVerifiedAt` at this instant; defaults to the report's `generatedAt`. */
  now?: number | Date;
}

export function assessReplicaHealth(input: ReplicaHealthInput): ReplicaHealthReport {
  const rpoSeconds = rpoSecondsOf(input.rpoHours);
  const nowMs = toMs(input.now ?? input.readiness.generatedAt);
  const unverified = new Set(input.unverifiedRegions ?? []);
  const pairs: PairHealth[] = [];
  for (const row of input.readiness.rows) {
    for (const region of input.readiness.regions) {
      const cell = row.cells[region] ?? ({ status: 'missing' } satisfies ReadinessCell);
      pairs.push(
        assessPair(row.sourceModelId, region, cell, { rpoSeconds, nowMs, unverified: unverified.has(region) }),
      );
    }
  }
  const regions = input.readiness.regions.map((region) => {
    const cells = input.readiness.rows.map((r) => r.cells[region]).filter((c): c is ReadinessCell => c !== undefined);
    const mine = pairs.filter((p) => p.region === region);
    const reasons = distinctReasons([
      ...mine.flatMap((p) => p.reasons),
      ...(unverified.has(region) ? ['regionUnverified' as const] : []),
    ]);
    const ages = mine.flatMap((p) => (p.ageSeconds === undefined ? [] : [p.ageSeconds]));
    const out: RegionHealth = {
      region,
      health: healthOf(reasons),
      reasons,
      pairs: mine.length,
      healthy: mine.filter((p) => p.health === 'healthy').length,
      degraded: mine.filter((p) => p.health === 'degraded').length,
      unhealthy: mine.filter((p) => p.health === 'unhealthy').length,
      replicated: cells.filter((c) => c.status === 'replicated').length,
      missing: cells.filter((c) => c.status === 'missing' && !c.stale).length,
      failed: cells.filter((c) => c.status === 'failed').length,
      stale: cells.filter((c) => c.stale === true).length,
      inProgress: cells.filter((c) => c.status === 'inProgress').length,
      unverified: cells.filter((c) => c.status === 'unverified').length,
      drillMismatch: mine.filter((p) => p.reasons.includes('lastDrillMismatch')).length,
      drillFailed: mine.filter((p) => p.reasons.includes('lastDrillFailed')).length,
      overRpo: mine.filter((p) => p.overRpo).length,
      verifiedInLastRun: !unverified.has(region),
    };
    if (ages.length > 0) out.maxAgeSeconds = Math.max(...ages);
    return out;
  });
  const ages = pairs.flatMap((p) => (p.ageSeconds === undefined ? [] : [p.ageSeconds]));
  const report: ReplicaHealthReport = {
    health: worst('healthy', ...regions.map((r) => r.health)),
    generatedAt: new Date(nowMs).toISOString(),
    rpoHours: input.rpoHours,
    regions,
    pairs,
    summary: regions.filter((r) => r.health !== 'healthy').map((r) => regionSummary(r, input.rpoHours)),
  };
  if (ages.length > 0) report.oldestAgeSeconds = Math.max(...ages);
  return report;
}

function assessPair(
  sourceModelId: string,
  region: string,
  cell: ReadinessCell,
  ctx: { rpoSeconds: number; nowMs: number; unverified: boolean },
): PairHealth {
  const reasons: HealthReason[] = [];
  let ageSeconds: number | undefined;
  if (cell.stale) {
    reasons.push('staleSourceVersion');
  } else if (cell.status === 'missing') {
    reasons.push('missing');
  } else if (cell.status === 'failed') {
    reasons.push('lastCopyFailed');
  } else if (cell.status === 'inProgress') {
    reasons.push('copyInProgress');
  } else {
    ageSeconds = cellAge(cell, ctx.nowMs);
    if (ageSeconds === undefined) reasons.push('missing');
    else {
      const byAge = ageReason(ageSeconds, ctx.rpoSeconds);
      if (byAge) reasons.push(byAge);
    }
    if (cell.lastError) reasons.push('lastAttemptFailed');
    // The pair's last restore drill (the read model puts it on the cell): a mismatch is unhealthy.
    const drill = cell.lastDrill?.outcome;
    if (drill === 'mismatch') reasons.push('lastDrillMismatch');
    else if (drill === 'failed') reasons.push('lastDrillFailed');
  }
  // An `unverified` pair (the run could not see the target: issue 11) is aged like a replicated one, and degraded.
  if (ctx.unverified || cell.status === 'unverified') reasons.push('regionUnverified');
  const out: PairHealth = {
    sourceModelId,
    region,
    health: healthOf(reasons),
    reasons: distinctReasons(reasons),
    overRpo: ageSeconds === undefined || ageSeconds >= ctx.rpoSeconds,
  };
  if (ageSeconds !== undefined) out.ageSeconds = ageSeconds;
  return out;
}

function cellAge(cell: ReadinessCell, nowMs: number): number | undefined {
  if (cell.lastVerifiedAt !== undefined) {
    const t = Date.parse(cell.lastVerifiedAt);
    if (Number.isFinite(t)) return Math.max(0, Math.floor((nowMs - t) / 1000));
  }
  return cell.ageSeconds;
}

const REASON_ORDER = Object.keys(HEALTH_REASONS) as HealthReason[];

/** Distinct, most severe first (unhealthy before degraded), then in declaration order. */
function distinctReasons(reasons: readonly HealthReason[]): HealthReason[] {
  const set = new Set(reasons);
  return REASON_ORDER.filter((r) => set.has(r)).sort(
    (a, b) => HEALTH_STATES.indexOf(HEALTH_REASONS[b]) - HEALTH_STATES.indexOf(HEALTH_REASONS[a]),
  );
}

const REASON_TEXT: Record<HealthReason, string> = {
  olderThanRpo: 'older than the RPO',
  olderThanTwiceRpo: 'older than twice the RPO',
  regionUnverified: 'not verified in the last run',
  staleSourceVersion: 'holding an older source version',
  copyInProgress: 'copy in progress',
  lastAttemptFailed: 'last attempt failed (verified copy kept)',
  missing: 'missing',
  lastCopyFailed: 'last copy failed',
  lastDrillFailed: 'last restore drill failed',
  lastDrillMismatch: 'last restore drill answered differently',
};

function regionSummary(r: RegionHealth, rpoHours: number): string {
  if (r.pairs === 0) return `${r.region}: ${r.health}: ${REASON_TEXT.regionUnverified}`;
  const parts = r.reasons
    .filter((x) => x !== 'regionUnverified')
    .map((x) => `${REASON_TEXT[x]}`)
    .concat(r.verifiedInLastRun ? [] : [REASON_TEXT.regionUnverified]);
  return `${r.region}: ${r.health}: ${r.overRpo}/${r.pairs} pairs over the RPO (${rpoHours} h)${parts.length ? `; ${parts.join(', ')}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Custom Vision backups: the same model per project and platform.

export interface CvSlotHealth {
  projectId: string;
  /** The export platform as the backup blob names it (`ONNX`, `TensorFlow`, …). */
  platform: string;
  health: Health;
  reasons: HealthReason[];
  /** Iteration of the last verified backup. */
  iterationId?: string;
  /** Age of the last verified backup, in seconds. */
  ageSeconds?: number;
  overRpo: boolean;
}

export interface CvHealthReport {
  health: Health;
  slots: CvSlotHealth[];
  oldestAgeSeconds?: number;
  summary: string[];
}

export interface CvHealthInput {
  backups: readonly CvBackupRecord[];
  iterations: readonly CvIterationRecord[];
  /** Projects whose integration is verified (a project without a trained iteration is not expected to have backups). */
  projects?: readonly CvProjectRecord[];
  /** Platforms every trained project must have a backup of (the platform names of `CV_EXPORT_PLATFORMS`). */
  platforms?: readonly string[];
  /** A backup counts as verified only with a verified replica (when a replica container is configured). */
  requireReplica?: boolean;
  rpoHours: number;
  now: number | Date;
}

export function assessCustomVisionHealth(input: CvHealthInput): CvHealthReport {
  const rpoSeconds = rpoSecondsOf(input.rpoHours);
  const nowMs = toMs(input.now);
  const key = (projectId: string, platform: string): string =>
    `${projectId.toLowerCase()}\u0000${platform.toLowerCase()}`;
  const slots = new Map<string, { projectId: string; platform: string }>();
  const addSlot = (projectId: string, platform: string): void => {
    const k = key(projectId, platform);
    if (!slots.has(k)) slots.set(k, { projectId: projectId.toLowerCase(), platform });
  };

  // The current (latest trained) iteration of each project.
  const latest = new Map<string, CvIterationRecord>();
  for (const it of input.iterations) {
    if (it.trainingStatus !== 'TrainingCompleted') continue;
    const p = it.projectId.toLowerCase();
    const cur = latest.get(p);
    if (!cur || compareIso(it.trainingRecordedAt, cur.trainingRecordedAt) > 0) latest.set(p, it);
  }
  for (const b of input.backups) addSlot(b.projectId, b.platform);
  const lastOutcome = new Map<string, { at: string; iterationId: string; failed: boolean }>();
  for (const it of input.iterations) {
    const backup = it.backup;
    if (!backup || backup.state === 'running') continue;
    const at = backup.finishedAt ?? backup.startedAt;
    const outcomes =
      backup.outcomes && backup.outcomes.length > 0
        ? backup.outcomes.map((o) => ({ platform: o.platform, failed: o.outcome === 'failed' }))
        : backup.state === 'failed'
          ? backup.platforms.map((p) => ({ platform: p.split(':')[0], failed: true }))
          : [];
    for (const o of outcomes) {
      addSlot(it.projectId, o.platform);
      const k = key(it.projectId, o.platform);
      const cur = lastOutcome.get(k);
      if (!cur || compareIso(at, cur.at) > 0)
        lastOutcome.set(k, { at, iterationId: it.iterationId.toLowerCase(), failed: o.failed });
    }
  }
  for (const [projectId] of latest) for (const platform of input.platforms ?? []) addSlot(projectId, platform);

  const out: CvSlotHealth[] = [];
  for (const [k, slot] of [...slots].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const verified = input.backups
      .filter((b) => key(b.projectId, b.platform) === k)
      .filter(
        (b) =>
          (b.md5 !== undefined || b.sha256 !== undefined) && (!input.requireReplica || b.replica?.verified === true),
      )
      .sort((a, b) => compareIso(b.recordedAt, a.recordedAt))[0];
    const current = latest.get(slot.projectId);
    const outcome = lastOutcome.get(k);
    const reasons: HealthReason[] = [];
    let ageSeconds: number | undefined;
    const currentBackedUp =
      verified !== undefined &&
      (current === undefined || verified.iterationId.toLowerCase() === current.iterationId.toLowerCase());
    if (verified) {
      const t = Date.parse(verified.recordedAt);
      ageSeconds = Math.max(0, Math.floor((nowMs - t) / 1000));
      const byAge = ageReason(ageSeconds, rpoSeconds);
      if (byAge) reasons.push(byAge);
      if (!currentBackedUp) reasons.push('staleSourceVersion');
    }
    const outcomeIsCurrent =
      outcome !== undefined && (current === undefined || outcome.iterationId === current.iterationId.toLowerCase());
    if (outcome?.failed && outcomeIsCurrent && !currentBackedUp) reasons.push('lastCopyFailed');
    else if (!verified) reasons.push('missing');
    const s: CvSlotHealth = {
      projectId: slot.projectId,
      platform: verified?.platform ?? slot.platform,
      health: healthOf(reasons),
      reasons: distinctReasons(reasons),
      overRpo: !currentBackedUp || ageSeconds === undefined || ageSeconds >= rpoSeconds,
    };
    if (verified) s.iterationId = verified.iterationId;
    if (ageSeconds !== undefined) s.ageSeconds = ageSeconds;
    out.push(s);
  }
  const ages = out.flatMap((s) => (s.ageSeconds === undefined ? [] : [s.ageSeconds]));
  const report: CvHealthReport = {
    health: worst('healthy', ...out.map((s) => s.health)),
    slots: out,
    summary: out
      .filter((s) => s.health !== 'healthy')
      .map(
        (s) =>
          `Custom Vision ${s.projectId} ${s.platform}: ${s.health}: ${s.reasons.map((r) => REASON_TEXT[r]).join(', ')}`,
      ),
  };
  if (ages.length > 0) report.oldestAgeSeconds = Math.max(...ages);
  return report;
}

// ---------------------------------------------------------------------------------------------
// The app: worst of both.

export interface AppHealth {
  health: Health;
  generatedAt: string;
  rpoHours: number;
  replicas: ReplicaHealthReport;
  customVision?: CvHealthReport;
  oldestAgeSeconds?: number;
  /** Every line of both summaries (what `/api/health` returns as reasons). */
  reasons: string[];
  /**
   * The active primary could not be listed by the last run (docs/failover.md): the app is
   * unhealthy. `reason` is the run's error line (keyed readers only; `/api/health` names the region).
   */
  primaryUnreachable?: { region: string; runId: string; at: string; reason: string };
}

/** The line every reader shows for an unreachable primary (no error text: `/api/health` is anonymous). */
export function primaryUnreachableLine(u: { region: string; at: string }): string {
  return `primary ${u.region}: unhealthy: unreachable (the last run, at ${u.at}, could not list it)`;
}

export function combineHealth(replicas: ReplicaHealthReport, customVision?: CvHealthReport): AppHealth {
  const out: AppHealth = {
    health: worst(replicas.health, customVision?.health ?? 'healthy'),
    generatedAt: replicas.generatedAt,
    rpoHours: replicas.rpoHours,
    replicas,
    reasons: [...replicas.summary, ...(customVision?.summary ?? [])],
  };
  if (customVision) out.customVision = customVision;
  const ages = [replicas.oldestAgeSeconds, customVision?.oldestAgeSeconds].filter((a): a is number => a !== undefined);
  if (ages.length > 0) out.oldestAgeSeconds = Math.max(...ages);
  return out;
}

/** HTTP status for `/api/health`: 200 healthy or degraded (with reasons), 503 unhealthy. */
export function healthHttpStatus(health: Health): 200 | 503 {
  return health === 'unhealthy' ? 503 : 200;
}

function rpoSecondsOf(rpoHours: number): number {
  if (!Number.isFinite(rpoHours) || rpoHours <= 0) throw new RangeError('rpoHours must be a positive number');
  return rpoHours * 3600;
}

function toMs(t: number | Date | string): number {
  const ms = typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) : t.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('now must be a valid instant');
  return ms;
}

function compareIso(a: string | undefined, b: string | undefined): number {
  const x = a === undefined ? -Infinity : Date.parse(a);
  const y = b === undefined ? -Infinity : Date.parse(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface HealthResponseBody {
  health: Health;
  generatedAt: string;
  rpoHours: number;
  oldestAgeSeconds?: number;
  /** Empty when healthy. */
  reasons: string[];
  regions: { region: string; health: Health; pairs: number; overRpo: number; maxAgeSeconds?: number }[];
  customVision?: { health: Health; slots: number };
  /** Present when the last run could not list the active primary: it is unhealthy. */
  primary?: { region: string; health: Health };
  /** Custom Vision DR projects (counts only). */
  customVisionDr?: { health: Health } & CvDrSummary;
}

/**
 * The `/api/health` answer: 200 healthy / 200 degraded (with reasons) / 503 unhealthy, and a
 * small body fit for an anonymous endpoint: states, counts, ages and one reason line per region
 * (and one for the Custom Vision backups), never a model id, a project id or an error text.
 */
export function healthHttpResponse(app: AppHealth): { status: 200 | 503; body: HealthResponseBody } {
  // Anonymous (probes send no key): regions and counts only, never a model or project id.
  const cv = app.customVision;
  const cvBad = cv ? cv.slots.filter((x) => x.health !== 'healthy') : [];
  const cvReasons = [...new Set(cvBad.flatMap((x) => x.reasons))].map((r) => REASON_TEXT[r]);
  const body: HealthResponseBody = {
    health: app.health,
    generatedAt: app.generatedAt,
    rpoHours: app.rpoHours,
    reasons: [
      ...(app.primaryUnreachable ? [primaryUnreachableLine(app.primaryUnreachable)] : []),
      ...app.replicas.summary,
      ...(cv && cvBad.length > 0
        ? [
            `Custom Vision backups: ${cv.health}: ${cvBad.length}/${cv.slots.length} not healthy (${cvReasons.join(', ')})`,
          ]
        : []),
    ],
    regions: app.replicas.regions.map((r) => {
      const out: HealthResponseBody['regions'][number] = {
        region: r.region,
        health: r.health,
        pairs: r.pairs,
        overRpo: r.overRpo,
      };
      if (r.maxAgeSeconds !== undefined) out.maxAgeSeconds = r.maxAgeSeconds;
      return out;
    }),
  };
  if (app.oldestAgeSeconds !== undefined) body.oldestAgeSeconds = app.oldestAgeSeconds;
  if (app.customVision) body.customVision = { health: app.customVision.health, slots: app.customVision.slots.length };
  if (app.primaryUnreachable) body.primary = { region: app.primaryUnreachable.region, health: 'unhealthy' };
  return { status: healthHttpStatus(app.health), body };
}
