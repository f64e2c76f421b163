/**
 * Copy state machine of the Form Recognizer emulator over loopback HTTP, on a virtual clock.
 */
import { VirtualClock } from '../../dev/clock';
import {
  demoSourceModels,
  type EmulatedResource,
  type FormRecognizerEmulator,
  startFormRecognizerEmulator,
  UNIX_EPOCH_TICKS,
} from '../../dev/emulators/formRecognizer';
import { authorize, copyBody, json, modelsUrl, pollOnce, send, startCopy } from './frEmulatorHelpers';

const HOUR = 3600_000;
const COPY_MS = 10_000;
const SOURCE_MODEL = demoSourceModels()[0]!;
const COMPOSED_MODEL = demoSourceModels().find((m) => m.isComposed)!;
const ENC_MODEL = 'e0000000-0000-4000-8000-000000000001';

describe('Form Recognizer emulator — copy state machine', () => {
  let clock: VirtualClock;
  let emu: FormRecognizerEmulator;
  let source: EmulatedResource;
  let target: EmulatedResource;

  beforeEach(async () => {
    // Prepare
    clock = new VirtualClock('2026-03-01T12:00:00Z');
    emu = await startFormRecognizerEmulator({
      clock,
      copyDurationMs: COPY_MS,
      resources: [
        { name: 'src', region: 'westus2', models: demoSourceModels() },
        {
          name: 'src-enc',
          region: 'northeurope',
          encrypted: true,
          models: [{ modelId: ENC_MODEL, modelName: 'secret' }],
        },
        {
          name: 'src-lenient',
          region: 'westus2',
          tamperedAuthorization: 'failOperation',
          models: [{ modelId: ENC_MODEL }],
        },
        { name: 'dr-eastus', region: 'eastus' },
        { name: 'dr-enc', region: 'westeurope', encrypted: true },
        { name: 'dr-ticks', region: 'centralus', tickEncoding: 'ticks' },
        { name: 'dr-invalid-blank', region: 'uksouth', blankModelStatus: 'invalid' },
      ],
    });
    source = emu.resource('src');
    target = emu.resource('dr-eastus');
  });

  afterEach(async () => {
    await emu.close();
  });

  it('issues an authorization: 201, Location of the blank model, three fields, expiry in 24 h (seconds)', async () => {
    const res = await send(target, 'POST', '/copyAuthorization');

    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('apim-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = json<{ modelId: string; accessToken: string; expirationDateTimeTicks: number }>(res);
    expect(Object.keys(body)).toEqual(['modelId', 'accessToken', 'expirationDateTimeTicks']);
    expect(res.headers.get('location')).toBe(`${modelsUrl(target)}/${body.modelId}`);
    expect(body.expirationDateTimeTicks).toBe(Math.floor((clock.now() + 24 * HOUR) / 1000));

    const blank = await send(target, 'GET', `/${body.modelId}`);
    expect(blank.status).toBe(200);
    expect(json<{ modelInfo: { status: string } }>(blank).modelInfo.status).toBe('creating');
    expect(emu.models('dr-eastus')).toEqual([
      expect.objectContaining({ modelId: body.modelId, blank: true, status: 'creating' }),
    ]);
  });

  it('blank model status is configurable per resource', async () => {
    const auth = await authorize(emu.resource('dr-invalid-blank'));
    const res = await send(emu.resource('dr-invalid-blank'), 'GET', `/${auth.modelId}`);
    expect(json<{ modelInfo: { status: string } }>(res).modelInfo.status).toBe('invalid');
  });

  it('runs notStarted → running → succeeded on the clock and the target becomes a ready copy', async () => {
    // Prepare
    const auth = await authorize(target);

    // Act
    const started = await startCopy(source, SOURCE_MODEL.modelId!, copyBody(target, auth.raw));

    // Assess
    expect(started.status).toBe(202);
    expect(started.text).toBe('');
    expect(started.operationLocation).toMatch(
      new RegExp(`^${modelsUrl(source).replace(/[.]/g, '\\.')}/${SOURCE_MODEL.modelId}/copyresults/[0-9a-f-]{36}$`),
    );
    const loc = started.operationLocation!;

    const first = await pollOnce(source, loc);
    expect(first).toEqual({
      status: 'notStarted',
      createdDateTime: new Date(clock.now()).toISOString(),
      lastUpdatedDateTime: new Date(clock.now()).toISOString(),
      copyResult: { modelId: auth.modelId },
    });

    clock.advance(COPY_MS / 2);
    expect((await pollOnce(source, loc)).status).toBe('running');
    expect((await send(target, 'GET', `/${auth.modelId}`)).text).toContain('"status":"creating"');

    clock.advance(COPY_MS / 2);
    // `copyResults` (documented casing) and `copyresults` (header casing) are the same resource.
    const done = await pollOnce(source, loc.replace('/copyresults/', '/copyResults/'));
    expect(done.status).toBe('succeeded');
    expect(done.copyResult).toEqual({ modelId: auth.modelId });

    const copied = json<{ modelInfo: Record<string, unknown>; trainResult: unknown }>(
      await send(target, 'GET', `/${auth.modelId}`),
    );
    expect(copied.modelInfo).toEqual({
      modelId: auth.modelId,
      status: 'ready',
      createdDateTime: new Date(SOURCE_MODEL.createdDateTime!).toISOString(),
      lastUpdatedDateTime: new Date(SOURCE_MODEL.lastUpdatedDateTime!).toISOString(),
      modelName: SOURCE_MODEL.modelName,
      attributes: { isComposed: false },
    });
    expect(copied.trainResult).toEqual(SOURCE_MODEL.trainResult);
    expect(auth.modelId).not.toBe(SOURCE_MODEL.modelId);
  });

  it('copies a composed model under a new id, keeping component ids', async () => {
    const auth = await authorize(target);
    const started = await startCopy(source, COMPOSED_MODEL.modelId!, copyBody(target, auth.raw));
    clock.advance(COPY_MS);
    expect((await pollOnce(source, started.operationLocation!)).status).toBe('succeeded');

    const copied = json<{
      modelInfo: { attributes: unknown; modelId: string };
      composedTrainResults: { modelId: string }[];
    }>(await send(target, 'GET', `/${auth.modelId}`));
    expect(copied.modelInfo.modelId).not.toBe(COMPOSED_MODEL.modelId);
    expect(copied.modelInfo.attributes).toEqual({ isComposed: true });
    expect(copied.composedTrainResults.map((c) => c.modelId)).toEqual(
      COMPOSED_MODEL.composedTrainResults!.map((c) => c.modelId),
    );
  });

  it('refuses reuse of an authorization after a success with "2024"', async () => {
    const auth = await authorize(target);
    const first = await startCopy(source, SOURCE_MODEL.modelId!, copyBody(target, auth.raw));
    clock.advance(COPY_MS);
    expect((await pollOnce(source, first.operationLocation!)).status).toBe('succeeded');

    const again = await startCopy(source, SOURCE_MODEL.modelId!, copyBody(target, auth.raw));
    expect(again.status).toBe(202);
    clock.advance(COPY_MS);
    const result = await pollOnce(source, again.operationLocation!);
    expect(result.status).toBe('failed');
    expect(result.copyResult.errors).toEqual([
      {
        code: '2024',
        message:
          'Could not retrieve authorization metadata. If this issue persists use a different target model to copy into.',
      },
    ]);
  });

  it('refuses reuse of an authorization after a failure with "2024"', async () => {
    // Prepare: the first copy fails inside the operation (transient InternalServerError).
    emu.faults.add('src', { kind: 'copyFails', code: 'InternalServerError', message: 'An unexpected error occurred.' });
    const auth = await authorize(target);
    const first = await startCopy(source, SOURCE_MODEL.modelId!, copyBody(target, auth.raw));
    clock.advance(COPY_MS);
    const failed = await pollOnce(source, first.operationLocation!);
    expect(failed.status).toBe('failed');
    expect(failed.copyResult.errors).toEqual([
      { code: 'InternalServerError', message: 'An unexpected error occurred.' },
    ]);

    // Act: retry with the same authorization
    const retry = await startCopy(source, SOURCE_MODEL.modelId!, copyBody(target, auth.raw));
    clock.advance(COPY_MS);

    // Assess
    const result = await pollOnce(source, retry.operationLocation!);
    expect(result.copyResult.errors?.[0]?.code).toBe('2024');
    expect(emu.models('dr-eastus').find((m) => m.modelId === auth.modelId)?.status).toBe('creating');
  });

  it('rejects an authorization after its 24 h expiry with 400 1002 (and accepts it just before)', async () => {
    const early = await authorize(target);
    const late = await authorize(target);
    clock.advance(24 * HOUR - 2000);
    expect((await startCopy(source, SOURCE_MODEL.modelId!, copyBody(target, early.raw))).status).toBe(202);

    clock.advance(HOUR + 2000);
    const res = await startCopy(source, SOURCE_MODEL.modelId!, copyBody(target, late.raw));
    expect(res.status).toBe(400);
    expect(json<{ error: { code: string } }>(res).error.code).toBe('1002');
    expect(res.operationLocation).toBeNull();
  });

  it.each([
    { from: 'src-enc', to: 'dr-eastus', degrade: false, expected: 'DataProtectionTransformServiceError' },
    { from: 'src-enc', to: 'dr-eastus', degrade: true, expected: 'succeeded' },
    { from: 'src-enc', to: 'dr-enc', degrade: false, expected: 'succeeded' },
    { from: 'src-lenient', to: 'dr-enc', degrade: false, expected: 'succeeded' },
    { from: 'src-lenient', to: 'dr-eastus', degrade: false, expected: 'succeeded' },
  ])('degrade header: $from → $to with header=$degrade → $expected', async ({ from, to, degrade, expected }) => {
    const t = emu.resource(to);
    const auth = await authorize(t);
    const started = await startCopy(
      emu.resource(from),
      ENC_MODEL,
      copyBody(t, auth.raw),
      degrade ? { 'x-ms-forms-copy-degrade': 'true' } : undefined,
    );
    expect(started.status).toBe(202);
    clock.advance(COPY_MS);
    const result = await pollOnce(emu.resource(from), started.operationLocation!);
    if (expected === 'succeeded') {
      expect(result.status).toBe('succeeded');
    } else {
      expect(result.status).toBe('failed');
      expect(result.copyResult.errors?.[0]).toEqual({
        code: expected,
        message:
          'Data transfer request is not allowed as it downgrades to a less secure data protection scheme. Refer documentation or contact your service administrator for details.',
      });
    }
  });

  it('fails with ResourceResolverError when the target resource id is well-formed but unknown', async () => {
    const auth = await authorize(target);
    const unknownId =
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/nowhere';
    const started = await startCopy(
      source,
      SOURCE_MODEL.modelId!,
      copyBody({ resourceId: unknownId, region: 'eastus' }, auth.raw),
    );
    expect(started.status).toBe(202);
    clock.advance(COPY_MS);
    const result = await pollOnce(source, started.operationLocation!);
    expect(result.status).toBe('failed');
    expect(result.copyResult.errors).toEqual([
      {
        code: 'ResourceResolverError',
        message: `Could not fetch information for Cognitive resource with Id '${unknownId}'. Ensure the resource is valid and exists in the specified region 'eastus'.`,
      },
    ]);
  });

  it("fails with AuthorizationError and the recorded 'Could not retrieve authorization metadata' words when the region is well-formed but not the target's", async () => {
    const auth = await authorize(target);
    const started = await startCopy(
      source,
      SOURCE_MODEL.modelId!,
      copyBody({ resourceId: target.resourceId, region: 'westeurope' }, auth.raw),
    );
    expect(started.status).toBe(202);
    clock.advance(COPY_MS);
    const result = await pollOnce(source, started.operationLocation!);
    expect(result.copyResult.errors).toEqual([
      {
        code: 'AuthorizationError',
        message:
          'Could not retrieve authorization metadata. If this issue persists use a different target model to copy into.',
      },
    ]);
  });

  it('accepts the region in upper case', async () => {
    const auth = await authorize(target);
    const started = await startCopy(
      source,
      SOURCE_MODEL.modelId!,
      copyBody({ resourceId: target.resourceId, region: 'EastUS' }, auth.raw),
    );
    clock.advance(COPY_MS);
    expect((await pollOnce(source, started.operationLocation!)).status).toBe('succeeded');
  });

  it.each([
    {
      case: 'malformed targetResourceId',
      body: (raw: string, t: EmulatedResource) =>
        copyBody({ resourceId: `/subs/x${t.resourceId}`, region: t.region }, raw),
    },
    {
      case: 'invalid targetResourceRegion',
      body: (raw: string, t: EmulatedResource) => copyBody({ resourceId: t.resourceId, region: 'east us' }, raw),
    },
    {
      case: 'missing copyAuthorization',
      body: (_raw: string, t: EmulatedResource) =>
        `{"targetResourceId":"${t.resourceId}","targetResourceRegion":"eastus"}`,
    },
    { case: 'body that is not JSON', body: () => 'not json' },
    {
      case: 'modified access token',
      body: (raw: string, t: EmulatedResource) =>
        copyBody(t, raw.replace(/"accessToken":"[^"]+"/, '"accessToken":"forged"')),
    },
  ])('rejects a copy with $case: 400 1002', async ({ body }) => {
    const auth = await authorize(target);
    const res = await startCopy(source, SOURCE_MODEL.modelId!, body(auth.raw, target));
    expect(res.status).toBe(400);
    expect(json<{ error: { code: string } }>(res).error.code).toBe('1002');
    expect(emu.operations('src')).toEqual([]);
  });

  it('checks in order: 401 bad key, then 404 1022 unknown model, then 400', async () => {
    const auth = await authorize(target);
    const bad = copyBody({ resourceId: 'nope', region: 'eastus' }, auth.raw);
    const unauthorized = await send(source, 'POST', '/00000000-0000-0000-0000-00000000dead/copy', {
      key: 'wrong',
      body: bad,
    });
    expect(unauthorized.status).toBe(401);
    const notFound = await send(source, 'POST', '/00000000-0000-0000-0000-00000000dead/copy', { body: bad });
    expect(notFound.status).toBe(404);
    expect(notFound.text).toBe(
      '{"error":{"code":"1022","message":"Model with \'id=00000000-0000-0000-0000-00000000dead\' not found."}}',
    );
    const badRequest = await send(source, 'POST', `/${SOURCE_MODEL.modelId}/copy`, { body: bad });
    expect(badRequest.status).toBe(400);
  });

  it('ticks encoding: an 18-digit value must come back byte-for-byte; a JSON.parse round trip is "modified"', async () => {
    // Prepare
    const ticksTarget = emu.resource('dr-ticks');
    const auth = await authorize(ticksTarget);
    const rawTicks = /"expirationDateTimeTicks":(\d+)/.exec(auth.raw)![1]!;
    expect(rawTicks).toHaveLength(18);
    expect(BigInt(rawTicks)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
    const expiresMs = Number((BigInt(rawTicks) - UNIX_EPOCH_TICKS) / 10000n);
    expect(expiresMs).toBe(clock.now() + 24 * HOUR);
    const roundTripped = JSON.stringify(JSON.parse(auth.raw));
    expect(roundTripped).not.toBe(auth.raw);

    // Act
    const modified = await startCopy(source, SOURCE_MODEL.modelId!, copyBody(ticksTarget, roundTripped));
    const verbatim = await startCopy(source, SOURCE_MODEL.modelId!, copyBody(ticksTarget, auth.raw));

    // Assess
    expect(modified.status).toBe(400);
    expect(json<{ error: { code: string } }>(modified).error.code).toBe('1002');
    expect(verbatim.status).toBe(202);
    clock.advance(COPY_MS);
    expect((await pollOnce(source, verbatim.operationLocation!)).status).toBe('succeeded');
  });

  it('a source configured with tamperedAuthorization=failOperation accepts a modified authorization and fails the operation', async () => {
    const ticksTarget = emu.resource('dr-ticks');
    const lenient = emu.resource('src-lenient');
    const auth = await authorize(ticksTarget);
    const started = await startCopy(lenient, ENC_MODEL, copyBody(ticksTarget, JSON.stringify(JSON.parse(auth.raw))));
    expect(started.status).toBe(202);
    clock.advance(COPY_MS);
    const result = await pollOnce(lenient, started.operationLocation!);
    expect(result.copyResult.errors?.[0]?.code).toBe('AuthorizationError');

    // The genuine authorization was not spent by the forged attempt.
    const genuine = await startCopy(lenient, ENC_MODEL, copyBody(ticksTarget, auth.raw));
    clock.advance(COPY_MS);
    expect((await pollOnce(lenient, genuine.operationLocation!)).status).toBe('succeeded');
  });

  it('a copy into a blank model deleted meanwhile fails with "2024"', async () => {
    const auth = await authorize(target);
    const started = await startCopy(source, SOURCE_MODEL.modelId!, copyBody(target, auth.raw));
    expect((await send(target, 'DELETE', `/${auth.modelId}`)).status).toBe(204);
    clock.advance(COPY_MS);
    const result = await pollOnce(source, started.operationLocation!);
    expect(result.copyResult.errors?.[0]?.code).toBe('2024');
    expect(emu.models('dr-eastus')).toEqual([]);
  });

  it('per-copy duration function and copyDuration fault drive the timeline', async () => {
    await emu.close();
    const seen: string[] = [];
    emu = await startFormRecognizerEmulator({
      clock,
      resources: [
        { name: 'src', region: 'westus2', models: demoSourceModels() },
        { name: 'dr', region: 'eastus' },
      ],
      copyDurationMs: (c) => {
        seen.push(`${c.source}->${c.target}:${c.sourceModelId}`);
        return 20_000;
      },
    });
    const [s, t] = [emu.resource('src'), emu.resource('dr')];
    const a1 = await authorize(t);
    const slow = await startCopy(s, SOURCE_MODEL.modelId!, copyBody(t, a1.raw));
    emu.faults.add('src', { kind: 'copyDuration', ms: 60_000 });
    const a2 = await authorize(t);
    const slower = await startCopy(s, SOURCE_MODEL.modelId!, copyBody(t, a2.raw));

    clock.advance(20_000);
    expect((await pollOnce(s, slow.operationLocation!)).status).toBe('succeeded');
    expect((await pollOnce(s, slower.operationLocation!)).status).toBe('notStarted');
    clock.advance(10_000);
    expect((await pollOnce(s, slower.operationLocation!)).status).toBe('running');
    clock.advance(30_000);
    expect((await pollOnce(s, slower.operationLocation!)).status).toBe('succeeded');
    expect(seen).toEqual([`src->dr:${SOURCE_MODEL.modelId}`]);
  });

  it('serves v2.0-preview and v2.0 paths too; v2.0 model info has no modelName / attributes', async () => {
    const res = await send(source, 'GET', `/${SOURCE_MODEL.modelId}`, { version: 'v2.0' });
    expect(Object.keys(json<{ modelInfo: object }>(res).modelInfo).sort()).toEqual([
      'createdDateTime',
      'lastUpdatedDateTime',
      'modelId',
      'status',
    ]);
    const preview = await send(target, 'POST', '/copyAuthorization', { version: 'v2.0-preview' });
    expect(preview.status).toBe(201);
    expect(preview.headers.get('location')).toContain('/formrecognizer/v2.0-preview/custom/models/');
    expect((await send(source, 'GET', '', { version: 'v3.0' })).status).toBe(404);
  });
});
