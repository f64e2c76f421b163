/**
 * The Custom Vision backup orchestrator with fake activities (no storage, no emulator):
 * the notification (external event) and the timer fallback (reading the export status).
 */
import type { CustomVisionBackupInput, CustomVisionBackupOutput } from '../../src/customVisionBackup/contracts';
import { CV_EXPORT_EVENT } from '../../src/customVisionBackup/contracts';
import { CvOrchestrators } from '../../src/customVisionBackup/registry';
import { startFakeHost, type FakeActivities } from '../support/fakeActivities';

const input: CustomVisionBackupInput = {
  projectId: 'p1',
  iterationId: 'i1',
  platforms: [{ platform: 'ONNX' }],
  waitMs: 10 * 60_000,
  deadlineMs: 6 * 60 * 60_000,
};

const fakes: FakeActivities = {
  requestExports: async (i) => i.platforms.map((p) => ({ ...p, state: 'requested' as const })),
  recordBackupOutcome: async () => undefined,
  checkExports: async (i) =>
    i.platforms.map((p) => ({ ...p, state: 'backedUp' as const, blobName: 'from-status', replicaVerified: false })),
};

describe('customVisionBackup orchestrator (fake activities, virtual clock)', () => {
  it('the Export notification backs the platform up without reading the status', async () => {
    const h = await startFakeHost(fakes);
    const id = await h.host.durable.startNew(CvOrchestrators.backup.name, { input });
    await h.host.runUntilIdle({ advanceTime: false });
    h.host.durable.raiseEvent(id, CV_EXPORT_EVENT, {
      exportStatus: 'ExportCompleted',
      platform: 'onnx',
      blobName: 'from-event',
      replicaVerified: true,
    });
    const status = await h.host.durable.waitForInstance(id);
    await h.close();
    const output = status.output as CustomVisionBackupOutput;
    expect(output.state).toBe('completed');
    expect(output.platforms).toEqual([
      { platform: 'ONNX', outcome: 'backedUp', blobName: 'from-event', replicaVerified: true, via: 'notification' },
    ]);
    expect(h.calls.map((c) => c.name)).toEqual(['requestExports', 'recordBackupOutcome']);
  });

  it('without a notification, the timer wins and the export status is read', async () => {
    const h = await startFakeHost(fakes);
    const id = await h.host.durable.startNew(CvOrchestrators.backup.name, { input });
    const status = await h.host.durable.waitForInstance(id);
    await h.close();
    const output = status.output as CustomVisionBackupOutput;
    expect(output.platforms).toEqual([
      { platform: 'ONNX', outcome: 'backedUp', blobName: 'from-status', replicaVerified: false, via: 'statusCheck' },
    ]);
    expect(Date.parse(output.finishedAt) - Date.parse(output.startedAt)).toBe(input.waitMs);
    expect(h.calls.map((c) => c.name)).toEqual(['requestExports', 'checkExports', 'recordBackupOutcome']);
  });
});
