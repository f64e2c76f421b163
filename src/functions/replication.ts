/**
 * Replication: durable registrations, the schedule and the HTTP API, over the app instance's
 * dependencies (read at each invocation through `app`). Triggers only parse, call and
 * respond; the work is in orchestrators and activities.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext, type Timer } from '@azure/functions';
import * as df from 'durable-functions';
import { parseReplicationRequest } from '../http/replicationRequest';
import { echo, invalidRequestBody, readBodyText, tooLargeBody } from '../http/limits';
import { refuseCrossSiteRequest } from '../http/requestGate';
import { LedgerKeyError } from '../ledger/errors';
import { ledgerKey } from '../ledger/keys';
import { itemSegments } from '../common/pairs';
import { describeLeaseHolder, holderMayBeLive, type RunLease } from '../ledger/runLease';
import { healthResponseFor, loadReadModel, membersOf, reportOf, type ReadModel, type ReportBody } from '../readModel';
import { CvProjectReplicaRepository } from '../ledger/customVisionProjects';
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
import { parseLineageKey } from '../common/pairs';
import { lastDrillOf } from '../drills/reportView';
import type { Ledger } from '../ledger/connect';
import { CustomVisionRecordRepository } from '../ledger/customVisionRecords';
import { readOnlyMarks, type LedgerRead, type LedgerReadOnly } from '../ledger/access';
import { LedgerUnavailableError } from '../ledger/errors';
import type { AppHealth } from '../health/health';

export const RUNNING = [
  df.OrchestrationRuntimeStatus.Running,
  df.OrchestrationRuntimeStatus.Pending,
  df.OrchestrationRuntimeStatus.ContinuedAsNew,
];

/** A replication run already in progress, if any: runs are singletons (two runs would copy the same pairs twice). */
export async function runningReplication(client: df.DurableClient): Promise<df.DurableOrchestrationStatus | undefined> {
  const running = await client.getStatusBy({ runtimeStatus: RUNNING });
  return running.find((s) => s.name === Orchestrators.replicate.name);
}

type StartOutcome =
  | { started: true; id: string }
  | { started: false; running: string; trigger: string; holder: RunLease }
  | { started: false; refused: string };

/**
 * Whether the run or failover a lease names may still be live (the run lease is shared by runs and
 * failovers, docs/failover.md): known to this durable store and running; over once its report is in
 * the ledger; otherwise the lease's own holder rules (src/ledger/runLease.ts).
 */
export function leaseHolderIsLive(
  deps: AppDependencies,
  client: df.DurableClient,
  ledger: Ledger,
): (holder: RunLease) => Promise<boolean> {
  return async (holder) => {
    const status = await findInstanceStatus(client, holder.runId);
    if (status) return RUNNING.includes(status.runtimeStatus);
    if (await ledger.runReports.get(holder.runId)) return false;
    return holderMayBeLive(holder, deps.durableStore, deps.clock.now());
  };
}

/**
 * Starts a replication run, unless one is in progress: runs are singletons (two runs would copy
 * the same pairs twice). The timer, HTTP and dry runs all go through the ledger's run lease: a
 * conditional write (ETag) names the one run allowed to start, so of any number of concurrent
 * starters exactly one starts a run and the others are told which one is running. The lease is
 * free again once the run it names is over: by its durable status when this app's durable store
 * knows it (Completed, Failed, Terminated), else by its run report, else by the lease itself
 * (`holderMayBeLive`: a process store's run lives while its process renews the lease; a run of
 * this store that never started is free after a grace period).
 */
async function startSingletonRun(
  deps: AppDependencies,
  client: df.DurableClient,
  trigger: string,
  input: RunInput,
): Promise<StartOutcome> {
  // A run writes the ledger from its first step: with the storage's primary endpoint down it starts nothing.
  const refused = await deps.ledgerAccess().writeRefusal();
  if (refused !== undefined) return { started: false, refused };
  const id = newRunId(trigger, deps.clock.now());
  const ledger = await deps.replication.ledger();
  const lease = await ledger.runLease.acquire(id, trigger, leaseHolderIsLive(deps, client, ledger), deps.durableStore);
  if (!lease.acquired)
    return { started: false, running: lease.holder.runId, trigger: lease.holder.trigger, holder: lease.holder };
  try {
    await client.startNew(Orchestrators.replicate.name, { instanceId: id, input });
  } catch (e) {
    await ledger.runLease.release(id);
    throw e;
  }
  return { started: true, id };
}

