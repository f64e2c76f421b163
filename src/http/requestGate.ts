/**
 * The gate every state-changing route passes first (issue 25, item 5): a browser lets any page
 * send a *simple* request — a `text/plain` or form-encoded POST, `fetch(…, {mode: 'no-cors'})` —
 * to any origin without asking, and without keys (the local default) that would start runs,
 * drills and replays from a page on another site. So:
 *
 * - an `Origin` header that is not the app's own origin (`WEBSITE_HOSTNAME`; for a loopback host
 *   also its other loopback names on the same port) is refused with 403 — `Origin: null`
 *   (sandboxed frames, `data:` pages) included. Requests without `Origin` (curl, the CLI, other
 *   servers) are not browsers' cross-site requests and pass;
 * - a body must be declared `Content-Type: application/json` (415 otherwise): a browser cannot
 *   send that type cross-site without a CORS preflight, which the app never answers with
 *   `Access-Control-Allow-*`. A request without a body may omit the type.
 *
 * The `Host` header is the platform's business (Azure routes by it; the local host accepts only
 * its loopback names, dev/host/httpServer.ts).
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

/** The origins a same-site page of this app has: `publicOrigin`, and its loopback aliases (same scheme and port). */
export function ownOrigins(publicOrigin: string | undefined, requestUrl: string): string[] {
  let own: URL;
  try {
    own = new URL(publicOrigin ?? requestUrl);
  } catch {
    return [];
  }
  const out = new Set([own.origin]);
  if (LOOPBACK_NAMES.includes(own.hostname))
    for (const name of LOOPBACK_NAMES) out.add(`${own.protocol}//${name}${own.port ? `:${own.port}` : ''}`);
  return [...out];
}

/** `application/json`, with or without parameters (`; charset=utf-8`). */
export function isJsonContentType(value: string): boolean {
  return /^application\/json\s*(?:;|$)/i.test(value.trim());
}

/** Whether the request carries a body (declared length > 0, or a chunked body of unknown length). */
function hasBody(request: HttpRequest): boolean {
  const length = request.headers.get('content-length');
  if (length !== null) return Number(length) !== 0;
  return request.headers.get('transfer-encoding') !== null;
}

/**
 * Undefined when the request may change state; else the answer (403 foreign Origin, 415 a body
 * that is not JSON). `publicOrigin` is the app's own (AppDependencies.publicOrigin); without one
 * the request URL's origin stands in for it.
 */
export function refuseCrossSiteRequest(
  request: HttpRequest,
  publicOrigin: string | undefined,
): HttpResponseInit | undefined {
  const origin = request.headers.get('origin');
  if (origin !== null && !ownOrigins(publicOrigin, request.url).includes(origin.trim().toLowerCase()))
    return refusal(
      403,
      "cross-site request refused: the request's Origin is not this app's origin (a page on another site cannot start work here)",
    );
  const type = request.headers.get('content-type');
  if (type === null ? hasBody(request) : !isJsonContentType(type))
    return refusal(415, 'unsupported media type: send the request body as Content-Type: application/json');
  return undefined;
}

function refusal(status: number, error: string): HttpResponseInit {
  return { status, jsonBody: { error }, headers: { 'Cache-Control': 'no-store' } };
}
