/**
 * Pure pieces of the Form Recognizer emulator: raw JSON, tick encodings, rate limiter,
 * fault registry, resource-spec validation and CLI arguments.
 */
import { parseCliArgs, CliError } from '../../dev/emulators/formRecognizer/cli';
import { FaultRegistry } from '../../dev/emulators/formRecognizer/faults';
import { RateLimiter, bucketOf } from '../../dev/emulators/formRecognizer/rateLimit';
import { member, parseRawJson, RawJsonError } from '../../dev/emulators/formRecognizer/rawJson';
import {
  decodeExpiry,
  encodeExpiry,
  UNIX_EPOCH_TICKS,
  validateResourceSpecs,
  ResourceSpecError,
} from '../../dev/emulators/formRecognizer';
import type { FaultRequestInfo } from '../../dev/emulators/formRecognizer';

describe('parseRawJson', () => {
  it('keeps the source text of numbers beyond Number.MAX_SAFE_INTEGER', () => {
    const v = parseRawJson(
      '{"copyAuthorization": {"expirationDateTimeTicks": 637233481531659440, "x": [1.5e3, -0, true, null, "a\\"b"]}}',
    );
    const ticks = member(member(v, 'copyAuthorization'), 'expirationDateTimeTicks');
    expect(ticks).toEqual({ type: 'number', raw: '637233481531659440', value: 637233481531659400 });
    const x = member(member(v, 'copyAuthorization'), 'x');
    expect(x?.type === 'array' && x.items.map((i) => i.type)).toEqual([
      'number',
      'number',
      'boolean',
      'null',
      'string',
    ]);
  });

  it('matches member names case-insensitively after an exact match', () => {
    const v = parseRawJson('{"TargetResourceId":"a","targetResourceId":"b","OTHER":1}');
    expect(member(v, 'targetResourceId')).toEqual({ type: 'string', value: 'b' });
    expect(member(v, 'other')).toMatchObject({ raw: '1' });
  });

  it.each(['', '{', '{"a":}', '[1,]', '{"a":1} x', "{'a':1}", '01'])('rejects %p', (text) => {
    expect(() => parseRawJson(text)).toThrow(RawJsonError);
  });
});

describe('expiry encodings', () => {
  const ms = Date.parse('2020-04-24T18:02:33.165Z');

  it('seconds: Unix epoch seconds', () => {
    expect(encodeExpiry(Date.parse('2021-05-26T18:04:36.900Z'), 'seconds')).toBe('1622052276');
    expect(decodeExpiry('1622052276')).toBe(1622052276000);
  });

  it('ticks: 100 ns since 0001-01-01, 18 digits, lossy under JSON.parse, decoded exactly', () => {
    const raw = encodeExpiry(ms, 'ticks');
    expect(raw).toMatch(/^63723348153165\d{4}$/);
    expect(JSON.stringify(JSON.parse(raw))).not.toBe(raw);
    expect(decodeExpiry(raw)).toBe(ms);
    expect(decodeExpiry('637233481531659440')).toBe(ms);
    expect(UNIX_EPOCH_TICKS).toBe(621355968000000000n);
  });

  it('rejects non-numbers', () => {
    expect(decodeExpiry('abc')).toBeUndefined();
  });
});

