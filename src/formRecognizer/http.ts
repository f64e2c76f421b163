/**
 * The request core shared by the client's calls: credentials, timeout, logging, request
 * hook, error classification and (opt-in) bounded retries for idempotent GETs.
 *
 * Secrets: the key lives in a `#private` field; headers are never logged; every text that
 * leaves this module (log lines, error messages) goes through the client's scrubber.
 * Redirects are never followed (`redirect: 'manual'`): `fetch` would forward the
 * `Ocp-Apim-Subscription-Key` header to another host.
 */
import type { TokenCredential } from '@azure/core-auth';
import {
  ForeignHostError,
  FormRecognizerError,
  PermanentError,
  TransientError,
  classifyHttpFailure,
  type ClientOperation,
  type CopyRequestContext,
  type ErrorKind,
  type FailureReason,
} from './errors';
import { retryAfterFromHeaders } from '../common/retryAfter';
import { SecretScrubber } from '../common/secrets';

export const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';
export const DEFAULT_TIMEOUT_MS = 30_000;

/** A subscription key, or a Microsoft Entra ID credential (scope {@link COGNITIVE_SERVICES_SCOPE}). */
export type FormRecognizerCredential = { key: string } | TokenCredential;

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** One HTTP attempt, as seen by the request hook and the logs. Never contains headers or secrets. */
export interface RequestEvent {
  operation: ClientOperation;
  method: string;
  /** Route template, e.g. `POST /formrecognizer/{version}/custom/models/{modelId}/copy`. */
  route: string;
  /** Endpoint host (no path, no query). */
  host: string;
  /** Absent when no response arrived (timeout, connection error). */
  status?: number;
  durationMs: number;
  requestId?: string;
  /** 1 for the first attempt. */
  attempt: number;
  errorKind?: ErrorKind;
  errorReason?: FailureReason;
  retryAfterMs?: number;
}

export interface RetryPolicy {
  /** Extra attempts after the first, for idempotent GETs only. */
  maxRetries: number;
  /** How to wait. Injected so tests use virtual time. */
  sleep: (ms: number) => Promise<void>;
  /** Backoff when the service gives no Retry-After. Default 1000. */
  baseDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the ThrottledError is thrown. Default 60000. */
  maxDelayMs?: number;
}

export interface HttpCoreOptions {
  credential: FormRecognizerCredential;
  timeoutMs?: number;
  logger?: Logger;
  onRequest?: (event: RequestEvent) => void;
  now?: () => number;
  retry?: RetryPolicy;
  fetch?: typeof fetch;
}

export interface SendRequest {
  operation: ClientOperation;
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  route: string;
  body?: string;
  /** A binary body (e.g. a document to analyze), sent with `contentType`. */
  binaryBody?: Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
  abortSignal?: AbortSignal;
  timeoutMs?: number;
  /** Statuses that are not errors for this call (e.g. 404 for delete). */
  accept?: readonly number[];
  copyContext?: CopyRequestContext;
}

export interface SendResponse {
  status: number;
  headers: Headers;
  text: string;
  requestId?: string;
  retryAfterMs?: number;
}

function isKeyCredential(c: FormRecognizerCredential): c is { key: string } {
  return typeof (c as { key?: unknown }).key === 'string';
}

function isTokenCredential(c: FormRecognizerCredential): c is TokenCredential {
  return typeof (c as { getToken?: unknown }).getToken === 'function';
}

/** `{"error":{"code","message"}}` or `{"code","message"}`; tolerant of non-JSON bodies. */
export function parseErrorEnvelope(text: string): { code?: string; message?: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text.trim() ? { message: text.trim().slice(0, 300) } : {};
  }
  const pick = (o: unknown): { code?: string; message?: string } | undefined => {
    if (typeof o !== 'object' || o === null) return undefined;
    const r = o as Record<string, unknown>;
    const code = typeof r.code === 'string' || typeof r.code === 'number' ? String(r.code) : undefined;
    const message = typeof r.message === 'string' ? r.message : undefined;
    if (code === undefined && message === undefined) return undefined;
    const out: { code?: string; message?: string } = {};
    if (code !== undefined) out.code = code;
    if (message !== undefined) out.message = message;
    return out;
  };
  return pick((body as { error?: unknown } | null)?.error) ?? pick(body) ?? {};
}

function errnoCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 4; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** `AbortSignal.any` (Node ≥ 20.3) with a fallback for older runtimes. */
function anySignal(signals: AbortSignal[]): AbortSignal {
  const native = (AbortSignal as { any?: (s: AbortSignal[]) => AbortSignal }).any;
  if (native) return native.call(AbortSignal, signals);
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    s.addEventListener('abort', () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}

export class HttpCore {
  readonly #credential: FormRecognizerCredential;
  readonly scrubber = new SecretScrubber();
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly now: () => number;
  readonly #onRequest: ((event: RequestEvent) => void) | undefined;
  readonly #retry: RetryPolicy | undefined;
  readonly #fetch: typeof fetch;

  constructor(options: HttpCoreOptions) {
    const c = options.credential;
    if (!c || (!isKeyCredential(c) && !isTokenCredential(c))) {
      throw new TypeError('credential must be { key } or a TokenCredential');
    }
    if (isKeyCredential(c) && c.key.trim() === '') throw new TypeError('credential key is empty');
    this.#credential = isKeyCredential(c) ? { key: c.key } : c;
    if (isKeyCredential(c)) this.scrubber.add(c.key);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new RangeError('timeoutMs must be > 0');
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.#onRequest = options.onRequest;
    this.#retry = options.retry;
    this.#fetch = options.fetch ?? fetch;
  }

  get authMode(): 'key' | 'entra' {
    return isKeyCredential(this.#credential) ? 'key' : 'entra';
  }

  scrub(text: string): string {
    return this.scrubber.scrub(text);
  }

  /** Sends with bounded retries for GETs when a retry policy is configured. */
  async send(req: SendRequest): Promise<SendResponse> {
    const retry = req.method === 'GET' ? this.#retry : undefined;
    const max = retry ? Math.max(0, Math.floor(retry.maxRetries)) : 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#sendOnce(req, attempt);
      } catch (e) {
        if (
          !retry ||
          attempt > max ||
          !(e instanceof FormRecognizerError) ||
          (e.kind !== 'throttled' && e.kind !== 'transient')
        )
          throw e;
        if (req.abortSignal?.aborted) throw e;
        const base = retry.baseDelayMs ?? 1000;
        const cap = retry.maxDelayMs ?? 60_000;
        const delay = e.retryAfterMs ?? Math.min(cap, base * 2 ** (attempt - 1));
        if (delay > cap) throw e; // expose long throttling to the caller (durable timers wait better)
        this.logger.warn('formRecognizer retrying', {
          operation: req.operation,
          route: req.route,
          attempt,
          delayMs: delay,
          kind: e.kind,
        });
        await retry.sleep(delay);
      }
    }
  }

  async #authHeaders(operation: ClientOperation, signal: AbortSignal): Promise<Record<string, string>> {
    const c = this.#credential;
    if (isKeyCredential(c)) return { 'Ocp-Apim-Subscription-Key': c.key };
    let token: string | undefined;
    try {
      const t = await c.getToken(COGNITIVE_SERVICES_SCOPE, { abortSignal: signal });
      token = t?.token;
    } catch (e) {
      const msg = e instanceof Error ? e.message : 'credential failed';
      throw new PermanentError(`could not get a Microsoft Entra ID token for ${operation}: ${this.scrub(msg)}`, {
        reason: 'unauthenticated',
        operation: 'getToken',
      });
    }
    if (!token)
      throw new PermanentError(`the credential returned no token for ${operation}`, {
        reason: 'unauthenticated',
        operation: 'getToken',
      });
    this.scrubber.add(token);
    return { Authorization: `Bearer ${token}` };
  }

  async #sendOnce(req: SendRequest, attempt: number): Promise<SendResponse> {
    const started = performance.now();
    const host = new URL(req.url).host;
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    const timeoutSignal = AbortSignal.timeout(timeoutMs);
    const signal = req.abortSignal ? anySignal([req.abortSignal, timeoutSignal]) : timeoutSignal;
    const event: RequestEvent = {
      operation: req.operation,
      method: req.method,
      route: req.route,
      host,
      durationMs: 0,
      attempt,
    };

    const finish = (outcome: {
      error?: FormRecognizerError;
      status?: number;
      requestId?: string;
      retryAfterMs?: number;
    }): void => {
      event.durationMs = Math.round(performance.now() - started);
      if (outcome.status !== undefined) event.status = outcome.status;
      if (outcome.requestId !== undefined) event.requestId = outcome.requestId;
      if (outcome.retryAfterMs !== undefined) event.retryAfterMs = outcome.retryAfterMs;
      if (outcome.error) {
        event.errorKind = outcome.error.kind;
        event.errorReason = outcome.error.reason;
      }
      try {
        this.#onRequest?.({ ...event });
      } catch {
        // an observability hook never breaks a call
      }
      const fields: Record<string, unknown> = { ...event };
      if (outcome.error) {
        const level = outcome.error.kind === 'permanent' || outcome.error.kind === 'validation' ? 'error' : 'warn';
        this.logger[level](
          `formRecognizer ${req.method} ${req.route} failed: ${this.scrub(outcome.error.message)}`,
          fields,
        );
      } else {
        this.logger.info(`formRecognizer ${req.method} ${req.route} ${outcome.status ?? ''}`.trim(), fields);
      }
    };

    const fail = (
      error: FormRecognizerError,
      extra: { status?: number; requestId?: string; retryAfterMs?: number } = {},
    ): never => {
      finish({ ...extra, error });
      throw error;
    };

    const headers: Record<string, string> = { Accept: 'application/json', ...(req.headers ?? {}) };
    if (req.body !== undefined) headers['Content-Type'] = 'application/json; charset=utf-8';
    if (req.binaryBody !== undefined) headers['Content-Type'] = req.contentType ?? 'application/octet-stream';
    try {
      Object.assign(headers, await this.#authHeaders(req.operation, signal));
    } catch (e) {
      if (e instanceof FormRecognizerError) fail(e);
      throw e;
    }

    let response: Response;
    let text: string;
    const onFetchError = (e: unknown): never => {
      if (req.abortSignal?.aborted) {
        return fail(
          new PermanentError(`${req.operation} aborted by the caller`, { reason: 'aborted', operation: req.operation }),
        );
      }
      if (timeoutSignal.aborted) {
        return fail(
          new TransientError(`${req.operation} timed out after ${timeoutMs} ms`, {
            reason: 'timeout',
            operation: req.operation,
          }),
        );
      }
      const code = errnoCode(e);
      return fail(
        new TransientError(`${req.operation} failed: connection error${code ? ` (${code})` : ''}`, {
          reason: 'network',
          operation: req.operation,
        }),
      );
    };
    try {
      const init: RequestInit = { method: req.method, headers, signal, redirect: 'manual' };
      if (req.body !== undefined) init.body = req.body;
      else if (req.binaryBody !== undefined) init.body = req.binaryBody;
      response = await this.#fetch(req.url, init);
    } catch (e) {
      return onFetchError(e);
    }
    const requestId = response.headers.get('apim-request-id') ?? response.headers.get('x-ms-request-id') ?? undefined;
    const retryAfterMs = retryAfterFromHeaders(response.headers, this.now());
    const meta: { status: number; requestId?: string; retryAfterMs?: number } = { status: response.status };
    if (requestId !== undefined) meta.requestId = requestId;
    if (retryAfterMs !== undefined) meta.retryAfterMs = retryAfterMs;
    try {
      text = await response.text();
    } catch (e) {
      return onFetchError(e);
    }

    if (response.status >= 300 && response.status < 400) {
      let where = 'elsewhere';
      try {
        where = new URL(response.headers.get('location') ?? '', req.url).origin;
      } catch {
        /* keep 'elsewhere' */
      }
      return fail(
        new ForeignHostError(
          `${req.operation}: redirect (HTTP ${response.status}) to ${where} refused; credentials are never forwarded`,
          {
            reason: 'foreignHost',
            operation: req.operation,
            status: response.status,
            ...(requestId !== undefined ? { requestId } : {}),
          },
        ),
        meta,
      );
    }
    if (response.status >= 400 && !(req.accept ?? []).includes(response.status)) {
      const env = parseErrorEnvelope(text);
      const failure: Parameters<typeof classifyHttpFailure>[0] = { status: response.status };
      if (env.code !== undefined) failure.serviceCode = env.code;
      if (env.message !== undefined) failure.serviceMessage = env.message;
      if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
      const ctx: Parameters<typeof classifyHttpFailure>[1] = { operation: req.operation, scrub: (t) => this.scrub(t) };
      if (requestId !== undefined) ctx.requestId = requestId;
      return fail(classifyHttpFailure(failure, ctx, req.copyContext), meta);
    }
    finish(meta);
    const out: SendResponse = { status: response.status, headers: response.headers, text };
    if (requestId !== undefined) out.requestId = requestId;
    if (retryAfterMs !== undefined) out.retryAfterMs = retryAfterMs;
    return out;
  }
}