export function newRunId(trigger: string, nowMs: number): string {
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
        if ('refused' in outcome) context.warn(`scheduled replication run not started: ${outcome.refused}`);
        else
          context.log(
            `replication run ${outcome.running} is still in progress (lease held by ${describeLeaseHolder(outcome.holder)}): this scheduled run is skipped`,
          );
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
        const refused = refuseCrossSiteRequest(request, current().publicOrigin);
        if (refused) return refused;
        const services = current().replication;
        const body = await readBodyText(request);
        if (!body.ok) return json(413, tooLargeBody());
        const parsed = parseReplicationRequest(body.text, [...services.members.keys()]);
        if (!parsed.ok) return json(400, invalidRequestBody(parsed.problems));
        const input: RunInput = { trigger: 'http', ...parsed.value };
        const outcome = await startSingletonRun(current(), client, parsed.value.dryRun ? 'dryrun' : 'http', input);
        if (!outcome.started && 'refused' in outcome)
          return json(
            503,
            { error: `replication run not started: ${outcome.refused}`, ledgerReadOnly: true },
            { 'Retry-After': '30' },
          );
        if (!outcome.started) {
          const failover = outcome.trigger === 'failover';
          return json(409, {
            error: failover
              ? `failover ${outcome.running} is in progress; no run starts during a failover: try again when it ends`
              : `replication run ${outcome.running} is in progress; try again when it ends`,
            id: outcome.running,
            statusUrl: failover
              ? `${current().publicOrigin ?? ''}/api/failovers/${encodeURIComponent(outcome.running)}`
              : statusPath(request, outcome.running),
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
      try {
        // An id no ledger key can be built from (e.g. longer than a blob name allows) is the caller's
        // error, told before any storage request.
        ledgerKey(itemSegments('replicas', sourceModelId));
      } catch (e) {
        if (e instanceof LedgerKeyError)
          return json(400, invalidRequestBody([`sourceModelId: not a model id (${sourceModelId.length} characters)`]));
        throw e;
      }
      const read: LedgerRead<Awaited<ReturnType<typeof readReplicas>>> = await current()
        .ledgerAccess()
        .read((ledger) => readReplicas(ledger, sourceModelId, services.settings.source.region));
      const { records, drillRecords } = read.value;
      const marks = readOnlyMarks(read.readOnly);
      const byRegion = new Map(records.map((r) => [r.region, r]));
      const drills = new Map(drillRecords.map((d) => [d.region, d]));
      const nowMs = current().clock.now();
      // Every member but the lineage's origin (before any failover: DR_TARGETS), docs/failover.md.
      const { primary } = read.value;
      const lineage = parseLineageKey(sourceModelId, primary.home);
      const origin = services.members.get(lineage.origin)?.settings;
      const replicas = [...services.members.values()]
        .map((m) => m.settings)
        .filter((t) => t.region !== lineage.origin)
        .map((t) => {
          const r = byRegion.get(t.region);
          return {
            region: t.region,
            endpoint: t.endpoint,
            resourceId: t.resourceId,
            state: r?.state ?? 'missing',
            targetModelId: r?.targetModelId ?? null,
            lastVerifiedAt: r?.lastVerifiedAt ?? null,
            ageSeconds: r?.lastVerifiedAt
              ? Math.max(0, Math.round((nowMs - Date.parse(r.lastVerifiedAt)) / 1000))
              : null,
            lastError: r?.lastError ?? null,
            lastDrill: drills.has(t.region) ? lastDrillOf(drills.get(t.region)!) : null,
          };
        });
      if (records.length === 0)
        return json(404, {
          sourceModelId: echo(sourceModelId),
          error: `no replica recorded for model '${echo(sourceModelId)}'`,
          replicas,
          ...marks,
        });
      return json(200, {
        sourceModelId,
        sourceModelName: records.find((r) => r.sourceModelName)?.sourceModelName ?? null,
        source: {
          region: lineage.origin,
          endpoint: origin?.endpoint ?? services.settings.source.endpoint,
          modelId: lineage.itemId,
        },
        primary: primary.primary,
        replicas,
        ...marks,
      });
    }),
  });

  app.http('getReadinessReport', {
    route: 'report',
    methods: ['GET'],
    authLevel: 'function',
    handler: guardHttp(current, 'http:getReadinessReport', async (): Promise<HttpResponseInit> => {
      const deps = current();
      const read = await deps.ledgerAccess().read((ledger) => readinessReport(deps, ledger));
      return json(200, { ...read.value, ...readOnlyMarks(read.readOnly) });
    }),
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
        const deps = current();
        let answer: { status: number; body: unknown };
        try {
          const read = await deps.ledgerAccess().read((ledger) => readModel(deps, ledger));
          const app = read.readOnly ? readOnlyHealth(read.value.health) : read.value.health;
          const { status, body } = healthResponseFor(app);
          answer = { status, body: { ...body, ...(read.readOnly ? ANONYMOUS_READ_ONLY : {}) } };
        } catch (e) {
          if (!(e instanceof LedgerUnavailableError)) throw e;
          // Anonymous: the problem's kind, never an endpoint or an error text (those are in the keyed routes' 503s).
          answer = {
            status: 503,
            body: {
              health: 'unhealthy',
              generatedAt: new Date(deps.clock.now()).toISOString(),
              reasons: [LEDGER_PROBLEM_TEXT[e.kind]],
            },
          };
        }
        return request.method === 'HEAD'
          ? { status: answer.status, headers: { 'Cache-Control': 'no-store' } }
          : json(answer.status, answer.body);
      },
      { status: 503, anonymous: true },
    ),
  });
}

