/**
 * {@link CopyApi} for Form Recognizer v3.1 (`{ep}/formrecognizer/…?api-version=2023-07-31`) and
 * Document Intelligence v4 (`{ep}/documentintelligence/…?api-version=2024-11-30`):
 * `documentModels:authorizeCopy` (target) → `documentModels/{id}:copyTo` (source) →
 * `operations/{operationId}` (source). Classifier copy (2024-11-30) has its own methods.
 *
 * Same guarantees as the v2 client: one HttpCore (credentials, timeouts, logging, hooks,
 * opt-in GET retries, scrubbing), typed and classified errors, verbatim authorizations,
 * `nextLink` and `Operation-Location` checked against the endpoint before a credential is
 * sent, no redirects followed. See docs/v4.md.
 */
import type { DocumentModelsApiVersion } from '../common/apiVersions';
import { CopyAuthorization } from './authorization';
import { ClassifierCopyAuthorization } from './classifierAuthorization';
import {
  TARGET_REGION_PATTERN,
  TARGET_RESOURCE_ID_PATTERN,
  checkNextLink,
  clientSummary,
  everyPage,
  parseEndpoint,
  parseJsonBody,
  requestOptions,
  resolveOperationLocation,
  unexpectedResponse,
} from './clientCommon';
import { ModelExistsError, normalizingFetch } from './documentModelsErrors';
import {
  toClassifierInfo,
  toCopyOperation,
  toDocumentModelInfo,
  toPaged,
  toResourceDetails,
  type ClassifierInfo,
} from './documentModelsGuards';
import {
  AuthorizationRenewalError,
  ForeignHostError,
  FormRecognizerError,
  PermanentError,
  UnexpectedResponseError,
  ValidationError,
  type ClientOperation,
} from './errors';
import { HttpCore, type HttpCoreOptions, type SendResponse } from './http';
import type {
  AuthorizeCopyOptions,
  CopyApi,
  CopyOperationRef,
  CopyResult,
  DeleteModelResult,
  ModelInfo,
  ModelPage,
  ModelsSummary,
  RequestOptions,
  StartCopyOptions,
} from './types';

export { DOCUMENT_MODELS_API_VERSIONS, type DocumentModelsApiVersion } from '../common/apiVersions';

/** Spec pattern of model and classifier ids (v3.1/v4). */
export const DOCUMENT_MODEL_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._~-]{1,63}$/;

export interface DocumentModelsClientOptions extends HttpCoreOptions {
  /** e.g. `https://myresource.cognitiveservices.azure.com/` (a base path is kept). */
  endpoint: string;
  region: string;
  resourceId: string;
  apiVersion: DocumentModelsApiVersion;
  /** Allow `http:` to a non-loopback host. Default false. */
  allowInsecureHttp?: boolean;
}

export interface AuthorizeClassifierCopyOptions extends RequestOptions {
  /** Required: the caller chooses the target classifier id. */
  targetClassifierId: string;
  description?: string;
  tags?: Record<string, string>;
}

export interface ClassifierPage {
  classifiers: ClassifierInfo[];
  nextLink?: string;
}

function checkId(id: unknown, what: string, operation: ClientOperation): string {
  if (typeof id !== 'string' || !DOCUMENT_MODEL_ID_PATTERN.test(id)) {
    throw new ValidationError(`${operation}: invalid ${what} (expected ^[a-zA-Z0-9][a-zA-Z0-9._~-]{1,63}$)`, {
      reason: 'invalidArgument',
      operation,
    });
  }
  return id;
}

type Collection = 'documentModels' | 'documentClassifiers';

export class DocumentModelsClient implements CopyApi {
  readonly apiFamily = 'documentModels' as const;
  readonly apiVersion: DocumentModelsApiVersion;
  readonly endpoint: string;
  readonly region: string;
  readonly resourceId: string;
  readonly #http: HttpCore;
  readonly #origin: string;
  /** `{basePath}/formrecognizer` or `{basePath}/documentintelligence`. */
  readonly #root: string;
  readonly #prefix: 'formrecognizer' | 'documentintelligence';

