/** Pure logic of the v3.1/v4 client: error envelopes, classification, guards, classifier authorization. */
import { inspect } from 'node:util';
import {
  AuthorizationRenewalError,
  ClassifierCopyAuthorization,
  CopyAuthorization,
  CopyDependencyMissingError,
  DocumentModelsClient,
  PermanentError,
  TransientError,
  ValidationError,
  classifyDocumentModelCopyFailure,
  copyResultError,
  flattenServiceError,
  normalizeErrorEnvelope,
  type CopyResult,
} from '../../src/formRecognizer';
import { toCopyOperation, toDocumentModelInfo } from '../../src/formRecognizer/documentModelsGuards';

const TOKEN = 'tok-0123456789abcdef0123456789abcdef';
const RID = '/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/dr';

describe('v4 error envelope', () => {
  it('lifts the innermost code and keeps both messages', () => {
    const text = JSON.stringify({
      error: {
        code: 'Conflict',
        message: 'Conflict.',
        innererror: { code: 'ModelExists', message: 'A model with the provided name already exists.' },
      },
    });
    expect(JSON.parse(normalizeErrorEnvelope(text) as string)).toEqual({
      error: { code: 'ModelExists', message: 'Conflict: Conflict. A model with the provided name already exists.' },
    });
  });
  it.each([['not json'], ['{"error":{"code":"NotFound","message":"x"}}'], ['[]']])('leaves %p alone', (text) => {
    expect(normalizeErrorEnvelope(text)).toBeUndefined();
  });
  it('flattens innererror chains and details, innermost first', () => {
    const error = {
      code: 'InternalServerError',
      message: 'top',
      innererror: { code: 'A', message: 'a', innererror: { code: 'B', message: 'b' } },
      details: [
        { code: 'InvalidRequest', message: 'd', innererror: { code: 'AuthorizationFailed', message: 'expired' } },
      ],
    };
    expect(flattenServiceError(error).map((e) => e.code)).toEqual([
      'B',
      'A',
      'InternalServerError',
      'AuthorizationFailed',
      'InvalidRequest',
    ]);
    expect(flattenServiceError(undefined)).toEqual([]);
  });
});

describe('classifyDocumentModelCopyFailure', () => {
  const d = (code: string, message = ''): { code: string; message: string } => ({ code, message });
  it.each([
    [
      [d('AuthorizationFailed', 'Authorization failed: the copy authorization expired at X.'), d('InvalidRequest')],
      AuthorizationRenewalError,
      'authorizationExpired',
    ],
    [
      [
        d('AuthorizationFailed', 'Authorization failure due to missing or invalid authorization claims.'),
        d('InvalidRequest'),
      ],
      AuthorizationRenewalError,
      'authorizationInvalid',
    ],
    [
      [d('AuthorizationFailed', 'the copy authorization has already been used.')],
      AuthorizationRenewalError,
      'authorizationReused',
    ],
    [
      [d('ResourceResolverError', "Could not fetch … 'x'"), d('InvalidRequest')],
      PermanentError,
      'targetResourceNotFound',
    ],
    [[d('DataProtectionTransformServiceError')], PermanentError, 'encryptionDowngrade'],
    [[d('ClassifierNotFound', "references classifier 'c1', which")], CopyDependencyMissingError, 'badRequest'],
    [[d('ComponentModelNotFound', "component model 'm1'")], CopyDependencyMissingError, 'badRequest'],
    [[d('InternalServerError')], TransientError, 'serverError'],
    [[d('SomethingNew')], TransientError, 'operationFailed'],
    [[d('2024', 'Could not retrieve authorization metadata.')], AuthorizationRenewalError, 'authorizationReused'],
  ])('%j → %p %s', (errors, ctor, reason) => {
    const e = classifyDocumentModelCopyFailure(errors);
    expect(e).toBeInstanceOf(ctor);
    expect(e.reason).toBe(reason);
  });
  it('names the missing dependency', () => {
    const e = classifyDocumentModelCopyFailure([
      d('ClassifierNotFound', "The composed model references classifier 'finance', which does not exist"),
    ]) as CopyDependencyMissingError;
    expect(e.missing).toEqual({ kind: 'classifier', id: 'finance' });
  });
  it('maps the end states of a copy result', () => {
    const base: CopyResult = { status: 'succeeded', errors: [], createdDateTime: 'a', lastUpdatedDateTime: 'b' };
    expect(copyResultError(base)).toBeUndefined();
    expect(copyResultError({ ...base, status: 'running' })).toBeUndefined();
    expect(copyResultError({ ...base, status: 'canceled' })).toBeInstanceOf(TransientError);
    expect(copyResultError({ ...base, status: 'skipped' })?.serviceCode).toBe('skipped');
    expect(copyResultError({ ...base, status: 'failed', errors: [d('AuthorizationFailed')] })).toBeInstanceOf(
      AuthorizationRenewalError,
    );
  });
});

