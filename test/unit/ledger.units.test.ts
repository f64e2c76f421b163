import {
  applyVerifications,
  buildReadinessReport,
  isRegionVerification,
  decodeKeySegment,
  encodeKeySegment,
  findSecret,
  isModelReplicaRecord,
  isRunReport,
  ledgerKey,
  LedgerKeyError,
  redactSecrets,
  type ModelReplicaRecord,
  type SourceModelInfo,
} from '../../src/ledger';

describe('ledger keys', () => {
  it.each([
    ['3f2c1a9e-0000-4000-8000-000000000001', '3f2c1a9e-0000-4000-8000-000000000001'],
    ['my.model_v2', 'my.model_v2'],
    ['a/b', 'a~2Fb'],
    ['a b?c#d%e', 'a~20b~3Fc~23d~25e'],
    ['~', '~7E'],
    ['..', '~2E.'],
    ['.hidden', '~2Ehidden'],
    ['ü', '~C3~BC'],
    ['😀', '~F0~9F~98~80'],
  ])('encodes %p as %p and back', (raw, encoded) => {
    expect(encodeKeySegment(raw)).toBe(encoded);
    expect(decodeKeySegment(encoded)).toBe(raw);
  });

  it('builds keys from segments with a suffix', () => {
    expect(ledgerKey(['replicas', 'a/b', 'eastus2'], '.json')).toBe('replicas/a~2Fb/eastus2.json');
  });

  it.each([[''], ['~zz'], ['~4']])('rejects the bad segment %p', (segment) => {
    expect(() => (segment === '' ? encodeKeySegment(segment) : decodeKeySegment(segment))).toThrow(LedgerKeyError);
  });
});

