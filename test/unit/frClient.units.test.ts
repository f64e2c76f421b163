/**
 * Pure logic of the Form Recognizer client: expiry decoding (ticks / seconds), Retry-After,
 * error classification, secret scrubbing, the verbatim authorization and its redaction.
 */
import { inspect } from 'node:util';
import {
  AuthorizationRenewalError,
  CopyAuthorization,
  ModelNotFoundError,
  PermanentError,
  REDACTED,
  SecretScrubber,
  ThrottledError,
  TransientError,
  classifyCopyFailure,
  classifyHttpFailure,
  createCopyClient,
  decodeExpirationTicks,
  epochMsToTicks,
  parseRetryAfter,
  serializeError,
  type ClientOperation,
  type ErrorKind,
  type FailureReason,
} from '../../src/formRecognizer';
import { topLevelRawMembers } from '../../src/formRecognizer/rawJson';

const SAMPLE_TICKS = '637233481531659440';
const SAMPLE_RAW = `{"modelId":"33f4d42c-cd2f-4e74-b990-a1aeafab5a5d","accessToken":"1855fe23-5ffc-427b-aab2-e5196641502f","expirationDateTimeTicks":${SAMPLE_TICKS}}`;
const TARGET = {
  resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/t',
  region: 'eastus',
};

