/**
 * The dashboard's read API parameters and run list: bounded, validated, every problem named;
 * the cursor round-trips; run reports' failure reasons split into kind, code and message.
 */
import { decodeCursor, encodeCursor, parseMatrixQuery, parseRunsQuery } from '../../src/http/dashboard/query';
import { outcomeOf, parseReason, runListItem } from '../../src/http/dashboard/runs';
import { pageOf } from '../../src/http/dashboard/matrix';
import { buildReadModel } from '../../src/readModel';
import type { RunReport } from '../../src/ledger/runReports';

const q = (s: string): URLSearchParams => new URLSearchParams(s);

describe('dashboard query parameters', () => {
  it('defaults, and accepts bounded values (the function key `code` is the host’s)', () => {
    expect(parseMatrixQuery(q(''))).toEqual({ ok: true, value: { limit: 100 } });
    expect(parseMatrixQuery(q(`code=k&limit=500&state=failed&q=%20Invoices%20&cursor=${encodeCursor('m-1')}`))).toEqual(
      { ok: true, value: { limit: 500, state: 'failed', q: 'invoices', after: 'm-1' } },
    );
    expect(parseRunsQuery(q('limit=50'))).toEqual({ ok: true, value: { limit: 50 } });
  });

  it.each([
    ['limit=0', 'limit=0', /limit: must be an integer from 1 to 500, got "0"/],
    ['limit=1.5', 'limit=1.5', /limit: must be an integer/],
    ['limit=1e2', 'limit=1e2', /limit: must be an integer/],
    ['limit=1&limit=2', 'limit=1&limit=2', /limit: given 2 times/],
    ['cursor=abc%3D', 'cursor=abc%3D', /cursor: not a cursor/],
    ['a 1501-character cursor', `cursor=${'A'.repeat(1501)}`, /cursor: not a cursor/],
    [
      'state=healthy',
      'state=healthy',
      /state: must be one of replicated, missing, failed, inProgress, stale, attention, degraded, unhealthy, got "healthy"/,
    ],
    ['a 201-character q', `q=${'a'.repeat(201)}`, /q: at most 200 characters, got 201/],
    ['q=a%00b', 'q=a%00b', /q: must not contain control characters/],
    ['q with a C1 control (U+0085, NEL)', 'q=a%C2%85b', /q: must not contain control characters/],
    ['q with a C1 control (U+009B, CSI)', 'q=a%C2%9B31mb', /q: must not contain control characters/],
    [
      'an unknown parameter whose 40th character is half of a surrogate pair',
      `${'a'.repeat(39)}%F0%9F%98%80b=1`,
      new RegExp(`^"${'a'.repeat(39)}\u{1F600}…": unknown parameter`, 'u'),
    ],
    ['order=asc', 'order=asc', /"order": unknown parameter \(allowed: limit, cursor, state, q\)/],
  ])('GET /api/dashboard/data with %s → a named problem', (_name: string, query: string, problem: RegExp) => {
    const r = parseMatrixQuery(q(query));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });

  it('GET /api/replications?limit= is bounded to 1..50', () => {
    for (const bad of ['0', '51', 'ten']) expect(parseRunsQuery(q(`limit=${bad}`)).ok).toBe(false);
    expect(parseRunsQuery(q('since=x')).ok).toBe(false);
  });

  it('the cursor round-trips any model id and refuses what it did not make', () => {
    for (const id of ['a', 'model-00001', 'ünïcode', 'x'.repeat(256)]) expect(decodeCursor(encodeCursor(id))).toBe(id);
    expect(decodeCursor('')).toBeUndefined();
    expect(decodeCursor('+/==')).toBeUndefined();
  });
});

