/**
 * The operators' dashboard: `GET /api/dashboard` (the page), `GET /api/dashboard/data`
 * (a page of the readiness matrix) and `GET /api/replications` (the run in progress and
 * the last runs). The handlers are in src/http/dashboard; this file only wires them to the
 * app's services, as src/functions/replication.ts does.
 */
import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import * as df from 'durable-functions';
import { getServices } from '../activities/services';
import {
  dashboardData,
  dashboardPage,
  listRuns,
  type CurrentRun,
  type DashboardSource,
} from '../http/dashboard/handlers';
import { snapshotFor } from '../http/dashboard/matrix';
import { Orchestrators, type RunInput, type RunProgress } from '../replication/contracts';
import { batchInstanceId } from '../replication/policy';
import { now } from '../runtime/time';

const RUNNING = new Set<string>([
  df.OrchestrationRuntimeStatus.Running,
  df.OrchestrationRuntimeStatus.Pending,
  df.OrchestrationRuntimeStatus.ContinuedAsNew,
]);

function ledgerSource(): DashboardSource {
  const services = getServices();
  return {
    regions: () => services.settings.targets.map((t) => t.region),
    replicas: async () => snapshotFor(await services.ledger()).refresh(),
    latestRuns: async (n) => (await services.ledger()).runReports.latest(n),
    now,
  };
}

/** The replication run in progress with per-pair counts while copying (the batches count pairs). */
async function currentRun(client: df.DurableClient): Promise<CurrentRun | undefined> {
  const running = await client.getStatusBy({ runtimeStatus: [...RUNNING] as df.OrchestrationRuntimeStatus[] });
  const status = running.find((s) => s.name === Orchestrators.replicate);
  if (!status) return undefined;
  const full = await client.getStatus(status.instanceId, { showInput: true });
  let progress = (full.customStatus ?? undefined) as RunProgress | undefined;
  if (progress && progress.phase === 'copying') {
    const live = { ...progress, done: 0, copied: 0, failed: 0 };
    for (let i = 0; i < progress.batches; i++) {
      try {
        const s = (await client.getStatus(batchInstanceId(status.instanceId, i))).customStatus as
          { done?: number; copied?: number; failed?: number } | undefined;
        live.done += s?.done ?? 0;
        live.copied += s?.copied ?? 0;
        live.failed += s?.failed ?? 0;
      } catch {
        // batch not started yet
      }
    }
    progress = live;
  }
  return {
    id: status.instanceId,
    runtimeStatus: String(full.runtimeStatus),
    createdTime: new Date(full.createdTime).toISOString(),
    lastUpdatedTime: new Date(full.lastUpdatedTime).toISOString(),
    dryRun: (full.input as RunInput | undefined)?.dryRun === true,
    ...(progress ? { progress } : {}),
  };
}

app.http('dashboard', {
  route: 'dashboard',
  methods: ['GET'],
  authLevel: 'function',
  handler: async (): Promise<HttpResponseInit> => dashboardPage(),
});

app.http('getDashboardData', {
  route: 'dashboard/data',
  methods: ['GET'],
  authLevel: 'function',
  handler: async (request: HttpRequest): Promise<HttpResponseInit> => dashboardData(request.query, ledgerSource()),
});

df.app.client.http('listReplications', {
  route: 'replications',
  methods: ['GET'],
  authLevel: 'function',
  handler: async (request: HttpRequest, client: df.DurableClient): Promise<HttpResponseInit> =>
    listRuns(request.query, ledgerSource(), () => currentRun(client)),
});
