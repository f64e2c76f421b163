/**
 * Public types of the Form Recognizer v2.0 / v2.1 custom-model emulator.
 *
 * Facts come from docs/reference/copy-api.md (the v2.1 section and the service limits);
 * behaviours the reference marks as inferred are configurable here.
 */

import {
  DOCUMENT_MODELS_API_VERSIONS,
  RETIRED_API_VERSIONS,
  V2_API_VERSIONS,
  type DocumentModelsApiVersion,
  type RetiredApiVersion,
} from '../../../src/common/apiVersions';

/** v3.1 / v4 `api-version` query values (routes `formrecognizer/…` and `documentintelligence/…`). */
export type DocumentApiVersion = DocumentModelsApiVersion;
export const DOCUMENT_API_VERSIONS: readonly DocumentApiVersion[] = DOCUMENT_MODELS_API_VERSIONS;

/** Versions the emulator serves: v2 path segments (also the retired ones, as the service did) and v3.1 / v4 `api-version` values. */
export type ApiVersion = (typeof V2_API_VERSIONS)[number] | RetiredApiVersion | DocumentApiVersion;
/** The v2 family (the default set when `apiVersions` is absent also includes {@link DOCUMENT_API_VERSIONS}). */
export const ALL_API_VERSIONS: readonly ApiVersion[] = [...V2_API_VERSIONS, ...RETIRED_API_VERSIONS];

export type ModelStatus = 'creating' | 'ready' | 'invalid';

/** How `expirationDateTimeTicks` is encoded in issued authorizations. */
export type TickEncoding = 'seconds' | 'ticks';

/** What the source does with an authorization that differs from the one issued. */
export type TamperedAuthorizationBehaviour = 'reject' | 'failOperation';

export type CallKind = 'authorize' | 'copy' | 'copyResult' | 'list' | 'summary' | 'getModel' | 'deleteModel';
export const ALL_CALL_KINDS: readonly CallKind[] = [
  'authorize',
  'copy',
  'copyResult',
  'list',
  'summary',
  'getModel',
  'deleteModel',
];

export interface TrainingDocument {
  documentName: string;
  pages: number;
  errors: unknown[];
  status: string;
}

export interface TrainResult {
  averageModelAccuracy?: number;
  trainingDocuments: TrainingDocument[];
  fields?: { fieldName: string; accuracy: number }[];
  errors: unknown[];
  modelId?: string;
}

/** A model to preload into a resource (or to add later with `addModel`). */
export interface ModelSeed {
  modelId?: string;
  modelName?: string;
  status?: ModelStatus;
  /** ISO date; default: the clock's now. */
  createdDateTime?: string;
  lastUpdatedDateTime?: string;
  isComposed?: boolean;
  /** Training results of a plain model. */
  trainResult?: TrainResult;
  /** Component results of a composed model (`modelId` of each component stays on copy). */
  composedTrainResults?: TrainResult[];
  /** Labelled-keys (unsupervised) models return `keys`. */
  keys?: { clusters: Record<string, string[]> };
}

