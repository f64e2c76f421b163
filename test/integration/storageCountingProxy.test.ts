import { BlobServiceClient } from '@azure/storage-blob';
import {
  classifyStorageRequest,
  containerOf,
  diffStorageCounts,
  startStorageCountingProxy,
  storageConnectionStringVia,
  type StorageCountingProxy,
} from '../../dev/storageCountingProxy';
import { useAzurite } from '../support/azurite';

describe('dev/storageCountingProxy', () => {
  const azurite = useAzurite();
  let proxy: StorageCountingProxy;
  beforeAll(async () => {
    proxy = await startStorageCountingProxy(azurite.blobEndpoint);
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('forwards SharedKey-signed requests to Azurite unchanged and counts them by class and container', async () => {
    // Prepare
    const blobs = BlobServiceClient.fromConnectionString(storageConnectionStringVia(azurite, proxy));
    const container = blobs.getContainerClient('counted');
    proxy.reset();
    // Act
    await container.create();
    const body = 'x'.repeat(100_000);
    await container.getBlockBlobClient('a/one.json').upload(body, body.length, { metadata: { state: 'replicated' } });
    await container.getBlockBlobClient('a/two.json').upload('{"n":2}', 7, { metadata: { state: 'copying' } });
    const listed: Array<{ name: string; state?: string }> = [];
    for await (const b of container.listBlobsFlat({ includeMetadata: true, prefix: 'a/' }))
      listed.push({ name: b.name, state: b.metadata?.state });
    const downloaded = (await container.getBlobClient('a/one.json').downloadToBuffer()).toString();
    const exists = await container.getBlobClient('a/missing.json').exists();
    await container.getBlobClient('a/two.json').setMetadata({ state: 'failed' });
    await container.getBlobClient('a/two.json').delete();
    const counts = proxy.snapshot();
    // Assess
    expect(listed).toEqual([
      { name: 'a/one.json', state: 'replicated' },
      { name: 'a/two.json', state: 'copying' },
    ]);
    expect(downloaded).toBe(body);
    expect(exists).toBe(false);
    expect(counts.byClass).toEqual({
      container: 1,
      'PUT blob': 2,
      list: 1,
      'GET blob': 1,
      // downloadToBuffer reads the size first (HEAD), then the body (GET); exists() is a HEAD.
      HEAD: 2,
      metadata: 1,
      DELETE: 1,
    });
    expect(counts.total).toBe(9);
    expect(counts.byContainer).toEqual({ counted: 9 });
    expect(counts.byContainerClass.counted['PUT blob']).toBe(2);
    expect(counts.byStatus).toEqual({ '201': 3, '200': 3, '206': 1, '404': 1, '202': 1 });
  });

  it('counts from zero again after reset() and diffs two snapshots', async () => {
    // Prepare
    const blobs = BlobServiceClient.fromConnectionString(storageConnectionStringVia(azurite, proxy));
    const container = blobs.getContainerClient('counted-again');
    await container.create();
    proxy.reset();
    const before = proxy.snapshot();
    // Act
    await container.getAppendBlobClient('log').create();
    await container.getAppendBlobClient('log').appendBlock('line\n', 5);
    const after = proxy.snapshot();
    // Assess
    expect(before.total).toBe(0);
    expect(diffStorageCounts(after, before)).toEqual({
      total: 2,
      byClass: { 'PUT blob': 1, appendblock: 1 },
      byContainer: { 'counted-again': 2 },
      byContainerClass: { 'counted-again': { 'PUT blob': 1, appendblock: 1 } },
      byStatus: { '201': 2 },
    });
  });

  it('classifies by method and query, and finds the container after the account segment', () => {
    // Assess
    expect(classifyStorageRequest('GET', '/devstoreaccount1/c?restype=container&comp=list&include=metadata')).toBe(
      'list',
    );
    expect(classifyStorageRequest('GET', '/devstoreaccount1?comp=list')).toBe('list');
    expect(classifyStorageRequest('PUT', '/devstoreaccount1/c/b?comp=lease')).toBe('lease');
    expect(classifyStorageRequest('PUT', '/devstoreaccount1/c/b?comp=properties')).toBe('PUT comp=properties');
    expect(classifyStorageRequest('PUT', '/devstoreaccount1/c?restype=container')).toBe('container');
    expect(classifyStorageRequest('GET', '/devstoreaccount1/c/b%2Fx.json')).toBe('GET blob');
    expect(classifyStorageRequest('POST', '/devstoreaccount1/c/b')).toBe('other');
    expect(containerOf('/devstoreaccount1/c/b/x.json')).toBe('c');
    expect(containerOf('/devstoreaccount1?comp=list')).toBe('');
  });
});
