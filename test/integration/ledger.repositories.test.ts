import type { ContainerClient } from '@azure/storage-blob';
import { useAzurite } from '../support/azurite';
import { ledgerContainers } from '../support/ledger';
import { VirtualClock } from '../../dev/clock';
import { loadSettings } from '../../src/config';
import {
  LedgerSecretError,
  createLedgerContainerClient,
  ledgerConnectionFromSettings,
  openLedger,
  parseReplicaKey,
  ReplicaRepository,
  type Ledger,
  type ReplicaAttempt,
  type RunReport,
} from '../../src/ledger';

const TARGET_RID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/tgt';
const OTHER_RID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/tgt-new';

describe('ledger repositories (Azurite)', () => {
  const azurite = useAzurite();
  const containers = ledgerContainers(azurite, 'ledger-repo');
  let clock: VirtualClock;
  let ledger: Ledger;
  let container: ContainerClient;
  let n = 0;

  beforeEach(async () => {
    clock = new VirtualClock('2026-03-01T00:00:00Z');
    container = containers.next();
    ledger = await openLedger(container, { clock });
  });

  const attempt = (over: Partial<ReplicaAttempt> = {}): ReplicaAttempt => ({
    sourceModelId: 'model-1',
    region: 'eastus2',
    targetResourceId: TARGET_RID,
    runId: 'run-1',
    sourceModelName: 'invoices',
    sourceModelVersion: '2026-02-01T00:00:00Z',
    ...over,
  });

  async function etagOf(sourceModelId: string, region: string): Promise<string | undefined> {
    return (await ledger.replicas.store.get(ReplicaRepository.key(sourceModelId, region)))?.etag;
  }

  describe('ReplicaRepository', () => {
    it('records in progress → replicated with the target id, and re-applying the same success changes nothing', async () => {
      // Act
      const started = await ledger.replicas.markInProgress(attempt());
      clock.advance(30_000);
      const done = await ledger.replicas.markReplicated({ ...attempt(), targetModelId: 'target-1' });
      const etag = await etagOf('model-1', 'eastus2');
      clock.advance(30_000);
      const again = await ledger.replicas.markReplicated({ ...attempt(), targetModelId: 'target-1' });
      // Assess
      expect(started).toEqual({
        changed: true,
        record: {
          sourceModelId: 'model-1',
          sourceModelName: 'invoices',
          sourceModelVersion: '2026-02-01T00:00:00Z',
          region: 'eastus2',
          targetResourceId: TARGET_RID,
          state: 'inProgress',
          lastAttemptAt: '2026-03-01T00:00:00.000Z',
          lastRunId: 'run-1',
          attempts: 1,
        },
      });
      expect(done.record).toMatchObject({
        state: 'replicated',
        targetModelId: 'target-1',
        lastVerifiedAt: '2026-03-01T00:00:30.000Z',
        attempts: 1,
      });
      expect(again).toEqual({ changed: false, record: done.record });
      expect(await etagOf('model-1', 'eastus2')).toBe(etag);
      expect(await ledger.replicas.get('model-1', 'eastus2')).toEqual(done.record);
    });

    it('is idempotent per run for every mark (activities run at least once)', async () => {
      // Act
      await ledger.replicas.markInProgress(attempt());
      const inProgressAgain = await ledger.replicas.markInProgress(attempt());
      await ledger.replicas.markFailed({
        ...attempt(),
        error: { kind: 'transient', code: '500', message: 'Internal error' },
      });
      const failedAgain = await ledger.replicas.markFailed({
        ...attempt(),
        error: { kind: 'transient', code: '500', message: 'Internal error' },
      });
      // Assess
      expect(inProgressAgain.changed).toBe(false);
      expect(failedAgain.changed).toBe(false);
      expect(failedAgain.record).toMatchObject({
        state: 'failed',
        attempts: 1,
        lastError: { kind: 'transient', code: '500' },
      });
    });

    it('counts one attempt per run and refreshes lastVerifiedAt when a later run verifies again', async () => {
      // Prepare
      await ledger.replicas.markInProgress(attempt());
      await ledger.replicas.markReplicated({ ...attempt(), targetModelId: 'target-1' });
      clock.advance(86_400_000);
      // Act
      const rerun = await ledger.replicas.markReplicated({ ...attempt({ runId: 'run-2' }), targetModelId: 'target-1' });
      // Assess
      expect(rerun.record).toMatchObject({
        state: 'replicated',
        attempts: 2,
        lastRunId: 'run-2',
        lastVerifiedAt: '2026-03-02T00:00:00.000Z',
      });
    });

    it('never downgrades a verified replica of the same source version: the failure is recorded separately', async () => {
      // Prepare
      await ledger.replicas.markReplicated({ ...attempt(), targetModelId: 'target-1' });
      clock.advance(3_600_000);
      // Act
      const inProgress = await ledger.replicas.markInProgress(attempt({ runId: 'run-2' }));
      const failed = await ledger.replicas.markFailed({
        ...attempt({ runId: 'run-2' }),
        error: { kind: 'authorizationExpired', code: '1002', message: 'Bad copy request' },
      });
      // Assess
      expect(inProgress.record).toMatchObject({ state: 'replicated', targetModelId: 'target-1' });
      expect(failed.record).toMatchObject({
        state: 'replicated',
        targetModelId: 'target-1',
        lastVerifiedAt: '2026-03-01T00:00:00.000Z',
        lastRunId: 'run-2',
        attempts: 2,
        lastFailedAt: '2026-03-01T01:00:00.000Z',
        lastError: { kind: 'authorizationExpired', code: '1002', message: 'Bad copy request' },
      });
    });

    it.each([
      ['a new source version', attempt({ runId: 'run-2', sourceModelVersion: '2026-02-15T00:00:00Z' })],
      ['another target resource', attempt({ runId: 'run-2', targetResourceId: OTHER_RID })],
    ])('a failure for %s does not count the old copy, which is kept as previousTargetModelId', async (_name, next) => {
      // Prepare
      await ledger.replicas.markReplicated({ ...attempt(), targetModelId: 'target-1' });
      // Act
      const failed = await ledger.replicas.markFailed({ ...next, error: { kind: 'transient', message: 'timeout' } });
      // Assess
      expect(failed.record.state).toBe('failed');
      expect(failed.record.targetModelId).toBeUndefined();
      expect(failed.record.lastVerifiedAt).toBeUndefined();
      expect(failed.record.previousTargetModelId).toBe('target-1');
    });

    it('a success after a failure clears the error; a new target id supersedes the old one', async () => {
      // Prepare
      await ledger.replicas.markReplicated({ ...attempt(), targetModelId: 'target-1' });
      await ledger.replicas.markInProgress(attempt({ runId: 'run-2', sourceModelVersion: 'v2' }));
      await ledger.replicas.markFailed({
        ...attempt({ runId: 'run-2', sourceModelVersion: 'v2' }),
        error: { kind: 'transient', message: 'x' },
      });
      // Act
      const done = await ledger.replicas.markReplicated({
        ...attempt({ runId: 'run-3', sourceModelVersion: 'v2' }),
        targetModelId: 'target-2',
      });
      // Assess
      expect(done.record).toEqual({
        sourceModelId: 'model-1',
        sourceModelName: 'invoices',
        sourceModelVersion: 'v2',
        region: 'eastus2',
        targetResourceId: TARGET_RID,
        targetModelId: 'target-2',
        previousTargetModelId: 'target-1',
        state: 'replicated',
        lastVerifiedAt: '2026-03-01T00:00:00.000Z',
        lastAttemptAt: '2026-03-01T00:00:00.000Z',
        lastRunId: 'run-3',
        attempts: 3,
      });
    });

    it('redacts secrets from stored error messages', async () => {
      // Act
      const failed = await ledger.replicas.markFailed({
        ...attempt(),
        error: {
          kind: 'transient',
          message: 'GET https://a.blob.core.windows.net/c/b?sv=1&sig=SECRETSIG failed; {"accessToken":"SECRETTOKEN"}',
        },
      });
      // Assess
      expect(JSON.stringify(failed.record)).not.toMatch(/SECRETSIG|SECRETTOKEN/);
      expect(failed.record.lastError?.message).toContain('https://a.blob.core.windows.net/c/b?[redacted]');
    });

    it("lists a model's regions and all records, whatever characters model ids contain", async () => {
      // Prepare
      const odd = 'model/with ?#%~ and ünïcode';
      for (const region of ['eastus2', 'westeurope', 'japaneast'])
        await ledger.replicas.markInProgress(attempt({ sourceModelId: odd, region }));
      await ledger.replicas.markInProgress(attempt({ sourceModelId: 'model', region: 'eastus2' }));
      await ledger.replicas.markInProgress(attempt({ sourceModelId: `${odd}x`, region: 'eastus2' }));
      // Act
      const forModel = await ledger.replicas.listForModel(odd);
      const all = await ledger.replicas.listAll();
      // Assess
      expect(forModel.map((r) => r.region).sort()).toEqual(['eastus2', 'japaneast', 'westeurope']);
      expect(forModel.every((r) => r.sourceModelId === odd)).toBe(true);
      expect(all).toHaveLength(5);
      expect(parseReplicaKey(ReplicaRepository.key(odd, 'eastus2'))).toEqual({ sourceModelId: odd, region: 'eastus2' });
      expect(await ledger.replicas.remove(odd, 'eastus2')).toBe(true);
      expect(await ledger.replicas.get(odd, 'eastus2')).toBeUndefined();
    });

    it('counts exactly under concurrent marks of different regions and runs', async () => {
      // Act
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => ledger.replicas.markInProgress(attempt({ runId: `run-${i}` }))),
      );
      // Assess
      expect((await ledger.replicas.get('model-1', 'eastus2'))?.attempts).toBe(10);
    });
  });

  describe('PendingTargetRepository', () => {
    const pending = (
      region: string,
      targetModelId: string,
    ): { region: string; targetModelId: string; targetResourceId: string; sourceModelId: string; runId: string } => ({
      region,
      targetModelId,
      targetResourceId: TARGET_RID,
      sourceModelId: 'model-1',
      runId: 'run-1',
    });

    it('adds idempotently, lists per region and overall, removes', async () => {
      // Act
      const first = await ledger.pendingTargets.add(pending('eastus2', 't-1'));
      clock.advance(1000);
      const again = await ledger.pendingTargets.add(pending('eastus2', 't-1'));
      await ledger.pendingTargets.add(pending('eastus2', 't-2'));
      await ledger.pendingTargets.add(pending('westeurope', 't-3'));
      const east = await ledger.pendingTargets.listForRegion('eastus2');
      const all = await ledger.pendingTargets.listAll();
      const removed = await ledger.pendingTargets.remove('eastus2', 't-1');
      const removedAgain = await ledger.pendingTargets.remove('eastus2', 't-1');
      // Assess
      expect(first).toEqual({ ...pending('eastus2', 't-1'), createdAt: '2026-03-01T00:00:00.000Z' });
      expect(again).toEqual(first);
      expect(east.map((p) => p.targetModelId)).toEqual(['t-1', 't-2']);
      expect(all.map((p) => p.targetModelId)).toEqual(['t-1', 't-2', 't-3']);
      expect([removed, removedAgain]).toEqual([true, false]);
      expect((await ledger.pendingTargets.listAll()).map((p) => p.targetModelId)).toEqual(['t-2', 't-3']);
    });

    it('records the attempt, authorization expiry and operation location for resuming a started copy', async () => {
      // Prepare
      const added = await ledger.pendingTargets.add({
        ...pending('eastus2', 't-9'),
        attempt: 2,
        expiresAt: '2026-03-02T00:00:00.000Z',
      });
      const etag = (await ledger.pendingTargets.store.get('pending-targets/eastus2/t-9.json'))?.etag;
      // Act
      const updated = await ledger.pendingTargets.update('eastus2', 't-9', {
        operationLocation: 'https://src.example.com/formrecognizer/v2.1/custom/models/m/copyresults/r1',
      });
      const etagAfter = (await ledger.pendingTargets.store.get('pending-targets/eastus2/t-9.json'))?.etag;
      const again = await ledger.pendingTargets.update('eastus2', 't-9', {
        operationLocation: 'https://src.example.com/formrecognizer/v2.1/custom/models/m/copyresults/r1',
      });
      const missing = await ledger.pendingTargets.update('eastus2', 'not-recorded', { attempt: 1 });
      // Assess
      expect(added).toMatchObject({ attempt: 2, expiresAt: '2026-03-02T00:00:00.000Z' });
      expect(updated).toEqual({
        ...added,
        operationLocation: 'https://src.example.com/formrecognizer/v2.1/custom/models/m/copyresults/r1',
      });
      expect(etagAfter).not.toBe(etag);
      expect(again).toEqual(updated);
      expect((await ledger.pendingTargets.store.get('pending-targets/eastus2/t-9.json'))?.etag).toBe(etagAfter);
      expect(missing).toBeUndefined();
      expect(await ledger.pendingTargets.get('eastus2', 'not-recorded')).toBeUndefined();
    });

    it('survives a "crash": a fresh repository over the same container still sees the orphans', async () => {
      // Prepare
      await ledger.pendingTargets.add(pending('eastus2', 'orphan'));
      // Act
      const reopened = await openLedger(container, { clock });
      // Assess
      expect(await reopened.pendingTargets.listForRegion('eastus2')).toHaveLength(1);
    });
  });

  describe('RunReportRepository', () => {
    const report = (runId: string, startedAt: string, over: Partial<RunReport> = {}): RunReport => ({
      runId,
      trigger: 'schedule',
      startedAt,
      finishedAt: startedAt,
      dryRun: false,
      filters: {},
      totals: { planned: 2, copied: 1, alreadyReplicated: 0, failed: 1, skipped: 0 },
      pairs: [
        { sourceModelId: 'm1', region: 'eastus2', outcome: 'copied', targetModelId: 't1' },
        { sourceModelId: 'm2', region: 'eastus2', outcome: 'failed', reason: 'ResourceResolverError' },
      ],
      invalidModels: ['bad'],
      creatingModels: [],
      ...over,
    });

    it('saves, reads back and lists the latest runs newest first', async () => {
      // Prepare
      await ledger.runReports.save(report('r-2026-03-01', '2026-03-01T02:00:00Z'));
      await ledger.runReports.save(
        report('r-2026-03-03', '2026-03-03T02:00:00Z', {
          dryRun: true,
          filters: { models: ['m1'], regions: ['eastus2'] },
        }),
      );
      await ledger.runReports.save(report('r-2026-03-02', '2026-03-02T02:00:00Z', { trigger: 'http' }));
      // Act
      const latest2 = await ledger.runReports.latest(2);
      const all = await ledger.runReports.latest(10);
      const one = await ledger.runReports.get('r-2026-03-02');
      // Assess
      expect(latest2.map((r) => r.runId)).toEqual(['r-2026-03-03', 'r-2026-03-02']);
      expect(all.map((r) => r.runId)).toEqual(['r-2026-03-03', 'r-2026-03-02', 'r-2026-03-01']);
      expect(one).toEqual(report('r-2026-03-02', '2026-03-02T02:00:00Z', { trigger: 'http' }));
      expect(await ledger.runReports.get('nope')).toBeUndefined();
      expect(await ledger.runReports.latest(0)).toEqual([]);
    });

    it('saving the same report twice writes it once and indexes it once', async () => {
      // Prepare
      const r = report('r-1', '2026-03-01T02:00:00Z');
      await ledger.runReports.save(r);
      const etag = (await ledger.runReports.store.get('runs/r-1.json'))?.etag;
      // Act
      await ledger.runReports.save(r);
      // Assess
      expect((await ledger.runReports.store.get('runs/r-1.json'))?.etag).toBe(etag);
      expect(await ledger.runReports.latest(5)).toHaveLength(1);
    });

    it('saves a report that carries a secret redacted, naming what was redacted (the store itself still refuses it)', async () => {
      // Prepare
      const leaky = report('r-leak', '2026-03-01T02:00:00Z', {
        pairs: [
          {
            sourceModelId: 'm1',
            region: 'eastus2',
            outcome: 'failed',
            reason: 'copy failed: https://x.blob.core.windows.net/c?sv=1&sig=abc and AccountKey=k3y;EndpointSuffix=x',
          },
          { sourceModelId: 'm2', region: 'eastus2', outcome: 'failed', reason: 'model.onnx;sig=s1g' },
        ],
      });
      // Act
      await ledger.runReports.save(leaky);
      const saved = await ledger.runReports.get('r-leak');
      // Assess
      expect(saved?.pairs.map((p) => p.reason)).toEqual([
        'copy failed: https://x.blob.core.windows.net/c?[redacted] and AccountKey=[redacted];EndpointSuffix=x',
        'model.onnx;sig=[redacted]',
      ]);
      expect(saved?.redactedPaths).toEqual(['$.pairs[0].reason', '$.pairs[1].reason']);
      expect((await ledger.runReports.latest(5)).map((r) => r.runId)).toEqual(['r-leak']);
      await expect(ledger.runReports.store.create('runs/r-leak-raw.json', leaky)).rejects.toBeInstanceOf(
        LedgerSecretError,
      );
    });
  });

  it('connects from the app settings (connection string read at the moment of use)', async () => {
    // Prepare
    const env = {
      AzureWebJobsStorage: azurite.connectionString,
      DR_SOURCE_ENDPOINT: 'http://127.0.0.1:1',
      DR_SOURCE_REGION: 'westus2',
      DR_SOURCE_RESOURCE_ID: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/src',
      DR_TARGETS: JSON.stringify([{ region: 'eastus2', endpoint: 'http://127.0.0.1:2', resourceId: TARGET_RID }]),
      DR_LEDGER_CONTAINER: `ledger-settings-${++n}`,
    };
    const settings = loadSettings(env);
    // Act
    const fromSettings = await openLedger(
      createLedgerContainerClient(ledgerConnectionFromSettings(settings, env), settings.ledgerContainer),
      { clock },
    );
    await fromSettings.replicas.markInProgress(attempt());
    // Assess
    expect(await fromSettings.replicas.get('model-1', 'eastus2')).toMatchObject({ state: 'inProgress' });
    expect(fromSettings.container.containerName).toBe(settings.ledgerContainer);
  });
});