/**
 * The readiness report is built from the ledger alone (the last run's view of the source
 * plus the replica records), so it answers even while the source region is down. It is the
 * read model as `GET /api/report` shows it: each cell with its health and last drill, and the
 * `health` member (per pair, per region, the app, the oldest age; see docs/observability.md).
 */
export async function readinessReport(deps: AppDependencies, ledger: Ledger): Promise<ReportBody> {
  return reportOf(await readModel(deps, ledger));
}

/**
 * The read model (no service call): src/readModel, every document read from `ledger` (the
 * primary's, or the secondary's while the primary endpoint is down).
 */
export async function readModel(deps: AppDependencies, ledger: Ledger): Promise<ReadModel> {
  const cv = deps.customVision;
  return loadReadModel(ledger, {
    regions: deps.settings.targets.map((t) => t.region),
    rpoHours: deps.settings.health.rpoHours,
    now: deps.clock.now(),
    members: membersOf(deps.settings),
    ...(cv.settings.backupContainer
      ? {
          customVision: {
            settings: cv.settings,
            records: async () => new CustomVisionRecordRepository(ledger.container, { clock: deps.clock }),
          },
        }
      : {}),
    ...(deps.customVisionDr.settings.targets.length > 0
      ? {
          customVisionDr: {
            settings: deps.customVisionDr.settings,
            replicas: async () => new CvProjectReplicaRepository(ledger.container, { clock: deps.clock }),
          },
        }
      : {}),
  });
}

/** A model's replica records and last drills, from one ledger. */
async function readReplicas(
  ledger: Ledger,
  sourceModelId: string,
  homeRegion: string,
): Promise<{
  records: Awaited<ReturnType<Ledger['replicas']['listForModel']>>;
  drillRecords: Awaited<ReturnType<Ledger['drills']['listForModel']>>;
  primary: Awaited<ReturnType<Ledger['primary']['read']>>['state'];
}> {
  const records = await ledger.replicas.listForModel(sourceModelId);
  const drillRecords = await ledger.drills.listForModel(sourceModelId);
  const { state: primary } = await ledger.primary.read(homeRegion);
  return { records, drillRecords, primary };
}

/** What `/api/health` says of a storage problem (anonymous: no endpoint, no error text). */
const LEDGER_PROBLEM_TEXT: Record<LedgerUnavailableError['kind'], string> = {
  unreachable: 'ledger storage: cannot be reached (primary endpoint, and no secondary answered): health unknown',
  containerMissing:
    'ledger storage: the ledger container was missing (re-created empty, or it could not be): health unknown',
};

const READ_ONLY_TEXT =
  'ledger storage: the primary endpoint cannot be reached; read from the secondary endpoint (read-only: runs cannot start)';

const ANONYMOUS_READ_ONLY: { ledgerReadOnly: true; ledgerReadOnlyReason: string } = {
  ledgerReadOnly: true,
  ledgerReadOnlyReason: READ_ONLY_TEXT,
};

/** Health read from the secondary: at best degraded (nothing can be copied or recorded), with the reason first. */
function readOnlyHealth<A extends AppHealth>(app: A): A {
  return {
    ...app,
    health: app.health === 'healthy' ? 'degraded' : app.health,
    reasons: [READ_ONLY_TEXT, ...app.reasons],
    replicas: { ...app.replicas, summary: [READ_ONLY_TEXT, ...app.replicas.summary] },
  };
}

export type { LedgerReadOnly };
