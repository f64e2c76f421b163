/**
 * Restore drills: durable registrations, the schedule (`DR_DRILL_SCHEDULE`, only when
 * `DR_DRILL_SAMPLES_URL` is set) and the HTTP API (`POST /api/drills`, `GET /api/drills/{id}`).
 * Triggers only parse, call and respond; the work is in src/orchestrators/drillModels.ts and
 * src/activities/drills.
 */
import { type HttpRequest, type HttpResponseInit, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import type { DrillRunInput } from '../drills/contracts';
import { DrillActivities, DrillOrchestrators } from '../drills/registry';
import { bindActivities, bindOrchestrator } from '../durable/register';
import { memberRegions } from '../activities/drills';
import { drillModelOrchestrator, drillModelsOrchestrator } from '../orchestrators/drillModels';
import { echo, invalidRequestBody, readBodyText, tooLargeBody } from '../http/limits';
import type { AppDependencies } from './dependencies';
import { findInstanceStatus } from './durableStatus';
import { refuseCrossSiteRequest } from '../http/requestGate';
import { leaseHolderIsLive } from './replication';

const RUN_ID = /^drill-(schedule|http)-\d{8}T\d{6}Z-[a-z0-9]{6}$/;
const MAX_LIST = 1000;

function newDrillId(trigger: 'schedule' | 'http', nowMs: number): string {
  const stamp = new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `drill-${trigger}-${stamp}-${Math.random().toString(36).slice(2, 8).padEnd(6, '0')}`;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'Cache-Control': 'no-store', ...headers } };
}

/** `{models?: string[], regions?: string[]}`: every problem at once; regions must be members (source or targets). */
export function parseDrillRequest(
  text: string,
  regions: readonly string[],
): { ok: true; value: Pick<DrillRunInput, 'models' | 'regions'> } | { ok: false; problems: string[] } {
  if (text.trim() === '') return { ok: true, value: {} };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, problems: ['the body is not JSON'] };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, problems: ['the body must be an object {models?, regions?}'] };
  const problems: string[] = [];
  const value: Pick<DrillRunInput, 'models' | 'regions'> = {};
  for (const key of Object.keys(body))
    if (key !== 'models' && key !== 'regions') problems.push(`unknown member '${echo(key, 40)}'`);
  const list = (name: 'models' | 'regions'): string[] | undefined => {
    const v = (body as Record<string, unknown>)[name];
    if (v === undefined) return undefined;
    if (
      !Array.isArray(v) ||
      v.length === 0 ||
      v.length > MAX_LIST ||
      !v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 256)
    ) {
      problems.push(`${name} must be a non-empty array of at most ${MAX_LIST} non-empty strings (≤ 256 characters)`);
      return undefined;
    }
    return [...new Set(v as string[])];
  };
  const models = list('models');
  const wanted = list('regions');
  if (wanted) {
    const unknown = wanted.filter((r) => !regions.includes(r));
    if (unknown.length > 0)
      problems.push(
        `regions: ${unknown.map((r) => JSON.stringify(echo(r, 40))).join(', ')} not a member (DR_SOURCE_REGION and DR_TARGETS: ${regions.join(', ')})`,
      );
  }
  if (problems.length > 0) return { ok: false, problems };
  if (models) value.models = models;
  if (wanted) value.regions = wanted;
  return { ok: true, value };
}

/** Why a drill may not start now: the work that holds it back, named. */
export interface DrillBlocker {
  /** `replication`: a replication run holds the run lease; `failover`: a failover holds it. */
  kind: 'replication' | 'failover';
  id: string;
  message: string;
}

/**
 * The hook that says whether a drill may start now (undefined: it may). Decision: **not while a
 * replication run is in progress** — a drill analyzes the replicas the ledger names, and a run may
 * be replacing them (a v2.1 re-copy deletes and re-creates a target model) or recording them, so a
 * drill then could report a good copy as failed; and both would spend the same resources' rate
 * limits. A replication run is never held back by a drill (drills only read; the copy is the
 * job). A failover mode extends this function (one more `kind`), so drills stay off during it.
 */
export async function drillBlocker(deps: AppDependencies, client: df.DurableClient): Promise<DrillBlocker | undefined> {
  const ledger = await deps.replication.ledger();
  const run = await ledger.runLease.get();
  if (!run || !(await leaseHolderIsLive(deps, client, ledger)(run))) return undefined;
  // The run lease is shared by runs and failovers (docs/failover.md): no drill during a failover either.
  return run.trigger === 'failover'
    ? {
        kind: 'failover',
        id: run.runId,
        message: `failover ${run.runId} is in progress: drills do not run during a failover; try again when it ends`,
      }
    : {
        kind: 'replication',
        id: run.runId,
        message: `replication run ${run.runId} is in progress: drills do not run during a replication run; try again when it ends`,
      };
}

type DrillStart =
  { started: true; id: string } | { started: false; running: string } | { started: false; blocked: DrillBlocker };

/**
 * Starts a drill run unless one is in progress (one drill run at a time: concurrent runs would
 * multiply the pages analyzed and the rate-limit load) or the hook says drills may not start now.
 * The timer and HTTP both go through the ledger's drill lease (`locks/drill-run.json`), taken with
 * a conditional write like the replication run lease: of any number of concurrent starters exactly
 * one starts a run, the others learn which one runs.
 */
