/**
 * The Training API routes of the emulator (v3.x / v3.4-preview paths): projects,
 * iterations, ExportIteration and GetExports, with the service's real error codes
 * (`NotFoundProject`, `NotFoundIteration`, `ErrorExporterInvalidPlatform`,
 * `BadRequestExportAlreadyInProgress` — also after Done —, `ForbiddenDRModeEnabled`).
 */
import type { Clock } from '../../clock';
import { routeProjectCopy, settleImport, type ProjectCopyContext } from './projectCopy';
import {
  EMULATED_FLAVORS,
  EMULATED_PLATFORMS,
  type CreateProjectOptions,
  type EmulatedExport,
  type EmulatedIteration,
  type EmulatedProject,
  type FaultControl,
  type ExportPlatform,
} from './types';

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> };
export const err = (status: number, code: string, message: string): Reply => ({ status, body: { code, message } });

export interface RouteContext extends ProjectCopyContext {
  clock: Clock;
  projects: Map<string, EmulatedProject>;
  exportList: EmulatedExport[];
  faults: FaultControl;
  exportDurationMs: number;
  exportingStatusText: string | undefined;
  flavorCasing: 'canonical' | 'lower' | 'upper';
  backupContainerName: string;
  queueName: string;
  createProject(o: CreateProjectOptions): Promise<EmulatedProject>;
  /** An empty project (no storage integration), for ImportProject. */
  newProject(name: string): EmulatedProject;
  connect(projectId: string, c: { notifications?: boolean; backups?: boolean }): Promise<void>;
  wakeAt(dueAt: number): void;
  /** The SAS URL of the service's copy of a Done export (null before). */
  downloadUri(e: EmulatedExport): string | null;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

const DR_MODE = (): Reply =>
  err(
    403,
    'ForbiddenDRModeEnabled',
    'The project is in disaster recovery mode and is temporarily read-only. Please try again later.',
  );

export function exportState(ctx: RouteContext, e: EmulatedExport): 'Exporting' | 'Done' | 'Failed' {
  return ctx.clock.now() >= e.doneAt ? e.outcome : 'Exporting';
}

function cased(ctx: RouteContext, text: string): string {
  return ctx.flavorCasing === 'lower' ? text.toLowerCase() : ctx.flavorCasing === 'upper' ? text.toUpperCase() : text;
}

function exportJson(ctx: RouteContext, e: EmulatedExport): Record<string, unknown> {
  const status = exportState(ctx, e);
  return {
    platform: cased(ctx, e.platform),
    status: status === 'Exporting' ? (ctx.exportingStatusText ?? 'Exporting') : status,
    // `null` (not '') while exporting, as the recorded traffic shows.
    downloadUri: status === 'Done' ? ctx.downloadUri(e) : null,
    flavor: e.flavor !== undefined ? cased(ctx, e.flavor) : null,
    newerVersionAvailable: false,
  };
}

function projectJson(ctx: RouteContext, p: EmulatedProject): Record<string, unknown> {
  settleImport(ctx, p);
  const now = iso(ctx.clock.now());
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    settings: {
      domainId: '0732100f-1a38-4e49-a514-c9b44c697ab5',
      classificationType: 'Multiclass',
      targetExportPlatforms: [],
      // v3.4-preview settings; v3.3 does not return them.
      exportModelContainerUri: p.backups ? `(emulated)/${ctx.backupContainerName}` : null,
      notificationQueueUri: p.notifications ? `(emulated)/${ctx.queueName}` : null,
    },
    created: now,
    lastModified: now,
    drModeEnabled: ctx.faults.drMode,
    status: p.status,
  };
}

const notAllowed = (): Reply => err(405, 'MethodNotAllowed', 'Method not allowed');

