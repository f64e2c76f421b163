/**
 * Custom Vision emulator: the parts of the Training API v3.3 the backup flow uses, on a
 * loopback HTTP port, plus the service's storage side effects (exported model blobs in
 * the backup container, notifications on the queue) written to Azurite.
 *
 * Time comes from an injected {@link Clock}. An export is `Exporting` until
 * `exportDurationMs` has passed on that clock, then `Done` (or `Failed`). Side effects are
 * emitted once, in order blob → notification, when an export is due: before every HTTP
 * request is answered (so `Done` always means the blob exists), on every advance of a
 * `VirtualClock`, at the due time on the system clock, and on an explicit `flush()`;
 * `completeExports()` finishes every running export now.
 *
 * Facts: docs/reference/custom-vision.md. What is not documented
 * (base64 or raw text on the queue; whether the service sets Content-MD5) is an option.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { systemClock, type Clock } from '../../clock';

export type ExportPlatform = 'CoreML' | 'TensorFlow' | 'DockerFile' | 'ONNX' | 'VAIDK' | 'OpenVino';
export const EMULATED_PLATFORMS: readonly ExportPlatform[] = [
  'CoreML',
  'TensorFlow',
  'DockerFile',
  'ONNX',
  'VAIDK',
  'OpenVino',
];
const FLAVORS = ['Linux', 'Windows', 'ONNX10', 'ONNX12', 'ARM', 'TensorFlowNormal', 'TensorFlowLite'];

export interface EmulatedIteration {
  id: string;
  projectId: string;
  name: string;
  status: 'Completed' | 'Failed' | 'Training';
  created: string;
  lastModified: string;
  trainedAt?: string;
  exportable: boolean;
  exportableTo: ExportPlatform[];
  domainId: string;
}

export interface EmulatedProject {
  id: string;
  name: string;
  /** The project sends notifications to the queue (`notificationQueueUri` set). */
  notifications: boolean;
  /** The project writes exported models to the backup container (`exportModelContainerUri` set). */
  backups: boolean;
  iterations: Map<string, EmulatedIteration>;
}

export interface EmulatedExport {
  projectId: string;
  iterationId: string;
  platform: ExportPlatform;
  flavor?: string;
  requestedAt: number;
  doneAt: number;
  outcome: 'Done' | 'Failed';
  emitted: boolean;
  /** Set once emitted with `Done` and a backup container. */
  blobName?: string;
}

export interface RequestLogEntry {
  at: number;
  method: string;
  /** Path and query; query values other than name/platform/flavor are redacted. */
  path: string;
  status: number;
  keyValid: boolean;
  fault?: string;
}

export interface NotificationLogEntry {
  at: number;
  type: 'ConnectionTest' | 'Training' | 'Export';
  /** The message as sent (before encoding). */
  message: Record<string, unknown>;
  encoding: 'json' | 'base64';
  dropped: boolean;
}

export interface StatusFault {
  status: number;
  /** How many matching requests fail (default 1). */
  times?: number;
  retryAfterSeconds?: number;
  code?: string;
  method?: string;
  pathIncludes?: string;
}

export interface NetworkFault {
  kind: 'reset' | 'hang';
  times?: number;
  method?: string;
  pathIncludes?: string;
}

export interface FaultControl {
  /** Fail the next matching request(s) with this status (429 with Retry-After, 500, 503, …). */
  inject(f: StatusFault): void;
  /** Reset the connection, or never answer (until close), for the next matching request(s). */
  network(f: NetworkFault): void;
  /** Drop the next n notifications (`true`: all, `false`/0: none) — a lost message. */
  dropNotifications: number | boolean;
  /** Exports requested while this is true (or the predicate says so) end `Failed`. */
  failExports: boolean | ((e: { projectId: string; iterationId: string; platform: ExportPlatform }) => boolean);
  clear(): void;
}

