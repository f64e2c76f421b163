/**
 * The health model (issue 16) on a virtual clock: every transition, from real ledger record
 * shapes through the real readiness report.
 */
import {
  assessCustomVisionHealth,
  assessReplicaHealth,
  combineHealth,
  healthHttpResponse,
  healthHttpStatus,
  type Health,
} from '../../src/health';
import type { CvBackupRecord, CvIterationRecord } from '../../src/ledger/customVisionRecords';
import { buildReadinessReport, type SourceModelInfo } from '../../src/ledger/readiness';
import type { ModelReplicaRecord } from '../../src/ledger/replicas';

const H = 3600_000;
const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const RPO = 26;
const iso = (ms: number): string => new Date(ms).toISOString();
const RID = '/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/dr';

const model = (modelId: string, version = 'v1'): SourceModelInfo => ({ modelId, status: 'ready', version });

function replicated(
  sourceModelId: string,
  region: string,
  verifiedAt: number,
  extra: Partial<ModelReplicaRecord> = {},
): ModelReplicaRecord {
  return {
    sourceModelId,
    region,
    sourceModelVersion: 'v1',
    targetResourceId: RID,
    targetModelId: `${sourceModelId}-${region}`,
    state: 'replicated',
    lastVerifiedAt: iso(verifiedAt),
    lastAttemptAt: iso(verifiedAt),
    lastRunId: 'run-1',
    attempts: 1,
    ...extra,
  };
}

function failed(sourceModelId: string, region: string, at: number): ModelReplicaRecord {
  return {
    sourceModelId,
    region,
    sourceModelVersion: 'v1',
    targetResourceId: RID,
    state: 'failed',
    lastAttemptAt: iso(at),
    lastRunId: 'run-1',
    attempts: 1,
    lastError: { kind: 'targetResourceUnknown', code: '1002', message: 'no such resource' },
    lastFailedAt: iso(at),
  };
}

function assess(opts: {
  models?: SourceModelInfo[];
  replicas: ModelReplicaRecord[];
  regions?: string[];
  now: number;
  unverifiedRegions?: string[];
  rpoHours?: number;
}) {
  const readiness = buildReadinessReport({
    sourceModels: opts.models ?? [model('m1')],
    replicas: opts.replicas,
    regions: opts.regions ?? ['westus2'],
    now: opts.now,
  });
  return assessReplicaHealth({
    readiness,
    rpoHours: opts.rpoHours ?? RPO,
    now: opts.now,
    ...(opts.unverifiedRegions ? { unverifiedRegions: opts.unverifiedRegions } : {}),
  });
}

describe('pair health by age of the last verified copy (RPO 26 h)', () => {
  test.each<[string, Health, number, string[], boolean]>([
    ['just verified', 'healthy', 0, [], false],
    ['1 s before the RPO', 'healthy', RPO * H - 1000, [], false],
    ['exactly the RPO', 'degraded', RPO * H, ['olderThanRpo'], true],
    ['between RPO and 2 × RPO', 'degraded', 40 * H, ['olderThanRpo'], true],
    ['1 s before 2 × RPO', 'degraded', 2 * RPO * H - 1000, ['olderThanRpo'], true],
    ['exactly 2 × RPO', 'unhealthy', 2 * RPO * H, ['olderThanTwiceRpo'], true],
    ['a week old', 'unhealthy', 168 * H, ['olderThanTwiceRpo'], true],
  ])('%s → %s', (_name, health, age, reasons, overRpo) => {
    const r = assess({ replicas: [replicated('m1', 'westus2', T0)], now: T0 + age });
    expect(r.pairs).toEqual([
      { sourceModelId: 'm1', region: 'westus2', health, reasons, ageSeconds: Math.floor(age / 1000), overRpo },
    ]);
    expect(r.regions[0]).toMatchObject({ health, maxAgeSeconds: Math.floor(age / 1000), overRpo: overRpo ? 1 : 0 });
    expect(r.health).toBe(health);
    expect(r.oldestAgeSeconds).toBe(Math.floor(age / 1000));
  });

  test('the virtual clock moves one verified copy fresh → degraded → unhealthy; a new verification makes it healthy again', () => {
    const record = replicated('m1', 'westus2', T0);
    const at = (now: number, rec = record) => assess({ replicas: [rec], now }).pairs[0].health;
    expect([at(T0 + 1 * H), at(T0 + 27 * H), at(T0 + 53 * H)]).toEqual(['healthy', 'degraded', 'unhealthy']);
    const reverified = replicated('m1', 'westus2', T0 + 53 * H, { lastRunId: 'run-9' });
    expect(at(T0 + 54 * H, reverified)).toBe('healthy');
  });

  test('the RPO setting moves the thresholds (RPO 1 h)', () => {
    const r = (age: number) =>
      assess({ replicas: [replicated('m1', 'westus2', T0)], now: T0 + age, rpoHours: 1 }).health;
    expect([r(59 * 60_000), r(61 * 60_000), r(121 * 60_000)]).toEqual(['healthy', 'degraded', 'unhealthy']);
  });
});