async function startSingletonDrill(
  deps: AppDependencies,
  client: df.DurableClient,
  trigger: 'schedule' | 'http',
  input: DrillRunInput,
): Promise<DrillStart> {
  const blocked = await drillBlocker(deps, client);
  if (blocked) return { started: false, blocked };
  const id = newDrillId(trigger, deps.clock.now());
  const ledger = await deps.replication.ledger();
  const lease = await ledger.drillLease.acquire(
    id,
    trigger,
    leaseHolderIsLive(deps, client, ledger),
    deps.durableStore,
  );
  if (!lease.acquired) return { started: false, running: lease.holder.runId };
  try {
    await client.startNew(DrillOrchestrators.run.name, { instanceId: id, input });
  } catch (e) {
    await ledger.drillLease.release(id);
    throw e;
  }
  return { started: true, id };
}

export function registerDrillFunctions(current: () => AppDependencies): void {
  bindOrchestrator(DrillOrchestrators.run, drillModelsOrchestrator);
  bindOrchestrator(DrillOrchestrators.model, drillModelOrchestrator);
  bindActivities(DrillActivities, () => current().activities.drills);

  if (current().settings.drills.samples) {
    df.app.client.timer('drillSchedule', {
      schedule: current().settings.drills.schedule,
      handler: async (_timer: Timer, client: df.DurableClient, context: InvocationContext): Promise<void> => {
        if (!current().settings.drills.samples) return;
        const input: DrillRunInput = { trigger: 'schedule' };
        const outcome = await startSingletonDrill(current(), client, 'schedule', input);
        if (!outcome.started) {
          context.log(
            'blocked' in outcome
              ? `${outcome.blocked.message}: this scheduled drill run is skipped`
              : `drill run ${outcome.running} is still in progress: this scheduled drill run is skipped`,
          );
          return;
        }
        context.log(`started scheduled drill run ${outcome.id}`);
      },
    });
  }

  df.app.client.http('startDrills', {
    route: 'drills',
    methods: ['POST'],
    authLevel: 'function',
    handler: async (
      request: HttpRequest,
      client: df.DurableClient,
      context: InvocationContext,
    ): Promise<HttpResponseInit> => {
      const deps = current();
      const refused = refuseCrossSiteRequest(request, deps.publicOrigin);
      if (refused) return refused;
      if (!deps.settings.drills.samples)
        return json(409, {
          error: 'drills are off: DR_DRILL_SAMPLES_URL is not set (configuration)',
          setting: 'DR_DRILL_SAMPLES_URL',
        });
      const body = await readBodyText(request);
      if (!body.ok) return json(413, tooLargeBody());
      const parsed = parseDrillRequest(body.text, memberRegions(deps.settings));
      if (!parsed.ok) return json(400, invalidRequestBody(parsed.problems));
      // A drill records its outcomes in the ledger: with the storage's primary endpoint down it starts nothing.
      const storage = await deps.ledgerAccess().writeRefusal();
      if (storage !== undefined)
        return json(503, { error: `drill run not started: ${storage}`, ledgerReadOnly: true }, { 'Retry-After': '30' });
      const input: DrillRunInput = { trigger: 'http', ...parsed.value };
      const outcome = await startSingletonDrill(deps, client, 'http', input);
      if (!outcome.started) {
        if ('blocked' in outcome)
          return json(409, {
            error: outcome.blocked.message,
            blockedBy: outcome.blocked.kind,
            id: outcome.blocked.id,
            statusUrl:
              outcome.blocked.kind === 'failover'
                ? `/api/failovers/${encodeURIComponent(outcome.blocked.id)}`
                : `/api/replications/${encodeURIComponent(outcome.blocked.id)}`,
          });
        return json(409, {
          error: `drill run ${outcome.running} is in progress: one drill run at a time; try again when it ends`,
          id: outcome.running,
          statusUrl: `/api/drills/${encodeURIComponent(outcome.running)}`,
        });
      }
      const id = outcome.id;
      context.log(`started drill run ${id}`);
      // Relative: never built from the request's Host header (and never the extension's management URLs).
      const statusUrl = `/api/drills/${encodeURIComponent(id)}`;
      return json(202, { id, statusUrl }, { Location: statusUrl, 'Retry-After': '10' });
    },
  });

  df.app.client.http('getDrills', {
    route: 'drills/{id}',
    methods: ['GET'],
    authLevel: 'function',
    handler: async (request: HttpRequest, client: df.DurableClient): Promise<HttpResponseInit> => {
      const id = request.params.id ?? '';
      if (!RUN_ID.test(id)) return json(400, { error: 'invalid request', problems: ['id is not a drill run id'] });
      const status = await findInstanceStatus(client, id, { showInput: true });
      if (!status || status.name !== DrillOrchestrators.run.name) return json(404, { error: `no drill run '${id}'` });
      const body: Record<string, unknown> = {
        id,
        runtimeStatus: status.runtimeStatus,
        createdTime: status.createdTime,
        lastUpdatedTime: status.lastUpdatedTime,
        input: status.input,
        progress: status.customStatus,
      };
      if (status.runtimeStatus === df.OrchestrationRuntimeStatus.Completed) body.summary = status.output;
      if (status.runtimeStatus === df.OrchestrationRuntimeStatus.Failed)
        body.error = String(status.output ?? 'failed').split('\n')[0];
      return json(200, body);
    },
  });
}
