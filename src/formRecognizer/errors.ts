/**
 * Typed, classified errors. A caller decides on `kind` (or `instanceof`), never on text:
 *
 * | kind                   | what to do                                                         |
 * | ---------------------- | ------------------------------------------------------------------ |
 * | `throttled`            | wait `retryAfterMs` (if given, else your own backoff), then retry   |
 * | `transient`            | retry later, bounded (for a copy: with a NEW authorization)         |
 * | `authorizationRenewal` | take a new copy authorization on the target, start the copy again  |
 * | `permanent`            | stop; the reason is in `reason` / `serviceCode` / `message`         |
 * | `validation`           | a bug or a hostile input: refused before any request was made       |
 *
 * No key or token ever appears in `message` or any property: messages built from service
 * bodies are scrubbed with the client's {@link SecretScrubber}.
 */
import {
  ServiceError,
  serializeServiceError,
  type SerializedServiceError,
  type ServiceErrorInit,
} from '../common/serviceError';
import { CLIENT_ERROR_OUTER_CODES, documentedErrorCode, type DocumentedErrorCode } from './errorCodes';

export { MAX_MESSAGE_LENGTH } from '../common/serviceError';

export type ErrorKind = 'throttled' | 'transient' | 'authorizationRenewal' | 'permanent' | 'validation';

/** Finer-grained cause, for reports (still no string matching needed). */
export type FailureReason =
  // throttled
  | 'rateLimited'
  | 'quotaExceeded'
  // transient
  | 'serverError'
  | 'timeout'
  | 'network'
  | 'unexpectedResponse'
  | 'operationFailed'
  // authorizationRenewal
  | 'authorizationExpired'
  | 'authorizationInvalid'
  | 'authorizationReused'
  /** 403 `AuthorizationFailed` on copyTo: the authorization is used up — maybe by OUR copy whose 202 was lost. */
  | 'authorizationConsumed'
  // permanent
  | 'modelNotFound'
  | 'operationNotFound'
  | 'targetResourceNotFound'
  | 'invalidTarget'
  | 'encryptionDowngrade'
  | 'unauthenticated'
  | 'forbidden'
  | 'conflict'
  | 'badRequest'
  /** A documented quota / limit code (`DocumentModelLimit*`): retrying cannot help. */
  | 'limitExceeded'
  | 'aborted'
  // validation
  | 'foreignHost'
  | 'invalidArgument';

/** The client call that failed (`copyOperation` = an error inside a failed copy operation). */
export type ClientOperation =
  | 'listModels'
  | 'getModelsSummary'
  | 'getModel'
  | 'deleteModel'
  | 'authorizeCopy'
  | 'startCopy'
  | 'getCopyResult'
  | 'copyOperation'
  | 'analyze'
  | 'getAnalyzeResult'
  | 'getToken';

export type ErrorInit = ServiceErrorInit<FailureReason, ClientOperation>;

/**
 * The base of every error the client throws (common fields, `toJSON` and message capping
 * in {@link ServiceError}). `serviceCode` is the service's `error.code` (e.g. "1002",
 * "1022", "AuthorizationError", "2024"); `requestId` its `apim-request-id`.
 */
export abstract class FormRecognizerError extends ServiceError<ErrorKind, FailureReason, ClientOperation> {
  /** `message` must already be scrubbed of exact secrets; generic shapes are scrubbed by the base. */
  constructor(message: string, init: ErrorInit) {
    super(message, init);
  }

  /** True when trying again (after a wait, maybe with a new authorization) can succeed. */
  override get retryable(): boolean {
    return super.retryable || this.kind === 'authorizationRenewal';
  }
}

/** 429 (or 403 quota with Retry-After). Wait `retryAfterMs` and retry the same call. */
export class ThrottledError extends FormRecognizerError {
  readonly kind = 'throttled' as const;
  override readonly name = 'ThrottledError';
}

/** 5xx, timeout, connection reset, InternalServerError inside a failed copy operation. */
export class TransientError extends FormRecognizerError {
  readonly kind: ErrorKind = 'transient';
  override readonly name: string = 'TransientError';
}

/** A 2xx response whose body does not have the documented shape. Classified transient (a gateway page, a truncated body); bounded retries end it. */
export class UnexpectedResponseError extends TransientError {
  override readonly name = 'UnexpectedResponseError';
}

