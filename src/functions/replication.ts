/**
 * Replication: durable registrations, the schedule and the HTTP API, over the app instance's
 * dependencies (read at each invocation through `app`). Triggers only parse, call and
 * respond; the work is in orchestrators and activities.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { parseReplicationRequest } from '../http/replicationRequest';
import { echo, invalidRequestBody, readBodyText, tooLargeBody } from '../http/limits';
import { LedgerKeyError } from '../ledger/errors';
import type { CvDrHealth } from '../health/customVisionDr';
import { assessHealthFromLedger, reportHealth, type LedgerHealth, type ReportHealth } from '../health/ledger';
import { healthHttpResponse } from '../health/health';
import type { ReadinessReport } from '../ledger/readiness';
import { copyModelOrchestrator } from '../orchestrators/copyModel';
import { replicateBatchOrchestrator } from '../orchestrators/replicateBatch';
import { replicateModelsOrchestrator } from '../orchestrators/replicateModels';
import type { RunInput } from '../replication/contracts';
import { Activities, Orchestrators } from '../replication/registry';
import { bindActivities, bindOrchestrator } from '../durable/register';
import type { AppDependencies } from './dependencies';
import { guardHttp } from './configurationErrors';
import { findInstanceStatus } from './durableStatus';
import { instanceIdProblem } from '../replication/instanceIds';
import { liveRunProgress } from './runStatus';
import { json } from './httpResponse';
import { lastDrillOf, withLastDrills } from '../drills/reportView';

const RUNNING = [
  df.OrchestrationRuntimeStatus.Running,
  df.OrchestrationRuntimeStatus.Pending,
  df.OrchestrationRuntimeStatus.ContinuedAsNew,
];

/** A replication run already in progress, if any: runs are singletons (two runs would copy the same pairs twice). */
export async function runningReplication(client: df.DurableClient): Promise<df.DurableOrchestrationStatus | undefined> {
  const running = await client.getStatusBy({ runtimeStatus: RUNNING });
  return running.find((s) => s.name === Orchestrators.replicate.name);
}

/** How long a lease may name a run whose instance does not exist yet (its starter is between lease and start). */
const STARTING_GRACE_MS = 5 * 60_000;

type StartOutcome = { started: true; id: string } | { started: false; running: string };

/**
 * Starts a replication run, unless one is in progress: runs are singletons (two runs would copy
 * the same pairs twice). The timer, HTTP and dry runs all go through the ledger's run lease: a
 * conditional write (ETag) names the one run allowed to start, so of any number of concurrent
 * starters exactly one starts a run and the others are told which one is running. The lease is
 * free again once the run it names is no longer running (Completed, Failed, Terminated), or never
 * started within STARTING_GRACE_MS.
 */
async function startSingletonRun(
  deps: AppDependencies,
  client: df.DurableClient,
  trigger: string,
  input: RunInput,
): Promise<StartOutcome> {
  const id = newRunId(trigger, deps.clock.now());
  const ledger = await deps.replication.ledger();
  const lease = await ledger.runLease.acquire(id, trigger, async (holder) => {
    const status = await findInstanceStatus(client, holder.runId);
    if (!status) return deps.clock.now() - Date.parse(holder.acquiredAt) < STARTING_GRACE_MS;
    return RUNNING.includes(status.runtimeStatus);
  });
  if (!lease.acquired) return { started: false, running: lease.holder.runId };
  try {
    await client.startNew(Orchestrators.replicate.name, { instanceId: id, input });
  } catch (e) {
    await ledger.runLease.release(id);
    throw e;
  }
  return { started: true, id };
}

