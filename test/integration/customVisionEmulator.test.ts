import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { useAzurite } from '../support/azurite';
import { VirtualClock } from '../../dev/clock';
import { startCustomVisionEmulator, type CustomVisionEmulator } from '../../dev/emulators/customVision';
import { parseNotification, sanitizeRawMessage, type ParseResult } from '../../src/customVision/notifications';
import { createModelUriPolicy } from '../../src/customVision/modelUri';
import { CustomVisionTrainingClient } from '../../src/customVision/trainingClient';

describe('Custom Vision emulator: storage side effects on Azurite', () => {
  const azurite = useAzurite();

  let n = 0;
  let clock: VirtualClock;
  let emu: CustomVisionEmulator;
  let container: ContainerClient;
  let queue: QueueClient;
  let client: CustomVisionTrainingClient;

  async function start(extra: Partial<Parameters<typeof startCustomVisionEmulator>[0]> = {}): Promise<void> {
    n += 1;
    clock = new VirtualClock('2026-03-01T00:00:00Z');
    emu = await startCustomVisionEmulator({
      clock,
      storageConnectionString: azurite.connectionString,
      backupContainer: `cvemu${n}`,
      queueName: `cvemu${n}`,
      exportDurationMs: 120_000,
      ...extra,
    });
    container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(`cvemu${n}`);
    queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(`cvemu${n}`);
    client = new CustomVisionTrainingClient({
      endpoint: emu.endpoint,
      trainingKey: emu.trainingKey,
      now: () => clock.now(),
    });
  }
  afterEach(async () => {
    await emu.close();
  });

  async function drainQueue(): Promise<{ text: string; parsed: ParseResult }[]> {
    const policy = createModelUriPolicy({ backupContainerUrl: container.url });
    const out: { text: string; parsed: ParseResult }[] = [];
    for (;;) {
      const got = await queue.receiveMessages({ numberOfMessages: 32 });
      if (got.receivedMessageItems.length === 0) return out;
      for (const m of got.receivedMessageItems) {
        out.push({ text: m.messageText, parsed: parseNotification(m.messageText, { modelUriPolicy: policy }) });
        await queue.deleteMessage(m.messageId, m.popReceipt);
      }
    }
  }

  async function blobNames(): Promise<string[]> {
    const names: string[] = [];
    for await (const b of container.listBlobsFlat()) names.push(b.name);
    return names;
  }

  it('connect: ConnectionTest message and a temporary CustomVision-TestPermission- blob', async () => {
    // Prepare
    await start();
    // Act
    const project = await emu.createProject();
    const during = await blobNames();
    clock.advance(10_000);
    await emu.flush();
    const after = await blobNames();
    const messages = await drainQueue();
    // Assess
    expect(during).toEqual([expect.stringMatching(/^CustomVision-TestPermission-[0-9a-f-]{36}\//)]);
    expect(after).toEqual([]);
    expect(messages.map((m) => m.parsed)).toEqual([
      { ok: true, encoding: 'json', notification: { type: 'ConnectionTest', version: '1.0', projectId: project.id } },
    ]);
    expect(JSON.parse(messages[0]!.text)).toHaveProperty('Content.projectId', project.id);
  });

  it('training and export: blob before notification, on the clock, then lazily visible as Done', async () => {
    // Prepare
    await start();
    const project = await emu.createProject();
    await drainQueue();
    // Act
    const it1 = await emu.trainIteration(project.id);
    await client.requestExport(project.id, it1.id, 'ONNX');
    const before = await blobNames();
    clock.advance(119_999);
    const stillExporting = await client.listExports(project.id, it1.id);
    clock.advance(1);
    const done = await client.listExports(project.id, it1.id); // answered only after the side effects ran
    const after = await blobNames();
    const messages = await drainQueue();
    // Assess
    expect(before.filter((b) => !b.startsWith('CustomVision-TestPermission-'))).toEqual([]);
    expect(stillExporting[0]?.status).toBe('Exporting');
    expect(done[0]?.status).toBe('Done');
    const name = `${project.id} - ${it1.id}.ONNX`;
    expect(after).toContain(name);
    expect(messages.map((m) => m.parsed)).toEqual([
      {
        ok: true,
        encoding: 'json',
        notification: {
          type: 'Training',
          version: '1.0',
          projectId: project.id,
          iterationId: it1.id,
          trainingStatus: 'TrainingCompleted',
        },
      },
      {
        ok: true,
        encoding: 'json',
        notification: expect.objectContaining({
          type: 'Export',
          exportStatus: 'ExportCompleted',
          modelUri: `${container.url}/${encodeURIComponent(name)}`,
        }) as unknown,
      },
    ]);
    const bytes = await container.getBlobClient(name).downloadToBuffer();
    expect(bytes.equals(emu.modelBytes(project.id, it1.id, 'ONNX'))).toBe(true);
    const props = await container.getBlobClient(name).getProperties();
    expect(props.contentMD5).toBeUndefined();
  });

  it('base64 notifications, completeExports() without moving the clock, Content-MD5 option', async () => {
    await start({ notificationEncoding: 'base64', contentMd5: true });
    const project = await emu.createProject();
    const it1 = await emu.trainIteration(project.id);
    await client.requestExport(project.id, it1.id, 'CoreML');
    const completed = await emu.completeExports();
    const messages = await drainQueue();
    expect(completed).toHaveLength(1);
    expect(messages.map((m) => m.parsed.ok && m.parsed.encoding)).toEqual(['base64', 'base64', 'base64']);
    expect(messages.map((m) => (m.parsed.ok ? m.parsed.notification.type : m.parsed.reason.code))).toEqual([
      'ConnectionTest',
      'Training',
      'Export',
    ]);
    const props = await container.getBlobClient(`${project.id} - ${it1.id}.CoreML`).getProperties();
    expect(props.contentMD5?.length).toBe(16);
  });

  it('a dropped notification still leaves the blob; a failed export and a failed training notify without a blob', async () => {
    await start();
    const project = await emu.createProject();
    await drainQueue();
    const ok = await emu.trainIteration(project.id);
    const bad = await emu.trainIteration(project.id, { status: 'TrainingFailed' });
    emu.faults.dropNotifications = 1;
    await client.requestExport(project.id, ok.id, 'ONNX');
    await emu.completeExports();
    emu.faults.failExports = true;
    await client.requestExport(project.id, ok.id, 'TensorFlow');
    clock.advance(120_000);
    await emu.flush();
    const messages = await drainQueue();
    expect(messages.map((m) => m.parsed.ok && m.parsed.notification)).toEqual([
      expect.objectContaining({ type: 'Training', iterationId: ok.id, trainingStatus: 'TrainingCompleted' }),
      expect.objectContaining({ type: 'Training', iterationId: bad.id, trainingStatus: 'TrainingFailed' }),
      { type: 'Export', version: '1.0', projectId: project.id, iterationId: ok.id, exportStatus: 'ExportFailed' },
    ]);
    expect(await blobNames()).toContain(`${project.id} - ${ok.id}.ONNX`);
    expect(await blobNames()).not.toContain(`${project.id} - ${ok.id}.TensorFlow`);
    expect(emu.notificationLog.filter((l) => l.dropped)).toHaveLength(1);
  });

  it('a project without backup container sends a foreign SAS modelUri: rejected, and the sanitized copy holds no SAS', async () => {
    await start();
    const project = await emu.createProject({ backups: false });
    const it1 = await emu.trainIteration(project.id);
    await client.requestExport(project.id, it1.id, 'ONNX');
    await emu.completeExports();
    const exportMessage = (await drainQueue()).find((m) => m.text.includes('"Export"'));
    expect(exportMessage?.parsed).toMatchObject({
      ok: false,
      reason: { code: 'foreignModelUri', field: 'Content.modelUri' },
    });
    expect(exportMessage?.text).toContain('sig=');
    const kept = sanitizeRawMessage(exportMessage?.text);
    expect(kept.text).not.toContain('sig=');
    expect(kept.text).toContain(it1.id);
  });

  it('the Training API can connect a project by PATCH', async () => {
    await start();
    const project = await emu.createProject({ notifications: false, backups: false });
    const res = await fetch(`${emu.endpoint}/customvision/v3.3/Training/projects/${project.id}`, {
      method: 'PATCH',
      headers: { 'Training-key': emu.trainingKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        name: 'p',
        settings: { exportModelContainerUri: container.url, notificationQueueUri: queue.url },
      }),
    });
    expect(res.status).toBe(200);
    const messages = await drainQueue();
    expect(messages.map((m) => m.parsed.ok && m.parsed.notification.type)).toEqual(['ConnectionTest']);
    expect(JSON.stringify(emu.requestLog)).not.toContain(emu.trainingKey);
  });
});