describe('pair health by state', () => {
  const now = T0 + H;
  const inProgress: ModelReplicaRecord = { ...failed('m1', 'westus2', T0), state: 'inProgress' };
  delete inProgress.lastError;
  delete inProgress.lastFailedAt;
  const keptWithError = replicated('m1', 'westus2', T0, {
    lastError: { kind: 'transient', message: 'timeout' },
    lastFailedAt: iso(T0),
  });
  test.each<[string, Health, ModelReplicaRecord[], SourceModelInfo, string[]]>([
    ['missing (never copied)', 'unhealthy', [], model('m1'), ['missing']],
    ['last copy failed', 'unhealthy', [failed('m1', 'westus2', T0)], model('m1'), ['lastCopyFailed']],
    [
      'stale: the source version changed since the copy',
      'degraded',
      [replicated('m1', 'westus2', T0)],
      model('m1', 'v2'),
      ['staleSourceVersion'],
    ],
    ['copy of the current version in progress', 'degraded', [inProgress], model('m1'), ['copyInProgress']],
    ['verified copy kept, a later attempt failed', 'degraded', [keptWithError], model('m1'), ['lastAttemptFailed']],
  ])('%s → %s', (_name, health, replicas, m, reasons) => {
    const r = assess({ models: [m], replicas, now });
    expect(r.pairs[0]).toMatchObject({
      health,
      reasons,
      overRpo: health !== 'healthy' && reasons[0] !== 'lastAttemptFailed',
    });
    expect(r.health).toBe(health);
  });

  test('a stale or failed pair has no age and counts as over the RPO', () => {
    const r = assess({ models: [model('m1', 'v2')], replicas: [replicated('m1', 'westus2', T0)], now });
    expect(r.pairs[0].ageSeconds).toBeUndefined();
    expect(r.regions[0]).toMatchObject({ stale: 1, missing: 0, overRpo: 1 });
  });
});

describe('region not verified in the last run', () => {
  test('a fresh pair in an unreachable region is degraded; a region with no pairs too', () => {
    const r = assess({ replicas: [replicated('m1', 'westus2', T0)], now: T0 + H, unverifiedRegions: ['westus2'] });
    expect(r.pairs[0]).toMatchObject({ health: 'degraded', reasons: ['regionUnverified'], overRpo: false });
    expect(r.regions[0]).toMatchObject({ health: 'degraded', verifiedInLastRun: false });
    const empty = assess({ models: [], replicas: [], now: T0, unverifiedRegions: ['westus2'] });
    expect(empty.regions[0]).toMatchObject({ health: 'degraded', pairs: 0, reasons: ['regionUnverified'] });
    expect(empty.summary).toEqual(['westus2: degraded: not verified in the last run']);
  });

  test('unreachable does not hide worse: an old copy there is still unhealthy', () => {
    const r = assess({ replicas: [replicated('m1', 'westus2', T0)], now: T0 + 60 * H, unverifiedRegions: ['westus2'] });
    expect(r.pairs[0]).toMatchObject({ health: 'unhealthy', reasons: ['olderThanTwiceRpo', 'regionUnverified'] });
  });
});

