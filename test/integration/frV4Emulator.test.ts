/** The emulator's v3.1/v4 mode over raw HTTP: routes, versions, sync checks, policies, the CLI. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { VirtualClock } from '../../dev/clock';
import {
  startFormRecognizerEmulator,
  type EmulatedResource,
  type FormRecognizerEmulator,
} from '../../dev/emulators/formRecognizer';
import { parseCliArgs } from '../../dev/emulators/formRecognizer/cli';

const HOUR = 3600_000;
let clock: VirtualClock;
let emu: FormRecognizerEmulator;

async function call(
  r: EmulatedResource,
  method: string,
  path: string,
  version: string,
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

const inner = (j: Record<string, unknown>): string | undefined =>
  (j.error as { innererror?: { code: string } } | undefined)?.innererror?.code;

beforeEach(async () => {
  clock = new VirtualClock('2026-03-01T00:00:00Z');
  emu = await startFormRecognizerEmulator({
    clock,
    copyDurationMs: 2000,
    resources: [
      {
        name: 'src',
        region: 'westus2',
        documentModels: [
          { modelId: 'm1' },
          { modelId: 'm2' },
          { modelId: 'comp', classifierId: 'cls', docTypes: { a: { modelId: 'm1' }, b: { modelId: 'm2' } } },
        ],
        classifiers: [{ classifierId: 'cls' }],
        models: [{ modelId: 'v2-model' }],
      },
      {
        name: 'dr',
        region: 'eastus',
        composedCopyRequires: 'classifierAndComponents',
        copyAuthorizationLifetimeMs: 2 * HOUR,
      },
      { name: 'v2only', region: 'centralus', apiVersions: ['v2.1'] },
      { name: 'rel', region: 'eastus2', reservedIdPolicy: 'releaseOnExpiry', prebuiltModels: ['prebuilt-read'] },
    ],
  });
});

afterEach(async () => {
  await emu.close();
});

describe('routes and versions', () => {
  it('serves v2 and v3.1/v4 side by side on one resource, and 404s unserved versions', async () => {
    const src = emu.resource('src');
    expect(
      (
        await fetch(`${src.endpoint}/formrecognizer/v2.1/custom/models?op=full`, {
          headers: { 'Ocp-Apim-Subscription-Key': src.key },
        })
      ).status,
    ).toBe(200);
    expect((await call(src, 'GET', '/documentModels', '2024-11-30')).status).toBe(200);
    expect((await call(emu.resource('v2only'), 'GET', '/documentModels', '2024-11-30')).status).toBe(404);
    expect(
      (await call(src, 'GET', `${src.endpoint}/documentintelligence/documentModels?api-version=2023-07-31`, '')).status,
    ).toBe(404);
    expect((await call(src, 'GET', `${src.endpoint}/documentintelligence/documentModels`, '')).status).toBe(404);
    expect(
      (await call(src, 'POST', '/documentClassifiers:authorizeCopy', '2023-07-31', { classifierId: 'x1' })).status,
    ).toBe(404);
  });

  it('2023-07-31 model details have no classifierId, split or docTypes[*].modelId', async () => {
    const src = emu.resource('src');
    const v3 = (await call(src, 'GET', '/documentModels/comp', '2023-07-31')).json;
    const v4 = (await call(src, 'GET', '/documentModels/comp', '2024-11-30')).json;
    expect(v3.classifierId).toBeUndefined();
    expect(v3.docTypes).toEqual({ a: {}, b: {} });
    expect(v4).toMatchObject({ classifierId: 'cls', docTypes: { a: { modelId: 'm1' }, b: { modelId: 'm2' } } });
  });

  it('401 without a valid key; the request log never holds keys or access tokens', async () => {
    const src = emu.resource('src');
    const dr = emu.resource('dr');
    expect((await call({ ...src, key: 'wrong' }, 'GET', '/info', '2024-11-30')).status).toBe(401);
    const auth = (await call(dr, 'POST', '/documentModels:authorizeCopy', '2024-11-30', { modelId: 'x1' })).json;
    await call(src, 'POST', '/documentModels/m1:copyTo', '2024-11-30', auth);
    const log = JSON.stringify(emu.requestLog);
    for (const s of [src.key, dr.key, auth.accessToken as string]) expect(log).not.toContain(s);
    expect(emu.requestLog.map((l) => l.call)).toEqual(['summary', 'authorize', 'copy']);
    expect(emu.requestLog[2]).toMatchObject({ modelId: 'm1', authorizationModelId: 'x1', status: 202 });
  });
});

describe('authorize and copy checks', () => {
  it('validates the authorize body and uses the resource lifetime', async () => {
    const dr = emu.resource('dr');
    expect(inner((await call(dr, 'POST', '/documentModels:authorizeCopy', '2024-11-30', {})).json)).toBe(
      'ParameterMissing',
    );
    expect(
      inner((await call(dr, 'POST', '/documentModels:authorizeCopy', '2024-11-30', { modelId: '-bad' })).json),
    ).toBe('InvalidParameter');
    expect(inner((await call(dr, 'POST', '/documentModels:authorizeCopy', '2024-11-30', '{')).json)).toBe(
      'InvalidContent',
    );
    const ok = await call(dr, 'POST', '/documentModels:authorizeCopy', '2024-11-30', {
      modelId: 'x1',
      tags: { a: 'b' },
    });
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.json)).toEqual([
      'targetResourceId',
      'targetResourceRegion',
      'targetModelId',
      'targetModelLocation',
      'accessToken',
      'expirationDateTime',
    ]);
    expect(Date.parse(ok.json.expirationDateTime as string) - clock.now()).toBe(2 * HOUR);
    expect(ok.json.targetModelLocation).toBe(
      `${dr.endpoint}/documentintelligence/documentModels/x1?api-version=2024-11-30`,
    );
  });

  it('a modified authorization is refused (400 AuthorizationFailed) and does not spend the genuine one', async () => {
    const src = emu.resource('src');
    const dr = emu.resource('dr');
    const auth = (await call(dr, 'POST', '/documentModels:authorizeCopy', '2024-11-30', { modelId: 'x1' })).json;
    const bad = await call(src, 'POST', '/documentModels/m1:copyTo', '2024-11-30', { ...auth, targetModelId: 'x2' });
    expect([bad.status, inner(bad.json)]).toEqual([400, 'AuthorizationFailed']);
    const missing = await call(src, 'POST', '/documentModels/nope:copyTo', '2024-11-30', auth);
    expect([missing.status, inner(missing.json)]).toEqual([404, 'ModelNotFound']);
    const prebuilt = await call(src, 'POST', '/documentModels/prebuilt-read:copyTo', '2024-11-30', auth);
    expect([prebuilt.status, inner(prebuilt.json)]).toEqual([400, 'ModelReadOnly']);
    const good = await call(src, 'POST', '/documentModels/m1:copyTo', '2024-11-30', auth);
    expect(good.status).toBe(202);
    expect(good.headers.get('operation-location')).toMatch(
      new RegExp(`^${src.endpoint}/documentintelligence/operations/\\d{11}_[0-9a-f-]{36}\\?api-version=2024-11-30$`),
    );
  });

  it('an injected copyFails fault: 202, then the operation (GET 200) ends failed with that error', async () => {
    const src = emu.resource('src');
    const dr = emu.resource('dr');
    const auth = (await call(dr, 'POST', '/documentModels:authorizeCopy', '2024-11-30', { modelId: 'x1' })).json;
    emu.faults.add('src', { kind: 'copyFails', code: 'InvalidRequest', message: 'Invalid request.' });
    const op = await call(src, 'POST', '/documentModels/m1:copyTo', '2024-11-30', auth);
    clock.advance(2000);
    const body = (await call(src, 'GET', op.headers.get('operation-location') as string, '')).json;
    expect(body).toMatchObject({ status: 'failed', kind: 'documentModelCopyTo', error: { code: 'InvalidRequest' } });
  });

  it("with classifierAndComponents the target also needs the composed model's components", async () => {
    const src = emu.resource('src');
    const dr = emu.resource('dr');
    const copy = async (
      coll: string,
      id: string,
      idField: string,
      target: string,
    ): Promise<Record<string, unknown>> => {
      const auth = (await call(dr, 'POST', `/${coll}:authorizeCopy`, '2024-11-30', { [idField]: target })).json;
      const op = await call(src, 'POST', `/${coll}/${id}:copyTo`, '2024-11-30', auth);
      clock.advance(2000);
      return (await call(src, 'GET', op.headers.get('operation-location') as string, '')).json;
    };
    await copy('documentClassifiers', 'cls', 'classifierId', 'cls');
    const first = await copy('documentModels', 'comp', 'modelId', 'comp');
    expect(first).toMatchObject({ status: 'failed', error: { innererror: { code: 'ComponentModelNotFound' } } });
    await copy('documentModels', 'm1', 'modelId', 'm1');
    await copy('documentModels', 'm2', 'modelId', 'm2');
    const again = await copy('documentModels', 'comp', 'modelId', 'comp-2');
    expect(again).toMatchObject({ status: 'succeeded', result: { modelId: 'comp-2', classifierId: 'cls' } });
    expect(emu.documentModels('dr').find((m) => m.modelId === 'comp-2')).toMatchObject({
      componentModelIds: ['m1', 'm2'],
      copiedFrom: { resource: 'src', modelId: 'comp' },
    });
  });

  it('releaseOnExpiry frees a burned id once its authorization expired', async () => {
    const rel = emu.resource('rel');
    expect((await call(rel, 'POST', '/documentModels:authorizeCopy', '2024-11-30', { modelId: 'x1' })).status).toBe(
      200,
    );
    expect((await call(rel, 'POST', '/documentModels:authorizeCopy', '2024-11-30', { modelId: 'x1' })).status).toBe(
      409,
    );
    clock.advance(HOUR);
    expect((await call(rel, 'POST', '/documentModels:authorizeCopy', '2024-11-30', { modelId: 'x1' })).status).toBe(
      200,
    );
    expect(
      ((await call(rel, 'GET', '/documentModels', '2024-11-30')).json.value as { modelId: string }[]).map(
        (m) => m.modelId,
      ),
    ).toEqual(['prebuilt-read']);
  });
});

describe('npm run emulate -- --api-version', () => {
  it('parses the flag into seeded v3.1/v4 resources, and refuses unknown versions', () => {
    const v4 = parseCliArgs(['--api-version', '2024-11-30']);
    expect(v4.resources.map((r) => [r.name, r.apiVersions])).toEqual([
      ['di-source-westus2', ['2024-11-30']],
      ['di-dr-eastus', ['2024-11-30']],
      ['di-dr-westeurope', ['2024-11-30']],
    ]);
    expect(v4.resources[0]?.documentModels?.map((m) => m.modelId)).toEqual([
      'invoices-2025',
      'receipts-eu',
      'finance-composed',
    ]);
    expect(parseCliArgs(['--api-version', '2023-07-31']).resources[0]?.classifiers).toEqual([]);
    expect(() => parseCliArgs(['--api-version', '2022-08-31'])).toThrow(/--api-version/);
  });

  it('serves 2023-07-31 from a real process', async () => {
    const ROOT = resolve(__dirname, '../..');
    const child = spawn(
      join(ROOT, 'node_modules/.bin/tsx'),
      [join(ROOT, 'dev/emulators/formRecognizer/cli.ts'), '--api-version', '2023-07-31'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines: { name: string; endpoint: string; key: string; apiVersions: string[] }[] = [];
    for await (const line of createInterface({ input: child.stdout })) {
      lines.push(JSON.parse(line) as (typeof lines)[number]);
      if (lines.length === 3) break;
    }
    const src = lines[0] as (typeof lines)[number];
    expect(src.apiVersions).toEqual(['2023-07-31']);
    const res = await fetch(`${src.endpoint}/formrecognizer/documentModels?api-version=2023-07-31`, {
      headers: { 'Ocp-Apim-Subscription-Key': src.key },
    });
    const ids = ((await res.json()) as { value: { modelId: string }[] }).value
      .map((m) => m.modelId)
      .filter((id) => !id.startsWith('prebuilt-'));
    expect(ids).toEqual(['invoices-2025', 'receipts-eu']);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  });
});
