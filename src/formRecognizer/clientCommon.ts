/**
 * What the two {@link CopyApi} clients share — `FormRecognizerV2Client` (client.ts) and
 * `DocumentModelsClient` (documentModelsClient.ts): endpoint validation, the checks that
 * keep a credential from following a `nextLink` or `Operation-Location` elsewhere, paging,
 * request options, unexpected-response errors and the redacted client summary.
 */
import { ForeignHostError, UnexpectedResponseError, ValidationError, type ClientOperation } from './errors';
import type { Logger, SendResponse } from './http';
import type { CopyApi, RequestOptions } from './types';

/** Spec pattern for `targetResourceId` (matched case-insensitively, as ARM ids are). */
export const TARGET_RESOURCE_ID_PATTERN =
  /^\/subscriptions\/[^/]*\/resourceGroups\/[^/]*\/providers\/Microsoft\.CognitiveServices\/accounts\/[^/]*$/i;
/** Spec pattern for `targetResourceRegion` (upper case is accepted in practice). */
export const TARGET_REGION_PATTERN = /^[a-z0-9]{1,24}$/i;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

export interface ParsedEndpoint {
  origin: string;
  /** The endpoint's path without trailing slashes (`''` for none). */
  basePath: string;
}

/**
 * Validates a client's `endpoint`: absolute, `https:` (plain `http:` only for a loopback
 * host or with `allowInsecureHttp`), no credentials, query or fragment.
 */
export function parseEndpoint(endpoint: string, allowInsecureHttp: boolean | undefined): ParsedEndpoint {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ValidationError('endpoint is not an absolute URL', {
      reason: 'invalidArgument',
      operation: 'listModels',
    });
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && (isLoopback(url.hostname) || allowInsecureHttp))) {
    throw new ValidationError(`endpoint must use https (got ${url.protocol}//${url.host})`, {
      reason: 'invalidArgument',
      operation: 'listModels',
    });
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ValidationError('endpoint must not contain credentials, a query or a fragment', {
      reason: 'invalidArgument',
      operation: 'listModels',
    });
  }
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}

/**
 * Validates a `nextLink`: absolute, on `origin`, without credentials, its path `path`
 * (case-insensitively; `outside` names that path in the error). Returns it unchanged (verbatim).
 */
export function checkNextLink(link: string, origin: string, path: string, outside: string): string {
  let u: URL;
  try {
    u = new URL(link);
  } catch {
    throw new ForeignHostError('listModels: nextLink is not an absolute URL; refused', {
      reason: 'foreignHost',
      operation: 'listModels',
    });
  }
  if (u.origin !== origin || u.username || u.password) {
    throw new ForeignHostError(`listModels: nextLink points to ${u.origin}, not ${origin}; refused`, {
      reason: 'foreignHost',
      operation: 'listModels',
    });
  }
  if (u.pathname.replace(/\/+$/, '').toLowerCase() !== path.toLowerCase()) {
    throw new ForeignHostError(`listModels: nextLink is outside ${outside}; refused`, {
      reason: 'foreignHost',
      operation: 'listModels',
    });
  }
  return link;
}

/**
 * Resolves an `Operation-Location` against the (source) `endpoint` and refuses another
 * origin or embedded credentials before any credential is sent to it. The caller checks the path.
 */
export function resolveOperationLocation(
  location: string,
  endpoint: string,
  origin: string,
  operation: ClientOperation,
): URL {
  let u: URL;
  try {
    u = new URL(location, `${endpoint}/`);
  } catch {
    throw new ForeignHostError(`${operation}: Operation-Location is not a URL; refused`, {
      reason: 'foreignHost',
      operation,
    });
  }
  if (u.origin !== origin || u.username || u.password) {
    throw new ForeignHostError(
      `${operation}: Operation-Location points to ${u.origin}, not the source ${origin}; refused, no request made`,
      { reason: 'foreignHost', operation },
    );
  }
  return u;
}

/**
 * Every item of every page. Each `nextLink` is checked before the next request, and a
 * link that repeats an earlier page ends the listing with `repeated()`.
 */
export async function* everyPage<T>(
  page: (nextLink: string | undefined) => Promise<{ items: T[]; nextLink?: string }>,
  checkLink: (link: string) => unknown,
  repeated: () => Error,
): AsyncIterableIterator<T> {
  const seen = new Set<string>();
  let link: string | undefined;
  do {
    const p = await page(link);
    yield* p.items;
    link = p.nextLink;
    if (link !== undefined) {
      if (seen.has(link)) throw repeated();
      seen.add(link);
      checkLink(link); // refuse before yielding further
    }
  } while (link !== undefined);
}

/** The caller's abort signal and timeout, without undefined members. */
export function requestOptions(o: RequestOptions | undefined): { abortSignal?: AbortSignal; timeoutMs?: number } {
  const out: { abortSignal?: AbortSignal; timeoutMs?: number } = {};
  if (o?.abortSignal) out.abortSignal = o.abortSignal;
  if (o?.timeoutMs !== undefined) out.timeoutMs = o.timeoutMs;
  return out;
}

/** A 2xx response of the wrong shape: logged (as `{logPrefix} {operation}: …`) and returned as an UnexpectedResponseError. */
export function unexpectedResponse(
  logger: Logger,
  logPrefix: string,
  operation: ClientOperation,
  res: SendResponse | undefined,
  what: string,
): UnexpectedResponseError {
  const init: ConstructorParameters<typeof UnexpectedResponseError>[1] = { reason: 'unexpectedResponse', operation };
  if (res) init.status = res.status;
  if (res?.requestId !== undefined) init.requestId = res.requestId;
  logger.error(`${logPrefix} ${operation}: unexpected response: ${what}`, {
    operation,
    status: res?.status,
    requestId: res?.requestId,
  });
  return new UnexpectedResponseError(`${operation}: unexpected response: ${what}`, init);
}

/** The response body parsed as JSON, or the UnexpectedResponseError of {@link unexpectedResponse}. */
export function parseJsonBody(
  logger: Logger,
  logPrefix: string,
  operation: ClientOperation,
  res: SendResponse,
): unknown {
  try {
    return JSON.parse(res.text) as unknown;
  } catch {
    throw unexpectedResponse(logger, logPrefix, operation, res, 'body is not JSON');
  }
}

/** What `toJSON` / `util.inspect` show of a client: never its credential. */
export function clientSummary(
  c: Pick<CopyApi, 'apiFamily' | 'apiVersion' | 'endpoint' | 'region' | 'resourceId'> & { authMode: 'key' | 'entra' },
): Record<string, string> {
  return {
    apiFamily: c.apiFamily,
    apiVersion: c.apiVersion,
    endpoint: c.endpoint,
    region: c.region,
    resourceId: c.resourceId,
    auth: c.authMode,
  };
}
