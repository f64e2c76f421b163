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
import { drillModelOrchestrator, drillModelsOrchestrator } from '../orchestrators/drillModels';
import { echo, invalidRequestBody, readBodyText, tooLargeBody } from '../http/limits';
import type { AppDependencies } from './dependencies';
import { findInstanceStatus } from './durableStatus';

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

/** `{models?: string[], regions?: string[]}`: every problem at once; regions must be configured targets. */
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
        `regions: ${unknown.map((r) => JSON.stringify(echo(r, 40))).join(', ')} not configured (DR_TARGETS has ${regions.join(', ')})`,
      );
  }
  if (problems.length > 0) return { ok: false, problems };
  if (models) value.models = models;
  if (wanted) value.regions = wanted;
  return { ok: true, value };
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
        const id = await client.startNew(DrillOrchestrators.run.name, {
          instanceId: newDrillId('schedule', current().clock.now()),
          input,
        });
        context.log(`started scheduled drill run ${id}`);
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
      if (!deps.settings.drills.samples)
        return json(409, {
          error: 'drills are off: DR_DRILL_SAMPLES_URL is not set (configuration)',
          setting: 'DR_DRILL_SAMPLES_URL',
        });
      const body = await readBodyText(request);
      if (!body.ok) return json(413, tooLargeBody());
      const parsed = parseDrillRequest(
        body.text,
        deps.settings.targets.map((t) => t.region),
      );
      if (!parsed.ok) return json(400, invalidRequestBody(parsed.problems));
      const input: DrillRunInput = { trigger: 'http', ...parsed.value };
      const id = await client.startNew(DrillOrchestrators.run.name, {
        instanceId: newDrillId('http', deps.clock.now()),
        input,
      });
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
