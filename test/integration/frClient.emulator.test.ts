/**
 * The Form Recognizer v2 client against the emulator over real loopback HTTP, on a
 * virtual clock (copy progress and 24 h expiry move only when the test advances time).
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { VirtualClock } from '../../dev/clock';
import { startFormRecognizerEmulator, type FormRecognizerEmulator } from '../../dev/emulators/formRecognizer';
import {
  AuthorizationRenewalError,
  COGNITIVE_SERVICES_SCOPE,
  CopyAuthorization,
  FormRecognizerV2Client,
  ModelNotFoundError,
  PermanentError,
  ThrottledError,
  TransientError,
  classifyCopyFailure,
  serializeError,
  type CopyResult,
  type FormRecognizerError,
  type RequestEvent,
} from '../../src/formRecognizer';
import { rejection } from '../support/rejection';
import { lineLogger } from '../support/logLines';

const DAY = 24 * 60 * 60 * 1000;
const SOURCE_MODELS = Array.from({ length: 75 }, (_, i) => ({
  modelId: `m-${String(i).padStart(3, '0')}`,
  modelName: `model ${i}`,
}));
const BEARER = 'entra-fake-token.AAAABBBBCCCCDDDD.signature';

let clock: VirtualClock;
let emu: FormRecognizerEmulator;
let logLines: string[];
let events: RequestEvent[];

const logger = lineLogger(() => logLines);

function client(
  name: string,
  extra: Partial<ConstructorParameters<typeof FormRecognizerV2Client>[0]> = {},
): FormRecognizerV2Client {
  const r = emu.resource(name);
  return new FormRecognizerV2Client({
    endpoint: r.endpoint,
    region: r.region,
    resourceId: r.resourceId,
    credential: { key: r.key },
    now: () => clock.now(),
    logger,
    onRequest: (e) => events.push(e),
    ...extra,
  });
}

const caught = (p: Promise<unknown>): Promise<FormRecognizerError> => rejection<FormRecognizerError>(p);

/** Polls on the virtual clock: advances time instead of sleeping. */
async function settle(
  source: FormRecognizerV2Client,
  ref: Parameters<FormRecognizerV2Client['getCopyResult']>[0],
): Promise<CopyResult> {
  for (let i = 0; i < 20; i++) {
    const r = await source.getCopyResult(ref);
    if (r.status === 'succeeded' || r.status === 'failed') return r;
    clock.advance(1000);
  }
  throw new Error('copy did not settle');
}

beforeEach(async () => {
  clock = new VirtualClock('2026-03-01T00:00:00Z');
  logLines = [];
  events = [];
  emu = await startFormRecognizerEmulator({
    clock,
    copyDurationMs: 4000,
    resources: [
      { name: 'src', region: 'westus2', models: [...SOURCE_MODELS, { modelId: 'bad-1', status: 'invalid' }] },
      { name: 'tgt', region: 'eastus' },
      { name: 'ticks', region: 'northeurope', tickEncoding: 'ticks' },
      { name: 'enc', region: 'westeurope', encrypted: true, models: [{ modelId: 'secret-model' }] },
      { name: 'lax', region: 'francecentral', tamperedAuthorization: 'failOperation' },
      { name: 'entra', region: 'swedencentral', acceptedTokens: [BEARER], models: [{ modelId: 'e-1' }] },
    ],
  });
});

afterEach(async () => {
  await emu.close();
});

