/**
 * DocumentModelsClient (v3.1 2023-07-31 and v4 2024-11-30) against the emulator's v3.1/v4 mode
 * over real loopback HTTP, on a virtual clock: copy progress, the 1 h authorization expiry and
 * the 24 h operation retention move only when the test advances time.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { inspect } from 'node:util';
import { VirtualClock } from '../../dev/clock';
import { startFormRecognizerEmulator, type FormRecognizerEmulator } from '../../dev/emulators/formRecognizer';
import {
  AuthorizationConsumedError,
  AuthorizationRenewalError,
  COGNITIVE_SERVICES_SCOPE,
  CopyDependencyMissingError,
  DocumentModelsClient,
  ForeignHostError,
  ModelExistsError,
  ModelNotFoundError,
  PermanentError,
  ThrottledError,
  TransientError,
  ValidationError,
  copyMayHaveLanded,
  copyResultError,
  createCopyClient,
  serializeError,
  type CopyOperationRef,
  type CopyResult,
  type DocumentModelsApiVersion,
  type FormRecognizerError,
  type ModelInfo,
  type RequestEvent,
} from '../../src/formRecognizer';
import { rejection } from '../support/rejection';
import { lineLogger } from '../support/logLines';

const HOUR = 60 * 60 * 1000;
const VERSIONS: DocumentModelsApiVersion[] = ['2023-07-31', '2024-11-30'];
const BEARER = 'entra-v4-token.AAAABBBBCCCCDDDD.signature';

let clock: VirtualClock;
let emu: FormRecognizerEmulator;
let logLines: string[];
let events: RequestEvent[];

const logger = lineLogger(() => logLines);

function client(
  name: string,
  apiVersion: DocumentModelsApiVersion,
  extra: Partial<ConstructorParameters<typeof DocumentModelsClient>[0]> = {},
): DocumentModelsClient {
  const r = emu.resource(name);
  return new DocumentModelsClient({
    endpoint: r.endpoint,
    region: r.region,
    resourceId: r.resourceId,
    credential: { key: r.key },
    apiVersion,
    now: () => clock.now(),
    logger,
    onRequest: (e) => events.push(e),
    ...extra,
  });
}

const caught = (p: Promise<unknown>): Promise<FormRecognizerError> => rejection<FormRecognizerError>(p);

/** Polls on the virtual clock: advances time instead of sleeping. */
async function settle(
  source: DocumentModelsClient,
  ref: CopyOperationRef,
): Promise<{ final: CopyResult; seen: string[] }> {
  const seen: string[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await source.getCopyResult(ref);
    seen.push(r.status);
    if (r.status !== 'notStarted' && r.status !== 'running') return { final: r, seen };
    clock.advance(1000);
  }
  throw new Error('copy did not settle');
}

