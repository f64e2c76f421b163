/**
 * The storage counting proxy (dev/storageCountingProxy.ts, the one the benchmark uses) in
 * front of Azurite's blob service, with every request kept for assertions, by kind:
 *
 *   const proxy = await startCountingProxy(azurite);
 *   const container = createLedgerContainerClient({ connectionString: proxy.connectionString }, 'c');
 *   proxy.reset(); …; expect(proxy.count('list')).toBe(1);
 */
import type { AzuriteInstance } from '../../dev/azurite';
import {
  startStorageCountingProxy,
  storageConnectionStringVia,
  type StorageRequestClass,
} from '../../dev/storageCountingProxy';

/** `list`: List Blobs; `get`: Get Blob; `put`: Put Blob; `setMetadata`; `other`: anything else (HEAD, DELETE, append, container calls). */
export type RequestKind = 'list' | 'get' | 'put' | 'setMetadata' | 'other';

export interface CountingProxy {
  /** `AzuriteInstance.connectionString` with the blob endpoint pointing at the proxy. */
  connectionString: string;
  count(kind?: RequestKind): number;
  /** Every counted request since the last reset: its kind, class, method, path and query (`?comp=list&prefix=…`). */
  readonly requests: readonly CountedRequest[];
  reset(): void;
  stop(): Promise<void>;
}

export interface CountedRequest {
  kind: RequestKind;
  class: StorageRequestClass;
  method: string;
  path: string;
  query: URLSearchParams;
}

const KINDS: Record<string, RequestKind> = {
  list: 'list',
  'GET blob': 'get',
  'PUT blob': 'put',
  metadata: 'setMetadata',
};

export async function startCountingProxy(azurite: AzuriteInstance): Promise<CountingProxy> {
  const requests: CountedRequest[] = [];
  const proxy = await startStorageCountingProxy(azurite.blobEndpoint, {
    onRequest: ({ method, url, class: cls }) => {
      const u = new URL(url, 'http://proxy.invalid');
      requests.push({ kind: KINDS[cls] ?? 'other', class: cls, method, path: u.pathname, query: u.searchParams });
    },
  });
  return {
    connectionString: storageConnectionStringVia(azurite, proxy),
    count: (kind) => (kind ? requests.filter((r) => r.kind === kind).length : requests.length),
    requests,
    reset: () => {
      requests.length = 0;
      proxy.reset();
    },
    stop: () => proxy.close(),
  };
}
