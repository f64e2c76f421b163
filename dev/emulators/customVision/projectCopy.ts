/**
 * The project-copy side of the Custom Vision emulator (ExportProject, ImportProject, GetProject's
 * `status`, tags and image counts, PublishIteration / UnpublishIteration, DeleteProject, the
 * per-resource project limit), held to the v3.3 REST specification:
 *
 * - `GET /projects/{id}/export` → `{iterationCount, imageCount, tagCount, regionCount,
 *   estimatedImportTimeInMS, token}`. `BadRequestExportWhileTraining` while an iteration trains.
 * - The token is shaped like the one seen in public (a read-only blob SAS URL: `&`, `+`, `/` and
 *   `=` in it, so a token that is not URL-encoded arrives truncated or altered: "Invalid Token").
 *   Emulator rule (the service does not document it): **reusable until it expires**, 24 h after
 *   the export (a SAS is not single-use); an unknown or expired token → 400
 *   `BadRequestInvalidImportToken`.
 * - `POST /projects/import?token=&name=` needs `Content-Length` (else 411), creates a **new**
 *   project `Importing`, `Succeeded` after `estimatedImportTimeInMS` of clock time, or `Failed`
 *   with images and tags missing (`faults.failImports`). The imported trained iterations get new
 *   ids, keep their name and `trainedAt`, are `Completed` and not published.
 * - `projectLimit` (default 100, S0) projects per resource: `BadRequestExceedProjectLimit`.
 * - The exports of every emulator instance in this process share one token table, so a token
 *   from one emulated resource imports into another (a source and its DR regions).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock';
import { err, type Reply } from './routes';
import type { EmulatedIteration, EmulatedProject, FaultControl } from './types';

/** What an export token grants: a snapshot of the project at export time. */
interface ExportSnapshot {
  name: string;
  imageCount: number;
  tagCount: number;
  regionCount: number;
  iterations: Omit<EmulatedIteration, 'id' | 'projectId'>[];
  expiresAt: number;
}

const TOKENS = new Map<string, ExportSnapshot>();
export const TOKEN_LIFETIME_MS = 24 * 3600_000;
export const DEFAULT_PROJECT_LIMIT = 100;
/** TrainProject keeps its iteration `Training` this long (clock time) unless told otherwise. */
export const DEFAULT_TRAINING_DURATION_MS = 10 * 60_000;
/** Fewer images per tag than this → `BadRequestNotEnoughImagesPerTag` (the service's minimum for classification). */
const MIN_IMAGES_PER_TAG = 5;

export interface ProjectCopyContext {
  clock: Clock;
  projects: Map<string, EmulatedProject>;
  faults: FaultControl;
  projectLimit: number;
  trainingDurationMs: number;
  newId(): string;
  wakeAt(at: number): void;
}

const DR_MODE = (): Reply =>
  err(
    403,
    'ForbiddenDRModeEnabled',
    'The project is in disaster recovery mode and is temporarily read-only. Please try again later.',
  );

/** A small import takes seconds (10 images: 8–20 s): 2 s plus 0.5 s per image. */
export function estimatedImportTimeMs(images: number): number {
  return 2000 + 500 * images;
}

/** Settles an import that is due by the clock (lazily, on every read). */
export function settleImport(ctx: ProjectCopyContext, p: EmulatedProject): void {
  const imp = p.import;
  if (!imp || p.status !== 'Importing' || ctx.clock.now() < imp.doneAt) return;
  const s = imp.snapshot;
  if (imp.fail) {
    p.status = 'Failed';
    // As reported by users: the import ends Failed with some images and tags missing.
    p.imageCount = Math.floor(s.imageCount / 2);
    p.tagCount = Math.max(0, s.tagCount - 1);
    p.regionCount = Math.floor(s.regionCount / 2);
  } else {
    p.status = 'Succeeded';
    p.imageCount = s.imageCount;
    p.tagCount = s.tagCount;
    p.regionCount = s.regionCount;
  }
  for (const it of ctx.faults.importWithoutIterations ? [] : s.iterations) {
    const id = ctx.newId();
    p.iterations.set(id, {
      ...it,
      id,
      projectId: p.id,
      status: 'Completed',
      publishName: '',
      originalPublishResourceId: '',
    });
  }
}

