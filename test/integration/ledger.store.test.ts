import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { useAzurite } from '../support/azurite';
import { ledgerContainers } from '../support/ledger';
import { VirtualClock } from '../../dev/clock';
import {
  DocumentStore,
  LedgerConflictError,
  LedgerCorruptDocumentError,
  LedgerError,
  LedgerKeyError,
  LedgerSchemaVersionError,
  LedgerSecretError,
  LedgerValidationError,
  hasShape,
  isCount,
  isString,
  ledgerKey,
  optional,
  type DocumentType,
} from '../../src/ledger';

interface Counter {
  count: number;
  note?: string;
}
const COUNTER: DocumentType<Counter> = {
  kind: 'counter',
  schemaVersion: 2,
  isData: (v: unknown): v is Counter => hasShape<Counter>(v, { count: isCount, note: optional(isString) }),
  upgrade: (data, from) => (from === 1 ? { count: (data as { n: number }).n } : data),
};

describe('ledger DocumentStore (Azurite)', () => {
  const azurite = useAzurite();
  const containers = ledgerContainers(azurite, 'ledger-store');
  let service: BlobServiceClient;
  let container: ContainerClient;
  let clock: VirtualClock;
  let store: DocumentStore<Counter>;

  beforeAll(() => {
    service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  });
  beforeEach(async () => {
    container = containers.next();
    await container.create();
    clock = new VirtualClock('2026-03-01T00:00:00Z');
    store = new DocumentStore(container, COUNTER, { clock });
  });

  async function rawWrite(key: string, body: string): Promise<void> {
    await container.getBlockBlobClient(key).upload(body, Buffer.byteLength(body));
  }
  async function rawRead(key: string): Promise<unknown> {
    return JSON.parse((await container.getBlobClient(key).downloadToBuffer()).toString('utf8'));
  }

  it('creates a document once, in an envelope stamped by the clock', async () => {
    // Prepare
    const key = ledgerKey(['counters', 'a']);
    // Act
    const first = await store.create(key, { count: 1 });
    const second = await store.create(key, { count: 2 });
    const doc = await store.get(key);
    // Assess
    expect(first).toEqual({ created: true, etag: expect.any(String) });
    expect(second).toEqual({ created: false, reason: 'exists' });
    expect(doc).toEqual({
      key,
      value: { count: 1 },
      etag: first.created ? first.etag : '',
      updatedAt: '2026-03-01T00:00:00.000Z',
    });
    expect(await rawRead(key)).toEqual({
      schemaVersion: 2,
      kind: 'counter',
      updatedAt: '2026-03-01T00:00:00.000Z',
      data: { count: 1 },
    });
    expect(Object.isFrozen(doc!.value)).toBe(true);
  });

  it('returns undefined for a missing document', async () => {
    expect(await store.get('counters/none')).toBeUndefined();
  });

  it('updates with optimistic concurrency and writes nothing when fn returns the same value or undefined', async () => {
    // Prepare
    const key = 'counters/b';
    // Act
    const created = await store.update(key, (c) => ({ count: (c?.count ?? 0) + 1 }));
    clock.advance(60_000);
    const incremented = await store.update(key, (c) => ({ count: (c?.count ?? 0) + 1 }));
    clock.advance(60_000);
    const same = await store.update(key, (c) => c);
    const none = await store.update(key, () => undefined);
    const absent = await store.update('counters/absent', () => undefined);
    // Assess
    expect(created).toMatchObject({ value: { count: 1 }, changed: true, attempts: 1 });
    expect(incremented).toMatchObject({ value: { count: 2 }, changed: true });
    expect(same).toEqual({ value: { count: 2 }, etag: incremented.etag, changed: false, attempts: 1 });
    expect(none.etag).toBe(incremented.etag);
    expect(absent).toEqual({ value: undefined, etag: undefined, changed: false, attempts: 1 });
    expect((await store.get(key))?.updatedAt).toBe('2026-03-01T00:01:00.000Z');
    expect(await store.get('counters/absent')).toBeUndefined();
  });

  it('passes a frozen current value to fn, so in-place changes cannot masquerade as "no change"', async () => {
    // Prepare
    await store.create('counters/frozen', { count: 1 });
    // Act
    const act = store.update('counters/frozen', (c) => {
      (c as Counter).count++;
      return c;
    });
    // Assess
    await expect(act).rejects.toThrow(TypeError);
    expect((await store.get('counters/frozen'))?.value.count).toBe(1);
  });

  it('loses no update under 20 concurrent writers on one key', async () => {
    // Prepare
    const key = 'counters/contended';
    const writers = new DocumentStore(container, COUNTER, { clock, maxRetryDelayMs: 50 });
    // Act
    const results = await Promise.all(
      Array.from({ length: 20 }, () => writers.update(key, (c) => ({ count: (c?.count ?? 0) + 1 }))),
    );
    // Assess
    expect((await store.get(key))?.value.count).toBe(20);
    expect(results.map((r) => r.value?.count).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(results.some((r) => r.attempts > 1)).toBe(true);
  });

  /** A container whose next `times` conditional writes lose a race: another writer stores `count: 100 + i` first. */
  function interfering(times: number): ContainerClient {
    let left = times;
    return new Proxy(container, {
      get(target, prop, receiver) {
        if (prop !== 'getBlockBlobClient') return Reflect.get(target, prop, receiver) as unknown;
        return (name: string) => {
          const real = target.getBlockBlobClient(name);
          return new Proxy(real, {
            get(blob, p2, r2) {
              if (p2 !== 'upload') return Reflect.get(blob, p2, r2) as unknown;
              return async (...args: Parameters<typeof real.upload>) => {
                if (left-- > 0) {
                  const body = JSON.stringify({
                    schemaVersion: 2,
                    kind: 'counter',
                    updatedAt: '2026-03-01T00:00:00Z',
                    data: { count: 100 + (times - left - 1) },
                  });
                  await blob.upload(body, Buffer.byteLength(body));
                }
                return blob.upload(...args);
              };
            },
          });
        };
      },
    });
  }

  it("retries after losing a race to a concurrent update (412), re-applying fn to the winner's value", async () => {
    // Prepare
    await store.create('counters/race412', { count: 5 });
    const racing = new DocumentStore(interfering(1), COUNTER, { clock });
    // Act
    const result = await racing.update('counters/race412', (c) => ({ count: (c?.count ?? 0) + 1 }));
    // Assess
    expect(result).toMatchObject({ value: { count: 101 }, changed: true, attempts: 2 });
    expect((await store.get('counters/race412'))?.value.count).toBe(101);
  });

  it('retries after losing a race to a concurrent create (409)', async () => {
    // Prepare
    const racing = new DocumentStore(interfering(1), COUNTER, { clock });
    // Act
    const result = await racing.update('counters/race409', (c) => ({ count: (c?.count ?? 0) + 1 }));
    // Assess
    expect(result).toMatchObject({ value: { count: 101 }, changed: true, attempts: 2 });
  });

  it('gives up with LedgerConflictError after its bound of attempts', async () => {
    // Prepare
    await store.create('counters/hot', { count: 0 });
    const racing = new DocumentStore(interfering(1000), COUNTER, { clock, maxUpdateAttempts: 3, maxRetryDelayMs: 1 });
    // Act
    const err = await racing.update('counters/hot', (c) => ({ count: (c?.count ?? 0) + 1 })).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(LedgerConflictError);
    expect(err).toMatchObject({ key: 'counters/hot', attempts: 3 });
    expect((await store.get('counters/hot'))?.value.count).toBe(102);
  });

  it('with knownDocuments, writes a remembered document without reading it, and re-reads when another writer got there first', async () => {
    // Prepare
    const remembering = new DocumentStore(container, COUNTER, { clock, knownDocuments: 10 });
    const other = new DocumentStore(container, COUNTER, { clock });
    const download = jest.spyOn(container, 'getBlobClient');
    await remembering.create('counters/known', { count: 1 });
    download.mockClear();
    // Act
    const fast = await remembering.update('counters/known', (c) => ({ count: (c?.count ?? 0) + 1 }));
    const readsForFast = download.mock.calls.length;
    await other.update('counters/known', (c) => ({ count: (c?.count ?? 0) + 10 }));
    const raced = await remembering.update('counters/known', (c) => ({ count: (c?.count ?? 0) + 1 }));
    await other.update('counters/known', () => ({ count: 50 }));
    const unchanged = await remembering.update('counters/known', (c) => (c && c.count >= 13 ? c : { count: 13 }));
    const absentFirst = await remembering.get('counters/later');
    await other.create('counters/later', { count: 7 });
    const createdMeanwhile = await remembering.update('counters/later', (c) => ({ count: (c?.count ?? 0) + 1 }));
    download.mockRestore();
    // Assess
    expect(readsForFast).toBe(0);
    expect(fast).toMatchObject({ value: { count: 2 }, changed: true, attempts: 1 });
    expect(raced).toMatchObject({ value: { count: 13 }, changed: true, attempts: 2 });
    expect(unchanged).toMatchObject({ value: { count: 50 }, changed: false });
    expect(absentFirst).toBeUndefined();
    expect(createdMeanwhile).toMatchObject({ value: { count: 8 }, changed: true, attempts: 2 });
    expect((await store.get('counters/known'))?.value.count).toBe(50);
    expect((await store.get('counters/later'))?.value.count).toBe(8);
  });

  it('deletes, honouring an ETag', async () => {
    // Prepare
    const created = await store.create('counters/del', { count: 1 });
    const etag = created.created ? created.etag : '';
    await store.update('counters/del', () => ({ count: 2 }));
    // Act / Assess
    await expect(store.delete('counters/del', etag)).rejects.toBeInstanceOf(LedgerConflictError);
    const current = await store.get('counters/del');
    expect(await store.delete('counters/del', current!.etag)).toBe(true);
    expect(await store.delete('counters/del')).toBe(false);
    expect(await store.get('counters/del')).toBeUndefined();
  });

  it('lists every document under a prefix across pages, in key order', async () => {
    // Prepare
    const ids = Array.from({ length: 23 }, (_, i) => `model ${String(i).padStart(2, '0')}/x?y`);
    for (const id of ids) await store.create(ledgerKey(['list', id]), { count: 1 });
    await store.create(ledgerKey(['other', 'z']), { count: 1 });
    // Act
    const docs = [];
    for await (const d of store.list('list/', { pageSize: 5 })) docs.push(d);
    const keys = [];
    for await (const k of store.listKeys('list/', { pageSize: 4 })) keys.push(k.key);
    // Assess
    expect(docs).toHaveLength(23);
    expect(docs.map((d) => d.key)).toEqual(ids.map((id) => ledgerKey(['list', id])));
    expect(keys).toEqual(docs.map((d) => d.key));
  });

  it.each([
    ['not JSON', '{"schemaVersion":', /is corrupt: not JSON/],
    ['not an object', '[1,2]', /not a JSON object/],
    [
      'no schema version',
      JSON.stringify({ kind: 'counter', updatedAt: '2026-01-01T00:00:00Z', data: { count: 1 } }),
      /no valid schemaVersion/,
    ],
    [
      'another kind',
      JSON.stringify({ schemaVersion: 2, kind: 'replica', updatedAt: '2026-01-01T00:00:00Z', data: { count: 1 } }),
      /holds a "replica", expected a "counter"/,
    ],
    ['no updatedAt', JSON.stringify({ schemaVersion: 2, kind: 'counter', data: { count: 1 } }), /no valid updatedAt/],
    ['no data', JSON.stringify({ schemaVersion: 2, kind: 'counter', updatedAt: '2026-01-01T00:00:00Z' }), /no data/],
    [
      'data of the wrong shape',
      JSON.stringify({ schemaVersion: 2, kind: 'counter', updatedAt: '2026-01-01T00:00:00Z', data: { count: -1 } }),
      /data is not a valid counter/,
    ],
  ])('a corrupt blob (%s) gives a typed error naming the key', async (_name, body, message) => {
    // Prepare
    const key = 'counters/corrupt';
    await rawWrite(key, body);
    // Act
    const err = await store.get(key).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(LedgerCorruptDocumentError);
    expect(err).toMatchObject({ key, name: 'LedgerCorruptDocumentError' });
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain(key);
    await expect(store.update(key, (c) => c)).rejects.toBeInstanceOf(LedgerCorruptDocumentError);
  });

  it('refuses a newer schema version clearly, and upgrades an older one', async () => {
    // Prepare
    await rawWrite(
      'counters/newer',
      JSON.stringify({
        schemaVersion: 3,
        kind: 'counter',
        updatedAt: '2026-01-01T00:00:00Z',
        data: { count: 1, extra: true },
      }),
    );
    await rawWrite(
      'counters/older',
      JSON.stringify({ schemaVersion: 1, kind: 'counter', updatedAt: '2026-01-01T00:00:00Z', data: { n: 7 } }),
    );
    const noUpgrade = new DocumentStore(container, { ...COUNTER, upgrade: undefined }, { clock });
    // Act
    const newer = await store.get('counters/newer').catch((e: unknown) => e);
    const older = await store.get('counters/older');
    const olderWithoutUpgrade = await noUpgrade.get('counters/older').catch((e: unknown) => e);
    await store.update('counters/older', (c) => ({ count: c!.count + 1 }));
    // Assess
    expect(newer).toBeInstanceOf(LedgerSchemaVersionError);
    expect(newer).toMatchObject({ key: 'counters/newer', found: 3, supported: 2 });
    expect((newer as Error).message).toContain('schema version 3, newer than the 2 this code reads');
    expect(older?.value).toEqual({ count: 7 });
    expect(olderWithoutUpgrade).toBeInstanceOf(LedgerSchemaVersionError);
    expect(await rawRead('counters/older')).toMatchObject({ schemaVersion: 2, data: { count: 8 } });
    await expect(store.update('counters/newer', () => ({ count: 0 }))).rejects.toBeInstanceOf(LedgerSchemaVersionError);
  });

  it.each([
    ['a field named accessToken', { count: 1, accessToken: 'abc' }, '$.accessToken'],
    ['a nested key', { count: 1, auth: { key: 'abc' } }, '$.auth.key'],
    ['a sasToken', { count: 1, sasToken: 'sv=1' }, '$.sasToken'],
    ['a copy authorization', { count: 1, copyAuthorization: { modelId: 'm' } }, '$.copyAuthorization'],
    ['a SAS URL in a string', { count: 1, note: 'https://a.blob.core.windows.net/c/b?sv=2024&sig=abcdef' }, '$.note'],
    ['a connection string', { count: 1, note: 'AccountName=a;AccountKey=abc==' }, '$.note'],
    ['a bearer token', { count: 1, note: 'Authorization: Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi' }, '$.note'],
  ])('refuses to store a secret: %s', async (_name, value, path) => {
    // Act
    const err = await store.create('counters/secret', value as Counter).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(LedgerSecretError);
    expect(err).toMatchObject({ key: 'counters/secret', path });
    expect((err as Error).message).not.toContain('abc');
    expect(await store.get('counters/secret')).toBeUndefined();
  });

  it('allows harmless fields that merely mention keys (keySetting, tokenExpiresAt is not a token)', async () => {
    // Prepare
    const value = {
      count: 1,
      keySetting: 'DR_TARGET_KEY',
      tokenExpiresAt: '2026-03-02T00:00:00Z',
      note: 'Authorization failure due to missing or invalid authorization claims.',
    } as Counter;
    // Act / Assess
    await expect(store.create('counters/harmless', value)).resolves.toMatchObject({ created: true });
  });

  it('refuses to write a value that fails the type guard', async () => {
    await expect(store.create('counters/invalid', { count: 1.5 })).rejects.toBeInstanceOf(LedgerValidationError);
    await expect(store.update('counters/invalid', () => ({ count: -1 }))).rejects.toBeInstanceOf(LedgerValidationError);
  });

  it.each([
    ['empty', ''],
    ['absolute', '/abs'],
    ['an empty segment', 'a//b'],
    ['a .. segment', 'a/../b'],
    ['a . segment', 'a/./b'],
    ['a space', 'a b'],
    ['a query character', 'a?b'],
    ['a leading dot', '.hidden'],
    ['1025 characters', 'x'.repeat(1025)],
  ])('rejects an unsafe key: %s', async (_name, key) => {
    await expect(store.get(key)).rejects.toBeInstanceOf(LedgerKeyError);
  });

  it('names a missing container instead of treating it as a missing document', async () => {
    // Prepare
    const missing = new DocumentStore(service.getContainerClient('no-such-container'), COUNTER, { clock });
    // Act / Assess
    await expect(missing.get('counters/a')).rejects.toThrow(/Ledger container "no-such-container" does not exist/);
    await expect(missing.update('counters/a', () => ({ count: 1 }))).rejects.toBeInstanceOf(LedgerError);
  });
});
