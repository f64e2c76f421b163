import { createHash } from 'node:crypto';
import { BlobServiceClient, ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { DEV_ACCOUNT, DEV_KEY } from '../../dev/azurite';
import { useAzurite } from '../support/azurite';
import { VirtualClock } from '../../dev/clock';
import { startCustomVisionEmulator, type CustomVisionEmulator } from '../../dev/emulators/customVision';
import {
  CustomVisionBackup,
  parseBackupBlobName,
  type BackupRecord,
  type CopyMode,
} from '../../src/customVision/backup';
import {
  CvPermanentError,
  CvTransientError,
  CvValidationError,
  CustomVisionError,
} from '../../src/customVision/errors';
import { parseNotification, type ExportNotification } from '../../src/customVision/notifications';
import { CustomVisionTrainingClient, type ExportPlatform } from '../../src/customVision/trainingClient';
import { rejection } from '../support/rejection';

const caught = (p: Promise<unknown>): Promise<CustomVisionError> => rejection(p, CustomVisionError);

function expectNoSas(record: unknown): void {
  const text = JSON.stringify(record);
  expect(text).not.toMatch(/[?&](sig|sv|se|sp)=/);
  expect(text).not.toContain(DEV_KEY);
}

describe('CustomVisionBackup on Azurite with emulator-produced exports', () => {
  const azurite = useAzurite();
  let service: BlobServiceClient;
  beforeAll(() => {
    service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  });

  let n = 0;
  let clock: VirtualClock;
  let emu: CustomVisionEmulator;
  let backupName: string;
  let replicaName: string;
  let projectId: string;
  let iterationId: string;

  async function start(opts: { contentMd5?: boolean } = {}): Promise<void> {
    n += 1;
    backupName = `cvbackup${n}`;
    replicaName = `cvreplica${n}`;
    clock = new VirtualClock('2026-03-01T00:00:00Z');
    emu = await startCustomVisionEmulator({
      clock,
      storageConnectionString: azurite.connectionString,
      backupContainer: backupName,
      queueName: `cvq${n}`,
      exportSizeBytes: 300_000,
      // These tests advance 30 s per export (the emulator's former default; it is 42 s now).
      exportDurationMs: 30_000,
      ...opts,
    });
    await service.getContainerClient(replicaName).createIfNotExists();
    const project = await emu.createProject();
    projectId = project.id;
    iterationId = (await emu.trainIteration(projectId)).id;
  }
  afterEach(async () => {
    await emu.close();
  });

  /** Runs a real export through the Training API and returns the parsed Export notification from the queue. */
  async function exportAndReceive(
    backup: CustomVisionBackup,
    platform: ExportPlatform = 'ONNX',
  ): Promise<ExportNotification> {
    const client = new CustomVisionTrainingClient({
      endpoint: emu.endpoint,
      trainingKey: emu.trainingKey,
      now: () => clock.now(),
    });
    await client.requestExport(projectId, iterationId, platform);
    clock.advance(30_000);
    await emu.flush();
    const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(emu.queueName);
    for (;;) {
      const got = await queue.receiveMessages({ numberOfMessages: 32 });
      if (got.receivedMessageItems.length === 0) throw new Error('no Export notification');
      for (const m of got.receivedMessageItems) {
        await queue.deleteMessage(m.messageId, m.popReceipt);
        const parsed = parseNotification(m.messageText, { modelUriPolicy: backup.policy });
        if (
          parsed.ok &&
          parsed.notification.type === 'Export' &&
          parsed.notification.modelUri?.endsWith(`.${platform}`)
        )
          return parsed.notification;
      }
    }
  }

  function backupFor(mode: CopyMode = 'auto', replica = true): CustomVisionBackup {
    return new CustomVisionBackup({
      backup: { connectionString: azurite.connectionString, containerName: backupName },
      ...(replica ? { replica: { connectionString: azurite.connectionString, containerName: replicaName } } : {}),
      copyMode: mode,
    });
  }

  it.each(['auto', 'server', 'stream'] as const)(
    'records the backup and a verified replica (copy %s), SHA-256 when the blob has no Content-MD5',
    async (mode) => {
      // Prepare
      await start();
      const backup = backupFor(mode);
      const notification = await exportAndReceive(backup);
      const expectedBytes = emu.modelBytes(projectId, iterationId, 'ONNX');
      const sha256 = createHash('sha256').update(expectedBytes).digest('hex');
      // Act
      const [record] = await backup.backupExport(notification);
      // Assess
      const blobName = `${projectId} - ${iterationId}.ONNX`;
      expect(record).toEqual<BackupRecord>({
        projectId,
        iterationId,
        platform: 'ONNX',
        blobName,
        location: `${azurite.blobEndpoint}/${backupName}/${encodeURIComponent(blobName)}`,
        sizeBytes: 300_000,
        sha256,
        lastModified: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown as string,
        etag: expect.any(String) as unknown as string,
        replica: {
          location: `${azurite.blobEndpoint}/${replicaName}/${encodeURIComponent(blobName)}`,
          sizeBytes: 300_000,
          verified: true,
          checksum: { algorithm: 'sha256', value: sha256 },
          method: mode === 'stream' ? 'stream' : 'server',
        },
      });
      expect(record?.md5).toBeUndefined();
      const replicaBytes = await service.getContainerClient(replicaName).getBlobClient(blobName).downloadToBuffer();
      expect(replicaBytes.equals(expectedBytes)).toBe(true);
      expectNoSas(record);
    },
  );

  it('is idempotent: a second run finds the verified replica and copies nothing', async () => {
    // Prepare
    await start();
    const backup = backupFor();
    const notification = await exportAndReceive(backup);
    const [first] = await backup.backupExport(notification);
    const replicaBlob = service.getContainerClient(replicaName).getBlobClient(first!.blobName);
    const etagBefore = (await replicaBlob.getProperties()).etag;
    // Act
    const [second] = await backup.backupExport(notification);
    // Assess
    expect(second?.replica).toEqual({ ...first!.replica, method: 'existing' });
    expect((await replicaBlob.getProperties()).etag).toBe(etagBefore);
  });

  it('replaces a replica whose content differs (same size), then verifies it', async () => {
    await start();
    const backup = backupFor('stream');
    const notification = await exportAndReceive(backup);
    const [first] = await backup.backupExport(notification);
    const replicaBlob = service.getContainerClient(replicaName).getBlockBlobClient(first!.blobName);
    await replicaBlob.uploadData(Buffer.alloc(300_000, 7));
    const [second] = await backup.backupExport(notification);
    expect(second?.replica).toMatchObject({ verified: true, method: 'stream', checksum: first!.replica!.checksum });
    expect((await replicaBlob.downloadToBuffer()).equals(emu.modelBytes(projectId, iterationId, 'ONNX'))).toBe(true);
  });

  it('uses Content-MD5 when the blob has one (no SHA-256), and verifies the replica by MD5', async () => {
    await start({ contentMd5: true });
    const backup = backupFor('stream');
    const notification = await exportAndReceive(backup, 'CoreML');
    const md5 = createHash('md5')
      .update(emu.modelBytes(projectId, iterationId, 'CoreML'))
      .digest('base64');
    const [record] = await backup.backupExport(notification);
    expect(record).toMatchObject({
      platform: 'CoreML',
      md5,
      replica: { checksum: { algorithm: 'md5', value: md5 }, verified: true },
    });
    expect(record?.sha256).toBeUndefined();
    const props = await service.getContainerClient(replicaName).getBlobClient(record!.blobName).getProperties();
    expect(Buffer.from(props.contentMD5!).toString('base64')).toBe(md5);
    expect(props.metadata).toMatchObject({ cvprojectid: projectId, cviterationid: iterationId, cvplatform: 'CoreML' });
  });

  it('without a replica container: the record alone, with its checksum', async () => {
    await start();
    const backup = backupFor('auto', false);
    const notification = await exportAndReceive(backup);
    const [record] = await backup.backupExport(notification);
    expect(record?.replica).toBeUndefined();
    expect(record?.sha256).toBe(
      createHash('sha256')
        .update(emu.modelBytes(projectId, iterationId, 'ONNX'))
        .digest('hex'),
    );
  });

  it('without a modelUri: backs up every platform blob of the iteration', async () => {
    await start();
    const backup = backupFor();
    await exportAndReceive(backup, 'ONNX');
    await exportAndReceive(backup, 'TensorFlow');
    const records = await backup.backupExport({
      type: 'Export',
      version: '1.0',
      projectId,
      iterationId,
      exportStatus: 'ExportCompleted',
    });
    expect(records.map((r) => r.platform)).toEqual(['ONNX', 'TensorFlow']);
    expect(records.every((r) => r.replica?.verified)).toBe(true);
  });

  it('refuses a modelUri outside the backup container, a failed export, a blob of another iteration', async () => {
    await start();
    const backup = backupFor();
    const base: ExportNotification = {
      type: 'Export',
      version: '1.0',
      projectId,
      iterationId,
      exportStatus: 'ExportCompleted',
    };
    const foreign = await caught(
      backup.backupExport({
        ...base,
        modelUri: `${azurite.blobEndpoint}/${replicaName}/${encodeURIComponent(`${projectId} - ${iterationId}.ONNX`)}`,
      }),
    );
    const evil = await caught(
      backup.backupExport({ ...base, modelUri: `https://evil.com/devstoreaccount1/${backupName}/x` }),
    );
    const failed = await caught(backup.backupExport({ ...base, exportStatus: 'ExportFailed' }));
    const other = await caught(
      backup.backupExport({
        ...base,
        modelUri: `${azurite.blobEndpoint}/${backupName}/${encodeURIComponent(`${projectId} - ${projectId}.ONNX`)}`,
      }),
    );
    expect(foreign).toBeInstanceOf(CvValidationError);
    expect(foreign.reason).toBe('foreignModelUri');
    expect(evil.reason).toBe('foreignModelUri');
    expect(failed.reason).toBe('invalidArgument');
    expect(other).toMatchObject({ kind: 'permanent', reason: 'blobNameMismatch' });
  });

  it('a missing blob is permanent; an unreachable storage account is transient', async () => {
    await start();
    const backup = backupFor();
    const missing = await caught(
      backup.backupExport({
        type: 'Export',
        version: '1.0',
        projectId,
        iterationId,
        exportStatus: 'ExportCompleted',
        modelUri: `${azurite.blobEndpoint}/${backupName}/${encodeURIComponent(`${projectId} - ${iterationId}.VAIDK`)}`,
      }),
    );
    expect(missing).toBeInstanceOf(CvPermanentError);
    expect(missing).toMatchObject({ reason: 'blobNotFound', status: 404 });
    await expect(backup.backupIteration(projectId, iterationId)).resolves.toEqual([]);
    const noneListed = await caught(
      backup.backupExport({ type: 'Export', version: '1.0', projectId, iterationId, exportStatus: 'ExportCompleted' }),
    );
    expect(noneListed).toMatchObject({ kind: 'permanent', reason: 'blobNotFound' });

    // A storage account nobody listens on; one try only, so no real-time backoff.
    const down = new ContainerClient(
      `http://127.0.0.1:1/${DEV_ACCOUNT}/${backupName}`,
      new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY),
      { retryOptions: { maxTries: 1 } },
    );
    const unreachable = new CustomVisionBackup({ backup: down });
    const e = await caught(unreachable.backupBlob(`${projectId} - ${iterationId}.ONNX`));
    expect(e).toBeInstanceOf(CvTransientError);
    expect(e).toMatchObject({ retryable: true, operation: 'readBackupBlob' });
    expect(e.message).not.toContain(DEV_KEY);
  });

  it('parses backup blob names', () => {
    const p = '5c2b7d38-1d3a-4f0e-9d53-2b7f7e3c1a10';
    const i = 'a1e4c0b2-77f2-4a8e-8f1b-0d3c2e9f6b21';
    expect(parseBackupBlobName(`${p} - ${i}.ONNX`)).toEqual({ projectId: p, iterationId: i, platform: 'ONNX' });
    expect(parseBackupBlobName(`${p.toUpperCase()} - ${i}.DockerFile`)).toEqual({
      projectId: p,
      iterationId: i,
      platform: 'DockerFile',
    });
    for (const bad of [
      `${p}-${i}.ONNX`,
      `${p} - ${i}`,
      `${p} - ${i}.ON/NX`,
      'CustomVision-TestPermission-x/permission-test',
    ])
      expect(parseBackupBlobName(bad)).toBeUndefined();
  });
});
