/**
 * Custom Vision against what the real service does (issue 13), through the local host (virtual
 * clock), Azurite and the emulator: the same-account setup (plain container URLs on the
 * AzureWebJobsStorage account), a container the app cannot reach (configuration, kept, replayed
 * after the fix), blob names in every form, two flavors of one platform, an unknown export status
 * with odd flavor casing, ForbiddenDRModeEnabled, and "already queued" after Done with the blob
 * missing (recovered from downloadUri).
 */
import { createHash } from 'node:crypto';
import { probeCustomVisionContainers } from '../../src/activities/customVisionNotifications';
import {
  cvBackupInstanceId,
  type CustomVisionBackupOutput,
  type CustomVisionBackupProgress,
} from '../../src/customVisionBackup/contracts';
import type { HostEvent } from '../../dev/host';
import type { BlobNaming } from '../../dev/emulators/customVision/types';
import { QUEUE, expectNoSecret, ledgerSnapshot, queueDepth, useWorld } from './customVisionFunctionsHarness';

describe('Custom Vision against the real service (local host + Azurite + emulator)', () => {
  const w = useWorld();

  const idle = (): Promise<void> => w.host.runUntilIdle({ advanceTime: false });

  function noSecretAnywhere(instanceId?: string): Promise<void> {
    return (async () => {
      for (const [name, v] of await ledgerSnapshot(w)) expectNoSecret(w, v.text, name);
      expectNoSecret(w, w.logs.map((l) => l.message).join('\n'), 'logs');
      if (instanceId) {
        const s = w.host.durable.getStatus(instanceId, { showHistory: true, showHistoryOutput: true, showInput: true });
        expectNoSecret(w, JSON.stringify(s), 'orchestration history');
      }
      const res = await w.get('/api/customvision/backups');
      expectNoSecret(w, res.text, 'GET /api/customvision/backups');
    })();
  }

  /** Counts failed and total invocations of the queue function. */
  function invocations(): { total: () => number; failed: () => number; stop: () => void } {
    let total = 0;
    let failed = 0;
    const listener = (e: HostEvent): void => {
      const ev = e as HostEvent & { name?: string; ok?: boolean };
      if (ev.type !== 'functionInvoked' || ev.name !== 'customVisionNotifications') return;
      total += 1;
      if (ev.ok === false) failed += 1;
    };
    w.host.events.on('functionInvoked', listener);
    return { total: () => total, failed: () => failed, stop: () => w.host.events.off('functionInvoked', listener) };
  }

  const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const md5 = (b: Buffer): string => createHash('md5').update(b).digest('base64');

  async function requestExportDirectly(projectId: string, iterationId: string, platform: string): Promise<void> {
    const res = await fetch(
      `${w.emu.endpoint}/customvision/v3.3/Training/projects/${projectId}/iterations/${iterationId}/export?platform=${platform}`,
      { method: 'POST', headers: { 'Training-key': w.emu.trainingKey } },
    );
    expect(res.status).toBe(200);
  }

  it('same account: plain CV_BACKUP_CONTAINER_URL / CV_REPLICA_CONTAINER_URL on the AzureWebJobsStorage account back up every export, no SAS anywhere', async () => {
    // Prepare
    await w.fresh({ access: 'sameAccount' });
    const probes = await probeCustomVisionContainers(w.app().customVision, {
      log: () => {},
      warn: () => {},
      error: () => {},
    });
    expect(probes.map((p) => [p.setting, p.ok, p.via])).toEqual([
      ['CV_BACKUP_CONTAINER_URL', true, 'connectionKey'],
      ['CV_REPLICA_CONTAINER_URL', true, 'connectionKey'],
    ]);
    const project = await w.emu.createProject();
    const it = await w.emu.trainIteration(project.id);
    const instanceId = cvBackupInstanceId(project.id, it.id);
    await idle();
    // Act
    await w.emu.completeExports();
    const status = await w.host.durable.waitForInstance(instanceId);
    // Assess
    const out = status.output as CustomVisionBackupOutput;
    expect(out.state).toBe('completed');
    const backups = await w.records().listBackups({ projectId: project.id, iterationId: it.id });
    expect(backups.map((b) => b.platform).sort()).toEqual(['ONNX', 'TensorFlow']);
    for (const b of backups) {
      expect(b.location).not.toContain('?');
      expect(b.replica).toEqual(expect.objectContaining({ verified: true }));
      expect(b.sha256).toBe(sha256(w.emu.modelBytes(project.id, it.id, b.platform)));
    }
    expect(await w.rejected().list()).toEqual([]);
    await noSecretAnywhere(instanceId);
  });

  it('a container the app cannot reach: configuration (naming the setting) at once, no retry storm, kept; replay after the fix backs it up; replaying again changes nothing', async () => {
    // Prepare: the backup container's SAS has expired (storage answers 403); no backup orchestration.
    await w.fresh({ access: 'expiredSas', platforms: '' });
    w.unsetSetting('CV_EXPORT_PLATFORMS');
    const probes = await probeCustomVisionContainers(w.app().customVision, {
      log: () => {},
      warn: () => {},
      error: () => {},
    });
    expect(probes[0]).toMatchObject({ ok: false, kind: 'configuration', setting: 'CV_BACKUP_CONTAINER_URL' });
    expect(probes[0]!.message).toContain('CV_BACKUP_CONTAINER_URL');
    const project = await w.emu.createProject();
    const it = await w.emu.trainIteration(project.id);
    await idle();
    const calls = invocations();
    // Act: the export's notification arrives
    await requestExportDirectly(project.id, it.id, 'ONNX');
    await w.emu.completeExports();
    await idle();
    calls.stop();
    // Assess: processed once, not retried, kept with reason configuration; nothing in the poison queue
    expect(calls.failed()).toBe(0);
    expect(calls.total()).toBe(1);
    expect(await queueDepth(w, QUEUE)).toBe(0);
    expect(await queueDepth(w, `${QUEUE}-poison`)).toBe(0);
    const rejected = await w.rejected().list();
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ stage: 'process', reason: { code: 'configuration' } });
    expect(rejected[0]!.reason.message).toMatch(/^configuration: .*CV_BACKUP_CONTAINER_URL/);
    expect(rejected[0]!.reason.message).not.toMatch(/network or stream failure/);
    expect(await w.records().listBackups({ projectId: project.id })).toEqual([]);
    const errors = w.logs.filter((l) => l.level === 'error' && l.message.includes('CV_BACKUP_CONTAINER_URL'));
    expect(errors.length).toBeGreaterThan(0);

    // Act: fix the setting (plain URL on the AzureWebJobsStorage account), then replay
    w.setSettings({ CV_BACKUP_CONTAINER_URL: `${w.azurite.blobEndpoint}/${w.backupContainer}` });
    const replay = await w.post('/api/customvision/replay', { includeRejected: true });
    await idle();
    // Assess
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({
      moved: 1,
      poison: { moved: 0 },
      rejected: { moved: 1, ids: [rejected[0]!.id] },
    });
    const backups = await w.records().listBackups({ projectId: project.id });
    expect(backups).toEqual([
      expect.objectContaining({ platform: 'ONNX', replica: expect.objectContaining({ verified: true }) }),
    ]);
    expect((await w.rejected().list())[0]!.replayedAt).toEqual(expect.any(String));

    // Act: replay again
    const before = await ledgerSnapshot(w);
    const again = await w.post('/api/customvision/replay', { includeRejected: true, max: 5 });
    await idle();
    // Assess: nothing moved, nothing changed
    expect(again.body).toMatchObject({ moved: 0 });
    expect(await ledgerSnapshot(w)).toEqual(before);
    expectNoSecret(w, replay.text + again.text, 'replay responses');
    await noSecretAnywhere();
  });

  it('replay moves poison-queue messages back (at most max), and validates its body', async () => {
    // Prepare: two messages that ended in the poison queue (e.g. storage was down five times)
    await w.fresh({ platforms: '' });
    w.unsetSetting('CV_EXPORT_PLATFORMS');
    const project = await w.emu.createProject();
    const it = await w.emu.trainIteration(project.id);
    await idle();
    w.emu.faults.dropNotifications = true;
    await requestExportDirectly(project.id, it.id, 'ONNX');
    await requestExportDirectly(project.id, it.id, 'TensorFlow');
    await w.emu.completeExports();
    const sent = w.emu.notificationLog.filter((n) => n.type === 'Export').map((n) => JSON.stringify(n.message));
    expect(sent).toHaveLength(2);
    const poison = w.host.queues.client(`${QUEUE}-poison`);
    await poison.createIfNotExists();
    for (const text of sent) await poison.sendMessage(text);
    // Act / Assess: bad bodies are refused, naming the problem
    for (const [body, problem] of [
      [{ max: 0 }, /^max: must be an integer from 1 to 100/],
      [{ max: 101 }, /^max:/],
      [{ includeRejected: 'yes' }, /^includeRejected:/],
      [
        { includeRejected: true, reasons: ['blobNotFound'] },
        /^reasons\[0\]: "blobNotFound" is not a replayable reason/,
      ],
      [{ maxx: 1 }, /^maxx: unknown field/],
      ['[1]', /^body: must be a JSON object/],
    ] as const) {
      const res = await w.post('/api/customvision/replay', body);
      expect(res.status).toBe(400);
      expect((res.body as { problems: string[] }).problems[0]).toMatch(problem);
    }
    expect(await queueDepth(w, `${QUEUE}-poison`)).toBe(2);
    // Act: one at a time
    const first = await w.post('/api/customvision/replay', { max: 1 });
    await idle();
    const second = await w.post('/api/customvision/replay', {});
    await idle();
    const third = await w.post('/api/customvision/replay', '');
    // Assess
    expect(first.body).toMatchObject({ moved: 1, more: true, poison: { moved: 1 } });
    expect(second.body).toMatchObject({ moved: 1, more: false, poison: { moved: 1 } });
    expect(third.body).toMatchObject({ moved: 0 });
    expect(await queueDepth(w, `${QUEUE}-poison`)).toBe(0);
    const backups = await w.records().listBackups({ projectId: project.id });
    expect(backups.map((b) => b.platform).sort()).toEqual(['ONNX', 'TensorFlow']);
  });

  it.each<BlobNaming>(['documented', 'noDashes', 'zip', 'flavorSuffix', 'customVisionCopy'])(
    'blob name form %s is backed up',
    async (blobNaming) => {
      // Prepare
      await w.fresh({ platforms: 'ONNX', replica: false, emulator: { blobNaming } });
      const project = await w.emu.createProject();
      const it = await w.emu.trainIteration(project.id);
      const instanceId = cvBackupInstanceId(project.id, it.id);
      await idle();
      // Act
      await w.emu.completeExports();
      const status = await w.host.durable.waitForInstance(instanceId);
      // Assess
      expect((status.output as CustomVisionBackupOutput).state).toBe('completed');
      const backups = await w.records().listBackups({ projectId: project.id, iterationId: it.id });
      expect(backups).toHaveLength(1);
      expect(backups[0]!.platform).toBe('ONNX');
      expect(backups[0]!.blobName).toBe(w.emu.exports[0]!.blobName);
      expect(backups[0]!.sha256).toBe(sha256(w.emu.modelBytes(project.id, it.id, 'ONNX')));
      expect(await w.rejected().list()).toEqual([]);
    },
  );

  it('two flavors of one platform: exported one after another; two records, two blobs, each with its own bytes and checksum', async () => {
    // Prepare
    await w.fresh({ platforms: 'TensorFlow:TensorFlowNormal,TensorFlow:TensorFlowLite' });
    const project = await w.emu.createProject();
    const it = await w.emu.trainIteration(project.id);
    const instanceId = cvBackupInstanceId(project.id, it.id);
    // Act
    await idle();
    // Assess: only the first flavor is requested
    expect(w.emu.exports.map((e) => e.flavor)).toEqual(['TensorFlowNormal']);
    expect((w.host.durable.getStatus(instanceId)?.customStatus as CustomVisionBackupProgress).waiting).toEqual([
      'TensorFlow:TensorFlowLite',
    ]);
    // Act
    await w.emu.completeExports();
    await idle();
    // Assess: the second starts after the first is backed up
    expect(w.emu.exports.map((e) => e.flavor)).toEqual(['TensorFlowNormal', 'TensorFlowLite']);
    await w.emu.completeExports();
    const status = await w.host.durable.waitForInstance(instanceId);
    const out = status.output as CustomVisionBackupOutput;
    expect(out.state).toBe('completed');
    const backups = await w.records().listBackups({ projectId: project.id, iterationId: it.id });
    expect(backups.map((b) => [b.flavor, b.blobName]).sort()).toEqual([
      ['TensorFlowLite', `${project.id} - ${it.id}.TensorFlow.TensorFlowLite`],
      ['TensorFlowNormal', `${project.id} - ${it.id}.TensorFlow.TensorFlowNormal`],
    ]);
    const checksums = new Set<string>();
    for (const b of backups) {
      const bytes = w.emu.modelBytes(project.id, it.id, 'TensorFlow', b.flavor);
      expect(b.sizeBytes).toBe(bytes.length);
      const got = b.md5 ?? b.sha256;
      expect(got).toBe(b.md5 ? md5(bytes) : sha256(bytes));
      checksums.add(got!);
      expect(b.replica).toEqual(expect.objectContaining({ verified: true }));
    }
    expect(checksums.size).toBe(2);
    // No flavorless record of the shared blob (its bytes could be either flavor).
    expect(await w.records().getBackup(project.id, it.id, 'TensorFlow')).toBeUndefined();
    await noSecretAnywhere(instanceId);
  });

  it('an unknown export status ("Queued") is "not done yet", and lower-case flavors from GetExports still match', async () => {
    // Prepare: a long export, notifications lost (the timer reads the status)
    await w.fresh({
      platforms: 'ONNX:ONNX12',
      replica: false,
      emulator: { exportingStatusText: 'Queued', flavorCasing: 'lower', exportDurationMs: 25 * 60_000 },
    });
    const project = await w.emu.createProject();
    const it = await w.emu.trainIteration(project.id);
    const instanceId = cvBackupInstanceId(project.id, it.id);
    await idle();
    w.emu.faults.dropNotifications = true;
    // Act: two status checks while "Queued", then Done
    await w.host.advance(21 * 60_000);
    const mid = w.host.durable.getStatus(instanceId);
    await w.host.advance(15 * 60_000);
    const status = await w.host.durable.waitForInstance(instanceId);
    // Assess
    expect(mid?.runtimeStatus).toBe('Running');
    expect((mid?.customStatus as CustomVisionBackupProgress).checks).toBeGreaterThanOrEqual(2);
    const out = status.output as CustomVisionBackupOutput;
    expect(out.state).toBe('completed');
    expect(out.platforms[0]).toMatchObject({
      platform: 'ONNX',
      flavor: 'ONNX12',
      outcome: 'backedUp',
      via: 'statusCheck',
    });
    expect(await w.records().getBackup(project.id, it.id, 'ONNX', 'ONNX12')).toEqual(
      expect.objectContaining({ flavor: 'ONNX12', source: 'statusCheck' }),
    );
  });

  it('ForbiddenDRModeEnabled: requested again after a long durable timer, not retried in a storm', async () => {
    // Prepare
    await w.fresh({ platforms: 'ONNX', replica: false });
    const project = await w.emu.createProject();
    w.emu.faults.drMode = true;
    const it = await w.emu.trainIteration(project.id);
    const instanceId = cvBackupInstanceId(project.id, it.id);
    // Act
    await idle();
    await w.host.advance(5 * 60_000);
    // Assess: one refused request, the orchestration waits
    const refused = w.emu.requestLog.filter((r) => r.method === 'POST' && r.status === 403);
    expect(refused).toHaveLength(1);
    expect(w.host.durable.getStatus(instanceId)?.runtimeStatus).toBe('Running');
    expect(w.emu.exports).toHaveLength(0);
    // Act: the failover ends; the timer (15 min) fires
    w.emu.faults.drMode = false;
    await w.host.advance(11 * 60_000);
    await w.emu.completeExports();
    const status = await w.host.durable.waitForInstance(instanceId);
    // Assess
    expect((status.output as CustomVisionBackupOutput).state).toBe('completed');
    expect(w.emu.requestLog.filter((r) => r.method === 'POST' && r.status === 403)).toHaveLength(1);
  });

  it('"already queued" after Done with the blob missing: recovered from downloadUri (source downloadUri), the SAS nowhere', async () => {
    // Prepare: the export was made (and its blob deleted) before the backup orchestration asks for it
    await w.fresh({ platforms: 'ONNX', emulator: { deleteBlobAfterExport: true } });
    const project = await w.emu.createProject();
    w.emu.faults.dropNotifications = true;
    const it = await w.emu.trainIteration(project.id);
    await requestExportDirectly(project.id, it.id, 'ONNX');
    await w.emu.completeExports();
    w.emu.faults.dropNotifications = false;
    const instanceId = cvBackupInstanceId(project.id, it.id);
    // Act: the (late) TrainingCompleted starts the backup
    await w.host.queues.send(QUEUE, {
      version: '1.0',
      type: 'Training',
      Content: { projectId: project.id, iterationId: it.id, trainingStatus: 'TrainingCompleted' },
    });
    await idle();
    const status = await w.host.durable.waitForInstance(instanceId);
    // Assess
    const out = status.output as CustomVisionBackupOutput;
    expect(out.state).toBe('completed');
    expect(out.platforms[0]).toMatchObject({ platform: 'ONNX', outcome: 'backedUp', source: 'downloadUri' });
    expect(
      w.emu.requestLog.filter((r) => r.method === 'POST' && r.path.includes('/export')).map((r) => r.status),
    ).toEqual([200, 400]);
    const b = await w.records().getBackup(project.id, it.id, 'ONNX');
    expect(b).toEqual(expect.objectContaining({ source: 'downloadUri', blobName: `${project.id} - ${it.id}.ONNX` }));
    const bytes = w.emu.modelBytes(project.id, it.id, 'ONNX');
    expect(b!.md5 ?? b!.sha256).toBe(b!.md5 ? md5(bytes) : sha256(bytes));
    expect(b!.replica).toEqual(expect.objectContaining({ verified: true }));
    // The downloadUri's signature is nowhere.
    const res = await fetch(
      `${w.emu.endpoint}/customvision/v3.3/Training/projects/${project.id}/iterations/${it.id}/export`,
      { headers: { 'Training-key': w.emu.trainingKey } },
    );
    const downloadUri = ((await res.json()) as Array<{ downloadUri: string | null }>)[0]!.downloadUri!;
    w.secrets.push(new URL(downloadUri).searchParams.get('sig')!);
    await noSecretAnywhere(instanceId);
  });
});
