/**
 * Replication: durable registrations, the schedule and the HTTP API, over the app instance's
 * dependencies (read at each invocation through `app`). Triggers only parse, call and
 * respond; the work is in orchestrators and activities.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { parseReplicationRequest } from '../http/replicationRequest';
import { LedgerKeyError } from '../ledger/errors';
import { buildReadinessReport, type SourceModelInfo as ReadinessModel } from '../ledger/readiness';
import { copyModelOrchestrator } from '../orchestrators/copyModel';
import { replicateBatchOrchestrator } from '../orchestrators/replicateBatch';
import { replicateModelsOrchestrator } from '../orchestrators/replicateModels';
import type { RunInput, RunProgress } from '../replication/contracts';
import { Activities, Orchestrators } from '../replication/registry';
import { bindActivities, bindOrchestrator } from '../durable/register';
import type { AppDependencies } from './dependencies';
import { findInstanceStatus } from './durableStatus';
import { batchInstanceId } from '../replication/policy';
import { lastDrillOf, withLastDrills } from '../drills/reportView';

const RUNNING = [
  df.OrchestrationRuntimeStatus.Running,
  df.OrchestrationRuntimeStatus.Pending,
  df.OrchestrationRuntimeStatus.ContinuedAsNew,
];

/** A replication run already in progress, if any: runs are singletons (two runs would copy the same pairs twice). */
async function runningReplication(client: df.DurableClient): Promise<df.DurableOrchestrationStatus | undefined> {
  const running = await client.getStatusBy({ runtimeStatus: RUNNING });
  return running.find((s) => s.name === Orchestrators.replicate.name);
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
      const running = await runningReplication(client);
      if (running) {
        context.log(
          `replication run ${running.instanceId} is still ${running.runtimeStatus}: this scheduled run is skipped`,
        );
        return;
      }
      const input: RunInput = { trigger: 'schedule' };
      const id = await client.startNew(Orchestrators.replicate.name, {
        instanceId: newRunId('schedule', current().clock.now()),
        input,
      });
      context.log(`started scheduled replication run ${id}`);
    },
  });

  function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
    return { status, jsonBody: body, headers: { 'Cache-Control': 'no-store', ...headers } };
  }

  function statusPath(request: HttpRequest, id: string): string {
    const url = new URL(request.url);
    return `${url.origin}/api/replications/${encodeURIComponent(id)}`;
  }

  df.app.client.http('startReplication', {
    route: 'replications',
    methods: ['POST'],
    authLevel: 'function',
    handler: async (
      request: HttpRequest,
      client: df.DurableClient,
      context: InvocationContext,
    ): Promise<HttpResponseInit> => {
      const services = current().replication;
      const parsed = parseReplicationRequest(
        await request.text(),
        services.settings.targets.map((t) => t.region),
      );
      if (!parsed.ok) return json(400, { error: 'invalid request', problems: parsed.problems });
      const running = await runningReplication(client);
      if (running) {
        return json(409, {
          error: `replication run ${running.instanceId} is in progress; try again when it ends`,
          id: running.instanceId,
          statusUrl: statusPath(request, running.instanceId),
        });
      }
      const input: RunInput = { trigger: 'http', ...parsed.value };
      const id = await client.startNew(Orchestrators.replicate.name, {
        instanceId: newRunId(parsed.value.dryRun ? 'dryrun' : 'http', current().clock.now()),
        input,
      });
      context.log(`started replication run ${id}${parsed.value.dryRun ? ' (dry run)' : ''}`);
      // Our own status URL, not the extension's management URLs: those carry the task
      // hub's system key, which must not be handed out in a response.
      const statusUrl = statusPath(request, id);
      return json(202, { id, statusUrl, dryRun: parsed.value.dryRun }, { Location: statusUrl, 'Retry-After': '10' });
    },
  });

  df.app.client.http('getReplication', {
    route: 'replications/{id}',
    methods: ['GET'],
    authLevel: 'function',
    handler: async (request: HttpRequest, client: df.DurableClient): Promise<HttpResponseInit> => {
      const id = request.params.id ?? '';
      // Only "no such instance" (the extension's 404) is a 404; any other failure of the status
      // query is the server's (500), never reported as a run that does not exist.
      const status = await findInstanceStatus(client, id, { showInput: true });
      if (!status || status.name !== Orchestrators.replicate.name)
        return json(404, { error: `no replication run '${id}'` });
      const progress = (status.customStatus ?? undefined) as RunProgress | undefined;
      const live = progress && progress.phase === 'copying' ? await liveProgress(client, id, progress) : progress;
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
  });

  /** Per-pair progress while copying: the run counts finished batches, the batches count pairs. */
  async function liveProgress(client: df.DurableClient, runId: string, progress: RunProgress): Promise<RunProgress> {
    const live = { ...progress, done: 0, copied: 0, failed: 0 };
    for (let i = 0; i < progress.batches; i++) {
      try {
        const batch = await client.getStatus(batchInstanceId(runId, i));
        const s = batch.customStatus as { done?: number; copied?: number; failed?: number } | undefined;
        live.done += s?.done ?? 0;
        live.copied += s?.copied ?? 0;
        live.failed += s?.failed ?? 0;
      } catch {
        // not started yet
      }
    }
    return live;
  }

  app.http('getModelReplicas', {
    route: 'models/{sourceModelId}/replicas',
    methods: ['GET'],
    authLevel: 'function',
    handler: async (request: HttpRequest): Promise<HttpResponseInit> => {
      const sourceModelId = request.params.sourceModelId ?? '';
      const services = current().replication;
      const ledger = await services.ledger();
      let records: Awaited<ReturnType<typeof ledger.replicas.listForModel>>;
      try {
        records = await ledger.replicas.listForModel(sourceModelId);
      } catch (e) {
        // An id no ledger key can be built from (e.g. longer than a blob name allows) is the caller's error.
        if (e instanceof LedgerKeyError)
          return json(400, {
            error: 'invalid request',
            problems: [`sourceModelId: not a model id (${sourceModelId.length} characters)`],
          });
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
        return json(404, { sourceModelId, error: `no replica recorded for model '${sourceModelId}'`, replicas });
      return json(200, {
        sourceModelId,
        sourceModelName: records.find((r) => r.sourceModelName)?.sourceModelName ?? null,
        source: { region: services.settings.source.region, endpoint: services.settings.source.endpoint },
        replicas,
      });
    },
  });

  app.http('getReadinessReport', {
    route: 'report',
    methods: ['GET'],
    authLevel: 'function',
    handler: async (): Promise<HttpResponseInit> => json(200, await readinessReport(current())),
  });
}

/**
 * The readiness report is built from the ledger alone (the last run's view of the
 * source plus the replica records), so it answers even while the source region is down.
 */
export async function readinessReport(
  deps: AppDependencies,
): Promise<ReturnType<typeof buildReadinessReport> & { lastRun?: { runId: string; finishedAt: string } }> {
  const services = deps.replication;
  const ledger = await services.ledger();
  const [replicas, latest] = await Promise.all([ledger.replicas.listAll(), ledger.runReports.latest(10)]);
  const lastRun = latest.find((r) => !r.dryRun);
  const models = new Map<string, ReadinessModel>();
  for (const r of replicas)
    models.set(r.sourceModelId, {
      modelId: r.sourceModelId,
      status: 'ready',
      ...(r.sourceModelName ? { modelName: r.sourceModelName } : {}),
    });
  if (lastRun) {
    for (const p of lastRun.pairs)
      if (!models.has(p.sourceModelId)) models.set(p.sourceModelId, { modelId: p.sourceModelId, status: 'ready' });
    for (const id of lastRun.invalidModels) models.set(id, { modelId: id, status: 'invalid' });
    for (const id of lastRun.creatingModels) models.set(id, { modelId: id, status: 'creating' });
  }
  const report = buildReadinessReport({
    sourceModels: [...models.values()],
    replicas,
    regions: services.settings.targets.map((t) => t.region),
    now: deps.clock.now(),
  });
  const drills = await (await deps.drills.drills()).listAll();
  return {
    ...withLastDrills(report, drills),
    ...(lastRun ? { lastRun: { runId: lastRun.runId, finishedAt: lastRun.finishedAt } } : {}),
  };
}
