/**
 * Serves HTTP functions on `/<routePrefix>/<route>` like `func start`, and the durable
 * management API, on one loopback port. Requests and responses are the real
 * `HttpRequest` / `HttpResponse` classes of @azure/functions.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRequest, HttpResponse, type Cookie } from '@azure/functions';
import { createInvocationContext, errorMessage, type InvocationDeps } from './invocation';
import { ManagementApi, RPC_PREFIX, WEBHOOK_PREFIX } from './management';
import type { FunctionDescription } from './registry';
import type { WorkTracker } from './work';
import type { HostEvent } from './engine';

interface Route {
  fn: FunctionDescription;
  methods: Set<string> | undefined;
  segments: Segment[];
  authLevel: string;
}

type Segment = { literal: string } | { param: string; optional: boolean; catchAll: boolean; constraint?: string };

/** Parses an ASP.NET-style route template (`items/{id:int}/{name?}`, `files/{*path}`). */
export function parseRoute(template: string): Segment[] {
  return template
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .filter((s) => s !== '')
    .map((s): Segment => {
      const m = /^\{(\*)?([A-Za-z_][\w]*)(?::([^}?=]+))?(\?)?\}$/.exec(s);
      if (!m) return { literal: s.toLowerCase() };
      return { param: m[2], catchAll: !!m[1], constraint: m[3]?.toLowerCase(), optional: !!m[4] || !!m[1] };
    });
}

function constraintOk(constraint: string | undefined, value: string): boolean {
  if (!constraint) return true;
  switch (constraint) {
    case 'int':
    case 'long':
      return /^-?\d+$/.test(value);
    case 'bool':
      return /^(true|false)$/i.test(value);
    case 'guid':
      return /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(value);
    case 'alpha':
      return /^[a-z]+$/i.test(value);
    default:
      return true;
  }
}

export function matchRoute(segments: Segment[], pathParts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  let i = 0;
  for (const seg of segments) {
    if ('literal' in seg) {
      if (pathParts[i]?.toLowerCase() !== seg.literal) return undefined;
      i++;
      continue;
    }
    if (seg.catchAll) {
      params[seg.param] = pathParts.slice(i).join('/');
      i = pathParts.length;
      continue;
    }
    const v = pathParts[i];
    if (v === undefined) {
      if (!seg.optional) return undefined;
      continue;
    }
    if (!constraintOk(seg.constraint, v)) return undefined;
    params[seg.param] = v;
    i++;
  }
  return i === pathParts.length ? params : undefined;
}

/** The real host's default request body limit (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, 100 MB). */
export const DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024;

export interface HttpServerOptions {
  hostname: string;
  port: number;
  routePrefix: string;
  /**
   * `public`: functions and management API; `rpc`: only the client's `/durabletask/` API (loopback), under
   * `/<system key>/durabletask/` (the client data's `rpcBaseUrl`) or with the system key presented.
   */
  role: 'public' | 'rpc';
  /** authLevel function/admin routes need it (`code` or `x-functions-key`). */
  functionKey?: string;
  /** Management routes need it (on the public port; on the RPC listener, always). */
  systemKey?: string;
  /** Bodies larger than this are refused with 413. Default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
  deps: InvocationDeps;
  work: WorkTracker;
  emit: (e: HostEvent) => void;
}

/**
 * Listens first (so that the host knows its address, and can set `WEBSITE_HOSTNAME`, before
 * the app loads), serves once {@link LocalHttpServer.attach} gave it the functions and the
 * management API; until then every request is a 503.
 */
export class LocalHttpServer {
  private readonly server: http.Server;
  private routes: Route[] = [];
  private management: ManagementApi | undefined;
  private address: AddressInfo | undefined;

  constructor(private readonly opts: HttpServerOptions) {
    this.server = http.createServer((req, res) => {
      this.opts.work.begin();
      this.handle(req, res)
        .catch((err: unknown) => {
          this.opts.deps.logger({
            level: 'error',
            category: 'host',
            message: `HTTP ${req.method} ${this.loggablePath(req.url)} failed: ${errorMessage(err)}`,
            time: new Date(this.opts.deps.now()).toISOString(),
          });
          if (!res.headersSent) res.writeHead(500);
          res.end();
        })
        .finally(() => this.opts.work.end());
    });
  }

