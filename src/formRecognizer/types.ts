/**
 * The one interface orchestrations (through activities) depend on. One implementation
 * per API family: {@link FormRecognizerV2Client} for `formrecognizer/v2.0|v2.1`; a v3/v4
 * client (`documentModels:authorizeCopy`, `:copyTo`, `/operations/{id}`) can implement
 * the same interface — the option and result types already admit its fields.
 *
 * Everything returned is plain data safe for durable history, except
 * {@link CopyAuthorization}, whose secret part never serializes.
 */
import type { ApiFamily } from '../common/apiVersions';
import type { CopyAuthorization, CopyTarget } from './authorization';
import type { ServiceErrorDetail } from './errors';

export type ModelStatus = 'creating' | 'ready' | 'invalid';

export interface ModelInfo {
  modelId: string;
  status: ModelStatus;
  createdDateTime: string;
  lastUpdatedDateTime: string;
  /** v2.1 only (and v4 `description`). */
  modelName?: string;
  /** v2.1 `attributes.isComposed`; v4: the model has a `classifierId` or component `docTypes[*].modelId`s. */
  isComposed?: boolean;
  /** v3.1/v4: a `prebuilt-*` model (listed by the service, never copyable: skip it). */
  prebuilt?: boolean;
  /** v3.1/v4 `description`. */
  description?: string;
  /** v3.1/v4 `tags`. */
  tags?: Record<string, string>;
  /** v3.1/v4: the keys of `docTypes`. */
  docTypes?: string[];
  /** v4 composed model: the classifier it routes documents with (must exist in the target under this id). */
  classifierId?: string;
  /** v4 composed model: `auto` | `none` | `perPage`. */
  split?: string;
  /** v4 composed model: the distinct `docTypes[*].modelId` component models it references. */
  componentModelIds?: string[];
  /** v3.1/v4: when the model expires (`expirationDateTime`). */
  expirationDateTime?: string;
  /** v3.1/v4: API version that created the model ("2.0"/"2.1" for a v2-era model in a v3/v4 listing). */
  apiVersion?: string;
  /** v3.1/v4 model-level `buildMode`, when the service sends one. */
  buildMode?: string;
  /**
   * v3.1/v4: what a copy must preserve of each docType, keyed like `docTypes` (a copy may
   * RENAME a docType named after the source model id to the target id; see
   * `src/replication/lineage.ts`). Compact and secret-free: safe for durable history.
   */
  docTypeSchemas?: Record<string, DocTypeSchema>;
}

/** The part of a v3.1/v4 docType a copy preserves. */
export interface DocTypeSchema {
  buildMode?: string;
  /** sha256 (first 32 hex digits) of the canonical JSON of `fieldSchema` (sorted keys); `''` when there is none. */
  fieldSchemaFingerprint: string;
  /** v4 composed model: the component model this docType routes to. */
  modelId?: string;
}

export interface ModelPage {
  models: ModelInfo[];
  /** Opaque link to the next page, exactly as the service sent it; undefined at the end. */
  nextLink?: string;
}

export interface ModelsSummary {
  count: number;
  limit: number;
  lastUpdatedDateTime?: string;
}

export interface RequestOptions {
  /** Cancels the request (combined with the client's timeout). */
  abortSignal?: AbortSignal;
  /** Per-call timeout override, ms. */
  timeoutMs?: number;
}

export interface AuthorizeCopyOptions extends RequestOptions {
  /** v4: the caller chooses the target model id. v2 ignores it (the service picks one). */
  targetModelId?: string;
  /** v4 only. */
  description?: string;
  /** v4 only. */
  tags?: Record<string, string>;
}

export interface StartCopyOptions extends RequestOptions {
  /** Send `x-ms-forms-copy-degrade: true` (allow encrypted → unencrypted). */
  allowDegrade?: boolean;
}

/** Where to poll a started copy. Plain data, no secrets: safe for durable history. */
export interface CopyOperationRef {
  /** The validated `Operation-Location` (on the source endpoint's origin). */
  operationLocation: string;
  sourceModelId: string;
  /** v2: the copy result id; v4: the operation id. */
  resultId: string;
  /** The target model id the authorization reserved. */
  targetModelId: string;
  retryAfterMs?: number;
  /** v3.1/v4: what is being copied (absent for v2 and for model copies made before this field existed). */
  kind?: 'documentModelCopyTo' | 'documentClassifierCopyTo';
}

export type CopyStatus = 'notStarted' | 'running' | 'succeeded' | 'failed' | 'canceled' | 'skipped';

export interface CopyResult {
  status: CopyStatus;
  /** v2: `copyResult.modelId` (present even while notStarted); v4: from `result`/`resourceLocation`. */
  targetModelId?: string;
  /** Errors of a failed operation; classify with `classifyCopyFailure`. */
  errors: ServiceErrorDetail[];
  createdDateTime: string;
  lastUpdatedDateTime: string;
  /** v4 `percentCompleted`. */
  percentCompleted?: number;
  /** When the service said to come back (Retry-After), ms. */
  retryAfterMs?: number;
  /** v3.1/v4 `kind` (`documentModelCopyTo` / `documentClassifierCopyTo`). */
  kind?: string;
  /** v3.1/v4 `resourceLocation`: the target model (or classifier) URL. */
  resourceLocation?: string;
}

export interface DeleteModelResult {
  /** false when the model was already gone (404): deletion is idempotent. */
  deleted: boolean;
}

export interface CopyApi {
  readonly apiFamily: ApiFamily;
  readonly apiVersion: string;
  /** Endpoint origin + base path, no trailing slash. */
  readonly endpoint: string;
  readonly region: string;
  readonly resourceId: string;

  /** All models, every page, following `nextLink` verbatim. Includes `invalid` ones. */
  listModels(options?: RequestOptions): AsyncIterableIterator<ModelInfo>;
  /** One page: the first when `nextLink` is undefined. */
  listModelsPage(nextLink?: string, options?: RequestOptions): Promise<ModelPage>;
  getModelsSummary(options?: RequestOptions): Promise<ModelsSummary>;
  /** Throws ModelNotFoundError on 404. */
  getModel(modelId: string, options?: RequestOptions): Promise<ModelInfo>;
  /** 404 = already gone = success (`{deleted:false}`). */
  deleteModel(modelId: string, options?: RequestOptions): Promise<DeleteModelResult>;

  /** On the TARGET: reserve a blank model and get an authorization for it. */
  authorizeCopy(options?: AuthorizeCopyOptions): Promise<CopyAuthorization>;
  /** On the SOURCE: start copying `sourceModelId` into the authorization's target. */
  startCopy(
    sourceModelId: string,
    authorization: CopyAuthorization,
    options?: StartCopyOptions,
  ): Promise<CopyOperationRef>;
  /** On the SOURCE: the state of a started copy. The location is re-validated before a credential is sent. */
  getCopyResult(operation: CopyOperationRef | string, options?: RequestOptions): Promise<CopyResult>;
}

export type { CopyTarget };