/** The copy authorization is expired, modified or already used: authorize again on the target. */
export class AuthorizationRenewalError extends FormRecognizerError {
  readonly kind = 'authorizationRenewal' as const;
  override readonly name: string = 'AuthorizationRenewalError';
}

/**
 * 403 `Forbidden` / `AuthorizationFailed` on copyTo ("already been used"). Renewal is right
 * ONLY after the target was read: when an earlier POST with the same authorization was
 * accepted and its 202 lost, the copy is running or done in the target
 * (`copyMayHaveLanded` is true). Settle by reading the target model (our lineage, ready → a
 * success); otherwise take a new authorization.
 */
export class AuthorizationConsumedError extends AuthorizationRenewalError {
  override readonly name = 'AuthorizationConsumedError';
}

/** Retrying cannot help: unknown target, encryption downgrade refused, bad key, model not found. */
export class PermanentError extends FormRecognizerError {
  readonly kind: ErrorKind = 'permanent';
  override readonly name: string = 'PermanentError';
}

/** 404 (service code 1022) for a model. `deleteModel` never throws it (already gone = success). */
export class ModelNotFoundError extends PermanentError {
  override readonly name = 'ModelNotFoundError';
}

/** Refused before any request: an invalid argument. */
export class ValidationError extends FormRecognizerError {
  readonly kind = 'validation' as const;
  override readonly name: string = 'ValidationError';
}

/** A URL from a response (nextLink, Operation-Location) is on another origin or path: never sent a credential. */
export class ForeignHostError extends ValidationError {
  override readonly name = 'ForeignHostError';
}

export function isFormRecognizerError(e: unknown): e is FormRecognizerError {
  return e instanceof FormRecognizerError;
}

/** A plain object safe for durable history, logs and reports (no secrets, no stack). */
export type SerializedError = SerializedServiceError<ErrorKind, FailureReason, ClientOperation>;

/**
 * Serializes any thrown value for durable history. FormRecognizerErrors keep their
 * classification; anything else becomes kind `unknown` with a generically scrubbed message.
 */
export function serializeError(e: unknown): SerializedError {
  return serializeServiceError(e, FormRecognizerError);
}

// ---------------------------------------------------------------------------------------
// Classification
// ---------------------------------------------------------------------------------------

/** One entry of `copyResult.errors` (v2) or of a v4 operation `error`/`details`. */
export interface ServiceErrorDetail {
  code: string;
  message: string;
}

export interface ClassifyContext {
  operation: ClientOperation;
  requestId?: string;
  status?: number;
  /** Scrubs exact secrets out of service-provided text. */
  scrub?: (text: string) => string;
}

const AUTH_REUSE_CODE = '2024';

function isReuseMessage(message: string): boolean {
  // "Could not retrieve authorization metadata" / "Couldn't retrieve authorization metadata"
  return /(could not|couldn't|cannot|can't) retrieve authorization metadata/i.test(message);
}

type Classified = { ctor: new (m: string, i: ErrorInit) => FormRecognizerError; reason: FailureReason; rank: number };

const RANK: Record<DocumentedErrorCode['kind'], number> = {
  permanent: 3,
  authorizationRenewal: 2,
  transient: 1,
  throttled: 1,
};

function fromRow(row: DocumentedErrorCode): Classified {
  const rank = RANK[row.kind];
  if (row.kind === 'permanent')
    return { ctor: row.reason === 'modelNotFound' ? ModelNotFoundError : PermanentError, reason: row.reason, rank };
  if (row.kind === 'authorizationRenewal')
    return {
      ctor: row.reason === 'authorizationConsumed' ? AuthorizationConsumedError : AuthorizationRenewalError,
      reason: row.reason,
      rank,
    };
  return { ctor: row.kind === 'throttled' ? ThrottledError : TransientError, reason: row.reason, rank };
}

function classifyDetail(d: ServiceErrorDetail): Classified {
  const code = d.code.trim();
  if (code === AUTH_REUSE_CODE || isReuseMessage(d.message))
    return { ctor: AuthorizationRenewalError, reason: 'authorizationReused', rank: 2 };
  const row = documentedErrorCode(code);
  if (row) return fromRow(row);
  if (code === '500' || code === '503') return { ctor: TransientError, reason: 'serverError', rank: 1 };
  // Unknown v2 codes: a failed operation always consumes its authorization, so any retry takes a
  // new one and is bounded by the caller; transient is the useful default.
  return { ctor: TransientError, reason: 'operationFailed', rank: 0 };
}

