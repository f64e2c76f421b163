/**
 * Custom Vision project DR: the activities of the copy orchestration (each safe to run again)
 * and the trigger both the notification queue and the schedule use. The export token lives
 * only inside {@link exportImport}: it is never returned, logged or recorded.
 */
import type { CustomVisionDrSettings, CustomVisionDrTarget } from '../config';
import {
  CustomVisionError,
  isIterationCompleted,
  serializeCvError,
  type CustomVisionTrainingClient,
  type Iteration,
  type ProjectInfo,
} from '../customVision';
import {
  CV_DR_NAME_MARKER,
  cvDrInstanceId,
  type CvDrBeginInput,
  type CvDrBeginResult,
  type CvDrCheckImportInput,
  type CvDrCheckImportResult,
  type CvDrCheckTrainingInput,
  type CvDrCheckTrainingResult,
  type CvDrCountsData,
  type CvDrExportImportInput,
  type CvDrExportImportResult,
  type CvDrFinishInput,
  type CvDrFinishResult,
  type CvDrPublishInput,
  type CvDrPublishResult,
  type CvDrSourcePublished,
  type CvDrTrainInput,
  type CvDrTrainResult,
  type CvDrTrigger,
  type CvProjectCopyInput,
} from '../customVisionProjectDr/contracts';
import type { CvDrActivities } from '../customVisionProjectDr/registry';
import type { ActivityHandlers } from '../durable/register';
import {
  cvDrError,
  type CvDrCreatedProject,
  type CvProjectReplicaRecord,
  type CvProjectReplicaRepository,
} from '../ledger/customVisionProjects';
import { cvDrRoutes, type CvDrProjectRoute } from '../health/customVisionDr';
import type { Clock } from '../runtime/clock';
import { emitCvProjectCopied, type Telemetry } from '../telemetry';

/** The Training API calls the project copy makes (the Custom Vision training client). */
export type ProjectCopyApi = Pick<
  CustomVisionTrainingClient,
  | 'getProject'
  | 'listProjects'
  | 'exportProject'
  | 'importProject'
  | 'countImages'
  | 'countTags'
  | 'listIterations'
  | 'publishIteration'
  | 'deleteProject'
  | 'trainProject'
  | 'getIteration'
>;

export interface CustomVisionDrDeps {
  settings: CustomVisionDrSettings;
  /** The source training resource (`CV_ENDPOINT`); absent when not configured. */
  source?: ProjectCopyApi;
  /** Per DR region: its settings and its training client. */
  targets: ReadonlyMap<string, { settings: CustomVisionDrTarget; client: ProjectCopyApi }>;
  clock: Clock;
  telemetry: Telemetry;
  replicas(): Promise<CvProjectReplicaRepository>;
  /**
   * Publishes the routing document again (its `customVisionProjects` section changed): set by
   * the app (src/functions/dependencies.ts); absent in tests that only copy.
   */
  publishRouting?: (cause: string) => Promise<void>;
}

/** The routing document's `customVisionProjects` (undefined when project DR is not configured). */
export async function customVisionRoutes(
  deps: CustomVisionDrDeps,
  rpoHours: number,
): Promise<CvDrProjectRoute[] | undefined> {
  if (deps.settings.targets.length === 0) return undefined;
  const records = await (await deps.replicas()).list();
  return cvDrRoutes(deps.settings, records, deps.clock.now(), rpoHours);
}

/** Waiting out `BadRequestExportWhileTraining`: training takes minutes. */
export const EXPORT_WHILE_TRAINING_RETRY_MS = 5 * 60_000;
/** A DR copy list longer than this forgets its oldest deleted entries. */
const MAX_REMEMBERED_COPIES = 20;

function iso(deps: CustomVisionDrDeps): string {
  return new Date(deps.clock.now()).toISOString();
}

function codeOf(e: CustomVisionError): string {
  return e.serviceCode ?? e.reason ?? e.kind;
}

function messageOf(e: CustomVisionError): string {
  return serializeCvError(e).message.slice(0, 500);
}

function targetOf(
  deps: CustomVisionDrDeps,
  region: string,
): { settings: CustomVisionDrTarget; client: ProjectCopyApi } {
  const t = deps.targets.get(region);
  if (!t) throw new Error(`CV_DR_TARGETS has no region "${region}"`);
  return t;
}

