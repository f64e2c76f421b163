/**
 * A counting reverse proxy in front of Azurite's blob endpoint (loopback only), so the
 * benchmark and tests count storage requests at the HTTP level, not by the app's own
 * bookkeeping.
 *
 * Every request is forwarded unchanged — method, path and query, headers (Host included),
 * body — and the response streams back unchanged, keep-alive both ways. SharedKey and SAS
 * signatures cover the path (`/devstoreaccount1/…` on Azurite's path-style URLs), the query
 * and the `x-ms-*` headers, never the Host, so they verify on the far side as they would
 * direct. Requests are counted on arrival by class and by container, and by response status
 * when the response head comes back.
 *
 *   const proxy = await startStorageCountingProxy(azurite.blobEndpoint);
 *   BlobServiceClient.fromConnectionString(storageConnectionStringVia(azurite, proxy));
 *   proxy.snapshot(); // { total, byClass: { 'PUT blob': 3, list: 1, … }, byContainer, … }
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEV_ACCOUNT, DEV_KEY, type AzuriteInstance } from './azurite';

/**
 * Request classes: `GET blob` (download), `PUT blob` (upload, copy), `HEAD` (properties,
 * exists), `DELETE`, `list` (`comp=list`: blobs of a container, or containers),
 * `appendblock`, `metadata` (`comp=metadata`), `lease` (`comp=lease`), `container`
 * (`restype=container` without `comp`: create, properties or delete of a container);
 * anything else is `<METHOD> comp=<comp>` or `other`.
 */
export type StorageRequestClass = string;

export interface StorageCounts {
  total: number;
  byClass: Record<StorageRequestClass, number>;
  /** By container ('' for account-level requests such as listing containers). */
  byContainer: Record<string, number>;
  /** Container → class → count. */
  byContainerClass: Record<string, Record<StorageRequestClass, number>>;
  /** By response status (`0`: the upstream request failed; answered 502). */
  byStatus: Record<string, number>;
}

export interface StorageCountingProxy {
  /** `http://127.0.0.1:<port>` (no account, no trailing slash). */
  readonly origin: string;
  /** The blob endpoint through the proxy: `http://127.0.0.1:<port>/<account>` (same account path as upstream). */
  readonly blobEndpoint: string;
  /** Counts since start or the last reset(); a copy. */
  snapshot(): StorageCounts;
  reset(): void;
  close(): Promise<void>;
}

/** The class of one blob-service request, from its method and URL (path + query). */
export function classifyStorageRequest(method: string, url: string): StorageRequestClass {
  const u = new URL(url, 'http://proxy.invalid');
  const comp = u.searchParams.get('comp')?.toLowerCase();
  const restype = u.searchParams.get('restype')?.toLowerCase();
  const m = method.toUpperCase();
  if (comp === 'list') return 'list';
  if (comp === 'appendblock') return 'appendblock';
  if (comp === 'metadata') return 'metadata';
  if (comp === 'lease') return 'lease';
  if (comp !== undefined) return `${m} comp=${comp}`;
  if (restype === 'container') return 'container';
  if (m === 'HEAD') return 'HEAD';
  if (m === 'DELETE') return 'DELETE';
  if (m === 'GET') return 'GET blob';
  if (m === 'PUT') return 'PUT blob';
  return 'other';
}

/** The container a request addresses: the path segment after the account ('' when none). */
export function containerOf(url: string, account = DEV_ACCOUNT): string {
  const path = new URL(url, 'http://proxy.invalid').pathname.split('/').filter(Boolean);
  const rest = path[0] === account ? path.slice(1) : path;
  return rest[0] ? decodeURIComponent(rest[0]) : '';
}

function emptyCounts(): StorageCounts {
  return { total: 0, byClass: {}, byContainer: {}, byContainerClass: {}, byStatus: {} };
}

function bump(map: Record<string, number>, key: string, n = 1): void {
  map[key] = (map[key] ?? 0) + n;
}

/**
 * Starts the proxy on a free loopback port in front of `upstreamBlobEndpoint`
 * (e.g. Azurite's `http://127.0.0.1:10000/devstoreaccount1`; only its origin is used,
 * request paths are forwarded as received).
 */
export async function startStorageCountingProxy(
  upstreamBlobEndpoint: string,
  options: { onRequest?: (request: { method: string; url: string; class: StorageRequestClass }) => void } = {},
): Promise<StorageCountingProxy> {
  const upstream = new URL(upstreamBlobEndpoint);
  if (upstream.protocol !== 'http:')
    throw new Error('the counting proxy forwards to an http:// (Azurite) endpoint only');
  const accountPath = upstream.pathname.replace(/\/+$/, '');
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let counts = emptyCounts();

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const cls = classifyStorageRequest(method, url);
    const container = containerOf(url);
    const c = counts;
    c.total += 1;
    bump(c.byClass, cls);
    bump(c.byContainer, container);
    bump((c.byContainerClass[container] ??= {}), cls);
    options.onRequest?.({ method, url, class: cls });

    const forward = httpRequest(
      {
        agent,
        host: upstream.hostname,
        port: upstream.port,
        method,
        path: url,
        // Raw headers, as received (names, case, order and repeats), Host included.
        headers: req.rawHeaders,
      },
      (upstreamRes) => {
        bump(c.byStatus, String(upstreamRes.statusCode ?? 0));
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, upstreamRes.rawHeaders);
        upstreamRes.pipe(res);
        upstreamRes.once('error', () => res.destroy());
      },
    );
    forward.once('error', () => {
      if (!res.headersSent) {
        bump(c.byStatus, '0');
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('storage counting proxy: upstream request failed');
      } else res.destroy();
    });
    req.once('error', () => forward.destroy());
    req.pipe(forward);
  };

  const server = createServer({ keepAlive: true }, onRequest);
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    blobEndpoint: `${origin}${accountPath}`,
    snapshot: () => structuredClone(counts),
    reset() {
      counts = emptyCounts();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

/**
 * A connection string for Azurite's development account whose blob endpoint is the proxy;
 * queue and table stay direct (not counted).
 */
export function storageConnectionStringVia(azurite: AzuriteInstance, proxy: StorageCountingProxy): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
    `BlobEndpoint=${proxy.blobEndpoint};QueueEndpoint=${azurite.queueEndpoint};TableEndpoint=${azurite.tableEndpoint};`
  );
}

/** Counts `after` minus `before` (both snapshots), dropping zeros. */
export function diffStorageCounts(after: StorageCounts, before: StorageCounts): StorageCounts {
  const sub = (a: Record<string, number>, b: Record<string, number>): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(a)) if (v - (b[k] ?? 0) !== 0) out[k] = v - (b[k] ?? 0);
    return out;
  };
  const byContainerClass: Record<string, Record<string, number>> = {};
  for (const [k, v] of Object.entries(after.byContainerClass)) {
    const d = sub(v, before.byContainerClass[k] ?? {});
    if (Object.keys(d).length > 0) byContainerClass[k] = d;
  }
  return {
    total: after.total - before.total,
    byClass: sub(after.byClass, before.byClass),
    byContainer: sub(after.byContainer, before.byContainer),
    byContainerClass,
    byStatus: sub(after.byStatus, before.byStatus),
  };
}
