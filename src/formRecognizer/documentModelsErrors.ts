/**
 * v3.1 / v4 error handling on top of the shared classification (errors.ts).
 *
 * The Document Intelligence envelope nests the specific code:
 * `{"error":{"code":"Conflict","message":"…","innererror":{"code":"ModelExists","message":"…"}}}`
 * (v3 error guide). `normalizeErrorEnvelope` lifts the innermost code so the shared
 * classifier and `serviceCode` see `ModelExists`, `ModelNotFound`, `OperationNotFound`,
 * `AuthorizationFailed`… instead of the generic `Conflict` / `NotFound` / `InvalidRequest`.
 *
 * `classifyDocumentModelCopyFailure` is a superset of `classifyCopyFailure`: it knows the
 * v3.1/v4 codes and delegates everything else, so it is safe for v2 results too.
 */
import {
  AuthorizationRenewalError,
  PermanentError,
  TransientError,
  classifyCopyFailure,
  type ClassifyContext,
  type ErrorInit,
  type FormRecognizerError,
  type ServiceErrorDetail,
} from './errors';
import type { CopyResult } from './types';

/** 409 `ModelExists` on authorizeCopy: the target id is taken (by a model, or burned by an earlier unused authorization). */
export class ModelExistsError extends PermanentError {
  override readonly name = 'ModelExistsError';
}

/**
 * A composed model's copy failed because the target lacks what it references: its
 * classifier (v4 `classifierId`) or a component model (`docTypes[*].modelId`). Copy those
 * first, under the same ids, then copy the composed model again with a new authorization.
 */
