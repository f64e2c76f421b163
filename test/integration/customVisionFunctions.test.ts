/**
 * Custom Vision notifications end to end through the local host (virtual clock), Azurite
 * and the Custom Vision emulator: every message type, every encoding, the backup
 * orchestration (notification and timer fallback), duplicates, HTTP, and no secrets.
 */
import { handleNotification } from '../../src/activities/customVisionNotifications';
import { cvBackupInstanceId, type CustomVisionBackupOutput } from '../../src/customVisionBackup/contracts';
import { QUEUE, expectNoSecret, ledgerSnapshot, queueDepth, useWorld } from './customVisionFunctionsHarness';

describe('Custom Vision functions (local host + Azurite + emulator)', () => {
  const w = useWorld();

  const idle = (): Promise<void> => w.host.runUntilIdle({ advanceTime: false });

  async function trainAndRequest(
    opts: { status?: 'TrainingCompleted' | 'TrainingFailed' } = {},
  ): Promise<{ projectId: string; iterationId: string; instanceId: string }> {
    const project = await w.emu.createProject();
    const it = await w.emu.trainIteration(project.id, opts);
    await idle();
    return { projectId: project.id, iterationId: it.id, instanceId: cvBackupInstanceId(project.id, it.id) };
  }

  it('ConnectionTest: records that the project integration works', async () => {
    // Prepare
    await w.fresh();
    // Act
    const project = await w.emu.createProject({ backups: true, notifications: true });
    await idle();
    // Assess
    expect(await w.records().getProject(project.id)).toEqual({
      projectId: project.id,
      connectionVerifiedAt: new Date(w.clock.now()).toISOString(),
    });
    expect(await queueDepth(w, QUEUE)).toBe(0);
  });

  it('training completed → exports requested → emulator completes → notifications → backup records with replica verified', async () => {
    // Prepare
    await w.fresh();
    const { projectId, iterationId, instanceId } = await trainAndRequest();
    expect(w.host.durable.getStatus(instanceId)?.runtimeStatus).toBe('Running');
    expect(w.emu.exports.map((e) => e.platform).sort()).toEqual(['ONNX', 'TensorFlow']);
    // Act
    await w.emu.completeExports();
    const status = await w.host.durable.waitForInstance(instanceId);
    // Assess
    expect(status.runtimeStatus).toBe('Completed');
    const out = status.output as CustomVisionBackupOutput;
    expect(out.state).toBe('completed');
    expect(out.platforms.map((p) => [p.platform, p.outcome, p.via, p.replicaVerified])).toEqual([
      ['ONNX', 'backedUp', 'notification', true],
      ['TensorFlow', 'backedUp', 'notification', true],
    ]);
    const backups = await w.records().listBackups({ projectId, iterationId });
    expect(backups).toHaveLength(2);
    for (const b of backups) {
      expect(b.blobName).toBe(`${projectId} - ${iterationId}.${b.platform}`);
      expect(b.location).toBe(`${w.azurite.blobEndpoint}/${w.backupContainer}/${encodeURIComponent(b.blobName)}`);
      expect(b.sizeBytes).toBe(100_000);
      expect(b.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(b.replica).toMatchObject({
        verified: true,
        sizeBytes: 100_000,
        checksum: { algorithm: 'sha256', value: b.sha256 },
      });
      expect(b.replica?.location).toContain(`/${w.replicaContainer}/`);
      expect(b.source).toBe('notification');
    }
    const iteration = await w.records().getIteration(projectId, iterationId);
    expect(iteration).toMatchObject({
      trainingStatus: 'TrainingCompleted',
      backup: { instanceId, state: 'completed', platforms: ['ONNX', 'TensorFlow'] },
    });
    expect(await queueDepth(w, QUEUE)).toBe(0);

    // HTTP: the records, newest first
    const res = await w.get(`/api/customvision/backups?projectId=${projectId}&iterationId=${iterationId}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      projectId,
      iterationId,
      count: 2,
      iterations: [{ backup: { state: 'completed' } }],
    });
  });

  it('a lost Export notification still ends in a backup: the timer falls back to reading the export status', async () => {
    // Prepare
    await w.fresh({ platforms: 'ONNX' });
    const { projectId, iterationId, instanceId } = await trainAndRequest();
    w.emu.faults.dropNotifications = true;
    // Act
    await w.emu.completeExports();
    await idle();
    const before = w.clock.now();
    const status = await w.host.durable.waitForInstance(instanceId);
    // Assess
    expect(w.emu.notificationLog.filter((n) => n.type === 'Export').every((n) => n.dropped)).toBe(true);
    expect(status.runtimeStatus).toBe('Completed');
    expect((status.output as CustomVisionBackupOutput).platforms).toEqual([
      expect.objectContaining({ platform: 'ONNX', outcome: 'backedUp', via: 'statusCheck', replicaVerified: true }),
    ]);
    expect(w.clock.now()).toBeGreaterThan(before); // virtual time moved to the timer
    const [b] = await w.records().listBackups({ projectId, iterationId });
    expect(b).toMatchObject({ platform: 'ONNX', source: 'statusCheck', replica: { verified: true } });
  });

  it('ExportFailed: recorded, and the orchestration learns which platform failed from the export status', async () => {
    // Prepare
    await w.fresh({ platforms: 'ONNX' });
    w.emu.faults.failExports = true;
    const { projectId, iterationId, instanceId } = await trainAndRequest();
    // Act
    await w.emu.completeExports();
    const status = await w.host.durable.waitForInstance(instanceId);
    // Assess
    expect(status.output).toMatchObject({
      state: 'failed',
      platforms: [{ platform: 'ONNX', outcome: 'failed', reason: expect.stringContaining('exportFailed') }],
    });
    expect(await w.records().getIteration(projectId, iterationId)).toMatchObject({
      exportFailedAt: expect.any(String),
      backup: { state: 'failed' },
    });
    expect(await w.records().listBackups({ projectId })).toEqual([]);
  });

  it('an iteration that cannot be exported fails with the service reason, without waiting', async () => {
    await w.fresh({ platforms: 'ONNX' });
    const project = await w.emu.createProject();
    const it = await w.emu.trainIteration(project.id, { exportable: false });
    const status = await w.host.durable.waitForInstance(cvBackupInstanceId(project.id, it.id));
    expect(status.output).toMatchObject({
      state: 'failed',
      platforms: [
        { outcome: 'failed', via: 'request', reason: expect.stringMatching(/exportValidationFailed|notExportable/) },
      ],
    });
  });

  it('TrainingFailed: recorded, no backup started', async () => {
    await w.fresh();
    const { projectId, iterationId, instanceId } = await trainAndRequest({ status: 'TrainingFailed' });
    expect(await w.records().getIteration(projectId, iterationId)).toEqual({
      projectId,
      iterationId,
      trainingStatus: 'TrainingFailed',
      trainingRecordedAt: expect.any(String),
    });
    expect(w.host.durable.getStatus(instanceId)).toBeUndefined();
  });

  it('without CV_EXPORT_PLATFORMS a completed training is only recorded', async () => {
    await w.fresh();
    w.unsetSetting('CV_EXPORT_PLATFORMS');
    const { projectId, iterationId, instanceId } = await trainAndRequest();
    expect(await w.records().getIteration(projectId, iterationId)).toMatchObject({
      trainingStatus: 'TrainingCompleted',
    });
    expect(w.host.durable.getStatus(instanceId)).toBeUndefined();
    expect(w.emu.exports).toHaveLength(0);
  });

  it('a duplicate (every message delivered again) changes nothing', async () => {
    // Prepare: a full flow, then a snapshot
    await w.fresh({ platforms: 'ONNX' });
    const { instanceId } = await trainAndRequest();
    await w.emu.completeExports();
    await w.host.durable.waitForInstance(instanceId);
    const before = await ledgerSnapshot(w);
    const instances = w.host.durable.list().map((s) => [s.instanceId, s.runtimeStatus, s.lastUpdatedTime]);
    // Act: deliver every notification again, in each encoding
    for (const n of w.emu.notificationLog) {
      await w.host.queues.send(QUEUE, n.message);
      await w.host.queues.send(QUEUE, Buffer.from(JSON.stringify(n.message)).toString('base64'));
    }
    await idle();
    // Assess
    const after = await ledgerSnapshot(w);
    expect([...after.entries()].map(([k, v]) => [k, v.etag])).toEqual(
      [...before.entries()].map(([k, v]) => [k, v.etag]),
    );
    expect(w.host.durable.list().map((s) => [s.instanceId, s.runtimeStatus, s.lastUpdatedTime])).toEqual(instances);
    expect(await queueDepth(w, QUEUE)).toBe(0);
  });

  it('accepts the same message as an object, base64 JSON, raw JSON text and with lower-case keys', async () => {
    // Prepare
    await w.fresh();
    const ids = [
      '0f8fad5b-d9cb-469f-a165-70867728950e',
      '7c9e6679-7425-40de-944b-e07fc1f90ae7',
      '16fd2706-8baf-433b-82eb-8c7fada847da',
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    ];
    const msg = (projectId: string): Record<string, unknown> => ({
      version: '1.0',
      type: 'ConnectionTest',
      Content: { projectId },
    });
    // Act
    await w.host.queues.send(QUEUE, msg(ids[0]!)); // JSON text: the host hands over the parsed object
    await w.host.queues.send(QUEUE, Buffer.from(JSON.stringify(msg(ids[1]!))).toString('base64')); // base64: a string
    await w.host.queues.send(QUEUE, `\uFEFF${JSON.stringify(msg(ids[2]!))}`); // JSON text the host cannot parse (BOM): a string
    await w.host.queues.send(QUEUE, {
      VERSION: '1.0',
      type: 'connectiontest',
      content: { projectid: ids[3]!.toUpperCase() },
    });
    await idle();
    // Assess
    for (const id of ids) expect(await w.records().getProject(id)).toMatchObject({ projectId: id });
    expect(await w.rejected().list()).toEqual([]);
    expect(await queueDepth(w, QUEUE)).toBe(0);
  });

  it('every class of bad input ends in the rejected store with its reason, and the queue is empty', async () => {
    // Prepare
    await w.fresh();
    const P = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const cases: Array<[string, unknown]> = [
      ['malformedJson', '{"version":"1.0","type":'],
      ['malformedJson', 'not json at all'],
      ['notAnObject', '[1,2,3]'],
      ['unknownType', { version: '1.0', type: 'Deployment', Content: { projectId: P } }],
      [
        'unknownStatus',
        {
          version: '1.0',
          type: 'Training',
          Content: { projectId: P, iterationId: P, trainingStatus: 'TrainingPaused' },
        },
      ],
      ['missingField', { version: '1.0', type: 'Export', Content: { projectId: P, exportStatus: 'ExportCompleted' } }],
      ['invalidField', { version: '1.0', type: 'ConnectionTest', Content: { projectId: 42 } }],
      ['invalidField', { version: '1.0', type: 'ConnectionTest', Content: { projectId: 'latest' } }],
      ['unsupportedVersion', { version: '2.0', type: 'ConnectionTest', Content: { projectId: P } }],
      [
        'ambiguousField',
        { version: '1.0', type: 'ConnectionTest', Content: { projectId: P }, content: { projectId: P } },
      ],
    ];
    // Act
    for (const [, m] of cases) await w.host.queues.send(QUEUE, m);
    await idle();
    // Over 64 KiB cannot pass through a queue (Azurite refuses it, as Azure does): through the handler's core.
    const big = JSON.stringify({
      version: '1.0',
      type: 'ConnectionTest',
      Content: { projectId: P },
      padding: 'é'.repeat(33_000),
    });
    const port = {
      startIfAbsent: () => Promise.reject(new Error('unexpected')),
      raiseIfWaiting: () => Promise.reject(new Error('unexpected')),
    };
    const outcome = await handleNotification(
      w.app().customVision,
      big,
      { id: 'oversized-1', queueName: QUEUE, dequeueCount: 1 },
      port,
      { log: () => undefined, warn: () => undefined, error: () => undefined },
    );
    expect(outcome).toEqual({ result: 'rejected', stage: 'parse', code: 'tooLarge', duplicate: false });
    cases.push(['tooLarge', big]);
    // Assess
    const rejected = await w.rejected().list({ limit: 100 });
    expect(rejected.map((r) => r.reason.code).sort()).toEqual(cases.map(([c]) => c).sort());
    for (const r of rejected) {
      expect(r).toMatchObject({ stage: 'parse', queue: QUEUE, message: { id: expect.any(String), dequeueCount: 1 } });
      expect(r.reason.message.length).toBeGreaterThan(0);
    }
    expect(
      rejected.find((r) => r.reason.code === 'invalidField' && r.raw.text.includes('latest'))?.reason,
    ).toMatchObject({ field: 'Content.projectId', message: expect.stringContaining('GUID') });
    expect(await queueDepth(w, QUEUE)).toBe(0);
    expect(await queueDepth(w, `${QUEUE}-poison`)).toBe(0);
    const res = await w.get('/api/customvision/rejected');
    expect(res.status).toBe(200);
    expect((res.body as { count: number }).count).toBe(cases.length);
  });

  it('HTTP validates its parameters (400 naming the problem)', async () => {
    const bad = await w.get(
      '/api/customvision/backups?projectId=latest&iterationId=0f8fad5b-d9cb-469f-a165-70867728950e',
    );
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: 'invalid request',
      problems: ['projectId must be a GUID, got "latest"'],
      problemCount: 1,
    });
    const orphan = await w.get('/api/customvision/backups?iterationId=0f8fad5b-d9cb-469f-a165-70867728950e');
    expect(orphan.status).toBe(400);
    expect(JSON.stringify(orphan.body)).toContain('iterationId needs projectId');
    expect((await w.get('/api/customvision/rejected?limit=0')).status).toBe(400);
    const unauthorized = await fetch(`${w.host.baseUrl}/api/customvision/backups`);
    expect(unauthorized.status).toBe(401);
  });

  it('no SAS or key in records, logs, HTTP responses or orchestration history', async () => {
    // Everything the tests above produced (every test ran with SAS-bearing container settings and a training key).
    const ledger = await ledgerSnapshot(w, { all: true });
    expect([...ledger.keys()].some((k) => k.includes('/customvision/backups/'))).toBe(true);
    expect([...ledger.keys()].some((k) => k.includes('/customvision/rejected/'))).toBe(true);
    for (const [name, v] of ledger) expectNoSecret(w, v.text, `ledger blob ${name}`);
    expectNoSecret(w, w.logs.map((l) => l.message).join('\n'), 'host logs');
    for (const s of w.host.durable.list()) {
      expectNoSecret(
        w,
        JSON.stringify(
          w.host.durable.getStatus(s.instanceId, { showHistory: true, showHistoryOutput: true, showInput: true }),
        ),
        `instance ${s.instanceId}`,
      );
      expectNoSecret(w, JSON.stringify(w.host.durable.history(s.instanceId)), `history of ${s.instanceId}`);
    }
    const responses = [await w.get('/api/customvision/backups'), await w.get('/api/customvision/rejected')];
    for (const r of responses) expectNoSecret(w, r.text, 'HTTP response');
    expect(w.logs.some((l) => l.category === 'customVisionNotifications')).toBe(true);
    expect(w.host.durable.list().length).toBeGreaterThan(0);
  });
});
