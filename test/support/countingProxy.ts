/**
 * A loopback HTTP proxy in front of Azurite's blob service that counts the requests that
 * really go over the wire (after the SDK's retries and batching), by kind:
 *
 *   const proxy = await startCountingProxy(azurite);
 *   const container = createLedgerContainerClient({ connectionString: proxy.connectionString }, 'c');
 *   proxy.reset(); …; expect(proxy.count('list')).toBe(1);
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AzuriteInstance } from '../../dev/azurite';

/** `list`: List Blobs; `get`: Get Blob; `put`: Put Blob; `setMetadata`; `other`: anything else (HEAD, DELETE, container calls). */
export type RequestKind = 'list' | 'get' | 'put' | 'setMetadata' | 'other';

export interface CountingProxy {
  /** `AzuriteInstance.connectionString` with the blob endpoint pointing at the proxy. */
  connectionString: string;
  count(kind?: RequestKind): number;
  /** Every counted request since the last reset: its kind, method, path and query (`?comp=list&prefix=…`). */
  readonly requests: readonly CountedRequest[];
  reset(): void;
  stop(): Promise<void>;
}

export interface CountedRequest {
  kind: RequestKind;
  method: string;
  path: string;
  query: URLSearchParams;
}

export function kindOf(method: string, url: URL): RequestKind {
  const comp = url.searchParams.get('comp');
  if (method === 'GET' && comp === 'list') return 'list';
  if (method === 'PUT' && comp === 'metadata') return 'setMetadata';
  if (comp !== null || url.searchParams.has('restype')) return 'other';
  if (method === 'GET') return 'get';
  if (method === 'PUT') return 'put';
  return 'other';
}

export async function startCountingProxy(azurite: AzuriteInstance): Promise<CountingProxy> {
  const target = new URL(azurite.blobEndpoint);
  const requests: CountedRequest[] = [];
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const method = req.method ?? 'GET';
    requests.push({ kind: kindOf(method, url), method, path: url.pathname, query: url.searchParams });
    const upstream = http.request(
      { host: target.hostname, port: target.port, method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const blobEndpoint = `http://127.0.0.1:${port}${target.pathname}`;
  return {
    connectionString: azurite.connectionString.replace(/BlobEndpoint=[^;]+;/, `BlobEndpoint=${blobEndpoint};`),
    count: (kind) => (kind ? requests.filter((r) => r.kind === kind).length : requests.length),
    requests,
    reset: () => {
      requests.length = 0;
    },
    stop: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
