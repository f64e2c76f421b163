/**
 * The read model (src/readModel), pure: from the ledger's state to the verdict of every pair,
 * region and the app — the one place readiness, health, last drills, unverified pairs and
 * not-copyable models are decided (issue 22, item 1).
 */
import type { DrillRecord } from '../../src/ledger/drills';
import type { ModelReplicaRecord } from '../../src/ledger/replicas';
import type { RunReport } from '../../src/ledger/runReports';
import { buildReadModel, healthResponseOf, lastRunFactsOf, reportOf } from '../../src/readModel';

const NOW = Date.parse('2026-11-21T12:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const H = 3600_000;
const REGIONS = ['eastus', 'westeurope'];

const replicated = (id: string, region: string, name?: string): ModelReplicaRecord => ({
  sourceModelId: id,
  ...(name ? { sourceModelName: name } : {}),
  region,
  targetResourceId: `/rid/${region}`,
  targetModelId: `t-${id}-${region}`,
  state: 'replicated',
  lastVerifiedAt: iso(NOW - H),
  lastAttemptAt: iso(NOW - H),
  lastRunId: 'run-1',
  attempts: 1,
});
const failed = (id: string, region: string): ModelReplicaRecord => ({
  sourceModelId: id,
  region,
  targetResourceId: `/rid/${region}`,
  state: 'failed',
  lastAttemptAt: iso(NOW - H),
  lastFailedAt: iso(NOW - H),
  lastError: { kind: 'permanent', code: 'X', message: 'no' },
  lastRunId: 'run-1',
  attempts: 1,
});
const drill = (id: string, region: string, outcome: DrillRecord['outcome']): DrillRecord => ({
  sourceModelId: id,
  region,
  at: iso(NOW - H / 2),
  runId: 'drill-1',
  outcome,
  targetModelId: `t-${id}-${region}`,
  comparedWithRecordedSource: false,
  sample: 'samples/a.pdf',
});

const lastRunReport: RunReport = {
  runId: 'run-1',
  trigger: 'schedule',
  startedAt: iso(NOW - 2 * H),
  finishedAt: iso(NOW - H),
  dryRun: false,
  filters: {},
  totals: { planned: 0, copied: 0, alreadyReplicated: 5, failed: 1, skipped: 2, unverified: 1 },
  pairs: [
    {
      sourceModelId: 'm2',
      region: 'eastus',
      outcome: 'unverified',
      targetModelId: 't',
      reason: 'eastus could not be listed',
    },
    { sourceModelId: 'm3', region: 'westeurope', outcome: 'failed', reason: 'permanent X: no' },
    { sourceModelId: 'm4', region: 'eastus', outcome: 'failed', reason: 'permanent X: no' },
  ],
  invalidModels: ['bad'],
  notCopyable: [{ modelId: 'bad', reason: 'created with v2.0: it cannot be copied' }],
  creatingModels: ['training'],
};

function model() {
  return buildReadModel({
    regions: REGIONS,
    rpoHours: 26,
    now: NOW,
    replicas: [
      replicated('m1', 'eastus', 'invoices'),
      replicated('m1', 'westeurope', 'invoices'),
      replicated('m2', 'eastus'),
      replicated('m2', 'westeurope'),
      replicated('m3', 'eastus'),
      failed('m3', 'westeurope'),
    ],
    lastRun: lastRunFactsOf(lastRunReport),
    drills: [
      drill('m1', 'westeurope', 'mismatch'),
      drill('m2', 'westeurope', 'failed'),
      drill('m1', 'eastus', 'passed'),
    ],
  });
}

describe('the read model', () => {
  it('gives every pair one verdict: state, health and why, last drill', () => {
    const m = model();
    const cell = (id: string, region: string) => m.rows.find((r) => r.sourceModelId === id)?.cells[region];
    // The last run could not verify eastus (it has an unverified pair): every pair there is degraded, the drill passed.
    expect(cell('m1', 'eastus')).toMatchObject({
      status: 'replicated',
      health: 'degraded',
      healthReasons: ['regionUnverified'],
      lastDrill: { outcome: 'passed' },
    });
    expect(cell('m1', 'westeurope')).toMatchObject({
      status: 'replicated',
      health: 'unhealthy',
      healthReasons: ['lastDrillMismatch'],
      lastDrill: { outcome: 'mismatch' },
    });
    expect(cell('m2', 'eastus')).toMatchObject({
      status: 'unverified',
      reason: 'eastus could not be listed',
      health: 'degraded',
      healthReasons: ['regionUnverified'],
    });
    expect(cell('m2', 'westeurope')).toMatchObject({ health: 'degraded', healthReasons: ['lastDrillFailed'] });
    expect(cell('m3', 'westeurope')).toMatchObject({ status: 'failed', health: 'unhealthy' });
    // A model the last run had a pair of but the ledger has no record of: missing, not forgotten.
    expect(cell('m4', 'eastus')).toMatchObject({ status: 'missing', health: 'unhealthy' });
    expect(m.rows.map((r) => [r.sourceModelId, r.health, r.ready])).toEqual([
      ['m1', 'unhealthy', true],
      ['m2', 'degraded', false],
      ['m3', 'unhealthy', false],
      ['m4', 'unhealthy', false],
    ]);
    expect(m.rows[0].sourceModelName).toBe('invoices');
  });

  it('lists the not-copyable models with why, and the last run', () => {
    const m = model();
    expect(m.notCopyable).toEqual([
      { modelId: 'bad', status: 'invalid', reason: 'created with v2.0: it cannot be copied' },
      { modelId: 'training', status: 'creating' },
    ]);
    expect(m.lastRun).toEqual({ runId: 'run-1', finishedAt: iso(NOW - H) });
    expect(m.totals).toMatchObject({ unverified: 1, failed: 1, missing: 2, replicated: 4 });
  });

  it('a drill mismatch is unhealthy everywhere: its region, the app, /api/health (503), the region counts', () => {
    const m = model();
    const we = m.health.replicas.regions.find((r) => r.region === 'westeurope');
    expect(we).toMatchObject({ health: 'unhealthy', drillMismatch: 1, drillFailed: 1, unverified: 0, failed: 1 });
    const ea = m.health.replicas.regions.find((r) => r.region === 'eastus');
    expect(ea).toMatchObject({ unverified: 1, drillMismatch: 0, verifiedInLastRun: false });
    const { status, body } = healthResponseOf(m);
    expect(status).toBe(503);
    expect(body.reasons.join('\n')).toMatch(/westeurope: unhealthy: .*last restore drill answered differently/);

    // The same state without the mismatch: westeurope is left with the failed pair only.
    const calm = buildReadModel({
      regions: ['westeurope'],
      rpoHours: 26,
      now: NOW,
      replicas: [replicated('m1', 'westeurope')],
      drills: [drill('m1', 'westeurope', 'passed')],
    });
    expect(healthResponseOf(calm).status).toBe(200);
    expect(calm.health.health).toBe('healthy');
  });

  it('GET /api/report is the model as the report shows it: cells with health and drill, the health member', () => {
    const m = model();
    const r = reportOf(m);
    expect(r.rows).toBe(m.rows);
    expect(r.health.pairs).toHaveLength(8);
    for (const p of r.health.pairs)
      expect(r.rows.find((x) => x.sourceModelId === p.sourceModelId)?.cells[p.region].health).toBe(p.health);
    expect(r.health.health).toBe('unhealthy');
    expect(r.lastRun).toEqual(m.lastRun);
  });
});

describe('the read model by the DR group’s roles (issue 23)', () => {
  const MEMBERS = ['westus2', 'eastus', 'westeurope'];
  const home = { primary: 'westus2', home: 'westus2', epoch: 0 };
  const afterFailover = {
    primary: 'eastus',
    home: 'westus2',
    epoch: 1,
    since: iso(NOW - 3 * H),
    failoverId: 'fo-1',
  };
  const unplanned = {
    id: 'fo-1',
    mode: 'unplanned' as const,
    from: 'westus2',
    to: 'eastus',
    dryRun: false,
    force: false,
    status: 'completed' as const,
    requestedAt: iso(NOW - 3 * H),
    switchedAt: iso(NOW - 3 * H),
    steps: [],
  };
  /** The home run's own listing of westus2 (the primary then) showed m1 ready. */
  const westus2Listing = {
    region: 'westus2',
    targetResourceId: '/rid/westus2',
    runId: 'run-home',
    verifiedAt: iso(NOW - 4 * H),
    pairs: [['m1', 'm1']] as [string, string][],
  };
  const records = [replicated('m1', 'eastus'), replicated('m1', 'westeurope')];

  it('before any failover the columns are DR_TARGETS, as without the group', () => {
    const model = buildReadModel({
      regions: REGIONS,
      rpoHours: 26,
      now: NOW,
      replicas: records,
      members: { regions: MEMBERS, primary: home, failovers: [] },
    });
    expect(model.regions).toEqual(['eastus', 'westeurope']);
    expect(model.rows[0].cells.eastus).toMatchObject({ status: 'replicated', health: 'healthy' });
    expect(model.rows[0].cells.eastus.origin).toBeUndefined();
  });

  it('after a failover the columns are the standbys: the home member holds the origins, the primary is no column and no orphan', () => {
    const model = buildReadModel({
      regions: REGIONS,
      rpoHours: 26,
      now: NOW,
      replicas: records,
      verifications: [westus2Listing],
      members: { regions: MEMBERS, primary: { ...afterFailover, failoverId: 'fo-planned' }, failovers: [] },
    });
    expect(model.regions).toEqual(['westus2', 'westeurope']);
    expect(model.rows[0].cells.westus2).toMatchObject({
      status: 'replicated',
      origin: true,
      targetModelId: 'm1',
      lastVerifiedAt: westus2Listing.verifiedAt,
      ageSeconds: 4 * 3600,
      health: 'healthy',
    });
    expect(model.orphanRecords).toEqual([]);
    expect(model.health.replicas.regions.map((r) => r.region)).toEqual(['westus2', 'westeurope']);
  });

  it('an origin no listing verified is unverified (never missing, never ready), with why', () => {
    const model = buildReadModel({
      regions: REGIONS,
      rpoHours: 26,
      now: NOW,
      replicas: records,
      members: { regions: MEMBERS, primary: { ...afterFailover, failoverId: 'fo-planned' }, failovers: [] },
    });
    expect(model.rows[0].cells.westus2).toMatchObject({ status: 'unverified', origin: true, targetModelId: 'm1' });
    expect(model.rows[0].cells.westus2.reason).toMatch(/origin.*no listing of westus2 has shown it ready/);
    expect(model.rows[0].cells.westus2.health).not.toBe('healthy');
  });

  it('after an unplanned failover the old primary is unverified (declared down) until a listing after the switch', () => {
    const input = {
      regions: REGIONS,
      rpoHours: 26,
      now: NOW,
      replicas: records,
      members: { regions: MEMBERS, primary: afterFailover, failovers: [unplanned] },
    };
    const down = buildReadModel({ ...input, verifications: [westus2Listing] });
    expect(down.rows[0].cells.westus2).toMatchObject({ status: 'unverified', origin: true, health: 'degraded' });
    expect(down.rows[0].cells.westus2.reason).toMatch(/declared down by the unplanned failover fo-1/);
    const back = buildReadModel({
      ...input,
      verifications: [{ ...westus2Listing, runId: 'run-east', verifiedAt: iso(NOW - H) }],
    });
    expect(back.rows[0].cells.westus2).toMatchObject({ status: 'replicated', origin: true, health: 'healthy' });
  });

  it('a lineage born in the new primary: no column for its origin; a standby the run could not reach says why it is missing', () => {
    const fresh = 'eastus@trained';
    const model = buildReadModel({
      regions: REGIONS,
      rpoHours: 26,
      now: NOW,
      replicas: [...records, replicated(fresh, 'westeurope')],
      lastRun: {
        runId: 'run-east',
        finishedAt: iso(NOW - H),
        pairModels: ['m1', fresh],
        notCopyable: [],
        unverified: [{ sourceModelId: fresh, region: 'westus2', reason: 'westus2 could not be listed' }],
        unverifiedRegions: ['westus2'],
      },
      members: { regions: MEMBERS, primary: afterFailover, failovers: [unplanned] },
    });
    const row = model.rows.find((r) => r.sourceModelId === fresh)!;
    expect(Object.keys(row.cells)).toEqual(['westus2', 'westeurope']);
    expect(row.cells.westus2).toMatchObject({ status: 'missing', reason: 'not copied: westus2 could not be listed' });
    expect(row.cells.westeurope).toMatchObject({ status: 'replicated' });
  });
});