/** Settles a TrainProject that is due by the clock: its iteration becomes `Completed`. */
export function settleTraining(ctx: ProjectCopyContext, p: EmulatedProject): void {
  const t = p.training;
  if (!t || ctx.clock.now() < t.doneAt) return;
  delete p.training;
  const it = p.iterations.get(t.iterationId);
  if (!it || it.status !== 'Training') return;
  it.lastModified = new Date(t.doneAt).toISOString();
  if (t.fail) {
    it.status = 'Failed';
    return;
  }
  it.status = 'Completed';
  it.trainedAt = new Date(t.doneAt).toISOString();
  it.lastModified = it.trainedAt;
  it.trainingTimeInMinutes = Math.max(1, Math.round(ctx.trainingDurationMs / 60_000));
  it.exportable = it.exportableTo !== null;
}

/**
 * TrainProject (no body: `Content-Length` required): a new iteration `Training`, `Completed`
 * after `trainingDurationMs` of clock time. `BadRequestTrainingAlreadyInProgress` while one
 * trains; `BadRequestTrainingNotNeeded` when a Completed iteration exists (nothing in the
 * emulator changes a project's images after it is trained); `BadRequestNotEnoughImagesPerTag`
 * below 5 images per tag (or no tag). No notification is sent for it.
 */
function trainProject(ctx: ProjectCopyContext, p: EmulatedProject, hasLength: boolean): Reply {
  if (!hasLength) return { status: 411, body: { code: 'LengthRequired', message: 'Length Required' } };
  if (ctx.faults.drMode) return DR_MODE();
  if (p.status !== 'Succeeded') return err(400, 'BadRequestProjectNotReady', 'The project is not ready');
  const its = [...p.iterations.values()];
  if (its.some((it) => it.status === 'Training'))
    return err(400, 'BadRequestTrainingAlreadyInProgress', 'Training is already in progress for this project');
  if (its.some((it) => it.status === 'Completed'))
    return err(400, 'BadRequestTrainingNotNeeded', 'Nothing changed since the last training');
  if (p.tagCount === 0 || p.imageCount / p.tagCount < MIN_IMAGES_PER_TAG)
    return err(400, 'BadRequestNotEnoughImagesPerTag', `Each tag needs at least ${MIN_IMAGES_PER_TAG} images`);
  const now = ctx.clock.now();
  const it: EmulatedIteration = {
    id: ctx.newId(),
    projectId: p.id,
    name: `Iteration ${p.iterations.size + 1}`,
    status: 'Training',
    created: new Date(now).toISOString(),
    lastModified: new Date(now).toISOString(),
    exportable: false,
    exportableTo: [],
    domainId: '0732100f-1a38-4e49-a514-c9b44c697ab5',
    classificationType: 'Multiclass',
    trainingType: 'Regular',
    reservedBudgetInHours: 0,
    trainingTimeInMinutes: 0,
    publishName: '',
    originalPublishResourceId: '',
  };
  p.iterations.set(it.id, it);
  p.training = { iterationId: it.id, doneAt: now + ctx.trainingDurationMs, fail: ctx.faults.failTrainings };
  ctx.wakeAt(p.training.doneAt);
  return { status: 200, body: it };
}

function exportProject(ctx: ProjectCopyContext, p: EmulatedProject): Reply {
  if (ctx.faults.drMode) return DR_MODE();
  if ([...p.iterations.values()].some((it) => it.status === 'Training'))
    return err(400, 'BadRequestExportWhileTraining', 'Cannot export the project while an iteration is training');
  if (p.status !== 'Succeeded') return err(400, 'ErrorProjectExportRequestFailed', 'The project cannot be exported');
  const trained = [...p.iterations.values()].filter((it) => it.status === 'Completed');
  const account = randomBytes(4).toString('hex');
  // Shaped like the real token (a read-only blob SAS URL); '+', '/' and '=' in the signature.
  const sig = Buffer.concat([randomBytes(30), Buffer.from([0xfb, 0xff])]).toString('base64');
  const expiresAt = ctx.clock.now() + TOKEN_LIFETIME_MS;
  const token = `https://cvexport${account}.blob.core.windows.net/exports/${p.id}.zip?sv=2019-02-02&sr=b&sp=r&se=${encodeURIComponent(new Date(expiresAt).toISOString())}&sig=${sig}`;
  TOKENS.set(token, {
    name: p.name,
    imageCount: p.imageCount,
    tagCount: p.tagCount,
    regionCount: p.regionCount,
    iterations: trained.map(({ id: _id, projectId: _p, ...rest }) => ({ ...rest })),
    expiresAt,
  });
  return {
    status: 200,
    body: {
      iterationCount: trained.length,
      imageCount: p.imageCount,
      tagCount: p.tagCount,
      regionCount: p.regionCount,
      estimatedImportTimeInMS: estimatedImportTimeMs(p.imageCount),
      token,
    },
  };
}

