/**
 * The operators' dashboard: `GET /api/dashboard` (the page), `GET /api/dashboard/data`
 * (a page of the readiness matrix with health) and `GET /api/replications` (the run in
 * progress and the last runs), over the app instance's dependencies (read at each
 * invocation through `current`). The handlers are in src/http/dashboard.
 */
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import * as df from 'durable-functions';
import { dashboardData, dashboardPage, listRuns, type DashboardSource } from '../http/dashboard/handlers';
import { ReplicaSnapshot } from '../http/dashboard/matrix';
import { RunViewCache } from '../http/dashboard/runCache';
import type { Ledger } from '../ledger/connect';
import type { RunSummary } from '../replication/contracts';
import { Orchestrators } from '../replication/registry';
import type { AppDependencies } from './dependencies';
import { findInstanceStatus } from './durableStatus';
import { runningReplication } from './replication';
import { currentRun } from './runStatus';
import { guardHttp } from './configurationErrors';
import { readOnlyMarks, type LedgerRead } from '../ledger/access';

/** A dashboard answer read from the secondary endpoint carries `ledgerReadOnly: true` and the reason. */
function markedReadOnly(read: LedgerRead<HttpResponseInit>): HttpResponseInit {
  const response = read.value;
  const body = response.jsonBody as unknown;
  if (!read.readOnly || !body || typeof body !== 'object' || Array.isArray(body)) return response;
  return { ...response, jsonBody: { ...body, ...readOnlyMarks(read.readOnly) } };
}

/** Finished runs whose unverified regions are remembered (their output does not change). */
const KEPT_UNVERIFIED = 64;

/**
 * What the dashboard reads, per app instance and ledger: the replica records through a
 * snapshot that re-reads only changed blobs, the last runs through a cache of their reports
 * by ETag, and the last run's unverified regions from its orchestration output.
 */
class LedgerDashboard {
  private snapshot?: { ledger: Ledger; replicas: ReplicaSnapshot; runs: RunViewCache };
  private readonly unverified = new Map<string, readonly string[]>();

  constructor(private readonly deps: AppDependencies) {}

  private views(ledger: Ledger): { replicas: ReplicaSnapshot; runs: RunViewCache } {
    // One snapshot per ledger: the primary's, or the secondary's while the primary is down.
    if (this.snapshot?.ledger !== ledger)
      this.snapshot = {
        ledger,
        replicas: new ReplicaSnapshot(ledger.replicas),
        runs: new RunViewCache(ledger.runReports),
      };
    return this.snapshot;
  }

  /** What the handlers read, from `ledger` (the one the access layer chose for this request). */
  source(client: df.DurableClient, ledger: Ledger): DashboardSource {
    const deps = this.deps;
    return {
      regions: () => deps.settings.targets.map((t) => t.region),
      replicas: async () => this.views(ledger).replicas.refresh(),
      latestRuns: async (n) => this.views(ledger).runs.latest(n),
      now: () => deps.clock.now(),
      health: {
        rpoHours: deps.settings.health.rpoHours,
        unverifiedRegions: (runId) => this.unverifiedRegions(client, runId),
      },
    };
  }

  /** The regions a finished run could not verify, from its output; none when its history is gone or unreadable. */
  private async unverifiedRegions(client: df.DurableClient, runId: string): Promise<readonly string[]> {
    const known = this.unverified.get(runId);
    if (known) return known;
    let status: Awaited<ReturnType<typeof findInstanceStatus>>;
    try {
      status = await findInstanceStatus(client, runId);
    } catch {
      return []; // not remembered: asked again on the next refresh
    }
    const output = status?.name === Orchestrators.replicate.name ? (status.output as RunSummary | null) : null;
    const regions = Array.isArray(output?.unverifiedRegions)
      ? output.unverifiedRegions.map((u) => u.region).filter((r): r is string => typeof r === 'string')
      : [];
    this.unverified.set(runId, regions);
    while (this.unverified.size > KEPT_UNVERIFIED)
      this.unverified.delete(this.unverified.keys().next().value as string);
    return regions;
  }
}

export function registerDashboardFunctions(current: () => AppDependencies): void {
  const dashboards = new WeakMap<AppDependencies, LedgerDashboard>();
  const dashboard = (): LedgerDashboard => {
    const deps = current();
    let d = dashboards.get(deps);
    if (!d) dashboards.set(deps, (d = new LedgerDashboard(deps)));
    return d;
  };

  app.http('dashboard', {
    route: 'dashboard',
    methods: ['GET'],
    authLevel: 'function',
    handler: async (): Promise<HttpResponseInit> => dashboardPage(),
  });

  df.app.client.http('getDashboardData', {
    route: 'dashboard/data',
    methods: ['GET'],
    authLevel: 'function',
    handler: guardHttp(
      current,
      'http:getDashboardData',
      async (request: HttpRequest, client: df.DurableClient): Promise<HttpResponseInit> =>
        markedReadOnly(
          await current()
            .ledgerAccess()
            .read((ledger) => dashboardData(request.query, dashboard().source(client, ledger))),
        ),
    ),
  });

  df.app.client.http('listReplications', {
    route: 'replications',
    methods: ['GET'],
    authLevel: 'function',
    handler: guardHttp(
      current,
      'http:listReplications',
      async (request: HttpRequest, client: df.DurableClient): Promise<HttpResponseInit> =>
        markedReadOnly(
          await current()
            .ledgerAccess()
            .read((ledger) =>
              listRuns(request.query, dashboard().source(client, ledger), async () =>
                currentRun(client, await runningReplication(client)),
              ),
            ),
        ),
    ),
  });
}
