/**
 * Documents inline in listings (issue 14): a listing with metadata carries the replica records,
 * so reading them costs one List Blobs request per 5000, counted on the wire by a proxy in front
 * of Azurite.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { useAzurite } from '../support/azurite';
import { startCountingProxy, type CountingProxy } from '../support/countingProxy';
import { VirtualClock } from '../../dev/clock';
import { ReplicaSnapshot } from '../../src/http/dashboard/matrix';
import {
  createLedgerContainerClient,
  DocumentStore,
  LedgerCorruptDocumentError,
  MAX_INLINE_DOCUMENT_CHARS,
  REPLICA_DOCUMENT,
  ReplicaRepository,
  type ModelReplicaRecord,
  type StoredDocument,
} from '../../src/ledger';

const TARGET_RID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/tgt';

describe('ledger listings with inline documents (Azurite, requests counted on the wire)', () => {
  const azurite = useAzurite();
  let proxy: CountingProxy;
  let n = 0;
  let direct: ContainerClient;
  let counted: ContainerClient;
  let clock: VirtualClock;

  beforeAll(async () => {
    proxy = await startCountingProxy(azurite);
  });
  afterAll(async () => {
    await proxy?.stop();
  });
  beforeEach(async () => {
    const name = `ledger-listing-${++n}`;
    direct = createLedgerContainerClient({ connectionString: azurite.connectionString }, name);
    counted = createLedgerContainerClient({ connectionString: proxy.connectionString }, name);
    await direct.create();
    clock = new VirtualClock('2026-03-01T00:00:00Z');
    proxy.reset();
  });

  const record = (i: number, over: Partial<ModelReplicaRecord> = {}): ModelReplicaRecord => ({
    sourceModelId: `model-${String(i).padStart(5, '0')}`,
    sourceModelName: `invoices ${i}`,
    sourceModelVersion: '2026-02-01T00:00:00Z',
    region: 'eastus2',
    targetResourceId: TARGET_RID,
    targetModelId: `target-${i}`,
    state: 'replicated',
    lastVerifiedAt: '2026-03-01T00:00:00.000Z',
    lastAttemptAt: '2026-03-01T00:00:00.000Z',
    lastRunId: 'run-1',
    attempts: 1,
    ...over,
  });
  const keyOf = (r: ModelReplicaRecord): string => ReplicaRepository.key(r.sourceModelId, r.region);

  async function writeAll(store: DocumentStore<ModelReplicaRecord>, records: ModelReplicaRecord[]): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < records.length) {
        const r = records[next++];
        await store.create(keyOf(r), r);
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
  }
  /** A record as an older version of the app wrote it: the envelope, `kind` and `schemaversion` metadata, no inline copy. */
  async function writeLegacy(r: ModelReplicaRecord): Promise<string> {
    const body = JSON.stringify({ schemaVersion: 1, kind: 'replica', updatedAt: '2026-02-01T00:00:00.000Z', data: r });
    await direct.getBlockBlobClient(keyOf(r)).upload(body, Buffer.byteLength(body), {
      metadata: { kind: 'replica', schemaversion: '1' },
    });
    return body;
  }
  async function metadataOf(key: string): Promise<Record<string, string>> {
    return (await direct.getBlobClient(key).getProperties()).metadata ?? {};
  }
  async function listed(
    store: DocumentStore<ModelReplicaRecord>,
    prefix = 'replicas/',
  ): Promise<StoredDocument<ModelReplicaRecord>[]> {
    const out: StoredDocument<ModelReplicaRecord>[] = [];
    for await (const d of store.list(prefix)) out.push(d);
    return out;
  }
  const tamper = (envelope: unknown): string => Buffer.from(JSON.stringify(envelope)).toString('base64url');

  it('writes the envelope into the metadata (base64url) next to kind and schemaversion', async () => {
    // Prepare
    const store = new DocumentStore(direct, REPLICA_DOCUMENT, { clock });
    const r = record(1);
    // Act
    await store.create(keyOf(r), r);
    // Assess
    const metadata = await metadataOf(keyOf(r));
    const body = (await direct.getBlobClient(keyOf(r)).downloadToBuffer()).toString('utf8');
    expect(metadata).toEqual({ kind: 'replica', schemaversion: '1', doc: Buffer.from(body).toString('base64url') });
  });

  it('lists 3000 replica records with one listing request and no GET', async () => {
    // Prepare
    const records = Array.from({ length: 3000 }, (_, i) => record(i));
    await writeAll(new DocumentStore(direct, REPLICA_DOCUMENT, { clock }), records);
    const replicas = new ReplicaRepository(counted, { clock });
    proxy.reset();
    // Act
    const docs = await listed(replicas.store);
    const storeRequests = { list: proxy.count('list'), get: proxy.count('get'), all: proxy.count() };
    proxy.reset();
    const all = await replicas.listAll();
    // Assess
    expect(docs.map((d) => d.value)).toEqual(records);
    expect(docs.every((d) => Object.isFrozen(d.value))).toBe(true);
    expect(storeRequests).toEqual({ list: 1, get: 0, all: 1 });
    expect(all).toEqual(records);
    // listAll also lists the region verifications (none here): two listings, nothing else.
    expect(proxy.requests.map((q) => [q.kind, q.query.get('prefix')])).toEqual(
      expect.arrayContaining([
        ['list', 'replicas/'],
        ['list', 'verifications/'],
      ]),
    );
    expect(proxy.count()).toBe(2);
  });

  it('reads a record written without an inline copy with GET once, then backfills it (kind and schemaversion kept)', async () => {
    // Prepare
    const legacy = record(1);
    const body = await writeLegacy(legacy);
    await new DocumentStore(direct, REPLICA_DOCUMENT, { clock }).create(keyOf(record(2)), record(2));
    const store = new DocumentStore(counted, REPLICA_DOCUMENT, { clock, knownDocuments: 10 });
    // Act
    const first = await listed(store);
    const firstRequests = proxy.requests.map((q) => q.kind);
    proxy.reset();
    const second = await listed(store);
    const secondRequests = proxy.requests.map((q) => q.kind);
    const backfilled = await metadataOf(keyOf(legacy));
    proxy.reset();
    // The remembered ETag is the one after the backfill: the update writes without reading, in one round.
    const updated = await store.update(keyOf(legacy), (c) => (c ? { ...c, attempts: c.attempts + 1 } : c));
    // Assess
    expect(first.map((d) => d.value)).toEqual([legacy, record(2)]);
    expect(firstRequests.sort()).toEqual(['get', 'list', 'setMetadata']);
    expect(secondRequests).toEqual(['list']);
    expect(second.map((d) => d.value)).toEqual([legacy, record(2)]);
    expect(second[0].etag).toBe(first[0].etag);
    expect(second[0].updatedAt).toBe('2026-02-01T00:00:00.000Z');
    expect(backfilled).toEqual({
      kind: 'replica',
      schemaversion: '1',
      doc: Buffer.from(body).toString('base64url'),
    });
    expect(updated).toMatchObject({ changed: true, attempts: 1, value: { attempts: 2 } });
    expect(proxy.requests.map((q) => q.kind)).toEqual(['put']);
  });

  it('a backfill that loses a race to a writer (412) is ignored and overwrites nothing', async () => {
    // Prepare
    const legacy = record(1);
    await writeLegacy(legacy);
    const other = new DocumentStore(direct, REPLICA_DOCUMENT, { clock });
    // The writer lands between the listing's GET and its backfill.
    const racing = new Proxy(counted, {
      get(target, prop, receiver) {
        if (prop !== 'getBlobClient') return Reflect.get(target, prop, receiver) as unknown;
        return (name: string) => {
          const blob = target.getBlobClient(name);
          return new Proxy(blob, {
            get(b, p2, r2) {
              if (p2 !== 'setMetadata') return Reflect.get(b, p2, r2) as unknown;
              return async (...args: Parameters<typeof blob.setMetadata>) => {
                await other.update(name, (c) => (c ? { ...c, attempts: 7 } : c));
                return blob.setMetadata(...args);
              };
            },
          });
        };
      },
    });
    const store = new DocumentStore(racing, REPLICA_DOCUMENT, { clock, knownDocuments: 10 });
    // Act
    const docs = await listed(store);
    const after = await listed(new DocumentStore(counted, REPLICA_DOCUMENT, { clock }));
    // Assess
    expect(docs.map((d) => d.value.attempts)).toEqual([1]);
    expect(after.map((d) => d.value.attempts)).toEqual([7]);
    expect(proxy.requests.filter((q) => q.kind === 'setMetadata')).toHaveLength(1);
    // What the store remembers is not the stale ETag: the next update re-reads and lands.
    await expect(
      store.update(keyOf(legacy), (c) => (c ? { ...c, attempts: c.attempts + 1 } : c)),
    ).resolves.toMatchObject({ changed: true, value: { attempts: 8 } });
  });

  it('reads a record too large for an inline copy with GET, every time, and never writes it into the metadata', async () => {
    // Prepare
    const replicas = new ReplicaRepository(direct, { clock });
    const base = { sourceModelId: 'big', region: 'eastus2', targetResourceId: TARGET_RID, runId: 'run-1' };
    await replicas.markInProgress(base);
    // 2000 characters of two UTF-8 bytes each: more than the metadata may hold.
    await replicas.markFailed({ ...base, error: { kind: 'transient', code: '500', message: 'é'.repeat(2000) } });
    await replicas.markReplicated({ ...attempt(2), targetModelId: 'target-2' });
    const store = new DocumentStore(counted, REPLICA_DOCUMENT, { clock });
    proxy.reset();
    // Act
    const first = await listed(store);
    const firstRequests = proxy.requests.map((q) => q.kind).sort();
    proxy.reset();
    await listed(store);
    // Assess
    expect(first.map((d) => d.value.sourceModelId)).toEqual(['big', 'model-00002']);
    expect(first[0].value.lastError?.message).toBe('é'.repeat(2000));
    expect(firstRequests).toEqual(['get', 'list']);
    expect(proxy.requests.map((q) => q.kind).sort()).toEqual(['get', 'list']);
    expect(await metadataOf(ReplicaRepository.key('big', 'eastus2'))).toEqual({ kind: 'replica', schemaversion: '1' });
    const envelope = (await direct.getBlobClient(ReplicaRepository.key('big', 'eastus2')).downloadToBuffer()).length;
    expect(Math.ceil((envelope * 4) / 3)).toBeGreaterThan(MAX_INLINE_DOCUMENT_CHARS);
  });

  function attempt(i: number): { sourceModelId: string; region: string; targetResourceId: string; runId: string } {
    return { sourceModelId: record(i).sourceModelId, region: 'eastus2', targetResourceId: TARGET_RID, runId: 'run-1' };
  }

  it.each([
    [
      'of another kind',
      { schemaVersion: 1, kind: 'pendingTarget', updatedAt: '2026-03-01T00:00:00Z', data: record(1) },
    ],
    [
      'with invalid data',
      { schemaVersion: 1, kind: 'replica', updatedAt: '2026-03-01T00:00:00Z', data: { state: 'ok' } },
    ],
    [
      'with a newer schema version',
      { schemaVersion: 9, kind: 'replica', updatedAt: '2026-03-01T00:00:00Z', data: record(1) },
    ],
    [
      'valid, but not what the blob holds',
      {
        schemaVersion: 1,
        kind: 'replica',
        updatedAt: '2026-03-01T00:00:00.000Z',
        data: record(1, { targetModelId: 'forged' }),
      },
    ],
  ])('never trusts an inline copy %s: the blob is read with GET (and its copy repaired)', async (_name, envelope) => {
    // Prepare
    const r = record(1);
    await new DocumentStore(direct, REPLICA_DOCUMENT, { clock }).create(keyOf(r), r);
    await direct.getBlobClient(keyOf(r)).setMetadata({ kind: 'replica', schemaversion: '1', doc: tamper(envelope) });
    const store = new DocumentStore(counted, REPLICA_DOCUMENT, { clock });
    // Act
    const docs = await listed(store);
    const requests = proxy.requests.map((q) => q.kind).sort();
    proxy.reset();
    const again = await listed(store);
    // Assess
    expect(docs.map((d) => d.value)).toEqual([r]);
    expect(requests).toEqual(['get', 'list', 'setMetadata']);
    expect(again.map((d) => d.value)).toEqual([r]);
    expect(proxy.requests.map((q) => q.kind)).toEqual(['list']);
  });

  it('a valid inline copy does not hide a corrupt blob: listing throws naming the key', async () => {
    // Prepare
    const r = record(1);
    const key = keyOf(r);
    const good = JSON.stringify({ schemaVersion: 1, kind: 'replica', updatedAt: '2026-03-01T00:00:00.000Z', data: r });
    await direct.getBlockBlobClient(key).upload('{"schemaVersion":', 17, {
      metadata: { kind: 'replica', schemaversion: '1', doc: Buffer.from(good).toString('base64url') },
    });
    const store = new DocumentStore(counted, REPLICA_DOCUMENT, { clock });
    // Act
    const err = await listed(store).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(LedgerCorruptDocumentError);
    expect(err).toMatchObject({ key });
  });

  it('a corrupt inline copy (not base64url, not JSON) falls back to GET', async () => {
    // Prepare
    const r = record(1);
    await new DocumentStore(direct, REPLICA_DOCUMENT, { clock }).create(keyOf(r), r);
    await direct.getBlobClient(keyOf(r)).setMetadata({ kind: 'replica', schemaversion: '1', doc: 'not+base64/url=' });
    await new DocumentStore(direct, REPLICA_DOCUMENT, { clock }).create(keyOf(record(2)), record(2));
    await direct
      .getBlobClient(keyOf(record(2)))
      .setMetadata({ kind: 'replica', schemaversion: '1', doc: Buffer.from('{"sch').toString('base64url') });
    const store = new DocumentStore(counted, REPLICA_DOCUMENT, { clock });
    // Act
    const docs = await listed(store);
    // Assess
    expect(docs.map((d) => d.value)).toEqual([r, record(2)]);
    expect(proxy.count('get')).toBe(2);
  });

  it('gives ETags from the listing that a following conditional write accepts (and a stale one does not)', async () => {
    // Prepare
    const r = record(1);
    const writer = new DocumentStore(direct, REPLICA_DOCUMENT, { clock });
    await writer.create(keyOf(r), r);
    const store = new DocumentStore(counted, REPLICA_DOCUMENT, { clock });
    // Act
    const [doc] = await listed(store);
    const keys = [];
    for await (const k of store.listKeys('replicas/')) keys.push(k);
    const fetched = await store.get(keyOf(r));
    const replaced = await store.replace(keyOf(r), { ...r, attempts: 2 }, doc.etag);
    const stale = await store.replace(keyOf(r), { ...r, attempts: 3 }, doc.etag);
    // Assess
    expect(doc.etag).toBe(fetched?.etag);
    expect(keys).toEqual([{ key: keyOf(r), etag: fetched?.etag }]);
    expect(replaced).toEqual({ written: true, etag: expect.any(String) });
    expect(stale).toEqual({ written: false });
    expect((await writer.get(keyOf(r)))?.value.attempts).toBe(2);
  });

  it('keeps key order across pages when inline and legacy records mix, and a consumer may stop early', async () => {
    // Prepare
    const records = Array.from({ length: 12 }, (_, i) => record(i));
    const writer = new DocumentStore(direct, REPLICA_DOCUMENT, { clock });
    for (const r of records) {
      if (Number(r.sourceModelId.slice(-2)) % 3 === 0) await writeLegacy(r);
      else await writer.create(keyOf(r), r);
    }
    const store = new DocumentStore(counted, REPLICA_DOCUMENT, { clock, listReadConcurrency: 2 });
    // Act
    const docs = [];
    for await (const d of store.list('replicas/', { pageSize: 5 })) docs.push(d.value);
    const firstTwo = [];
    for await (const d of store.list('replicas/', { pageSize: 5 })) {
      firstTwo.push(d.value.sourceModelId);
      if (firstTwo.length === 2) break;
    }
    // Assess
    expect(docs).toEqual(records);
    expect(firstTwo).toEqual([records[0].sourceModelId, records[1].sourceModelId]);
  });

  it("lets the dashboard's ReplicaSnapshot refresh by listing only: records inline, unchanged verification documents not read again", async () => {
    // Prepare
    const records = Array.from({ length: 5 }, (_, i) => record(i));
    await writeAll(new DocumentStore(direct, REPLICA_DOCUMENT, { clock }), records);
    const replicas = new ReplicaRepository(counted, { clock });
    await replicas.verifications.record({
      region: records[0].region,
      targetResourceId: records[0].targetResourceId,
      runId: 'run-v',
      verifiedAt: '2026-05-01T12:00:00.000Z',
      pairs: { [records[0].sourceModelId]: records[0].targetModelId ?? '' },
    });
    const snapshot = new ReplicaSnapshot(replicas);
    const first = await snapshot.refresh();
    proxy.reset();
    // Act
    const again = await snapshot.refresh();
    // Assess: the same answer (the region document applied), from two listings and no read
    expect(again).toBe(first);
    expect(again).toHaveLength(5);
    expect(again.find((r) => r.sourceModelId === records[0].sourceModelId)?.lastVerifiedAt).toBe(
      '2026-05-01T12:00:00.000Z',
    );
    expect(proxy.requests.map((q) => q.kind)).toEqual(['list', 'list']);
  });
});
