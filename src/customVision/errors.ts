/**
 * Typed, classified errors of the Custom Vision domain (Training API client and backup
 * storage). Shaped like `src/formRecognizer/errors.ts` — a `kind` to decide on, a finer
 * `reason`, the `operation` that failed, the service's code — and built on the same base
 * (`src/common/serviceError.ts`), but with its own kinds and reasons, so the two domains do
 * not depend on each other. Both scrub with the one set of secret patterns (`src/common/secrets.ts`).
 *
 * | kind        | what to do                                                              |
 * | ----------- | ----------------------------------------------------------------------- |
 * | `throttled` | wait `retryAfterMs` (if given, else your own backoff), then retry        |
 * | `transient` | retry later, bounded (a queue function throws so the host retries)       |
 * | `permanent` | stop; record the reason (`reason`, `serviceCode`, `message`)             |
 * | `validation`| refused before any request was made: a bug or a hostile input           |
 * | `configuration` | a setting is wrong (no credential, access denied): fix the named setting; never retried |
 *
 * No training key, SAS or account key ever appears in `message`: every message goes
 * through `scrubSecrets` in the base (the client also removes its exact key first).
 */

import {
  ServiceError,
  serializeServiceError,
  type SerializedServiceError,
  type ServiceErrorInit,
} from '../common/serviceError';

export { MAX_MESSAGE_LENGTH, REDACTED } from '../common/serviceError';
export { scrubSecrets } from '../common/secrets';
export { retryAfterFromHeaders as retryAfterMsFromHeaders } from '../common/retryAfter';

export type CvErrorKind = 'throttled' | 'transient' | 'permanent' | 'validation' | 'configuration';

export type CvFailureReason =
  // throttled
  | 'rateLimited'
  // transient
  | 'serverError'
  | 'timeout'
  | 'network'
  | 'unexpectedResponse'
  | 'iterationTraining'
  | 'storageUnavailable'
  | 'projectReadOnly'
  // permanent
  | 'unauthenticated'
  | 'forbidden'
  | 'notFound'
  | 'notExportable'
  | 'exportValidationFailed'
  | 'badRequest'
  | 'conflict'
  | 'blobNotFound'
  | 'blobNameMismatch'
  | 'replicaMismatch'
  | 'storageRejected'
  | 'projectLimit'
  | 'invalidImportToken'
  | 'trainingNotNeeded'
  | 'trainingInProgress'
  | 'notEnoughImages'
  // configuration
  | 'credentialUnavailable'
  | 'storageAccessDenied'
  // validation
  | 'invalidArgument'
  | 'foreignModelUri';

export type CvOperation =
  | 'getIteration'
  | 'listIterations'
  | 'requestExport'
  | 'listExports'
  | 'readBackupBlob'
  | 'hashBlob'
  | 'copyToReplica'
  | 'verifyReplica'
  | 'listBackupBlobs'
  | 'probeContainer'
  | 'copyFromDownloadUri'
  | 'getProject'
  | 'listProjects'
  | 'exportProject'
  | 'importProject'
  | 'countImages'
  | 'listTags'
  | 'publishIteration'
  | 'unpublishIteration'
  | 'deleteProject'
  | 'trainProject';

export type CvErrorInit = ServiceErrorInit<CvFailureReason, CvOperation>;

/**
 * The base of every Custom Vision error (common fields, `retryable`, `toJSON` and message
 * capping in {@link ServiceError}). `serviceCode` is e.g. `BadRequestExportValidationFailed`
 * or storage `BlobNotFound`.
 */
export abstract class CustomVisionError extends ServiceError<CvErrorKind, CvFailureReason, CvOperation> {
  constructor(message: string, init: CvErrorInit) {
    super(message, init);
  }
}

/** 429. Wait `retryAfterMs` and retry the same call. */
export class CvThrottledError extends CustomVisionError {
  readonly kind = 'throttled' as const;
  override readonly name = 'CvThrottledError';
}

/** 5xx, 408, timeout, connection failure, storage unavailable. */
export class CvTransientError extends CustomVisionError {
  readonly kind: CvErrorKind = 'transient';
  override readonly name: string = 'CvTransientError';
}

/** A 2xx response whose body does not have the documented shape (a gateway page, a truncated body). */
export class CvUnexpectedResponseError extends CvTransientError {
  override readonly name = 'CvUnexpectedResponseError';
}

/** Retrying cannot help: bad key, unknown project/iteration, not exportable, blob missing. */
export class CvPermanentError extends CustomVisionError {
  readonly kind: CvErrorKind = 'permanent';
  override readonly name: string = 'CvPermanentError';
}

/** Refused before any request: an invalid argument or a URL outside the configured storage. */
export class CvValidationError extends CustomVisionError {
  readonly kind = 'validation' as const;
  override readonly name: string = 'CvValidationError';
}

/**
 * A setting is wrong: no credential could be obtained for a container
 * (`CredentialUnavailableError`, `AuthenticationError`) or storage refused it (401/403).
 * The message names the setting (`setting`, e.g. `CV_BACKUP_CONTAINER_URL`). Retrying
 * cannot help until an operator fixes it, so it is not `retryable`.
 */
export class CvConfigurationError extends CustomVisionError {
  readonly kind = 'configuration' as const;
  override readonly name = 'CvConfigurationError';
  /** The setting to fix. */
  readonly setting: string;
  constructor(message: string, init: CvErrorInit & { setting: string }) {
    const { setting, ...rest } = init;
    super(message, rest);
    this.setting = setting;
  }
}

export function isCustomVisionError(e: unknown): e is CustomVisionError {
  return e instanceof CustomVisionError;
}

/** A plain object safe for durable history, logs and records (no secrets, no stack). */
export type SerializedCvError = SerializedServiceError<CvErrorKind, CvFailureReason, CvOperation>;

export function serializeCvError(e: unknown): SerializedCvError {
  return serializeServiceError(e, CustomVisionError);
}
