/**
 * Typed, classified errors of the Custom Vision domain (Training API client and backup
 * storage). Shaped like `src/formRecognizer/errors.ts` — a `kind` to decide on, a finer
 * `reason`, the `operation` that failed, the service's code — but self-contained, so the
 * two domains do not depend on each other.
 *
 * | kind        | what to do                                                              |
 * | ----------- | ----------------------------------------------------------------------- |
 * | `throttled` | wait `retryAfterMs` (if given, else your own backoff), then retry        |
 * | `transient` | retry later, bounded (a queue function throws so the host retries)       |
 * | `permanent` | stop; record the reason (`reason`, `serviceCode`, `message`)             |
 * | `validation`| refused before any request was made: a bug or a hostile input           |
 *
 * No training key, SAS or account key ever appears in `message`: every message goes
 * through {@link scrubSecrets} (the client also removes its exact key first).
 */

export type CvErrorKind = 'throttled' | 'transient' | 'permanent' | 'validation';

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
  | 'listBackupBlobs';

export interface CvErrorInit {
  reason: CvFailureReason;
  operation: CvOperation;
  status?: number;
  serviceCode?: string;
  requestId?: string;
  retryAfterMs?: number;
}

export const MAX_MESSAGE_LENGTH = 500;
export const REDACTED = '[redacted]';

const SECRET_PATTERNS: readonly RegExp[] = [
  // The query (and fragment) of any URL: a SAS lives there.
  /(\bhttps?:(?:\/|\\\/){2}(?:[^\s"'<>?#\\]|\\\/)*)[?#](?:[^\s"'<>\\]|\\(?!"))*/gi,
  /((?:training-key|ocp-apim-subscription-key|api-key|accountkey|sharedaccesssignature|sig)["']?\s*[:=]\s*["']?)[^"'&;,}\s]+/gi,
  /(sig%3d)[^&"'\s]+/gi,
  /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi,
  /\b[0-9a-f]{32}\b/gi, // classic Cognitive Services key shape
];

/** Removes generic secret shapes (URL queries, `sig=`, keys, bearer tokens) from text. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const re of SECRET_PATTERNS) {
    out = out.replace(re, (match: string, prefix?: unknown) => {
      if (typeof prefix !== 'string' || !match.startsWith(prefix)) return REDACTED;
      // URL: keep scheme/host/path, replace the whole query.
      return /^https?:/i.test(prefix) ? `${prefix}?${REDACTED}` : `${prefix}${REDACTED}`;
    });
  }
  return out;
}

function safeMessage(message: string): string {
  const s = scrubSecrets(message);
  return s.length > MAX_MESSAGE_LENGTH ? `${s.slice(0, MAX_MESSAGE_LENGTH)}…` : s;
}

export abstract class CustomVisionError extends Error {
  abstract readonly kind: CvErrorKind;
  readonly reason: CvFailureReason;
  readonly operation: CvOperation;
  /** HTTP status of the failed response, when there was one. */
  readonly status?: number;
  /** The service's error code (e.g. `BadRequestExportValidationFailed`, storage `BlobNotFound`). */
  readonly serviceCode?: string;
  /** Request id of the failed response, for a support ticket. */
  readonly requestId?: string;
  /** Delay the service asked for (Retry-After), in ms. */
  readonly retryAfterMs?: number;

  constructor(message: string, init: CvErrorInit) {
    super(safeMessage(message));
    this.reason = init.reason;
    this.operation = init.operation;
    if (init.status !== undefined) this.status = init.status;
    if (init.serviceCode !== undefined) this.serviceCode = init.serviceCode;
    if (init.requestId !== undefined) this.requestId = init.requestId;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }

  /** True when trying again later can succeed. */
  get retryable(): boolean {
    return this.kind === 'throttled' || this.kind === 'transient';
  }

  toJSON(): SerializedCvError {
    return serializeCvError(this);
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

export function isCustomVisionError(e: unknown): e is CustomVisionError {
  return e instanceof CustomVisionError;
}

/** A plain object safe for durable history, logs and records (no secrets, no stack). */
export interface SerializedCvError {
  name: string;
  kind: CvErrorKind | 'unknown';
  reason?: CvFailureReason;
  operation?: CvOperation;
  status?: number;
  code?: string;
  message: string;
  requestId?: string;
  retryAfterMs?: number;
}

export function serializeCvError(e: unknown): SerializedCvError {
  if (e instanceof CustomVisionError) {
    const out: SerializedCvError = { name: e.name, kind: e.kind, reason: e.reason, operation: e.operation, message: e.message };
    if (e.status !== undefined) out.status = e.status;
    if (e.serviceCode !== undefined) out.code = e.serviceCode;
    if (e.requestId !== undefined) out.requestId = e.requestId;
    if (e.retryAfterMs !== undefined) out.retryAfterMs = e.retryAfterMs;
    return out;
  }
  if (e instanceof Error) return { name: e.name, kind: 'unknown', message: safeMessage(e.message) };
  return { name: 'Error', kind: 'unknown', message: safeMessage(typeof e === 'string' ? e : 'non-error value thrown') };
}

/**
 * `Retry-After` (delta-seconds or HTTP-date, relative to `nowMs`), or the Azure
 * millisecond headers `retry-after-ms` / `x-ms-retry-after-ms`, which win when present.
 */
export function retryAfterMsFromHeaders(headers: { get(name: string): string | null }, nowMs: number): number | undefined {
  for (const h of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const v = headers.get(h)?.trim();
    if (v && /^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v));
  }
  const v = headers.get('retry-after')?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.ceil(Number(v) * 1000);
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}