describe('dashboard matrix pages', () => {
  const regions = ['eastus', 'westeurope'];
  const rec = (id: string, region: string, state: 'replicated' | 'failed') => ({
    sourceModelId: id,
    region,
    targetResourceId: '/t',
    state,
    lastAttemptAt: '2026-11-21T00:00:00Z',
    lastRunId: 'r',
    attempts: 1,
    ...(state === 'replicated'
      ? { targetModelId: `t-${id}`, lastVerifiedAt: '2026-11-21T00:00:00Z' }
      : { lastError: { kind: 'permanent', code: 'X', message: 'no' } }),
  });
  const replicas = ['a', 'b', 'c', 'd', 'e'].flatMap((id) => [
    rec(id, 'eastus', id === 'c' ? 'failed' : 'replicated'),
    rec(id, 'westeurope', 'replicated'),
  ]);
  const now = Date.parse('2026-11-21T01:00:00Z');
  const report = buildReadModel({ replicas, regions, now, rpoHours: 26 });

  it('pages whole model rows with a cursor until the last page', () => {
    const first = pageOf(report, { limit: 2 });
    expect(first.rows.map((r) => r.sourceModelId)).toEqual(['a', 'b']);
    expect(first).toMatchObject({ matched: 5, offset: 0 });
    const second = pageOf(report, { limit: 2, after: decodeCursor(first.nextCursor ?? '') });
    expect(second.rows.map((r) => r.sourceModelId)).toEqual(['c', 'd']);
    const last = pageOf(report, { limit: 2, after: decodeCursor(second.nextCursor ?? '') });
    expect(last.rows.map((r) => r.sourceModelId)).toEqual(['e']);
    expect(last.nextCursor).toBeUndefined();
  });

  it('filters by state and search, and names the failed pairs to re-run', () => {
    expect(pageOf(report, { limit: 10, state: 'failed' }).rows.map((r) => r.sourceModelId)).toEqual(['c']);
    expect(pageOf(report, { limit: 10, state: 'attention' }).matched).toBe(1);
    expect(pageOf(report, { limit: 10, q: 'd' }).rows.map((r) => r.sourceModelId)).toEqual(['d']);
    expect(pageOf(report, { limit: 10 }).failedPairs).toEqual({
      count: 1,
      models: ['c'],
      regions: ['eastus'],
      truncated: false,
    });
  });

  it("each cell and row carries the read model's health (text, reasons), filterable", () => {
    const lastRun = {
      runId: 'r',
      finishedAt: '2026-11-21T00:30:00Z',
      pairModels: ['a', 'b', 'c', 'd', 'e'],
      notCopyable: [],
      unverified: [],
      unverifiedRegions: ['westeurope'],
    };
    const page = pageOf(buildReadModel({ replicas, regions, now, rpoHours: 1, lastRun }), { limit: 10 });
    const c = page.rows.find((r) => r.sourceModelId === 'c');
    // a failed pair with no verified copy is unhealthy; a 1 h old copy at RPO 1 h is degraded (boundary), and
    // westeurope was not verified by the last run
    expect(c?.cells.eastus).toMatchObject({ status: 'failed', health: 'unhealthy' });
    expect(c?.cells.eastus.healthReasons).toEqual(['lastCopyFailed']);
    expect(c?.cells.westeurope).toMatchObject({
      health: 'degraded',
      healthReasons: ['olderThanRpo', 'regionUnverified'],
    });
    expect(c?.health).toBe('unhealthy');
    expect(page.rows.find((r) => r.sourceModelId === 'a')?.health).toBe('degraded');
    expect(page.health).toMatchObject({
      health: 'unhealthy',
      rpoHours: 1,
      totals: { healthy: 0, degraded: 9, unhealthy: 1 },
      byRegion: { eastus: { health: 'unhealthy', unhealthy: 1 }, westeurope: { health: 'degraded', degraded: 5 } },
    });
    expect(
      pageOf(buildReadModel({ replicas, regions, now, rpoHours: 1, lastRun }), {
        limit: 10,
        state: 'unhealthy',
      }).rows.map((r) => r.sourceModelId),
    ).toEqual(['c']);
    expect(pageOf(report, { limit: 10 }).rows.find((r) => r.sourceModelId === 'a')?.health).toBe('healthy');
  });
});

describe('dashboard run list', () => {
  const report = (over: Partial<RunReport>): RunReport => ({
    runId: 'r1',
    trigger: 'http',
    startedAt: '2026-11-21T00:00:00Z',
    finishedAt: '2026-11-21T00:01:30Z',
    dryRun: false,
    filters: {},
    totals: { planned: 2, copied: 1, alreadyReplicated: 0, failed: 1, skipped: 0 },
    pairs: [
      { sourceModelId: 'm1', region: 'eastus', outcome: 'copied', targetModelId: 't' },
      {
        sourceModelId: 'm2',
        region: 'eastus',
        outcome: 'failed',
        reason: 'permanent ResourceResolverError: gone: really',
      },
    ],
    invalidModels: [],
    creatingModels: [],
    ...over,
  });

  it('splits the stored reason into kind, service code and message', () => {
    expect(parseReason('permanent ResourceResolverError: gone: really')).toEqual({
      kind: 'permanent',
      code: 'ResourceResolverError',
      message: 'gone: really',
    });
    expect(parseReason('internal: boom')).toEqual({ kind: 'internal', message: 'boom' });
    expect(parseReason('no structure')).toEqual({ kind: 'unknown', message: 'no structure' });
  });

  it('gives the outcome, duration and failures of a run', () => {
    expect(runListItem(report({}))).toMatchObject({
      outcome: 'partial',
      durationMs: 90_000,
      failuresTotal: 1,
      failures: [{ sourceModelId: 'm2', region: 'eastus', kind: 'permanent', code: 'ResourceResolverError' }],
    });
    expect(outcomeOf(report({ totals: { planned: 1, copied: 0, alreadyReplicated: 0, failed: 1, skipped: 0 } }))).toBe(
      'failed',
    );
    expect(outcomeOf(report({ dryRun: true }))).toBe('dryRun');
    expect(outcomeOf(report({ totals: { planned: 1, copied: 1, alreadyReplicated: 0, failed: 0, skipped: 0 } }))).toBe(
      'succeeded',
    );
  });
});