describe('secret guard', () => {
  it.each([
    [{ accessToken: 'x' }, '$.accessToken'],
    [{ access_token: 'x' }, '$.access_token'],
    [{ a: [{ b: { Key: 'x' } }] }, '$.a[0].b.Key'],
    [{ 'Ocp-Apim-Subscription-Key': 'x' }, '$["Ocp-Apim-Subscription-Key"]'],
    [{ refreshToken: 'x' }, '$.refreshToken'],
    [{ clientSecret: 'x' }, '$.clientSecret'],
    [{ url: 'https://a.blob.core.windows.net/c?sv=1&SIG=abc' }, '$.url'],
    [['DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc'], '$[0]'],
    [{ jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig' }, '$.jwt'],
    [{ uri: 'https://a.blob.core.windows.net/c/m.ONNX;sig=abc' }, '$.uri'],
    [{ uri: 'https://a.blob.core.windows.net/c/m.ONNX.sig=abc' }, '$.uri'],
    [{ message: 'refused: api-key: k3y' }, '$.message'],
  ])('finds the secret in %p at %s', (value, path) => {
    expect(findSecret(value)?.path).toBe(path);
  });

  it.each([
    [{ keySetting: 'DR_TARGET_KEY', keys: 3, monkey: 'x', tokenExpiresAt: '2026-01-01T00:00:00Z' }],
    [{ message: 'Authorization failure due to missing or invalid authorization claims.' }],
    [{ accessToken: undefined, key: null }],
    [{ url: 'https://a.blob.core.windows.net/c/b' }],
    [{ message: 'sig=[redacted]' }],
    [{ value: 'Bearer bonds, 2031' }],
    [{ hash: '0123456789abcdef0123456789abcdef', next: 'https://a/b?api-version=1' }],
  ])('accepts %p', (value) => {
    expect(findSecret(value)).toBeUndefined();
  });

  it('redacts secrets in free text', () => {
    // Prepare
    const text =
      'GET https://a/c?sv=1&sig=S1 with AccountKey=K1; and Bearer eyJabcdefgh.eyJabcdefgh.xyz, "accessToken":"T1"';
    // Act
    const redacted = redactSecrets(text);
    // Assess
    expect(redacted).not.toMatch(/S1|K1|eyJ|T1/);
    expect(findSecret(redacted)).toBeUndefined();
  });
});

describe('document guards', () => {
  const record: ModelReplicaRecord = {
    sourceModelId: 'm',
    region: 'eastus2',
    targetResourceId: '/subscriptions/s/…',
    targetModelId: 't',
    state: 'replicated',
    lastVerifiedAt: '2026-03-01T00:00:00.000Z',
    lastAttemptAt: '2026-03-01T00:00:00.000Z',
    lastRunId: 'r',
    attempts: 1,
  };
  it.each([
    ['a valid record', record, true],
    ['replicated without target id', { ...record, targetModelId: undefined }, false],
    ['an unknown state', { ...record, state: 'done' }, false],
    ['negative attempts', { ...record, attempts: -1 }, false],
    ['a bad date', { ...record, lastAttemptAt: 'yesterday' }, false],
    ['an error without message', { ...record, lastError: { kind: 'x' } }, false],
  ])('isModelReplicaRecord: %s', (_name, value, expected) => {
    expect(isModelReplicaRecord(value)).toBe(expected);
  });

  it('isRunReport rejects an unknown outcome', () => {
    const base = {
      runId: 'r',
      trigger: 'http',
      startedAt: '2026-03-01T00:00:00Z',
      finishedAt: '2026-03-01T00:01:00Z',
      dryRun: false,
      filters: {},
      totals: { planned: 0, copied: 0, alreadyReplicated: 0, failed: 0, skipped: 0 },
      pairs: [],
      invalidModels: [],
      creatingModels: [],
    };
    expect(isRunReport(base)).toBe(true);
    expect(isRunReport({ ...base, pairs: [{ sourceModelId: 'm', region: 'r', outcome: 'maybe' }] })).toBe(false);
  });
});

describe('buildReadinessReport', () => {
  const NOW = Date.parse('2026-03-02T00:00:00Z');
  const rec = (sourceModelId: string, region: string, over: Partial<ModelReplicaRecord> = {}): ModelReplicaRecord => ({
    sourceModelId,
    region,
    targetResourceId: `/rid/${region}`,
    state: 'replicated',
    targetModelId: `${sourceModelId}@${region}`,
    lastVerifiedAt: '2026-03-01T00:00:00.000Z',
    lastAttemptAt: '2026-03-01T00:00:00.000Z',
    lastRunId: 'run-1',
    attempts: 1,
    ...over,
  });
  const models: SourceModelInfo[] = [
    { modelId: 'b', status: 'ready', version: 'v1' },
    { modelId: 'a', modelName: 'invoices', status: 'ready', version: 'v1' },
    { modelId: 'c', status: 'creating' },
    { modelId: 'd', status: 'invalid' },
  ];

  it('builds the model × region matrix with ages, totals and what is not copyable', () => {
    // Prepare
    const replicas = [
      rec('a', 'eastus2'),
      rec('a', 'westeurope', { lastVerifiedAt: '2026-03-01T12:00:00.000Z' }),
      rec('b', 'eastus2', {
        state: 'failed',
        targetModelId: undefined,
        lastVerifiedAt: undefined,
        lastError: { kind: 'transient', message: 'x' },
      }),
      rec('b', 'westeurope', { state: 'inProgress', targetModelId: undefined, lastVerifiedAt: undefined }),
      rec('gone', 'eastus2'),
      rec('a', 'japaneast'),
    ];
    // Act
    const report = buildReadinessReport({
      sourceModels: models,
      replicas,
      regions: ['eastus2', 'westeurope', 'brazilsouth'],
      now: NOW,
    });
    // Assess
    expect(report.generatedAt).toBe('2026-03-02T00:00:00.000Z');
    expect(report.rows.map((r) => [r.sourceModelId, ...report.regions.map((g) => r.cells[g].status)])).toEqual([
      ['a', 'replicated', 'replicated', 'missing'],
      ['b', 'failed', 'inProgress', 'missing'],
    ]);
    expect(report.rows[0]).toMatchObject({ sourceModelName: 'invoices', ready: false });
    expect(report.rows[0].cells.eastus2).toEqual({
      status: 'replicated',
      targetModelId: 'a@eastus2',
      lastVerifiedAt: '2026-03-01T00:00:00.000Z',
      ageSeconds: 86_400,
      lastRunId: 'run-1',
    });
    expect(report.rows[1].cells.eastus2.lastError).toEqual({ kind: 'transient', message: 'x' });
    expect(report.totals).toEqual({
      models: 2,
      pairs: 6,
      readyModels: 0,
      replicated: 2,
      missing: 2,
      failed: 1,
      inProgress: 1,
      unverified: 0,
      oldestVerifiedAgeSeconds: 86_400,
    });
    expect(report.byRegion.westeurope).toEqual({
      replicated: 1,
      missing: 0,
      failed: 0,
      inProgress: 1,
      unverified: 0,
      oldestVerifiedAgeSeconds: 43_200,
    });
    expect(report.byRegion.brazilsouth).toEqual({
      replicated: 0,
      missing: 2,
      failed: 0,
      inProgress: 0,
      unverified: 0,
    });
    expect(report.notCopyable).toEqual([
      { modelId: 'c', status: 'creating' },
      { modelId: 'd', status: 'invalid' },
    ]);
    expect(report.orphanRecords).toEqual([
      { sourceModelId: 'a', region: 'japaneast', targetModelId: 'a@japaneast', reason: 'regionNotConfigured' },
      { sourceModelId: 'gone', region: 'eastus2', targetModelId: 'gone@eastus2', reason: 'sourceModelGone' },
    ]);
  });

  it('marks a model ready when every region holds a verified copy, and a copy of an older version as missing (stale)', () => {
    // Prepare
    const replicas = [
      rec('a', 'eastus2', { sourceModelVersion: 'v1' }),
      rec('b', 'eastus2', { sourceModelVersion: 'v0' }),
    ];
    // Act
    const report = buildReadinessReport({ sourceModels: models, replicas, regions: ['eastus2'], now: new Date(NOW) });
    // Assess
    expect(report.rows.map((r) => r.ready)).toEqual([true, false]);
    expect(report.rows[1].cells.eastus2).toEqual({ status: 'missing', stale: true, lastRunId: 'run-1' });
    expect(report.totals.readyModels).toBe(1);
  });

  it('a replicated pair whose later attempt failed stays replicated and shows the error', () => {
    const replicas = [
      rec('a', 'eastus2', { lastError: { kind: 'authorizationExpired', code: '1002', message: 'Bad copy request' } }),
    ];
    const report = buildReadinessReport({ sourceModels: models, replicas, regions: ['eastus2'], now: NOW });
    expect(report.rows[0].cells.eastus2).toMatchObject({ status: 'replicated', lastError: { code: '1002' } });
  });

  it('a replicated pair the last run could not verify is unverified (not ready), with the age of its last verification', () => {
    const report = buildReadinessReport({
      sourceModels: [{ modelId: 'a', status: 'ready' }],
      replicas: [
        {
          sourceModelId: 'a',
          region: 'eastus',
          targetResourceId: '/t/eastus',
          targetModelId: 'a',
          state: 'replicated',
          lastRunId: 'run-1',
          lastVerifiedAt: '2026-03-01T00:00:00.000Z',
        } as never,
      ],
      regions: ['eastus'],
      now: NOW,
      unverified: [{ sourceModelId: 'a', region: 'eastus', reason: 'target models could not be listed' }],
    });
    expect(report.rows[0]).toMatchObject({
      ready: false,
      cells: { eastus: { status: 'unverified', ageSeconds: 86_400, reason: 'target models could not be listed' } },
    });
    expect(report.totals).toMatchObject({ readyModels: 0, replicated: 0, unverified: 1 });
  });

  it('handles no models and no regions', () => {
    const report = buildReadinessReport({ sourceModels: [], replicas: [], regions: [], now: NOW });
    expect(report).toEqual({
      generatedAt: '2026-03-02T00:00:00.000Z',
      regions: [],
      rows: [],
      totals: {
        models: 0,
        pairs: 0,
        readyModels: 0,
        replicated: 0,
        missing: 0,
        failed: 0,
        inProgress: 0,
        unverified: 0,
      },
      byRegion: {},
      notCopyable: [],
      orphanRecords: [],
    });
  });
});

describe('applyVerifications', () => {
  const rid = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/tgt';
  const rec = (sourceModelId: string, over: Partial<ModelReplicaRecord> = {}): ModelReplicaRecord => ({
    sourceModelId,
    region: 'eastus2',
    targetResourceId: rid,
    targetModelId: `t-${sourceModelId}`,
    state: 'replicated',
    lastVerifiedAt: '2026-03-01T00:00:00.000Z',
    lastAttemptAt: '2026-03-01T00:00:00.000Z',
    lastRunId: 'run-1',
    attempts: 1,
    ...over,
  });
  const doc = (verifiedAt: string, pairs: [string, string][], targetResourceId = rid.toUpperCase()) => ({
    region: 'eastus2',
    targetResourceId,
    runId: 'run-2',
    verifiedAt,
    pairs,
  });

  it('takes the later of the record and the latest document of its region naming its copy; leaves the rest alone', () => {
    // Prepare
    const records = [
      rec('a'),
      rec('b'),
      rec('c', { region: 'westus3' }),
      rec('d', { lastVerifiedAt: '2026-03-09T00:00:00Z' }),
    ];
    const docs = [
      doc('2026-03-02T00:00:00Z', [['a', 't-a']]),
      doc('2026-03-05T00:00:00+00:00', [
        ['a', 't-a'],
        ['b', 't-other'],
        ['c', 't-c'],
        ['d', 't-d'],
      ]),
    ];
    // Act
    const out = applyVerifications(records, docs);
    // Assess
    expect(out.map((r) => r.lastVerifiedAt)).toEqual([
      '2026-03-05T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
      '2026-03-01T00:00:00.000Z',
      '2026-03-09T00:00:00Z',
    ]);
    expect(out.slice(1)).toEqual(records.slice(1));
    expect(out[1]).toBe(records[1]);
    expect(Object.isFrozen(out[0])).toBe(true);
    expect(records[0].lastVerifiedAt).toBe('2026-03-01T00:00:00.000Z');
  });

  it('isRegionVerification wants unique, non-empty, bounded pairs', () => {
    const ok = doc('2026-03-05T00:00:00Z', [['a', 't-a']]);
    expect(isRegionVerification(ok)).toBe(true);
    expect(
      isRegionVerification({
        ...ok,
        pairs: [
          ['a', 't-a'],
          ['a', 't-b'],
        ],
      }),
    ).toBe(false);
    expect(isRegionVerification({ ...ok, pairs: [['a']] })).toBe(false);
    expect(isRegionVerification({ ...ok, pairs: { a: 't-a' } })).toBe(false);
    expect(isRegionVerification({ ...ok, region: '' })).toBe(false);
    expect(isRegionVerification({ ...ok, verifiedAt: 'yesterday' })).toBe(false);
  });
});