function targetKey(t: CustomVisionDrTarget, projectId: string) {
  return { projectId, region: t.region, endpoint: t.endpoint, predictionResourceId: t.predictionResourceId };
}

/** The newest by trainedAt (then created; on a tie, the one listed last). */
function newest(its: Iteration[]): Iteration | undefined {
  const key = (i: Iteration): string => `${i.trainedAt ?? ''}|${i.created ?? ''}`;
  let best: Iteration | undefined;
  for (const it of its) if (!best || key(it) >= key(best)) best = it;
  return best;
}

/** The source's newest Completed iteration and its published one (if any). */
function sourceState(its: Iteration[]): { latest?: Iteration; published?: CvDrSourcePublished } {
  const completed = its.filter(isIterationCompleted);
  const latest = newest(completed);
  const pub = newest(completed.filter((i) => (i.publishName ?? '') !== ''));
  return {
    ...(latest ? { latest } : {}),
    ...(pub
      ? {
          published: {
            iterationId: pub.id,
            name: pub.name,
            ...(pub.trainedAt ? { trainedAt: pub.trainedAt } : {}),
            publishName: pub.publishName as string,
          },
        }
      : {}),
  };
}

/**
 * How a DR iteration is matched to the source's published one: same name and, when both carry
 * it, the same `trainedAt` (an import keeps both and gives a new id; names alone can repeat).
 */
export function matchIteration(its: Iteration[], published: CvDrSourcePublished): Iteration | undefined {
  return newest(
    its.filter(
      (i) =>
        isIterationCompleted(i) &&
        i.name === published.name &&
        (published.trainedAt === undefined || i.trainedAt === undefined || i.trainedAt === published.trainedAt),
    ),
  );
}

// ------------------------------------------------------------------------------------------
// Activities

export async function begin(deps: CustomVisionDrDeps, input: CvDrBeginInput): Promise<CvDrBeginResult> {
  const target = targetOf(deps, input.region);
  const repo = await deps.replicas();
  if (!deps.source) return { action: 'failed', code: 'NotConfigured', message: 'CV_ENDPOINT is not set' };
  let project: ProjectInfo;
  let its: Iteration[];
  try {
    project = await deps.source.getProject(input.projectId);
    its = await deps.source.listIterations(input.projectId);
  } catch (e) {
    if (e instanceof CustomVisionError && !e.retryable)
      return { action: 'failed', code: codeOf(e), message: `reading the source project: ${messageOf(e)}` };
    throw e;
  }
  const { latest, published } = sourceState(its);
  const before = await repo.get(input.projectId, input.region);
  const why = await upToDate(target.client, before, latest, published);
  await repo.update(targetKey(target.settings, input.projectId), (cur) => ({
    ...cur,
    state: why === undefined ? cur.state : 'copying',
    attempt: { instanceId: input.instanceId, startedAt: input.startedAt, trigger: input.trigger },
  }));
  if (why === undefined)
    return { action: 'upToDate', why: 'the DR copy holds the newest trained iteration, published' };
  return {
    action: 'copy',
    sourceName: project.name,
    ...(latest ? { sourceIterationId: latest.id } : {}),
    ...(published ? { published } : {}),
    trainMissing: deps.settings.trainMissing,
    why,
  };
}

/** undefined when the recorded DR copy is current and still there and published; else why it is not. */
async function upToDate(
  dr: ProjectCopyApi,
  rec: CvProjectReplicaRecord | undefined,
  latest: Iteration | undefined,
  published: CvDrSourcePublished | undefined,
): Promise<string | undefined> {
  const cur = rec?.current;
  if (!rec || !cur) return 'no DR copy yet';
  if (rec.state === 'failed') return 'the last copy failed';
  if (cur.sourceIterationId !== latest?.id) return 'the source has a newer trained iteration';
  if ((cur.publishName ?? '') !== (published?.publishName ?? '')) return 'the source publishes under another name';
  try {
    const p = await dr.getProject(cur.drProjectId);
    if (p.status !== 'Succeeded') return `the DR project is ${p.status}`;
    if (cur.publishName && cur.iterationId) {
      const its = await dr.listIterations(cur.drProjectId);
      const it = its.find((i) => i.id === cur.iterationId);
      if (!it || it.publishName !== cur.publishName) return 'the DR iteration is no longer published';
    }
  } catch (e) {
    if (e instanceof CustomVisionError && e.reason === 'notFound') return 'the DR project is gone';
    throw e;
  }
  return undefined;
}

