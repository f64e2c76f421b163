/**
 * The truth about the Custom Vision DR projects, as the routes, the dashboard, the health model
 * and `npm run local` report it: one row per (configured project, DR region). `ready` only when
 * the recorded copy was verified within the RPO; a ready copy verified longer ago is `unverified`
 * (stale) with the reason; a configured pair never copied is `unverified` too.
 */
import type { CustomVisionDrSettings } from '../config';
import type {
  CvDrCounts,
  CvDrIterationOrigin,
  CvDrState,
  CvProjectReplicaRecord,
} from '../ledger/customVisionProjects';
import { worst, type Health } from './health';

export interface CvDrProjectRow {
  projectId: string;
  region: string;
  state: CvDrState;
  /** Why the state is what it is, in words (stale, never copied, the error). */
  detail?: string;
  drProjectId?: string;
  iterationId?: string;
  /** `imported` with the project, or `trainedInDr` (`CV_DR_TRAIN_MISSING`: trained in the DR region). */
  iterationOrigin?: CvDrIterationOrigin;
  publishName?: string;
  predictionResourceId: string;
  counts?: { expected: CvDrCounts; actual: CvDrCounts };
  lastVerifiedAt?: string;
  /** Seconds since the last verification. */
  ageSeconds?: number;
  error?: { code: string; message: string; at: string; expected?: CvDrCounts; actual?: CvDrCounts };
}

export interface CvDrSummary {
  projects: number;
  ready: number;
  failed: number;
  unverified: number;
  copying: number;
  /** Ready once, but not verified within the RPO. */
  stale: number;
}

export function cvDrRows(
  settings: CustomVisionDrSettings,
  records: readonly CvProjectReplicaRecord[],
  now: number,
  rpoHours: number,
): CvDrProjectRow[] {
  const regions = new Set(settings.targets.map((t) => t.region));
  const rows: CvDrProjectRow[] = [];
  for (const r of records) {
    if (!regions.has(r.region)) continue;
    if (settings.projects !== '*' && !settings.projects.includes(r.sourceProjectId)) continue;
    rows.push(rowOf(r, now, rpoHours));
  }
  // Configured by id and never recorded: unverified (never copied).
  if (settings.projects !== '*')
    for (const projectId of settings.projects)
      for (const t of settings.targets)
        if (!records.some((r) => r.sourceProjectId === projectId && r.region === t.region))
          rows.push({
            projectId,
            region: t.region,
            state: 'unverified',
            detail: 'never copied',
            predictionResourceId: t.predictionResourceId,
          });
  return rows.sort((a, b) => a.projectId.localeCompare(b.projectId) || a.region.localeCompare(b.region));
}

function rowOf(r: CvProjectReplicaRecord, now: number, rpoHours: number): CvDrProjectRow {
  const age = r.lastVerifiedAt ? Math.max(0, Math.round((now - Date.parse(r.lastVerifiedAt)) / 1000)) : undefined;
  let state: CvDrState = r.state;
  let detail: string | undefined;
  if (state === 'ready' && (age === undefined || age > rpoHours * 3600)) {
    state = 'unverified';
    detail = `last verified ${age === undefined ? 'never' : `${Math.round(age / 3600)} h ago`}, beyond the RPO of ${rpoHours} h`;
  } else if (state === 'failed' && r.lastError) detail = `${r.lastError.code}: ${r.lastError.message}`;
  else if (state === 'failed' || state === 'unverified') detail = state === 'failed' ? 'failed' : 'not verified yet';
  if (state === 'failed' && r.current)
    detail = `${detail ?? 'failed'}; the previous copy ${r.current.drProjectId} is still there`;
  const c = r.current;
  return {
    projectId: r.sourceProjectId,
    region: r.region,
    state,
    ...(detail ? { detail } : {}),
    ...(c ? { drProjectId: c.drProjectId } : {}),
    ...(c?.iterationId ? { iterationId: c.iterationId } : {}),
    ...(c?.iterationOrigin ? { iterationOrigin: c.iterationOrigin } : {}),
    ...(c?.publishName ? { publishName: c.publishName } : {}),
    predictionResourceId: r.predictionResourceId,
    ...(c ? { counts: { expected: c.expected, actual: c.actual } } : {}),
    ...(r.lastVerifiedAt ? { lastVerifiedAt: r.lastVerifiedAt } : {}),
    ...(age !== undefined ? { ageSeconds: age } : {}),
    ...(r.lastError ? { error: r.lastError } : {}),
  };
}

export function cvDrSummary(rows: readonly CvDrProjectRow[]): CvDrSummary {
  const n = (s: CvDrState): number => rows.filter((r) => r.state === s).length;
  return {
    projects: rows.length,
    ready: n('ready'),
    failed: n('failed'),
    unverified: n('unverified'),
    copying: n('copying'),
    stale: rows.filter((r) => r.state === 'unverified' && r.detail?.includes('beyond the RPO')).length,
  };
}

export interface CvDrReplica {
  region: string;
  state: CvDrState;
  /** The DR training resource (where the project lives). */
  trainingEndpoint: string;
  /** The prediction endpoint to call, when configured (`CV_DR_TARGETS[].predictionEndpoint`). */
  predictionEndpoint?: string;
  predictionResourceId: string;
  projectId?: string;
  iterationId?: string;
  iterationOrigin?: CvDrIterationOrigin;
  publishName?: string;
  lastVerifiedAt?: string;
}

