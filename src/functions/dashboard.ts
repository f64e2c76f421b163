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
import { customVisionInput, membersInput, membersOf } from '../readModel/load';
import { CvProjectReplicaRepository } from '../ledger/customVisionProjects';
import type { AppDependencies } from './dependencies';
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

/**
 * What the dashboard reads, per app instance and ledger: the replica records through a
 * snapshot that re-reads only changed blobs, the last runs through a cache of their reports
 * by ETag, the drill records and the Custom Vision records. From them the read model
 * (src/readModel) is built, as for `GET /api/report` and `/api/health`.
 */
class LedgerDashboard {
  private snapshot?: { ledger: Ledger; replicas: ReplicaSnapshot; runs: RunViewCache };

  constructor(private readonly deps: AppDependencies) {}

  private views(ledger: Ledger): { ledger: Ledger; replicas: ReplicaSnapshot; runs: RunViewCache } {
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
  source(ledger: Ledger): DashboardSource {
    const deps = this.deps;
    const cv = deps.customVision;
    const members = membersOf(deps.settings);
    return {
      regions: () => deps.settings.targets.map((t) => t.region),
      replicas: async () => this.views(ledger).replicas.refresh(),
      verifications: () => this.views(ledger).replicas.lastVerifications(),
      // The DR group from the same ledger: the matrix's columns are the active primary's standbys.
      members: () => membersInput(ledger, members),
      latestRuns: async (n) => this.views(ledger).runs.latest(n),
      drills: async () => this.views(ledger).ledger.drills.listAll(),
      ...(cv.settings.backupContainer
        ? { customVision: () => customVisionInput({ settings: cv.settings, records: cv.records }) }
        : {}),
      ...(deps.customVisionDr.settings.targets.length > 0
        ? {
            customVisionDr: async () => ({
              settings: deps.customVisionDr.settings,
              records: await new CvProjectReplicaRepository(ledger.container, { clock: deps.clock }).list(),
            }),
          }
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
    handler: guardHttp(current, 'http:getDashboardData', async (request: HttpRequest): Promise<HttpResponseInit> =>
      markedReadOnly(
        await current()
          .ledgerAccess()
          .read((ledger) => dashboardData(request.query, dashboard().source(ledger))),
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
              listRuns(request.query, dashboard().source(ledger), async () =>
                currentRun(client, await runningReplication(client)),
              ),
            ),
        ),
    ),
  });
}