export async function exportImport(
  deps: CustomVisionDrDeps,
  input: CvDrExportImportInput,
): Promise<CvDrExportImportResult> {
  const target = targetOf(deps, input.region);
  const repo = await deps.replicas();
  if (!deps.source) return { state: 'failed', code: 'NotConfigured', message: 'CV_ENDPOINT is not set' };
  // A re-run (at-least-once) adopts the project it already imported: recorded, or found by its unique name.
  const rec = await repo.get(input.projectId, input.region);
  const known = rec?.copies.find((c) => c.name === input.copyName && c.expected !== undefined);
  if (known?.expected)
    return {
      state: 'importing',
      drProjectId: known.drProjectId,
      expected: known.expected,
      estimatedImportTimeMs: known.estimatedImportTimeMs ?? 0,
      adopted: true,
    };
  let found: ProjectInfo | undefined;
  try {
    found = (await target.client.listProjects()).find((p) => p.name === input.copyName);
    const exported = await deps.source.exportProject(input.projectId);
    const project = found ?? (await target.client.importProject(exported.token, input.copyName));
    const expected: CvDrCountsData = exported.counts;
    const entry: CvDrCreatedProject = {
      drProjectId: project.id,
      name: input.copyName,
      createdAt: iso(deps),
      instanceId: input.instanceId,
      status: 'importing',
      expected,
      estimatedImportTimeMs: exported.estimatedImportTimeMs,
    };
    await repo.update(targetKey(target.settings, input.projectId), (cur) => ({
      ...cur,
      copies: [...cur.copies.filter((c) => c.drProjectId !== project.id), entry],
    }));
    return {
      state: 'importing',
      drProjectId: project.id,
      expected,
      estimatedImportTimeMs: exported.estimatedImportTimeMs,
      adopted: found !== undefined,
    };
  } catch (e) {
    if (!(e instanceof CustomVisionError)) throw e;
    if (e.reason === 'iterationTraining')
      return {
        state: 'deferred',
        retryAfterMs: EXPORT_WHILE_TRAINING_RETRY_MS,
        code: codeOf(e),
        message: messageOf(e),
      };
    if (e.reason === 'projectReadOnly')
      return { state: 'deferred', retryAfterMs: e.retryAfterMs ?? 15 * 60_000, code: codeOf(e), message: messageOf(e) };
    if (e.reason === 'projectLimit')
      return {
        state: 'failed',
        code: codeOf(e),
        message: `the DR training resource in ${input.region} is at its project limit (S0: 100 projects): delete projects there or lower CV_DR_KEEP (${messageOf(e)})`,
      };
    if (!e.retryable) return { state: 'failed', code: codeOf(e), message: messageOf(e) };
    throw e;
  }
}

async function countsOf(dr: ProjectCopyApi, projectId: string, regions: number): Promise<CvDrCountsData> {
  const iterations = (await dr.listIterations(projectId)).filter(isIterationCompleted).length;
  const images = await dr.countImages(projectId);
  const tags = await dr.countTags(projectId);
  return { iterations, images, tags, regions };
}

export async function checkImport(
  deps: CustomVisionDrDeps,
  input: CvDrCheckImportInput,
): Promise<CvDrCheckImportResult> {
  const dr = targetOf(deps, input.region).client;
  try {
    const p = await dr.getProject(input.drProjectId);
    const status = p.status.toLowerCase();
    if (status === 'failed')
      return {
        state: 'failed',
        code: 'ImportFailed',
        message: 'Custom Vision reports the import as Failed (no API says why)',
        // Regions are not read back: the export's number stands for them (see docs/custom-vision.md).
        actual: await countsOf(dr, input.drProjectId, input.expected.regions),
      };
    if (status !== 'succeeded') return { state: 'importing' };
    return { state: 'succeeded', actual: await countsOf(dr, input.drProjectId, input.expected.regions) };
  } catch (e) {
    if (e instanceof CustomVisionError && !e.retryable)
      return { state: 'failed', code: codeOf(e), message: messageOf(e) };
    throw e;
  }
}

