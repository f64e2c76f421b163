/** HTTP replies shaped like the service's (headers, error envelopes). */
import { randomInt, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ServiceError } from './state';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** JSON text; absent for 202 / 204. */
  body?: string;
}

export function json(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return { status, headers, body: JSON.stringify(value) };
}

export function errorReply(status: number, error: ServiceError, headers?: Record<string, string>): Reply {
  return json(status, { error }, headers);
}

export const ACCESS_DENIED: ServiceError = {
  code: '401',
  message:
    'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
};

export const MISSING_KEY: ServiceError = {
  code: '401',
  message:
    'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.',
};

export const NOT_FOUND: ServiceError = { code: '404', message: 'Resource not found' };

const OPERATION_NAMES = {
  management: 'Custom Form Model Management Operations',
  get: 'Get Operations',
  list: 'List Custom Models Operations',
  analyze: 'Analyze Operations',
} as const;

/** The API a throttling message names: `Form Recognizer API (v2.1)`, `Document Intelligence API (2024-11-30)`… */
export function apiLabel(version: string): string {
  if (version === '2023-07-31') return 'Form Recognizer API (2023-07-31)';
  if (/^\d{4}-\d{2}-\d{2}/.test(version)) return `Document Intelligence API (${version})`;
  return `Form Recognizer API (${version.replace(/-preview$/, '')})`;
}

/** 429 with `Retry-After`; the message names the API that was called (`api`, see {@link apiLabel}). */
export function throttled(
  retryAfterSeconds: number,
  bucket: keyof typeof OPERATION_NAMES = 'management',
  api = 'Form Recognizer API (v2.1)',
): Reply {
  const s = Math.max(1, Math.ceil(retryAfterSeconds));
  return errorReply(
    429,
    {
      code: '429',
      message: `Requests to the ${OPERATION_NAMES[bucket]} under ${api} have exceeded rate limit of your current FormRecognizer S0 pricing tier. Please retry after ${s} second${s === 1 ? '' : 's'}. To increase your default rate limit, please contact Azure support.`,
    },
    { 'Retry-After': String(s) },
  );
}

const DEFAULT_STATUS_ERRORS: Record<number, ServiceError> = {
  500: { code: 'InternalServerError', message: 'An unexpected error occurred.' },
  503: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable. Please retry later.' },
};

export function statusFault(status: number, code?: string, message?: string, retryAfterSeconds?: number): Reply {
  const base = DEFAULT_STATUS_ERRORS[status] ?? { code: String(status), message: `Injected ${status} response.` };
  const headers = retryAfterSeconds === undefined ? undefined : { 'Retry-After': String(retryAfterSeconds) };
  return errorReply(status, { code: code ?? base.code, message: message ?? base.message }, headers);
}

/** Writes a reply with the service's standard headers. */
export function writeReply(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = {
    'apim-request-id': randomUUID(),
    'x-envoy-upstream-service-time': String(randomInt(5, 60)),
    'Strict-Transport-Security': 'max-age=31536000; includeSubDomains; preload',
    'X-Content-Type-Options': 'nosniff',
    ...reply.headers,
  };
  if (reply.body !== undefined) {
    headers['Content-Type'] = 'application/json; charset=utf-8';
    headers['Content-Length'] = String(Buffer.byteLength(reply.body));
  } else {
    headers['Content-Length'] = '0';
  }
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}