describe('region and app health are the worst of their pairs', () => {
  const models = [model('m1'), model('m2'), model('m3')];
  const regions = ['eastus', 'westus2'];
  const now = T0 + 30 * H;
  const replicas = [
    replicated('m1', 'eastus', now - H),
    replicated('m2', 'eastus', now - H),
    replicated('m3', 'eastus', now - H),
    replicated('m1', 'westus2', now - H),
    replicated('m2', 'westus2', T0), // 30 h: degraded
    failed('m3', 'westus2', now - H), // unhealthy
  ];
  test('counts, worst, oldest age, summary and HTTP status', () => {
    const r = assess({ models, regions, replicas, now });
    expect(r.regions.map((x) => [x.region, x.health])).toEqual([
      ['eastus', 'healthy'],
      ['westus2', 'unhealthy'],
    ]);
    expect(r.regions[1]).toMatchObject({
      pairs: 3,
      healthy: 1,
      degraded: 1,
      unhealthy: 1,
      replicated: 2,
      failed: 1,
      missing: 0,
      overRpo: 2,
      maxAgeSeconds: 30 * 3600,
      reasons: ['lastCopyFailed', 'olderThanRpo'],
    });
    expect(r.health).toBe('unhealthy');
    expect(r.oldestAgeSeconds).toBe(30 * 3600);
    expect(r.summary).toEqual([
      'westus2: unhealthy: 2/3 pairs over the RPO (26 h); last copy failed, older than the RPO',
    ]);
    const app = combineHealth(r);
    expect(app).toMatchObject({ health: 'unhealthy', oldestAgeSeconds: 30 * 3600, reasons: r.summary });
    expect(healthHttpStatus(app.health)).toBe(503);
    expect(healthHttpStatus('degraded')).toBe(200);
    expect(healthHttpStatus('healthy')).toBe(200);
  });

  test('rejects a nonsensical RPO or clock', () => {
    const readiness = buildReadinessReport({ sourceModels: [], replicas: [], regions: [], now: T0 });
    expect(() => assessReplicaHealth({ readiness, rpoHours: 0 })).toThrow(RangeError);
    expect(() => assessReplicaHealth({ readiness, rpoHours: 26, now: Number.NaN })).toThrow(RangeError);
  });
});

describe('Custom Vision backups: per project and platform', () => {
  const P = 'aaaaaaaa-0000-0000-0000-000000000001';
  const I1 = 'bbbbbbbb-0000-0000-0000-000000000001';
  const I2 = 'bbbbbbbb-0000-0000-0000-000000000002';
  const trained = (iterationId: string, at: number, extra: Partial<CvIterationRecord> = {}): CvIterationRecord => ({
    projectId: P,
    iterationId,
    trainingStatus: 'TrainingCompleted',
    trainingRecordedAt: iso(at),
    ...extra,
  });
  const backup = (
    iterationId: string,
    platform: string,
    at: number,
    extra: Partial<CvBackupRecord> = {},
  ): CvBackupRecord => ({
    projectId: P,
    iterationId,
    platform,
    blobName: `${P} - ${iterationId}.${platform}`,
    location: `https://acct.blob.core.windows.net/backups/${P}%20-%20${iterationId}.${platform}`,
    sizeBytes: 10,
    md5: 'q1w2e3r4t5y6u7i8o9p0aa==',
    lastModified: iso(at),
    recordedAt: iso(at),
    source: 'notification',
    ...extra,
  });
  const cv = (opts: {
    backups?: CvBackupRecord[];
    iterations?: CvIterationRecord[];
    platforms?: string[];
    now: number;
    requireReplica?: boolean;
  }) =>
    assessCustomVisionHealth({
      backups: opts.backups ?? [],
      iterations: opts.iterations ?? [trained(I1, T0)],
      platforms: opts.platforms ?? ['ONNX'],
      rpoHours: RPO,
      now: opts.now,
      ...(opts.requireReplica ? { requireReplica: true } : {}),
    });

  test.each<[string, Health, number]>([
    ['fresh', 'healthy', H],
    ['older than the RPO', 'degraded', 27 * H],
    ['older than 2 × RPO', 'unhealthy', 53 * H],
  ])('a verified backup %s → %s', (_n, health, age) => {
    const r = cv({ backups: [backup(I1, 'ONNX', T0)], now: T0 + age });
    expect(r.slots).toEqual([
      expect.objectContaining({ projectId: P, platform: 'ONNX', health, iterationId: I1, ageSeconds: age / 1000 }),
    ]);
    expect(r.health).toBe(health);
  });

  test('a trained project with no backup of a configured platform is missing → unhealthy', () => {
    const r = cv({ backups: [backup(I1, 'ONNX', T0)], platforms: ['ONNX', 'TensorFlow'], now: T0 + H });
    expect(r.slots.map((s) => [s.platform, s.health, s.reasons])).toEqual([
      ['ONNX', 'healthy', []],
      ['TensorFlow', 'unhealthy', ['missing']],
    ]);
    expect(r.summary).toEqual([`Custom Vision ${P} TensorFlow: unhealthy: missing`]);
  });

  test('the last backup of the current iteration failed → unhealthy, even with an older backup kept', () => {
    const iterations = [
      trained(I1, T0),
      trained(I2, T0 + 2 * H, {
        backup: {
          instanceId: 'cvbackup-x',
          platforms: ['ONNX'],
          startedAt: iso(T0 + 2 * H),
          finishedAt: iso(T0 + 3 * H),
          state: 'failed',
          outcomes: [{ platform: 'ONNX', outcome: 'failed', reason: 'export failed' }],
        },
      }),
    ];
    const r = cv({ backups: [backup(I1, 'ONNX', T0)], iterations, now: T0 + 4 * H });
    expect(r.slots[0]).toMatchObject({
      health: 'unhealthy',
      reasons: ['lastCopyFailed', 'staleSourceVersion'],
      overRpo: true,
    });
  });

  test('a newer trained iteration not yet backed up → the backup is stale (degraded)', () => {
    const r = cv({
      backups: [backup(I1, 'ONNX', T0)],
      iterations: [trained(I1, T0), trained(I2, T0 + H)],
      now: T0 + 2 * H,
    });
    expect(r.slots[0]).toMatchObject({ health: 'degraded', reasons: ['staleSourceVersion'], iterationId: I1 });
  });

  test('with a replica container, a backup without a verified replica does not count', () => {
    const r = cv({ backups: [backup(I1, 'ONNX', T0)], now: T0 + H, requireReplica: true });
    expect(r.slots[0]).toMatchObject({ health: 'unhealthy', reasons: ['missing'] });
    const withReplica = backup(I1, 'ONNX', T0, {
      replica: {
        location: 'https://dr.blob.core.windows.net/replicas/x',
        sizeBytes: 10,
        verified: true,
        checksum: { algorithm: 'md5', value: 'q1w2e3r4t5y6u7i8o9p0aa==' },
        method: 'server',
      },
    });
    expect(cv({ backups: [withReplica], now: T0 + H, requireReplica: true }).health).toBe('healthy');
  });

  test('a project that never trained expects nothing; the app is the worst of replicas and Custom Vision', () => {
    const none = cv({ iterations: [], now: T0 });
    expect(none).toEqual({ health: 'healthy', slots: [], summary: [] });
    const replicas = assess({ replicas: [replicated('m1', 'westus2', T0)], now: T0 + H });
    const app = combineHealth(replicas, cv({ backups: [backup(I1, 'ONNX', T0)], now: T0 + 30 * H }));
    expect(replicas.health).toBe('healthy');
    expect(app.health).toBe('degraded');
    expect(app.oldestAgeSeconds).toBe(30 * 3600);
    expect(app.reasons).toEqual([`Custom Vision ${P} ONNX: degraded: older than the RPO`]);
  });
});

