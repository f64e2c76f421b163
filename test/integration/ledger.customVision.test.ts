/** Custom Vision records and the rejected-notifications store, on Azurite. */
import type { ContainerClient } from '@azure/storage-blob';
import { useAzurite } from '../support/azurite';
import { ledgerContainers } from '../support/ledger';
import { VirtualClock } from '../../dev/clock';
import {
  CustomVisionRecordRepository,
  LedgerValidationError,
  RejectedNotificationRepository,
  type CvBackupInput,
  type RejectInput,
} from '../../src/ledger';

const P = '11111111-2222-4333-8444-555555555555';
const I = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const I2 = 'aaaaaaaa-bbbb-4ccc-8ddd-ffffffffffff';

describe('Custom Vision ledger repositories (Azurite)', () => {
  const azurite = useAzurite();
  const containers = ledgerContainers(azurite, 'cv-ledger');
  let clock: VirtualClock;
  let container: ContainerClient;
  let records: CustomVisionRecordRepository;
  let rejected: RejectedNotificationRepository;

  beforeEach(async () => {
    clock = new VirtualClock('2026-03-01T00:00:00Z');
    container = containers.next();
    await container.createIfNotExists();
    records = new CustomVisionRecordRepository(container, { clock });
    rejected = new RejectedNotificationRepository(container, { clock });
  });

  const backup = (over: Partial<CvBackupInput> = {}): CvBackupInput => ({
    projectId: P,
    iterationId: I,
    platform: 'ONNX',
    blobName: `${P} - ${I}.ONNX`,
    location: `http://127.0.0.1:10000/devstoreaccount1/cv-backups/${encodeURIComponent(`${P} - ${I}.ONNX`)}`,
    sizeBytes: 1000,
    sha256: 'ab'.repeat(32),
    lastModified: '2026-03-01T00:00:00.000Z',
    etag: '"0x1"',
    replica: {
      location: 'http://127.0.0.1:10000/devstoreaccount1/cv-replica/x',
      sizeBytes: 1000,
      verified: true,
      checksum: { algorithm: 'sha256', value: 'ab'.repeat(32) },
      method: 'stream',
    },
    ...over,
  });

  it('records a ConnectionTest once; a duplicate changes nothing', async () => {
    const first = await records.recordConnectionTest(P.toUpperCase());
    clock.advance(60_000);
    const again = await records.recordConnectionTest(P);
    expect(first).toMatchObject({
      changed: true,
      record: { projectId: P, connectionVerifiedAt: '2026-03-01T00:00:00.000Z' },
    });
    expect(again.changed).toBe(false);
    expect(await records.getProject(P)).toEqual(first.record);
  });

  it('records training, export failure and the backup lifecycle of an iteration idempotently', async () => {
    expect((await records.recordTraining(P, I, 'TrainingCompleted')).changed).toBe(true);
    expect((await records.recordTraining(P, I, 'TrainingCompleted')).changed).toBe(false);
    expect((await records.recordBackupStarted(P, I, 'cvbackup-x', ['ONNX', 'TensorFlow'])).changed).toBe(true);
    expect((await records.recordBackupStarted(P, I, 'cvbackup-x', ['ONNX', 'TensorFlow'])).changed).toBe(false);
    expect((await records.recordExportFailed(P, I)).changed).toBe(true);
    expect((await records.recordExportFailed(P, I)).changed).toBe(false);
    clock.advance(600_000);
    const outcome = {
      instanceId: 'cvbackup-x',
      platforms: ['ONNX', 'TensorFlow'],
      outcomes: [
        { platform: 'ONNX', outcome: 'backedUp' as const, blobName: `${P} - ${I}.ONNX` },
        {
          platform: 'TensorFlow',
          outcome: 'failed' as const,
          reason: 'exportFailed: see https://x.blob.core.windows.net/c/b?sv=1&sig=abc',
        },
      ],
    };
    const done = await records.recordBackupOutcome(P, I, outcome);
    expect((await records.recordBackupOutcome(P, I, outcome)).changed).toBe(false);
    expect(done.record).toMatchObject({
      trainingStatus: 'TrainingCompleted',
      exportFailedAt: '2026-03-01T00:00:00.000Z',
      backup: {
        instanceId: 'cvbackup-x',
        state: 'partial',
        startedAt: '2026-03-01T00:00:00.000Z',
        finishedAt: '2026-03-01T00:10:00.000Z',
      },
    });
    expect(JSON.stringify(done.record)).not.toContain('sig=abc');
  });

  it('keeps one backup record per platform: the same blob again changes nothing, a new blob replaces it; newest first', async () => {
    expect((await records.putBackup(backup(), 'notification')).changed).toBe(true);
    clock.advance(1000);
    // Found again by the status check, replica re-verified as `existing`: same facts, no write.
    const again = await records.putBackup(
      backup({ replica: { ...backup().replica!, method: 'existing' } }),
      'statusCheck',
    );
    expect(again.changed).toBe(false);
    expect(again.record.source).toBe('notification');
    clock.advance(1000);
    await records.putBackup(backup({ iterationId: I2, blobName: `${P} - ${I2}.ONNX` }), 'notification');
    clock.advance(1000);
    const redone = await records.putBackup(backup({ etag: '"0x2"', sizeBytes: 2000 }), 'notification');
    expect(redone.changed).toBe(true);
    const all = await records.listBackups({ projectId: P });
    expect(all.map((b) => [b.iterationId, b.sizeBytes])).toEqual([
      [I, 2000],
      [I2, 1000],
    ]);
    expect(await records.listBackups({ projectId: P, iterationId: I2 })).toHaveLength(1);
  });

  it('refuses a backup record whose location carries a query (a SAS)', async () => {
    await expect(
      records.putBackup(backup({ location: 'https://a.blob.core.windows.net/c/b?sv=1&sig=abc' }), 'notification'),
    ).rejects.toBeInstanceOf(LedgerValidationError);
  });

  const rejection = (over: Partial<RejectInput> = {}): RejectInput => ({
    stage: 'parse',
    reason: { code: 'malformedJson', message: 'payload is not valid JSON' },
    raw: { text: '{not json', encoding: 'text', redacted: false, truncated: false, originalLength: 9 },
    queue: 'q',
    ...over,
  });

  it('keeps rejected messages newest first; the same message again is kept once', async () => {
    const a = await rejected.add(
      rejection({ message: { id: 'm1', dequeueCount: 1, insertionTime: '2026-03-01T00:00:00.000Z' } }),
    );
    const dup = await rejected.add(
      rejection({ message: { id: 'm1', dequeueCount: 2, insertionTime: '2026-03-01T00:00:00.000Z' } }),
    );
    clock.advance(5000);
    await rejected.add(
      rejection({ reason: { code: 'unknownType', message: 'type "X" is not one of …', field: 'type' } }),
    );
    expect(a.created).toBe(true);
    expect(dup.created).toBe(false);
    const list = await rejected.list();
    expect(list.map((r) => r.reason.code)).toEqual(['unknownType', 'malformedJson']);
    expect(list[1]).toMatchObject({ id: 'm1', stage: 'parse', queue: 'q', message: { dequeueCount: 1 } });
    expect(await rejected.list({ limit: 1 })).toHaveLength(1);
  });

  it('withholds a raw text that still looks like a secret instead of failing', async () => {
    const r = await rejected.add(
      rejection({
        raw: {
          text: 'https://a.blob.core.windows.net/c/b?sv=1&sig=abcdef',
          encoding: 'text',
          redacted: false,
          truncated: false,
          originalLength: 50,
        },
      }),
    );
    expect(r.created).toBe(true);
    expect(JSON.stringify(await rejected.list())).not.toContain('sig=abcdef');
  });

  it('records a message whose notification key or raw text holds a secret shape redacted, with its reason (issue 25 item 9)', async () => {
    // Act
    const r = await rejected.add(
      rejection({
        stage: 'process',
        reason: { code: 'blobNotFound', message: 'the backup blob m.ONNX;sig=s1gA does not exist' },
        raw: { text: 'm.ONNX.sig=s1gB', encoding: 'text', redacted: false, truncated: false, originalLength: 15 },
        notificationKey: 'Export/p/i/ExportCompleted/m.ONNX;AccountKey=k3yC==',
        message: { id: 'm9', insertionTime: '2026-03-01T00:00:00.000Z' },
      }),
    );
    // Assess
    expect(r.created).toBe(true);
    const [stored] = await rejected.list();
    expect(stored).toMatchObject({
      id: 'm9',
      stage: 'process',
      reason: { code: 'blobNotFound', message: 'the backup blob m.ONNX;sig=[redacted] does not exist' },
      raw: { text: 'm.ONNX.sig=[redacted]', redacted: true },
      notificationKey: 'Export/p/i/ExportCompleted/m.ONNX;AccountKey=[redacted]',
    });
    expect(JSON.stringify(stored)).not.toMatch(/s1gA|s1gB|k3yC/);
  });
});