describe('guards', () => {
  it('maps DocumentModelDetails, marking prebuilt and composed models', () => {
    expect(
      toDocumentModelInfo({
        modelId: 'prebuilt-invoice',
        createdDateTime: '2024-11-30T00:00:00Z',
        docTypes: { invoice: {} },
      }),
    ).toMatchObject({ prebuilt: true, status: 'ready' });
    const m = toDocumentModelInfo({
      modelId: 'c',
      createdDateTime: '2025-01-01T00:00:00Z',
      modifiedDateTime: '2025-01-02T00:00:00Z',
      classifierId: 'k',
      split: 'auto',
      docTypes: { a: { modelId: 'm1' }, b: { modelId: 'm2' }, c: { modelId: 'm1' } },
      tags: { t: 'v', n: 1 },
    });
    expect(m).toEqual({
      modelId: 'c',
      status: 'ready',
      createdDateTime: '2025-01-01T00:00:00Z',
      lastUpdatedDateTime: '2025-01-02T00:00:00Z',
      tags: { t: 'v' },
      docTypes: ['a', 'b', 'c'],
      docTypeSchemas: {
        a: { fieldSchemaFingerprint: '', modelId: 'm1' },
        b: { fieldSchemaFingerprint: '', modelId: 'm2' },
        c: { fieldSchemaFingerprint: '', modelId: 'm1' },
      },
      componentModelIds: ['m1', 'm2'],
      classifierId: 'k',
      split: 'auto',
      isComposed: true,
    });
    expect(toDocumentModelInfo({ modelId: 'x' })).toBeUndefined();
  });
  it('accepts every v4 operation status and rejects unknown kinds', () => {
    const op = {
      operationId: '1_x',
      createdDateTime: 'a',
      lastUpdatedDateTime: 'b',
      kind: 'documentModelCopyTo',
      resourceLocation: 'https://t/documentintelligence/documentModels/m?api-version=2024-11-30',
    };
    for (const status of ['notStarted', 'running', 'succeeded', 'failed', 'canceled', 'skipped'])
      expect(toCopyOperation({ ...op, status })?.status).toBe(status);
    expect(toCopyOperation({ ...op, status: 'completed' })).toBeUndefined();
    expect(toCopyOperation({ ...op, status: 'running', kind: 'documentModelBuild' })).toBeUndefined();
    expect(toCopyOperation({ ...op, status: 'succeeded', result: { modelId: 'm' } })?.resultId).toBe('m');
  });
});

describe('authorizations', () => {
  const rawModel = `{"targetResourceId":"${RID}","targetResourceRegion":"eastus","targetModelId":"m1","targetModelLocation":"https://t/documentintelligence/documentModels/m1","accessToken":"${TOKEN}","expirationDateTime":"2026-03-01T01:00:00Z"}`;
  it('keeps a model authorization verbatim, expiry from its ISO time', () => {
    const a = CopyAuthorization.fromV4Raw(rawModel);
    expect(a.raw).toBe(rawModel);
    expect([a.apiFamily, a.expiresEncoding, a.expiresAtIso]).toEqual([
      'documentModels',
      'iso',
      '2026-03-01T01:00:00.000Z',
    ]);
  });
  it('keeps a classifier authorization verbatim and redacted', () => {
    const raw = `{"targetResourceId":"${RID}","targetResourceRegion":"eastus","targetClassifierId":"c1","targetClassifierLocation":"https://t/x","accessToken":"${TOKEN}","expirationDateTime":"2026-03-01T01:00:00Z"}`;
    const a = ClassifierCopyAuthorization.fromRaw(raw);
    expect(a.raw).toBe(raw);
    expect(a.targetClassifierId).toBe('c1');
    for (const view of [
      JSON.stringify(a),
      inspect(a, { showHidden: true, depth: 5 }),
      String(a),
      JSON.stringify({ ...a }),
    ])
      expect(view).not.toContain(TOKEN);
    expect(() => ClassifierCopyAuthorization.fromRaw(rawModel)).toThrow(TypeError);
    try {
      ClassifierCopyAuthorization.fromRaw(rawModel);
    } catch (e) {
      expect(String(e)).not.toContain(TOKEN);
    }
  });
});

describe('DocumentModelsClient construction', () => {
  const base = {
    region: 'eastus',
    resourceId: RID,
    credential: { key: 'k'.repeat(32) },
    apiVersion: '2024-11-30' as const,
  };
  it.each([
    ['http://example.com', 'https'],
    ['https://u:p@example.com', 'credentials'],
    ['https://example.com/?x=1', 'query'],
    ['not a url', 'absolute'],
  ])('refuses endpoint %p', (endpoint, what) => {
    expect(() => new DocumentModelsClient({ ...base, endpoint })).toThrow(new RegExp(what));
  });
  it('refuses an unknown version and never shows its key', () => {
    expect(
      () =>
        new DocumentModelsClient({
          ...base,
          endpoint: 'https://r.cognitiveservices.azure.com',
          apiVersion: '2022-08-31' as '2024-11-30',
        }),
    ).toThrow(ValidationError);
    const c = new DocumentModelsClient({ ...base, endpoint: 'https://r.cognitiveservices.azure.com/' });
    expect(c.endpoint).toBe('https://r.cognitiveservices.azure.com');
    expect(JSON.stringify(c) + inspect(c, { showHidden: true, depth: 5 })).not.toContain('kkkk');
  });
  it('refuses a v2 authorization for a v4 copy, before any request', async () => {
    const fetch = jest.fn();
    const c = new DocumentModelsClient({ ...base, endpoint: 'https://r.cognitiveservices.azure.com', fetch });
    const v2 = CopyAuthorization.fromV2Raw(
      `{"modelId":"m","accessToken":"${TOKEN}","expirationDateTimeTicks":1900000000}`,
      { resourceId: RID, region: 'eastus' },
    );
    await expect(c.startCopy('src', v2)).rejects.toBeInstanceOf(ValidationError);
    await expect(
      c.startCopy(
        'prebuilt-invoice',
        CopyAuthorization.fromV4Raw(
          `{"targetResourceId":"${RID}","targetResourceRegion":"eastus","targetModelId":"m1","targetModelLocation":"x","accessToken":"${TOKEN}","expirationDateTime":"2999-01-01T00:00:00Z"}`,
        ),
      ),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(fetch).not.toHaveBeenCalled();
  });
});