describe('RateLimiter', () => {
  it('allows `limit` calls per sliding second per resource and bucket', () => {
    const rl = new RateLimiter({ management: 2, get: 1, list: 1 });
    expect(rl.tryAcquire('a', 'authorize', 0).ok).toBe(true);
    expect(rl.tryAcquire('a', 'copy', 500).ok).toBe(true);
    expect(rl.tryAcquire('a', 'deleteModel', 900)).toEqual({
      ok: false,
      retryAfterSeconds: 1,
      bucket: 'management',
      limit: 2,
    });
    expect(rl.tryAcquire('b', 'authorize', 900).ok).toBe(true);
    expect(rl.tryAcquire('a', 'getModel', 900).ok).toBe(true);
    expect(rl.tryAcquire('a', 'authorize', 1000).ok).toBe(true);
    expect(rl.tryAcquire('a', 'authorize', 1400).ok).toBe(false);
    expect(rl.tryAcquire('a', 'authorize', 1500).ok).toBe(true);
  });

  it('maps call kinds to buckets', () => {
    expect(
      ['authorize', 'copy', 'deleteModel', 'list', 'summary', 'getModel', 'copyResult'].map((c) =>
        bucketOf(c as never),
      ),
    ).toEqual(['management', 'management', 'management', 'list', 'get', 'get', 'get']);
  });

  it('is a no-op without limits', () => {
    const rl = new RateLimiter(undefined);
    for (let i = 0; i < 100; i++) expect(rl.tryAcquire('a', 'copy', 0).ok).toBe(true);
  });
});

describe('FaultRegistry', () => {
  const info = (over: Partial<FaultRequestInfo> = {}): FaultRequestInfo => ({
    resource: 'a',
    call: 'list',
    method: 'GET',
    path: '/',
    time: 0,
    ...over,
  });

  it('applies faults in order, `times` each, filtered by resource, call and predicate', () => {
    const reg = new FaultRegistry(() => true);
    reg.add('a', { kind: 'throttle', call: ['list', 'summary'], times: 2 });
    reg.add('a', { kind: 'drop', when: (r) => r.modelId === 'm' });
    expect(reg.takeGate(info({ resource: 'b' }))).toBeUndefined();
    expect(reg.takeGate(info())?.kind).toBe('throttle');
    expect(reg.takeGate(info({ call: 'summary' }))?.kind).toBe('throttle');
    expect(reg.takeGate(info())).toBeUndefined();
    expect(reg.takeGate(info({ call: 'getModel', modelId: 'm' }))?.kind).toBe('drop');
  });

  it('keeps copy faults apart from gate faults', () => {
    const reg = new FaultRegistry(() => true);
    reg.add('a', { kind: 'copyFails', code: 'X', message: 'y' });
    reg.add('a', { kind: 'copyDuration', ms: 5 });
    expect(reg.takeGate(info({ call: 'copy' }))).toBeUndefined();
    expect(reg.takeCopy(info({ call: 'copy' }))).toEqual({
      fails: expect.objectContaining({ kind: 'copyFails' }),
      duration: expect.objectContaining({ kind: 'copyDuration' }),
    });
    expect(reg.takeCopy(info({ call: 'copy' }))).toEqual({ fails: undefined, duration: undefined });
    expect(() => reg.add('a', { kind: 'drop', times: 0 })).toThrow(RangeError);
  });
});

describe('validateResourceSpecs', () => {
  it('accepts the documented shape', () => {
    expect(
      validateResourceSpecs([
        {
          name: 'src',
          region: 'westus2',
          key: 'k',
          port: 0,
          encrypted: true,
          models: [{ modelId: 'm', status: 'invalid' }],
        },
      ]),
    ).toEqual([
      {
        name: 'src',
        region: 'westus2',
        key: 'k',
        port: 0,
        encrypted: true,
        models: [{ modelId: 'm', status: 'invalid' }],
      },
    ]);
  });

  it.each([
    [{}, /non-empty JSON array/],
    [[], /non-empty JSON array/],
    [[42], /resources\[0\] must be an object/],
    [[{ region: 'eastus' }], /resources\[0\]\.name/],
    [[{ name: 'a', region: 'east us' }], /resources\[0\]\.region/],
    [
      [
        { name: 'a', region: 'eastus' },
        { name: 'a', region: 'westus' },
      ],
      /resources\[1\]\.name 'a' is used twice/,
    ],
    [[{ name: 'a', region: 'eastus', port: 70000 }], /resources\[0\]\.port/],
    [[{ name: 'a', region: 'eastus', encrypted: 'yes' }], /resources\[0\]\.encrypted/],
    [[{ name: 'a', region: 'eastus', colour: 'red' }], /unknown field 'colour'/],
    [[{ name: 'a', region: 'eastus', models: [{ status: 'done' }] }], /resources\[0\]\.models\[0\]\.status/],
    [
      [{ name: 'a', region: 'eastus', models: [{ createdDateTime: 'yesterday' }] }],
      /models\[0\]\.createdDateTime is not a date/,
    ],
  ])('rejects %j', (value, message) => {
    expect(() => validateResourceSpecs(value)).toThrow(ResourceSpecError);
    expect(() => validateResourceSpecs(value)).toThrow(message);
  });
});