  constructor(options: DocumentModelsClientOptions) {
    const { origin, basePath } = parseEndpoint(options.endpoint, options.allowInsecureHttp);
    if (options.apiVersion !== '2023-07-31' && options.apiVersion !== '2024-11-30') {
      throw new ValidationError(`unsupported apiVersion ${String(options.apiVersion)} for the document models client`, {
        reason: 'invalidArgument',
        operation: 'listModels',
      });
    }
    this.apiVersion = options.apiVersion;
    this.#prefix = this.apiVersion === '2023-07-31' ? 'formrecognizer' : 'documentintelligence';
    this.#origin = origin;
    this.endpoint = `${this.#origin}${basePath}`;
    this.#root = `${basePath}/${this.#prefix}`;
    this.region = options.region;
    this.resourceId = options.resourceId;
    this.#http = new HttpCore({
      ...options,
      fetch: normalizingFetch(options.fetch ?? ((input, init) => fetch(input, init))),
    });
  }

  get authMode(): 'key' | 'entra' {
    return this.#http.authMode;
  }

  /** Classifier copy exists from 2024-07-31-preview: true for 2024-11-30. */
  get supportsClassifierCopy(): boolean {
    return this.apiVersion === '2024-11-30';
  }

  toJSON(): Record<string, string> {
    return clientSummary(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `DocumentModelsClient ${JSON.stringify(this.toJSON())}`;
  }

  #route(method: string, path: string): string {
    return `${method} /${this.#prefix}${path}?api-version=${this.apiVersion}`;
  }

  #url(path: string): string {
    return `${this.#origin}${this.#root}${path}?api-version=${this.apiVersion}`;
  }

  #json(res: SendResponse, operation: ClientOperation): unknown {
    return parseJsonBody(this.#http.logger, 'documentModels', operation, res);
  }

  #unexpected(operation: ClientOperation, res: SendResponse | undefined, what: string): UnexpectedResponseError {
    return unexpectedResponse(this.#http.logger, 'documentModels', operation, res, what);
  }

  #requireClassifierCopy(operation: ClientOperation): void {
    if (!this.supportsClassifierCopy) {
      throw new ValidationError(
        `${operation}: classifier copy needs api-version 2024-11-30 (this client uses ${this.apiVersion})`,
        { reason: 'invalidArgument', operation },
      );
    }
  }

  // ---- listing ---------------------------------------------------------------------------

  #checkNextLink(link: string, collection: Collection): string {
    return checkNextLink(link, this.#origin, `${this.#root}/${collection}`, `${this.#prefix}/${collection}`);
  }

  async #page<T>(
    collection: Collection,
    nextLink: string | undefined,
    item: (x: unknown) => T | undefined,
    options?: RequestOptions,
  ): Promise<{ items: T[]; nextLink?: string }> {
    const url =
      nextLink === undefined
        ? this.#url(`/${collection}`)
        : withApiVersion(this.#checkNextLink(nextLink, collection), this.apiVersion);
    const route =
      nextLink === undefined ? this.#route('GET', `/${collection}`) : `GET /${this.#prefix}/${collection}?{nextLink}`;
    const res = await this.#http.send({
      operation: 'listModels',
      method: 'GET',
      url,
      route,
      ...requestOptions(options),
    });
    const page = toPaged(this.#json(res, 'listModels'), item);
    if (!page) throw this.#unexpected('listModels', res, `not a ${collection} page`);
    return page;
  }

  #all<T>(
    collection: Collection,
    item: (x: unknown) => T | undefined,
    options?: RequestOptions,
  ): AsyncIterableIterator<T> {
    return everyPage(
      (link) => this.#page(collection, link, item, options),
      (link) => this.#checkNextLink(link, collection),
      () => this.#unexpected('listModels', undefined, 'nextLink repeats an earlier page'),
    );
  }

  /** One page of models. `prebuilt-*` models are included and marked `prebuilt: true`. */
  async listModelsPage(nextLink?: string, options?: RequestOptions): Promise<ModelPage> {
    const page = await this.#page('documentModels', nextLink, toDocumentModelInfo, options);
    const out: ModelPage = { models: page.items };
    if (page.nextLink !== undefined) out.nextLink = page.nextLink;
    return out;
  }

  /** Every model, every page. Skip `prebuilt: true` ones before copying. */
  listModels(options?: RequestOptions): AsyncIterableIterator<ModelInfo> {
    return this.#all('documentModels', toDocumentModelInfo, options);
  }

  async listClassifiersPage(nextLink?: string, options?: RequestOptions): Promise<ClassifierPage> {
    const page = await this.#page('documentClassifiers', nextLink, toClassifierInfo, options);
    const out: ClassifierPage = { classifiers: page.items };
    if (page.nextLink !== undefined) out.nextLink = page.nextLink;
    return out;
  }

  listClassifiers(options?: RequestOptions): AsyncIterableIterator<ClassifierInfo> {
    return this.#all('documentClassifiers', toClassifierInfo, options);
  }

  /** `GET /info` → `customDocumentModels {count, limit}`. */
  async getModelsSummary(options?: RequestOptions): Promise<ModelsSummary> {
    const res = await this.#http.send({
      operation: 'getModelsSummary',
      method: 'GET',
      url: this.#url('/info'),
      route: this.#route('GET', '/info'),
      ...requestOptions(options),
    });
    const s = toResourceDetails(this.#json(res, 'getModelsSummary'));
    if (!s) throw this.#unexpected('getModelsSummary', res, 'not resource details');
    return s;
  }

  async getModel(modelId: string, options?: RequestOptions): Promise<ModelInfo> {
    checkId(modelId, 'model id', 'getModel');
    const res = await this.#http.send({
      operation: 'getModel',
      method: 'GET',
      url: this.#url(`/documentModels/${encodeURIComponent(modelId)}`),
      route: this.#route('GET', '/documentModels/{modelId}'),
      ...requestOptions(options),
    });
    const info = toDocumentModelInfo(this.#json(res, 'getModel'));
    if (!info) throw this.#unexpected('getModel', res, 'not a document model');
    return info;
  }

  /** 404 (`ModelNotFound`) → ModelNotFoundError, as for models. */
  async getClassifier(classifierId: string, options?: RequestOptions): Promise<ClassifierInfo> {
    checkId(classifierId, 'classifier id', 'getModel');
    const res = await this.#http.send({
      operation: 'getModel',
      method: 'GET',
      url: this.#url(`/documentClassifiers/${encodeURIComponent(classifierId)}`),
      route: this.#route('GET', '/documentClassifiers/{classifierId}'),
      ...requestOptions(options),
    });
    const info = toClassifierInfo(this.#json(res, 'getModel'));
    if (!info) throw this.#unexpected('getModel', res, 'not a document classifier');
    return info;
  }

  async #delete(collection: Collection, id: string, options?: RequestOptions): Promise<DeleteModelResult> {
    const template =
      collection === 'documentModels' ? '/documentModels/{modelId}' : '/documentClassifiers/{classifierId}';
    const res = await this.#http.send({
      operation: 'deleteModel',
      method: 'DELETE',
      url: this.#url(`/${collection}/${encodeURIComponent(id)}`),
      route: this.#route('DELETE', template),
      accept: [404],
      ...requestOptions(options),
    });
    if (res.status === 404) {
      this.#http.logger.info('documentModels delete: already gone (404), treated as deleted', {
        operation: 'deleteModel',
        requestId: res.requestId,
      });
      return { deleted: false };
    }
    return { deleted: true };
  }

  /** 404 = already gone = `{deleted:false}`. */
  deleteModel(modelId: string, options?: RequestOptions): Promise<DeleteModelResult> {
    checkId(modelId, 'model id', 'deleteModel');
    return this.#delete('documentModels', modelId, options);
  }

  deleteClassifier(classifierId: string, options?: RequestOptions): Promise<DeleteModelResult> {
    checkId(classifierId, 'classifier id', 'deleteModel');
    return this.#delete('documentClassifiers', classifierId, options);
  }

  // ---- authorize (target) -------------------------------------------------------------

  async #authorize(
    collection: Collection,
    body: Record<string, unknown>,
    options: RequestOptions | undefined,
  ): Promise<SendResponse> {
    try {
      return await this.#http.send({
        operation: 'authorizeCopy',
        method: 'POST',
        url: this.#url(`/${collection}:authorizeCopy`),
        route: this.#route('POST', `/${collection}:authorizeCopy`),
        body: JSON.stringify(body),
        ...requestOptions(options),
      });
    } catch (e) {
      if (e instanceof FormRecognizerError && e.status === 409) {
        throw new ModelExistsError(e.message, {
          reason: 'conflict',
          operation: 'authorizeCopy',
          status: 409,
          serviceCode: e.serviceCode ?? 'ModelExists',
          ...(e.requestId !== undefined ? { requestId: e.requestId } : {}),
        });
      }
      throw e;
    }
  }

  static #checkAuthorizeBody(description: unknown, tags: unknown): void {
    if (description !== undefined && (typeof description !== 'string' || description.length > 4096)) {
      throw new ValidationError('authorizeCopy: description must be a string of at most 4096 characters', {
        reason: 'invalidArgument',
        operation: 'authorizeCopy',
      });
    }
    if (
      tags !== undefined &&
      (typeof tags !== 'object' || tags === null || Object.values(tags).some((v) => typeof v !== 'string'))
    ) {
      throw new ValidationError('authorizeCopy: tags must map strings to strings', {
        reason: 'invalidArgument',
        operation: 'authorizeCopy',
      });
    }
  }

  /**
   * Reserves `targetModelId` on THIS (target) resource. 409 → {@link ModelExistsError}: the
   * id is taken by a model, or burned by an earlier authorization that was never used.
   * `description` and `tags` become the copied model's (lineage).
   */
  async authorizeCopy(options?: AuthorizeCopyOptions): Promise<CopyAuthorization> {
    const targetModelId = checkId(options?.targetModelId, 'targetModelId (required for v3.1/v4)', 'authorizeCopy');
    DocumentModelsClient.#checkAuthorizeBody(options?.description, options?.tags);
    const body: Record<string, unknown> = { modelId: targetModelId };
    if (options?.description !== undefined) body.description = options.description;
    if (options?.tags !== undefined) body.tags = options.tags;
    const res = await this.#authorize('documentModels', body, options);
    let auth: CopyAuthorization;
    try {
      auth = CopyAuthorization.fromV4Raw(res.text);
    } catch (e) {
      throw this.#unexpected('authorizeCopy', res, e instanceof Error ? e.message : 'invalid authorization');
    }
    this.#http.scrubber.add(auth.accessTokenForScrubbing);
    if (auth.targetModelId !== targetModelId)
      throw this.#unexpected('authorizeCopy', res, 'the authorization is for another model id');
    this.#http.logger.info('documentModels copy authorized', {
      operation: 'authorizeCopy',
      targetModelId,
      expiresAt: auth.expiresAtIso,
      requestId: res.requestId,
    });
    return auth;
  }

  async authorizeClassifierCopy(options: AuthorizeClassifierCopyOptions): Promise<ClassifierCopyAuthorization> {
    this.#requireClassifierCopy('authorizeCopy');
    const id = checkId(options?.targetClassifierId, 'targetClassifierId', 'authorizeCopy');
    DocumentModelsClient.#checkAuthorizeBody(options.description, options.tags);
    const body: Record<string, unknown> = { classifierId: id };
    if (options.description !== undefined) body.description = options.description;
    if (options.tags !== undefined) body.tags = options.tags;
    const res = await this.#authorize('documentClassifiers', body, options);
    let auth: ClassifierCopyAuthorization;
    try {
      auth = ClassifierCopyAuthorization.fromRaw(res.text);
    } catch (e) {
      throw this.#unexpected('authorizeCopy', res, e instanceof Error ? e.message : 'invalid authorization');
    }
    this.#http.scrubber.add(auth.accessTokenForScrubbing);
    if (auth.targetClassifierId !== id)
      throw this.#unexpected('authorizeCopy', res, 'the authorization is for another classifier id');
    this.#http.logger.info('documentModels classifier copy authorized', {
      operation: 'authorizeCopy',
      targetClassifierId: id,
      expiresAt: auth.expiresAtIso,
      requestId: res.requestId,
    });
    return auth;
  }

  // ---- copy (source) ---------------------------------------------------------------------

  /** Validates an `Operation-Location` against THIS endpoint: same origin, `{root}/operations/{id}`, our api-version. */
  #checkOperationLocation(location: string, operation: ClientOperation): { href: string; operationId: string } {
    const u = resolveOperationLocation(location, this.endpoint, this.#origin, operation);
    const prefix = `${this.#root}/operations/`;
    const rest = u.pathname.toLowerCase().startsWith(prefix.toLowerCase())
      ? u.pathname.slice(prefix.length)
      : undefined;
    if (rest === undefined || rest === '' || rest.includes('/')) {
      throw new ForeignHostError(
        `${operation}: Operation-Location is not an operation of ${this.#root}; refused, no request made`,
        { reason: 'foreignHost', operation },
      );
    }
    const version = u.searchParams.get('api-version');
    if (version !== null && version !== this.apiVersion) {
      throw new ForeignHostError(
        `${operation}: Operation-Location is for api-version ${version}, not ${this.apiVersion}; refused`,
        { reason: 'foreignHost', operation },
      );
    }
    if (version === null) u.searchParams.set('api-version', this.apiVersion);
    let operationId: string;
    try {
      operationId = decodeURIComponent(rest);
    } catch {
      throw new ForeignHostError(`${operation}: Operation-Location is malformed; refused`, {
        reason: 'foreignHost',
        operation,
      });
    }
    return { href: u.href, operationId };
  }

  #checkTarget(
    auth: {
      targetResourceId: string;
      targetResourceRegion: string;
      expiresWithin(now: number): boolean;
      expiresAtIso: string;
    },
    targetId: string,
  ): void {
    const operation: ClientOperation = 'startCopy';
    if (auth.targetResourceId.length > 1024 || !TARGET_RESOURCE_ID_PATTERN.test(auth.targetResourceId)) {
      throw new PermanentError('startCopy: malformed targetResourceId in the authorization; no request made', {
        reason: 'invalidTarget',
        operation,
      });
    }
    if (!TARGET_REGION_PATTERN.test(auth.targetResourceRegion)) {
      throw new PermanentError('startCopy: malformed targetResourceRegion in the authorization; no request made', {
        reason: 'invalidTarget',
        operation,
      });
    }
    if (auth.expiresWithin(this.#http.now())) {
      throw new AuthorizationRenewalError(
        `startCopy: the copy authorization for ${targetId} expired at ${auth.expiresAtIso}; no request made`,
        { reason: 'authorizationExpired', operation },
      );
    }
  }

  /** A sync 400 on copyTo that is about the authorization → renewal (v4 codes are not the v2 `1002`). */
  static #reclassifyCopyRejection(e: unknown): unknown {
    if (!(e instanceof PermanentError) || e.status !== 400 || e.reason !== 'badRequest') return e;
    const code = (e.serviceCode ?? '').toLowerCase();
    const authCode = code === 'authorizationfailed' || code === 'authorizationerror' || code.includes('authorization');
    if (!authCode && !/copy ?authorization|access ?token/i.test(e.message)) return e;
    const init = {
      operation: e.operation,
      status: 400,
      ...(e.serviceCode !== undefined ? { serviceCode: e.serviceCode } : {}),
      ...(e.requestId !== undefined ? { requestId: e.requestId } : {}),
    };
    if (/already (been )?(used|consumed)/i.test(e.message))
      return new AuthorizationRenewalError(e.message, { ...init, reason: 'authorizationReused' });
    return new AuthorizationRenewalError(e.message, {
      ...init,
      reason: /expir/i.test(e.message) ? 'authorizationExpired' : 'authorizationInvalid',
    });
  }

  async #startCopy(
    collection: Collection,
    sourceId: string,
    raw: string,
    targetId: string,
    kind: NonNullable<CopyOperationRef['kind']>,
    options?: StartCopyOptions,
  ): Promise<CopyOperationRef> {
    const operation: ClientOperation = 'startCopy';
    const headers: Record<string, string> = {};
    if (options?.allowDegrade) headers['x-ms-forms-copy-degrade'] = 'true';
    const template =
      collection === 'documentModels'
        ? '/documentModels/{modelId}:copyTo'
        : '/documentClassifiers/{classifierId}:copyTo';
    let res: SendResponse;
    try {
      res = await this.#http.send({
        operation,
        method: 'POST',
        url: this.#url(`/${collection}/${encodeURIComponent(sourceId)}:copyTo`),
        route: this.#route('POST', template),
        body: raw, // the authorization verbatim: the spec's request body IS the authorization
        headers,
        ...requestOptions(options),
      });
    } catch (e) {
      throw DocumentModelsClient.#reclassifyCopyRejection(e);
    }
    const location = res.headers.get('operation-location');
    if (!location) throw this.#unexpected(operation, res, 'no Operation-Location header');
    const checked = this.#checkOperationLocation(location, operation);
    const ref: CopyOperationRef = {
      operationLocation: checked.href,
      sourceModelId: sourceId,
      resultId: checked.operationId,
      targetModelId: targetId,
      kind,
    };
    if (res.retryAfterMs !== undefined) ref.retryAfterMs = res.retryAfterMs;
    this.#http.logger.info('documentModels copy started', {
      operation,
      kind,
      sourceId,
      targetId,
      operationId: checked.operationId,
      requestId: res.requestId,
    });
    return ref;
  }

  /** Starts copying `sourceModelId` from THIS (source) resource into the authorization's target. */
  async startCopy(
    sourceModelId: string,
    authorization: CopyAuthorization,
    options?: StartCopyOptions,
  ): Promise<CopyOperationRef> {
    checkId(sourceModelId, 'source model id', 'startCopy');
    if (!(authorization instanceof CopyAuthorization) || authorization.apiFamily !== 'documentModels') {
      throw new ValidationError('startCopy: a v4 CopyAuthorization (documentModels:authorizeCopy) is required', {
        reason: 'invalidArgument',
        operation: 'startCopy',
      });
    }
    if (sourceModelId.toLowerCase().startsWith('prebuilt-')) {
      throw new ValidationError('startCopy: prebuilt models are not copied', {
        reason: 'invalidArgument',
        operation: 'startCopy',
      });
    }
    this.#http.scrubber.add(authorization.accessTokenForScrubbing);
    this.#checkTarget(authorization, authorization.targetModelId);
    return this.#startCopy(
      'documentModels',
      sourceModelId,
      authorization.raw,
      authorization.targetModelId,
      'documentModelCopyTo',
      options,
    );
  }

  async startClassifierCopy(
    sourceClassifierId: string,
    authorization: ClassifierCopyAuthorization,
    options?: StartCopyOptions,
  ): Promise<CopyOperationRef> {
    this.#requireClassifierCopy('startCopy');
    checkId(sourceClassifierId, 'source classifier id', 'startCopy');
    if (!(authorization instanceof ClassifierCopyAuthorization)) {
      throw new ValidationError('startClassifierCopy: a ClassifierCopyAuthorization is required', {
        reason: 'invalidArgument',
        operation: 'startCopy',
      });
    }
    this.#http.scrubber.add(authorization.accessTokenForScrubbing);
    this.#checkTarget(authorization, authorization.targetClassifierId);
    return this.#startCopy(
      'documentClassifiers',
      sourceClassifierId,
      authorization.raw,
      authorization.targetClassifierId,
      'documentClassifierCopyTo',
      options,
    );
  }

  /**
   * The state of a model or classifier copy. `failed` is returned, not thrown (classify with
   * `copyResultError` / `classifyDocumentModelCopyFailure`). After 24 h the service forgets
   * the operation: 404 `OperationNotFound` → PermanentError reason `operationNotFound`;
   * recover by checking whether the target model exists.
   */
  async getCopyResult(operationRef: CopyOperationRef | string, options?: RequestOptions): Promise<CopyResult> {
    const operation: ClientOperation = 'getCopyResult';
    const location = typeof operationRef === 'string' ? operationRef : operationRef?.operationLocation;
    if (typeof location !== 'string')
      throw new ValidationError('getCopyResult: an operation location is required', {
        reason: 'invalidArgument',
        operation,
      });
    const checked = this.#checkOperationLocation(location, operation);
    const res = await this.#http.send({
      operation,
      method: 'GET',
      url: checked.href,
      route: this.#route('GET', '/operations/{operationId}'),
      ...requestOptions(options),
    });
    const body = toCopyOperation(this.#json(res, operation));
    if (!body) throw this.#unexpected(operation, res, 'not a copy operation');
    if (body.operationId !== checked.operationId)
      throw this.#unexpected(operation, res, 'operationId does not match the location');
    const out: CopyResult = {
      status: body.status,
      errors: body.errors.map((e) => ({ code: e.code, message: this.#http.scrub(e.message) })),
      createdDateTime: body.createdDateTime,
      lastUpdatedDateTime: body.lastUpdatedDateTime,
      kind: body.kind,
      resourceLocation: body.resourceLocation,
    };
    const target =
      body.resultId ??
      lastSegment(body.resourceLocation) ??
      (typeof operationRef === 'string' ? undefined : operationRef.targetModelId);
    if (target !== undefined) out.targetModelId = target;
    if (body.percentCompleted !== undefined) out.percentCompleted = body.percentCompleted;
    if (res.retryAfterMs !== undefined) out.retryAfterMs = res.retryAfterMs;
    return out;
  }
}

/**
 * A checked `nextLink` as sent: verbatim when it names an `api-version`, otherwise with the
 * configured one added (the specification's examples carry none; the official client's
 * api-version policy adds it the same way). Only ever called on a link already checked to be
 * on the listed resource's origin and path.
 */
export function withApiVersion(link: string, apiVersion: string): string {
  const u = new URL(link);
  if (u.searchParams.has('api-version')) return link;
  const hash = link.indexOf('#');
  const base = hash < 0 ? link : link.slice(0, hash);
  const sep = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${sep}api-version=${encodeURIComponent(apiVersion)}${hash < 0 ? '' : link.slice(hash)}`;
}

function lastSegment(url: string): string | undefined {
  try {
    const seg = new URL(url).pathname.split('/').pop();
    return seg ? decodeURIComponent(seg) : undefined;
  } catch {
    return undefined;
  }
}
