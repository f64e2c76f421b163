/**
 * {@link CopyApi} for Form Recognizer REST v2.0 / v2.1 (`{endpoint}/formrecognizer/{version}/…`).
 */
import { SUPPORTED_API_VERSIONS, type V2ApiVersion } from '../common/apiVersions';
import { CopyAuthorization } from './authorization';
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
import { DocumentModelsClient } from './documentModelsClient';
import {
  AuthorizationRenewalError,
  ForeignHostError,
  PermanentError,
  UnexpectedResponseError,
  ValidationError,
  type ClientOperation,
} from './errors';
import { toCopyResult, toModelInfo, toModelList, toModelsSummary, isObject } from './guards';
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

export type { V2ApiVersion } from '../common/apiVersions';

export interface FormRecognizerClientOptions extends HttpCoreOptions {
  /** e.g. `https://myresource.cognitiveservices.azure.com/` (a base path is kept). */
  endpoint: string;
  /** This resource's region, e.g. `westus2` (sent as `targetResourceRegion` when it is a target). */
  region: string;
  /** This resource's ARM id (sent as `targetResourceId` when it is a target). */
  resourceId: string;
  apiVersion?: V2ApiVersion;
  /** Allow `http:` to a non-loopback host. Default false: a key is never sent in clear text. */
  allowInsecureHttp?: boolean;
}

export { TARGET_REGION_PATTERN, TARGET_RESOURCE_ID_PATTERN } from './clientCommon';

function checkModelId(modelId: unknown, operation: ClientOperation): string {
  if (
    typeof modelId !== 'string' ||
    modelId.trim() === '' ||
    modelId === '.' ||
    modelId === '..' ||
    modelId.length > 256
  ) {
    throw new ValidationError(`${operation}: invalid model id`, { reason: 'invalidArgument', operation });
  }
  return modelId;
}

const ROUTES = {
  list: 'GET /formrecognizer/{version}/custom/models?op=full',
  listNext: 'GET /formrecognizer/{version}/custom/models?nextLink={opaque}',
  summary: 'GET /formrecognizer/{version}/custom/models?op=summary',
  get: 'GET /formrecognizer/{version}/custom/models/{modelId}',
  delete: 'DELETE /formrecognizer/{version}/custom/models/{modelId}',
  authorize: 'POST /formrecognizer/{version}/custom/models/copyAuthorization',
  copy: 'POST /formrecognizer/{version}/custom/models/{modelId}/copy',
  copyResult: 'GET /formrecognizer/{version}/custom/models/{modelId}/copyresults/{resultId}',
} as const;

export class FormRecognizerV2Client implements CopyApi {
  readonly apiFamily = 'formRecognizerV2' as const;
  readonly apiVersion: V2ApiVersion;
  readonly endpoint: string;
  readonly region: string;
  readonly resourceId: string;
  readonly #http: HttpCore;
  readonly #origin: string;
  readonly #basePath: string;

  constructor(options: FormRecognizerClientOptions) {
    const { origin, basePath } = parseEndpoint(options.endpoint, options.allowInsecureHttp);
    const version = options.apiVersion ?? 'v2.1';
    if (version !== 'v2.0' && version !== 'v2.1') {
      throw new ValidationError(`unsupported apiVersion ${String(version)} for the v2 client`, {
        reason: 'invalidArgument',
        operation: 'listModels',
      });
    }
    this.apiVersion = version;
    this.#origin = origin;
    this.#basePath = basePath;
    this.endpoint = `${this.#origin}${this.#basePath}`;
    this.region = options.region;
    this.resourceId = options.resourceId;
    this.#http = new HttpCore(options);
  }

  /** How this client authenticates (never the secret itself). */
  get authMode(): 'key' | 'entra' {
    return this.#http.authMode;
  }

  toJSON(): Record<string, string> {
    return clientSummary(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `FormRecognizerV2Client ${JSON.stringify(this.toJSON())}`;
  }

  get #modelsPath(): string {
    return `${this.#basePath}/formrecognizer/${this.apiVersion}/custom/models`;
  }

