/**
 * Custom Vision emulator: the parts of the Training API (v3.3 / v3.4-preview paths) the
 * backup flow uses, on a loopback HTTP port, plus the service's storage side effects
 * (exported model blobs in the backup container, notifications on the queue) written to
 * Azurite. Split by job: types.ts (options, state), routes.ts (the API and its error
 * codes), server.ts (HTTP, key check, faults), storage.ts (side effects); this file holds
 * the state, the clock-driven export lifecycle and the domain operations.
 *
 * Time comes from an injected {@link Clock}. An export is `Exporting` until
 * `exportDurationMs` (default 42 s) has passed on that clock, then `Done` (or `Failed`).
 * Side effects are emitted once, in order blob → notification, when an export is due:
 * before every HTTP request is answered (so `Done` always means the blob exists), on
 * every advance of a `VirtualClock`, at the due time on the system clock, and on an
 * explicit `flush()`; `completeExports()` finishes every running export now.
 *
 * Facts and what is inferred: docs/emulator.md and docs/reference/custom-vision.md. What is not
 * documented (base64 or raw text on the queue; whether the service sets Content-MD5; the blob name
 * form) is an option.
 */
import { createHash, randomBytes } from 'node:crypto';
import { systemClock } from '../../clock';
import { route, type RouteContext } from './routes';
import { startServer } from './server';
import { DEFAULT_PROJECT_LIMIT, DEFAULT_TRAINING_DURATION_MS } from './projectCopy';
import { createEmulatorStorage, encodeNotification, exportBlobName, fakeModelBytes, foreignSasUrl } from './storage';
import {
  EMULATED_PLATFORMS,
  type AddIterationOptions,
  type CreateProjectOptions,
  type CustomVisionEmulator,
  type CustomVisionEmulatorOptions,
  type EmulatedExport,
  type EmulatedIteration,
  type EmulatedProject,
  type FaultControl,
  type NetworkFault,
  type NotificationLogEntry,
  type RequestLogEntry,
  type StatusFault,
  type TrainIterationOptions,
} from './types';

export * from './types';
export { fakeModelBytes, exportBlobName, SERVICE_EXPORTS_CONTAINER } from './storage';
export { throttledBody } from './server';
export {
  TOKEN_LIFETIME_MS,
  DEFAULT_PROJECT_LIMIT,
  DEFAULT_TRAINING_DURATION_MS,
  estimatedImportTimeMs,
} from './projectCopy';