describe('/api/health answer', () => {
  const now = T0 + 30 * H;
  test.each<[string, ModelReplicaRecord[], string[], 200 | 503, Health]>([
    ['healthy', [replicated('m1', 'westus2', now - H)], [], 200, 'healthy'],
    ['degraded (unreachable region)', [replicated('m1', 'westus2', now - H)], ['westus2'], 200, 'degraded'],
    ['degraded (older than the RPO)', [replicated('m1', 'westus2', T0)], [], 200, 'degraded'],
    ['unhealthy (missing)', [], [], 503, 'unhealthy'],
  ])('%s', (_n, replicas, unverifiedRegions, status, health) => {
    const { status: s, body } = healthHttpResponse(combineHealth(assess({ replicas, now, unverifiedRegions })));
    expect({ s, health: body.health }).toEqual({ s: status, health });
    expect(body.reasons.length > 0).toBe(health !== 'healthy');
    expect(body.regions).toEqual([expect.objectContaining({ region: 'westus2', health, pairs: 1 })]);
  });
});

describe('restore drills in pair health', () => {
  const now = T0 + H;
  test.each<[string, Health, string[]]>([
    ['passed', 'healthy', []],
    ['mismatch', 'unhealthy', ['lastDrillMismatch']],
    ['failed', 'degraded', ['lastDrillFailed']],
  ])('a replica whose last drill %s is %s', (outcome, health, reasons) => {
    const readiness = buildReadinessReport({
      sourceModels: [model('m1')],
      replicas: [replicated('m1', 'westus2', T0)],
      regions: ['westus2'],
      now,
      drills: [
        {
          sourceModelId: 'm1',
          region: 'westus2',
          at: iso(T0),
          runId: 'drill-1',
          outcome: outcome as 'passed' | 'mismatch' | 'failed',
          targetModelId: 'm1-westus2',
          comparedWithRecordedSource: false,
          sample: 'm1/sample.pdf',
        },
      ],
    });
    const report = assessReplicaHealth({ readiness, rpoHours: RPO, now });
    expect(report.pairs[0]).toMatchObject({ health, reasons });
  });
});