  attach(functions: FunctionDescription[], management: ManagementApi): void {
    this.management = management;
    this.routes = functions
      .filter((f) => f.kind === 'http')
      .map((fn) => {
        const t = fn.trigger as { route?: string; methods?: string[]; authLevel?: string };
        return {
          fn,
          methods: t.methods?.length ? new Set(t.methods.map((m) => m.toUpperCase())) : undefined,
          segments: parseRoute(t.route ?? fn.name),
          authLevel: (t.authLevel ?? 'anonymous').toLowerCase(),
        };
      });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.hostname, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.address = this.server.address() as AddressInfo;
    return this.baseUrl;
  }

  get baseUrl(): string {
    if (!this.address) throw new Error('The HTTP server is not listening yet.');
    const host = this.address.family === 'IPv6' ? `[${this.address.address}]` : this.address.address;
    return `http://${host}:${this.address.port}`;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** A request's path for a log line: no query (it may hold a key), and no system key in the path (the RPC base). */
  private loggablePath(target: string | undefined): string {
    const path = (target ?? '').split('?')[0];
    const key = this.opts.systemKey;
    return key ? path.split(encodeURIComponent(key)).join('***') : path;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // DNS rebinding: a page on another site whose name resolves to 127.0.0.1 reaches this port with its own
    // name as Host. Only the names this host listens on are served (checked before the body is read).
    if (!this.hostAllowed(req.headers.host)) {
      req.resume();
      reply(res, 421, {
        error: `Misdirected Request: the Host header must name this local host (${this.allowedHostNames().join(', ')})`,
      });
      return;
    }
    const body = await readBody(req, this.opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    if (body === 'tooLarge') {
      reply(res, 413, { error: `request body over ${this.opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES} bytes` });
      return;
    }
    // The real host answers a request it cannot parse with 400, never 500 (bad Host, bad percent-escapes).
    const request = parseTarget(req, `${this.opts.hostname}:${this.address?.port ?? 0}`);
    if (typeof request === 'string') {
      reply(res, 400, { error: request });
      return;
    }
    const { url, parts: rawParts } = request;
    const method = (req.method ?? 'GET').toUpperCase();
    const headers = flattenHeaders(req);
    const management = this.management;
    if (!management) {
      res.writeHead(503).end();
      return;
    }

    // The RPC listener's base URL carries the system key as its first segment (the durable client cannot send
    // a header or a query there): `/<key>/durabletask/…`.
    let pathname = url.pathname;
    let keyInPath = false;
    const rpcKeyPrefix = this.opts.systemKey !== undefined ? `/${encodeURIComponent(this.opts.systemKey)}` : undefined;
    if (this.opts.role === 'rpc' && rpcKeyPrefix !== undefined && pathname.startsWith(`${rpcKeyPrefix}/`)) {
      pathname = pathname.slice(rpcKeyPrefix.length);
      keyInPath = true;
    }
    for (const [prefix, isWebhook] of [
      [WEBHOOK_PREFIX, true],
      [RPC_PREFIX, false],
    ] as const) {
      if (pathname.startsWith(prefix) || pathname === prefix.slice(0, -1)) {
        // The RPC listener serves only the client's /durabletask/ API; every management route, on either
        // listener, needs the system key whenever one is configured (the RPC listener exists only then).
        if (this.opts.role === 'rpc' && isWebhook) break;
        const systemKey = this.opts.systemKey;
        if (systemKey !== undefined && !keyInPath && presentedKey(url, headers) !== systemKey) {
          reply(res, 401, {
            error: 'A valid system key is required (code query parameter or x-functions-key header).',
          });
          return;
        }
        const refused = crossSiteRefusal(method, headers, body.length, url);
        if (refused) {
          reply(res, refused.status, { error: refused.error });
          return;
        }
        const rest = pathname.slice(prefix.length);
        const r = await management.handle(method, rest, url.searchParams, headers, body.toString('utf8'), {
          keyInUrls: systemKey !== undefined && this.opts.role === 'public',
        });
        const out = r.body === undefined ? '' : JSON.stringify(r.body);
        res.writeHead(r.status, {
          ...(r.body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
          ...(r.headers ?? {}),
        });
        res.end(out);
        return;
      }
    }
    if (this.opts.role === 'rpc') {
      // Nothing but the keyed client API here: without the key, not even whether a path exists.
      if (this.opts.systemKey !== undefined && !keyInPath && presentedKey(url, headers) !== this.opts.systemKey)
        reply(res, 401, { error: 'A valid system key is required.' });
      else res.writeHead(404).end();
      return;
    }

    const prefix = this.opts.routePrefix ? `/${this.opts.routePrefix.replace(/^\/+|\/+$/g, '')}` : '';
    if (
      prefix &&
      !(
        pathname.toLowerCase() === prefix.toLowerCase() || pathname.toLowerCase().startsWith(`${prefix.toLowerCase()}/`)
      )
    ) {
      res.writeHead(404).end();
      return;
    }
    const parts = rawParts.slice(prefix ? prefix.split('/').filter((p) => p !== '').length : 0);
    for (const route of this.routes) {
      if (route.methods && !route.methods.has(method)) continue;
      const params = matchRoute(route.segments, parts);
      if (!params) continue;
      if (route.authLevel !== 'anonymous' && this.opts.functionKey) {
        if (presentedKey(url, headers) !== this.opts.functionKey) {
          res.writeHead(401).end();
          return;
        }
      }
      await this.invoke(route.fn, method, url, headers, body, params, res);
      return;
    }
    res.writeHead(404).end();
  }

  /** The host names this host answers to: the loopback names, and the one it was told to listen on. */
  private allowedHostNames(): string[] {
    const own = this.opts.hostname.includes(':') ? `[${this.opts.hostname}]` : this.opts.hostname;
    return [...new Set(['127.0.0.1', 'localhost', '[::1]', own.toLowerCase()])];
  }

  /** No Host header (HTTP/1.0) is this host; else its name (port aside) must be one {@link allowedHostNames} lists. */
  private hostAllowed(host: string | undefined): boolean {
    if (host === undefined) return true;
    const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::\d{1,5})?$/.exec(host.trim());
    if (!m) return true; // malformed: parseTarget answers 400
    const name = m[1].toLowerCase().replace(/\.$/, '');
    return this.allowedHostNames().includes(name);
  }

  private async invoke(
    fn: FunctionDescription,
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: Buffer,
    params: Record<string, string>,
    res: ServerResponse,
  ): Promise<void> {
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers,
      params,
      body: body.length > 0 ? { bytes: new Uint8Array(body) } : undefined,
    });
    const context = createInvocationContext(fn, this.opts.deps);
    let result: unknown;
    try {
      result = await fn.handler(request, context);
    } catch (err) {
      context.error(`Executed '${fn.name}' (Failed): ${errorMessage(err)}`);
      this.opts.emit({
        type: 'functionInvoked',
        time: new Date(this.opts.deps.now()).toISOString(),
        name: fn.name,
        trigger: 'http',
        ok: false,
        error: errorMessage(err),
      });
      res.writeHead(500).end();
      return;
    }
    this.opts.emit({
      type: 'functionInvoked',
      time: new Date(this.opts.deps.now()).toISOString(),
      name: fn.name,
      trigger: 'http',
      ok: true,
    });
    if (result === undefined || result === null) {
      // Assumption: no return value → 204 No Content.
      res.writeHead(204).end();
      return;
    }
    const response = isHttpResponse(result)
      ? result
      : new HttpResponse(result as ConstructorParameters<typeof HttpResponse>[0]);
    const outHeaders: Record<string, string | string[]> = {};
    response.headers.forEach((value, key) => {
      outHeaders[key] = value;
    });
    const cookies = response.cookies.map(serializeCookie);
    if (cookies.length) outHeaders['set-cookie'] = cookies;
    const bytes = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, outHeaders);
    res.end(bytes);
  }
}