export class CopyDependencyMissingError extends PermanentError {
  override readonly name = 'CopyDependencyMissingError';
  readonly missing: { kind: 'classifier' | 'model'; id?: string };
  constructor(message: string, init: ErrorInit, missing: { kind: 'classifier' | 'model'; id?: string }) {
    super(message, init);
    this.missing = missing;
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Flattens a v3/v4 `error` (with `innererror` chain and `details`) into ServiceErrorDetail entries, innermost first. */
export function flattenServiceError(error: unknown): ServiceErrorDetail[] {
  const out: ServiceErrorDetail[] = [];
  const visit = (e: unknown, depth: number): void => {
    if (!isObj(e) || depth > 8) return;
    const chain: ServiceErrorDetail[] = [];
    for (let cur: unknown = e, d = 0; isObj(cur) && d < 8; cur = cur.innererror, d++) {
      const code = typeof cur.code === 'string' || typeof cur.code === 'number' ? String(cur.code) : undefined;
      if (code !== undefined) chain.push({ code, message: typeof cur.message === 'string' ? cur.message : '' });
    }
    out.push(...chain.reverse());
    if (Array.isArray(e.details)) for (const d of e.details) visit(d, depth + 1);
  };
  visit(error, 0);
  return out;
}

/**
 * Rewrites a v3/v4 error body so `error.code` is the innermost code and `error.message`
 * keeps both levels. Returns undefined when there is nothing to change.
 */
export function normalizeErrorEnvelope(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObj(body) || !isObj(body.error) || !isObj(body.error.innererror)) return undefined;
  const top = body.error;
  let inner: Obj = top;
  for (let cur: unknown = top.innererror, d = 0; isObj(cur) && d < 8; cur = cur.innererror, d++) {
    if (typeof cur.code === 'string' && cur.code !== '') inner = cur;
  }
  if (inner === top) return undefined;
  const messages = [top.message, inner.message].filter((m): m is string => typeof m === 'string' && m !== '');
  return JSON.stringify({
    error: { code: inner.code, message: `${String(top.code ?? '')}: ${messages.join(' ')}`.replace(/^: /, '') },
  });
}

/** Wraps fetch so error responses carry the normalized envelope (2xx responses are untouched). */
export function normalizingFetch(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const res = await inner(input, init);
    if (res.status < 400) return res;
    const text = await res.text();
    const normalized = normalizeErrorEnvelope(text) ?? text;
    return new Response(normalized, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

const RENEW_INVALID = new Set([
  'authorizationfailed',
  'authorizationerror',
  'invalidcopyauthorization',
  'copyauthorizationinvalid',
  'invalidauthorization',
]);
const RENEW_EXPIRED = new Set(['authorizationexpired', 'copyauthorizationexpired', 'tokenexpired']);
const REUSED =
  /already (been )?(used|consumed)|could not retrieve authorization metadata|couldn't retrieve authorization metadata/i;

function opt(ctx: Partial<ClassifyContext>): { requestId?: string; status?: number } {
  const o: { requestId?: string; status?: number } = {};
  if (ctx.requestId !== undefined) o.requestId = ctx.requestId;
  if (ctx.status !== undefined) o.status = ctx.status;
  return o;
}

/**
 * Classifies the errors of a failed v3.1/v4 copy operation (or any copy operation: unknown
 * codes are delegated to `classifyCopyFailure`). Order of decisiveness: a missing dependency
 * or another permanent cause > authorization renewal > transient.
 */
export function classifyDocumentModelCopyFailure(
  errors: readonly ServiceErrorDetail[],
  ctx: Partial<ClassifyContext> = {},
): FormRecognizerError {
  const scrub = ctx.scrub ?? ((t: string) => t);
  const operation = ctx.operation ?? 'copyOperation';
  const text = () => `copy operation failed: ${scrub(errors.map((e) => `${e.code}: ${e.message}`).join('; '))}`;
  const base = (code: string): ErrorInit & { operation: typeof operation } => ({
    reason: 'badRequest',
    operation,
    serviceCode: code,
    ...opt(ctx),
  });
  for (const e of errors) {
    const lc = e.code.toLowerCase();
    if (lc === 'classifiernotfound')
      return new CopyDependencyMissingError(text(), base(e.code), withId('classifier', e.message));
    if (lc === 'componentmodelnotfound' || (lc === 'modelnotfound' && /component/i.test(e.message))) {
      return new CopyDependencyMissingError(text(), base(e.code), withId('model', e.message));
    }
  }
  const v2 = classifyCopyFailure(errors, ctx);
  if (v2.kind === 'permanent') return v2;
  for (const e of errors) {
    const lc = e.code.toLowerCase();
    if (REUSED.test(e.message))
      return new AuthorizationRenewalError(text(), { ...base(e.code), reason: 'authorizationReused' });
    if (RENEW_EXPIRED.has(lc) || (RENEW_INVALID.has(lc) && /expir/i.test(e.message))) {
      return new AuthorizationRenewalError(text(), { ...base(e.code), reason: 'authorizationExpired' });
    }
    if (RENEW_INVALID.has(lc))
      return new AuthorizationRenewalError(text(), { ...base(e.code), reason: 'authorizationInvalid' });
    if (lc === 'modelexists') return new PermanentError(text(), { ...base(e.code), reason: 'conflict' });
  }
  return v2;
}

function withId(kind: 'classifier' | 'model', message: string): { kind: 'classifier' | 'model'; id?: string } {
  const m = /'([^']+)'/.exec(message);
  return m?.[1] !== undefined ? { kind, id: m[1] } : { kind };
}

/**
 * The error a copy result stands for, or undefined while it is in progress or succeeded.
 * `failed` → classified errors; `canceled` / `skipped` (v4) → TransientError
 * (`operationFailed`, serviceCode `canceled` / `skipped`): the operation did not copy, a
 * retry needs a new authorization and is bounded by the caller.
 */
export function copyResultError(
  result: CopyResult,
  ctx: Partial<ClassifyContext> = {},
): FormRecognizerError | undefined {
  if (result.status === 'failed') return classifyDocumentModelCopyFailure(result.errors, ctx);
  if (result.status === 'canceled' || result.status === 'skipped') {
    return new TransientError(`copy operation ended ${result.status}`, {
      reason: 'operationFailed',
      operation: ctx.operation ?? 'copyOperation',
      serviceCode: result.status,
      ...opt(ctx),
    });
  }
  return undefined;
}
