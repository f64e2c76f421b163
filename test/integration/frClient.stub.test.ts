/**
 * The client against hand-written loopback HTTP stubs, for responses the emulator never
 * produces: foreign Operation-Location / nextLink / redirects, malformed bodies, the seed
 * guide's 18-digit ticks sample, HTTP-date Retry-After, and service text echoing secrets.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AuthorizationRenewalError,
  CopyAuthorization,
  ForeignHostError,
  FormRecognizerV2Client,
  PermanentError,
  ThrottledError,
  UnexpectedResponseError,
  ValidationError,
  serializeError,
  type FormRecognizerError,
  type Logger,
} from '../../src/formRecognizer';
import { rejection } from '../support/rejection';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface Stub {
  url: string;
  seen: Seen[];
  handler: (req: Seen, res: ServerResponse) => void;
  close(): Promise<void>;
}

async function startStub(): Promise<Stub> {
  const stub: Partial<Stub> & { seen: Seen[] } = { seen: [] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      stub.seen.push(seen);
      stub.handler!(seen, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.handler = (_req, res) => reply(res, 500, '{}');
  stub.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return stub as Stub;
}

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'apim-request-id': 'stub-request-id',
    ...headers,
  });
  res.end(body);
}

const KEY = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const SAMPLE_TICKS = '637233481531659440';
const SAMPLE_RAW = `{"modelId":"33f4d42c-cd2f-4e74-b990-a1aeafab5a5d","accessToken":"1855fe23-5ffc-427b-aab2-e5196641502f","expirationDateTimeTicks":${SAMPLE_TICKS}}`;
const TARGET_ID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/target';
const BEFORE_SAMPLE_EXPIRY = Date.parse('2020-04-24T00:00:00Z');
const MODELS = '/formrecognizer/v2.1/custom/models';

let source: Stub;
let foreign: Stub;
let logLines: string[];

const logger: Logger = {
  info: (m, f) => logLines.push(`${m} ${JSON.stringify(f)}`),
  warn: (m, f) => logLines.push(`${m} ${JSON.stringify(f)}`),
  error: (m, f) => logLines.push(`${m} ${JSON.stringify(f)}`),
};

function client(stub: Stub, now = BEFORE_SAMPLE_EXPIRY): FormRecognizerV2Client {
  return new FormRecognizerV2Client({
    endpoint: `${stub.url}/`,
    region: 'eastus',
    resourceId: TARGET_ID,
    credential: { key: KEY },
    now: () => now,
    logger,
  });
}

const caught = (p: Promise<unknown>): Promise<FormRecognizerError> => rejection<FormRecognizerError>(p);

beforeEach(async () => {
  source = await startStub();
  foreign = await startStub();
  foreign.handler = (_req, res) =>
    reply(res, 200, '{"status":"succeeded","createdDateTime":"x","lastUpdatedDateTime":"x","copyResult":{}}');
  logLines = [];
});

afterEach(async () => {
  await source.close();
  await foreign.close();
});

describe('the seed sample authorization (18-digit .NET ticks)', () => {
  it('is spliced into the copy request byte-for-byte and decodes to 2020-04-24T18:02:33.165Z', async () => {
    // Prepare
    source.handler = (req, res) => {
      if (req.url.endsWith('/copyAuthorization'))
        return reply(res, 201, SAMPLE_RAW, { Location: `${source.url}${MODELS}/33f4d42c-cd2f-4e74-b990-a1aeafab5a5d` });
      return reply(res, 202, '', {
        'Operation-Location': `${source.url}${MODELS}/src-model/copyresults/02989ba8-1296-499f-aaf4-55cfff41b8f1`,
      });
    };
    const c = client(source);
    // Act
    const auth = await c.authorizeCopy();
    const ref = await c.startCopy('src-model', auth, { allowDegrade: true });
    // Assess
    expect(auth.raw).toBe(SAMPLE_RAW);
    expect(auth.expiresAtIso).toBe('2020-04-24T18:02:33.165Z');
    const post = source.seen[1]!;
    expect(post.url).toBe(`${MODELS}/src-model/copy`);
    expect(post.body).toBe(
      `{"targetResourceId":"${TARGET_ID}","targetResourceRegion":"eastus","copyAuthorization":${SAMPLE_RAW}}`,
    );
    expect(post.body).toContain(`"expirationDateTimeTicks":${SAMPLE_TICKS}}`);
    expect(post.headers['x-ms-forms-copy-degrade']).toBe('true');
    expect(post.headers['ocp-apim-subscription-key']).toBe(KEY);
    expect(source.seen[0]!.body).toBe('');
    expect(ref).toEqual({
      operationLocation: `${source.url}${MODELS}/src-model/copyresults/02989ba8-1296-499f-aaf4-55cfff41b8f1`,
      sourceModelId: 'src-model',
      resultId: '02989ba8-1296-499f-aaf4-55cfff41b8f1',
      targetModelId: '33f4d42c-cd2f-4e74-b990-a1aeafab5a5d',
    });
  });

  it('without allowDegrade no degrade header is sent', async () => {
    source.handler = (_req, res) =>
      reply(res, 202, '', { 'Operation-Location': `${source.url}${MODELS}/m/copyResults/r1` });
    const ref = await client(source).startCopy(
      'm',
      CopyAuthorization.fromV2Raw(SAMPLE_RAW, { resourceId: TARGET_ID, region: 'eastus' }),
    );
    expect(source.seen[0]!.headers['x-ms-forms-copy-degrade']).toBeUndefined();
    expect(ref.resultId).toBe('r1'); // path segment matched case-insensitively
  });
});

describe('foreign URLs are refused before any credential is sent', () => {
  const auth = (): CopyAuthorization =>
    CopyAuthorization.fromV2Raw(SAMPLE_RAW, { resourceId: TARGET_ID, region: 'eastus' });

  it.each([
    ['another origin', (_s: Stub, f: Stub) => `${f.url}${MODELS}/m/copyresults/r`],
    ['same host, another port', (_s: Stub, f: Stub) => `${f.url.replace(/:\d+$/, ':1')}${MODELS}/m/copyresults/r`],
    ['another scheme', (s: Stub) => `${s.url.replace('http:', 'https:')}${MODELS}/m/copyresults/r`],
    ['same origin, another path', (s: Stub) => `${s.url}/some/other/path`],
    ['same origin, another model', (s: Stub) => `${s.url}${MODELS}/other/copyresults/r`],
    ['userinfo', (s: Stub) => s.url.replace('http://', 'http://user:pw@') + `${MODELS}/m/copyresults/r`],
  ])('Operation-Location on %s → ForeignHostError, no poll', async (_name, location) => {
    // Prepare
    source.handler = (_req, res) => reply(res, 202, '', { 'Operation-Location': location(source, foreign) });
    const c = client(source);
    // Act
    const e = await caught(c.startCopy('m', auth()));
    // Assess
    expect(e).toBeInstanceOf(ForeignHostError);
    expect([e.kind, e.reason, e.operation]).toEqual(['validation', 'foreignHost', 'startCopy']);
    expect(foreign.seen).toHaveLength(0);
    expect(source.seen).toHaveLength(1); // the POST only
  });

  it('getCopyResult with a foreign location string (e.g. tampered history) makes no request', async () => {
    const e = await caught(client(source).getCopyResult(`${foreign.url}${MODELS}/m/copyresults/r`));
    expect(e).toBeInstanceOf(ForeignHostError);
    expect(foreign.seen).toHaveLength(0);
    expect(source.seen).toHaveLength(0);
  });

  it('a foreign nextLink is refused: earlier pages are yielded, the foreign host gets nothing', async () => {
    source.handler = (_req, res) =>
      reply(
        res,
        200,
        JSON.stringify({
          modelList: [{ modelId: 'a', status: 'ready', createdDateTime: 't', lastUpdatedDateTime: 't' }],
          nextLink: `${foreign.url}${MODELS}?nextLink=abc`,
        }),
      );
    const got: string[] = [];
    const e = await caught(
      (async () => {
        for await (const m of client(source).listModels()) got.push(m.modelId);
      })(),
    );
    expect(e).toBeInstanceOf(ForeignHostError);
    expect(got).toEqual(['a']);
    expect(foreign.seen).toHaveLength(0);
    await expect(client(source).listModelsPage(`${foreign.url}${MODELS}?nextLink=abc`)).rejects.toBeInstanceOf(
      ForeignHostError,
    );
    expect(foreign.seen).toHaveLength(0);
  });

  it('a nextLink is followed verbatim (opaque query untouched), and a repeating one stops the loop', async () => {
    const link = `${MODELS}?nextLink=a%2Bb%3D%3D&x=%7E`;
    source.handler = (req, res) =>
      reply(
        res,
        200,
        JSON.stringify({
          modelList: [{ modelId: req.url, status: 'ready', createdDateTime: 't', lastUpdatedDateTime: 't' }],
          nextLink: `${source.url}${link}`,
        }),
      );
    const got: string[] = [];
    const e = await caught(
      (async () => {
        for await (const m of client(source).listModels()) got.push(m.modelId);
      })(),
    );
    expect(source.seen.map((s) => s.url)).toEqual([`${MODELS}?op=full`, link]); // the repeat is caught before re-fetching
    expect(e).toBeInstanceOf(UnexpectedResponseError);
  });

  it('a redirect is not followed (the key would go with it)', async () => {
    source.handler = (_req, res) => reply(res, 307, '', { Location: `${foreign.url}${MODELS}/m` });
    const e = await caught(client(source).getModel('m'));
    expect(e).toBeInstanceOf(ForeignHostError);
    expect(foreign.seen).toHaveLength(0);
  });

  it('plain http to a non-loopback host is refused at construction', () => {
    expect(
      () =>
        new FormRecognizerV2Client({
          endpoint: 'http://example.com/',
          region: 'x',
          resourceId: 'y',
          credential: { key: KEY },
        }),
    ).toThrow(ValidationError);
  });
});

describe('malformed responses → UnexpectedResponseError, never a crash', () => {
  it.each([
    ['getModel, not JSON', (c: FormRecognizerV2Client) => c.getModel('m'), '{not json'],
    ['getModel, no modelInfo', (c: FormRecognizerV2Client) => c.getModel('m'), '{"model":{}}'],
    [
      'getModel, unknown status',
      (c: FormRecognizerV2Client) => c.getModel('m'),
      '{"modelInfo":{"modelId":"m","status":"weird","createdDateTime":"t","lastUpdatedDateTime":"t"}}',
    ],
    ['list, modelList not an array', (c: FormRecognizerV2Client) => c.listModelsPage(), '{"modelList":{}}'],
    ['list, nextLink a number', (c: FormRecognizerV2Client) => c.listModelsPage(), '{"modelList":[],"nextLink":5}'],
    ['summary, count missing', (c: FormRecognizerV2Client) => c.getModelsSummary(), '{"summary":{"limit":5000}}'],
    [
      'copy result, unknown status',
      (c: FormRecognizerV2Client) => c.getCopyResult(`${source.url}${MODELS}/m/copyresults/r`),
      '{"status":"done","createdDateTime":"t","lastUpdatedDateTime":"t"}',
    ],
    [
      'copy result, errors not an array',
      (c: FormRecognizerV2Client) => c.getCopyResult(`${source.url}${MODELS}/m/copyresults/r`),
      '{"status":"failed","createdDateTime":"t","lastUpdatedDateTime":"t","copyResult":{"errors":"boom"}}',
    ],
    [
      'copy result, HTML from a gateway',
      (c: FormRecognizerV2Client) => c.getCopyResult(`${source.url}${MODELS}/m/copyresults/r`),
      '<html>502</html>',
    ],
  ])('%s', async (_name, call, body) => {
    source.handler = (_req, res) => reply(res, 200, body);
    const e = await caught(call(client(source)));
    expect(e).toBeInstanceOf(UnexpectedResponseError);
    expect([e.kind, e.reason, e.status, e.requestId]).toEqual([
      'transient',
      'unexpectedResponse',
      200,
      'stub-request-id',
    ]);
  });

  it('an authorization without a token: the body is never echoed', async () => {
    source.handler = (_req, res) =>
      reply(res, 201, '{"modelId":"m","accessToken":"leaky-token-123","expirationDateTimeTicks":"soon"}');
    const e = await caught(client(source).authorizeCopy());
    expect(e).toBeInstanceOf(UnexpectedResponseError);
    expect(JSON.stringify([e.message, serializeError(e), logLines])).not.toContain('leaky-token-123');
  });

  it('a 202 without Operation-Location', async () => {
    source.handler = (_req, res) => reply(res, 202, '');
    const e = await caught(
      client(source).startCopy(
        'm',
        CopyAuthorization.fromV2Raw(SAMPLE_RAW, { resourceId: TARGET_ID, region: 'eastus' }),
      ),
    );
    expect(e).toBeInstanceOf(UnexpectedResponseError);
  });

  it('copy result errors at the top level and numeric codes are read too', async () => {
    source.handler = (_req, res) =>
      reply(
        res,
        200,
        '{"status":"failed","createdDateTime":"t","lastUpdatedDateTime":"u","errors":[{"code":2024,"message":"Could not retrieve authorization metadata."}]}',
        { 'Retry-After': '2' },
      );
    const r = await client(source).getCopyResult(`${source.url}${MODELS}/m/copyresults/r`);
    expect(r).toEqual({
      status: 'failed',
      errors: [{ code: '2024', message: 'Could not retrieve authorization metadata.' }],
      createdDateTime: 't',
      lastUpdatedDateTime: 'u',
      retryAfterMs: 2000,
    });
  });
});

describe('service responses the emulator does not produce', () => {
  it('429 with an HTTP-date Retry-After, relative to the supplied clock', async () => {
    const now = Date.parse('2026-05-01T12:00:00Z');
    source.handler = (_req, res) =>
      reply(res, 429, '{"error":{"code":"429","message":"Rate limit is exceeded."}}', {
        'Retry-After': 'Fri, 01 May 2026 12:00:45 GMT',
      });
    const e = await caught(client(source, now).getModel('m'));
    expect(e).toBeInstanceOf(ThrottledError);
    expect(e.retryAfterMs).toBe(45_000);
  });

  it('403 quota exhausted with a 3-day Retry-After → throttled', async () => {
    source.handler = (_req, res) =>
      reply(
        res,
        403,
        '{"error":{"code":"403","message":"Out of call volume quota for FormRecognizer F0 pricing tier."}}',
        { 'Retry-After': '259200' },
      );
    const e = await caught(client(source).getModel('m'));
    expect([e.kind, e.reason, e.retryAfterMs]).toEqual(['throttled', 'quotaExceeded', 259_200_000]);
  });

  it.each([
    ["Invalid or unsupported 'targetResourceRegion'.", PermanentError, 'invalidTarget'],
    ["Invalid or malformed 'targetResourceId'.", PermanentError, 'invalidTarget'],
    ["Invalid or modified 'copyAuthorization' payload.", AuthorizationRenewalError, 'authorizationInvalid'],
    ['The copy authorization has expired.', AuthorizationRenewalError, 'authorizationExpired'],
  ])('400 1002 "%s"', async (message, cls, reason) => {
    source.handler = (_req, res) => reply(res, 400, JSON.stringify({ error: { code: '1002', message } }));
    const e = await caught(
      client(source).startCopy(
        'm',
        CopyAuthorization.fromV2Raw(SAMPLE_RAW, { resourceId: TARGET_ID, region: 'eastus' }),
      ),
    );
    expect(e).toBeInstanceOf(cls);
    expect([e.status, e.serviceCode, e.reason, e.requestId]).toEqual([400, '1002', reason, 'stub-request-id']);
  });

  it('service text that echoes the key, the bearer token or the copy token is scrubbed everywhere', async () => {
    // Prepare: a (hypothetical) service echoing what it received
    source.handler = (req, res) =>
      reply(
        res,
        400,
        JSON.stringify({
          error: {
            code: '1002',
            message: `bad request: key=${String(req.headers['ocp-apim-subscription-key'])} body=${req.body} auth=${String(req.headers.authorization)}`,
          },
        }),
      );
    const events: unknown[] = [];
    const c = new FormRecognizerV2Client({
      endpoint: source.url,
      region: 'eastus',
      resourceId: TARGET_ID,
      credential: { key: KEY },
      now: () => BEFORE_SAMPLE_EXPIRY,
      logger,
      onRequest: (e) => events.push(e),
    });
    const token = 'opaque-bearer-token-without-shape';
    const entra = new FormRecognizerV2Client({
      endpoint: source.url,
      region: 'eastus',
      resourceId: TARGET_ID,
      credential: { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 60_000 }) },
      logger,
    });
    // Act
    const e1 = await caught(
      c.startCopy('m', CopyAuthorization.fromV2Raw(SAMPLE_RAW, { resourceId: TARGET_ID, region: 'eastus' })),
    );
    const e2 = await caught(entra.getModel('m'));
    // Assess
    const seen = JSON.stringify([
      e1.message,
      e2.message,
      serializeError(e1),
      serializeError(e2),
      JSON.stringify(e1),
      logLines,
      events,
    ]);
    expect(e1.message).toContain('[redacted]');
    for (const secret of [KEY, token, '1855fe23-5ffc-427b-aab2-e5196641502f']) expect(seen).not.toContain(secret);
    expect(source.seen[1]!.headers.authorization).toBe(`Bearer ${token}`);
  });
});

describe('cancellation', () => {
  it('a caller abort → PermanentError(aborted), distinct from a timeout', async () => {
    source.handler = () => undefined; // never answers
    const controller = new AbortController();
    const p = client(source).getModel('m', { abortSignal: controller.signal });
    controller.abort();
    const e = await caught(p);
    expect([e.kind, e.reason]).toEqual(['permanent', 'aborted']);
  });
});
