/**
 * A small Custom Vision Training API client (v3.3): iterations and exports — what the
 * backup flow needs. Base `{endpoint}/customvision/v3.3/Training`, header `Training-key`.
 *
 * - The training key is a secret: it is only ever put in the request header, and every
 *   error message is scrubbed of it (and of any URL query) before it is built.
 * - `downloadUri` of an export is a SAS URL of Custom Vision's own blob: a secret. It is
 *   never returned; callers see only whether one is present.
 * - Every failure is a {@link CustomVisionError}: throttled (429, with `retryAfterMs`),
 *   transient (5xx, 408, timeout, network, unreadable 2xx body), permanent (other 4xx).
 * - Asking for an export that is already queued or done (`BadRequestExportAlreadyInProgress`)
 *   is success: `{alreadyQueued: true}` — read {@link listExports} for its state.
 */
import {
  CvConfigurationError,
  CvPermanentError,
  CvThrottledError,
  CvTransientError,
  CvUnexpectedResponseError,
  CvValidationError,
  retryAfterMsFromHeaders,
  CustomVisionError,
  type CvOperation,
} from './errors';
import { REDACTED, SecretScrubber, scrubSecrets } from '../common/secrets';
import { isGuid } from './notifications';
import {
  toProjectExport,
  toProjectInfo,
  type ProjectExport,
  type ProjectExportToken,
  type ProjectInfo,
} from './projects';
import { isLoopbackHost } from './modelUri';
import {
  EXPORT_PLATFORMS,
  FLAVORS_BY_PLATFORM,
  parseFlavor,
  parsePlatform,
  sameName,
  type ExportFlavor,
  type ExportPlatform,
} from './flavors';

export const TRAINING_API_PATH = '/customvision/v3.3/Training';

export { EXPORT_FLAVORS, EXPORT_PLATFORMS, type ExportFlavor, type ExportPlatform } from './flavors';

/**
 * The export states the app acts on. The service's enum is open (`modelAsString`): a value
 * it does not know is reported as `Exporting` ("not done yet", with the text kept in
 * `statusText`), never an exception that fails every platform.
 */
export type ExportState = 'Exporting' | 'Done' | 'Failed';

/**
 * Back-off for `ForbiddenDRModeEnabled` (403): the project is read-only while Custom Vision
 * runs it from its disaster-recovery copy. That lasts for the failover (minutes to hours),
 * not seconds, and every call in the meantime costs from the 10 TPS budget, so wait 15 min.
 */
export const DR_MODE_RETRY_MS = 15 * 60_000;

/**
 * GetExports' `downloadUri`: a SAS URL of Custom Vision's own blob, valid about 24 h. A
 * secret: it serializes, prints and inspects as `[redacted]`; only {@link reveal} gives the
 * URL, for the one storage call that copies from it.
 */