/**
 * Classifies the errors inside a **failed copy operation** (`copyResult.errors`).
 * With several errors the most decisive wins: permanent > authorizationRenewal > transient.
 */
export function classifyCopyFailure(
  errors: readonly ServiceErrorDetail[],
  ctx: Partial<ClassifyContext> = {},
): FormRecognizerError {
  const scrub = ctx.scrub ?? ((t: string) => t);
  const operation = ctx.operation ?? 'copyOperation';
  if (errors.length === 0) {
    return new TransientError('copy operation failed without error details', {
      reason: 'operationFailed',
      operation,
      ...opt(ctx),
    });
  }
  let best: { c: Classified; d: ServiceErrorDetail } | undefined;
  for (const d of errors) {
    const c = classifyDetail(d);
    if (!best || c.rank > best.c.rank) best = { c, d };
  }
  let { c, d } = best as { c: Classified; d: ServiceErrorDetail };
  // Nothing documented, but a v3/v4 client-error family (`InvalidRequest`, `Forbidden`…) around
  // an unknown inner code: the same request fails the same way again (docs/client.md, "Error codes").
  const first = errors[0];
  if (c.rank === 0 && first && errors.some((e) => CLIENT_ERROR_OUTER_CODES.has(e.code.trim().toLowerCase()))) {
    c = { ctor: PermanentError, reason: 'badRequest', rank: 3 };
    d = first;
  }
  const text = errors.map((e) => `${e.code}: ${e.message}`).join('; ');
  return new c.ctor(`copy operation failed: ${scrub(text)}`, {
    reason: c.reason,
    operation,
    serviceCode: d.code,
    ...opt(ctx),
  });
}

function opt(ctx: Partial<ClassifyContext>): { requestId?: string; status?: number } {
  const o: { requestId?: string; status?: number } = {};
  if (ctx.requestId !== undefined) o.requestId = ctx.requestId;
  if (ctx.status !== undefined) o.status = ctx.status;
  return o;
}

export interface HttpFailure {
  status: number;
  serviceCode?: string;
  /** Service message, unscrubbed (scrubbed here with ctx.scrub). */
  serviceMessage?: string;
  retryAfterMs?: number;
}

export interface CopyRequestContext {
  /** The authorization's expiry had passed (by the client's clock) when the copy was sent. */
  authorizationExpired?: boolean;
}

/**
 * Classifies a non-2xx HTTP response. For `startCopy`'s 400/1002 — one code for an
 * expired or modified authorization, a bad region or a malformed resource id — the
 * client decides once, here, from what it knows (expiry by its clock; the target's id
 * and region were validated client-side against the spec's patterns before sending)
 * and from the service message; callers never match strings.
 */
