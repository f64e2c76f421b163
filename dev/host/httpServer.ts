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

export interface HttpServerOptions {
  hostname: string;
  port: number;
  routePrefix: string;
  functionKey?: string;
  functions: FunctionDescription[];
  management: ManagementApi;
  deps: InvocationDeps;
  work: WorkTracker;
  emit: (e: HostEvent) => void;
}

export class LocalHttpServer {
  private readonly server: http.Server;
  private readonly routes: Route[];
  private address: AddressInfo | undefined;

  constructor(private readonly opts: HttpServerOptions) {
    this.routes = opts.functions
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
    this.server = http.createServer((req, res) => {
      this.opts.work.begin();
      this.handle(req, res)
        .catch((err: unknown) => {
          this.opts.deps.logger({
            level: 'error',
            category: 'host',
            message: `HTTP ${req.method} ${req.url} failed: ${errorMessage(err)}`,
            time: new Date(this.opts.deps.now()).toISOString(),
          });
          if (!res.headersSent) res.writeHead(500);
          res.end();
        })
        .finally(() => this.opts.work.end());
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

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const origin = `http://${req.headers.host ?? `${this.opts.hostname}:${this.address?.port ?? 0}`}`;
    const url = new URL(req.url ?? '/', origin);
    const method = (req.method ?? 'GET').toUpperCase();
    const headers = flattenHeaders(req);

    for (const [prefix, isWebhook] of [
      [WEBHOOK_PREFIX, true],
      [RPC_PREFIX, false],
    ] as const) {
      if (url.pathname.startsWith(prefix) || url.pathname === prefix.slice(0, -1)) {
        const rest = url.pathname.slice(prefix.length);
        const r = await this.opts.management.handle(
          method,
          rest,
          url.searchParams,
          headers,
          body.toString('utf8'),
          isWebhook,
        );
        const out = r.body === undefined ? '' : JSON.stringify(r.body);
        res.writeHead(r.status, {
          ...(r.body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
          ...(r.headers ?? {}),
        });
        res.end(out);
        return;
      }
    }

    const prefix = this.opts.routePrefix ? `/${this.opts.routePrefix.replace(/^\/+|\/+$/g, '')}` : '';
    const pathname = url.pathname;
    if (
      prefix &&
      !(
        pathname.toLowerCase() === prefix.toLowerCase() || pathname.toLowerCase().startsWith(`${prefix.toLowerCase()}/`)
      )
    ) {
      res.writeHead(404).end();
      return;
    }
    const parts = pathname
      .slice(prefix.length)
      .split('/')
      .filter((p) => p !== '')
      .map((p) => decodeURIComponent(p));
    for (const route of this.routes) {
      if (route.methods && !route.methods.has(method)) continue;
      const params = matchRoute(route.segments, parts);
      if (!params) continue;
      if (route.authLevel !== 'anonymous' && this.opts.functionKey) {
        const key = url.searchParams.get('code') ?? headers['x-functions-key'];
        if (key !== this.opts.functionKey) {
          res.writeHead(401).end();
          return;
        }
      }
      await this.invoke(route.fn, method, url, headers, body, params, res);
      return;
    }
    res.writeHead(404).end();
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

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
