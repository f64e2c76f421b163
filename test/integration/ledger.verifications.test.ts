/**
 * Region verification documents (issue 14): one write per region refreshes "verified now" for
 * all its pairs; the replica listing readers, and so the health model, age pairs from them.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { useAzurite } from '../support/azurite';
import { startCountingProxy, type CountingProxy } from '../support/countingProxy';
import { VirtualClock } from '../../dev/clock';
import { loadReadModel } from '../../src/readModel';
import {
  createLedgerContainerClient,
  LedgerValidationError,
  openLedger,
  ReplicaRepository,
  VerificationRepository,
  type Ledger,
  type ModelReplicaRecord,
} from '../../src/ledger';

const TARGET_RID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/tgt';
const OTHER_RID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/other';
const HOUR = 3_600_000;

describe('region verification documents (Azurite)', () => {
  const azurite = useAzurite();
  let proxy: CountingProxy;
  let n = 0;
  let container: ContainerClient;
  let clock: VirtualClock;
  let ledger: Ledger;

  beforeAll(async () => {
    proxy = await startCountingProxy(azurite);
  });
  afterAll(async () => {
    await proxy?.stop();
  });
  beforeEach(async () => {
    container = createLedgerContainerClient({ connectionString: proxy.connectionString }, `ledger-verif-${++n}`);
    clock = new VirtualClock('2026-03-10T00:00:00Z');
    ledger = await openLedger(container, { clock });
    proxy.reset();
  });

  const iso = (ms: number): string => new Date(ms).toISOString();
  const record = (sourceModelId: string, over: Partial<ModelReplicaRecord> = {}): ModelReplicaRecord => ({
    sourceModelId,
    region: 'eastus2',
    targetResourceId: TARGET_RID,
    targetModelId: `t-${sourceModelId}`,
    state: 'replicated',
    lastVerifiedAt: iso(clock.now() - 30 * HOUR),
    lastAttemptAt: iso(clock.now() - 30 * HOUR),
    lastRunId: 'run-0',
    attempts: 1,
    ...over,
  });
  async function put(...records: ModelReplicaRecord[]): Promise<void> {
    for (const r of records) await ledger.replicas.store.create(ReplicaRepository.key(r.sourceModelId, r.region), r);
  }
  const health = (regions = ['eastus2']) => loadReadModel(ledger, { regions, rpoHours: 26, now: clock.now() });

  describe('record', () => {
    it('writes one document per region, pairs sorted, from an object or entries; the same again writes nothing', async () => {
      // Act
      const first = await ledger.verifications.record({
        region: 'eastus2',
        targetResourceId: TARGET_RID,
        runId: 'run-1',
        verifiedAt: iso(clock.now()),
        pairs: { b: 't-b', a: 't-a' },
      });
      const again = await ledger.verifications.record({
        region: 'eastus2',
        targetResourceId: TARGET_RID,
        runId: 'run-1',
        verifiedAt: new Date(clock.now()),
        pairs: new Map([
          ['a', 't-a'],
          ['b', 't-b'],
        ]),
      });
      // Assess
      expect(first).toEqual({
        changed: true,
        verification: {
          region: 'eastus2',
          targetResourceId: TARGET_RID,
          runId: 'run-1',
          verifiedAt: '2026-03-10T00:00:00.000Z',
          pairs: [
            ['a', 't-a'],
            ['b', 't-b'],
          ],
        },
      });
      expect(again).toEqual({ changed: false, verification: first.verification });
      expect(await ledger.verifications.get('eastus2')).toEqual(first.verification);
      expect(proxy.requests.filter((q) => q.kind === 'put').map((q) => q.path)).toEqual([
        expect.stringMatching(/\/verifications\/eastus2\.json$/),
      ]);
    });

    it('a later verification replaces an earlier one; an earlier one never replaces a later one', async () => {
      // Prepare
      const at = (h: number, runId: string, target: string) => ({
        region: 'eastus2',
        targetResourceId: TARGET_RID,
        runId,
        verifiedAt: iso(clock.now() + h * HOUR),
        pairs: { a: target },
      });
      // Act
      await ledger.verifications.record(at(0, 'run-1', 't-1'));
      const later = await ledger.verifications.record(at(2, 'run-3', 't-3'));
      const earlier = await ledger.verifications.record(at(1, 'run-2', 't-2'));
      // A second process (nothing remembered) with an older verification
      const other = new VerificationRepository(
        createLedgerContainerClient({ connectionString: azurite.connectionString }, container.containerName),
      );
      const fromOther = await other.record(at(1, 'run-2', 't-2'));
      // Assess
      expect(later.changed).toBe(true);
      expect(earlier).toEqual({ changed: false, verification: later.verification });
      expect(fromOther.changed).toBe(false);
      expect(await ledger.verifications.get('eastus2')).toMatchObject({ runId: 'run-3', pairs: [['a', 't-3']] });
    });

    it('refreshes 5000 pairs with one write (and nothing else when this process wrote the document before)', async () => {
      // Prepare
      const pairs = new Map(Array.from({ length: 5000 }, (_, i) => [`model-${i}`, `target-${i}`] as const));
      await ledger.verifications.record({ region: 'westus3', targetResourceId: TARGET_RID, runId: 'run-1', pairs });
      clock.advance(HOUR);
      proxy.reset();
      // Act
      const next = await ledger.verifications.record({
        region: 'westus3',
        targetResourceId: TARGET_RID,
        runId: 'run-2',
        pairs,
      });
      // Assess
      expect(next.changed).toBe(true);
      expect(next.verification.pairs).toHaveLength(5000);
      expect(proxy.requests.map((q) => q.kind)).toEqual(['put']);
    });

    it('stores model ids named like secrets (they are values, never field names)', async () => {
      // Act
      const result = await ledger.verifications.record({
        region: 'eastus2',
        targetResourceId: TARGET_RID,
        runId: 'run-1',
        pairs: { token: 't-1', 'my-api-key': 't-2' },
      });
      // Assess
      expect(result.changed).toBe(true);
      expect((await ledger.verifications.get('eastus2'))?.pairs).toEqual([
        ['my-api-key', 't-2'],
        ['token', 't-1'],
      ]);
    });

    it.each([
      ['an empty source model id', { '': 't-1' }, 'r'],
      ['an empty target model id', { a: '' }, 'r'],
      ['an id over 1024 characters', { a: 'x'.repeat(1025) }, 'r'],
      ['an empty run id', { a: 't-1' }, ''],
    ])('refuses a document with %s', async (_name, pairs, runId) => {
      const act = ledger.verifications.record({ region: 'eastus2', targetResourceId: TARGET_RID, runId, pairs });
      await expect(act).rejects.toBeInstanceOf(LedgerValidationError);
    });
  });

  describe('replica readers', () => {
    it('age a pair from the region document: verified 30 h ago, listed ready 1 h ago → healthy at an RPO of 26 h', async () => {
      // Prepare
      await put(record('m1'));
      const before = await health();
      await ledger.verifications.record({
        region: 'eastus2',
        targetResourceId: TARGET_RID.toUpperCase(),
        runId: 'run-1',
        verifiedAt: iso(clock.now() - HOUR),
        pairs: { m1: 't-m1' },
      });
      // Act
      const after = await health();
      const all = await ledger.replicas.listAll();
      const forModel = await ledger.replicas.listForModel('m1');
      const raw = await ledger.replicas.get('m1', 'eastus2');
      // Assess
      expect(before.health.replicas.pairs).toEqual([
        expect.objectContaining({ sourceModelId: 'm1', health: 'degraded', ageSeconds: 30 * 3600 }),
      ]);
      expect(after.health.replicas.pairs).toEqual([
        expect.objectContaining({ sourceModelId: 'm1', health: 'healthy', ageSeconds: 3600, overRpo: false }),
      ]);
      expect(after.health.health).toBe('healthy');
      expect(all.map((r) => r.lastVerifiedAt)).toEqual([iso(clock.now() - HOUR)]);
      expect(Object.isFrozen(all[0])).toBe(true);
      expect(forModel).toEqual(all);
      // `get` is the record as stored (what the copy flow decides on).
      expect(raw?.lastVerifiedAt).toBe(iso(clock.now() - 30 * HOUR));
    });

    it('keep the record’s own verification when it is later than the document’s', async () => {
      // Prepare
      await put(record('m1', { lastVerifiedAt: iso(clock.now() - 2 * HOUR) }));
      await ledger.verifications.record({
        region: 'eastus2',
        targetResourceId: TARGET_RID,
        runId: 'run-1',
        verifiedAt: iso(clock.now() - 5 * HOUR),
        pairs: { m1: 't-m1' },
      });
      // Act / Assess
      expect((await ledger.replicas.listAll()).map((r) => r.lastVerifiedAt)).toEqual([iso(clock.now() - 2 * HOUR)]);
    });

    it.each([
      ['names another target model', { region: 'eastus2', targetResourceId: TARGET_RID, pairs: { m1: 't-other' } }],
      ['is about another target resource', { region: 'eastus2', targetResourceId: OTHER_RID, pairs: { m1: 't-m1' } }],
      ['is about another region', { region: 'westus3', targetResourceId: TARGET_RID, pairs: { m1: 't-m1' } }],
      ['does not name the model', { region: 'eastus2', targetResourceId: TARGET_RID, pairs: { m2: 't-m1' } }],
    ])('ignore a document that %s', async (_name, doc) => {
      // Prepare
      await put(record('m1'));
      await ledger.verifications.record({ ...doc, runId: 'run-1', verifiedAt: iso(clock.now() - HOUR) });
      // Act
      const result = await health();
      // Assess
      expect(result.health.replicas.pairs).toEqual([
        expect.objectContaining({ sourceModelId: 'm1', health: 'degraded', ageSeconds: 30 * 3600 }),
      ]);
      expect((await ledger.replicas.listAll())[0].lastVerifiedAt).toBe(iso(clock.now() - 30 * HOUR));
    });

    it.each([
      ['in progress', { state: 'inProgress' as const }],
      ['failed', { state: 'failed' as const, lastError: { kind: 'transient', message: 'boom' } }],
    ])('never make a record that is not replicated ready (%s), even one naming the copy', async (_name, over) => {
      // Prepare
      await put(record('m1', { ...over, lastVerifiedAt: undefined }));
      await ledger.verifications.record({
        region: 'eastus2',
        targetResourceId: TARGET_RID,
        runId: 'run-1',
        verifiedAt: iso(clock.now() - HOUR),
        pairs: { m1: 't-m1' },
      });
      // Act
      const result = await health();
      const [listedRecord] = await ledger.replicas.listAll();
      // Assess
      expect(listedRecord.lastVerifiedAt).toBeUndefined();
      expect(result.health.replicas.pairs).toEqual([
        expect.objectContaining({ sourceModelId: 'm1', health: expect.not.stringMatching(/^healthy$/) }),
      ]);
      expect(result.health.replicas.pairs[0].ageSeconds).toBeUndefined();
    });

    it('read the region documents once per call: listAll = two listings + one GET per region; listForModel = one listing + one GET per region it has', async () => {
      // Prepare
      const regions = ['eastus2', 'westus3', 'northeurope'];
      for (const region of regions) {
        await put(record('m1', { region }), record('m2', { region }));
        await ledger.verifications.record({
          region,
          targetResourceId: TARGET_RID,
          runId: 'run-1',
          verifiedAt: iso(clock.now() - HOUR),
          pairs: { m1: 't-m1', m2: 't-m2' },
        });
      }
      const fresh = await openLedger(container, { clock, createIfMissing: false });
      proxy.reset();
      // Act
      const all = await fresh.replicas.listAll();
      const allRequests = proxy.requests.map(
        (q) => `${q.kind} ${q.query.get('prefix') ?? q.path.split('/').slice(3).join('/')}`,
      );
      proxy.reset();
      const forModel = await fresh.replicas.listForModel('m1');
      const forModelRequests = proxy.requests.map((q) => q.kind).sort();
      // Assess
      expect(all).toHaveLength(6);
      expect(all.every((r) => r.lastVerifiedAt === iso(clock.now() - HOUR))).toBe(true);
      expect(allRequests.sort()).toEqual([
        'get verifications/eastus2.json',
        'get verifications/northeurope.json',
        'get verifications/westus3.json',
        'list replicas/',
        'list verifications/',
      ]);
      expect(forModel).toHaveLength(3);
      expect(forModelRequests).toEqual(['get', 'get', 'get', 'list']);
    });
  });
});