/** A real small TensorFlow export took about 42 s. */
export const DEFAULT_EXPORT_DURATION_MS = 42_000;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function makeIds(seed: string | undefined): () => string {
  let n = 0;
  const s = seed ?? randomBytes(8).toString('hex');
  return () => {
    const h = createHash('sha256').update(`${s}:${n++}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16] as string, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
}

export async function startCustomVisionEmulator(opts: CustomVisionEmulatorOptions = {}): Promise<CustomVisionEmulator> {
  const clock = opts.clock ?? systemClock;
  const trainingKey = opts.trainingKey ?? randomBytes(16).toString('hex');
  const encoding = opts.notificationEncoding ?? 'json';
  const exportSize = opts.exportSizeBytes ?? 100_000;
  const testBlobLifetimeMs = opts.testBlobLifetimeMs ?? 10_000;
  const backupContainerName = opts.backupContainer ?? 'cv-backups';
  const queueName = opts.queueName ?? 'customvision-notifications';
  const naming = opts.blobNaming ?? 'documented';
  const newId = makeIds(opts.idSeed);

  const projects = new Map<string, EmulatedProject>();
  const exportList: EmulatedExport[] = [];
  const requestLog: RequestLogEntry[] = [];
  const notificationLog: NotificationLogEntry[] = [];
  const timed: { dueAt: number; run: () => Promise<void> }[] = [];
  const statusFaults: (StatusFault & { left: number })[] = [];
  const networkFaults: (NetworkFault & { left: number })[] = [];
  const timers = new Set<NodeJS.Timeout>();
  /** Service-copy SAS URLs by export (what GetExports' downloadUri returns once Done). */
  const downloadUris = new Map<EmulatedExport, string>();
  let backgroundError: unknown;

  const faults: FaultControl = {
    inject: (f) => void statusFaults.push({ ...f, left: f.times ?? 1 }),
    network: (f) => void networkFaults.push({ ...f, left: f.times ?? 1 }),
    dropNotifications: 0,
    failExports: false,
    drMode: opts.drMode ?? false,
    failImports: false,
    importWithoutIterations: false,
    failTrainings: false,
    clear() {
      this.failImports = false;
      this.importWithoutIterations = false;
      this.failTrainings = false;
      statusFaults.length = 0;
      networkFaults.length = 0;
      this.dropNotifications = 0;
      this.failExports = false;
      this.drMode = false;
    },
  };

  const storage = createEmulatorStorage(opts.storageConnectionString, backupContainerName, queueName);

  async function notify(type: NotificationLogEntry['type'], content: Record<string, unknown>): Promise<void> {
    const message = { version: '1.0', type, Content: content };
    let dropped = false;
    if (faults.dropNotifications === true) dropped = true;
    else if (typeof faults.dropNotifications === 'number' && faults.dropNotifications > 0) {
      faults.dropNotifications -= 1;
      dropped = true;
    }
    notificationLog.push({ at: clock.now(), type, message, encoding, dropped });
    if (dropped || !storage.container) return;
    await storage.sendMessage(encodeNotification(message, encoding));
  }

  function modelBytes(projectId: string, iterationId: string, platform: string, flavor?: string): Buffer {
    return fakeModelBytes(exportSize, projectId, iterationId, platform, flavor);
  }

  async function emitExport(e: EmulatedExport): Promise<void> {
    e.emitted = true;
    const project = projects.get(e.projectId);
    if (!project) return;
    const content: Record<string, unknown> = {
      projectId: e.projectId,
      iterationId: e.iterationId,
      exportStatus: e.outcome === 'Done' ? 'ExportCompleted' : 'ExportFailed',
    };
    if (e.outcome === 'Done') {
      const bytes = modelBytes(e.projectId, e.iterationId, e.platform, e.flavor);
      const own = exportBlobName(
        'customVisionCopy',
        e.projectId,
        e.iterationId,
        `${e.platform}${e.flavor ? `.${e.flavor}` : ''}`,
      );
      const sas = await storage.writeServiceCopy(own, bytes);
      if (sas) {
        e.serviceBlobName = own;
        downloadUris.set(e, sas);
      }
      const name = exportBlobName(naming, e.projectId, e.iterationId, e.platform, e.flavor);
      if (project.backups) {
        const url = await storage.writeModel(name, bytes, opts.contentMd5 === true);
        e.blobName = name;
        content.modelUri =
          url ?? `http://127.0.0.1/devstoreaccount1/${backupContainerName}/${encodeURIComponent(name)}`;
      } else {
        content.modelUri = foreignSasUrl(name);
      }
    }
    if (project.notifications) await notify('Export', content);
    if (e.outcome === 'Done' && project.backups && opts.deleteBlobAfterExport && e.blobName)
      await storage.deleteModel(e.blobName);
  }

  let chain: Promise<void> = Promise.resolve();
  async function drain(): Promise<void> {
    for (;;) {
      const now = clock.now();
      const dueExport = exportList.filter((e) => !e.emitted && e.doneAt <= now).sort((a, b) => a.doneAt - b.doneAt)[0];
      const dueTimed = timed.filter((t) => t.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt)[0];
      if (dueExport && (!dueTimed || dueExport.doneAt <= dueTimed.dueAt)) await emitExport(dueExport);
      else if (dueTimed) {
        timed.splice(timed.indexOf(dueTimed), 1);
        await dueTimed.run();
      } else return;
    }
  }
  function runDue(): Promise<void> {
    const next = chain.then(drain);
    chain = next.catch(() => undefined);
    return next;
  }
  function kick(): void {
    runDue().catch((e: unknown) => {
      backgroundError ??= e;
    });
  }
  async function flush(): Promise<void> {
    await runDue();
    if (backgroundError !== undefined) {
      const e = backgroundError;
      backgroundError = undefined;
      throw e;
    }
  }
  const unsubscribe =
    'onAdvance' in clock && typeof (clock as { onAdvance?: unknown }).onAdvance === 'function'
      ? (clock as unknown as { onAdvance(l: (now: number) => void): () => void }).onAdvance(() => kick())
      : undefined;
  function wakeAt(dueAt: number): void {
    if (clock.virtual) return;
    const t = setTimeout(
      () => {
        timers.delete(t);
        kick();
      },
      Math.max(0, dueAt - clock.now()),
    );
    t.unref();
    timers.add(t);
  }

  // ---- domain operations ----------------------------------------------------------------
  function newIteration(project: EmulatedProject, status: string, exportable: boolean): EmulatedIteration {
    const now = clock.now();
    const completed = status === 'Completed';
    const it: EmulatedIteration = {
      id: newId(),
      projectId: project.id,
      name: `Iteration ${project.iterations.size + 1}`,
      status,
      created: iso(now),
      lastModified: iso(now),
      exportable: exportable && completed,
      exportableTo: exportable ? [...EMULATED_PLATFORMS] : null,
      domainId: exportable ? '0732100f-1a38-4e49-a514-c9b44c697ab5' : 'ee85a74c-405e-4adc-bb47-ffa8ca0c9f31',
      classificationType: 'Multiclass',
      trainingType: 'Regular',
      reservedBudgetInHours: 0,
      trainingTimeInMinutes: completed ? 1 : 0,
      publishName: '',
      originalPublishResourceId: '',
    };
    if (completed) it.trainedAt = iso(now);
    project.iterations.set(it.id, it);
    return it;
  }

  async function connect(projectId: string, c: { notifications?: boolean; backups?: boolean } = {}): Promise<void> {
    const p = projects.get(projectId);
    if (!p) throw new Error(`no project ${projectId}`);
    p.notifications = c.notifications ?? p.notifications;
    p.backups = c.backups ?? p.backups;
    if (p.backups && storage.container) {
      const name = `CustomVision-TestPermission-${newId()}/permission-test`;
      await storage.writeTestBlob(name);
      timed.push({ dueAt: clock.now() + testBlobLifetimeMs, run: () => storage.deleteModel(name) });
      wakeAt(clock.now() + testBlobLifetimeMs);
    }
    if (p.notifications) await notify('ConnectionTest', { projectId });
  }

  function newProject(name: string, id?: string): EmulatedProject {
    const p: EmulatedProject = {
      id: (id ?? newId()).toLowerCase(),
      name,
      notifications: false,
      backups: false,
      iterations: new Map(),
      status: 'Succeeded',
      description: '',
      imageCount: 0,
      tagCount: 0,
      regionCount: 0,
    };
    projects.set(p.id, p);
    return p;
  }

  function publish(projectId: string, iterationId: string, publishName: string, predictionResourceId?: string): void {
    const p = projects.get(projectId);
    const it = p?.iterations.get(iterationId);
    if (!p || !it) throw new Error(`no iteration ${projectId}/${iterationId}`);
    for (const other of p.iterations.values())
      if (other.publishName === publishName) {
        other.publishName = '';
        other.originalPublishResourceId = '';
      }
    it.publishName = publishName;
    it.originalPublishResourceId =
      predictionResourceId ??
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/cv-prediction';
  }

  async function createProject(o: CreateProjectOptions = {}): Promise<EmulatedProject> {
    const p = newProject(o.name ?? 'project', o.id);
    p.imageCount = o.images ?? 10;
    p.tagCount = o.tags ?? 2;
    p.regionCount = o.regions ?? 0;
    let last: EmulatedIteration | undefined;
    for (let i = 0; i < (o.iterations ?? 0); i++) last = newIteration(p, 'Completed', o.exportable ?? true);
    if (last && o.publishName) publish(p.id, last.id, o.publishName, o.publishResourceId);
    const notifications = o.notifications ?? true;
    const backups = o.backups ?? true;
    if (notifications || backups) await connect(p.id, { notifications, backups });
    return p;
  }

  async function trainIteration(projectId: string, o: TrainIterationOptions = {}): Promise<EmulatedIteration> {
    const p = projects.get(projectId);
    if (!p) throw new Error(`no project ${projectId}`);
    const ok = (o.status ?? 'TrainingCompleted') === 'TrainingCompleted';
    const it = newIteration(p, ok ? 'Completed' : 'Failed', o.exportable ?? true);
    if (p.notifications)
      await notify('Training', {
        projectId,
        iterationId: it.id,
        trainingStatus: ok ? 'TrainingCompleted' : 'TrainingFailed',
      });
    return it;
  }

  function addIteration(projectId: string, o: AddIterationOptions): EmulatedIteration {
    const p = projects.get(projectId);
    if (!p) throw new Error(`no project ${projectId}`);
    return newIteration(p, o.status, o.exportable ?? true);
  }

  async function completeExports(): Promise<EmulatedExport[]> {
    const now = clock.now();
    const pending = exportList.filter((e) => !e.emitted);
    for (const e of pending) e.doneAt = Math.min(e.doneAt, now);
    await flush();
    return pending;
  }

  const ctx: RouteContext = {
    clock,
    projects,
    exportList,
    faults,
    exportDurationMs: opts.exportDurationMs ?? DEFAULT_EXPORT_DURATION_MS,
    exportingStatusText: opts.exportingStatusText,
    flavorCasing: opts.flavorCasing ?? 'canonical',
    backupContainerName,
    queueName,
    createProject,
    newProject: (name) => newProject(name),
    projectLimit: opts.projectLimit ?? DEFAULT_PROJECT_LIMIT,
    trainingDurationMs: opts.trainingDurationMs ?? DEFAULT_TRAINING_DURATION_MS,
    newId,
    connect,
    wakeAt,
    downloadUri: (e) => downloadUris.get(e) ?? foreignSasUrl(`${e.projectId} - ${e.iterationId}.${e.platform}`),
  };

  const server = await startServer({
    clock,
    trainingKey,
    requestLog,
    statusFaults,
    networkFaults,
    newId,
    runDue,
    route: (method, sub, query, body, hasLength) => route(ctx, method, sub, query, body, hasLength),
  });

  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    trainingKey,
    projects,
    exports: exportList,
    requestLog,
    notificationLog,
    faults,
    backupContainerName,
    queueName,
    createProject,
    connect,
    trainIteration,
    addIteration,
    publish,
    completeExports,
    flush,
    tick: flush,
    modelBytes,
    async close() {
      unsubscribe?.();
      for (const t of timers) clearTimeout(t);
      await server.close();
      await chain;
    },
  };
}
