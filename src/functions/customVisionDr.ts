/**
 * Custom Vision project DR: the copy orchestration and its activities, the reconciliation
 * schedule (`CV_DR_SCHEDULE`), and the read API — `GET /api/customvision/projects` (per project
 * and DR region: the DR project, its published iteration, counts, state, last verification,
 * the error) and `GET /api/customvision/projects/{id}/replicas` (what to call in each region).
 * The notification trigger is in ./customVision.ts (after the export backups).
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import {
  requestProjectCopies,
  type CustomVisionDrDeps,
  type ProjectCopyRequest,
  type ProjectCopyStarter,
} from '../activities/customVisionProjectDr';
import { isGuid, scrubSecrets } from '../customVision';
import { CvDrActivities, CvDrOrchestrators } from '../customVisionProjectDr/registry';
import type { CvDrTrigger } from '../customVisionProjectDr/contracts';
import { bindActivities, bindOrchestrator } from '../durable/register';
import { cvDrReplicas, cvDrRows, cvDrSummary, type CvDrProjectRow, type CvDrReplica } from '../health/customVisionDr';
import { customVisionProjectCopyOrchestrator } from '../orchestrators/customVisionProjectCopy';
import type { AppDependencies } from './dependencies';
import { guardHttp } from './configurationErrors';
import { findInstanceStatus } from './durableStatus';
import { json } from './httpResponse';

const ACTIVE = new Set<string>([
  df.OrchestrationRuntimeStatus.Running,
  df.OrchestrationRuntimeStatus.Pending,
  df.OrchestrationRuntimeStatus.ContinuedAsNew,
]);

/** Starts copies over a durable client: one instance per (project, region). */
export function projectCopyStarter(client: df.DurableClient): ProjectCopyStarter {
  return {
    async isActive(instanceId) {
      const s = await findInstanceStatus(client, instanceId);
      return s !== undefined && ACTIVE.has(s.runtimeStatus);
    },
    async start(instanceId, input) {
      try {
        await client.startNew(CvDrOrchestrators.copy.name, { instanceId, input });
        return true;
      } catch (e) {
        // Another trigger started it between the check and this start: it will copy (converged).
        if (/already exists|conflict|409/i.test(e instanceof Error ? e.message : String(e))) return false;
        throw e;
      }
    },
  };
}

/** Starts the DR copies a trigger asks for (the notification or the schedule). */
export async function triggerProjectCopies(
  deps: CustomVisionDrDeps,
  client: df.DurableClient,
  projectIds: readonly string[] | '*',
  trigger: CvDrTrigger,
): Promise<ProjectCopyRequest[]> {
  return requestProjectCopies(deps, projectCopyStarter(client), projectIds, trigger);
}

/** The rows of `GET /api/customvision/projects` (also the dashboard's and `npm run local`'s). */
export async function customVisionDrRows(deps: AppDependencies): Promise<CvDrProjectRow[]> {
  const dr = deps.customVisionDr;
  if (dr.settings.targets.length === 0) return [];
  const records = await (await dr.replicas()).list();
  return cvDrRows(dr.settings, records, deps.clock.now(), deps.settings.health.rpoHours);
}

/** Per region, what to call for one project (the failover lookup; the routing document can include it). */
export async function customVisionProjectReplicas(deps: AppDependencies, projectId: string): Promise<CvDrReplica[]> {
  const dr = deps.customVisionDr;
  const records = await (await dr.replicas()).list(projectId);
  return cvDrReplicas(dr.settings, records, projectId, deps.clock.now(), deps.settings.health.rpoHours);
}

function shown(v: string): string {
  const s = scrubSecrets(v);
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}

export function registerCustomVisionDrFunctions(current: () => AppDependencies): void {
  bindOrchestrator(CvDrOrchestrators.copy, customVisionProjectCopyOrchestrator);
  bindActivities(CvDrActivities, () => current().activities.customVisionDr);

  df.app.client.timer('customVisionDrSchedule', {
    schedule: current().settings.customVisionDr.schedule,
    handler: async (_timer: Timer, client: df.DurableClient, context: InvocationContext): Promise<void> => {
      const deps = current().customVisionDr;
      if (deps.settings.targets.length === 0) return;
      const started = await triggerProjectCopies(deps, client, deps.settings.projects, 'schedule');
      context.log(
        `custom vision DR: ${started.filter((s) => s.result === 'started').length} copy check(s) started, ${started.filter((s) => s.result === 'joined').length} already running`,
      );
    },
  });

  app.http('getCustomVisionDrProjects', {
    route: 'customvision/projects',
    methods: ['GET'],
    authLevel: 'function',
    handler: guardHttp(
      current,
      'http:getCustomVisionDrProjects',
      async (request: HttpRequest): Promise<HttpResponseInit> => {
        const projectId = request.query.get('projectId') ?? undefined;
        if (projectId !== undefined && !isGuid(projectId))
          return json(400, {
            error: 'invalid request',
            problems: [`projectId must be a GUID, got ${shown(projectId)}`],
          });
        const all = await customVisionDrRows(current());
        const rows = projectId ? all.filter((r) => r.projectId === projectId.toLowerCase()) : all;
        return json(200, {
          enabled: current().customVisionDr.settings.targets.length > 0,
          summary: cvDrSummary(rows),
          projects: rows,
        });
      },
    ),
  });

  app.http('getCustomVisionDrReplicas', {
    route: 'customvision/projects/{projectId}/replicas',
    methods: ['GET'],
    authLevel: 'function',
    handler: guardHttp(
      current,
      'http:getCustomVisionDrReplicas',
      async (request: HttpRequest): Promise<HttpResponseInit> => {
        const projectId = request.params.projectId ?? '';
        if (!isGuid(projectId))
          return json(400, {
            error: 'invalid request',
            problems: [`projectId must be a GUID, got ${shown(projectId)}`],
          });
        const deps = current();
        const id = projectId.toLowerCase();
        const s = deps.customVisionDr.settings;
        if (s.targets.length === 0 || (s.projects !== '*' && !s.projects.includes(id)))
          return json(404, { error: `project ${id} is not configured for DR (CV_DR_PROJECTS)` });
        return json(200, { projectId: id, replicas: await customVisionProjectReplicas(deps, id) });
      },
    ),
  });
}