describe('decodeExpirationTicks', () => {
  it.each([
    ['the seed sample (.NET ticks)', SAMPLE_TICKS, '2020-04-24T18:02:33.165Z', 'ticks'],
    ['Unix seconds (recorded v2.1 traffic)', '1622052276', '2021-05-26T18:04:36.000Z', 'seconds'],
    ['the Unix epoch in ticks', '621355968000000000', '1970-01-01T00:00:00.000Z', 'ticks'],
    ['just below the ticks threshold is seconds', '99999999999', '5138-11-16T09:46:39.000Z', 'seconds'],
    ['surrounding whitespace', ` ${SAMPLE_TICKS}\n`, '2020-04-24T18:02:33.165Z', 'ticks'],
  ])('%s', (_name, raw, iso, encoding) => {
    // Act
    const decoded = decodeExpirationTicks(raw);
    // Assess
    expect(decoded).toBeDefined();
    expect(new Date(decoded!.epochMs).toISOString()).toBe(iso);
    expect(decoded!.encoding).toBe(encoding);
  });

  it.each([['-5'], ['1.5'], ['1e18'], ['"637233481531659440"'], [''], ['null'], ['9'.repeat(40)]])(
    'rejects %p',
    (raw) => {
      expect(decodeExpirationTicks(raw)).toBeUndefined();
    },
  );

  it('uses exact integer arithmetic (JSON.parse would lose the last digits)', () => {
    // Prepare: the precision trap the reference warns about
    expect(String(JSON.parse(SAMPLE_TICKS))).not.toBe(SAMPLE_TICKS);
    // Act / Assess: epochMsToTicks is exact at millisecond resolution
    expect(epochMsToTicks(Date.parse('2020-04-24T18:02:33.165Z'))).toBe('637233481531650000');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['delta seconds', '7', 7000],
    ['zero', '0', 0],
    ['fractional seconds round up', '1.2', 1200],
    ['padded', ' 30 ', 30000],
    ['HTTP-date 90 s ahead of the supplied clock', 'Thu, 01 Jan 2026 00:01:30 GMT', 90000],
    ['HTTP-date in the past clamps to 0', 'Wed, 31 Dec 2025 23:00:00 GMT', 0],
    ['three days (F0 quota)', '259200', 259200000],
  ])('%s', (_name, value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it.each([[undefined], [null], [''], ['soon'], ['-3'], ['12abc'], ['2026-13-45']])('ignores %p', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe('classifyCopyFailure (errors inside a failed copy operation)', () => {
  it.each<[string, string, string, ErrorKind, FailureReason]>([
    [
      'tampered authorization',
      'AuthorizationError',
      'Authorization failure due to missing or invalid authorization claims.',
      'authorizationRenewal',
      'authorizationInvalid',
    ],
    [
      'reused authorization (real code 2024)',
      '2024',
      'Could not retrieve authorization metadata. If this issue persists use a different target model to copy into.',
      'authorizationRenewal',
      'authorizationReused',
    ],
    [
      'reused authorization (documented as AuthorizationError)',
      'AuthorizationError',
      "Couldn't retrieve authorization metadata. If this issue persists use a different target model to copy into.",
      'authorizationRenewal',
      'authorizationReused',
    ],
    [
      'unknown target resource',
      'ResourceResolverError',
      "Could not fetch information for Cognitive resource with Id '/x'. Ensure the resource is valid and exists in the specified region 'westus2'.",
      'permanent',
      'targetResourceNotFound',
    ],
    [
      'encryption downgrade',
      'DataProtectionTransformServiceError',
      'Data transfer request is not allowed as it downgrades to a less secure data protection scheme.',
      'permanent',
      'encryptionDowngrade',
    ],
    ['internal error', 'InternalServerError', 'An unexpected error occurred.', 'transient', 'serverError'],
    ['an unknown code', 'SomethingNew', 'What?', 'transient', 'operationFailed'],
  ])('%s → %s', (_name, code, message, kind, reason) => {
    // Act
    const e = classifyCopyFailure([{ code, message }], { requestId: 'req-1' });
    // Assess
    expect(e.kind).toBe(kind);
    expect(e.reason).toBe(reason);
    expect(e.serviceCode).toBe(code);
    expect(e.operation).toBe('copyOperation');
    expect(e.requestId).toBe('req-1');
  });

  it('no details → transient', () => {
    expect(classifyCopyFailure([]).kind).toBe('transient');
  });

  it('the most decisive error wins: permanent > renewal > transient', () => {
    const e = classifyCopyFailure([
      { code: 'InternalServerError', message: 'x' },
      { code: 'AuthorizationError', message: 'y' },
      { code: 'DataProtectionTransformServiceError', message: 'z' },
    ]);
    expect(e).toBeInstanceOf(PermanentError);
    expect(e.reason).toBe('encryptionDowngrade');
  });
});

describe('classifyHttpFailure', () => {
  type Row = [
    string,
    ClientOperation,
    number,
    string | undefined,
    string | undefined,
    number | undefined,
    ErrorKind,
    FailureReason,
  ];
  it.each<Row>([
    [
      '429 with Retry-After',
      'authorizeCopy',
      429,
      '429',
      'Please retry after 7 seconds.',
      7000,
      'throttled',
      'rateLimited',
    ],
    [
      '403 quota with Retry-After',
      'getModel',
      403,
      '403',
      'Out of call volume quota.',
      3600000,
      'throttled',
      'quotaExceeded',
    ],
    ['403 without Retry-After', 'getModel', 403, '403', 'Forbidden', undefined, 'permanent', 'forbidden'],
    [
      '500',
      'getCopyResult',
      500,
      'InternalServerError',
      'An unexpected error occurred.',
      undefined,
      'transient',
      'serverError',
    ],
    ['503', 'startCopy', 503, 'ServiceUnavailable', 'later', 5000, 'transient', 'serverError'],
    ['408', 'listModels', 408, undefined, undefined, undefined, 'transient', 'timeout'],
    [
      '401 bad key',
      'startCopy',
      401,
      '401',
      'Access denied due to invalid subscription key or wrong API endpoint.',
      undefined,
      'permanent',
      'unauthenticated',
    ],
    [
      '404 1022 model',
      'startCopy',
      404,
      '1022',
      "Model with 'id=x' not found.",
      undefined,
      'permanent',
      'modelNotFound',
    ],
    [
      '404 copy result',
      'getCopyResult',
      404,
      '1022',
      "Copy operation with 'id=x' not found.",
      undefined,
      'permanent',
      'operationNotFound',
    ],
    ['409 (v4 ModelExists)', 'authorizeCopy', 409, 'ModelExists', 'exists', undefined, 'permanent', 'conflict'],
    [
      '400 1002 expired',
      'startCopy',
      400,
      '1002',
      "Invalid copy request. The 'expirationDateTimeTicks' of the copy authorization has expired.",
      undefined,
      'authorizationRenewal',
      'authorizationExpired',
    ],
    [
      '400 1002 modified',
      'startCopy',
      400,
      '1002',
      "Invalid copy request. Invalid or modified 'copyAuthorization' payload.",
      undefined,
      'authorizationRenewal',
      'authorizationInvalid',
    ],
    [
      '400 1002 bad region',
      'startCopy',
      400,
      '1002',
      "Invalid copy request. Invalid or unsupported 'targetResourceRegion'.",
      undefined,
      'permanent',
      'invalidTarget',
    ],
    [
      '400 1002 malformed id',
      'startCopy',
      400,
      '1002',
      "Invalid copy request. Invalid or malformed 'targetResourceId'.",
      undefined,
      'permanent',
      'invalidTarget',
    ],
    [
      '400 1002 source model not ready',
      'startCopy',
      400,
      '1002',
      "Invalid copy request. Model with 'id=x' is not ready.",
      undefined,
      'permanent',
      'badRequest',
    ],
    [
      '400 1002 unrecognised',
      'startCopy',
      400,
      '1002',
      'Bad request.',
      undefined,
      'authorizationRenewal',
      'authorizationInvalid',
    ],
    [
      '400 elsewhere',
      'listModels',
      400,
      '1001',
      "The 'nextLink' parameter is invalid.",
      undefined,
      'permanent',
      'badRequest',
    ],
  ])('%s', (_name, operation, status, serviceCode, serviceMessage, retryAfterMs, kind, reason) => {
    // Prepare
    const failure: Parameters<typeof classifyHttpFailure>[0] = { status };
    if (serviceCode !== undefined) failure.serviceCode = serviceCode;
    if (serviceMessage !== undefined) failure.serviceMessage = serviceMessage;
    if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
    // Act
    const e = classifyHttpFailure(failure, { operation, requestId: 'r' });
    // Assess
    expect([e.kind, e.reason]).toEqual([kind, reason]);
    expect(e.status).toBe(status);
    expect(e.retryAfterMs).toBe(retryAfterMs);
  });

  it('a known-expired authorization is a renewal whatever the message says', () => {
    const e = classifyHttpFailure(
      { status: 400, serviceCode: '1002', serviceMessage: 'region?' },
      { operation: 'startCopy' },
      { authorizationExpired: true },
    );
    expect(e).toBeInstanceOf(AuthorizationRenewalError);
    expect(e.reason).toBe('authorizationExpired');
  });

  it('classes carry the kind and the hierarchy', () => {
    const nf = classifyHttpFailure({ status: 404, serviceCode: '1022' }, { operation: 'getModel' });
    expect(nf).toBeInstanceOf(ModelNotFoundError);
    expect(nf).toBeInstanceOf(PermanentError);
    expect(classifyHttpFailure({ status: 429 }, { operation: 'getModel' })).toBeInstanceOf(ThrottledError);
    expect(classifyHttpFailure({ status: 502 }, { operation: 'getModel' })).toBeInstanceOf(TransientError);
  });

  it('scrubs the service message with the supplied scrubber', () => {
    const s = new SecretScrubber();
    s.add('my-key-0123');
    const e = classifyHttpFailure(
      { status: 401, serviceMessage: 'key my-key-0123 denied' },
      { operation: 'getModel', scrub: (t) => s.scrub(t) },
    );
    expect(e.message).not.toContain('my-key-0123');
    expect(e.message).toContain(REDACTED);
  });
});

describe('serializeError', () => {
  it('keeps the classification and nothing else', () => {
    const e = classifyHttpFailure(
      { status: 429, serviceCode: '429', serviceMessage: 'slow down', retryAfterMs: 2000 },
      { operation: 'startCopy', requestId: 'abc' },
    );
    expect(serializeError(e)).toEqual({
      name: 'ThrottledError',
      kind: 'throttled',
      reason: 'rateLimited',
      operation: 'startCopy',
      status: 429,
      code: '429',
      message: 'startCopy failed: HTTP 429 (code 429): slow down',
      requestId: 'abc',
      retryAfterMs: 2000,
    });
    expect(JSON.parse(JSON.stringify(e))).toEqual(serializeError(e));
  });

  it('foreign errors become kind unknown with generic secret shapes removed', () => {
    const s = serializeError(
      new Error('failed with Bearer eyJhbGciOi.eyJzdWIiOiIx.sig and key 0123456789abcdef0123456789abcdef'),
    );
    expect(s.kind).toBe('unknown');
    expect(s.message).not.toMatch(/eyJ|0123456789abcdef/);
  });
});

describe('SecretScrubber', () => {
  it.each([
    ['exact secret', 'the key is s3cr3t-key!', 's3cr3t-key!'],
    ['percent-encoded secret', 'url ?k=s3cr3t%20key', 's3cr3t key'],
    ['accessToken member', '{"accessToken":"zzzz-yyyy"}', 'zzzz-yyyy'],
    ['bearer token', 'Authorization: Bearer abc.def.ghi', 'abc.def.ghi'],
    ['32-hex key', 'key 0123456789abcdef0123456789ABCDEF', '0123456789abcdef0123456789ABCDEF'],
  ])('%s', (_name, text, secret) => {
    const s = new SecretScrubber();
    s.add(secret);
    expect(s.scrub(text)).not.toContain(secret);
  });

  it('ignores secrets too short to match safely and never prints itself', () => {
    const s = new SecretScrubber();
    s.add('ab');
    expect(s.scrub('abc')).toBe('abc');
    s.add('longsecret');
    expect(JSON.stringify(s)).not.toContain('longsecret');
    expect(inspect(s)).not.toContain('longsecret');
  });
});

describe('topLevelRawMembers', () => {
  it('returns raw member text, ignoring look-alikes inside strings and nested objects', () => {
    const text =
      '{"a":"\\"expirationDateTimeTicks\\":1","n":{"expirationDateTimeTicks":2},"expirationDateTimeTicks" : 637233481531659440 }';
    const m = topLevelRawMembers(text);
    expect(m.get('expirationDateTimeTicks')).toBe('637233481531659440');
    expect(m.get('n')).toBe('{"expirationDateTimeTicks":2}');
  });

  it.each([['[1]'], ['{"a":'], ['not json'], ['"s"']])('rejects %p', (text) => {
    expect(() => topLevelRawMembers(text)).toThrow(SyntaxError);
  });
});

describe('CopyAuthorization', () => {
  it('keeps the service text byte-for-byte and decodes the sample ticks', () => {
    const auth = CopyAuthorization.fromV2Raw(SAMPLE_RAW, TARGET);
    expect(auth.raw).toBe(SAMPLE_RAW);
    expect(auth.targetModelId).toBe('33f4d42c-cd2f-4e74-b990-a1aeafab5a5d');
    expect(auth.expiresAtIso).toBe('2020-04-24T18:02:33.165Z');
    expect(auth.expiresEncoding).toBe('ticks');
  });

  it('never shows the token when logged, serialized, spread or inspected', () => {
    const auth = CopyAuthorization.fromV2Raw(SAMPLE_RAW, TARGET);
    const token = '1855fe23-5ffc-427b-aab2-e5196641502f';
    for (const view of [
      JSON.stringify(auth),
      JSON.stringify({ auth }),
      inspect(auth),
      inspect({ nested: { auth } }, { depth: 5 }),
      String(auth),
      `${JSON.stringify({ ...auth })}`,
      Object.keys(auth).join(),
    ]) {
      expect(view).not.toContain(token);
      expect(view).not.toContain(SAMPLE_TICKS);
    }
    expect(Object.keys(auth)).not.toContain('raw');
    expect(JSON.parse(JSON.stringify(auth))).toMatchObject({
      targetModelId: auth.targetModelId,
      expiresAt: '2020-04-24T18:02:33.165Z',
      raw: REDACTED,
    });
  });

  it.each([
    ['not JSON', '{"modelId":'],
    ['no token', '{"modelId":"m","expirationDateTimeTicks":1}'],
    ['string ticks', '{"modelId":"m","accessToken":"tok-secret","expirationDateTimeTicks":"1"}'],
    ['array', '[]'],
  ])('rejects %s without echoing it', (_name, raw) => {
    let caught: unknown;
    try {
      CopyAuthorization.fromV2Raw(raw, TARGET);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).not.toContain('tok-secret');
  });

  it('reads a v4 authorization (same type for a future v4 client)', () => {
    const raw =
      '{"targetResourceId":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/t","targetResourceRegion":"eastus","targetModelId":"m1","targetModelLocation":"https://t/documentintelligence/documentModels/m1","accessToken":"tok","expirationDateTime":"2026-01-01T01:00:00Z"}';
    const auth = CopyAuthorization.fromV4Raw(raw);
    expect([auth.apiFamily, auth.targetModelId, auth.targetResourceRegion, auth.expiresAtIso]).toEqual([
      'documentModels',
      'm1',
      'eastus',
      '2026-01-01T01:00:00.000Z',
    ]);
    expect(auth.raw).toBe(raw);
  });

  it('expiresWithin honours a safety margin', () => {
    const auth = CopyAuthorization.fromV2Raw(SAMPLE_RAW, TARGET);
    const exp = auth.expiresAt.getTime();
    expect(auth.expiresWithin(exp - 1000)).toBe(false);
    expect(auth.expiresWithin(exp - 1000, 5000)).toBe(true);
    expect(auth.expiresWithin(exp)).toBe(true);
  });
});

describe('createCopyClient', () => {
  const base = {
    endpoint: 'https://r.cognitiveservices.azure.com/',
    region: 'eastus',
    resourceId: TARGET.resourceId,
    credential: { key: 'k'.repeat(32) },
  };
  it.each([
    [undefined, 'v2.1'],
    ['v2.1', 'v2.1'],
    ['v2.0', 'v2.0'],
  ])('%p → v2 client %s', (apiVersion, expected) => {
    const c = createCopyClient(apiVersion === undefined ? base : { ...base, apiVersion });
    expect([c.apiFamily, c.apiVersion, c.endpoint]).toEqual([
      'formRecognizerV2',
      expected,
      'https://r.cognitiveservices.azure.com',
    ]);
  });
  it.each([['v3'], ['2022-08-31']])('%p is refused, naming the version', (apiVersion) => {
    expect(() => createCopyClient({ ...base, apiVersion })).toThrow(new RegExp(apiVersion));
  });
  it('the client never shows its key', () => {
    const c = createCopyClient(base);
    expect(JSON.stringify(c)).not.toContain('kkkk');
    expect(inspect(c, { depth: 10, showHidden: true })).not.toContain('kkkk');
  });
});