export function classifyHttpFailure(
  f: HttpFailure,
  ctx: ClassifyContext,
  copy: CopyRequestContext = {},
): FormRecognizerError {
  const scrub = ctx.scrub ?? ((t: string) => t);
  const code = f.serviceCode;
  const svc = f.serviceMessage ? scrub(f.serviceMessage) : '';
  const message = `${ctx.operation} failed: HTTP ${f.status}${code ? ` (code ${code})` : ''}${svc ? `: ${svc}` : ''}`;
  const base = {
    operation: ctx.operation,
    status: f.status,
    ...(code !== undefined ? { serviceCode: code } : {}),
    ...(ctx.requestId !== undefined ? { requestId: ctx.requestId } : {}),
    ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}),
  };
  const s = f.status;
  if (s === 429) return new ThrottledError(message, { ...base, reason: 'rateLimited' });
  if (s === 403 && f.retryAfterMs !== undefined)
    return new ThrottledError(message, { ...base, reason: 'quotaExceeded' });
  if (s === 408 || s >= 500)
    return new TransientError(message, { ...base, reason: s === 408 ? 'timeout' : 'serverError' });
  if (s === 401) return new PermanentError(message, { ...base, reason: 'unauthenticated' });
  if (s === 403 && ctx.operation === 'startCopy' && code?.trim().toLowerCase() === 'authorizationfailed')
    return new AuthorizationConsumedError(message, { ...base, reason: 'authorizationConsumed' });
  if (s === 403) return new PermanentError(message, { ...base, reason: 'forbidden' });
  if (s === 404) {
    if (ctx.operation === 'getCopyResult') return new PermanentError(message, { ...base, reason: 'operationNotFound' });
    if (ctx.operation === 'authorizeCopy' || ctx.operation === 'listModels' || ctx.operation === 'getModelsSummary')
      return new PermanentError(message, { ...base, reason: 'badRequest' });
    return new ModelNotFoundError(message, { ...base, reason: 'modelNotFound' });
  }
  if (s === 409) return new PermanentError(message, { ...base, reason: 'conflict' });
  const row = documentedErrorCode(code);
  if (s === 400 && row?.reason === 'limitExceeded')
    return new PermanentError(message, { ...base, reason: 'limitExceeded' });
  if (s === 400 && ctx.operation === 'startCopy') {
    if (code === AUTH_REUSE_CODE || isReuseMessage(svc))
      return new AuthorizationRenewalError(message, { ...base, reason: 'authorizationReused' });
    if (copy.authorizationExpired)
      return new AuthorizationRenewalError(message, { ...base, reason: 'authorizationExpired' });
    if (code === '1002' || code === undefined) {
      const m = svc.toLowerCase();
      if (/expir/.test(m)) return new AuthorizationRenewalError(message, { ...base, reason: 'authorizationExpired' });
      if (/region|targetresourceid|resource ?id|resource identifier/.test(m))
        return new PermanentError(message, { ...base, reason: 'invalidTarget' });
      if (/not ready|not found/.test(m)) return new PermanentError(message, { ...base, reason: 'badRequest' });
      // "Invalid or modified copyAuthorization payload" and anything unrecognised under 1002:
      // a fresh authorization is cheap and the caller bounds the attempts.
      return new AuthorizationRenewalError(message, { ...base, reason: 'authorizationInvalid' });
    }
  }
  return new PermanentError(message, { ...base, reason: 'badRequest' });
}

// ---------------------------------------------------------------------------------------
// Authorization rejections: "may the copy have landed?" and "the same answer twice?"
// ---------------------------------------------------------------------------------------

/** What {@link errorSignature} and {@link copyMayHaveLanded} read: an error or its serialized form. */
export interface ErrorLike {
  reason?: string;
  operation?: string;
  status?: number;
  /** `serviceCode` of an error, `code` of a serialized one. */
  serviceCode?: string;
  code?: string;
  message: string;
}

const AUTHORIZATION_REJECTIONS: ReadonlySet<string> = new Set<FailureReason>([
  'authorizationConsumed',
  'authorizationReused',
  'authorizationInvalid',
]);

/** An authorization the service refused (reused, consumed, invalid claims / wrong region) — not an expiry. */
export function isAuthorizationRejection(e: ErrorLike): boolean {
  return e.reason !== undefined && AUTHORIZATION_REJECTIONS.has(e.reason);
}

/**
 * True when the refusal may hide a copy that landed: a 403 `AuthorizationFailed` on copyTo
 * (v3/v4) or a v2 "Could not retrieve authorization metadata" (`2024`) — both are what a
 * resent authorization gets after a lost 202. Read the target before renewing.
 */
export function copyMayHaveLanded(e: ErrorLike): boolean {
  return e.reason === 'authorizationConsumed' || e.reason === 'authorizationReused';
}

/**
 * A stable signature of a service answer: the operation, status, code and the message with
 * everything that changes between two identical answers removed (ids in quotes, GUIDs,
 * numbers, dates, request ids). Two authorization rejections with the same signature for the
 * same pair are "the same answer twice" (e.g. a wrong `targetResourceRegion` answered with the
 * reuse text): stop renewing and report it. Never contains a secret (built from the scrubbed message).
 */
export function errorSignature(e: ErrorLike): string {
  const code = e.serviceCode ?? e.code ?? '';
  const text = e.message
    .toLowerCase()
    .replace(/'[^']*'|"[^"]*"/g, "'…'")
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '#')
    .replace(/\d+(?:[-:.t]\d+)*z?/g, '#')
    .replace(/\s+/g, ' ')
    .trim();
  return [e.reason ?? '', e.operation ?? '', e.status ?? '', code.toLowerCase(), text].join('|');
}