describe('parseCliArgs', () => {
  it('defaults to a seeded westus2 source and empty eastus / westeurope targets, no rate limits', () => {
    const opts = parseCliArgs([]);
    expect(opts.resources.map((r) => [r.region, r.models?.length ?? 0])).toEqual([
      ['westus2', 6],
      ['eastus', 0],
      ['westeurope', 0],
    ]);
    expect(opts.resources[0]!.models!.filter((m) => m.isComposed)).toHaveLength(1);
    expect(opts.resources[0]!.models!.filter((m) => m.status === 'invalid')).toHaveLength(1);
    expect(opts.rateLimits).toBe(false);
  });

  it('reads --resources, --rate-limits, --copy-seconds, --host', () => {
    const files: Record<string, string> = { 'r.json': '[{"name":"x","region":"eastus"}]' };
    const opts = parseCliArgs(
      ['--resources', 'r.json', '--rate-limits', '--copy-seconds', '2.5', '--host', '::1'],
      (p) => files[p]!,
    );
    expect(opts).toEqual({
      resources: [{ name: 'x', region: 'eastus' }],
      rateLimits: true,
      copyDurationMs: 2500,
      host: '::1',
    });
  });

  it.each([
    [['--resources', 'bad.json'], /--resources: 'bad.json' is not valid JSON/],
    [['--resources', 'wrong.json'], /--resources: resources\[0\]\.region/],
    [['--resources', 'missing.json'], /cannot read 'missing.json'/],
    [['--copy-seconds=-1'], /--copy-seconds must be a number >= 0/],
    [['--copy-seconds', 'abc'], /--copy-seconds must be a number >= 0/],
    [['--bogus'], /bogus/],
  ])('fails clearly on %j', (argv, message) => {
    const files: Record<string, string> = { 'bad.json': '[{', 'wrong.json': '[{"name":"x"}]' };
    const read = (p: string): string => {
      const text = files[p];
      if (text === undefined) throw new Error('ENOENT');
      return text;
    };
    expect(() => parseCliArgs(argv, read)).toThrow(CliError);
    expect(() => parseCliArgs(argv, read)).toThrow(message);
  });
});

describe('validateResourceSpecs: analyze (restore drills)', () => {
  it('accepts the analyze faults of a resource', () => {
    const analyze = {
      differentFields: ['Total'],
      fail: { code: 'InvalidContent', message: 'corrupted' },
      failModels: ['m'],
      unavailable: false,
      durationMs: 1000,
      analyzePerSecond: 15,
    };
    expect(validateResourceSpecs([{ name: 'dr', region: 'eastus', analyze }])).toEqual([
      { name: 'dr', region: 'eastus', analyze },
    ]);
  });

  it.each([
    [{ differentFields: 'Total' }, /differentFields must be an array/],
    [{ fail: { code: 'X' } }, /fail must be \{code, message\}/],
    [{ analyzePerSecond: 0 }, /analyzePerSecond must be an integer/],
    [{ slow: true }, /unknown field 'slow'/],
  ])('refuses %j', (analyze, message) => {
    expect(() => validateResourceSpecs([{ name: 'dr', region: 'eastus', analyze }])).toThrow(message);
  });
});