export interface ResourceSpec {
  name: string;
  /** Analyze behaviour and faults (restore drills, analyze.ts). */
  analyze?: AnalyzeSpec;
  /** Azure region name, e.g. `westus2`. */
  region: string;
  /** Subscription key; generated randomly when absent. */
  key?: string;
  /** Loopback port; 0 (default) picks a free port. */
  port?: number;
  /** Customer-managed / AEK encryption (matters for the degrade header). */
  encrypted?: boolean;
  models?: ModelSeed[];
  /** Encoding of issued `expirationDateTimeTicks`; default `seconds` (v2.1 real behaviour). */
  tickEncoding?: TickEncoding;
  /** Versions served; default all of `v2.0`, `v2.1`, `v2.0-preview`, `2023-07-31`, `2024-11-30`. */
  apiVersions?: ApiVersion[];
  /** v3.1/v4 custom document models to preload. */
  documentModels?: DocumentModelSeed[];
  /** v3.1/v4 custom classifiers to preload. */
  classifiers?: ClassifierSeed[];
  /** v3.1/v4 `prebuilt-*` models listed by the resource; default {@link DEFAULT_PREBUILT_MODELS}. */
  prebuiltModels?: string[];
  /** v3.1/v4 copy authorization lifetime, ms; default 1 h (observed). */
  copyAuthorizationLifetimeMs?: number;
  /**
   * v3.1/v4: what an authorization does to its target id until a copy lands (azure-sdk-for-net #51813):
   * `burn` (default, observed): the id is reserved for good, a second authorizeCopy → 409 ModelExists
   * even after expiry; `releaseOnExpiry`: reserved until the authorization expires;
   * `reauthorize`: a new authorization for the same id replaces the old one.
   */
  reservedIdPolicy?: ReservedIdPolicy;
  /**
   * v4: what the TARGET must already hold for a composed model's copy to succeed (inferred, see docs/v4.md):
   * `classifier` (default): its `classifierId`; `classifierAndComponents`: also every `docTypes[*].modelId`; `none`.
   */
  composedCopyRequires?: ComposedCopyRequirement;
  /** Bearer tokens accepted in `Authorization: Bearer <token>` (Entra ID stand-in). */
  acceptedTokens?: string[];
  /** Status a blank authorized target model reports before its copy succeeds (inferred; default `creating`). */
  blankModelStatus?: ModelStatus;
  /** Source-side handling of a modified authorization: sync 400 1002 (default) or a failed operation. */
  tamperedAuthorization?: TamperedAuthorizationBehaviour;
  /** Resource id; default `/subscriptions/<guid>/resourceGroups/rg-model-dr/providers/Microsoft.CognitiveServices/accounts/<name>`. */
  resourceId?: string;
  /** `limit` reported by `?op=summary`; default 5000 (S0). */
  modelLimit?: number;
  /**
   * v2.1: refuse a `copyAuthorization` (which creates a model) when the resource already holds
   * `modelLimit` models, blank ones included: 400 `ModelLimitExceeded` [inf: the service's answer
   * at its limit is not documented]. Default false (only the summary reports the limit).
   */
  enforceModelLimit?: boolean;
  /** v3.1/v4 `GET /info` `customDocumentModels.limit`; default 20000 (recorded). */
  documentModelLimit?: number;
  /** v3.1/v4 `GET /info` `customNeuralDocumentModelBuilds.quota`; default 20 [inf]. */
  neuralBuildQuota?: number;
  /**
   * v3.1/v4: documented limit errors this resource answers when it is a copy TARGET
   * (e.g. a target that refuses neural models with `DocumentModelLimitNeural`).
   */
  refuseCopies?: RefuseCopiesSpec[];
  /**
   * v3.1/v4: a docType keyed by the source model id is re-keyed by the target id on copy
   * (recorded); default true. `false` keeps the source's keys (the emulator's old behaviour).
   */
  renameDocTypes?: boolean;
}

/** A documented limit error a target answers for some copies (400 `InvalidRequest` / `code`). */
export interface RefuseCopiesSpec {
  code: 'DocumentModelLimit' | 'DocumentModelLimitNeural' | 'DocumentModelLimitComposed' | (string & {});
  /** Which source models it applies to; default `any`. */
  models?: 'any' | 'neural' | 'composed' | 'template';
  message?: string;
  /**
   * Where the refusal shows: `operation` (default [inf]: the copy is accepted with 202, then its
   * operation fails with the error) or `copyTo` (a synchronous 400 on the POST).
   */
  at?: 'operation' | 'copyTo';
}

export type ReservedIdPolicy = 'burn' | 'releaseOnExpiry' | 'reauthorize';
export type ComposedCopyRequirement = 'classifier' | 'classifierAndComponents' | 'none';

export const DEFAULT_PREBUILT_MODELS: readonly string[] = [
  'prebuilt-idDocument',
  'prebuilt-invoice',
  'prebuilt-layout',
  'prebuilt-read',
  'prebuilt-receipt',
];

/** A v3.1/v4 document type of a model; `modelId` (v4) names the component of a composed model. */
export interface DocumentTypeSeed {
  description?: string;
  buildMode?: 'template' | 'neural';
  modelId?: string;
  fieldSchema?: Record<string, unknown>;
  confidenceThreshold?: number;
}

/** A v3.1/v4 custom document model (the v3.1/v4 API lists only succeeded models). */
export interface DocumentModelSeed {
  modelId: string;
  description?: string;
  tags?: Record<string, string>;
  /** ISO; default the clock's now. */
  createdDateTime?: string;
  expirationDateTime?: string;
  apiVersion?: string;
  buildMode?: 'template' | 'neural';
  /** Default: one doc type named after the model. */
  docTypes?: Record<string, DocumentTypeSeed>;
  /** v4 composed model: the classifier that routes documents to `docTypes[*].modelId`. */
  classifierId?: string;
  split?: 'auto' | 'none' | 'perPage';
}

export interface ClassifierSeed {
  classifierId: string;
  description?: string;
  createdDateTime?: string;
  expirationDateTime?: string;
  apiVersion?: string;
  /** Doc type names; default `['invoice', 'receipt']`. */
  docTypes?: string[];
}

/** What callers get back for each emulated resource. */
export interface EmulatedResource {
  name: string;
  region: string;
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  endpoint: string;
  key: string;
  resourceId: string;
  encrypted: boolean;
}

/** Transactions per second in a sliding 1 s window of clock time (S0 defaults: 5 / 50 / 10). */
export interface RateLimits {
  /** authorize + copy + delete. */
  management: number;
  /** copyResult + getModel + summary. */
  get: number;
  /** list (op=full and nextLink pages). */
  list: number;
}

export const S0_RATE_LIMITS: RateLimits = { management: 5, get: 50, list: 10 };