export interface CustomVisionEmulatorOptions {
  clock?: Clock;
  /** Azurite (or real) storage for side effects; without it they are only logged. */
  storageConnectionString?: string;
  backupContainer?: string;
  queueName?: string;
  trainingKey?: string;
  /** Default 30 s of clock time. */
  exportDurationMs?: number;
  notificationEncoding?: 'json' | 'base64';
  /** Size of each fake exported model (deterministic bytes), default 100 000. */
  exportSizeBytes?: number;
  /**
   * `false` (default): models are written as blocks + block list, so the blob has no
   * Content-MD5 (the backup computes SHA-256). `true`: one Put Blob with Content-MD5.
   */
  contentMd5?: boolean;
  /** How long the `CustomVision-TestPermission-` blob lives, default 10 s of clock time. */
  testBlobLifetimeMs?: number;
  /** Seed for deterministic GUIDs; default random. */
  idSeed?: string;
}

export interface CreateProjectOptions {
  id?: string;
  name?: string;
  notifications?: boolean;
  backups?: boolean;
  /** Train this many completed iterations at once (no notifications for them). */
  iterations?: number;
  /** Compact domain → exportable (default true). */
  exportable?: boolean;
}

export interface TrainIterationOptions {
  status?: 'TrainingCompleted' | 'TrainingFailed';
  exportable?: boolean;
}

export interface CustomVisionEmulator {
  endpoint: string;
  trainingKey: string;
  projects: ReadonlyMap<string, EmulatedProject>;
  exports: readonly EmulatedExport[];
  requestLog: RequestLogEntry[];
  notificationLog: NotificationLogEntry[];
  faults: FaultControl;
  backupContainerName: string;
  queueName: string;
  createProject(opts?: CreateProjectOptions): Promise<EmulatedProject>;
  /** Sets the storage URIs on a project: test blob + ConnectionTest message. */
  connect(projectId: string, opts?: { notifications?: boolean; backups?: boolean }): Promise<void>;
  /** A new iteration and its Training notification. */
  trainIteration(projectId: string, opts?: TrainIterationOptions): Promise<EmulatedIteration>;
  /** Finishes every running export now and emits its side effects. */
  completeExports(): Promise<EmulatedExport[]>;
  /** Emits every side effect that is due by the clock. */
  flush(): Promise<void>;
  tick(): Promise<void>;
  /** Deterministic bytes of an exported model. */
  modelBytes(projectId: string, iterationId: string, platform: string, flavor?: string): Buffer;
  close(): Promise<void>;
}

const API_PREFIX = /^\/customvision\/v3\.\d+(?:-preview)?\/training(\/.*)?$/i;
const SAFE_QUERY = new Set(['name', 'platform', 'flavor']);

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

export function fakeModelBytes(
  size: number,
  projectId: string,
  iterationId: string,
  platform: string,
  flavor?: string,
): Buffer {
  const seed = `${projectId}|${iterationId}|${platform}|${flavor ?? ''}`;
  const out = Buffer.alloc(size);
  let off = 0;
  for (let i = 0; off < size; i++) {
    const block = createHash('sha256').update(`${seed}#${i}`).digest();
    off += block.copy(out, off);
  }
  return out;
}