function importProject(
  ctx: ProjectCopyContext,
  query: URLSearchParams,
  hasLength: boolean,
  create: (name: string) => EmulatedProject,
): Reply | EmulatedProject {
  if (!hasLength) return { status: 411, body: { code: 'LengthRequired', message: 'Length Required' } };
  if (ctx.faults.drMode) return DR_MODE();
  const token = query.get('token') ?? '';
  const snap = TOKENS.get(token);
  if (!snap || ctx.clock.now() >= snap.expiresAt) return err(400, 'BadRequestInvalidImportToken', 'Invalid Token');
  if (ctx.projects.size >= ctx.projectLimit)
    return err(400, 'BadRequestExceedProjectLimit', `Exceeded project limit of ${ctx.projectLimit}`);
  const p = create(query.get('name') || snap.name);
  const failing = ctx.faults.failImports;
  const fail = failing === true || (typeof failing === 'number' && failing > 0);
  if (typeof failing === 'number' && failing > 0) ctx.faults.failImports = failing - 1;
  p.status = 'Importing';
  p.import = { snapshot: snap, doneAt: ctx.clock.now() + estimatedImportTimeMs(snap.imageCount), fail };
  ctx.wakeAt(p.import.doneAt);
  return p;
}

/**
 * Routes of the project copy; `undefined` when the path is not one of them. `projectJson`
 * renders a project as GetProject does.
 */
export function routeProjectCopy(
  ctx: ProjectCopyContext,
  method: string,
  parts: string[],
  query: URLSearchParams,
  hasLength: boolean,
  projectJson: (p: EmulatedProject) => Record<string, unknown>,
  create: (name: string) => EmulatedProject,
): Reply | undefined {
  const lower = parts.map((s) => s.toLowerCase());
  if (lower.length === 2 && lower[1] === 'import') {
    if (method !== 'POST') return err(405, 'MethodNotAllowed', 'Method not allowed');
    const r = importProject(ctx, query, hasLength, create);
    return 'iterations' in r ? { status: 200, body: projectJson(r) } : r;
  }
  if (lower.length < 2) return undefined;
  const p = ctx.projects.get(lower[1] as string);
  if (!p) return undefined;
  settleImport(ctx, p);
  settleTraining(ctx, p);
  if (lower.length === 3 && lower[2] === 'train' && method === 'POST') return trainProject(ctx, p, hasLength);
  if (lower.length === 2 && method === 'DELETE') {
    ctx.projects.delete(p.id);
    return { status: 204 };
  }
  if (lower.length === 3 && lower[2] === 'export' && method === 'GET') return exportProject(ctx, p);
  if (lower.length === 3 && lower[2] === 'tags' && method === 'GET')
    return {
      status: 200,
      body: Array.from({ length: p.tagCount }, (_, i) => ({
        id: tagId(p.id, i),
        name: `tag${i + 1}`,
        type: 'Regular',
        imageCount: 1,
      })),
    };
  if (lower.length === 5 && lower[2] === 'images' && lower[4] === 'count' && method === 'GET') {
    if (lower[3] === 'tagged') return { status: 200, body: p.imageCount };
    if (lower[3] === 'untagged') return { status: 200, body: 0 };
  }
  if (lower.length === 5 && lower[2] === 'iterations' && lower[4] === 'publish') {
    const it = p.iterations.get(lower[3] as string);
    if (!it) return err(404, 'NotFoundIteration', `Iteration not found: ${parts[3] as string}`);
    if (ctx.faults.drMode) return DR_MODE();
    if (method === 'DELETE') {
      it.publishName = '';
      it.originalPublishResourceId = '';
      return { status: 204 };
    }
    if (method !== 'POST') return err(405, 'MethodNotAllowed', 'Method not allowed');
    const publishName = query.get('publishName') ?? '';
    const predictionId = query.get('predictionId') ?? '';
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(publishName))
      return err(400, 'BadRequestInvalidPublishName', 'Invalid publish name');
    if (
      !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.CognitiveServices\/accounts\/[^/]+$/i.test(
        predictionId,
      )
    )
      return err(400, 'BadRequestInvalidPublishTarget', 'Invalid prediction resource id');
    if (it.status !== 'Completed') return err(400, 'BadRequestIterationIsNotTrained', 'The iteration is not trained');
    if (it.publishName !== '') return err(400, 'BadRequestIterationIsPublished', 'The iteration is already published');
    it.publishName = publishName;
    it.originalPublishResourceId = predictionId;
    return { status: 200, body: true };
  }
  return undefined;
}

function tagId(projectId: string, i: number): string {
  return `${projectId.slice(0, 24)}${i.toString(16).padStart(12, '0')}`;
}
