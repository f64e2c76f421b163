/**
 * The Durable extension's HTTP management API, as `DurableClient` (axios) and the status
 * URLs of `createCheckStatusResponse` use it. Served under two prefixes by the host's HTTP
 * server: `/runtime/webhooks/durabletask/` (the public webhook URLs) and `/durabletask/`
 * (the `rpcBaseUrl` the real extension serves on a loopback port).
 */
import {
  DurableEngine,
  InstanceConflictError,
  InstanceNotFoundError,
  isTerminal,
  type InstanceStatus,
  type RuntimeStatus,
} from './engine';
import { RegistrationError } from './registry';
import type { DurableClientData } from './invocation';

export const WEBHOOK_PREFIX = '/runtime/webhooks/durabletask/';
export const RPC_PREFIX = '/durabletask/';

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

const STATUSES: RuntimeStatus[] = [
  'Pending',
  'Running',
  'Completed',
  'ContinuedAsNew',
  'Failed',
  'Canceled',
  'Terminated',
  'Suspended',
];

/** Timestamps without milliseconds, as the extension formats them. */
function wireTime(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, 'Z');
}

function flag(q: URLSearchParams, name: string, dflt: boolean): boolean {
  const v = q.get(name);
  if (v === null) return dflt;
  return v.toLowerCase() === 'true';
}

export class ManagementApi {
  constructor(
    private readonly engine: DurableEngine,
    private readonly clientData: () => DurableClientData,
    private readonly opts: { systemKey?: string; pageSize: number },
  ) {}