export async function publish(deps: CustomVisionDrDeps, input: CvDrPublishInput): Promise<CvDrPublishResult> {
  const target = targetOf(deps, input.region);
  if (!input.published) return { state: 'notPublished', reason: 'the source project has no published iteration' };
  try {
    const its = await target.client.listIterations(input.drProjectId);
    const trained = input.trainedIterationId;
    const match = trained
      ? its.find((i) => i.id === trained && isIterationCompleted(i))
      : matchIteration(its, input.published);
    const missing = `no Completed iteration named "${input.published.name.slice(0, 100)}" in the imported project`;
    if (!match && trained)
      return {
        state: 'failed',
        code: 'NotFoundIteration',
        message: `the iteration ${trained} trained in ${input.region} is not there or not Completed`,
      };
    if (!match && deps.settings.trainMissing)
      return { state: 'needsTraining', reason: `${missing}: CV_DR_TRAIN_MISSING is true, training in ${input.region}` };
    if (!match)
      return {
        state: 'failed',
        code: 'NoCompletedIteration',
        message: `${missing} (CV_DR_TRAIN_MISSING is false: not trained)`,
      };
    const r = await target.client.publishIteration(
      input.drProjectId,
      match.id,
      input.published.publishName,
      target.settings.predictionResourceId,
    );
    return {
      state: 'published',
      iterationId: match.id,
      iterationName: match.name,
      publishName: input.published.publishName,
      already: r === 'alreadyPublished',
      origin: trained ? 'trainedInDr' : 'imported',
    };
  } catch (e) {
    if (e instanceof CustomVisionError && !e.retryable)
      return { state: 'failed', code: codeOf(e), message: messageOf(e) };
    throw e;
  }
}

/**
 * Starts one training of the DR project (billed). Idempotent: a re-run first looks at the
 * project's iterations and adopts one that is `Training`, or one `Completed` since the copy
 * started (its training finished), so it never starts a second training.
 */
export async function train(deps: CustomVisionDrDeps, input: CvDrTrainInput): Promise<CvDrTrainResult> {
  const dr = targetOf(deps, input.region).client;
  const adopt = async (): Promise<CvDrTrainResult | undefined> => {
    const its = await dr.listIterations(input.drProjectId);
    const running = newest(its.filter((i) => i.status.toLowerCase() === 'training'));
    if (running) return { state: 'training', iterationId: running.id, adopted: true };
    const done = newest(its.filter((i) => isIterationCompleted(i) && (i.created ?? '') >= input.since));
    return done ? { state: 'training', iterationId: done.id, adopted: true } : undefined;
  };
  try {
    const found = await adopt();
    if (found) return found;
    try {
      const it = await dr.trainProject(input.drProjectId);
      return { state: 'training', iterationId: it.id, adopted: false };
    } catch (e) {
      if (!(e instanceof CustomVisionError)) throw e;
      if (e.reason === 'trainingInProgress' || e.reason === 'trainingNotNeeded') {
        const again = await adopt();
        if (again) return again;
      }
      if (e.reason === 'notEnoughImages')
        return {
          state: 'failed',
          code: codeOf(e),
          message: `the DR project in ${input.region} cannot be trained: not enough images per tag (${messageOf(e)})`,
        };
      if (e.reason === 'trainingNotNeeded')
        return {
          state: 'failed',
          code: codeOf(e),
          message: `the service says training is not needed, yet no iteration matches the source's published one (${messageOf(e)})`,
        };
      throw e;
    }
  } catch (e) {
    if (e instanceof CustomVisionError && !e.retryable)
      return { state: 'failed', code: codeOf(e), message: messageOf(e) };
    throw e;
  }
}

/** Reads a training's iteration: `Completed`, `Failed` (a failed copy), or still training. */
export async function checkTraining(
  deps: CustomVisionDrDeps,
  input: CvDrCheckTrainingInput,
): Promise<CvDrCheckTrainingResult> {
  const dr = targetOf(deps, input.region).client;
  try {
    const it = await dr.getIteration(input.drProjectId, input.iterationId);
    if (isIterationCompleted(it)) return { state: 'completed', iterationName: it.name };
    if (it.status.toLowerCase() === 'failed')
      return {
        state: 'failed',
        code: 'TrainingFailed',
        message: `the training in ${input.region} ended Failed (iteration ${it.id}; the Training API gives no reason)`,
      };
    return { state: 'training', status: it.status.slice(0, 40) };
  } catch (e) {
    if (e instanceof CustomVisionError && !e.retryable)
      return { state: 'failed', code: codeOf(e), message: messageOf(e) };
    throw e;
  }
}