/** Per DR region, what an application calls when the source region is down (the failover lookup). */
export function cvDrReplicas(
  settings: CustomVisionDrSettings,
  records: readonly CvProjectReplicaRecord[],
  projectId: string,
  now: number,
  rpoHours: number,
): CvDrReplica[] {
  const id = projectId.toLowerCase();
  const rows = cvDrRows(
    { ...settings, projects: [id] },
    records.filter((r) => r.sourceProjectId === id),
    now,
    rpoHours,
  );
  return settings.targets.map((t) => {
    const row = rows.find((r) => r.region === t.region);
    return {
      region: t.region,
      state: row?.state ?? 'unverified',
      trainingEndpoint: t.endpoint,
      ...(t.predictionEndpoint ? { predictionEndpoint: t.predictionEndpoint } : {}),
      predictionResourceId: t.predictionResourceId,
      ...(row?.drProjectId ? { projectId: row.drProjectId } : {}),
      ...(row?.iterationId ? { iterationId: row.iterationId } : {}),
      ...(row?.iterationOrigin ? { iterationOrigin: row.iterationOrigin } : {}),
      ...(row?.publishName ? { publishName: row.publishName } : {}),
      ...(row?.lastVerifiedAt ? { lastVerifiedAt: row.lastVerifiedAt } : {}),
    };
  });
}

/** One configured project's failover lookup: per DR region, what to call (the routing document's section). */
export interface CvDrProjectRoute {
  projectId: string;
  replicas: CvDrReplica[];
}

/**
 * The routing document's `customVisionProjects`: every configured project (by id, or every one
 * recorded when `CV_DR_PROJECTS` is `*`), each with {@link cvDrReplicas}. Endpoints, ids and
 * publish names only: no key, token or SAS.
 */
export function cvDrRoutes(
  settings: CustomVisionDrSettings,
  records: readonly CvProjectReplicaRecord[],
  now: number,
  rpoHours: number,
): CvDrProjectRoute[] {
  if (settings.targets.length === 0) return [];
  const ids =
    settings.projects === '*' ? [...new Set(records.map((r) => r.sourceProjectId))] : [...new Set(settings.projects)];
  return ids.sort().map((projectId) => ({
    projectId,
    replicas: cvDrReplicas(settings, records, projectId, now, rpoHours),
  }));
}

// ------------------------------------------------------------------------------------------
// Health (issue 24): a Custom Vision DR project counts like a Form Recognizer pair. A separate,
// delimited addition to the health model (src/health/health.ts is unchanged): applied to the
// app's health after `combineHealth`.

export interface CvDrHealthRow {
  projectId: string;
  region: string;
  health: Health;
  reason: string;
}

export interface CvDrHealth {
  health: Health;
  summary: CvDrSummary;
  rows: CvDrHealthRow[];
}

/**
 * Like a pair: verified within the RPO healthy, within 2 × RPO degraded, older unhealthy; failed
 * (the newest training is not served there) and never copied unhealthy; a copy in progress is
 * judged by the age of the copy already there.
 */
export function cvDrHealth(rows: readonly CvDrProjectRow[], rpoHours: number): CvDrHealth {
  const rpo = rpoHours * 3600;
  const out: CvDrHealthRow[] = rows.map((r) => {
    const byAge = (): Health =>
      r.ageSeconds === undefined
        ? 'unhealthy'
        : r.ageSeconds < rpo
          ? 'healthy'
          : r.ageSeconds < 2 * rpo
            ? 'degraded'
            : 'unhealthy';
    const health: Health =
      r.state === 'failed' ? 'unhealthy' : r.state === 'ready' ? 'healthy' : r.drProjectId ? byAge() : 'unhealthy';
    return { projectId: r.projectId, region: r.region, health, reason: `${r.state}${r.detail ? `: ${r.detail}` : ''}` };
  });
  return { health: worst('healthy', ...out.map((r) => r.health)), summary: cvDrSummary(rows), rows: out };
}

/**
 * The app's health with the Custom Vision DR projects counted in. Reasons: one line per DR region
 * that is not healthy, with counts only (no project id, no error text: `/api/health` is anonymous).
 */
export function withCvDrHealth<A extends { health: Health; reasons: string[] }>(
  app: A,
  dr: CvDrHealth,
): A & { customVisionDr: CvDrHealth } {
  const lines: string[] = [];
  for (const region of [...new Set(dr.rows.map((r) => r.region))]) {
    const bad = dr.rows.filter((r) => r.region === region && r.health !== 'healthy');
    if (bad.length === 0) continue;
    const h = worst('healthy', ...bad.map((r) => r.health));
    const states = [...new Set(bad.map((r) => r.reason.split(':')[0]))].join(', ');
    lines.push(`custom vision DR ${region}: ${h}, ${bad.length} project(s) ${states}`);
  }
  return { ...app, health: worst(app.health, dr.health), reasons: [...app.reasons, ...lines], customVisionDr: dr };
}