async function all<T>(it: AsyncIterableIterator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

beforeEach(async () => {
  clock = new VirtualClock('2026-03-01T00:00:00Z');
  logLines = [];
  events = [];
  emu = await startFormRecognizerEmulator({
    clock,
    copyDurationMs: 4000,
    listPageSize: 3,
    resources: [
      {
        name: 'src',
        region: 'westus2',
        documentModels: [
          { modelId: 'invoices', description: 'invoices', tags: { team: 'finance' } },
          { modelId: 'receipts', description: 'receipts' },
          {
            modelId: 'finance-composed',
            classifierId: 'finance-classifier',
            split: 'auto',
            docTypes: { invoice: { modelId: 'invoices' }, receipt: { modelId: 'receipts' } },
          },
        ],
        classifiers: [{ classifierId: 'finance-classifier', description: 'routes finance documents' }],
        acceptedTokens: [BEARER],
      },
      { name: 'dr', region: 'eastus', acceptedTokens: [BEARER] },
      { name: 'dr2', region: 'westeurope', reservedIdPolicy: 'reauthorize' },
    ],
  });
});

afterEach(async () => {
  await emu.close();
});

describe.each(VERSIONS)('api-version %s', (version) => {
  it('createCopyClient returns the document models client', () => {
    const r = emu.resource('dr');
    const c = createCopyClient({
      endpoint: r.endpoint,
      region: r.region,
      resourceId: r.resourceId,
      credential: { key: r.key },
      apiVersion: version,
    });
    expect(c).toBeInstanceOf(DocumentModelsClient);
    expect([c.apiFamily, c.apiVersion]).toEqual(['documentModels', version]);
  });

  it('lists every page, prebuilt models included but marked, and counts only custom models', async () => {
    const src = client('src', version);
    const models = await all(src.listModels());
    expect(models.filter((m) => m.prebuilt).map((m) => m.modelId)).toEqual([
      'prebuilt-idDocument',
      'prebuilt-invoice',
      'prebuilt-layout',
      'prebuilt-read',
      'prebuilt-receipt',
    ]);
    const custom = models.filter((m) => !m.prebuilt);
    expect(custom.map((m) => m.modelId)).toEqual(['finance-composed', 'invoices', 'receipts']);
    expect(custom.every((m) => m.status === 'ready')).toBe(true);
    expect(custom.find((m) => m.modelId === 'invoices')).toMatchObject({
      description: 'invoices',
      tags: { team: 'finance' },
      docTypes: ['invoices'],
    });
    const composed = custom.find((m) => m.modelId === 'finance-composed') as ModelInfo;
    if (version === '2024-11-30')
      expect(composed).toMatchObject({
        isComposed: true,
        classifierId: 'finance-classifier',
        split: 'auto',
        componentModelIds: ['invoices', 'receipts'],
      });
    else expect(composed.classifierId).toBeUndefined();
    expect(events.filter((e) => e.operation === 'listModels').length).toBe(3); // 8 models, pages of 3
    await expect(src.getModelsSummary()).resolves.toEqual({ count: 3, limit: 20000 });
  });

  it('authorizes a caller-chosen id, copies, polls and gets the copy with the authorization lineage', async () => {
    const src = client('src', version);
    const dr = client('dr', version);
    const auth = await dr.authorizeCopy({
      targetModelId: 'invoices',
      description: 'DR copy of invoices',
      tags: { source: 'westus2/invoices' },
    });
    expect(auth.targetModelId).toBe('invoices');
    expect(auth.expiresAt.getTime() - clock.now()).toBe(HOUR);
    expect([auth.targetResourceId, auth.targetResourceRegion]).toEqual([emu.resource('dr').resourceId, 'eastus']);
    const ref = await src.startCopy('invoices', auth);
    expect(ref).toMatchObject({ sourceModelId: 'invoices', targetModelId: 'invoices', kind: 'documentModelCopyTo' });
    expect(ref.resultId).toMatch(/^\d{11}_[0-9a-f-]{36}$/);
    expect(ref.operationLocation).toContain(`/operations/${ref.resultId}?api-version=${version}`);
    const { final, seen } = await settle(src, ref);
    expect(seen).toEqual(['notStarted', 'notStarted', 'running', 'running', 'succeeded']);
    expect(final).toMatchObject({
      status: 'succeeded',
      targetModelId: 'invoices',
      errors: [],
      percentCompleted: 100,
      kind: 'documentModelCopyTo',
    });
    const copy = await dr.getModel('invoices');
    expect(copy).toMatchObject({
      modelId: 'invoices',
      status: 'ready',
      description: 'DR copy of invoices',
      tags: { source: 'westus2/invoices' },
    });
    await expect(dr.getModelsSummary()).resolves.toEqual({ count: 1, limit: 20000 });
  });

  it('409 ModelExists for an existing id and for an id burned by an unused authorization', async () => {
    const dr = client('dr', version);
    const src = client('src', version);
    const e = await caught(src.authorizeCopy({ targetModelId: 'invoices' })); // exists on src itself
    expect(e).toBeInstanceOf(ModelExistsError);
    expect([e.kind, e.reason, e.status, e.serviceCode, e.operation]).toEqual([
      'permanent',
      'conflict',
      409,
      'ModelExists',
      'authorizeCopy',
    ]);
    await dr.authorizeCopy({ targetModelId: 'never-used' });
    expect(emu.reservedIds('dr')).toEqual(['documentModels/never-used']);
    await expect(all(dr.listModels())).resolves.not.toContainEqual(expect.objectContaining({ modelId: 'never-used' }));
    clock.advance(2 * HOUR); // expired, still burned (azure-sdk-for-net #51813)
    await expect(dr.authorizeCopy({ targetModelId: 'never-used' })).rejects.toBeInstanceOf(ModelExistsError);
    // a resource that lets a new authorization replace an unused one
    const dr2 = client('dr2', version);
    await dr2.authorizeCopy({ targetModelId: 'again' });
    await expect(dr2.authorizeCopy({ targetModelId: 'again' })).resolves.toMatchObject({ targetModelId: 'again' });
  });

  it('requires a valid targetModelId before sending anything', async () => {
    const dr = client('dr', version);
    for (const bad of [undefined, '', '-x', 'a', 'x'.repeat(65), 'a/b']) {
      const e = await caught(dr.authorizeCopy({ targetModelId: bad as string }));
      expect(e).toBeInstanceOf(ValidationError);
    }
    expect(events).toHaveLength(0);
  });

  it('an authorization expires after 1 h: refused client-side, and classified renewal when the service refuses it', async () => {
    const src = client('src', version);
    const dr = client('dr', version);
    const auth = await dr.authorizeCopy({ targetModelId: 'late' });
    clock.advance(HOUR);
    const before = events.length;
    const e1 = await caught(src.startCopy('invoices', auth));
    expect(e1).toBeInstanceOf(AuthorizationRenewalError);
    expect(e1.reason).toBe('authorizationExpired');
    expect(events.length).toBe(before); // no request made
    const skewed = client('src', version, { now: () => clock.now() - 2 * HOUR }); // a client whose clock is behind
    const e2 = await caught(skewed.startCopy('invoices', auth));
    expect(e2).toBeInstanceOf(AuthorizationRenewalError);
    expect([e2.reason, e2.status, e2.serviceCode]).toEqual(['authorizationExpired', 400, 'AuthorizationFailed']);
  });

  it('an operation is forgotten after 24 h: OperationNotFound, recovered by checking the target model', async () => {
    const src = client('src', version);
    const dr = client('dr', version);
    const ref = await src.startCopy('receipts', await dr.authorizeCopy({ targetModelId: 'receipts-dr' }));
    clock.advance(10_000);
    await expect(src.getCopyResult(ref)).resolves.toMatchObject({ status: 'succeeded' });
    clock.advance(24 * HOUR);
    const e = await caught(src.getCopyResult(ref));
    expect(e).toBeInstanceOf(PermanentError);
    expect([e.reason, e.status, e.serviceCode]).toEqual(['operationNotFound', 404, 'OperationNotFound']);
    await expect(dr.getModel('receipts-dr')).resolves.toMatchObject({ status: 'ready' });
    const gone = await caught(dr.getModel('no-such-model'));
    expect(gone).toBeInstanceOf(ModelNotFoundError);
    expect(gone.serviceCode).toBe('ModelNotFound');
    await expect(dr.deleteModel('receipts-dr')).resolves.toEqual({ deleted: true });
    await expect(dr.deleteModel('receipts-dr')).resolves.toEqual({ deleted: false });
  });

  it('failed operations are returned and classified: transient service error, then a reused authorization', async () => {
    const src = client('src', version);
    const dr = client('dr', version);
    emu.faults.add('src', { kind: 'copyFails', code: 'InternalServerError', message: 'An unexpected error occurred.' });
    const auth = await dr.authorizeCopy({ targetModelId: 'flaky' });
    const r1 = (await settle(src, await src.startCopy('invoices', auth))).final;
    expect(r1.status).toBe('failed');
    expect(copyResultError(r1)).toBeInstanceOf(TransientError);
    // The same authorization again: refused synchronously, 403 Forbidden / AuthorizationFailed (v3 error guide).
    const e2 = await caught(src.startCopy('invoices', auth));
    expect(e2).toBeInstanceOf(AuthorizationConsumedError);
    expect(e2).toBeInstanceOf(AuthorizationRenewalError);
    expect([e2.status, e2.reason, e2.serviceCode]).toEqual([403, 'authorizationConsumed', 'AuthorizationFailed']);
    expect(emu.reservedIds('dr')).toContain('documentModels/flaky'); // a failed copy leaves the id burned
  });

  it('issue 11 fact 1: a lost 202 (accepted, then 500) — the resent authorization gets 403 AuthorizationFailed while the copy lands', async () => {
    const src = client('src', version);
    const dr = client('dr', version);
    emu.faults.add('src', { kind: 'status', status: 500, phase: 'after', call: 'copy' });
    const auth = await dr.authorizeCopy({ targetModelId: 'lost-202' });
    const first = await caught(src.startCopy('invoices', auth));
    expect([first.kind, first.status]).toEqual(['transient', 500]);
    const again = await caught(src.startCopy('invoices', auth));
    expect(again).toBeInstanceOf(AuthorizationConsumedError);
    expect(copyMayHaveLanded(again)).toBe(true); // not a permanent 'forbidden': read the target before renewing
    clock.advance(10_000);
    await expect(dr.getModel('lost-202')).resolves.toMatchObject({ modelId: 'lost-202', status: 'ready' });
    expect(emu.documentOperations('src').filter((o) => o.targetId === 'lost-202')).toHaveLength(1);
  });

  it('canceled and skipped operations are reported and map to transient errors', async () => {
    const src = client('src', version);
    const dr = client('dr', version);
    for (const status of ['canceled', 'skipped'] as const) {
      const ref = await src.startCopy('invoices', await dr.authorizeCopy({ targetModelId: `ended-${status}` }));
      emu.endDocumentOperation('src', ref.resultId, status);
      const r = await src.getCopyResult(ref);
      expect(r.status).toBe(status);
      const e = copyResultError(r) as FormRecognizerError;
      expect(e).toBeInstanceOf(TransientError);
      expect(e.serviceCode).toBe(status);
    }
    await expect(dr.getModel('ended-canceled')).rejects.toBeInstanceOf(ModelNotFoundError);
  });

  it('throttling reaches the caller as ThrottledError with Retry-After', async () => {
    const dr = client('dr', version);
    emu.faults.add('dr', { kind: 'throttle', call: 'authorize', retryAfterSeconds: 7 });
    const e = await caught(dr.authorizeCopy({ targetModelId: 'throttled' }));
    expect(e).toBeInstanceOf(ThrottledError);
    expect(e.retryAfterMs).toBe(7000);
    emu.setRateLimits({ list: 1 });
    await dr.listModelsPage();
    const e2 = await caught(dr.listModelsPage());
    expect([e2.kind, e2.status]).toEqual(['throttled', 429]);
    clock.advance(1000);
    await expect(dr.listModelsPage()).resolves.toBeDefined();
  });

  it('refuses a foreign Operation-Location without sending the key', async () => {
    const src = client('src', version);
    const before = events.length;
    const e = await caught(
      src.getCopyResult('http://127.0.0.2:1/formrecognizer/operations/1_x?api-version=' + version),
    );
    expect(e).toBeInstanceOf(ForeignHostError);
    const e2 = await caught(
      src.getCopyResult(`${emu.resource('src').endpoint}/documentModels/x?api-version=${version}`),
    );
    expect(e2).toBeInstanceOf(ForeignHostError);
    expect(events.length).toBe(before);
  });

  it('works with Microsoft Entra ID tokens', async () => {
    const scopes: string[] = [];
    const credential: TokenCredential = {
      getToken: (scope: string | string[], _o?: GetTokenOptions): Promise<AccessToken> => {
        scopes.push(...(Array.isArray(scope) ? scope : [scope]));
        return Promise.resolve({ token: BEARER, expiresOnTimestamp: clock.now() + HOUR });
      },
    };
    const src = client('src', version, { credential });
    const dr = client('dr', version, { credential });
    const ref = await src.startCopy('invoices', await dr.authorizeCopy({ targetModelId: 'via-entra' }));
    expect((await settle(src, ref)).final.status).toBe('succeeded');
    expect(new Set(scopes)).toEqual(new Set([COGNITIVE_SERVICES_SCOPE]));
    expect(emu.requestLog.every((l) => l.credential === 'bearer')).toBe(true);
    expect(logLines.join('\n')).not.toContain(BEARER);
  });

  it('never puts the key or an access token in errors, logs, events or serialized values', async () => {
    const src = client('src', version);
    const dr = client('dr', version);
    const auth = await dr.authorizeCopy({ targetModelId: 'secret-check' });
    const token = (JSON.parse(auth.raw) as { accessToken: string }).accessToken;
    const errors: unknown[] = [];
    await src.startCopy('invoices', auth);
    errors.push(await caught(src.startCopy('invoices', auth))); // 403: authorization already used
    errors.push(await caught(dr.authorizeCopy({ targetModelId: 'secret-check' })));
    const bad = client('src', version, { credential: { key: 'f'.repeat(32) } });
    errors.push(await caught(bad.listModelsPage()));
    const haystack = [
      ...logLines,
      JSON.stringify(events),
      ...errors.map((e) => JSON.stringify(serializeError(e))),
      ...errors.map((e) => (e instanceof Error ? e.message : String(e))),
      JSON.stringify(auth),
      inspect(auth, { showHidden: true, depth: 5 }),
      JSON.stringify(src),
      inspect(dr, { showHidden: true }),
      JSON.stringify(emu.requestLog),
    ].join('\n');
    for (const secret of [emu.resource('src').key, emu.resource('dr').key, token, 'f'.repeat(32)])
      expect(haystack).not.toContain(secret);
    expect(JSON.stringify(auth)).toContain('[redacted]');
  });
});

describe('2024-11-30 classifiers and composed models', () => {
  const version = '2024-11-30';

  it('copies a classifier with a chosen id, and lists, gets and deletes classifiers', async () => {
    const src = client('src', version);
    const dr = client('dr', version);
    await expect(all(src.listClassifiers())).resolves.toEqual([
      expect.objectContaining({ classifierId: 'finance-classifier', docTypes: ['invoice', 'receipt'] }),
    ]);
    const auth = await dr.authorizeClassifierCopy({ targetClassifierId: 'finance-classifier', description: 'DR copy' });
    expect(JSON.stringify(auth)).toContain('[redacted]');
    const ref = await src.startClassifierCopy('finance-classifier', auth);
    expect(ref.kind).toBe('documentClassifierCopyTo');
    const { final } = await settle(src, ref);
    expect(final).toMatchObject({
      status: 'succeeded',
      targetModelId: 'finance-classifier',
      kind: 'documentClassifierCopyTo',
    });
    await expect(dr.getClassifier('finance-classifier')).resolves.toMatchObject({ description: 'DR copy' });
    await expect(dr.authorizeClassifierCopy({ targetClassifierId: 'finance-classifier' })).rejects.toBeInstanceOf(
      ModelExistsError,
    );
    await expect(dr.deleteClassifier('finance-classifier')).resolves.toEqual({ deleted: true });
    await expect(dr.getClassifier('finance-classifier')).rejects.toBeInstanceOf(ModelNotFoundError);
  });

  it('a composed model copies only once its classifier is in the target (under the same id)', async () => {
    const src = client('src', version);
    const dr = client('dr', version);
    const first = (
      await settle(
        src,
        await src.startCopy('finance-composed', await dr.authorizeCopy({ targetModelId: 'finance-composed' })),
      )
    ).final;
    expect(first.status).toBe('failed');
    const e = copyResultError(first);
    expect(e).toBeInstanceOf(CopyDependencyMissingError);
    expect((e as CopyDependencyMissingError).missing).toEqual({ kind: 'classifier', id: 'finance-classifier' });
    expect(e?.kind).toBe('permanent');
    // classifier first, then the composed model (the failed attempt burned its id: a new one)
    await settle(
      src,
      await src.startClassifierCopy(
        'finance-classifier',
        await dr.authorizeClassifierCopy({ targetClassifierId: 'finance-classifier' }),
      ),
    );
    const again = (
      await settle(
        src,
        await src.startCopy('finance-composed', await dr.authorizeCopy({ targetModelId: 'finance-composed-2' })),
      )
    ).final;
    expect(again.status).toBe('succeeded');
    await expect(dr.getModel('finance-composed-2')).resolves.toMatchObject({
      classifierId: 'finance-classifier',
      componentModelIds: ['invoices', 'receipts'],
      isComposed: true,
    });
  });

  it('the 2023-07-31 client refuses classifier copy without a request', async () => {
    const dr = client('dr', '2023-07-31');
    await expect(dr.authorizeClassifierCopy({ targetClassifierId: 'c1' })).rejects.toBeInstanceOf(ValidationError);
    expect(events).toHaveLength(0);
  });
});
