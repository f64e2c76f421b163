/** Form Recognizer copy client: plain TypeScript, no Functions types. See docs/client.md. */
export type {
  AuthorizeCopyOptions,
  CopyApi,
  CopyOperationRef,
  CopyResult,
  CopyStatus,
  CopyTarget,
  DeleteModelResult,
  ModelInfo,
  ModelPage,
  ModelStatus,
  ModelsSummary,
  DocTypeSchema,
  RequestOptions,
  StartCopyOptions,
} from './types';
export { CopyAuthorization, type ApiFamily, type CopyAuthorizationSummary } from './authorization';
export {
  FormRecognizerV2Client,
  SUPPORTED_API_VERSIONS,
  createCopyClient,
  type CopyClientOptions,
  TARGET_REGION_PATTERN,
  TARGET_RESOURCE_ID_PATTERN,
  type FormRecognizerClientOptions,
  type V2ApiVersion,
} from './client';
export {
  COGNITIVE_SERVICES_SCOPE,
  DEFAULT_TIMEOUT_MS,
  silentLogger,
  type FormRecognizerCredential,
  type Logger,
  type RequestEvent,
  type RetryPolicy,
} from './http';
export {
  AuthorizationConsumedError,
  AuthorizationRenewalError,
  ForeignHostError,
  FormRecognizerError,
  ModelNotFoundError,
  PermanentError,
  ThrottledError,
  TransientError,
  UnexpectedResponseError,
  ValidationError,
  classifyCopyFailure,
  classifyHttpFailure,
  copyMayHaveLanded,
  errorSignature,
  isAuthorizationRejection,
  isFormRecognizerError,
  type ErrorLike,
  serializeError,
  type ClientOperation,
  type ErrorKind,
  type FailureReason,
  type SerializedError,
  type ServiceErrorDetail,
} from './errors';
export { decodeExpirationTicks, epochMsToTicks, UNIX_EPOCH_TICKS, type DecodedExpiration } from './expiration';
export { parseRetryAfter, retryAfterFromHeaders } from '../common/retryAfter';
export { REDACTED, SecretScrubber, scrubSecrets } from '../common/secrets';
export {
  DocumentModelsClient,
  DOCUMENT_MODELS_API_VERSIONS,
  DOCUMENT_MODEL_ID_PATTERN,
  type AuthorizeClassifierCopyOptions,
  type ClassifierPage,
  type DocumentModelsApiVersion,
  type DocumentModelsClientOptions,
  withApiVersion,
} from './documentModelsClient';
export {
  CLIENT_ERROR_OUTER_CODES,
  DOCUMENTED_ERROR_CODES,
  documentedErrorCode,
  isLimitCode,
  type DocumentedErrorCode,
} from './errorCodes';
export {
  copyability,
  isV2ApiVersion,
  missingComponents,
  referencedComponents,
  type ComponentRef,
  type Copyability,
  type CopyabilityInput,
  type NotCopyableReason,
} from './modelFacts';
export { ClassifierCopyAuthorization, type ClassifierCopyAuthorizationSummary } from './classifierAuthorization';
export { PREBUILT_PREFIX, canonicalJson, fieldSchemaFingerprint, type ClassifierInfo } from './documentModelsGuards';
export {
  CopyDependencyMissingError,
  ModelExistsError,
  classifyDocumentModelCopyFailure,
  copyResultError,
  flattenServiceError,
  normalizeErrorEnvelope,
} from './documentModelsErrors';
