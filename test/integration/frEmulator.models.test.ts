/**
 * Model listing (paging), summary, get, delete and authentication of the Form Recognizer emulator.
 */
import { VirtualClock } from '../../dev/clock';
import {
  type FormRecognizerEmulator,
  type ModelSeed,
  startFormRecognizerEmulator,
} from '../../dev/emulators/formRecognizer';
import { json, modelsUrl, send } from './frEmulatorHelpers';

interface ListBody {
  modelList: { modelId: string; status: string; modelName?: string; attributes?: { isComposed: boolean } }[];
  nextLink: string;
}

const TOKEN = 'entra-token-for-tests';

function seeds(n: number): ModelSeed[] {
  // Ids deliberately not in insertion order.
  return Array.from({ length: n }, (_, i) => ({
    modelId: `${((i * 37) % n).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`,
    modelName: `m${i}`,
    status: i % 10 === 0 ? ('invalid' as const) : ('ready' as const),
  }));
}

describe('Form Recognizer emulator — models and auth', () => {
  let clock: VirtualClock;
  let emu: FormRecognizerEmulator;

  beforeEach(async () => {
    clock = new VirtualClock('2026-03-01T12:00:00Z');
    emu = await startFormRecognizerEmulator({
      clock,
      resources: [
        { name: 'big', region: 'westus2', models: seeds(71), acceptedTokens: [TOKEN] },
        { name: 'empty', region: 'eastus' },
      ],
    });
  });

  afterEach(async () => {
    await emu.close();
  });

  it('lists op=full in pages of 30 sorted by modelId, invalid and blank models included, nextLink followed verbatim', async () => {
    // Prepare: a blank authorized model is a model too.
    const big = emu.resource('big');
    const blankId = json<{ modelId: string }>(await send(big, 'POST', '/copyAuthorization')).modelId;

    // Act
    const pages: ListBody[] = [];
    let url: string = `${modelsUrl(big)}?op=full`;
    for (;;) {
      const res = await send(big, 'GET', url);
      expect(res.status).toBe(200);
      const page = json<ListBody>(res);
      pages.push(page);
      if (page.nextLink === '') break;
      expect(page.nextLink.startsWith(`${modelsUrl(big)}?nextLink=`)).toBe(true);
      expect(page.nextLink).not.toContain('op=');
      url = page.nextLink;
    }

    // Assess
    expect(pages.map((p) => p.modelList.length)).toEqual([30, 30, 12]);
    const ids = pages.flatMap((p) => p.modelList.map((m) => m.modelId));
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(72);
    expect(ids).toContain(blankId);
    expect(pages.flatMap((p) => p.modelList).filter((m) => m.status === 'invalid')).toHaveLength(8);
    expect(pages[0]!.modelList[0]).toEqual({
      modelId: expect.any(String),
      status: expect.any(String),
      createdDateTime: expect.any(String),
      lastUpdatedDateTime: expect.any(String),
      modelName: expect.any(String),
      attributes: { isComposed: false },
    });
  });

  it('lists an empty resource as one empty page; a bad nextLink token is 400', async () => {
    const res = await send(emu.resource('empty'), 'GET', '?op=full');
    expect(res.text).toBe('{"modelList":[],"nextLink":""}');
    expect((await send(emu.resource('empty'), 'GET', '?nextLink=garbage')).status).toBe(400);
  });

  it('v2.0 list omits modelName and attributes', async () => {
    const page = json<ListBody>(await send(emu.resource('big'), 'GET', '?op=full', { version: 'v2.0' }));
    expect(page.modelList[0]).not.toHaveProperty('modelName');
    expect(page.modelList[0]).not.toHaveProperty('attributes');
  });

  it('summarizes with count, limit and lastUpdatedDateTime', async () => {
    const res = await send(emu.resource('big'), 'GET', '?op=summary');
    expect(json(res)).toEqual({
      summary: { count: 71, limit: 5000, lastUpdatedDateTime: new Date(clock.now()).toISOString() },
    });
  });

  it('deletes: 204 with an empty body, then GET and DELETE are 404 1022', async () => {
    const big = emu.resource('big');
    const id = emu.models('big')[3]!.modelId;
    const del = await send(big, 'DELETE', `/${id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    const get = await send(big, 'GET', `/${id}`);
    expect(get.status).toBe(404);
    expect(get.text).toBe(`{"error":{"code":"1022","message":"Model with 'id=${id}' not found."}}`);
    expect((await send(big, 'DELETE', `/${id}`)).status).toBe(404);
    expect(emu.models('big')).toHaveLength(70);
  });

  it('addModel makes a model visible over HTTP', async () => {
    const view = emu.addModel('empty', { modelName: 'late', isComposed: true, composedTrainResults: [] });
    const res = json<{ modelInfo: { modelName: string; attributes: unknown } }>(
      await send(emu.resource('empty'), 'GET', `/${view.modelId}`),
    );
    expect(res.modelInfo).toMatchObject({ modelName: 'late', attributes: { isComposed: true } });
  });

  it('upsertModel changes an existing model (lastUpdatedDateTime now, other fields kept) or adds a new one', async () => {
    // Prepare
    const before = emu.models('big')[5]!;
    clock.advance(3_600_000);
    // Act
    const changed = emu.upsertModel('big', { modelId: before.modelId });
    const renamed = emu.upsertModel('big', { modelId: before.modelId, modelName: 'retrained' });
    const added = emu.upsertModel('big', { modelId: 'ffffffff-0000-4000-8000-000000000000', modelName: 'new' });
    // Assess
    expect(changed).toEqual({ ...before, lastUpdatedDateTime: '2026-03-01T13:00:00.000Z' });
    expect(renamed.modelName).toBe('retrained');
    expect(renamed.createdDateTime).toBe(before.createdDateTime);
    expect(added).toMatchObject({ modelName: 'new', status: 'ready', lastUpdatedDateTime: '2026-03-01T13:00:00.000Z' });
    expect(emu.models('big')).toHaveLength(72);
    const res = json<{ modelInfo: { modelName: string; lastUpdatedDateTime: string } }>(
      await send(emu.resource('big'), 'GET', `/${before.modelId}`),
    );
    expect(res.modelInfo).toMatchObject({ modelName: 'retrained', lastUpdatedDateTime: '2026-03-01T13:00:00.000Z' });
    const blank = json<{ modelId: string }>(await send(emu.resource('empty'), 'POST', '/copyAuthorization')).modelId;
    expect(() => emu.upsertModel('empty', { modelId: blank })).toThrow(/blank authorized model/);
  });

  it.each<{ name: string; headers: Record<string, string>; status: number; message?: RegExp; credential: string }>([
    { name: 'missing key', headers: {}, status: 401, message: /missing subscription key/, credential: 'none' },
    {
      name: 'wrong key',
      headers: { 'Ocp-Apim-Subscription-Key': 'nope' },
      status: 401,
      message: /invalid subscription key or wrong API endpoint/,
      credential: 'invalid-key',
    },
    { name: 'accepted bearer token', headers: { Authorization: `Bearer ${TOKEN}` }, status: 200, credential: 'bearer' },
    {
      name: 'unknown bearer token',
      headers: { Authorization: 'Bearer other' },
      status: 401,
      message: /Access denied/,
      credential: 'invalid-bearer',
    },
  ])('authentication: $name → $status', async ({ headers, status, message, credential }) => {
    const res = await send(emu.resource('big'), 'GET', '?op=summary', { key: null, headers });
    expect(res.status).toBe(status);
    if (message) {
      expect(json<{ error: { code: string; message: string } }>(res).error).toEqual({
        code: '401',
        message: expect.stringMatching(message),
      });
    }
    expect(emu.requestLog.at(-1)).toMatchObject({ resource: 'big', call: 'summary', status, credential });
  });

  it('a key of one resource does not open another', async () => {
    const res = await send(emu.resource('empty'), 'GET', '?op=summary', { key: emu.resource('big').key });
    expect(res.status).toBe(401);
  });

  it('unknown routes are 404', async () => {
    expect(
      (await send(emu.resource('big'), 'GET', `${emu.resource('big').endpoint}/formrecognizer/v2.1/layout/analyze`))
        .status,
    ).toBe(404);
    expect((await send(emu.resource('big'), 'PUT', '/abc')).status).toBe(404);
  });

  it('returns resources with loopback endpoints, distinct ports and well-formed resource ids', () => {
    const ports = emu.resources.map((r) => new URL(r.endpoint).port);
    expect(new Set(ports).size).toBe(2);
    for (const r of emu.resources) {
      expect(r.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(r.resourceId).toMatch(
        new RegExp(
          `^/subscriptions/[0-9a-f-]{36}/resourceGroups/[^/]+/providers/Microsoft\\.CognitiveServices/accounts/${r.name}$`,
        ),
      );
      expect(r.key).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(() => emu.resource('nope')).toThrow(/unknown emulated resource 'nope'/);
  });
});
