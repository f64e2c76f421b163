/**
 * Custom Vision notifications that race or arrive late, through the local host's queue trigger
 * (virtual clock), Azurite and the Custom Vision emulator: concurrent duplicates of one
 * `ExportCompleted` converge on one backup, and a late `TrainingFailed` / `ExportFailed` never
 * moves a state back (the contradiction is recorded as an event).
 */
import { cvBackupInstanceId, type CustomVisionBackupOutput } from '../../src/customVisionBackup/contracts';
import { QUEUE, queueDepth, useWorld } from './customVisionFunctionsHarness';

describe('Custom Vision notifications: concurrent duplicates and late messages', () => {
  const w = useWorld();
  const idle = (): Promise<void> => w.host.runUntilIdle({ advanceTime: false });

  async function trained(platforms = 'ONNX'): Promise<{ projectId: string; iterationId: string; instanceId: string }> {
    await w.fresh({ platforms });
    const project = await w.emu.createProject();
    const it = await w.emu.trainIteration(project.id);
    await idle();
    return { projectId: project.id, iterationId: it.id, instanceId: cvBackupInstanceId(project.id, it.id) };
  }

  function lastMessage(type: 'Training' | 'Export'): Record<string, unknown> {
    const entry = [...w.emu.notificationLog].reverse().find((n) => n.type === type);
    if (!entry) throw new Error(`no ${type} notification was sent`);
    return structuredClone(entry.message);
  }

  function withContent(message: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
    const content = { ...(message.Content as Record<string, unknown>), ...patch };
    for (const [k, v] of Object.entries(patch)) if (v === undefined) delete content[k];
    return { ...message, Content: content };
  }

  it('three identical ExportCompleted in one batch: one backup, every message succeeds, nothing rejected', async () => {
    // Prepare: the export completes, its notification is held back (dropped by the emulator).
    const { projectId, iterationId, instanceId } = await trained();
    w.emu.faults.dropNotifications = true;
    await w.emu.completeExports();
    await idle();
    const message = lastMessage('Export');
    // Act: the same message three times, picked up in one batch and handled concurrently.
    await Promise.all([1, 2, 3].map(() => w.host.queues.send(QUEUE, message)));
    await idle();
    // Assess
    expect(await w.rejected().list()).toEqual([]);
    expect(await queueDepth(w, QUEUE)).toBe(0);
    expect(await queueDepth(w, `${QUEUE}-poison`)).toBe(0);
    const backups = await w.records().listBackups({ projectId, iterationId });
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatchObject({ platform: 'ONNX', replica: { verified: true } });
    const status = await w.host.durable.waitForInstance(instanceId);
    expect((status.output as CustomVisionBackupOutput).platforms).toEqual([
      expect.objectContaining({ platform: 'ONNX', outcome: 'backedUp', replicaVerified: true }),
    ]);
  });

  it('a late TrainingFailed after TrainingCompleted and a completed backup: state kept, contradiction recorded', async () => {
    // Prepare: a full flow to a completed backup.
    const { projectId, iterationId, instanceId } = await trained();
    await w.emu.completeExports();
    await w.host.durable.waitForInstance(instanceId);
    const before = await w.records().getIteration(projectId, iterationId);
    expect(before).toMatchObject({ trainingStatus: 'TrainingCompleted', backup: { state: 'completed' } });
    // Act
    await w.host.queues.send(QUEUE, withContent(lastMessage('Training'), { trainingStatus: 'TrainingFailed' }));
    await idle();
    // Assess
    const after = await w.records().getIteration(projectId, iterationId);
    expect(after).toMatchObject({
      trainingStatus: 'TrainingCompleted',
      trainingRecordedAt: before?.trainingRecordedAt,
      backup: before?.backup,
      contradictions: [
        {
          notification: 'TrainingFailed',
          at: expect.any(String),
          kept: 'trainingStatus TrainingCompleted, backup completed',
        },
      ],
    });
    expect(await w.rejected().list()).toEqual([]);
    expect(await queueDepth(w, QUEUE)).toBe(0);
  });

  it('a late ExportFailed after a completed backup: the backup stays completed, contradiction recorded', async () => {
    const { projectId, iterationId, instanceId } = await trained();
    await w.emu.completeExports();
    await w.host.durable.waitForInstance(instanceId);
    const before = await w.records().getIteration(projectId, iterationId);
    expect(before?.backup?.state).toBe('completed');
    // Act
    const failed = withContent(lastMessage('Export'), { exportStatus: 'ExportFailed', modelUri: undefined });
    await w.host.queues.send(QUEUE, failed);
    await w.host.queues.send(QUEUE, failed);
    await idle();
    // Assess
    const after = await w.records().getIteration(projectId, iterationId);
    expect(after?.exportFailedAt).toBeUndefined();
    expect(after?.backup).toEqual(before?.backup);
    expect(after?.contradictions).toEqual([
      { notification: 'ExportFailed', at: expect.any(String), kept: 'backup completed' },
      { notification: 'ExportFailed', at: expect.any(String), kept: 'backup completed' },
    ]);
    expect((await w.records().listBackups({ projectId, iterationId })).map((b) => b.platform)).toEqual(['ONNX']);
    expect(await queueDepth(w, QUEUE)).toBe(0);
  });
});
