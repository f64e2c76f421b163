/**
 * The dashboard's HTTP handlers, over what they read (the ledger, the clock, the running
 * run): src/functions/dashboard.ts registers them with the app's dependencies; tests can
 * serve them over any source.
 */
import type { HttpResponseInit } from '@azure/functions';
import type { DrillRecord } from '../../ledger/drills';
import type { ModelReplicaRecord } from '../../ledger/replicas';
import type { RegionVerification } from '../../ledger/verifications';
import { buildReadModel, type ReadModel, type ReadModelInput } from '../../readModel/model';
import { pageOf } from './matrix';
import { DASHBOARD_HEADERS, DASHBOARD_HTML } from './page';
import { parseMatrixQuery, parseRunsQuery } from './query';
import type { CurrentRun, RunView } from './runs';

export interface DashboardSource {
  /** The configured target regions, in order. */
  regions(): readonly string[];
  /** Every replica record of the ledger. */
  replicas(): Promise<ModelReplicaRecord[]>;
  /** The `n` most recently started runs, newest first. */
  latestRuns(n: number): Promise<RunView[]>;
  /** Every drill record (the last drill of each pair). */
  drills(): Promise<readonly DrillRecord[]>;
  /** The region verification documents `replicas()` applied (they also verify a lineage's origin). */
  verifications?(): readonly RegionVerification[];
  /** The DR group: members, the primary document, the failover records (the columns are its standbys). */
  members?(): Promise<NonNullable<ReadModelInput['members']>>;
  /** The Custom Vision backup records, when backups are configured. */
  customVision?(): Promise<NonNullable<ReadModelInput['customVision']>>;
  /** The Custom Vision DR project records, when project DR is configured (`CV_DR_TARGETS`). */
  customVisionDr?(): Promise<NonNullable<ReadModelInput['customVisionDr']>>;
  now(): number;
  rpoHours: number;
}

function json(status: number, body: unknown): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } };
}

export function dashboardPage(): HttpResponseInit {
  return { status: 200, body: DASHBOARD_HTML, headers: { ...DASHBOARD_HEADERS } };
}

/**
 * A built matrix is reused for this long while its inputs are the same (the same replica
 * snapshot, last run, regions, RPO): at 5 000 × 8 building it costs about a second, and the
 * page asks for it on every refresh, search and filter. The page shows the data's time.
 */
export const MATRIX_REUSE_MS = 15_000;

interface BuiltMatrix {
  inputs: string;
  at: number;
  model: ReadModel;
}
const built = new WeakMap<readonly ModelReplicaRecord[], BuiltMatrix>();

/**
 * `GET /api/dashboard/data?limit=&cursor=&state=&q=`: one page of the read model's matrix with
 * the totals and health — the same model as `GET /api/report` and `/api/health`
 * (src/readModel), from the dashboard's cached sources.
 */
export async function dashboardData(query: URLSearchParams, source: DashboardSource): Promise<HttpResponseInit> {
  const parsed = parseMatrixQuery(query);
  if (!parsed.ok) return json(400, { error: 'invalid request', problems: parsed.problems });
  const [replicas, latest, drills, customVision, members, customVisionDr] = await Promise.all([
    source.replicas(),
    source.latestRuns(10),
    source.drills(),
    source.customVision?.(),
    source.members?.(),
    source.customVisionDr?.(),
  ]);
  const verifications = source.verifications?.() ?? [];
  const lastRun = latest.find((r) => !r.dryRun);
  const now = source.now();
  const regions = source.regions();
  const inputs = JSON.stringify([
    lastRun?.runId,
    lastRun?.finishedAt,
    lastRun?.facts,
    regions,
    source.rpoHours,
    drills.map((d) => [d.sourceModelId, d.region, d.at, d.outcome]),
    customVision ?? null,
    members ? [members.regions, members.primary, members.failovers.map((f) => [f.id, f.status, f.finishedAt])] : null,
    verifications.map((v) => [v.region, v.runId, v.verifiedAt]),
    customVisionDr?.records ?? null,
  ]);
  let matrix = built.get(replicas);
  if (!matrix || matrix.inputs !== inputs || now < matrix.at || now - matrix.at >= MATRIX_REUSE_MS) {
    const model = buildReadModel({
      regions,
      rpoHours: source.rpoHours,
      now,
      replicas,
      verifications,
      drills,
      ...(lastRun ? { lastRun: lastRun.facts } : {}),
      ...(customVision ? { customVision } : {}),
      ...(members ? { members } : {}),
      ...(customVisionDr ? { customVisionDr } : {}),
    });
    matrix = { inputs, at: now, model };
    built.set(replicas, matrix);
  }
  return json(200, pageOf(matrix.model, parsed.value));
}

/** `GET /api/replications?limit=`: the run in progress (live counts) and the last runs from the ledger. */
export async function listRuns(
  query: URLSearchParams,
  source: Pick<DashboardSource, 'latestRuns' | 'now'>,
  current: () => Promise<CurrentRun | undefined>,
): Promise<HttpResponseInit> {
  const parsed = parseRunsQuery(query);
  if (!parsed.ok) return json(400, { error: 'invalid request', problems: parsed.problems });
  const [views, running] = await Promise.all([source.latestRuns(parsed.value.limit), current()]);
  return json(200, {
    generatedAt: new Date(source.now()).toISOString(),
    current: running ?? null,
    runs: views.map((v) => v.item),
  });
}