/** Deletes a DR project only when this app made it: recorded in the ledger (the caller) and marked in its name. */
async function deleteOwn(dr: ProjectCopyApi, c: CvDrCreatedProject, projectId: string): Promise<boolean> {
  try {
    const p = await dr.getProject(c.drProjectId);
    if (!p.name.includes(CV_DR_NAME_MARKER) || !p.name.includes(projectId)) return false;
  } catch (e) {
    if (e instanceof CustomVisionError && e.reason === 'notFound') return true;
    throw e;
  }
  await dr.deleteProject(c.drProjectId);
  return true;
}

export async function finish(deps: CustomVisionDrDeps, input: CvDrFinishInput): Promise<CvDrFinishResult> {
  const target = targetOf(deps, input.region);
  const repo = await deps.replicas();
  const now = iso(deps);
  const o = input.outcome;
  // 1. A failed copy's DR project is deleted: nothing half-made stays.
  let deletedFailed = false;
  if (o.kind === 'failed' && o.drProjectId) {
    const rec = await repo.get(input.projectId, input.region);
    const entry = rec?.copies.find((c) => c.drProjectId === o.drProjectId);
    if (entry) deletedFailed = await deleteOwn(target.client, entry, input.projectId);
  }
  // 2. Record.
  let first = false;
  const r = await repo.update(targetKey(target.settings, input.projectId), (cur) => {
    first = cur.attempt?.instanceId === input.instanceId;
    const copies = cur.copies.map((c): CvDrCreatedProject => {
      if (o.kind === 'ready' && c.drProjectId === o.drProjectId) return { ...c, status: 'ready' };
      if (o.kind === 'failed' && c.drProjectId === o.drProjectId)
        return { ...c, status: 'failed', ...(deletedFailed ? { deletedAt: c.deletedAt ?? now } : {}) };
      return c;
    });
    const { attempt: _attempt, ...rest } = cur;
    if (o.kind === 'ready')
      return {
        ...rest,
        state: 'ready',
        current: {
          drProjectId: o.drProjectId,
          ...(o.iterationId ? { iterationId: o.iterationId } : {}),
          ...(o.iterationName ? { iterationName: o.iterationName } : {}),
          ...(o.iterationOrigin ? { iterationOrigin: o.iterationOrigin } : {}),
          ...(o.publishName ? { publishName: o.publishName } : {}),
          expected: o.expected,
          actual: o.actual,
          ...(o.sourceIterationId ? { sourceIterationId: o.sourceIterationId } : {}),
          copiedAt: now,
        },
        lastError: undefined,
        lastVerifiedAt: now,
        copies,
      } as CvProjectReplicaRecord;
    if (o.kind === 'upToDate')
      return { ...rest, state: cur.current ? 'ready' : 'unverified', lastVerifiedAt: now, copies };
    return {
      ...rest,
      state: 'failed',
      lastError: cvDrError({
        code: o.code,
        message: o.message,
        at: now,
        ...(o.expected ? { expected: o.expected } : {}),
        ...(o.actual ? { actual: o.actual } : {}),
      }),
      copies,
    };
  });
  const rec = r.value as CvProjectReplicaRecord;
  // 3. Retention: keep CV_DR_KEEP copies (the current one first); delete older ones this app made.
  const retired: string[] = [];
  if (o.kind === 'ready') {
    const older = rec.copies
      .filter((c) => c.status === 'ready' && c.drProjectId !== o.drProjectId && c.deletedAt === undefined)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(Math.max(0, deps.settings.keep - 1));
    for (const c of older) if (await deleteOwn(target.client, c, input.projectId)) retired.push(c.drProjectId);
    if (retired.length > 0 || rec.copies.length > MAX_REMEMBERED_COPIES)
      await repo.update(targetKey(target.settings, input.projectId), (cur) => {
        const copies = cur.copies.map((c) =>
          retired.includes(c.drProjectId) ? { ...c, status: 'retired' as const, deletedAt: c.deletedAt ?? now } : c,
        );
        const drop = copies.length - MAX_REMEMBERED_COPIES;
        const deleted = copies.filter((c) => c.deletedAt !== undefined).slice(0, Math.max(0, drop));
        return { ...cur, copies: copies.filter((c) => !deleted.includes(c)) };
      });
  }
  if (first)
    emitCvProjectCopied(deps.telemetry, {
      projectId: input.projectId,
      region: input.region,
      outcome: o.kind,
      trigger: input.trigger,
      ...(o.kind === 'ready' ? { drProjectId: o.drProjectId, images: o.actual.images } : {}),
      ...(o.kind === 'failed' ? { code: o.code } : {}),
      durationSeconds: Math.max(0, Math.round((deps.clock.now() - Date.parse(input.startedAt)) / 1000)),
      retired: retired.length,
    });
  // 4. A new DR copy to call: the routing document says so (idempotent: a re-run publishes the same routes).
  // A failed publication does not fail a copy that is there: the next switch, run or copy publishes it.
  let routing: CvDrFinishResult['routing'];
  if (o.kind === 'ready' && deps.publishRouting)
    try {
      await deps.publishRouting(`customVision:${input.instanceId}`);
      routing = 'published';
    } catch (e) {
      routing = `not published: ${serializeCvError(e).message.slice(0, 200)}`;
    }
  const again = rec.requestedAt !== undefined && rec.requestedAt > input.startedAt;
  return { again, retired, ...(routing ? { routing } : {}) };
}