/** Duck-typed so that an app loaded in an isolated module registry (another copy of @azure/functions) works too. */
function isHttpResponse(v: unknown): v is HttpResponse {
  if (v instanceof HttpResponse) return true;
  const r = v as Partial<HttpResponse> | null;
  return (
    !!r &&
    typeof r === 'object' &&
    typeof r.status === 'number' &&
    typeof r.arrayBuffer === 'function' &&
    r.headers !== undefined &&
    Array.isArray(r.cookies)
  );
}

function serializeCookie(c: Cookie): string {
  const parts = [`${c.name}=${c.value}`];
  if (c.domain) parts.push(`Domain=${c.domain}`);
  if (c.path) parts.push(`Path=${c.path}`);
  if (c.expires !== undefined) parts.push(`Expires=${new Date(c.expires).toUTCString()}`);
  if (c.maxAge !== undefined) parts.push(`Max-Age=${c.maxAge}`);
  if (c.secure) parts.push('Secure');
  if (c.httpOnly) parts.push('HttpOnly');
  if (c.sameSite) parts.push(`SameSite=${c.sameSite}`);
  return parts.join('; ');
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'tooLarge'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      resolve('tooLarge');
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      total += c.length;
      if (total > limit) over = true;
      if (!over) chunks.push(c);
    });
    req.on('end', () => resolve(over ? 'tooLarge' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/**
 * The management API's cross-site refusal (the app's routes make their own, src/http/requestGate.ts): an
 * `Origin` that is not this host's own (a page on another site, or `null`) → 403; a state-changing request
 * with a body that is not declared `application/json` (a form or `text/plain` post, which a browser sends
 * cross-site without asking) → 415.
 */
function crossSiteRefusal(
  method: string,
  headers: Record<string, string>,
  bodyBytes: number,
  url: URL,
): { status: number; error: string } | undefined {
  const origin = headers.origin;
  if (origin !== undefined && !sameLoopbackOrigin(origin, url))
    return { status: 403, error: "Forbidden: the request's Origin is not this host (cross-site requests are refused)" };
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return undefined;
  const type = headers['content-type'];
  if (type === undefined ? bodyBytes > 0 : !isJsonType(type))
    return {
      status: 415,
      error: 'Unsupported Media Type: a request body must be sent as Content-Type: application/json',
    };
  return undefined;
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The Origin is this host (scheme http, same port) under its own name or another loopback name. */
function sameLoopbackOrigin(origin: string, url: URL): boolean {
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return false; // `null` and anything else that is not an origin
  }
  if (o.protocol !== url.protocol || o.port !== url.port) return false;
  return o.hostname === url.hostname || (LOOPBACK_NAMES.has(o.hostname) && LOOPBACK_NAMES.has(url.hostname));
}

function isJsonType(type: string): boolean {
  return /^application\/json\s*(?:;|$)/i.test(type.trim());
}

/** The key a request presents: `code` query parameter, else the `x-functions-key` header. */
function presentedKey(url: URL, headers: Record<string, string>): string | undefined {
  return url.searchParams.get('code') ?? headers['x-functions-key'];
}

/**
 * The request's URL (on the origin its Host header names, as the real host passes it to the
 * function) and its decoded path segments, or why the request cannot be served (→ 400).
 */
function parseTarget(req: IncomingMessage, ownHost: string): { url: URL; parts: string[] } | string {
  const host = req.headers.host ?? ownHost;
  if (!/^(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(host)) return 'Bad Request: invalid Host header';
  let url: URL;
  try {
    url = new URL(req.url ?? '/', `http://${host}`);
  } catch {
    return 'Bad Request: invalid request target';
  }
  const parts: string[] = [];
  for (const p of url.pathname.split('/')) {
    if (p === '') continue;
    try {
      parts.push(decodeURIComponent(p));
    } catch {
      return 'Bad Request: malformed percent-escape in the request path';
    }
  }
  return { url, parts };
}