export async function route(
  ctx: RouteContext,
  method: string,
  sub: string,
  query: URLSearchParams,
  body: unknown,
  hasLength = true,
): Promise<Reply> {
  const parts = sub
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
  if (parts[0]?.toLowerCase() !== 'projects') return err(404, 'NotFound', 'Resource not found');
  const copy = routeProjectCopy(
    ctx,
    method,
    parts,
    query,
    hasLength,
    (p) => projectJson(ctx, p),
    (name) => ctx.newProject(name),
  );
  if (copy) return copy;
  if (parts.length === 1) {
    if (method === 'GET') return { status: 200, body: [...ctx.projects.values()].map((p) => projectJson(ctx, p)) };
    if (method === 'POST') {
      if (ctx.projects.size >= ctx.projectLimit)
        return err(400, 'BadRequestExceedProjectLimit', `Exceeded project limit of ${ctx.projectLimit}`);
      const p = await ctx.createProject({
        name: query.get('name') ?? 'project',
        notifications: !!query.get('notificationQueueUri'),
        backups: !!query.get('exportModelContainerUri'),
      });
      return { status: 200, body: projectJson(ctx, p) };
    }
    return notAllowed();
  }
  const p = ctx.projects.get((parts[1] as string).toLowerCase());
  if (!p) return err(404, 'NotFoundProject', `Project not found: ${parts[1] as string}`);
  if (parts.length === 2) {
    if (method === 'GET') return { status: 200, body: projectJson(ctx, p) };
    if (method === 'PATCH') {
      if (ctx.faults.drMode) return DR_MODE();
      const settings =
        typeof body === 'object' && body !== null
          ? (body as { settings?: Record<string, unknown> }).settings
          : undefined;
      const q = typeof settings?.notificationQueueUri === 'string' && settings.notificationQueueUri !== '';
      const c = typeof settings?.exportModelContainerUri === 'string' && settings.exportModelContainerUri !== '';
      if (q || c) await ctx.connect(p.id, { notifications: q || p.notifications, backups: c || p.backups });
      return { status: 200, body: projectJson(ctx, p) };
    }
    return notAllowed();
  }
  if (parts[2]?.toLowerCase() !== 'iterations') return err(404, 'NotFound', 'Resource not found');
  if (parts.length === 3) return method === 'GET' ? { status: 200, body: [...p.iterations.values()] } : notAllowed();
  const it = p.iterations.get((parts[3] as string).toLowerCase());
  if (!it) return err(404, 'NotFoundIteration', `Iteration not found: ${parts[3] as string}`);
  if (parts.length === 4) return method === 'GET' ? { status: 200, body: it } : notAllowed();
  if (parts.length !== 5 || parts[4]?.toLowerCase() !== 'export') return err(404, 'NotFound', 'Resource not found');
  const mine = ctx.exportList.filter((e) => e.projectId === p.id && e.iterationId === it.id);
  if (method === 'GET') return { status: 200, body: mine.map((e) => exportJson(ctx, e)) };
  if (method !== 'POST') return notAllowed();
  return requestExport(ctx, p, it, mine, query);
}

function requestExport(
  ctx: RouteContext,
  p: EmulatedProject,
  it: EmulatedIteration,
  mine: EmulatedExport[],
  query: URLSearchParams,
): Reply {
  if (ctx.faults.drMode) return DR_MODE();
  const platformText = query.get('platform') ?? '';
  const platform = EMULATED_PLATFORMS.find((x) => x.toLowerCase() === platformText.toLowerCase());
  if (!platform) return err(400, 'ErrorExporterInvalidPlatform', `Invalid export platform: ${platformText}`);
  const flavorText = query.get('flavor') ?? undefined;
  let flavor: string | undefined;
  if (flavorText !== undefined && flavorText !== '') {
    flavor = EMULATED_FLAVORS[platform].find((f) => f.toLowerCase() === flavorText.toLowerCase());
    if (!flavor) return err(400, 'ErrorExporterInvalidFlavor', `Invalid export flavor for ${platform}: ${flavorText}`);
  }
  if (it.status === 'Training')
    return err(400, 'BadRequestExportWhileTraining', 'Cannot export while the iteration is training');
  if (!it.exportable || !it.exportableTo?.includes(platform))
    return err(
      400,
      'BadRequestExportValidationFailed',
      'Export validation failed: the iteration is not exportable (not a compact domain)',
    );
  // Exporting *or Done*: the service answers "already queued" in both cases.
  const same = mine.find(
    (e) => e.platform === platform && (e.flavor ?? '') === (flavor ?? '') && exportState(ctx, e) !== 'Failed',
  );
  if (same) return err(400, 'BadRequestExportAlreadyInProgress', `Iteration ${it.id} is already queued for export`);
  const fail =
    typeof ctx.faults.failExports === 'function'
      ? ctx.faults.failExports({ projectId: p.id, iterationId: it.id, platform: platform as ExportPlatform })
      : ctx.faults.failExports;
  const now = ctx.clock.now();
  const e: EmulatedExport = {
    projectId: p.id,
    iterationId: it.id,
    platform,
    requestedAt: now,
    doneAt: now + ctx.exportDurationMs,
    outcome: fail ? 'Failed' : 'Done',
    emitted: false,
  };
  if (flavor !== undefined) e.flavor = flavor;
  ctx.exportList.push(e);
  ctx.wakeAt(e.doneAt);
  return { status: 200, body: exportJson(ctx, e) };
}
