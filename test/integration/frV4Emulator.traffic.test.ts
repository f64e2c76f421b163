/**
 * Issue 11, "The emulator follows real traffic": one test per bullet, over raw HTTP on loopback
 * with a virtual clock. Each expectation is what the recorded service (SDK recordings in
 * azure-sdk-for-js/net/python and Azure/azure-sdk-assets) or the 2024-11-30 specification shows.
 */
import { VirtualClock } from '../../dev/clock';
import {
  startFormRecognizerEmulator,
  type EmulatedResource,
  type FormRecognizerEmulator,
  type ResourceSpec,
} from '../../dev/emulators/formRecognizer';

type Version = '2023-07-31' | '2024-11-30';
let clock: VirtualClock;
let emu: FormRecognizerEmulator;

async function call(
  r: EmulatedResource,
  method: string,
  path: string,
  version: Version,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const prefix = version === '2023-07-31' ? 'formrecognizer' : 'documentintelligence';
  const url = path.startsWith('http') ? path : `${r.endpoint}/${prefix}${path}?api-version=${version}`;
  const res = await fetch(url, {
    method,
    headers: {
      'Ocp-Apim-Subscription-Key': r.key,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
}

const inner = (j: Record<string, unknown>): { code: string; message: string } | undefined =>
  (j.error as { innererror?: { code: string; message: string } } | undefined)?.innererror;

const SCHEMA = { total: { type: 'number' } };

async function start(extra: Partial<Record<'src' | 'dr', Partial<ResourceSpec>>> = {}): Promise<void> {
  clock = new VirtualClock('2026-03-01T00:00:00.250Z');
  emu = await startFormRecognizerEmulator({
    clock,
    copyDurationMs: 4000,
    resources: [
      {
        name: 'src',
        region: 'westus2',
        documentModels: [
          {
            modelId: 'invoices',
            createdDateTime: '2025-06-01T10:00:00.123Z',
            expirationDateTime: '2027-06-01T10:00:00Z',
            docTypes: { invoices: { buildMode: 'template', fieldSchema: SCHEMA }, extra: { buildMode: 'template' } },
          },
          { modelId: 'neural1', buildMode: 'neural', docTypes: { neural1: { buildMode: 'neural' } } },
          {
            modelId: 'legacy21',
            apiVersion: '2.1',
            createdDateTime: '2021-05-25T18:04:37Z',
            expirationDateTime: '2023-05-25T18:04:37Z',
          },
        ],
        ...extra.src,
      },
      { name: 'dr', region: 'eastus', ...extra.dr },
    ],
  });
}

afterEach(async () => {
  await emu?.close();
  emu = undefined as unknown as FormRecognizerEmulator;
});

async function copy(
  version: Version,
  sourceId: string,
  targetId: string,
): Promise<{ auth: Record<string, unknown>; op: () => Promise<Record<string, unknown>>; status: number }> {
  const src = emu.resource('src');
  const dr = emu.resource('dr');
  const a = await call(dr, 'POST', '/documentModels:authorizeCopy', version, { modelId: targetId });
  expect(a.status).toBe(200);
  const c = await call(src, 'POST', `/documentModels/${sourceId}:copyTo`, version, a.json);
  const location = c.headers.get('operation-location') ?? '';
  return { auth: a.json, status: c.status, op: async () => (await call(src, 'GET', location, version)).json };
}

const WHOLE_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe.each<Version>(['2023-07-31', '2024-11-30'])('api-version %s', (version) => {
  it('a docType named after the source model id comes back keyed by the target id; others are kept', async () => {
    await start();
    const { op } = await copy(version, 'invoices', 'invoices-dr1');
    clock.advance(5000);
    expect((await op()).status).toBe('succeeded');
    const m = await call(emu.resource('dr'), 'GET', '/documentModels/invoices-dr1', version);
    expect(Object.keys(m.json.docTypes as object).sort()).toEqual(['extra', 'invoices-dr1']);
    expect((m.json.docTypes as Record<string, { fieldSchema?: unknown }>)['invoices-dr1']?.fieldSchema).toEqual(SCHEMA);
  });

  it('renameDocTypes: false keeps the old (unrealistic) keys for harnesses that need them', async () => {
    await start({ dr: { renameDocTypes: false } });
    const { op } = await copy(version, 'invoices', 'invoices-dr1');
    clock.advance(5000);
    await op();
    const m = await call(emu.resource('dr'), 'GET', '/documentModels/invoices-dr1', version);
    expect(Object.keys(m.json.docTypes as object).sort()).toEqual(['extra', 'invoices']);
  });

  it('the listing holds v2-era models with apiVersion and an expirationDateTime in the past', async () => {
    await start();
    const list = await call(emu.resource('src'), 'GET', '/documentModels', version);
    const legacy = (list.json.value as Record<string, unknown>[]).find((m) => m.modelId === 'legacy21');
    expect(legacy).toMatchObject({ apiVersion: '2.1', expirationDateTime: '2023-05-25T18:04:37Z' });
    const refused = await copy(version, 'legacy21', 'legacy21');
    expect(refused.status).toBe(400); // expired source [inf: code ModelExpired]
  });

  it('copyTo with a consumed authorization → 403 Forbidden / AuthorizationFailed, synchronously', async () => {
    await start();
    const { auth } = await copy(version, 'invoices', 'twice');
    const again = await call(emu.resource('src'), 'POST', '/documentModels/invoices:copyTo', version, auth);
    expect(again.status).toBe(403);
    expect((again.json.error as { code: string }).code).toBe('Forbidden');
    expect(inner(again.json)?.code).toBe('AuthorizationFailed');
    expect(inner(again.json)?.message).toMatch(/already been used/);
  });

  it('fault "accept, then answer 500": the copy runs and lands although the POST answered 500', async () => {
    await start();
    emu.faults.add('src', { kind: 'status', status: 500, phase: 'after', call: 'copy' });
    const { status } = await copy(version, 'invoices', 'lost');
    expect(status).toBe(500);
    clock.advance(5000);
    expect(emu.documentModels('dr').map((m) => m.modelId)).toContain('lost');
    expect(emu.requestLog.filter((e) => e.call === 'copy').map((e) => [e.status, e.fault])).toEqual([[500, 'status']]);
  });

  it('whole-second timestamps; percentCompleted only once running; apiVersion only on 2024-11-30 operations; no warnings', async () => {
    await start();
    const { op, auth } = await copy(version, 'invoices', 'ts');
    expect(auth.expirationDateTime).toMatch(WHOLE_SECONDS);
    const notStarted = await op();
    expect(notStarted.status).toBe('notStarted');
    expect(notStarted).not.toHaveProperty('percentCompleted');
    expect(notStarted.createdDateTime).toMatch(WHOLE_SECONDS);
    if (version === '2023-07-31') expect(notStarted).not.toHaveProperty('apiVersion');
    else expect(notStarted.apiVersion).toBe('2024-11-30');
    clock.advance(2500);
    expect(await op()).toMatchObject({ status: 'running', percentCompleted: expect.any(Number) });
    clock.advance(2500);
    const done = await op();
    expect(done.status).toBe('succeeded');
    expect(done.lastUpdatedDateTime).toMatch(WHOLE_SECONDS);
    const m = await call(emu.resource('dr'), 'GET', '/documentModels/ts', version);
    expect(m.json).not.toHaveProperty('warnings');
    expect(m.json.createdDateTime).toMatch(WHOLE_SECONDS);
  });

  it('copy timestamps follow the API version of the copy', async () => {
    await start();
    const { op } = await copy(version, 'invoices', 'times');
    clock.advance(5000);
    await op();
    const m = (await call(emu.resource('dr'), 'GET', '/documentModels/times', version)).json;
    expect(m.expirationDateTime).toBe('2027-06-01T10:00:00Z'); // the source's
    if (version === '2023-07-31') {
      expect(m.createdDateTime).toBe('2025-06-01T10:00:00Z'); // the source's, whole seconds
      expect(m).not.toHaveProperty('modifiedDateTime');
    } else {
      expect(m.createdDateTime).toBe('2026-03-01T00:00:04Z'); // the copy time
    }
  });

  it('/info: limit 20000 and customNeuralDocumentModelBuilds', async () => {
    await start();
    const info = (await call(emu.resource('src'), 'GET', '/info', version)).json;
    expect(info.customDocumentModels).toEqual({ count: 3, limit: 20000 });
    expect(info.customNeuralDocumentModelBuilds).toMatchObject({ used: 1, quota: 20 });
  });

  it('pages of 50 with the prebuilt models first; nextLink without api-version', async () => {
    const prebuiltModels = Array.from({ length: 13 }, (_, i) => `prebuilt-p${String(i).padStart(2, '0')}`);
    const many = Array.from({ length: 60 }, (_, i) => ({ modelId: `a${String(i).padStart(3, '0')}` }));
    await start({ src: { prebuiltModels, documentModels: many } });
    const first = await call(emu.resource('src'), 'GET', '/documentModels', version);
    const ids = (first.json.value as { modelId: string }[]).map((m) => m.modelId);
    expect(ids).toHaveLength(50);
    expect(ids.slice(0, 13)).toEqual(prebuiltModels);
    expect(ids[13]).toBe('a000');
    const next = first.json.nextLink as string;
    expect(new URL(next).searchParams.has('api-version')).toBe(false);
    const second = await call(emu.resource('src'), 'GET', `${next}&api-version=${version}`, version);
    const rest = (second.json.value as { modelId: string }[]).map((m) => m.modelId);
    expect(rest).toHaveLength(23);
    expect(second.json).not.toHaveProperty('nextLink');
    expect(new Set([...ids, ...rest]).size).toBe(73);
  });

  it('the 429 message names the API actually called', async () => {
    await start();
    emu.setRateLimits({ list: 1 });
    await call(emu.resource('src'), 'GET', '/documentModels', version);
    const r = await call(emu.resource('src'), 'GET', '/documentModels', version);
    expect(r.status).toBe(429);
    const name =
      version === '2023-07-31' ? 'Form Recognizer API (2023-07-31)' : 'Document Intelligence API (2024-11-30)';
    expect((r.json.error as { message: string }).message).toContain(`under ${name}`);
  });

  it('a target that refuses neural models: the copy operation fails with InvalidRequest / DocumentModelLimitNeural', async () => {
    await start({ dr: { refuseCopies: [{ code: 'DocumentModelLimitNeural', models: 'neural' }] } });
    const neural = await copy(version, 'neural1', 'neural1');
    const template = await copy(version, 'invoices', 'invoices');
    expect([neural.status, template.status]).toEqual([202, 202]);
    clock.advance(5000);
    const failed = await neural.op();
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'InvalidRequest', innererror: { code: 'DocumentModelLimitNeural' } });
    expect((await template.op()).status).toBe('succeeded');
  });

  it('refuseCopies at copyTo: a synchronous 400 with the limit code', async () => {
    await start({ dr: { refuseCopies: [{ code: 'DocumentModelLimit', at: 'copyTo' }] } });
    const src = emu.resource('src');
    const a = await call(emu.resource('dr'), 'POST', '/documentModels:authorizeCopy', version, { modelId: 'x1' });
    const c = await call(src, 'POST', '/documentModels/invoices:copyTo', version, a.json);
    expect(c.status).toBe(400);
    expect(inner(c.json)?.code).toBe('DocumentModelLimit');
  });
});

describe('v2.1 (recorded twice): wrong region', () => {
  it('a well-formed but wrong targetResourceRegion fails the operation with the "Could not retrieve authorization metadata" words', async () => {
    clock = new VirtualClock('2026-03-01T00:00:00Z');
    emu = await startFormRecognizerEmulator({
      clock,
      copyDurationMs: 2000,
      resources: [
        { name: 'src', region: 'westus2', models: [{ modelId: 'm1' }] },
        { name: 'dr', region: 'eastus' },
      ],
    });
    const src = emu.resource('src');
    const dr = emu.resource('dr');
    const h = { 'Ocp-Apim-Subscription-Key': dr.key };
    const auth = (await (
      await fetch(`${dr.endpoint}/formrecognizer/v2.1/custom/models/copyAuthorization`, { method: 'POST', headers: h })
    ).json()) as Record<string, unknown>;
    const post = await fetch(`${src.endpoint}/formrecognizer/v2.1/custom/models/m1/copy`, {
      method: 'POST',
      headers: { 'Ocp-Apim-Subscription-Key': src.key, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        targetResourceId: dr.resourceId,
        targetResourceRegion: 'westeurope',
        copyAuthorization: auth,
      }),
    });
    expect(post.status).toBe(202);
    clock.advance(3000);
    const r = (await (
      await fetch(post.headers.get('operation-location') ?? '', { headers: { 'Ocp-Apim-Subscription-Key': src.key } })
    ).json()) as { status: string; copyResult: { errors: { code: string; message: string }[] } };
    expect(r.status).toBe('failed');
    expect(r.copyResult.errors[0]?.message).toMatch(/^Could not retrieve authorization metadata\./);
  });

  it('the v2 429 message names Form Recognizer API (v2.1)', async () => {
    clock = new VirtualClock('2026-03-01T00:00:00Z');
    emu = await startFormRecognizerEmulator({ clock, resources: [{ name: 'src', region: 'westus2' }] });
    emu.faults.add('src', { kind: 'throttle', call: 'list' });
    const src = emu.resource('src');
    const r = await fetch(`${src.endpoint}/formrecognizer/v2.1/custom/models?op=full`, {
      headers: { 'Ocp-Apim-Subscription-Key': src.key },
    });
    expect(r.status).toBe(429);
    expect(((await r.json()) as { error: { message: string } }).error.message).toContain(
      'under Form Recognizer API (v2.1)',
    );
  });
});

describe('--resources FILE: the issue-11 options are validated at the edge', () => {
  it('accepts refuseCopies / renameDocTypes / limits and names a bad field', async () => {
    const { validateResourceSpecs } = await import('../../dev/emulators/formRecognizer');
    const [spec] = validateResourceSpecs([
      {
        name: 'dr',
        region: 'eastus',
        refuseCopies: [{ code: 'DocumentModelLimitNeural', models: 'neural' }],
        renameDocTypes: false,
        documentModelLimit: 500,
      },
    ]);
    expect(spec).toMatchObject({
      refuseCopies: [{ code: 'DocumentModelLimitNeural', models: 'neural' }],
      renameDocTypes: false,
      documentModelLimit: 500,
    });
    expect(() => validateResourceSpecs([{ name: 'dr', region: 'eastus', refuseCopies: [{ code: 'x y' }] }])).toThrow(
      /refuseCopies\[0\]\.code/,
    );
    expect(() =>
      validateResourceSpecs([{ name: 'dr', region: 'eastus', refuseCopies: [{ code: 'A', at: 'later' }] }]),
    ).toThrow(/refuseCopies\[0\]\.at/);
  });
});
