/**
 * Custom Vision queue function under faults: storage down for one attempt (the host
 * retries, the retry succeeds), storage down for good (the message lands in the poison
 * queue intact), a `modelUri` on a foreign host (refused, never requested), and a Training
 * API outage during the backup orchestration (the activity retry rides it out).
 */
import type { HostEvent } from '../../dev/host';
import { cvBackupInstanceId, type CustomVisionBackupOutput } from '../../src/customVisionBackup/contracts';
import {
  QUEUE,
  expectNoSecret,
  ledgerSnapshot,
  queueDepth,
  startRecorder,
  useWorld,
} from './customVisionFunctionsHarness';

describe('Custom Vision functions under faults', () => {
  const w = useWorld();

  const idle = (): Promise<void> => w.host.runUntilIdle({ advanceTime: false });

  /** An ExportCompleted message for a blob the emulator really wrote (its own notification dropped). */
  async function exportedModel(): Promise<{
    projectId: string;
    iterationId: string;
    message: Record<string, unknown>;
  }> {
    await w.fresh({ platforms: '' });
    w.unsetSetting('CV_EXPORT_PLATFORMS');
    const project = await w.emu.createProject();
    const it = await w.emu.trainIteration(project.id);
    await idle();
    const res = await fetch(
      `${w.emu.endpoint}/customvision/v3.3/Training/projects/${project.id}/iterations/${it.id}/export?platform=ONNX`,
      { method: 'POST', headers: { 'Training-key': w.emu.trainingKey } },
    );
    expect(res.status).toBe(200);
    w.emu.faults.dropNotifications = true;
    await w.emu.completeExports();
    const sent = w.emu.notificationLog.find((n) => n.type === 'Export');
    return { projectId: project.id, iterationId: it.id, message: sent!.message };
  }

  function failures(): { count: () => number; stop: () => void; onFirst: (f: () => void) => void } {
    let n = 0;
    let first: (() => void) | undefined;
    const listener = (e: HostEvent): void => {
      const ev = e as HostEvent & { name?: string; ok?: boolean };
      if (ev.type === 'functionInvoked' && ev.name === 'customVisionNotifications' && ev.ok === false) {
        n += 1;
        if (n === 1) first?.();
      }
    };
    w.host.events.on('functionInvoked', listener);
    return { count: () => n, stop: () => w.host.events.off('functionInvoked', listener), onFirst: (f) => (first = f) };
  }

  it('storage down for one attempt: the function throws, the host retries, the retry succeeds', async () => {
    // Prepare
    const { projectId, iterationId, message } = await exportedModel();
    const f = failures();
    f.onFirst(() => {
      w.proxy.down = false; // storage is back before the redelivery
    });
    w.proxy.down = true;
    // Act
    await w.host.queues.send(QUEUE, message);
    await idle();
    f.stop();
    // Assess
    expect(f.count()).toBe(1);
    expect(w.proxy.failed).toBeGreaterThan(0);
    const backups = await w.records().listBackups({ projectId, iterationId });
    expect(backups).toEqual([
      expect.objectContaining({ platform: 'ONNX', replica: expect.objectContaining({ verified: true }) }),
    ]);
    expect(await queueDepth(w, QUEUE)).toBe(0);
    expect(await queueDepth(w, `${QUEUE}-poison`)).toBe(0);
    expect(await w.rejected().list()).toEqual([]);
  });

  it('storage down for good: after maxDequeueCount (5) the message is in the poison queue, intact, and nothing is recorded', async () => {
    // Prepare
    const { projectId, message } = await exportedModel();
    const f = failures();
    w.proxy.down = true;
    const text = JSON.stringify(message);
    // Act
    await w.host.queues.send(QUEUE, text);
    await idle();
    f.stop();
    w.proxy.down = false;
    // Assess
    expect(f.count()).toBe(5);
    const poison = w.host.queues.client(`${QUEUE}-poison`);
    const got = await poison.receiveMessages({ numberOfMessages: 32 });
    expect(got.receivedMessageItems.map((m) => m.messageText)).toEqual([text]);
    await poison.deleteMessage(got.receivedMessageItems[0]!.messageId, got.receivedMessageItems[0]!.popReceipt);
    expect(await queueDepth(w, QUEUE)).toBe(0);
    expect(await w.records().listBackups({ projectId })).toEqual([]);
    expect(await w.rejected().list()).toEqual([]);
    const errors = w.logs.filter((l) => l.category === 'customVisionNotifications' && l.level === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(5);
    expectNoSecret(w, w.logs.map((l) => l.message).join('\n'), 'logs');
  });

  it('a modelUri on a foreign host is refused with that reason, and never requested', async () => {
    // Prepare
    const recorder = await startRecorder();
    try {
      await w.fresh();
      const P = '0f8fad5b-d9cb-469f-a165-70867728950e';
      const I = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
      const blob = encodeURIComponent(`${P} - ${I}.ONNX`);
      const uris = [
        // loopback, path-style, same account and container names as the backup container: another port
        `${recorder.url}/devstoreaccount1/${w.backupContainer}/${blob}?sv=2020-08-04&sr=b&sp=r&sig=Zm9yZWlnbnNlY3JldA%3D%3D`,
        // what Custom Vision sends when no container is integrated: its own blob with a SAS
        `https://irisprodeutraining.blob.core.windows.net/exports/${blob}?sv=2020-08-04&sr=b&sp=r&sig=c2Vjb25kc2VjcmV0`,
        // a lookalike of the backup account
        `${w.azurite.blobEndpoint.replace('127.0.0.1', 'localhost.evil.example')}/${w.backupContainer}/${blob}`,
      ];
      // Act
      for (const modelUri of uris) {
        await w.host.queues.send(QUEUE, {
          version: '1.0',
          type: 'Export',
          Content: { projectId: P, iterationId: I, exportStatus: 'ExportCompleted', modelUri },
        });
      }
      await idle();
      // Assess
      expect(recorder.requests).toEqual([]);
      const rejected = await w.rejected().list();
      expect(rejected).toHaveLength(uris.length);
      for (const r of rejected) {
        expect(r.reason).toMatchObject({ code: 'foreignModelUri', field: 'Content.modelUri' });
        expect(r.raw.text).not.toMatch(/sig=(?!\[redacted\])/);
      }
      expect(await w.records().listBackups({ projectId: P })).toEqual([]);
      const res = await w.get('/api/customvision/rejected');
      expect(res.text).not.toContain('Zm9yZWlnbnNlY3JldA');
      expect(res.text).not.toContain('c2Vjb25kc2VjcmV0');
    } finally {
      await recorder.close();
    }
  });

  it('a Training API outage while requesting exports is ridden out by the activity retry', async () => {
    // Prepare
    await w.fresh({ platforms: 'ONNX' });
    w.emu.faults.inject({ status: 503, times: 2, method: 'POST', pathIncludes: '/export' });
    const project = await w.emu.createProject();
    const it = await w.emu.trainIteration(project.id);
    // Act
    await idle();
    await w.emu.completeExports();
    const status = await w.host.durable.waitForInstance(cvBackupInstanceId(project.id, it.id));
    // Assess
    expect((status.output as CustomVisionBackupOutput).state).toBe('completed');
    expect(w.emu.requestLog.filter((r) => r.method === 'POST' && r.status === 503)).toHaveLength(2);
    for (const [name, v] of await ledgerSnapshot(w)) expectNoSecret(w, v.text, name);
  });
});