describe('models', () => {
  it('lists every page, following nextLink verbatim, including invalid models', async () => {
    // Prepare
    const src = client('src');
    // Act
    const ids: string[] = [];
    const statuses = new Set<string>();
    for await (const m of src.listModels()) {
      ids.push(m.modelId);
      statuses.add(m.status);
    }
    // Assess
    expect(ids).toHaveLength(76);
    expect(ids).toEqual([...ids].sort());
    const lists = emu.requestLog.filter((e) => e.call === 'list');
    expect(lists).toHaveLength(3);
    const first = await src.listModelsPage();
    expect(first.models).toHaveLength(30);
    expect(first.nextLink).toBeDefined();
    const nextPath = new URL(first.nextLink!).pathname + new URL(first.nextLink!).search;
    expect(lists[1]!.path).toBe(nextPath);
    expect(first.nextLink!.endsWith(lists[1]!.path)).toBe(true);
    const last = await src.listModelsPage((await src.listModelsPage(first.nextLink)).nextLink);
    expect(last.nextLink).toBeUndefined();
    expect(last.models).toHaveLength(16);
    expect([...statuses].sort()).toEqual(['invalid', 'ready']);
  });

  it('summary, get, and a 404 1022 that is a ModelNotFoundError', async () => {
    const src = client('src');
    expect(await src.getModelsSummary()).toMatchObject({ count: 76, limit: 5000 });
    expect(await src.getModel('m-001')).toMatchObject({
      modelId: 'm-001',
      status: 'ready',
      modelName: 'model 1',
      isComposed: false,
    });
    const e = await caught(src.getModel('nope'));
    expect(e).toBeInstanceOf(ModelNotFoundError);
    expect([e.kind, e.reason, e.status, e.serviceCode, e.operation]).toEqual([
      'permanent',
      'modelNotFound',
      404,
      '1022',
      'getModel',
    ]);
    expect(e.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('v2.0 paths work too (no modelName)', async () => {
    const src = client('src', { apiVersion: 'v2.0' });
    const m = await src.getModel('m-002');
    expect(m.modelName).toBeUndefined();
    expect(emu.requestLog.at(-1)!.path).toBe('/formrecognizer/v2.0/custom/models/m-002');
  });

  it('delete: 204 deletes, a second delete (404) is success with deleted=false', async () => {
    const src = client('src');
    expect(await src.deleteModel('m-003')).toEqual({ deleted: true });
    expect(await src.deleteModel('m-003')).toEqual({ deleted: false });
    expect(logLines.some((l) => l.includes('already gone'))).toBe(true);
  });
});

describe('copy', () => {
  it('authorize → start → poll → target ready (seconds encoding)', async () => {
    // Prepare
    const src = client('src');
    const tgt = client('tgt');
    // Act
    const auth = await tgt.authorizeCopy({ targetModelId: 'ignored-by-v2', description: 'x' });
    const ref = await src.startCopy('m-010', auth);
    const first = await src.getCopyResult(ref);
    const done = await settle(src, ref);
    // Assess
    expect(auth.expiresEncoding).toBe('seconds');
    expect(auth.expiresAt.getTime()).toBe(Date.parse('2026-03-01T00:00:00Z') + DAY);
    expect([auth.targetResourceId, auth.targetResourceRegion]).toEqual([emu.resource('tgt').resourceId, 'eastus']);
    expect(
      ref.operationLocation.startsWith(
        `${emu.resource('src').endpoint}/formrecognizer/v2.1/custom/models/m-010/copyresults/`,
      ),
    ).toBe(true);
    expect(ref.targetModelId).toBe(auth.targetModelId);
    expect(first.status).toBe('notStarted');
    expect(first.targetModelId).toBe(auth.targetModelId);
    expect(done).toMatchObject({ status: 'succeeded', targetModelId: auth.targetModelId, errors: [] });
    expect(await tgt.getModel(auth.targetModelId)).toMatchObject({ status: 'ready', modelName: 'model 10' });
    // the op location is plain data: it survives durable history and is re-validated on use
    const again = await src.getCopyResult(JSON.parse(JSON.stringify(ref)) as typeof ref);
    expect(again.status).toBe('succeeded');
  });

  it('.NET ticks (18 digits, sub-ms digits) survive the round trip byte-for-byte', async () => {
    const src = client('src');
    const tgt = client('ticks');
    const auth = await tgt.authorizeCopy();
    const ticks = /"expirationDateTimeTicks":(\d+)/.exec(auth.raw)![1]!;
    expect(ticks).toHaveLength(18);
    expect(auth.expiresEncoding).toBe('ticks');
    expect(Math.abs(auth.expiresAt.getTime() - (clock.now() + DAY))).toBeLessThan(1);
    // what a JSON round trip would have sent — and the emulator would have refused
    expect(JSON.stringify(JSON.parse(auth.raw))).not.toBe(auth.raw);
    const ref = await src.startCopy('m-011', auth);
    expect((await settle(src, ref)).status).toBe('succeeded');
  });

  it('Operation-Location is accepted only for the model it started', async () => {
    const src = client('src');
    const ref = await src.startCopy('m-012', await client('tgt').authorizeCopy());
    const before = emu.requestLog.length;
    const e = await caught(src.getCopyResult({ ...ref, sourceModelId: 'm-013' }));
    expect(e.name).toBe('ForeignHostError');
    expect(emu.requestLog.length).toBe(before);
  });
});

describe('the error table, classified', () => {
  it('400 1002 expired — refused before sending when the client clock knows it', async () => {
    const src = client('src');
    const auth = await client('tgt').authorizeCopy();
    clock.advance(DAY + 1000);
    const before = emu.requestLog.length;
    const e = await caught(src.startCopy('m-020', auth));
    expect(e).toBeInstanceOf(AuthorizationRenewalError);
    expect(e.reason).toBe('authorizationExpired');
    expect(emu.requestLog.length).toBe(before);
  });

  it('400 1002 expired — from the service (client clock behind)', async () => {
    const src = client('src', { now: () => Date.parse('2026-03-01T00:00:00Z') });
    const auth = await client('tgt').authorizeCopy();
    clock.advance(DAY + 1000);
    const e = await caught(src.startCopy('m-020', auth));
    expect(e).toBeInstanceOf(AuthorizationRenewalError);
    expect([e.status, e.serviceCode, e.reason, e.operation]).toEqual([
      400,
      '1002',
      'authorizationExpired',
      'startCopy',
    ]);
  });

  it('400 1002 modified authorization', async () => {
    const src = client('src');
    const auth = await client('tgt').authorizeCopy();
    const modified = CopyAuthorization.fromV2Raw(
      auth.raw.replace(/"accessToken":"[^"]*"/, '"accessToken":"00000000-0000-0000-0000-000000000000"'),
      {
        resourceId: auth.targetResourceId,
        region: auth.targetResourceRegion,
      },
    );
    const e = await caught(src.startCopy('m-021', modified));
    expect(e).toBeInstanceOf(AuthorizationRenewalError);
    expect([e.status, e.serviceCode, e.reason]).toEqual([400, '1002', 'authorizationInvalid']);
  });

  it('AuthorizationError inside the operation (a source that accepts a modified payload, then fails it)', async () => {
    // Prepare: 'lax' is a source configured to fail the operation rather than reject with 1002
    emu.addModel('lax', { modelId: 'lax-model' });
    const lax = client('lax');
    const auth = await client('tgt').authorizeCopy();
    const modified = CopyAuthorization.fromV2Raw(
      auth.raw.replace(/"accessToken":"[^"]*"/, '"accessToken":"tampered-token-value"'),
      {
        resourceId: auth.targetResourceId,
        region: auth.targetResourceRegion,
      },
    );
    // Act
    const r = await settle(lax, await lax.startCopy('lax-model', modified));
    // Assess
    expect(r.status).toBe('failed');
    const e = classifyCopyFailure(r.errors);
    expect(e).toBeInstanceOf(AuthorizationRenewalError);
    expect([e.serviceCode, e.reason]).toEqual(['AuthorizationError', 'authorizationInvalid']);
  });

  it('well-formed but wrong region → AuthorizationError in the operation', async () => {
    const src = client('src');
    const auth = await client('tgt').authorizeCopy();
    const wrongRegion = CopyAuthorization.fromV2Raw(auth.raw, { resourceId: auth.targetResourceId, region: 'westus3' });
    const r = await settle(src, await src.startCopy('m-022', wrongRegion));
    expect(classifyCopyFailure(r.errors).kind).toBe('authorizationRenewal');
  });

  it.each([
    ['malformed targetResourceId', { resourceId: '/subscriptions/x/not-a-resource', region: 'eastus' }],
    [
      'invalid targetResourceRegion',
      {
        resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a',
        region: 'east us!',
      },
    ],
  ])('%s → PermanentError, no request made', async (_name, target) => {
    const src = client('src');
    const auth = await client('tgt').authorizeCopy();
    const bad = CopyAuthorization.fromV2Raw(auth.raw, target);
    const before = emu.requestLog.length;
    const e = await caught(src.startCopy('m-023', bad));
    expect(e).toBeInstanceOf(PermanentError);
    expect(e.reason).toBe('invalidTarget');
    expect(emu.requestLog.length).toBe(before);
  });

  it('reused authorization → "2024" in the operation → renewal', async () => {
    const src = client('src');
    const auth = await client('tgt').authorizeCopy();
    expect((await settle(src, await src.startCopy('m-024', auth))).status).toBe('succeeded');
    const r = await settle(src, await src.startCopy('m-025', auth));
    expect(r.status).toBe('failed');
    const e = classifyCopyFailure(r.errors);
    expect([e.kind, e.reason, e.serviceCode]).toEqual(['authorizationRenewal', 'authorizationReused', '2024']);
  });

  it('ResourceResolverError (unknown target resource) → permanent', async () => {
    const src = client('src');
    const auth = await client('tgt').authorizeCopy();
    const unknown = CopyAuthorization.fromV2Raw(auth.raw, {
      resourceId:
        '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/ghost',
      region: 'eastus',
    });
    const r = await settle(src, await src.startCopy('m-026', unknown));
    const e = classifyCopyFailure(r.errors);
    expect(e).toBeInstanceOf(PermanentError);
    expect([e.reason, e.serviceCode]).toEqual(['targetResourceNotFound', 'ResourceResolverError']);
  });

  it('DataProtectionTransformServiceError without the degrade header → permanent; with it → succeeded', async () => {
    const enc = client('enc');
    const tgt = client('tgt');
    const r1 = await settle(enc, await enc.startCopy('secret-model', await tgt.authorizeCopy()));
    const e = classifyCopyFailure(r1.errors);
    expect([e.kind, e.reason, e.serviceCode]).toEqual([
      'permanent',
      'encryptionDowngrade',
      'DataProtectionTransformServiceError',
    ]);
    const r2 = await settle(
      enc,
      await enc.startCopy('secret-model', await tgt.authorizeCopy(), { allowDegrade: true }),
    );
    expect(r2.status).toBe('succeeded');
  });

  it('404 1022 on copy of an unknown source model', async () => {
    const e = await caught(client('src').startCopy('ghost-model', await client('tgt').authorizeCopy()));
    expect(e).toBeInstanceOf(ModelNotFoundError);
    expect([e.status, e.serviceCode]).toEqual([404, '1022']);
  });

  it('401 bad key → permanent, the key nowhere', async () => {
    const badKey = 'ffffeeeeddddccccbbbbaaaa99998888';
    const src = client('src', { credential: { key: badKey } });
    const e = await caught(src.getModel('m-001'));
    expect(e).toBeInstanceOf(PermanentError);
    expect([e.status, e.serviceCode, e.reason]).toEqual([401, '401', 'unauthenticated']);
    expect(JSON.stringify([e.message, serializeError(e), logLines, events])).not.toContain(badKey);
  });

  it('429 with Retry-After seconds → ThrottledError(retryAfterMs)', async () => {
    emu.faults.add('tgt', { kind: 'throttle', call: 'authorize', retryAfterSeconds: 7 });
    const e = await caught(client('tgt').authorizeCopy());
    expect(e).toBeInstanceOf(ThrottledError);
    expect([e.status, e.retryAfterMs, e.reason]).toEqual([429, 7000, 'rateLimited']);
  });

  it('429 from the S0 rate limiter', async () => {
    emu.setRateLimits({ management: 1 });
    const tgt = client('tgt');
    await tgt.authorizeCopy();
    const e = await caught(tgt.authorizeCopy());
    expect(e.kind).toBe('throttled');
    expect(e.retryAfterMs).toBeGreaterThan(0);
  });

  it.each([
    [500, 'InternalServerError'],
    [503, 'ServiceUnavailable'],
  ])('%i → TransientError', async (status, code) => {
    emu.faults.add('src', { kind: 'status', status, call: 'copy', retryAfterSeconds: 2 });
    const e = await caught(client('src').startCopy('m-030', await client('tgt').authorizeCopy()));
    expect(e).toBeInstanceOf(TransientError);
    expect([e.status, e.serviceCode, e.reason, e.retryAfterMs]).toEqual([status, code, 'serverError', 2000]);
  });

  it('InternalServerError inside a failed operation → transient', async () => {
    emu.faults.add('src', { kind: 'copyFails', code: 'InternalServerError', message: 'An unexpected error occurred.' });
    const src = client('src');
    const r = await settle(src, await src.startCopy('m-031', await client('tgt').authorizeCopy()));
    expect(r.status).toBe('failed');
    expect(classifyCopyFailure(r.errors)).toBeInstanceOf(TransientError);
  });

  it('a slow response past the client timeout → TransientError(timeout)', async () => {
    emu.faults.add('src', { kind: 'delay', ms: 400, call: 'getModel' });
    const e = await caught(client('src', { timeoutMs: 40 }).getModel('m-001'));
    expect(e).toBeInstanceOf(TransientError);
    expect(e.reason).toBe('timeout');
    expect(events.at(-1)).toMatchObject({ operation: 'getModel', errorKind: 'transient', errorReason: 'timeout' });
    expect(events.at(-1)!.status).toBeUndefined();
  });

  it.each(['before', 'after'] as const)(
    'a dropped connection (%s processing) → TransientError(network)',
    async (phase) => {
      emu.faults.add('src', { kind: 'drop', phase, call: 'getModel' });
      const e = await caught(client('src').getModel('m-001'));
      expect(e).toBeInstanceOf(TransientError);
      expect(e.reason).toBe('network');
    },
  );
});

describe('bounded retries (idempotent GETs only, injected sleep)', () => {
  it('retries a throttled GET with the Retry-After delay', async () => {
    emu.faults.add('src', { kind: 'throttle', call: 'getModel', retryAfterSeconds: 3, times: 2 });
    const waits: number[] = [];
    const src = client('src', { retry: { maxRetries: 2, sleep: async (ms) => void waits.push(ms) } });
    expect((await src.getModel('m-001')).status).toBe('ready');
    expect(waits).toEqual([3000, 3000]);
    expect(events.map((e) => e.attempt)).toEqual([1, 2, 3]);
  });

  it('gives up after maxRetries and exposes the throttling', async () => {
    emu.faults.add('src', { kind: 'throttle', call: 'getModel', retryAfterSeconds: 1, times: 5 });
    const src = client('src', { retry: { maxRetries: 1, sleep: async () => undefined } });
    expect(await caught(src.getModel('m-001'))).toBeInstanceOf(ThrottledError);
  });

  it('does not wait for a Retry-After longer than maxDelayMs', async () => {
    emu.faults.add('src', { kind: 'throttle', call: 'getModel', retryAfterSeconds: 3600 });
    const waits: number[] = [];
    const src = client('src', {
      retry: { maxRetries: 3, maxDelayMs: 60_000, sleep: async (ms) => void waits.push(ms) },
    });
    const e = await caught(src.getModel('m-001'));
    expect(e.retryAfterMs).toBe(3_600_000);
    expect(waits).toEqual([]);
  });

  it('never retries a POST', async () => {
    emu.faults.add('tgt', { kind: 'status', status: 503, call: 'authorize' });
    const waits: number[] = [];
    const tgt = client('tgt', { retry: { maxRetries: 3, sleep: async (ms) => void waits.push(ms) } });
    expect(await caught(tgt.authorizeCopy())).toBeInstanceOf(TransientError);
    expect(waits).toEqual([]);
    expect(emu.requestLog.filter((e) => e.call === 'authorize')).toHaveLength(1);
  });
});

describe('Microsoft Entra ID', () => {
  class FakeCredential implements TokenCredential {
    scopes: string[] = [];
    constructor(private readonly token: string) {}
    async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
      this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
      return { token: this.token, expiresOnTimestamp: clock.now() + 3600_000 };
    }
  }

  it('sends a bearer token for the Cognitive Services scope', async () => {
    const cred = new FakeCredential(BEARER);
    const c = client('entra', { credential: cred });
    expect((await c.getModel('e-1')).status).toBe('ready');
    expect(cred.scopes).toEqual([COGNITIVE_SERVICES_SCOPE]);
    expect(emu.requestLog.at(-1)!.credential).toBe('bearer');
    expect(c.authMode).toBe('entra');
  });

  it('a rejected token → 401 permanent, the token nowhere', async () => {
    const rejected = 'rejected-token-value.XYZXYZXYZ.sig';
    const c = client('entra', { credential: new FakeCredential(rejected) });
    const e = await caught(c.getModel('e-1'));
    expect([e.kind, e.status]).toEqual(['permanent', 401]);
    expect(JSON.stringify([e.message, serializeError(e), logLines, events])).not.toContain(rejected);
  });

  it('a credential that fails → permanent getToken error', async () => {
    const failing: TokenCredential = {
      getToken: async () => Promise.reject(new Error('ManagedIdentityCredential: no identity')),
    };
    const e = await caught(client('entra', { credential: failing }).getModel('e-1'));
    expect([e.kind, e.reason, e.operation]).toEqual(['permanent', 'unauthenticated', 'getToken']);
  });
});

describe('secrets never leak', () => {
  it('key, bearer token and copy access tokens are absent from every error, serialized error, log line and hook event', async () => {
    // Prepare
    const srcKey = emu.resource('src').key;
    const tgtKey = emu.resource('tgt').key;
    const src = client('src');
    const tgt = client('tgt');
    const entra = client('entra', {
      credential: { getToken: async () => ({ token: BEARER, expiresOnTimestamp: clock.now() + 3600_000 }) },
    });
    const errors: unknown[] = [];
    const tokens: string[] = [];
    const attempt = async (p: Promise<unknown>): Promise<void> => {
      try {
        await p;
      } catch (e) {
        errors.push(e);
      }
    };
    // Act: a mix of successes and every kind of failure
    const auth = await tgt.authorizeCopy();
    tokens.push(JSON.parse(auth.raw).accessToken as string);
    await settle(src, await src.startCopy('m-040', auth));
    await settle(src, await src.startCopy('m-041', auth)); // reuse
    clock.advance(DAY + 1);
    await attempt(src.startCopy('m-042', auth));
    const auth2 = await tgt.authorizeCopy();
    tokens.push(JSON.parse(auth2.raw).accessToken as string);
    emu.faults.add('src', { kind: 'status', status: 500, call: 'copy' });
    await attempt(src.startCopy('m-043', auth2));
    emu.faults.add('src', { kind: 'drop', call: 'copy' });
    await attempt(src.startCopy('m-043', auth2));
    emu.faults.add('src', { kind: 'throttle', call: 'copyResult' });
    await attempt(
      src.getCopyResult(`${emu.resource('src').endpoint}/formrecognizer/v2.1/custom/models/m-040/copyresults/x`),
    );
    await attempt(entra.getModel('nope'));
    await attempt(src.getModel('nope'));
    await attempt(client('src', { credential: { key: tgtKey } }).getModel('m-001'));
    // Assess
    const seen = JSON.stringify({
      messages: errors.map((e) => (e as Error).message),
      serialized: errors.map(serializeError),
      json: errors.map((e) => JSON.stringify(e)),
      logLines,
      events,
      auth: [JSON.stringify(auth), String(auth)],
      clients: [JSON.stringify(src), JSON.stringify(entra)],
    });
    expect(errors.length).toBeGreaterThanOrEqual(6);
    expect(logLines.length).toBeGreaterThan(10);
    for (const secret of [srcKey, tgtKey, BEARER, ...tokens]) expect(seen).not.toContain(secret);
  });
});
