/**
 * The dashboard's HTTP handlers, over what they read (the ledger, the clock, the running
 * run): src/functions/dashboard.ts registers them with the app's services; tests can serve
 * them over any source.
 */
import type { HttpResponseInit } from '@azure/functions';
import { buildReadinessReport } from '../../ledger/readiness';
import type { ReplicaRecord } from '../../ledger/replicas';
import type { RunReport } from '../../ledger/runReports';
import type { RunProgress } from '../../replication/contracts';
import { pageOf, sourceModelsOf } from './matrix';
import { DASHBOARD_HEADERS, DASHBOARD_HTML } from './page';
import { parseMatrixQuery, parseRunsQuery } from './query';
import { runListItem } from './runs';

export interface DashboardSource {
  /** The configured target regions, in order. */
  regions(): readonly string[];
  /** Every replica record of the ledger. */
  replicas(): Promise<ReplicaRecord[]>;
  /** The `n` most recently started runs' reports, newest first. */
  latestRuns(n: number): Promise<RunReport[]>;
  now(): number;
}

export interface CurrentRun {
  id: string;
  runtimeStatus: string;
  createdTime: string;
  lastUpdatedTime: string;
  dryRun: boolean;
  progress?: RunProgress;
}

function json(status: number, body: unknown): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } };
}

export function dashboardPage(): HttpResponseInit {
  return { status: 200, body: DASHBOARD_HTML, headers: { ...DASHBOARD_HEADERS } };
}

/** `GET /api/dashboard/data?limit=&cursor=&state=&q=`: one page of the matrix with the totals. */
export async function dashboardData(query: URLSearchParams, source: DashboardSource): Promise<HttpResponseInit> {
  const parsed = parseMatrixQuery(query);
  if (!parsed.ok) return json(400, { error: 'invalid request', problems: parsed.problems });
  const [replicas, latest] = await Promise.all([source.replicas(), source.latestRuns(10)]);
  const lastRun = latest.find((r) => !r.dryRun);
  const report = buildReadinessReport({
    sourceModels: sourceModelsOf(replicas, lastRun),
    replicas,
    regions: source.regions(),
    now: source.now(),
  });
  return json(200, pageOf(report, parsed.value, lastRun));
}

/** `GET /api/replications?limit=`: the run in progress (live counts) and the last runs from the ledger. */
export async function listRuns(
  query: URLSearchParams,
  source: Pick<DashboardSource, 'latestRuns' | 'now'>,
  current: () => Promise<CurrentRun | undefined>,
): Promise<HttpResponseInit> {
  const parsed = parseRunsQuery(query);
  if (!parsed.ok) return json(400, { error: 'invalid request', problems: parsed.problems });
  const [reports, running] = await Promise.all([source.latestRuns(parsed.value.limit), current()]);
  return json(200, {
    generatedAt: new Date(source.now()).toISOString(),
    current: running ?? null,
    runs: reports.map(runListItem),
  });
}