function newRunId(trigger: string, nowMs: number): string {
  const stamp = new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${trigger}-${stamp}-${Math.random().toString(36).slice(2, 8)}`;
}

export function registerReplicationFunctions(current: () => AppDependencies): void {
  bindOrchestrator(Orchestrators.replicate, replicateModelsOrchestrator);
  bindOrchestrator(Orchestrators.batch, replicateBatchOrchestrator);
  bindOrchestrator(Orchestrators.copy, copyModelOrchestrator);
  bindActivities(Activities, () => current().activities.replication);

  df.app.client.timer('replicationSchedule', {
    schedule: current().settings.schedule,
    handler: async (_timer: Timer, client: df.DurableClient, context: InvocationContext): Promise<void> => {
      const input: RunInput = { trigger: 'schedule' };
      const outcome = await startSingletonRun(current(), client, 'schedule', input);
      if (!outcome.started) {
        context.log(`replication run ${outcome.running} is still in progress: this scheduled run is skipped`);
        return;
      }
      const id = outcome.id;
      context.log(`started scheduled replication run ${id}`);
    },
  });

  /** Built from the configured host name, never from the request's Host header (src/http/publicUrl.ts). */
  function statusPath(_request: HttpRequest, id: string): string {
    return `${current().publicOrigin ?? ''}/api/replications/${encodeURIComponent(id)}`;
  }

  df.app.client.http('startReplication', {
    route: 'replications',
    methods: ['POST'],
    authLevel: 'function',
    handler: guardHttp(
      current,
      'http:startReplication',
      async (request: HttpRequest, client: df.DurableClient, context: InvocationContext): Promise<HttpResponseInit> => {
        const services = current().replication;
        const body = await readBodyText(request);
        if (!body.ok) return json(413, tooLargeBody());
        const parsed = parseReplicationRequest(
          body.text,
          services.settings.targets.map((t) => t.region),
        );
        if (!parsed.ok) return json(400, invalidRequestBody(parsed.problems));
        const input: RunInput = { trigger: 'http', ...parsed.value };
        const outcome = await startSingletonRun(current(), client, parsed.value.dryRun ? 'dryrun' : 'http', input);
        if (!outcome.started) {
          return json(409, {
            error: `replication run ${outcome.running} is in progress; try again when it ends`,
            id: outcome.running,
            statusUrl: statusPath(request, outcome.running),
          });
        }
        const id = outcome.id;
        context.log(`started replication run ${id}${parsed.value.dryRun ? ' (dry run)' : ''}`);
        // Our own status URL, not the extension's management URLs: those carry the task
        // hub's system key, which must not be handed out in a response.
        const statusUrl = statusPath(request, id);
        return json(202, { id, statusUrl, dryRun: parsed.value.dryRun }, { Location: statusUrl, 'Retry-After': '10' });
      },
    ),
  });

  df.app.client.http('getReplication', {
    route: 'replications/{id}',
    methods: ['GET'],
    authLevel: 'function',
    handler: guardHttp(
      current,
      'http:getReplication',
      async (request: HttpRequest, client: df.DurableClient): Promise<HttpResponseInit> => {
        const id = request.params.id ?? '';
        // Checked before any durable call: the id goes into the management API's URL.
        const idProblem = instanceIdProblem(id);
        if (idProblem) return json(400, invalidRequestBody([`id: ${idProblem}`]));
        // Only "no such instance" (the extension's 404) is a 404; any other failure of the status
        // query is the server's (500), never reported as a run that does not exist.
        const status = await findInstanceStatus(client, id, { showInput: true });
        if (!status || status.name !== Orchestrators.replicate.name)
          return json(404, { error: `no replication run '${id}'` });
        const live = await liveRunProgress(client, id, status.customStatus);
        const body: Record<string, unknown> = {
          id,
          runtimeStatus: status.runtimeStatus,
          createdTime: status.createdTime,
          lastUpdatedTime: status.lastUpdatedTime,
          input: status.input,
          progress: live,
        };
        if (status.runtimeStatus === df.OrchestrationRuntimeStatus.Completed) body.summary = status.output;
        if (status.runtimeStatus === df.OrchestrationRuntimeStatus.Failed)
          body.error = String(status.output ?? 'failed').split('\n')[0];
        return json(200, body);
      },
    ),
  });

  app.http('getModelReplicas', {
    route: 'models/{sourceModelId}/replicas',
    methods: ['GET'],
    authLevel: 'function',
    handler: guardHttp(current, 'http:getModelReplicas', async (request: HttpRequest): Promise<HttpResponseInit> => {
      const sourceModelId = request.params.sourceModelId ?? '';
      const services = current().replication;
      const ledger = await services.ledger();
      let records: Awaited<ReturnType<typeof ledger.replicas.listForModel>>;
      try {
        records = await ledger.replicas.listForModel(sourceModelId);
      } catch (e) {
        // An id no ledger key can be built from (e.g. longer than a blob name allows) is the caller's error.
        if (e instanceof LedgerKeyError)
          return json(400, invalidRequestBody([`sourceModelId: not a model id (${sourceModelId.length} characters)`]));
        throw e;
      }
      const byRegion = new Map(records.map((r) => [r.region, r]));
      const drills = new Map(
        (await (await current().drills.drills()).listForModel(sourceModelId)).map((d) => [d.region, d]),
      );
      const nowMs = current().clock.now();
      const replicas = services.settings.targets.map((t) => {
        const r = byRegion.get(t.region);
        return {
          region: t.region,
          endpoint: t.endpoint,
          resourceId: t.resourceId,
          state: r?.state ?? 'missing',
          targetModelId: r?.targetModelId ?? null,
          lastVerifiedAt: r?.lastVerifiedAt ?? null,
          ageSeconds: r?.lastVerifiedAt ? Math.max(0, Math.round((nowMs - Date.parse(r.lastVerifiedAt)) / 1000)) : null,
          lastError: r?.lastError ?? null,
          lastDrill: drills.has(t.region) ? lastDrillOf(drills.get(t.region)!) : null,
        };
      });
      if (records.length === 0)
        return json(404, {
          sourceModelId: echo(sourceModelId),
          error: `no replica recorded for model '${echo(sourceModelId)}'`,
          replicas,
        });
      return json(200, {
        sourceModelId,
        sourceModelName: records.find((r) => r.sourceModelName)?.sourceModelName ?? null,
        source: { region: services.settings.source.region, endpoint: services.settings.source.endpoint },
        replicas,
      });
    }),
  });

  app.http('getReadinessReport', {
    route: 'report',
    methods: ['GET'],
    authLevel: 'function',
    handler: guardHttp(current, 'http:getReadinessReport', async (): Promise<HttpResponseInit> =>
      json(200, await readinessReport(current())),
    ),
  });

  // For probes and uptime checks, which cannot send a function key: anonymous, so the body is
  // health states, counts, ages and reasons per region only (no model ids, endpoints or
  // errors: those are in the keyed /api/report). Ledger only, no service call.
  app.http('getHealth', {
    route: 'health',
    methods: ['GET', 'HEAD'],
    authLevel: 'anonymous',
    handler: guardHttp(
      current,
      'http:getHealth',
      async (request: HttpRequest): Promise<HttpResponseInit> => {
        const app = (await ledgerHealth(current())).app;
        const { status, body } = healthHttpResponse(app);
        // Custom Vision project DR (issue 24): its per-region lines (counts only) and counts.
        if ('customVisionDr' in app) {
          const dr = app.customVisionDr as CvDrHealth;
          body.reasons.push(...app.reasons.filter((r) => r.startsWith('custom vision DR ')));
          (body as typeof body & { customVisionDr?: unknown }).customVisionDr = { health: dr.health, ...dr.summary };
        }
        return request.method === 'HEAD' ? { status, headers: { 'Cache-Control': 'no-store' } } : json(status, body);
      },
      { status: 503, anonymous: true },
    ),
  });
}

/**
 * The readiness report is built from the ledger alone (the last run's view of the source
 * plus the replica records), so it answers even while the source region is down. Its
 * `health` member is the health model's view of it (per pair, per region, the app, the
 * oldest age; see docs/observability.md).
 */
export async function readinessReport(
  deps: AppDependencies,
): Promise<ReadinessReport & { lastRun?: { runId: string; finishedAt: string }; health: ReportHealth }> {
  const { readiness, lastRun, app } = await ledgerHealth(deps);
  return {
    ...readiness,
    ...(lastRun ? { lastRun: { runId: lastRun.runId, finishedAt: lastRun.finishedAt } } : {}),
    health: reportHealth(app),
  };
}

/** The app's health from the ledger (no service call): replicas, the last run's unverified regions, Custom Vision backups. */
export async function ledgerHealth(deps: AppDependencies): Promise<LedgerHealth> {
  const cv = deps.customVision;
  const drills = await (await deps.drills.drills()).listAll();
  return assessHealthFromLedger({
    ledger: await deps.replication.ledger(),
    regions: deps.settings.targets.map((t) => t.region),
    rpoHours: deps.settings.health.rpoHours,
    nowMs: deps.clock.now(),
    ...(cv.settings.backupContainer ? { customVision: { settings: cv.settings, records: cv.records } } : {}),
    customVisionDr: { settings: deps.customVisionDr.settings, replicas: deps.customVisionDr.replicas },
    // The last drill of each pair (restore drills): shown in the report, and judged by the health model.
    decorate: (readiness) => withLastDrills(readiness, drills),
  });
}