  #url(suffix: string): string {
    return `${this.#origin}${this.#modelsPath}${suffix}`;
  }

  #json(res: SendResponse, operation: ClientOperation): unknown {
    return parseJsonBody(this.#http.logger, 'formRecognizer', operation, res);
  }

  #unexpected(operation: ClientOperation, res: SendResponse | undefined, what: string): UnexpectedResponseError {
    return unexpectedResponse(this.#http.logger, 'formRecognizer', operation, res, what);
  }

  // ---- models ---------------------------------------------------------------------------

  /** Validates a `nextLink`: same origin, same models path. Returns it unchanged (verbatim). */
  #checkNextLink(link: string): string {
    return checkNextLink(link, this.#origin, this.#modelsPath, 'the models path');
  }

  async listModelsPage(nextLink?: string, options?: RequestOptions): Promise<ModelPage> {
    const url = nextLink === undefined ? this.#url('?op=full') : this.#checkNextLink(nextLink);
    const res = await this.#http.send({
      operation: 'listModels',
      method: 'GET',
      url,
      route: nextLink === undefined ? ROUTES.list : ROUTES.listNext,
      ...requestOptions(options),
    });
    const page = toModelList(this.#json(res, 'listModels'));
    if (!page) throw this.#unexpected('listModels', res, 'not a model list');
    const out: ModelPage = { models: page.models };
    if (page.nextLink !== undefined) out.nextLink = page.nextLink;
    return out;
  }

  listModels(options?: RequestOptions): AsyncIterableIterator<ModelInfo> {
    return everyPage(
      async (link) => {
        const page = await this.listModelsPage(link, options);
        return { items: page.models, nextLink: page.nextLink };
      },
      (link) => this.#checkNextLink(link),
      () => this.#unexpected('listModels', undefined, 'nextLink repeats an earlier page'),
    );
  }

  async getModelsSummary(options?: RequestOptions): Promise<ModelsSummary> {
    const res = await this.#http.send({
      operation: 'getModelsSummary',
      method: 'GET',
      url: this.#url('?op=summary'),
      route: ROUTES.summary,
      ...requestOptions(options),
    });
    const s = toModelsSummary(this.#json(res, 'getModelsSummary'));
    if (!s) throw this.#unexpected('getModelsSummary', res, 'not a summary');
    return s;
  }

  async getModel(modelId: string, options?: RequestOptions): Promise<ModelInfo> {
    checkModelId(modelId, 'getModel');
    const res = await this.#http.send({
      operation: 'getModel',
      method: 'GET',
      url: this.#url(`/${encodeURIComponent(modelId)}`),
      route: ROUTES.get,
      ...requestOptions(options),
    });
    const body = this.#json(res, 'getModel');
    const info = isObject(body) ? toModelInfo(body.modelInfo) : undefined;
    if (!info) throw this.#unexpected('getModel', res, 'no valid modelInfo');
    return info;
  }

  /** 404 means the model is already gone: returns `{deleted:false}`, never throws for it. */
  async deleteModel(modelId: string, options?: RequestOptions): Promise<DeleteModelResult> {
    checkModelId(modelId, 'deleteModel');
    const res = await this.#http.send({
      operation: 'deleteModel',
      method: 'DELETE',
      url: this.#url(`/${encodeURIComponent(modelId)}`),
      route: ROUTES.delete,
      accept: [404],
      ...requestOptions(options),
    });
    if (res.status === 404) {
      this.#http.logger.info('formRecognizer deleteModel: model already gone (404), treated as deleted', {
        operation: 'deleteModel',
        requestId: res.requestId,
      });
      return { deleted: false };
    }
    return { deleted: true };
  }

  // ---- copy -----------------------------------------------------------------------------

  /**
   * Reserves a blank model on THIS (target) resource. v2 ignores `targetModelId`,
   * `description` and `tags` (the service chooses the id).
   */
  async authorizeCopy(options?: AuthorizeCopyOptions): Promise<CopyAuthorization> {
    const res = await this.#http.send({
      operation: 'authorizeCopy',
      method: 'POST',
      url: this.#url('/copyAuthorization'),
      route: ROUTES.authorize,
      body: '',
      ...requestOptions(options),
    });
    let auth: CopyAuthorization;
    try {
      auth = CopyAuthorization.fromV2Raw(res.text, { resourceId: this.resourceId, region: this.region });
    } catch (e) {
      throw this.#unexpected('authorizeCopy', res, e instanceof Error ? e.message : 'invalid authorization');
    }
    this.#http.scrubber.add(auth.accessTokenForScrubbing);
    this.#http.logger.info('formRecognizer copy authorized', {
      operation: 'authorizeCopy',
      targetModelId: auth.targetModelId,
      expiresAt: auth.expiresAtIso,
      encoding: auth.expiresEncoding,
      requestId: res.requestId,
    });
    return auth;
  }

  /** Validates an `Operation-Location` against this (source) endpoint before any credential is sent to it. */
  #checkOperationLocation(
    location: string,
    sourceModelId: string | undefined,
    operation: ClientOperation,
  ): { href: string; modelId: string; resultId: string } {
    const u = resolveOperationLocation(location, this.endpoint, this.#origin, operation);
    const prefix = `${this.#modelsPath}/`;
    const path = u.pathname;
    const m = path.toLowerCase().startsWith(prefix.toLowerCase())
      ? /^([^/]+)\/copyresults\/([^/]+)$/i.exec(path.slice(prefix.length))
      : null;
    if (!m)
      throw new ForeignHostError(
        `${operation}: Operation-Location is not a copy result of ${this.#modelsPath}; refused, no request made`,
        { reason: 'foreignHost', operation },
      );
    let modelId: string;
    let resultId: string;
    try {
      modelId = decodeURIComponent(m[1] as string);
      resultId = decodeURIComponent(m[2] as string);
    } catch {
      throw new ForeignHostError(`${operation}: Operation-Location is malformed; refused`, {
        reason: 'foreignHost',
        operation,
      });
    }
    if (sourceModelId !== undefined && modelId !== sourceModelId) {
      throw new ForeignHostError(`${operation}: Operation-Location is for another model; refused, no request made`, {
        reason: 'foreignHost',
        operation,
      });
    }
    return { href: u.href, modelId, resultId };
  }

  /** Starts copying `sourceModelId` from THIS (source) resource into the authorization's target. */
  async startCopy(
    sourceModelId: string,
    authorization: CopyAuthorization,
    options?: StartCopyOptions,
  ): Promise<CopyOperationRef> {
    const operation: ClientOperation = 'startCopy';
    checkModelId(sourceModelId, operation);
    if (!(authorization instanceof CopyAuthorization) || authorization.apiFamily !== 'formRecognizerV2') {
      throw new ValidationError('startCopy: a v2 CopyAuthorization is required', {
        reason: 'invalidArgument',
        operation,
      });
    }
    const { targetResourceId, targetResourceRegion } = authorization;
    if (
      typeof targetResourceId !== 'string' ||
      targetResourceId.length > 1024 ||
      !TARGET_RESOURCE_ID_PATTERN.test(targetResourceId)
    ) {
      throw new PermanentError(
        'startCopy: malformed targetResourceId (expected /subscriptions/…/resourceGroups/…/providers/Microsoft.CognitiveServices/accounts/…); no request made',
        { reason: 'invalidTarget', operation },
      );
    }
    if (typeof targetResourceRegion !== 'string' || !TARGET_REGION_PATTERN.test(targetResourceRegion)) {
      throw new PermanentError(
        'startCopy: malformed targetResourceRegion (expected 1-24 letters and digits); no request made',
        { reason: 'invalidTarget', operation },
      );
    }
    this.#http.scrubber.add(authorization.accessTokenForScrubbing);
    if (authorization.expiresWithin(this.#http.now())) {
      throw new AuthorizationRenewalError(
        `startCopy: the copy authorization for target model ${authorization.targetModelId} expired at ${authorization.expiresAtIso}; no request made`,
        {
          reason: 'authorizationExpired',
          operation,
        },
      );
    }
    // The authorization is spliced in as the service's original text: never re-serialized.
    const body = `{"targetResourceId":${JSON.stringify(targetResourceId)},"targetResourceRegion":${JSON.stringify(targetResourceRegion)},"copyAuthorization":${authorization.raw}}`;
    const headers: Record<string, string> = {};
    if (options?.allowDegrade) headers['x-ms-forms-copy-degrade'] = 'true';
    const res = await this.#http.send({
      operation,
      method: 'POST',
      url: this.#url(`/${encodeURIComponent(sourceModelId)}/copy`),
      route: ROUTES.copy,
      body,
      headers,
      copyContext: { authorizationExpired: authorization.expiresWithin(this.#http.now()) },
      ...requestOptions(options),
    });
    const location = res.headers.get('operation-location');
    if (!location) throw this.#unexpected(operation, res, 'no Operation-Location header');
    const checked = this.#checkOperationLocation(location, sourceModelId, operation);
    const ref: CopyOperationRef = {
      operationLocation: checked.href,
      sourceModelId,
      resultId: checked.resultId,
      targetModelId: authorization.targetModelId,
    };
    if (res.retryAfterMs !== undefined) ref.retryAfterMs = res.retryAfterMs;
    this.#http.logger.info('formRecognizer copy started', {
      operation,
      sourceModelId,
      targetModelId: authorization.targetModelId,
      resultId: checked.resultId,
      requestId: res.requestId,
    });
    return ref;
  }

  async getCopyResult(operationRef: CopyOperationRef | string, options?: RequestOptions): Promise<CopyResult> {
    const operation: ClientOperation = 'getCopyResult';
    const location = typeof operationRef === 'string' ? operationRef : operationRef?.operationLocation;
    if (typeof location !== 'string')
      throw new ValidationError('getCopyResult: an operation location is required', {
        reason: 'invalidArgument',
        operation,
      });
    const checked = this.#checkOperationLocation(
      location,
      typeof operationRef === 'string' ? undefined : operationRef.sourceModelId,
      operation,
    );
    const res = await this.#http.send({
      operation,
      method: 'GET',
      url: checked.href,
      route: ROUTES.copyResult,
      ...requestOptions(options),
    });
    const body = toCopyResult(this.#json(res, operation));
    if (!body) throw this.#unexpected(operation, res, 'not a copy result');
    const out: CopyResult = {
      status: body.status,
      errors: body.errors.map((e) => ({ code: e.code, message: this.#http.scrub(e.message) })),
      createdDateTime: body.createdDateTime,
      lastUpdatedDateTime: body.lastUpdatedDateTime,
    };
    if (body.targetModelId !== undefined) out.targetModelId = body.targetModelId;
    if (res.retryAfterMs !== undefined) out.retryAfterMs = res.retryAfterMs;
    return out;
  }
}

export { SUPPORTED_API_VERSIONS } from '../common/apiVersions';

export interface CopyClientOptions extends Omit<FormRecognizerClientOptions, 'apiVersion'> {
  /** `v2.1` (default), `v2.0`, `2023-07-31` (Form Recognizer v3.1) or `2024-11-30` (Document Intelligence v4). */
  apiVersion?: string;
}

/**
 * The {@link CopyApi} implementation for an API version (`DR_API_VERSION`): the v2 client for
 * `v2.0` / `v2.1`, {@link DocumentModelsClient} for `2023-07-31` / `2024-11-30`. Throws a
 * ValidationError naming the version otherwise.
 */
export function createCopyClient(options: CopyClientOptions): CopyApi {
  const version = options.apiVersion ?? 'v2.1';
  if (version === 'v2.0' || version === 'v2.1') return new FormRecognizerV2Client({ ...options, apiVersion: version });
  if (version === '2023-07-31' || version === '2024-11-30')
    return new DocumentModelsClient({ ...options, apiVersion: version });
  throw new ValidationError(
    `API version '${version}' is not implemented (supported: ${SUPPORTED_API_VERSIONS.join(', ')})`,
    {
      reason: 'invalidArgument',
      operation: 'listModels',
    },
  );
}
