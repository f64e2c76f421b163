/**
 * Custom Vision: the notification queue function, the per-iteration backup orchestration
 * and its activities, and the HTTP read API. Triggers only parse, call and respond; the
 * work is in src/activities/customVisionNotifications.ts (the queue) and customVisionBackup.ts
 * (the activities).
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import * as cv from '../activities/customVisionNotifications';
import { replayNotifications } from '../activities/customVisionReplay';
import { MAX_REPLAY_BODY_BYTES, parseReplayRequest } from '../http/customVisionReplayRequest';
import { echo, invalidRequestBody, readBodyText, tooLargeBody } from '../http/limits';
import { once, unknownParams } from '../http/queryParams';
import { scrubSecrets } from '../common/secrets';
import { isGuid } from '../customVision';
import type { AppLogger } from '../runtime/logger';
import { CV_EXPORT_EVENT, type CustomVisionBackupInput, type ExportEventData } from '../customVisionBackup/contracts';
import { CvActivities, CvOrchestrators } from '../customVisionBackup/registry';
import { bindActivities, bindOrchestrator } from '../durable/register';
import type { AppDependencies } from './dependencies';
import { guardHttp, reportConfigurationError } from './configurationErrors';
import { findInstanceStatus } from './durableStatus';
import { json } from './httpResponse';
import { customVisionBackupOrchestrator } from '../orchestrators/customVisionBackup';
import { refuseCrossSiteRequest } from '../http/requestGate';
import { isConfiguredProject } from '../activities/customVisionProjectDr';
import { triggerProjectCopies } from './customVisionDr';

const ACTIVE = new Set<string>([
  df.OrchestrationRuntimeStatus.Running,
  df.OrchestrationRuntimeStatus.Pending,
  df.OrchestrationRuntimeStatus.ContinuedAsNew,
]);

function orchestrations(client: df.DurableClient, current: () => AppDependencies): cv.BackupOrchestrations {
  return {
    async projectDr(projectId: string): Promise<number> {
      const dr = current().customVisionDr;
      if (!isConfiguredProject(dr.settings, projectId)) return 0;
      return (await triggerProjectCopies(dr, client, [projectId], 'notification')).length;
    },
    async startIfAbsent(instanceId: string, input: CustomVisionBackupInput): Promise<boolean> {
      if (await findInstanceStatus(client, instanceId)) return false;
      await client.startNew(CvOrchestrators.backup.name, { instanceId, input });
      return true;
    },
    async raiseIfWaiting(instanceId: string, data: ExportEventData): Promise<boolean> {
      const s = await findInstanceStatus(client, instanceId);
      if (!s || !ACTIVE.has(s.runtimeStatus)) return false;
      await client.raiseEvent(instanceId, CV_EXPORT_EVENT, data);
      return true;
    },
  };
}

export function registerCustomVisionFunctions(current: () => AppDependencies): void {
  bindOrchestrator(CvOrchestrators.backup, customVisionBackupOrchestrator);
  bindActivities(CvActivities, () => current().activities.customVision);
  const queueName = current().settings.customVision.notificationQueue;

  df.app.client.storageQueue('customVisionNotifications', {
    queueName,
    connection: 'AzureWebJobsStorage',
    handler: async (message: unknown, client: df.DurableClient, context: InvocationContext): Promise<void> => {
      const meta = cv.queueMessageMeta(context.triggerMetadata as Record<string, unknown> | undefined, queueName);
      const log: AppLogger = {
        log: (m: string) => context.log(scrubSecrets(m)),
        warn: (m: string) => context.warn(scrubSecrets(m)),
        error: (m: string) => context.error(scrubSecrets(m)),
      };
      try {
        await cv.handleNotification(current().customVision, message, meta, orchestrations(client, current), log);
      } catch (e) {
        reportConfigurationError(current, 'queue:customVisionNotifications', e);
        // Transient: the host releases the message and retries it; after maxDequeueCount it goes to `<queue>-poison` as it was.
        context.error(
          `notification ${meta.id ?? ''} (dequeue count ${meta.dequeueCount ?? '?'}) failed, will be retried: ${scrubSecrets(e instanceof Error ? `${e.name}: ${e.message}` : String(e))}`,
        );
        throw e instanceof Error ? new Error(scrubSecrets(e.message)) : new Error('notification processing failed');
      }
    },
  });

  function shown(v: string): string {
    return JSON.stringify(echo(scrubSecrets(v), 60));
  }

  function limitOf(request: HttpRequest, problems: string[]): number {
    const raw = once(request.query, 'limit', problems);
    if (raw === undefined || raw === '') return 100;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 1000) {
      problems.push(`limit must be an integer from 1 to 1000, got ${shown(raw)}`);
      return 100;
    }
    return n;
  }

  app.http('getCustomVisionBackups', {
    route: 'customvision/backups',
    methods: ['GET'],
    authLevel: 'function',
    handler: guardHttp(
      current,
      'http:getCustomVisionBackups',
      async (request: HttpRequest): Promise<HttpResponseInit> => {
        const problems: string[] = [];
        unknownParams(request.query, ['projectId', 'iterationId', 'limit'], problems);
        const projectId = once(request.query, 'projectId', problems);
        const iterationId = once(request.query, 'iterationId', problems);
        if (projectId !== undefined && !isGuid(projectId))
          problems.push(`projectId must be a GUID, got ${shown(projectId)}`);
        if (iterationId !== undefined && !isGuid(iterationId))
          problems.push(`iterationId must be a GUID, got ${shown(iterationId)}`);
        if (iterationId !== undefined && projectId === undefined) problems.push('iterationId needs projectId');
        const limit = limitOf(request, problems);
        if (problems.length > 0) return json(400, invalidRequestBody(problems));
        const records = await current().customVision.records();
        const filter = {
          ...(projectId ? { projectId: projectId.toLowerCase() } : {}),
          ...(iterationId ? { iterationId: iterationId.toLowerCase() } : {}),
        };
        const [backups, iterations] = await Promise.all([
          records.listBackups(filter),
          iterationId && projectId
            ? records.getIteration(projectId, iterationId).then((r) => (r ? [r] : []))
            : records.listIterations(projectId),
        ]);
        return json(200, {
          ...filter,
          count: Math.min(backups.length, limit),
          backups: backups.slice(0, limit),
          iterations: iterations.slice(0, limit),
        });
      },
    ),
  });

  app.http('replayCustomVisionNotifications', {
    route: 'customvision/replay',
    methods: ['POST'],
    authLevel: 'function',
    handler: async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
      const refused = refuseCrossSiteRequest(request, current().publicOrigin);
      if (refused) return refused;
      const body = await readBodyText(request, MAX_REPLAY_BODY_BYTES);
      if (!body.ok) return json(413, tooLargeBody(MAX_REPLAY_BODY_BYTES));
      const parsed = parseReplayRequest(body.text);
      if (!parsed.ok) return json(400, invalidRequestBody(parsed.problems));
      const deps = current().customVision;
      if (!deps.replayQueues) return json(503, { error: 'no notification queue is configured (AzureWebJobsStorage)' });
      const report = await replayNotifications(deps, deps.replayQueues(), parsed.value, {
        log: (m: string) => context.log(scrubSecrets(m)),
        warn: (m: string) => context.warn(scrubSecrets(m)),
        error: (m: string) => context.error(scrubSecrets(m)),
      });
      return json(200, report);
    },
  });

  app.http('getCustomVisionRejected', {
    route: 'customvision/rejected',
    methods: ['GET'],
    authLevel: 'function',
    handler: guardHttp(
      current,
      'http:getCustomVisionRejected',
      async (request: HttpRequest): Promise<HttpResponseInit> => {
        const problems: string[] = [];
        unknownParams(request.query, ['limit'], problems);
        const limit = limitOf(request, problems);
        if (problems.length > 0) return json(400, invalidRequestBody(problems));
        const rejected = await (await current().customVision.rejected()).list({ limit });
        return json(200, { count: rejected.length, rejected });
      },
    ),
  });
}
