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
