import { inspect } from 'node:util';
import { VirtualClock } from '../../dev/clock';
import {
  DEFAULT_EXPORT_DURATION_MS,
  startCustomVisionEmulator,
  type CustomVisionEmulator,
  type CustomVisionEmulatorOptions,
} from '../../dev/emulators/customVision';
import { CustomVisionError } from '../../src/customVision/errors';
import {
  CustomVisionTrainingClient,
  DR_MODE_RETRY_MS,
  isIterationCompleted,
} from '../../src/customVision/trainingClient';

const KEY = 'a'.repeat(32);

async function caught(p: Promise<unknown>): Promise<CustomVisionError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CustomVisionError) return e;
    throw e;
  }
  throw new Error('expected a CustomVisionError');
}

describe('Custom Vision Training API as the real service answers it (emulator + client)', () => {
  let clock: VirtualClock;
  let emu: CustomVisionEmulator;
  let client: CustomVisionTrainingClient;
  let projectId: string;
  let iterationId: string;

  async function start(opts: CustomVisionEmulatorOptions = {}): Promise<void> {
    clock = new VirtualClock('2026-03-01T00:00:00Z');
    emu = await startCustomVisionEmulator({ clock, trainingKey: KEY, idSeed: 'api-facts', ...opts });
    client = new CustomVisionTrainingClient({ endpoint: emu.endpoint, trainingKey: KEY, now: () => clock.now() });
    projectId = (await emu.createProject()).id;
    iterationId = (await emu.trainIteration(projectId)).id;
  }
  afterEach(async () => {
    await emu.close();
  });

  const raw = async (path: string, method = 'GET'): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${emu.endpoint}/customvision/v3.3/Training${path}`, {
      method,
      headers: { 'Training-key': KEY },
    });
    return { status: res.status, body: await res.json() };
  };

  it('answers the real error codes, and the client classifies them', async () => {
    await start();
    const other = '00000000-0000-4000-8000-000000000000';
    expect((await raw(`/projects/${other}/iterations`)).body).toMatchObject({ code: 'NotFoundProject' });
    expect((await raw(`/projects/${projectId}/iterations/${other}`)).body).toMatchObject({ code: 'NotFoundIteration' });
    expect(await caught(client.getIteration(other, iterationId))).toMatchObject({
      kind: 'permanent',
      reason: 'notFound',
      serviceCode: 'NotFoundProject',
    });
    expect(await caught(client.getIteration(projectId, other))).toMatchObject({ serviceCode: 'NotFoundIteration' });
    const bad = await raw(`/projects/${projectId}/iterations/${iterationId}/export?platform=Nokia`, 'POST');
    expect(bad).toMatchObject({ status: 400, body: { code: 'ErrorExporterInvalidPlatform' } });
  });

  it('downloadUri is null (not empty) while exporting; an export takes 42 s by default', async () => {
    await start();
    await client.requestExport(projectId, iterationId, 'TensorFlow');
    const running = await raw(`/projects/${projectId}/iterations/${iterationId}/export`);
    clock.advance(DEFAULT_EXPORT_DURATION_MS - 1);
    const stillRunning = (await client.listExports(projectId, iterationId))[0];
    clock.advance(1);
    const done = (await client.listExports(projectId, iterationId))[0];
    expect(DEFAULT_EXPORT_DURATION_MS).toBe(42_000);
    expect(running.body).toEqual([
      { platform: 'TensorFlow', status: 'Exporting', downloadUri: null, flavor: null, newerVersionAvailable: false },
    ]);
    expect(stillRunning).toMatchObject({ status: 'Exporting', hasDownloadUri: false });
    expect(done).toMatchObject({ status: 'Done', hasDownloadUri: true });
  });

  it('an unknown export status means "not done yet", never an exception', async () => {
    await start({ exportingStatusText: 'Queued' });
    await client.requestExport(projectId, iterationId, 'ONNX');
    const list = await client.listExports(projectId, iterationId);
    expect(list).toEqual([expect.objectContaining({ platform: 'ONNX', status: 'Exporting', statusText: 'Queued' })]);
  });

  it('iterations carry the real fields; New, unknown status and exportableTo null are read, not refused', async () => {
    await start();
    const fresh = emu.addIteration(projectId, { status: 'New', exportable: false });
    const odd = emu.addIteration(projectId, { status: 'Provisioning' });
    const list = await client.listIterations(projectId);
    const done = list.find((i) => i.id === iterationId);
    expect(done).toMatchObject({
      classificationType: 'Multiclass',
      trainingType: 'Regular',
      reservedBudgetInHours: 0,
      trainingTimeInMinutes: 1,
      publishName: '',
      originalPublishResourceId: '',
    });
    expect(list.find((i) => i.id === fresh.id)).toMatchObject({ status: 'New', exportable: false, exportableTo: [] });
    expect((await raw(`/projects/${projectId}/iterations/${fresh.id}`)).body).toMatchObject({ exportableTo: null });
    expect(list.filter(isIterationCompleted).map((i) => i.id)).toEqual([iterationId]);
    expect(list.find((i) => i.id === odd.id)?.status).toBe('Provisioning');
  });

  it('ForbiddenDRModeEnabled is transient with a 15-minute back-off', async () => {
    await start({ drMode: true });
    const e = await caught(client.requestExport(projectId, iterationId, 'ONNX'));
    expect(e).toMatchObject({
      kind: 'transient',
      reason: 'projectReadOnly',
      status: 403,
      serviceCode: 'ForbiddenDRModeEnabled',
      retryAfterMs: DR_MODE_RETRY_MS,
    });
    expect(DR_MODE_RETRY_MS).toBe(15 * 60_000);
    expect(e.retryable).toBe(true);
    emu.faults.drMode = false;
    await expect(client.requestExport(projectId, iterationId, 'ONNX')).resolves.toMatchObject({ alreadyQueued: false });
  });

  it('"already queued" after Done settles from GetExports', async () => {
    await start();
    await client.requestExport(projectId, iterationId, 'TensorFlow', 'TensorFlowLite');
    await emu.completeExports();
    const raw2 = await raw(
      `/projects/${projectId}/iterations/${iterationId}/export?platform=TensorFlow&flavor=TensorFlowLite`,
      'POST',
    );
    const settled = await client.ensureExport(projectId, iterationId, 'tensorflow', 'tensorflowlite');
    expect(raw2.body).toMatchObject({ code: 'BadRequestExportAlreadyInProgress' });
    expect(settled).toEqual({
      state: 'alreadyQueued',
      export: expect.objectContaining({ platform: 'TensorFlow', flavor: 'TensorFlowLite', status: 'Done' }),
    });
  });

  it('flavor casing: the client sends canonical names and reads any casing back canonical', async () => {
    await start({ flavorCasing: 'lower' });
    await client.requestExport(projectId, iterationId, 'onnx', 'onnxfloat16');
    const [e] = await client.listExports(projectId, iterationId);
    expect(emu.requestLog.at(-2)?.path).toContain('platform=ONNX&flavor=ONNXFloat16');
    expect(e).toMatchObject({ platform: 'ONNX', flavor: 'ONNXFloat16' });
    await expect(caught(client.requestExport(projectId, iterationId, 'ONNX', 'TensorFlowLite'))).resolves.toMatchObject(
      {
        kind: 'validation',
      },
    );
  });

  it('the downloadUri is a secret: redacted when serialized or printed', async () => {
    await start();
    expect(await client.getExportDownloadUri(projectId, iterationId, 'ONNX')).toBeUndefined();
    await client.requestExport(projectId, iterationId, 'ONNX');
    expect(await client.getExportDownloadUri(projectId, iterationId, 'ONNX')).toBeUndefined(); // exporting
    await emu.completeExports();
    const uri = await client.getExportDownloadUri(projectId, iterationId, 'onnx');
    expect(uri?.reveal()).toMatch(/[?&]sig=/);
    const shown = [JSON.stringify({ uri }), String(uri), inspect({ uri }), `${uri}`].join(' ');
    expect(shown).not.toMatch(/sig=|https?:/);
  });

  it('429 carries the recorded throttling text', async () => {
    await start();
    emu.faults.inject({ status: 429, retryAfterSeconds: 1, pathIncludes: '/export' });
    const e = await caught(client.listExports(projectId, iterationId));
    expect(e).toMatchObject({ kind: 'throttled', retryAfterMs: 1000 });
    expect(e.message).toContain('Requests to the GetExports Operation under Custom_Vision_Training_3.3 have exceeded');
    expect(e.message).toContain('retry after 1 second');
  });
});
