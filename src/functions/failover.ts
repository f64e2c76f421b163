/**
 * Failover and routing (docs/failover.md): the durable registrations of the failover
 * orchestration and its activities, `POST/GET /api/failovers`, `GET /api/routing`.
 * Triggers only parse, call and respond.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { customVisionRoutes } from '../activities/customVisionProjectDr';
import { bindActivities, bindOrchestrator } from '../durable/register';
import type { FailoverInput, FailoverOutput } from '../failover/contracts';
import { FailoverActivities, FailoverOrchestrators } from '../failover/registry';
import { buildRoutes, findRoute } from '../failover/routing';
import { echo, invalidRequestBody, readBodyText, tooLargeBody } from '../http/limits';
import { parseFailoverRequest } from '../http/failoverRequest';
import type { FailoverRecord } from '../ledger/failovers';
import { failoverOrchestrator } from '../orchestrators/failover';
import { instanceIdProblem } from '../replication/instanceIds';
import { guardHttp, ledgerUnavailableResponse } from './configurationErrors';
import type { AppDependencies } from './dependencies';
import { findInstanceStatus, type InstanceStatus } from './durableStatus';
import { json } from './httpResponse';
import { refuseCrossSiteRequest } from '../http/requestGate';
import { readOnlyMarks } from '../ledger/access';
import type { Ledger } from '../ledger/connect';
import { leaseHolderIsLive, newRunId, RUNNING } from './replication';

const MAX_LIST = 100;

/** The routing as it is now, from the ledger (the document clients read is the last published one). */
export async function currentRoutes(
  deps: AppDependencies,
  ledger: Ledger,
): Promise<{ primary: string; epoch: number; models: ReturnType<typeof buildRoutes> }> {
  const [{ state }, { records, verifications }] = await Promise.all([
    ledger.primary.read(deps.settings.source.region),
    ledger.replicas.listAllVerified(),
  ]);
  const members = [...deps.replication.members.values()].map((m) => ({
    region: m.settings.region,
    endpoint: m.settings.endpoint,
  }));
  return {
    primary: state.primary,
    epoch: state.epoch,
    models: buildRoutes(records, members, state.home, state.primary, verifications),
  };
}