export class ExportDownloadUri {
  readonly #url: string;
  constructor(url: string) {
    this.#url = url;
  }
  reveal(): string {
    return this.#url;
  }
  toJSON(): string {
    return REDACTED;
  }
  toString(): string {
    return REDACTED;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ExportDownloadUri(${REDACTED})`;
  }
}

export interface Iteration {
  id: string;
  projectId: string;
  name: string;
  /** e.g. `New`, `Training`, `Completed`, `Failed`; open: any other text means "not done yet". */
  status: string;
  created?: string;
  lastModified?: string;
  trainedAt?: string;
  exportable: boolean;
  /** Canonical platform names where known; `null` from the service becomes []. */
  exportableTo: string[];
  domainId?: string;
  publishName?: string;
  classificationType?: string;
  trainingType?: string;
  reservedBudgetInHours?: number;
  trainingTimeInMinutes?: number;
  originalPublishResourceId?: string;
}

/** True only for status `Completed` (case-insensitive); `New`, `Training`, unknown text: not (yet). */
export function isIterationCompleted(it: { status: string }): boolean {
  return it.status.toLowerCase() === 'completed';
}

export interface ExportInfo {
  /** Canonical casing when known, else as the service wrote it. */
  platform: string;
  status: ExportState;
  /** The service's status text (differs from `status` only for a value the app does not know). */
  statusText: string;
  /** Canonical casing when known, else as the service wrote it. */
  flavor?: string;
  /** True when the service returned a (SAS) download URI; the URI itself is never exposed. */
  hasDownloadUri: boolean;
  newerVersionAvailable?: boolean;
}

export type RequestExportResult = { alreadyQueued: false; export: ExportInfo } | { alreadyQueued: true };

/** {@link CustomVisionTrainingClient.ensureExport}: requested now, or already there (as GetExports says). */
export type EnsureExportResult =
  { state: 'requested'; export: ExportInfo } | { state: 'alreadyQueued'; export?: ExportInfo };

/** A Microsoft Entra ID credential (`@azure/identity`'s `TokenCredential` shape). */
export interface TrainingTokenCredential {
  getToken(scopes: string | string[]): Promise<{ token: string } | null>;
}

const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';

export interface TrainingClientOptions {
  /** `https://{resource}.cognitiveservices.azure.com` (http is allowed only for loopback hosts). */
  endpoint: string;
  /** The `Training-Key`; or `credential` (Microsoft Entra ID, a bearer token) when this is absent. */
  trainingKey?: string;
  credential?: TrainingTokenCredential;
  /** Per request, default 30 s. */
  timeoutMs?: number;
  /** For `Retry-After` HTTP-dates; default `Date.now`. */
  now?: () => number;
  /** Injected fetch (tests); default global fetch. */
  fetch?: typeof fetch;
  /**
   * Called once per HTTP request, after its response or its failure (telemetry's
   * `modeldr.service.requests`): the operation name, the status (absent: no response) and the
   * error kind. Never a URL or a header. A throwing observer never breaks a call.
   */
  onRequest?: (outcome: TrainingRequestOutcome) => void;
}

export interface TrainingRequestOutcome {
  operation: CvOperation;
  status?: number;
  errorKind?: string;
}

export interface CustomVisionTrainingApi {
  getIteration(projectId: string, iterationId: string): Promise<Iteration>;
  listIterations(projectId: string): Promise<Iteration[]>;
  requestExport(
    projectId: string,
    iterationId: string,
    platform: ExportPlatform | string,
    flavor?: ExportFlavor | string,
  ): Promise<RequestExportResult>;
  listExports(projectId: string, iterationId: string): Promise<ExportInfo[]>;
  ensureExport?(
    projectId: string,
    iterationId: string,
    platform: ExportPlatform | string,
    flavor?: ExportFlavor | string,
  ): Promise<EnsureExportResult>;
  getExportDownloadUri?(
    projectId: string,
    iterationId: string,
    platform: string,
    flavor?: string,
  ): Promise<ExportDownloadUri | undefined>;
}

const ALREADY_QUEUED_CODE = 'BadRequestExportAlreadyInProgress';
const DR_MODE_CODE = 'ForbiddenDRModeEnabled';
const NOT_FOUND_CODES = new Set([
  'NotFoundProject',
  'NotFoundIteration',
  'BadRequestProjectNotFound',
  'BadRequestIterationNotFound',
]);
const INVALID_PLATFORM_CODE = 'ErrorExporterInvalidPlatform';
const TRAINING_CODE = 'BadRequestExportWhileTraining';
const VALIDATION_CODE = 'BadRequestExportValidationFailed';
const PROJECT_LIMIT_CODE = 'BadRequestExceedProjectLimit';
const INVALID_TOKEN_CODE = 'BadRequestInvalidImportToken';
const ALREADY_PUBLISHED_CODE = 'BadRequestIterationIsPublished';
const TRAINING_NOT_NEEDED_CODE = 'BadRequestTrainingNotNeeded';
const TRAINING_IN_PROGRESS_CODE = 'BadRequestTrainingAlreadyInProgress';
const NOT_ENOUGH_IMAGES_CODE = 'BadRequestNotEnoughImagesPerTag';

interface CallOptions {
  /** Values to remove from every error text besides the key (the export token). */
  secrets?: readonly string[];
  /** A POST without a body: sent with `Content-Length: 0`. */
  emptyBody?: boolean;
  /** A 2xx without a body is success (DELETE answers 204). */
  allowEmpty?: boolean;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toIteration(v: unknown): Iteration | undefined {
  if (!isRecord(v) || !isGuid(v.id) || typeof v.status !== 'string') return undefined;
  const it: Iteration = {
    id: v.id.toLowerCase(),
    projectId: typeof v.projectId === 'string' ? v.projectId.toLowerCase() : '',
    name: typeof v.name === 'string' ? v.name : '',
    status: v.status,
    exportable: v.exportable === true,
    exportableTo: Array.isArray(v.exportableTo)
      ? v.exportableTo.filter((p): p is string => typeof p === 'string').map((p) => parsePlatform(p) ?? p)
      : [],
  };
  for (const k of [
    'created',
    'lastModified',
    'trainedAt',
    'domainId',
    'publishName',
    'classificationType',
    'trainingType',
    'originalPublishResourceId',
  ] as const) {
    const x = v[k];
    if (typeof x === 'string') it[k] = x;
  }
  for (const k of ['reservedBudgetInHours', 'trainingTimeInMinutes'] as const) {
    const x = v[k];
    if (typeof x === 'number' && Number.isFinite(x)) it[k] = x;
  }
  return it;
}

const KNOWN_STATES: readonly ExportState[] = ['Exporting', 'Done', 'Failed'];

function toExport(v: unknown): ExportInfo | undefined {
  if (!isRecord(v) || typeof v.platform !== 'string' || typeof v.status !== 'string') return undefined;
  const known = KNOWN_STATES.find((s) => s.toLowerCase() === (v.status as string).toLowerCase());
  const e: ExportInfo = {
    platform: parsePlatform(v.platform) ?? v.platform,
    status: known ?? 'Exporting',
    statusText: v.status,
    hasDownloadUri: typeof v.downloadUri === 'string' && v.downloadUri !== '',
  };
  if (typeof v.flavor === 'string' && v.flavor !== '') e.flavor = parseFlavor(v.flavor) ?? v.flavor;
  if (typeof v.newerVersionAvailable === 'boolean') e.newerVersionAvailable = v.newerVersionAvailable;
  return e;
}

/** `{code, message}` (Custom Vision) or `{error: {code, message}}` (Cognitive Services gateway). */
function serviceError(body: unknown): { code?: string; message?: string } {
  const src = isRecord(body) && isRecord(body.error) ? body.error : body;
  if (!isRecord(src)) return {};
  const out: { code?: string; message?: string } = {};
  if (typeof src.code === 'string' || typeof src.code === 'number') out.code = String(src.code);
  if (typeof src.message === 'string') out.message = src.message;
  return out;
}

export class CustomVisionTrainingClient implements CustomVisionTrainingApi {
  readonly #key: string;
  readonly #credential: TrainingTokenCredential | undefined;
  readonly #base: string;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #fetch: typeof fetch;
  readonly #onRequest: ((outcome: TrainingRequestOutcome) => void) | undefined;