/** Inspection view of one model, including blank authorized ones. */
export interface ModelView {
  modelId: string;
  status: ModelStatus;
  modelName?: string;
  isComposed: boolean;
  createdDateTime: string;
  lastUpdatedDateTime: string;
  /** True for a model created by copyAuthorization that has not (yet) received a copy. */
  blank: boolean;
  /** For a copied model: where it came from. */
  copiedFrom?: { resource: string; modelId: string };
  trainResult?: TrainResult;
  composedTrainResults?: TrainResult[];
}

export type CredentialKind = 'key' | 'bearer' | 'invalid-key' | 'invalid-bearer' | 'none';

/** One served request. Never holds a key, a bearer token or a copy access token. */
export interface RequestLogEntry {
  resource: string;
  method: string;
  /** Undefined when the path matched no route; `analyze` / `analyzeResult`: restore drills (analyze.ts). */
  call?: CallKind | 'analyze' | 'analyzeResult';
  /** Path and query as received. */
  path: string;
  /** HTTP status; 0 when the connection was dropped by a fault. */
  status: number;
  /** Clock time (ms) at arrival. */
  time: number;
  credential: CredentialKind;
  /** Target model id of the authorization carried by a copy request. */
  authorizationModelId?: string;
  /** Source model id for model-scoped calls. */
  modelId?: string;
  /** Set when an injected fault or a rate limit shaped the response. */
  fault?: FaultKind | 'rateLimit';
}

export type FaultKind = Fault['kind'];

/** What a fault predicate sees about a request. */
export interface FaultRequestInfo {
  resource: string;
  call: CallKind;
  method: string;
  path: string;
  /** Model id in the path (source model for copy / copyResult). */
  modelId?: string;
  /** For copy: target model id of the authorization in the body (if parseable). */
  authorizationModelId?: string;
  /** For copy: target resource id in the body (if parseable). */
  targetResourceId?: string;
  time: number;
}

interface FaultBase {
  /** Call kinds this fault applies to; default all. */
  call?: CallKind | CallKind[];
  /** How many matching requests it applies to; default 1. `Infinity` for all. */
  times?: number;
  /** Optional extra condition. */
  when?: (req: FaultRequestInfo) => boolean;
}

/** 429 with `Retry-After` and the service's throttling body. */
export interface ThrottleFault extends FaultBase {
  kind: 'throttle';
  retryAfterSeconds?: number;
}

/** Any status with an error envelope (500 / 503 by default `InternalServerError` / `ServiceUnavailable`). */
export interface StatusFault extends FaultBase {
  kind: 'status';
  status: number;
  code?: string;
  message?: string;
  retryAfterSeconds?: number;
  /**
   * `before` (default): answered instead of handling the request. `after`: the request IS
   * handled (a copy is accepted, its authorization spent), then this status is answered —
   * the lost 202 ("accept, then answer 500").
   */
  phase?: 'before' | 'after';
}

/**
 * The socket is destroyed without a response: `before` (default) the request is processed
 * (it is lost), `after` it was processed (e.g. a copy accepted whose 202 never arrives).
 */
export interface DropFault extends FaultBase {
  kind: 'drop';
  phase?: 'before' | 'after';
}

/** The response is delayed by `ms` of real time (then served normally). */
export interface DelayFault extends FaultBase {
  kind: 'delay';
  ms: number;
}

/** An accepted copy whose operation ends `failed` with this error (e.g. `InternalServerError`). Applies to `copy` only. */
export interface CopyFailsFault extends FaultBase {
  kind: 'copyFails';
  code: string;
  message: string;
}

/** An accepted copy that takes `ms` of clock time. Applies to `copy` only. */
export interface CopyDurationFault extends FaultBase {
  kind: 'copyDuration';
  ms: number;
}

export type Fault = ThrottleFault | StatusFault | DropFault | DelayFault | CopyFailsFault | CopyDurationFault;

export interface CopyDurationInput {
  sourceModelId: string;
  /** Source resource name. */
  source: string;
  /** Target resource name (or the raw targetResourceId when it matches no resource). */
  target: string;
}

export type CopyDuration = number | ((c: CopyDurationInput) => number);

/** How a resource answers analyze requests (restore drills). */
export interface AnalyzeSpec {
  /** These fields get other values than a faithful copy would give (a replica that answers differently). */
  differentFields?: string[];
  /** Every analyze operation of this resource fails with this error. */
  fail?: { code: string; message: string };
  /** Only these models' analyze operations fail (with an InternalServerError). */
  failModels?: string[];
  /** The region is down for analyze: every analyze request gets 503 ServiceUnavailable. */
  unavailable?: boolean;
  /** Clock time an analyze takes; default 3000 ms. */
  durationMs?: number;
  /** Analyze posts per second before 429 + Retry-After; default 15 (S0). */
  analyzePerSecond?: number;
}