export async function startCustomVisionEmulator(opts: CustomVisionEmulatorOptions = {}): Promise<CustomVisionEmulator> {
  const clock = opts.clock ?? systemClock;
  const trainingKey = opts.trainingKey ?? randomBytes(16).toString('hex');
  const exportDurationMs = opts.exportDurationMs ?? 30_000;
  const encoding = opts.notificationEncoding ?? 'json';
  const exportSize = opts.exportSizeBytes ?? 100_000;
  const testBlobLifetimeMs = opts.testBlobLifetimeMs ?? 10_000;
  const backupContainerName = opts.backupContainer ?? 'cv-backups';
  const queueName = opts.queueName ?? 'customvision-notifications';
  const newId = makeIds(opts.idSeed);

  const projects = new Map<string, EmulatedProject>();
  const exportList: EmulatedExport[] = [];
  const requestLog: RequestLogEntry[] = [];
  const notificationLog: NotificationLogEntry[] = [];
  const timed: { dueAt: number; run: () => Promise<void> }[] = [];
  const statusFaults: (StatusFault & { left: number })[] = [];
  const networkFaults: (NetworkFault & { left: number })[] = [];
  const hung = new Set<http.ServerResponse>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let backgroundError: unknown;

  const faults: FaultControl = {
    inject: (f) => void statusFaults.push({ ...f, left: f.times ?? 1 }),
    network: (f) => void networkFaults.push({ ...f, left: f.times ?? 1 }),
    dropNotifications: 0,
    failExports: false,
    clear() {
      statusFaults.length = 0;
      networkFaults.length = 0;
      this.dropNotifications = 0;
      this.failExports = false;
    },
  };

  // ---- storage side effects ------------------------------------------------------------
  let container: ContainerClient | undefined;
  let queue: QueueClient | undefined;
  let storageReady: Promise<void> | undefined;
  if (opts.storageConnectionString) {
    container = BlobServiceClient.fromConnectionString(opts.storageConnectionString).getContainerClient(
      backupContainerName,
    );
    queue = QueueServiceClient.fromConnectionString(opts.storageConnectionString).getQueueClient(queueName);
  }
  function ensureStorage(): Promise<void> {
    storageReady ??= (async () => {
      await container?.createIfNotExists();
      await queue?.createIfNotExists();
    })();
    return storageReady;
  }

  async function notify(type: NotificationLogEntry['type'], content: Record<string, unknown>): Promise<void> {
    const message = { version: '1.0', type, Content: content };
    let dropped = false;
    if (faults.dropNotifications === true) dropped = true;
    else if (typeof faults.dropNotifications === 'number' && faults.dropNotifications > 0) {
      faults.dropNotifications -= 1;
      dropped = true;
    }
    notificationLog.push({ at: clock.now(), type, message, encoding, dropped });
    if (dropped || !queue) return;
    await ensureStorage();
    const text = JSON.stringify(message);
    await queue.sendMessage(encoding === 'base64' ? Buffer.from(text, 'utf8').toString('base64') : text);
  }

  function modelBytes(projectId: string, iterationId: string, platform: string, flavor?: string): Buffer {
    return fakeModelBytes(exportSize, projectId, iterationId, platform, flavor);
  }

  async function writeModelBlob(name: string, bytes: Buffer): Promise<string | undefined> {
    if (!container) return undefined;
    await ensureStorage();
    const blob = container.getBlockBlobClient(name);
    const headers = { blobContentType: 'application/octet-stream' };
    if (opts.contentMd5) {
      await blob.upload(bytes, bytes.length, {
        blobHTTPHeaders: { ...headers, blobContentMD5: createHash('md5').update(bytes).digest() },
      });
    } else {
      // Blocks + block list: the service stores no Content-MD5 for the whole blob.
      const ids: string[] = [];
      const blockSize = 32 * 1024;
      for (let off = 0, i = 0; off < bytes.length; off += blockSize, i++) {
        const id = Buffer.from(`block-${String(i).padStart(6, '0')}`).toString('base64');
        const part = bytes.subarray(off, off + blockSize);
        await blob.stageBlock(id, part, part.length);
        ids.push(id);
      }
      await blob.commitBlockList(ids, { blobHTTPHeaders: headers });
    }
    return blob.url;
  }

  function foreignSasUrl(name: string): string {
    // What Custom Vision sends when no container is integrated: its own blob, with a SAS.
    const sig = createHash('sha256').update(`sig:${name}`).digest('base64');
    return `https://irisprodeutraining.blob.core.windows.net/exports/${encodeURIComponent(name)}?sv=2020-08-04&se=2099-01-01T00%3A00%3A00Z&sr=b&sp=r&sig=${encodeURIComponent(sig)}`;
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
      const name = `${e.projectId} - ${e.iterationId}.${e.platform}`;
      if (project.backups) {
        const url = await writeModelBlob(name, modelBytes(e.projectId, e.iterationId, e.platform, e.flavor));
        e.blobName = name;
        content.modelUri =
          url ?? `http://127.0.0.1/devstoreaccount1/${backupContainerName}/${encodeURIComponent(name)}`;
      } else {
        content.modelUri = foreignSasUrl(name);
      }
    }
    if (project.notifications) await notify('Export', content);
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
  function newIteration(
    project: EmulatedProject,
    status: EmulatedIteration['status'],
    exportable: boolean,
  ): EmulatedIteration {
    const now = clock.now();
    const it: EmulatedIteration = {
      id: newId(),
      projectId: project.id,
      name: `Iteration ${project.iterations.size + 1}`,
      status,
      created: iso(now),
      lastModified: iso(now),
      exportable: exportable && status === 'Completed',
      exportableTo: exportable ? [...EMULATED_PLATFORMS] : [],
      domainId: exportable ? '0732100f-1a38-4e49-a514-c9b44c697ab5' : 'ee85a74c-405e-4adc-bb47-ffa8ca0c9f31',
    };
    if (status === 'Completed') it.trainedAt = iso(now);
    project.iterations.set(it.id, it);
    return it;
  }

  async function connect(projectId: string, c: { notifications?: boolean; backups?: boolean } = {}): Promise<void> {
    const p = projects.get(projectId);
    if (!p) throw new Error(`no project ${projectId}`);
    p.notifications = c.notifications ?? p.notifications;
    p.backups = c.backups ?? p.backups;
    if (p.backups && container) {
      await ensureStorage();
      const name = `CustomVision-TestPermission-${newId()}/permission-test`;
      await container.getBlockBlobClient(name).upload('test', 4);
      const c2 = container;
      timed.push({
        dueAt: clock.now() + testBlobLifetimeMs,
        run: async () => void (await c2.getBlobClient(name).deleteIfExists()),
      });
      wakeAt(clock.now() + testBlobLifetimeMs);
    }
    if (p.notifications) await notify('ConnectionTest', { projectId });
  }

  async function createProject(o: CreateProjectOptions = {}): Promise<EmulatedProject> {
    const p: EmulatedProject = {
      id: (o.id ?? newId()).toLowerCase(),
      name: o.name ?? 'project',
      notifications: false,
      backups: false,
      iterations: new Map(),
    };
    projects.set(p.id, p);
    for (let i = 0; i < (o.iterations ?? 0); i++) newIteration(p, 'Completed', o.exportable ?? true);
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

  async function completeExports(): Promise<EmulatedExport[]> {
    const now = clock.now();
    const pending = exportList.filter((e) => !e.emitted);
    for (const e of pending) e.doneAt = Math.min(e.doneAt, now);
    await flush();
    return pending;
  }

  function exportState(e: EmulatedExport): 'Exporting' | 'Done' | 'Failed' {
    return clock.now() >= e.doneAt ? e.outcome : 'Exporting';
  }

  function exportJson(e: EmulatedExport): Record<string, unknown> {
    const status = exportState(e);
    const name = `${e.projectId} - ${e.iterationId}.${e.platform}`;
    return {
      platform: e.platform,
      status,
      downloadUri: status === 'Done' ? foreignSasUrl(name) : '',
      flavor: e.flavor ?? null,
      newerVersionAvailable: false,
    };
  }

  function projectJson(p: EmulatedProject): Record<string, unknown> {
    return {
      id: p.id,
      name: p.name,
      description: '',
      settings: {
        domainId: '0732100f-1a38-4e49-a514-c9b44c697ab5',
        classificationType: 'Multiclass',
        targetExportPlatforms: [],
        exportModelContainerUri: p.backups ? `(emulated)/${backupContainerName}` : null,
        notificationQueueUri: p.notifications ? `(emulated)/${queueName}` : null,
      },
      created: iso(clock.now()),
      lastModified: iso(clock.now()),
      status: 'Succeeded',
    };
  }

  // ---- HTTP ------------------------------------------------------------------------------
  type Reply = { status: number; body?: unknown; headers?: Record<string, string> };
  const err = (status: number, code: string, message: string): Reply => ({ status, body: { code, message } });

  async function route(method: string, sub: string, query: URLSearchParams, body: unknown): Promise<Reply> {
    const parts = sub
      .split('/')
      .filter(Boolean)
      .map((s) => decodeURIComponent(s));
    if (parts[0]?.toLowerCase() !== 'projects') return err(404, 'NotFound', 'Resource not found');
    if (parts.length === 1) {
      if (method === 'GET') return { status: 200, body: [...projects.values()].map(projectJson) };
      if (method === 'POST') {
        const p = await createProject({
          name: query.get('name') ?? 'project',
          notifications: !!query.get('notificationQueueUri'),
          backups: !!query.get('exportModelContainerUri'),
        });
        return { status: 200, body: projectJson(p) };
      }
      return err(405, 'MethodNotAllowed', 'Method not allowed');
    }
    const p = projects.get((parts[1] as string).toLowerCase());
    if (!p) return err(404, 'BadRequestProjectNotFound', 'Project not found');
    if (parts.length === 2) {
      if (method === 'GET') return { status: 200, body: projectJson(p) };
      if (method === 'PATCH') {
        const settings =
          typeof body === 'object' && body !== null
            ? (body as { settings?: Record<string, unknown> }).settings
            : undefined;
        const q = typeof settings?.notificationQueueUri === 'string' && settings.notificationQueueUri !== '';
        const c = typeof settings?.exportModelContainerUri === 'string' && settings.exportModelContainerUri !== '';
        if (q || c) await connect(p.id, { notifications: q || p.notifications, backups: c || p.backups });
        return { status: 200, body: projectJson(p) };
      }
      return err(405, 'MethodNotAllowed', 'Method not allowed');
    }
    if (parts.length === 3 && parts[2]?.toLowerCase() === 'train' && method === 'POST') {
      const it = await trainIteration(p.id);
      return { status: 200, body: it };
    }
    if (parts[2]?.toLowerCase() !== 'iterations') return err(404, 'NotFound', 'Resource not found');
    if (parts.length === 3)
      return method === 'GET'
        ? { status: 200, body: [...p.iterations.values()] }
        : err(405, 'MethodNotAllowed', 'Method not allowed');
    const it = p.iterations.get((parts[3] as string).toLowerCase());
    if (!it) return err(404, 'BadRequestIterationNotFound', 'Iteration not found');
    if (parts.length === 4)
      return method === 'GET' ? { status: 200, body: it } : err(405, 'MethodNotAllowed', 'Method not allowed');
    if (parts.length !== 5 || parts[4]?.toLowerCase() !== 'export') return err(404, 'NotFound', 'Resource not found');
    const mine = exportList.filter((e) => e.projectId === p.id && e.iterationId === it.id);
    if (method === 'GET') return { status: 200, body: mine.map(exportJson) };
    if (method !== 'POST') return err(405, 'MethodNotAllowed', 'Method not allowed');
    const platform = EMULATED_PLATFORMS.find((x) => x.toLowerCase() === (query.get('platform') ?? '').toLowerCase());
    if (!platform) return err(400, 'BadRequestExportPlatformNotSupported', 'Unsupported export platform');
    const flavor = query.get('flavor') ?? undefined;
    if (flavor !== undefined && !FLAVORS.includes(flavor))
      return err(400, 'BadRequestExportFlavorNotSupported', 'Unsupported export flavor');
    if (it.status === 'Training')
      return err(400, 'BadRequestExportWhileTraining', 'Cannot export while the iteration is training');
    if (!it.exportable || !it.exportableTo.includes(platform))
      return err(
        400,
        'BadRequestExportValidationFailed',
        'Export validation failed: the iteration is not exportable (not a compact domain)',
      );
    const same = mine.find(
      (e) => e.platform === platform && (e.flavor ?? '') === (flavor ?? '') && exportState(e) !== 'Failed',
    );
    if (same) return err(400, 'BadRequestExportAlreadyInProgress', `Iteration ${it.id} is already queued for export`);
    const fail =
      typeof faults.failExports === 'function'
        ? faults.failExports({ projectId: p.id, iterationId: it.id, platform })
        : faults.failExports;
    const now = clock.now();
    const e: EmulatedExport = {
      projectId: p.id,
      iterationId: it.id,
      platform,
      requestedAt: now,
      doneAt: now + exportDurationMs,
      outcome: fail ? 'Failed' : 'Done',
      emitted: false,
    };
    if (flavor !== undefined) e.flavor = flavor;
    exportList.push(e);
    wakeAt(e.doneAt);
    return { status: 200, body: exportJson(e) };
  }

  function safePath(url: URL): string {
    const q = [...url.searchParams.entries()].map(([k, v]) => `${k}=${SAFE_QUERY.has(k) ? v : '[redacted]'}`).join('&');
    return q ? `${url.pathname}?${q}` : url.pathname;
  }

  function matches(f: { method?: string; pathIncludes?: string }, method: string, path: string): boolean {
    return (!f.method || f.method.toUpperCase() === method) && (!f.pathIncludes || path.includes(f.pathIncludes));
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://emulator');
    const entry: RequestLogEntry = {
      at: clock.now(),
      method,
      path: safePath(url),
      status: 0,
      keyValid: req.headers['training-key'] === trainingKey,
    };
    requestLog.push(entry);
    const send = (r: Reply): void => {
      entry.status = r.status;
      const text = r.body === undefined ? '' : JSON.stringify(r.body);
      res.writeHead(r.status, {
        'content-type': 'application/json; charset=utf-8',
        'apim-request-id': newId(),
        ...(r.headers ?? {}),
      });
      res.end(text);
    };
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const m = API_PREFIX.exec(url.pathname);
    if (!m) return send(err(404, 'NotFound', 'Resource not found'));
    if (!entry.keyValid) {
      return send({
        status: 401,
        body: {
          error: {
            code: '401',
            message:
              'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
          },
        },
      });
    }
    const nf = networkFaults.find((f) => f.left > 0 && matches(f, method, url.pathname));
    if (nf) {
      nf.left -= 1;
      entry.fault = nf.kind;
      if (nf.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      hung.add(res);
      return;
    }
    const sf = statusFaults.find((f) => f.left > 0 && matches(f, method, url.pathname));
    if (sf) {
      sf.left -= 1;
      entry.fault = String(sf.status);
      const headers: Record<string, string> = {};
      if (sf.retryAfterSeconds !== undefined) headers['retry-after'] = String(sf.retryAfterSeconds);
      const body =
        sf.status === 429
          ? {
              error: {
                code: sf.code ?? '429',
                message: `Rate limit is exceeded. Try again in ${sf.retryAfterSeconds ?? 1} seconds.`,
              },
            }
          : {
              code:
                sf.code ??
                (sf.status === 503 ? 'ServiceUnavailable' : sf.status >= 500 ? 'InternalServerError' : 'BadRequest'),
              message: `Injected fault ${sf.status}`,
            };
      return send({ status: sf.status, body, headers });
    }
    await runDue();
    let body: unknown;
    if (chunks.length > 0) {
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(err(400, 'BadRequestInvalidBody', 'Body is not JSON'));
      }
    }
    send(await route(method, m[1] ?? '/', url.searchParams, body));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            code: 'InternalServerError',
            message: e instanceof Error ? e.message.slice(0, 200) : 'emulator error',
          }),
        );
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
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
    completeExports,
    flush,
    tick: flush,
    modelBytes,
    async close() {
      unsubscribe?.();
      for (const t of timers) clearTimeout(t);
      for (const r of hung) r.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      await chain;
    },
  };
}
