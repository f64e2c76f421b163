import { BlobServiceClient } from '@azure/storage-blob';
import { DEV_KEY, startAzurite, type AzuriteInstance } from '../../dev/azurite';
import { VirtualClock } from '../../dev/clock';
import {
  startCustomVisionEmulator,
  type BlobNaming,
  type CustomVisionEmulator,
  type CustomVisionEmulatorOptions,
} from '../../dev/emulators/customVision';
import { CustomVisionBackup, type BackupRecord } from '../../src/customVision/backup';
import { CustomVisionError } from '../../src/customVision/errors';
import { planExportSequence } from '../../src/customVision/flavors';
import { CustomVisionTrainingClient } from '../../src/customVision/trainingClient';
import { CustomVisionRecordRepository } from '../../src/ledger/customVisionRecords';
import { createHash } from 'node:crypto';

function expectNoSecret(value: unknown): void {
  const text = JSON.stringify(value);
  expect(text).not.toMatch(/[?&](sig|sv|se|sp)=/);
  expect(text).not.toContain(DEV_KEY);
}

describe('backing up real-service exports on Azurite: name forms, flavors, downloadUri', () => {
  let azurite: AzuriteInstance;
  let service: BlobServiceClient;
  beforeAll(async () => {
    azurite = await startAzurite();
    service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  });
  afterAll(async () => {
    await azurite.stop();
  });

  let n = 0;
  let emu: CustomVisionEmulator;
  let client: CustomVisionTrainingClient;
  let backup: CustomVisionBackup;
  let projectId: string;
  let iterationId: string;
  let backupName: string;
  afterEach(async () => {
    await emu.close();
  });

  async function start(opts: CustomVisionEmulatorOptions = {}, replica = false): Promise<void> {
    n += 1;
    backupName = `cvforms${n}`;
    const clock = new VirtualClock('2026-03-01T00:00:00Z');
    emu = await startCustomVisionEmulator({
      clock,
      storageConnectionString: azurite.connectionString,
      backupContainer: backupName,
      queueName: `cvformsq${n}`,
      exportSizeBytes: 50_000,
      ...opts,
    });
    if (replica) await service.getContainerClient(`cvformsrep${n}`).createIfNotExists();
    client = new CustomVisionTrainingClient({
      endpoint: emu.endpoint,
      trainingKey: emu.trainingKey,
      now: () => clock.now(),
    });
    backup = new CustomVisionBackup({
      backup: { connectionString: azurite.connectionString, containerName: backupName },
      ...(replica ? { replica: { connectionString: azurite.connectionString, containerName: `cvformsrep${n}` } } : {}),
    });
    projectId = (await emu.createProject()).id;
    iterationId = (await emu.trainIteration(projectId)).id;
  }

  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

  it.each(['documented', 'noDashes', 'zip', 'flavorSuffix', 'customVisionCopy'] satisfies BlobNaming[])(
    'backs up a blob named in the %s form (platform from GetExports, not the name)',
    async (naming) => {
      await start({ blobNaming: naming });
      await client.requestExport(projectId, iterationId, 'TensorFlow');
      await emu.completeExports();
      const [e] = await client.listExports(projectId, iterationId);
      const record = await backup.backupExportedModel({ projectId, iterationId, platform: e!.platform });
      expect(record).toMatchObject({
        projectId,
        iterationId,
        platform: 'TensorFlow',
        blobName: emu.exports[0]!.blobName,
      });
      expect(record.sha256).toBe(sha(emu.modelBytes(projectId, iterationId, 'TensorFlow')));
    },
  );

  it('two flavors of one platform, exported one after another: two blobs, two records, each its own bytes', async () => {
    // Prepare: the service writes both flavors to the same documented name.
    await start({}, true);
    const rounds = planExportSequence([
      { platform: 'TensorFlow', flavor: 'TensorFlowNormal' },
      { platform: 'TensorFlow', flavor: 'TensorFlowLite' },
    ]);
    const ledger = service.getContainerClient(`cvformsledger${n}`);
    await ledger.createIfNotExists();
    const repo = new CustomVisionRecordRepository(ledger);
    const records: BackupRecord[] = [];
    // Act: each round's export is copied to its per-flavor name before the next is requested.
    for (const round of rounds) {
      for (const spec of round) await client.requestExport(projectId, iterationId, spec.platform, spec.flavor);
      await emu.completeExports();
      for (const spec of round) {
        const r = await backup.backupExportedModel({ projectId, iterationId, ...spec });
        await repo.putBackup(JSON.parse(JSON.stringify(r)), 'statusCheck');
        records.push(r);
      }
    }
    // Assess
    expect(rounds).toHaveLength(2);
    expect(records.map((r) => [r.flavor, r.blobName])).toEqual([
      ['TensorFlowNormal', `${projectId} - ${iterationId}.TensorFlow.TensorFlowNormal`],
      ['TensorFlowLite', `${projectId} - ${iterationId}.TensorFlow.TensorFlowLite`],
    ]);
    expect(records[0]!.sha256).toBe(sha(emu.modelBytes(projectId, iterationId, 'TensorFlow', 'TensorFlowNormal')));
    expect(records[1]!.sha256).toBe(sha(emu.modelBytes(projectId, iterationId, 'TensorFlow', 'TensorFlowLite')));
    expect(records[0]!.sha256).not.toBe(records[1]!.sha256);
    expect(records.every((r) => r.replica?.verified)).toBe(true);
    const stored = await repo.listBackups({ projectId, iterationId });
    expect(stored.map((r) => r.flavor).sort()).toEqual(['TensorFlowLite', 'TensorFlowNormal']);
    // Idempotent: backing up the first flavor again neither copies nor changes its bytes.
    const again = await backup.backupExportedModel({
      projectId,
      iterationId,
      platform: 'TensorFlow',
      flavor: 'TensorFlowNormal',
    });
    expect(again.sha256).toBe(records[0]!.sha256);
    expectNoSecret(stored);
  });

  it('Done but the blob is gone: copied server-side from downloadUri, recorded with source downloadUri, no SAS anywhere', async () => {
    // Prepare
    await start({ deleteBlobAfterExport: true });
    await client.requestExport(projectId, iterationId, 'ONNX', 'ONNX12');
    await emu.completeExports();
    const spec = { projectId, iterationId, platform: 'ONNX', flavor: 'ONNX12' };
    // Act
    let missing: unknown;
    try {
      await backup.backupExportedModel(spec);
    } catch (e) {
      missing = e;
    }
    const uri = await client.getExportDownloadUri(projectId, iterationId, 'ONNX', 'onnx12');
    const record = await backup.backupFromDownloadUri(spec, uri!);
    const ledger = service.getContainerClient(`cvformsledger${n}`);
    await ledger.createIfNotExists();
    const repo = new CustomVisionRecordRepository(ledger);
    const put = await repo.putBackup(
      JSON.parse(JSON.stringify(record)),
      record.copiedFromDownloadUri ? 'downloadUri' : 'statusCheck',
    );
    // Assess
    expect(missing).toBeInstanceOf(CustomVisionError);
    expect(missing).toMatchObject({ reason: 'blobNotFound' });
    expect(record).toMatchObject({
      blobName: `${projectId} - ${iterationId}.ONNX.ONNX12`,
      flavor: 'ONNX12',
      copiedFromDownloadUri: true,
    });
    expect(record.md5 ?? record.sha256).toBeDefined();
    const bytes = emu.modelBytes(projectId, iterationId, 'ONNX', 'ONNX12');
    const got = await service.getContainerClient(backupName).getBlobClient(record.blobName).downloadToBuffer();
    expect(sha(got)).toBe(sha(bytes));
    expect(put.record.source).toBe('downloadUri');
    expect(await repo.getBackup(projectId, iterationId, 'ONNX', 'ONNX12')).toMatchObject({ source: 'downloadUri' });
    expectNoSecret([record, put.record]);
  });

  it('an ExportCompleted modelUri in any accepted form is backed up; a lookalike host is still refused', async () => {
    await start({ blobNaming: 'customVisionCopy' });
    await client.requestExport(projectId, iterationId, 'TensorFlow');
    await emu.completeExports();
    const content = emu.notificationLog.find((m) => m.type === 'Export')!.message.Content as { modelUri: string };
    const [rec] = await backup.backupExport({
      type: 'Export',
      version: '1.0',
      projectId,
      iterationId,
      exportStatus: 'ExportCompleted',
      modelUri: content.modelUri,
    } as never);
    expect(rec).toMatchObject({ platform: 'TensorFlow', blobName: emu.exports[0]!.blobName });
    const u = new URL(content.modelUri);
    const lookalike = content.modelUri.replace(u.host, `${u.hostname}.evil.com:${u.port}`);
    await expect(
      backup.backupExport({
        type: 'Export',
        version: '1.0',
        projectId,
        iterationId,
        exportStatus: 'ExportCompleted',
        modelUri: lookalike,
      } as never),
    ).rejects.toMatchObject({ reason: 'foreignModelUri' });
  });
});