  constructor(opts: TrainingClientOptions) {
    let u: URL;
    try {
      u = new URL(opts.endpoint);
    } catch {
      throw new CvValidationError('Custom Vision endpoint is not a URL', {
        reason: 'invalidArgument',
        operation: 'getIteration',
      });
    }
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname)))
      throw new CvValidationError('Custom Vision endpoint must be https (http is allowed only for loopback hosts)', {
        reason: 'invalidArgument',
        operation: 'getIteration',
      });
    if (u.search || u.username || u.password)
      throw new CvValidationError('Custom Vision endpoint must not carry a query or credentials', {
        reason: 'invalidArgument',
        operation: 'getIteration',
      });
    if ((typeof opts.trainingKey !== 'string' || opts.trainingKey.trim() === '') && !opts.credential)
      throw new CvValidationError('Custom Vision training key is empty', {
        reason: 'invalidArgument',
        operation: 'getIteration',
      });
    this.#key = opts.trainingKey ?? '';
    this.#credential = opts.credential;
    this.#base = `${u.origin}${u.pathname.replace(/\/+$/, '')}${TRAINING_API_PATH}`;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#now = opts.now ?? Date.now;
    this.#fetch = opts.fetch ?? fetch;
    this.#onRequest = opts.onRequest;
  }

  async getIteration(projectId: string, iterationId: string): Promise<Iteration> {
    this.#ids('getIteration', { projectId, iterationId });
    const body = await this.#call('getIteration', 'GET', `/projects/${projectId}/iterations/${iterationId}`);
    const it = toIteration(body.json);
    if (!it) throw this.#unexpected('getIteration', 'an Iteration');
    return it;
  }

  async listIterations(projectId: string): Promise<Iteration[]> {
    this.#ids('listIterations', { projectId });
    const body = await this.#call('listIterations', 'GET', `/projects/${projectId}/iterations`);
    if (!Array.isArray(body.json)) throw this.#unexpected('listIterations', 'an array of Iteration');
    const out = body.json.map(toIteration);
    if (out.some((x) => x === undefined)) throw this.#unexpected('listIterations', 'an array of Iteration');
    return out as Iteration[];
  }

  /**
   * ExportIteration. Platform and flavor in any casing (sent canonical); the flavor must be
   * one of the platform's. `BadRequestExportAlreadyInProgress` (also answered after the
   * export is Done) is `{alreadyQueued: true}`: settle from GetExports ({@link ensureExport}).
   */
  async requestExport(
    projectId: string,
    iterationId: string,
    platformText: ExportPlatform | string,
    flavorText?: ExportFlavor | string,
  ): Promise<RequestExportResult> {
    this.#ids('requestExport', { projectId, iterationId });
    const platform = parsePlatform(platformText);
    if (!platform)
      throw new CvValidationError(`platform must be one of ${EXPORT_PLATFORMS.join(', ')}`, {
        reason: 'invalidArgument',
        operation: 'requestExport',
      });
    const flavor = flavorText === undefined || flavorText === '' ? undefined : parseFlavor(flavorText);
    if (flavorText !== undefined && flavorText !== '' && (!flavor || !FLAVORS_BY_PLATFORM[platform].includes(flavor)))
      throw new CvValidationError(
        `flavor of ${platform} must be one of ${FLAVORS_BY_PLATFORM[platform].join(', ') || '(none)'}`,
        { reason: 'invalidArgument', operation: 'requestExport' },
      );
    const q = new URLSearchParams({ platform });
    if (flavor !== undefined) q.set('flavor', flavor);
    try {
      const body = await this.#call(
        'requestExport',
        'POST',
        `/projects/${projectId}/iterations/${iterationId}/export?${q.toString()}`,
      );
      const e = toExport(body.json);
      if (!e) throw this.#unexpected('requestExport', 'an Export');
      return { alreadyQueued: false, export: e };
    } catch (err) {
      if (err instanceof CvPermanentError && err.serviceCode === ALREADY_QUEUED_CODE) return { alreadyQueued: true };
      throw err;
    }
  }

  async listExports(projectId: string, iterationId: string): Promise<ExportInfo[]> {
    this.#ids('listExports', { projectId, iterationId });
    const body = await this.#call('listExports', 'GET', `/projects/${projectId}/iterations/${iterationId}/export`);
    if (!Array.isArray(body.json)) throw this.#unexpected('listExports', 'an array of Export');
    const out = body.json.map(toExport);
    if (out.some((x) => x === undefined)) throw this.#unexpected('listExports', 'an array of Export');
    return out as ExportInfo[];
  }

  /**
   * Requests the export, and when the service answers "already queued" (which it also does
   * after the export is Done) settles from GetExports: the matching export (platform and
   * flavor compared case-insensitively; Done first, then Exporting, then Failed), or none.
   */
  async ensureExport(
    projectId: string,
    iterationId: string,
    platform: ExportPlatform | string,
    flavor?: ExportFlavor | string,
  ): Promise<EnsureExportResult> {
    const r = await this.requestExport(projectId, iterationId, platform, flavor);
    if (!r.alreadyQueued) return { state: 'requested', export: r.export };
    const mine = (await this.listExports(projectId, iterationId)).filter(
      (e) => sameName(e.platform, platform) && sameName(e.flavor, flavor),
    );
    const best = (['Done', 'Exporting', 'Failed'] as const)
      .map((s) => mine.find((e) => e.status === s))
      .find((e) => e !== undefined);
    return best ? { state: 'alreadyQueued', export: best } : { state: 'alreadyQueued' };
  }

  /**
   * GetExports' `downloadUri` of the `Done` export of this platform and flavor, wrapped so it
   * cannot leak ({@link ExportDownloadUri}); undefined while exporting (the service sends
   * `null`) or when not listed. Refused (validation) when it is not https (http only on loopback).
   */
  async getExportDownloadUri(
    projectId: string,
    iterationId: string,
    platform: string,
    flavor?: string,
  ): Promise<ExportDownloadUri | undefined> {
    this.#ids('listExports', { projectId, iterationId });
    const body = await this.#call('listExports', 'GET', `/projects/${projectId}/iterations/${iterationId}/export`);
    if (!Array.isArray(body.json)) throw this.#unexpected('listExports', 'an array of Export');
    for (const raw of body.json) {
      const e = toExport(raw);
      if (!e || e.status !== 'Done' || !sameName(e.platform, platform) || !sameName(e.flavor, flavor)) continue;
      const uri = isRecord(raw) && typeof raw.downloadUri === 'string' ? raw.downloadUri : '';
      if (uri === '') continue;
      let u: URL;
      try {
        u = new URL(uri);
      } catch {
        throw this.#unexpected('listExports', 'an Export with a URL as downloadUri');
      }
      if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname)))
        throw new CvValidationError('listExports: downloadUri is not https', {
          reason: 'invalidArgument',
          operation: 'listExports',
        });
      return new ExportDownloadUri(uri);
    }
    return undefined;
  }

  /** Never print the key. */
  toJSON(): string {
    return `CustomVisionTrainingClient(${this.#base})`;
  }

  #ids(operation: CvOperation, ids: Record<string, string>): void {
    for (const [name, v] of Object.entries(ids)) {
      if (!isGuid(v)) throw new CvValidationError(`${name} must be a GUID`, { reason: 'invalidArgument', operation });
    }
  }

  /** The exact training key (and any secret of this call, e.g. an export token), then every generic secret shape. */
  #scrub(text: string, secrets: readonly string[] = []): string {
    const scrubber = new SecretScrubber();
    for (const k of [this.#key, ...secrets]) scrubber.add(k);
    return scrubber.scrub(text);
  }

  async #authHeader(operation: CvOperation): Promise<Record<string, string>> {
    if (this.#key !== '') return { 'Training-key': this.#key };
    let token: string | undefined;
    try {
      token = (await this.#credential?.getToken(COGNITIVE_SERVICES_SCOPE))?.token;
    } catch (e) {
      throw new CvConfigurationError(
        `${operation}: no Microsoft Entra ID token for Custom Vision (${scrubSecrets(e instanceof Error ? e.message : String(e)).slice(0, 200)})`,
        { reason: 'credentialUnavailable', operation, setting: 'CV_DR_TARGETS' },
      );
    }
    if (!token)
      throw new CvConfigurationError(`${operation}: no Microsoft Entra ID token for Custom Vision`, {
        reason: 'credentialUnavailable',
        operation,
        setting: 'CV_DR_TARGETS',
      });
    return { Authorization: `Bearer ${token}` };
  }

  // ---------------------------------------------------------------- project copy (v3.3)

  /** GetProject: the status of an import (`Importing` / `Succeeded` / `Failed`), `drModeEnabled`. */
  async getProject(projectId: string): Promise<ProjectInfo> {
    this.#ids('getProject', { projectId });
    const body = await this.#call('getProject', 'GET', `/projects/${projectId}`);
    const p = toProjectInfo(body.json);
    if (!p) throw this.#unexpected('getProject', 'a Project');
    return p;
  }

  async listProjects(): Promise<ProjectInfo[]> {
    const body = await this.#call('listProjects', 'GET', '/projects');
    if (!Array.isArray(body.json) || body.json.length > 10_000)
      throw this.#unexpected('listProjects', 'an array of Project');
    const out = body.json.map(toProjectInfo);
    if (out.some((p) => p === undefined)) throw this.#unexpected('listProjects', 'an array of Project');
    return out as ProjectInfo[];
  }

  /** ExportProject: counts and the token (a secret, wrapped: it never prints). */
  async exportProject(projectId: string): Promise<ProjectExport> {
    this.#ids('exportProject', { projectId });
    const body = await this.#call('exportProject', 'GET', `/projects/${projectId}/export`);
    const e = toProjectExport(body.json);
    if (!e) {
      // The body holds the token: say nothing about it beyond its shape.
      throw this.#unexpected('exportProject', 'a ProjectExport');
    }
    return e;
  }

  /** ImportProject: a new project (`Importing`); the token URL-encoded, `Content-Length: 0`. */
  async importProject(token: ProjectExportToken, name: string): Promise<ProjectInfo> {
    if (name.trim() === '' || name.length > 200)
      throw new CvValidationError('project name must be 1–200 characters', {
        reason: 'invalidArgument',
        operation: 'importProject',
      });
    const raw = token.reveal();
    const q = `token=${encodeURIComponent(raw)}&name=${encodeURIComponent(name)}`;
    const body = await this.#call('importProject', 'POST', `/projects/import?${q}`, {
      secrets: [raw],
      emptyBody: true,
    });
    const p = toProjectInfo(body.json);
    if (!p) throw this.#unexpected('importProject', 'a Project');
    return p;
  }

  /** Tagged plus untagged images (GetTaggedImageCount + GetUntaggedImageCount). */
  async countImages(projectId: string): Promise<number> {
    this.#ids('countImages', { projectId });
    let total = 0;
    for (const which of ['tagged', 'untagged']) {
      const body = await this.#call('countImages', 'GET', `/projects/${projectId}/images/${which}/count`);
      if (typeof body.json !== 'number' || !Number.isInteger(body.json) || body.json < 0)
        throw this.#unexpected('countImages', 'a count');
      total += body.json;
    }
    return total;
  }

  /** GetTags: how many tags the project has. */
  async countTags(projectId: string): Promise<number> {
    this.#ids('listTags', { projectId });
    const body = await this.#call('listTags', 'GET', `/projects/${projectId}/tags`);
    if (!Array.isArray(body.json)) throw this.#unexpected('listTags', 'an array of Tag');
    return body.json.length;
  }

  /** PublishIteration (`predictionId` = the prediction resource's full ARM id). Already published is success. */
  async publishIteration(
    projectId: string,
    iterationId: string,
    publishName: string,
    predictionResourceId: string,
  ): Promise<'published' | 'alreadyPublished'> {
    this.#ids('publishIteration', { projectId, iterationId });
    const q = new URLSearchParams({ publishName, predictionId: predictionResourceId });
    try {
      await this.#call(
        'publishIteration',
        'POST',
        `/projects/${projectId}/iterations/${iterationId}/publish?${q.toString()}`,
        {
          emptyBody: true,
        },
      );
      return 'published';
    } catch (e) {
      if (e instanceof CvPermanentError && e.serviceCode === ALREADY_PUBLISHED_CODE) return 'alreadyPublished';
      throw e;
    }
  }

  /**
   * TrainProject (no body: `Content-Length: 0`; billed): the new iteration, `Training`. Refusals
   * are permanent with a reason: `trainingNotNeeded` (nothing changed since the last training),
   * `trainingInProgress` (one is training: find it with listIterations), `notEnoughImages`.
   */
  async trainProject(projectId: string): Promise<Iteration> {
    this.#ids('trainProject', { projectId });
    const body = await this.#call('trainProject', 'POST', `/projects/${projectId}/train`, { emptyBody: true });
    const it = toIteration(body.json);
    if (!it) throw this.#unexpected('trainProject', 'an Iteration');
    return it;
  }

  async unpublishIteration(projectId: string, iterationId: string): Promise<void> {
    this.#ids('unpublishIteration', { projectId, iterationId });
    await this.#call('unpublishIteration', 'DELETE', `/projects/${projectId}/iterations/${iterationId}/publish`, {
      allowEmpty: true,
    });
  }

  /** DeleteProject; a project that is not there any more is `notFound` (deleting twice is fine). */
  async deleteProject(projectId: string): Promise<'deleted' | 'notFound'> {
    this.#ids('deleteProject', { projectId });
    try {
      await this.#call('deleteProject', 'DELETE', `/projects/${projectId}`, { allowEmpty: true });
      return 'deleted';
    } catch (e) {
      if (e instanceof CvPermanentError && e.reason === 'notFound') return 'notFound';
      throw e;
    }
  }

  #unexpected(operation: CvOperation, what: string): CustomVisionError {
    return new CvUnexpectedResponseError(`${operation}: the response body is not ${what}`, {
      reason: 'unexpectedResponse',
      operation,
    });
  }

  async #call(
    operation: CvOperation,
    method: string,
    pathAndQuery: string,
    call: CallOptions = {},
  ): Promise<{ json: unknown }> {
    const observed: { status?: number } = {};
    try {
      const out = await this.#callOnce(operation, method, pathAndQuery, observed, call);
      this.#observe({ operation, ...observed });
      return out;
    } catch (e) {
      const errorKind = e instanceof CustomVisionError ? e.kind : 'internal';
      this.#observe({ operation, ...observed, errorKind });
      throw e;
    }
  }

  #observe(outcome: TrainingRequestOutcome): void {
    try {
      this.#onRequest?.(outcome);
    } catch {
      // an observability hook never breaks a call
    }
  }

  async #callOnce(
    operation: CvOperation,
    method: string,
    pathAndQuery: string,
    observed: { status?: number },
    call: CallOptions = {},
  ): Promise<{ json: unknown }> {
    const scrub = (t: string): string => this.#scrub(t, call.secrets);
    const auth = await this.#authHeader(operation);
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.#timeoutMs);
    timer.unref?.();
    let res: Response;
    let text: string;
    try {
      res = await this.#fetch(`${this.#base}${pathAndQuery}`, {
        method,
        headers: { ...auth, Accept: 'application/json' },
        // ImportProject has no body: send Content-Length: 0 (a POST without a length gets 411).
        ...(call.emptyBody ? { body: '' } : {}),
        signal: ac.signal,
      });
      observed.status = res.status;
      text = await res.text();
    } catch (e) {
      if (ac.signal.aborted)
        throw new CvTransientError(`${operation}: no response within ${this.#timeoutMs} ms`, {
          reason: 'timeout',
          operation,
        });
      const cause =
        e instanceof Error
          ? isRecord(e.cause) && typeof e.cause.code === 'string'
            ? e.cause.code
            : e.message
          : 'unknown';
      throw new CvTransientError(`${operation}: network failure (${scrub(cause)})`, {
        reason: 'network',
        operation,
      });
    } finally {
      clearTimeout(timer);
    }
    const requestId = res.headers.get('apim-request-id') ?? res.headers.get('x-ms-request-id') ?? undefined;
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (res.ok) {
      if (json === undefined && call.allowEmpty) return { json: undefined };
      if (json === undefined)
        throw new CvUnexpectedResponseError(`${operation}: HTTP ${res.status} without a JSON body`, {
          reason: 'unexpectedResponse',
          operation,
          status: res.status,
          ...(requestId ? { requestId } : {}),
        });
      return { json };
    }
    throw this.#classify(
      operation,
      res.status,
      serviceError(json),
      retryAfterMsFromHeaders(res.headers, this.#now()),
      requestId,
      call.secrets,
    );
  }

  #classify(
    operation: CvOperation,
    status: number,
    svc: { code?: string; message?: string },
    retryAfterMs: number | undefined,
    requestId: string | undefined,
    secrets?: readonly string[],
  ): CustomVisionError {
    const code = svc.code;
    const detail = svc.message ? `: ${this.#scrub(svc.message, secrets)}` : '';
    const message = `${operation} failed: HTTP ${status}${code ? ` (${this.#scrub(code, secrets)})` : ''}${detail}`;
    const base = {
      operation,
      status,
      ...(code !== undefined ? { serviceCode: code } : {}),
      ...(requestId !== undefined ? { requestId } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
    if (status === 429) return new CvThrottledError(message, { ...base, reason: 'rateLimited' });
    if (status === 408) return new CvTransientError(message, { ...base, reason: 'timeout' });
    if (status >= 500) return new CvTransientError(message, { ...base, reason: 'serverError' });
    if (code === DR_MODE_CODE)
      return new CvTransientError(message, { ...base, retryAfterMs: DR_MODE_RETRY_MS, reason: 'projectReadOnly' });
    if (code !== undefined && NOT_FOUND_CODES.has(code))
      return new CvPermanentError(message, { ...base, reason: 'notFound' });
    if (code === INVALID_PLATFORM_CODE) return new CvPermanentError(message, { ...base, reason: 'notExportable' });
    if (code === TRAINING_CODE) return new CvTransientError(message, { ...base, reason: 'iterationTraining' });
    if (code === PROJECT_LIMIT_CODE) return new CvPermanentError(message, { ...base, reason: 'projectLimit' });
    if (code === INVALID_TOKEN_CODE) return new CvPermanentError(message, { ...base, reason: 'invalidImportToken' });
    if (code === TRAINING_NOT_NEEDED_CODE)
      return new CvPermanentError(message, { ...base, reason: 'trainingNotNeeded' });
    if (code === TRAINING_IN_PROGRESS_CODE)
      return new CvPermanentError(message, { ...base, reason: 'trainingInProgress' });
    if (code === NOT_ENOUGH_IMAGES_CODE) return new CvPermanentError(message, { ...base, reason: 'notEnoughImages' });
    if (status === 401) return new CvPermanentError(message, { ...base, reason: 'unauthenticated' });
    if (status === 403) return new CvPermanentError(message, { ...base, reason: 'forbidden' });
    if (status === 404) return new CvPermanentError(message, { ...base, reason: 'notFound' });
    if (status === 409) return new CvPermanentError(message, { ...base, reason: 'conflict' });
    if (code === VALIDATION_CODE) return new CvPermanentError(message, { ...base, reason: 'exportValidationFailed' });
    if (code !== undefined && /notexportable|notsupported/i.test(code))
      return new CvPermanentError(message, { ...base, reason: 'notExportable' });
    return new CvPermanentError(message, { ...base, reason: 'badRequest' });
  }
}