  /**
   * Management URLs for one instance (the `createCheckStatusResponse` payload). They carry the
   * system key only when `keyInUrls` (the caller presented it); otherwise the `code` parameter
   * is left out.
   */
  payloadFor(instanceId: string, keyInUrls = true): Record<string, string> {
    const urls = { ...this.clientData().managementUrls };
    const placeholder = urls.id;
    const keyParam = this.opts.systemKey ? `&code=${encodeURIComponent(this.opts.systemKey)}` : undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(urls)) {
      const url = v.split(placeholder).join(encodeURIComponent(instanceId));
      out[k] = keyParam && !keyInUrls ? url.split(keyParam).join('') : url;
    }
    out.id = instanceId;
    return out;
  }

  statusBody(s: InstanceStatus, q: URLSearchParams, single: boolean): Record<string, unknown> {
    const body: Record<string, unknown> = {
      name: s.name,
      instanceId: s.instanceId,
      runtimeStatus: s.runtimeStatus,
      ...(flag(q, 'showInput', single) ? { input: s.input } : { input: null }),
      customStatus: s.customStatus,
      output: s.output,
      createdTime: wireTime(s.createdTime),
      lastUpdatedTime: wireTime(s.lastUpdatedTime),
    };
    if (single && flag(q, 'showHistory', false))
      body.historyEvents = this.engine.condensedHistory(s.instanceId, flag(q, 'showHistoryOutput', false));
    return body;
  }

  /** `path` is relative to the prefix (e.g. `instances/abc`); `isWebhook` says which prefix was used. */
  async handle(
    method: string,
    path: string,
    query: URLSearchParams,
    headers: Record<string, string | undefined>,
    body: string,
    caller: { keyInUrls: boolean },
  ): Promise<ApiResponse> {
    let parts: string[];
    try {
      parts = path
        .split('/')
        .filter((p) => p !== '')
        .map(decodeURIComponent);
    } catch {
      return { status: 400, body: { error: 'Malformed percent-escape in the request path.' } };
    }
    try {
      if (parts[0] === 'orchestrators' && method === 'POST' && parts.length >= 2 && parts.length <= 3) {
        return this.start(parts[1], parts[2], body, caller.keyInUrls);
      }
      if (parts[0] === 'instances') {
        if (parts.length === 1) {
          if (method === 'GET') return this.list(query, headers['x-ms-continuation-token']);
          if (method === 'DELETE') return this.purgeBy(query);
        }
        const id = parts[1];
        if (parts.length === 2) {
          if (method === 'GET') return this.status(id, query, caller.keyInUrls);
          if (method === 'DELETE') return this.purge(id);
        }
        if (parts.length === 4 && parts[2] === 'raiseEvent' && method === 'POST') return this.raise(id, parts[3], body);
        if (parts.length === 3 && parts[2] === 'terminate' && method === 'POST')
          return this.terminate(id, query.get('reason') ?? '');
        if (parts.length === 3 && ['suspend', 'resume', 'rewind', 'restart'].includes(parts[2]) && method === 'POST') {
          return { status: 501, body: { error: `'${parts[2]}' is not implemented by the local host.` } };
        }
      }
      return { status: 404, body: { error: `No durable management route for ${method} ${path}` } };
    } catch (err) {
      if (err instanceof InstanceNotFoundError) return { status: 404, body: { error: err.message } };
      if (err instanceof InstanceConflictError) return { status: 409, body: { error: err.message } };
      if (err instanceof RegistrationError) return { status: 400, body: { error: err.message } };
      if (err instanceof SyntaxError) return { status: 400, body: { error: `Invalid JSON body: ${err.message}` } };
      throw err;
    }
  }

  private start(name: string, instanceId: string | undefined, body: string, keyInUrls: boolean): ApiResponse {
    const input = body.trim() === '' ? undefined : (JSON.parse(body) as unknown);
    const id = this.engine.startNew(name, { instanceId, input });
    const payload = this.payloadFor(id, keyInUrls);
    return { status: 202, headers: { Location: payload.statusQueryGetUri, 'Retry-After': '10' }, body: payload };
  }

  private status(id: string, q: URLSearchParams, keyInUrls: boolean): ApiResponse {
    const s = this.engine.getStatus(id);
    if (!s) return { status: 404, body: undefined };
    const body = this.statusBody(s, q, true);
    switch (s.runtimeStatus) {
      case 'Failed':
        return { status: flag(q, 'returnInternalServerErrorOnFailure', false) ? 500 : 200, body };
      case 'Completed':
      case 'Terminated':
      case 'Canceled':
        return { status: 200, body };
      default:
        return {
          status: 202,
          headers: { Location: this.payloadFor(id, keyInUrls).statusQueryGetUri, 'Retry-After': '10' },
          body,
        };
    }
  }

  private filterFrom(q: URLSearchParams): Parameters<DurableEngine['list']>[0] {
    const statuses = (q.get('runtimeStatus') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => STATUSES.find((x) => x.toLowerCase() === s.toLowerCase()) ?? (s as RuntimeStatus));
    const from = q.get('createdTimeFrom');
    const to = q.get('createdTimeTo');
    return {
      runtimeStatus: statuses.length ? statuses : undefined,
      createdTimeFrom: from ? Date.parse(from) : undefined,
      createdTimeTo: to ? Date.parse(to) : undefined,
      instanceIdPrefix: q.get('instanceIdPrefix') ?? undefined,
    };
  }

  private list(q: URLSearchParams, continuation: string | undefined): ApiResponse {
    const all = this.engine.list(this.filterFrom(q));
    const top = Number(q.get('top') ?? this.opts.pageSize);
    const pageSize = Number.isInteger(top) && top > 0 ? top : this.opts.pageSize;
    const offset = continuation ? Number(Buffer.from(continuation, 'base64').toString('utf8')) || 0 : 0;
    const page = all.slice(offset, offset + pageSize);
    const headers: Record<string, string> = {};
    if (offset + pageSize < all.length)
      headers['x-ms-continuation-token'] = Buffer.from(String(offset + pageSize)).toString('base64');
    return { status: 200, headers, body: page.map((s) => this.statusBody(s, q, false)) };
  }

  private raise(id: string, eventName: string, body: string): ApiResponse {
    const s = this.engine.getStatus(id);
    if (!s) return { status: 404, body: { error: `No instance with ID '${id}' found.` } };
    if (isTerminal(s.runtimeStatus)) return { status: 410, body: { error: `Instance '${id}' is ${s.runtimeStatus}.` } };
    this.engine.raiseEvent(id, eventName, body.trim() === '' ? null : JSON.parse(body));
    return { status: 202 };
  }

  private terminate(id: string, reason: string): ApiResponse {
    const s = this.engine.getStatus(id);
    if (!s) return { status: 404, body: { error: `No instance with ID '${id}' found.` } };
    if (isTerminal(s.runtimeStatus))
      return { status: 410, body: { error: `Instance '${id}' is already ${s.runtimeStatus}.` } };
    this.engine.terminate(id, reason);
    return { status: 202 };
  }

  private purge(id: string): ApiResponse {
    return this.engine.purge(id)
      ? { status: 200, body: { instancesDeleted: 1 } }
      : { status: 404, body: { instancesDeleted: 0 } };
  }

  private purgeBy(q: URLSearchParams): ApiResponse {
    const candidates = this.engine.list(this.filterFrom(q)).filter((s) => isTerminal(s.runtimeStatus));
    let n = 0;
    for (const s of candidates) if (this.engine.purge(s.instanceId)) n++;
    return n > 0 ? { status: 200, body: { instancesDeleted: n } } : { status: 404, body: { instancesDeleted: 0 } };
  }
}
