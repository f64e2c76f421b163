import { VirtualClock } from '../../dev/clock';
import {
  startCustomVisionEmulator,
  type CustomVisionEmulator,
  type EmulatedProject,
} from '../../dev/emulators/customVision';
import {
  CustomVisionError,
  CvPermanentError,
  CvThrottledError,
  CvTransientError,
  CvUnexpectedResponseError,
  CvValidationError,
  serializeCvError,
} from '../../src/customVision/errors';
import { CustomVisionTrainingClient } from '../../src/customVision/trainingClient';
import { rejection } from '../support/rejection';

const KEY = 'cafebabecafebabecafebabecafebabe';

const caught = (p: Promise<unknown>): Promise<CustomVisionError> => rejection(p, CustomVisionError);

function expectNoKey(e: unknown): void {
  const everything = `${String(e)} ${(e as Error).stack ?? ''} ${JSON.stringify(e)} ${JSON.stringify(serializeCvError(e))}`;
  expect(everything).not.toContain(KEY);
}

describe('CustomVisionTrainingClient against the emulator', () => {
  let clock: VirtualClock;
  let emu: CustomVisionEmulator;
  let client: CustomVisionTrainingClient;
  let project: EmulatedProject;
  let iterationId: string;

  beforeEach(async () => {
    clock = new VirtualClock('2026-03-01T00:00:00Z');
    // No storage: side effects are only logged (these tests are about the API).
    emu = await startCustomVisionEmulator({
      clock,
      trainingKey: KEY,
      exportDurationMs: 60_000,
      idSeed: 'client-tests',
    });
    client = new CustomVisionTrainingClient({ endpoint: emu.endpoint, trainingKey: KEY, now: () => clock.now() });
    project = await emu.createProject({ name: 'parts' });
    iterationId = (await emu.trainIteration(project.id)).id;
  });
  afterEach(async () => {
    await emu.close();
  });

  it('reads iterations', async () => {
    // Act
    const list = await client.listIterations(project.id);
    const one = await client.getIteration(project.id, iterationId);
    // Assess
    expect(list.map((i) => i.id)).toEqual([iterationId]);
    expect(one).toMatchObject({ id: iterationId, projectId: project.id, status: 'Completed', exportable: true });
    expect(one.exportableTo).toContain('ONNX');
  });

  it('requests an export, follows it on the clock to Done, and never exposes the download SAS', async () => {
    // Act
    const first = await client.requestExport(project.id, iterationId, 'ONNX', 'ONNX12');
    const again = await client.requestExport(project.id, iterationId, 'ONNX', 'ONNX12');
    const running = await client.listExports(project.id, iterationId);
    clock.advance(60_000);
    const done = await client.listExports(project.id, iterationId);
    // Assess
    expect(first).toEqual({
      alreadyQueued: false,
      export: {
        platform: 'ONNX',
        status: 'Exporting',
        statusText: 'Exporting',
        flavor: 'ONNX12',
        hasDownloadUri: false,
        newerVersionAvailable: false,
      },
    });
    expect(again).toEqual({ alreadyQueued: true });
    expect(running).toEqual([expect.objectContaining({ platform: 'ONNX', status: 'Exporting' })]);
    expect(done).toEqual([
      {
        platform: 'ONNX',
        status: 'Done',
        statusText: 'Done',
        flavor: 'ONNX12',
        hasDownloadUri: true,
        newerVersionAvailable: false,
      },
    ]);
    expect(JSON.stringify(done)).not.toMatch(/sig=|blob\.core/);
    // "Already queued" holds while Done too; a different platform is a new export.
    expect(await client.requestExport(project.id, iterationId, 'ONNX', 'ONNX12')).toEqual({ alreadyQueued: true });
    expect(await client.requestExport(project.id, iterationId, 'CoreML')).toMatchObject({ alreadyQueued: false });
  });

  it('reports a failed export as Failed, and a failed export can be requested again', async () => {
    emu.faults.failExports = true;
    await client.requestExport(project.id, iterationId, 'TensorFlow');
    clock.advance(60_000);
    expect(await client.listExports(project.id, iterationId)).toEqual([
      expect.objectContaining({ platform: 'TensorFlow', status: 'Failed', hasDownloadUri: false }),
    ]);
    emu.faults.failExports = false;
    expect(await client.requestExport(project.id, iterationId, 'TensorFlow')).toMatchObject({ alreadyQueued: false });
  });

  it.each([
    [429, CvThrottledError, 'rateLimited', true],
    [500, CvTransientError, 'serverError', true],
    [503, CvTransientError, 'serverError', true],
  ] as const)('classifies HTTP %i as %p (%s)', async (status, ctor, reason, retryable) => {
    // Prepare
    emu.faults.inject({ status, retryAfterSeconds: 7, pathIncludes: '/export' });
    // Act
    const e = await caught(client.listExports(project.id, iterationId));
    // Assess
    expect(e).toBeInstanceOf(ctor);
    expect(e).toMatchObject({ reason, status, operation: 'listExports', retryable, retryAfterMs: 7000 });
    expectNoKey(e);
    // The fault was one-shot.
    await expect(client.listExports(project.id, iterationId)).resolves.toEqual([]);
  });

  it('reads an HTTP-date Retry-After against the injected clock', async () => {
    const at = new Date(clock.now() + 30_000).toUTCString();
    const fetchStub: typeof fetch = () =>
      Promise.resolve(
        new Response('{"error":{"code":"429","message":"slow down"}}', { status: 429, headers: { 'retry-after': at } }),
      );
    const c = new CustomVisionTrainingClient({
      endpoint: emu.endpoint,
      trainingKey: KEY,
      now: () => clock.now(),
      fetch: fetchStub,
    });
    expect(await caught(c.listIterations(project.id))).toMatchObject({ kind: 'throttled', retryAfterMs: 30_000 });
  });

  it('classifies permanent failures: not exportable, unknown ids, bad key', async () => {
    // Prepare
    const general = await emu.trainIteration(project.id, { exportable: false });
    const wrongKey = new CustomVisionTrainingClient({
      endpoint: emu.endpoint,
      trainingKey: `${KEY}-wrong`,
      now: () => clock.now(),
    });
    // Act
    const notExportable = await caught(client.requestExport(project.id, general.id, 'ONNX'));
    const unknownProject = await caught(client.getIteration('00000000-0000-4000-8000-000000000000', iterationId));
    const unknownIteration = await caught(client.listExports(project.id, '00000000-0000-4000-8000-000000000000'));
    const unauthenticated = await caught(wrongKey.listIterations(project.id));
    // Assess
    expect(notExportable).toBeInstanceOf(CvPermanentError);
    expect(notExportable).toMatchObject({
      reason: 'exportValidationFailed',
      serviceCode: 'BadRequestExportValidationFailed',
      status: 400,
      retryable: false,
    });
    expect(unknownProject).toMatchObject({ kind: 'permanent', reason: 'notFound', status: 404 });
    expect(unknownIteration).toMatchObject({ kind: 'permanent', reason: 'notFound', status: 404 });
    expect(unauthenticated).toMatchObject({ kind: 'permanent', reason: 'unauthenticated', status: 401 });
    for (const e of [notExportable, unknownProject, unknownIteration, unauthenticated]) expectNoKey(e);
    expect(String(unauthenticated)).not.toContain(`${KEY}-wrong`);
  });

  it('classifies network failures and timeouts as transient', async () => {
    emu.faults.network({ kind: 'reset' });
    const reset = await caught(client.listIterations(project.id));
    expect(reset).toBeInstanceOf(CvTransientError);
    expect(reset).toMatchObject({ reason: 'network' });
    // A hung request: the per-request timeout is real time, kept tiny; nothing asserts on timing.
    emu.faults.network({ kind: 'hang' });
    const fast = new CustomVisionTrainingClient({ endpoint: emu.endpoint, trainingKey: KEY, timeoutMs: 50 });
    expect(await caught(fast.listIterations(project.id))).toMatchObject({ kind: 'transient', reason: 'timeout' });
    const refused = new CustomVisionTrainingClient({ endpoint: 'http://127.0.0.1:1', trainingKey: KEY });
    expect(await caught(refused.listIterations(project.id))).toMatchObject({ kind: 'transient', reason: 'network' });
  });

  it('treats an unreadable 2xx body as a transient unexpected response, echoing no key', async () => {
    const fetchStub: typeof fetch = () => Promise.resolve(new Response(`<html>gateway ${KEY}</html>`, { status: 200 }));
    const c = new CustomVisionTrainingClient({ endpoint: emu.endpoint, trainingKey: KEY, fetch: fetchStub });
    const e = await caught(c.listExports(project.id, iterationId));
    expect(e).toBeInstanceOf(CvUnexpectedResponseError);
    expectNoKey(e);
  });

  it('scrubs the key when the service echoes it in an error message', async () => {
    const fetchStub: typeof fetch = () =>
      Promise.resolve(
        new Response(
          JSON.stringify({ code: 'BadRequest', message: `key ${KEY} refused, see https://x.example/a?sig=zzz` }),
          { status: 400 },
        ),
      );
    const c = new CustomVisionTrainingClient({ endpoint: emu.endpoint, trainingKey: KEY, fetch: fetchStub });
    const e = await caught(c.requestExport(project.id, iterationId, 'ONNX'));
    expect(e).toMatchObject({ kind: 'permanent', reason: 'badRequest' });
    expectNoKey(e);
    expect(e.message).not.toContain('sig=zzz');
  });

  it('refuses bad arguments before sending anything', async () => {
    const before = emu.requestLog.length;
    expect(await caught(client.getIteration('nope', iterationId))).toBeInstanceOf(CvValidationError);
    expect(await caught(client.requestExport(project.id, iterationId, 'Zip' as never))).toBeInstanceOf(
      CvValidationError,
    );
    expect(emu.requestLog.length).toBe(before);
    expect(() => new CustomVisionTrainingClient({ endpoint: 'http://cv.example.com', trainingKey: KEY })).toThrow(
      CvValidationError,
    );
    expect(JSON.stringify(client)).not.toContain(KEY);
  });

  it('keeps no secret in the emulator request log', async () => {
    await client.requestExport(project.id, iterationId, 'ONNX');
    expect(JSON.stringify(emu.requestLog)).not.toContain(KEY);
    expect(emu.requestLog.at(-1)).toMatchObject({
      method: 'POST',
      status: 200,
      keyValid: true,
      path: expect.stringContaining('platform=ONNX'),
    });
  });
});
