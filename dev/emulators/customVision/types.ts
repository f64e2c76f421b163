/**
 * Types of the Custom Vision emulator: options, state, fault controls. Facts behind the
 * defaults: docs/emulator.md (Custom Vision rows).
 */
import type { Clock } from '../../clock';

/** Platforms (v3.4-preview adds IVS) and flavors the service accepts (see docs/emulator.md). */
export const EMULATED_PLATFORMS = ['CoreML', 'TensorFlow', 'DockerFile', 'ONNX', 'VAIDK', 'OpenVino', 'IVS'] as const;
export type ExportPlatform = (typeof EMULATED_PLATFORMS)[number];
export const EMULATED_FLAVORS: Readonly<Record<ExportPlatform, readonly string[]>> = {
  CoreML: ['CoreMLFloat16'],
  TensorFlow: ['TensorFlowNormal', 'TensorFlowLite', 'TensorFlowLiteFloat16', 'TensorFlowSavedModel', 'TensorFlowJs'],
  DockerFile: ['Linux', 'Windows', 'ARM'],
  ONNX: ['ONNX10', 'ONNX12', 'ONNXFloat16'],
  VAIDK: [],
  OpenVino: ['NoPostProcess'],
  IVS: [],
};

/**
 * How the emulated service names the exported blob in the integrated container. Only the
 * guide documents `documented`; the others are the unconfirmed variants the app must accept.
 */
export type BlobNaming = 'documented' | 'noDashes' | 'zip' | 'flavorSuffix' | 'customVisionCopy';

export interface EmulatedIteration {
  id: string;
  projectId: string;
  name: string;
  /** `New` (created, never trained) is possible; any other text tests open enumerations. */
  status: 'New' | 'Completed' | 'Failed' | 'Training' | (string & {});
  created: string;
  lastModified: string;
  trainedAt?: string;
  exportable: boolean;
  /** `null` when the domain is not compact (the service sends null, not []). */
  exportableTo: ExportPlatform[] | null;
  domainId: string;
  classificationType: 'Multiclass' | 'Multilabel';
  trainingType: 'Regular' | 'Advanced';
  reservedBudgetInHours: number;
  trainingTimeInMinutes: number;
  publishName: string;
  originalPublishResourceId: string;
}

export interface EmulatedProject {
  id: string;
  name: string;
  /** The project sends notifications to the queue (`notificationQueueUri` set). */
  notifications: boolean;
  /** The project writes exported models to the backup container (`exportModelContainerUri` set). */
  backups: boolean;
  iterations: Map<string, EmulatedIteration>;
  /** `Succeeded` for a project made here; `Importing` then `Succeeded` / `Failed` for an imported one. */
  status: 'Succeeded' | 'Importing' | 'Failed';
  description: string;
  imageCount: number;
  tagCount: number;
  regionCount: number;
  /** A TrainProject in progress: the iteration is `Training` until `doneAt` (settled lazily by the clock). */
  training?: { iterationId: string; doneAt: number; fail: boolean };
  /** An import in progress (settled lazily by the clock). */
  import?: {
    snapshot: {
      imageCount: number;
      tagCount: number;
      regionCount: number;
      iterations: Omit<EmulatedIteration, 'id' | 'projectId'>[];
    };
    doneAt: number;
    fail: boolean;
  };
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
  /** Set once emitted with `Done` and storage: the service's own copy (what `downloadUri` points at). */
  serviceBlobName?: string;
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
  /** While true, writes (export, train, PATCH) answer 403 `ForbiddenDRModeEnabled` (project read-only). */
  drMode: boolean;
  /** Imports that end `Failed` with images and tags missing: `true` all, a number the next n. */
  failImports: boolean | number;
  /** Imports that end `Succeeded` with no trained iteration (as the deprecated migrate sample left them). */
  importWithoutIterations: boolean;
  /** Trainings started by `POST /projects/{id}/train` while this is true end `Failed`. */
  failTrainings: boolean;
  clear(): void;
}

export interface CustomVisionEmulatorOptions {
  clock?: Clock;
  /** Azurite (or real) storage for side effects; without it they are only logged. */
  storageConnectionString?: string;
  backupContainer?: string;
  queueName?: string;
  trainingKey?: string;
  /** Default 42 s of clock time (a real small TensorFlow export took about 42 s). */
  exportDurationMs?: number;
  /** Name form of the exported blob in the backup container (default `documented`). */
  blobNaming?: BlobNaming;
  /** Delete the exported blob from the backup container right after the notification (blob missing, `downloadUri` still works). */
  deleteBlobAfterExport?: boolean;
  /** Status text GetExports reports while exporting, instead of `Exporting` (an unknown value; open enum). */
  exportingStatusText?: string;
  /** Casing of `platform` / `flavor` in GetExports replies (default `canonical`). */
  flavorCasing?: 'canonical' | 'lower' | 'upper';
  /** Start with every project in DR mode (`faults.drMode`). */
  drMode?: boolean;
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
  /** Projects per resource (S0: 100); creating or importing one more → `BadRequestExceedProjectLimit`. */
  projectLimit?: number;
  /** How long `POST /projects/{id}/train` keeps its iteration `Training`, default 10 min of clock time. */
  trainingDurationMs?: number;
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
  /** Counts the project export reports (defaults 10 images, 2 tags, 0 regions). */
  images?: number;
  tags?: number;
  regions?: number;
  /** Publish the last trained iteration under this name (to `publishResourceId`). */
  publishName?: string;
  publishResourceId?: string;
}

export interface TrainIterationOptions {
  status?: 'TrainingCompleted' | 'TrainingFailed';
  exportable?: boolean;
}

export interface AddIterationOptions {
  /** Any status text, e.g. `New`, `Training`, or an unknown value. */
  status: string;
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
  /** An iteration in any status (no notification): `New`, `Training`, unknown text. */
  addIteration(projectId: string, opts: AddIterationOptions): EmulatedIteration;
  /** Publishes an iteration (as the portal would), unpublishing the project's others under the same name. */
  publish(projectId: string, iterationId: string, publishName: string, predictionResourceId?: string): void;
  /** Finishes every running export now and emits its side effects. */
  completeExports(): Promise<EmulatedExport[]>;
  /** Emits every side effect that is due by the clock. */
  flush(): Promise<void>;
  tick(): Promise<void>;
  /** Deterministic bytes of an exported model. */
  modelBytes(projectId: string, iterationId: string, platform: string, flavor?: string): Buffer;
  close(): Promise<void>;
}