export type CustomVisionDrActivities = ActivityHandlers<typeof CvDrActivities>;

export function createCustomVisionDrActivities(deps: CustomVisionDrDeps): CustomVisionDrActivities {
  return {
    begin: (input) => begin(deps, input),
    exportImport: (input) => exportImport(deps, input),
    checkImport: (input) => checkImport(deps, input),
    publish: (input) => publish(deps, input),
    train: (input) => train(deps, input),
    checkTraining: (input) => checkTraining(deps, input),
    finish: (input) => finish(deps, input),
  };
}

// ------------------------------------------------------------------------------------------
// Triggers (the queue function and the schedule)

/** The durable operations a trigger needs (implemented over a DurableClient). */
export interface ProjectCopyStarter {
  /** True when an instance with this id is running or pending. */
  isActive(instanceId: string): Promise<boolean>;
  /** Starts (or restarts a finished) instance; false when another start won the race. */
  start(instanceId: string, input: CvProjectCopyInput): Promise<boolean>;
}

export function isConfiguredProject(settings: CustomVisionDrSettings, projectId: string): boolean {
  return (
    settings.targets.length > 0 && (settings.projects === '*' || settings.projects.includes(projectId.toLowerCase()))
  );
}

export interface ProjectCopyRequest {
  projectId: string;
  region: string;
  instanceId: string;
  /** `started`: a new copy; `joined`: one is running and will run again for this request. */
  result: 'started' | 'joined';
}

/**
 * Asks for a copy of each project in each DR region: records when it was asked for (so a
 * running copy that started earlier runs again), then starts the copy unless one is running.
 * `*` lists the source's projects (DR copies made by this app, recognised by their name, excluded).
 */
export async function requestProjectCopies(
  deps: CustomVisionDrDeps,
  starter: ProjectCopyStarter,
  projectIds: readonly string[] | '*',
  trigger: CvDrTrigger,
): Promise<ProjectCopyRequest[]> {
  if (deps.settings.targets.length === 0) return [];
  let ids: string[];
  if (projectIds === '*') {
    if (!deps.source) return [];
    ids = (await deps.source.listProjects()).filter((p) => !p.name.includes(CV_DR_NAME_MARKER)).map((p) => p.id);
  } else ids = projectIds.map((p) => p.toLowerCase());
  const repo = await deps.replicas();
  const now = iso(deps);
  const out: ProjectCopyRequest[] = [];
  for (const projectId of ids)
    for (const t of deps.settings.targets) {
      await repo.update(targetKey(t, projectId), (cur) =>
        cur.requestedAt !== undefined && cur.requestedAt >= now ? cur : { ...cur, requestedAt: now },
      );
      const instanceId = cvDrInstanceId(projectId, t.region);
      const started =
        !(await starter.isActive(instanceId)) &&
        (await starter.start(instanceId, { projectId, region: t.region, trigger }));
      out.push({ projectId, region: t.region, instanceId, result: started ? 'started' : 'joined' });
    }
  return out;
}