export function registerFailoverFunctions(current: () => AppDependencies): void {
  bindOrchestrator(FailoverOrchestrators.failover, failoverOrchestrator);
  bindActivities(FailoverActivities, () => current().activities.failover);

  const statusUrl = (id: string): string => `${current().publicOrigin ?? ''}/api/failovers/${encodeURIComponent(id)}`;

  df.app.client.http('startFailover', {
    route: 'failovers',
    methods: ['POST'],
    authLevel: 'function',
    handler: guardHttp(
      current,
      'http:startFailover',
      async (request: HttpRequest, client: df.DurableClient, context: InvocationContext): Promise<HttpResponseInit> => {
        const deps = current();
        const crossSite = refuseCrossSiteRequest(request, deps.publicOrigin);
        if (crossSite) return crossSite;
        const body = await readBodyText(request);
        if (!body.ok) return json(413, tooLargeBody());
        // A failover writes the ledger (the primary, routing, its record): refused while it is read-only.
        const refused = await deps.ledgerAccess().writeRefusal();
        if (refused !== undefined)
          return json(
            503,
            { error: `failover not started: ${refused}`, ledgerReadOnly: true },
            { 'Retry-After': '30' },
          );
        const ledger = await deps.replication.ledger();
        const { state } = await ledger.primary.read(deps.settings.source.region);
        const parsed = parseFailoverRequest(body.text, [...deps.replication.members.keys()], state.primary);
        if (!parsed.ok) return json(400, invalidRequestBody(parsed.problems));
        const nowMs = deps.clock.now();
        const id = newRunId('failover', nowMs);
        // The run lease: one failover at a time, never during a replication run (docs/failover.md).
        const lease = await ledger.runLease.acquire(
          id,
          'failover',
          leaseHolderIsLive(deps, client, ledger),
          deps.durableStore,
        );
        if (!lease.acquired) {
          const what = lease.holder.trigger === 'failover' ? 'failover' : 'replication run';
          return json(409, {
            error: `${what} ${lease.holder.runId} is in progress; a failover waits until it ends`,
            running: { id: lease.holder.runId, kind: what, since: lease.holder.acquiredAt },
          });
        }
        const input: FailoverInput = {
          id,
          ...parsed.value,
          from: state.primary,
          requestedAt: new Date(nowMs).toISOString(),
        };
        try {
          await client.startNew(FailoverOrchestrators.failover.name, { instanceId: id, input });
        } catch (e) {
          await ledger.runLease.release(id);
          throw e;
        }
        context.log(
          `started ${input.mode} failover ${id}${input.dryRun ? ' (dry run)' : ''}: ${input.from} → ${input.to}`,
        );
        const url = statusUrl(id);
        return json(202, { id, statusUrl: url }, { Location: url, 'Retry-After': '5' });
      },
    ),
  });

  df.app.client.http('getFailover', {
    route: 'failovers/{id}',
    methods: ['GET'],
    authLevel: 'function',
    handler: guardHttp(
      current,
      'http:getFailover',
      async (request: HttpRequest, client: df.DurableClient): Promise<HttpResponseInit> => {
        const id = request.params.id ?? '';
        const idProblem = instanceIdProblem(id);
        if (idProblem) return json(400, invalidRequestBody([`id: ${idProblem}`]));
        // The record through the ledger's access layer: from the secondary endpoint (marked
        // read-only) while the primary cannot be reached; a 503 naming the storage outage when
        // neither answers — never a 404 for a failover that may exist.
        const read = await current()
          .ledgerAccess()
          .read((ledger) => ledger.failovers.get(id));
        const stored = read.value;
        const marks = readOnlyMarks(read.readOnly);
        let status: InstanceStatus | undefined;
        try {
          status = await findInstanceStatus(client, id);
        } catch (e) {
          // The durable store may live in the same storage account (DURABLE_BACKEND=azureStorage):
          // while the ledger is read from its secondary, the record answers alone.
          if (read.readOnly === undefined) throw e;
          if (!stored)
            return ledgerUnavailableResponse(
              `${read.readOnly.reason}; no record of failover '${echo(id)}' there, and its orchestration status cannot be read`,
              false,
            );
        }
        if (status && status.name !== FailoverOrchestrators.failover.name)
          return json(404, { error: `no failover '${echo(id)}'`, ...marks });
        if (!status && !stored) return json(404, { error: `no failover '${echo(id)}'`, ...marks });
        const done = status?.runtimeStatus === df.OrchestrationRuntimeStatus.Completed;
        const output = done ? (status?.output as FailoverOutput | null) : null;
        const record: FailoverRecord | undefined = output?.record ?? stored;
        const custom = status?.customStatus as { steps?: unknown } | null | undefined;
        const failed =
          status?.runtimeStatus === df.OrchestrationRuntimeStatus.Failed ||
          status?.runtimeStatus === df.OrchestrationRuntimeStatus.Terminated;
        const running = status !== undefined && RUNNING.includes(status.runtimeStatus);
        const statusWord = running ? 'running' : failed ? 'failed' : (record?.status ?? 'running');
        return json(200, {
          id,
          status: statusWord,
          steps: record?.steps ?? custom?.steps ?? [],
          ...(record && !running ? { record } : {}),
          ...marks,
        });
      },
    ),
  });

  app.http('listFailovers', {
    route: 'failovers',
    methods: ['GET'],
    authLevel: 'function',
    handler: guardHttp(current, 'http:listFailovers', async (request: HttpRequest): Promise<HttpResponseInit> => {
      const raw = request.query.get('limit');
      const limit = raw === null ? 20 : Number(raw);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST)
        return json(
          400,
          invalidRequestBody([`limit: must be an integer from 1 to ${MAX_LIST}, got '${echo(raw ?? '')}'`]),
        );
      // From the secondary endpoint (marked read-only) while the ledger's primary cannot be reached.
      const read = await current()
        .ledgerAccess()
        .read((ledger) => ledger.failovers.latest(limit));
      return json(200, { failovers: read.value, ...readOnlyMarks(read.readOnly) });
    }),
  });

  app.http('getRouting', {
    route: 'routing',
    methods: ['GET'],
    authLevel: 'function',
    handler: guardHttp(current, 'http:getRouting', async (): Promise<HttpResponseInit> => {
      const deps = current();
      // Read from the secondary endpoint while the ledger's primary cannot be reached (ledgerReadOnly).
      const read = await deps
        .ledgerAccess()
        .read(async (ledger) => ({ routes: await currentRoutes(deps, ledger), published: await ledger.routing.get() }));
      const { routes, published } = read.value;
      // Custom Vision project DR (when configured): what to call per project and DR region, as recorded now.
      // Read from the ledger's primary: when it cannot be read, the models still answer and the section says so.
      let customVisionProjects: Awaited<ReturnType<typeof customVisionRoutes>> | 'unavailable';
      try {
        customVisionProjects = await customVisionRoutes(deps.customVisionDr, deps.settings.health.rpoHours);
      } catch {
        customVisionProjects = 'unavailable';
      }
      return json(200, {
        primary: routes.primary,
        epoch: routes.epoch,
        ...(published
          ? { published: { version: published.document.version, publishedAt: published.document.publishedAt } }
          : {}),
        models: routes.models,
        ...(customVisionProjects ? { customVisionProjects } : {}),
        ...readOnlyMarks(read.readOnly),
      });
    }),
  });

  // The DR group at a glance (the dashboard's section, refreshed every few seconds): the active
  // primary, since when, and every member with its role. One small ledger read, not the routing table.
  app.http('getDrGroup', {
    route: 'drgroup',
    methods: ['GET'],
    authLevel: 'function',
    handler: guardHttp(current, 'http:getDrGroup', async (): Promise<HttpResponseInit> => {
      const deps = current();
      const read = await deps.ledgerAccess().read((ledger) => ledger.primary.read(deps.settings.source.region));
      const { state } = read.value;
      return json(200, {
        primary: state.primary,
        epoch: state.epoch,
        ...(state.since !== undefined ? { since: state.since } : {}),
        ...(state.failoverId !== undefined ? { failoverId: state.failoverId } : {}),
        home: state.home,
        members: [...deps.replication.members.values()].map((m) => ({
          region: m.settings.region,
          role: m.settings.region === state.primary ? 'primary' : 'standby',
        })),
        ...readOnlyMarks(read.readOnly),
      });
    }),
  });

  app.http('getModelRouting', {
    route: 'routing/{modelId}',
    methods: ['GET'],
    authLevel: 'function',
    handler: guardHttp(current, 'http:getModelRouting', async (request: HttpRequest): Promise<HttpResponseInit> => {
      const modelId = request.params.modelId ?? '';
      if (modelId === '' || modelId.length > 300) return json(400, invalidRequestBody(['modelId: not a model id']));
      const deps = current();
      const read = await deps.ledgerAccess().read((ledger) => currentRoutes(deps, ledger));
      const marks = readOnlyMarks(read.readOnly);
      const route = findRoute(read.value.models, modelId);
      if (!route) return json(404, { error: `no member holds a model '${echo(modelId)}' the ledger knows`, ...marks });
      return json(200, {
        lineage: { id: route.lineage, origin: route.origin, modelId: route.originModelId },
        ...(route.name !== undefined ? { name: route.name } : {}),
        now: route.now ?? null,
        alternates: route.alternates,
        ...marks,
      });
    }),
  });
}
