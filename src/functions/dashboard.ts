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
import { customVisionInput } from '../readModel/load';
import type { AppDependencies } from './dependencies';
import { runningReplication } from './replication';
import { currentRun } from './runStatus';

/**
 * What the dashboard reads, per app instance and ledger: the replica records through a
 * snapshot that re-reads only changed blobs, the last runs through a cache of their reports
 * by ETag, the drill records and the Custom Vision records. From them the read model
 * (src/readModel) is built, as for `GET /api/report` and `/api/health`.
 */
class LedgerDashboard {
  private snapshot?: { ledger: Ledger; replicas: ReplicaSnapshot; runs: RunViewCache };

  constructor(private readonly deps: AppDependencies) {}

  private async views(): Promise<{ ledger: Ledger; replicas: ReplicaSnapshot; runs: RunViewCache }> {
    const ledger = await this.deps.replication.ledger();
    if (this.snapshot?.ledger !== ledger)
      this.snapshot = {
        ledger,
        replicas: new ReplicaSnapshot(ledger.replicas),
        runs: new RunViewCache(ledger.runReports),
      };
    return this.snapshot;
  }

  source(): DashboardSource {
    const deps = this.deps;
    const cv = deps.customVision;
    return {
      regions: () => deps.settings.targets.map((t) => t.region),
      replicas: async () => (await this.views()).replicas.refresh(),
      latestRuns: async (n) => (await this.views()).runs.latest(n),
      drills: async () => (await this.views()).ledger.drills.listAll(),
      ...(cv.settings.backupContainer
        ? { customVision: () => customVisionInput({ settings: cv.settings, records: cv.records }) }
        : {}),
      now: () => deps.clock.now(),
      rpoHours: deps.settings.health.rpoHours,
    };
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
    handler: async (request: HttpRequest): Promise<HttpResponseInit> =>
      dashboardData(request.query, dashboard().source()),
  });

  df.app.client.http('listReplications', {
    route: 'replications',
    methods: ['GET'],
    authLevel: 'function',
    handler: async (request: HttpRequest, client: df.DurableClient): Promise<HttpResponseInit> =>
      listRuns(request.query, dashboard().source(), async () => currentRun(client, await runningReplication(client))),
  });
}
