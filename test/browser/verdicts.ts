/**
 * Reading a pair's verdict (state, health, last drill) back from every reader of the read model —
 * the report's rows and health, the dashboard's data, the `npm run local` table — so tests can
 * check that they agree (test/browser/readModel*.test.ts).
 */
import type { Browser, Page } from 'playwright-core';
import { VirtualClock } from '../../dev/clock';
import { renderReport } from '../../dev/local';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import type { RunSummary } from '../../src/replication/contracts';
import { EVENTS, MemoryTelemetry } from '../../src/telemetry';
import { launchChromium, watchedPage } from './browserSupport';

export interface Verdict {
  status: string;
  health: string;
  drill: string;
  /** The region is the lineage's origin (it holds the original): present only then. */
  origin?: true;
}
export type Verdicts = Record<string, Verdict>;
export const at = (model: string, region: string): string => `${model} @ ${region}`;

export interface Cell {
  status: string;
  health?: string;
  lastDrill?: { outcome: string };
  origin?: true;
  reason?: string;
  lastVerifiedAt?: string;
}
export interface Row {
  sourceModelId: string;
  sourceModelName?: string;
  cells: Record<string, Cell>;
}
export interface Report {
  regions: string[];
  rows: Row[];
  notCopyable: Array<{ modelId: string; modelName?: string; status: string; reason?: string }>;
  health: {
    health: string;
    regions: Array<{ region: string; health: string; pairs: number }>;
    pairs: Array<{ sourceModelId: string; region: string; health: string }>;
  };
}

/** The verdicts of a matrix; the health from `pairs` (the report's `health.pairs`) when given, else each cell's. */
export function verdictsOfRows(
  regions: readonly string[],
  rows: readonly Row[],
  pairs?: Report['health']['pairs'],
): Verdicts {
  const out: Verdicts = {};
  const health = new Map((pairs ?? []).map((p) => [at(p.sourceModelId, p.region), p.health]));
  for (const row of rows)
    for (const region of regions) {
      const c = row.cells[region];
      out[at(row.sourceModelId, region)] = {
        status: c.status,
        health: (pairs ? health.get(at(row.sourceModelId, region)) : c.health) ?? 'none',
        drill: c.lastDrill?.outcome ?? 'none',
        ...(c.origin ? { origin: true as const } : {}),
      };
    }
  return out;
}

/** The `npm run local` table, read back: columns are separated by two spaces or more. */
export function verdictsOfTable(regions: readonly string[], table: string, rows: readonly Row[]): Verdicts {
  const lines = table.split('\n');
  const out: Verdicts = {};
  for (const row of rows) {
    const label = row.sourceModelName ? `${row.sourceModelName} (${row.sourceModelId.slice(0, 8)})` : row.sourceModelId;
    const line = lines.find((l) => l.startsWith(`${label}  `) || l === label);
    if (!line) throw new Error(`no table line for ${label}:\n${table}`);
    const cols = line
      .slice(label.length)
      .trim()
      .split(/\s{2,}/);
    regions.forEach((region, i) => {
      const text = cols[i] ?? '';
      const status = /^ok\b/.test(text)
        ? 'replicated'
        : /^FAILED/.test(text)
          ? 'failed'
          : /^UNVERIFIED/.test(text)
            ? 'unverified'
            : /^in progress/.test(text)
              ? 'inProgress'
              : /^MISSING/.test(text)
                ? 'missing'
                : `? ${text}`;
      const health = /\[(degraded|unhealthy)\]$/.exec(text)?.[1] ?? 'healthy';
      const drill = /drill (passed|MISMATCH|failed)/.exec(text)?.[1]?.toLowerCase() ?? 'none';
      out[at(row.sourceModelId, region)] = {
        status,
        health,
        drill,
        ...(/\(origin\)/.test(text) ? { origin: true as const } : {}),
      };
    });
  }
  return out;
}

/** Per region: how many pairs have each health, how many are unverified, failed, drill mismatches. */
export function regionCounts(v: Verdicts, region: string): Record<string, number> {
  const mine = Object.entries(v)
    .filter(([k]) => k.endsWith(` @ ${region}`))
    .map(([, x]) => x);
  const n = (f: (x: Verdict) => boolean): number => mine.filter(f).length;
  return {
    pairs: mine.length,
    healthy: n((x) => x.health === 'healthy'),
    degraded: n((x) => x.health === 'degraded'),
    unhealthy: n((x) => x.health === 'unhealthy'),
    unverified: n((x) => x.status === 'unverified'),
    failed: n((x) => x.status === 'failed'),
    drillMismatch: n((x) => x.drill === 'mismatch'),
  };
}

/** The member regions of the default local stack (the matrix's possible columns). */
const MEMBER_REGIONS = ['westus2', 'eastus', 'westeurope'];

/** A local stack with a function key, a virtual clock, telemetry kept in memory, and Chromium. */
export interface ReadersFixture {
  readonly clock: VirtualClock;
  readonly telemetry: MemoryTelemetry;
  stack(): LocalStack;
  browser(): Browser;
  /** A replication run to its end (Completed, else it throws). */
  run(): Promise<RunSummary>;
  api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

/** Starts the stack and the browser before the file's tests and closes them after. */
export function useReadersStack(key: string, runPrefix: string): ReadersFixture {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const telemetry = new MemoryTelemetry();
  let stack: LocalStack | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startLocalStack({
        clock,
        telemetry,
        logger: () => undefined,
        env: { DR_RPO_HOURS: '26' },
        host: { timerSchedules: false, functionKey: key },
      }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });
  const started = (): LocalStack => {
    if (!stack) throw new Error('the stack is not started (beforeAll)');
    return stack;
  };
  let runs = 0;
  return {
    clock,
    telemetry,
    stack: started,
    browser: () => {
      if (!browser) throw new Error('the browser is not started (beforeAll)');
      return browser;
    },
    async run() {
      runs += 1;
      const host = started().host;
      const id = await host.durable.startNew('replicateModels', {
        instanceId: `${runPrefix}-${runs}`,
        input: { trigger: 'local' },
      });
      const status = await host.durable.waitForInstance(id);
      if (status.runtimeStatus !== 'Completed') throw new Error(`run ${id} ended ${status.runtimeStatus}`);
      return status.output as RunSummary;
    },
    async api<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(`${started().host.baseUrl}/api/${path}`, {
        method,
        headers: { 'x-functions-key': key, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as T };
    },
  };
}

export type FullReport = Report & { orphanRecords: unknown[] };

export interface DashboardData {
  rows: Row[];
  regions: string[];
  notCopyable: Report['notCopyable'];
  health: { health: string; byRegion: Record<string, { health: string }> };
}

/**
 * Every reader of the one read model against `GET /api/report`, whose columns must be `regions`:
 * the report's own cells, `GET /api/dashboard/data`, the `npm run local` table, `GET /api/health`,
 * the `ModelDr.ReplicaHealth` events of `runId`, and the page in Chromium (where `onPage` may check
 * more). Returns what each answered.
 */
export async function everyReaderAgrees(
  f: ReadersFixture,
  key: string,
  regions: readonly string[],
  runId: string,
  onPage?: (page: Page, report: FullReport) => Promise<void>,
): Promise<{
  report: FullReport;
  truth: Verdicts;
  data: DashboardData;
  table: string;
  probe: {
    status: number;
    body: { health: string; regions: Array<{ region: string; health: string; pairs: number }> };
  };
}> {
  const report = (await f.api<FullReport>('GET', 'report')).body;
  expect(report.regions).toEqual([...regions]);
  const truth = verdictsOfRows(regions, report.rows, report.health.pairs);
  // The report's own cells carry the same health as its health member.
  expect(verdictsOfRows(regions, report.rows)).toEqual(truth);
  const worstOf = (region: string): string => {
    const c = regionCounts(truth, region);
    return c.unhealthy > 0 ? 'unhealthy' : c.degraded > 0 ? 'degraded' : 'healthy';
  };

  const data = (await f.api<DashboardData>('GET', 'dashboard/data?limit=500')).body;
  expect(data.regions).toEqual([...regions]);
  expect(verdictsOfRows(regions, data.rows)).toEqual(truth);
  expect(data.health.health).toBe(report.health.health);
  expect(Object.keys(data.health.byRegion)).toEqual([...regions]);
  expect(Object.fromEntries(Object.entries(data.health.byRegion).map(([r, h]) => [r, h.health]))).toEqual(
    Object.fromEntries(regions.map((r) => [r, worstOf(r)])),
  );

  const table = renderReport(report as unknown as Parameters<typeof renderReport>[0]);
  expect(verdictsOfTable(regions, table, report.rows)).toEqual(truth);

  // /api/health: the regions' verdicts are the worst of their pairs'.
  const probe = await f.api<{ health: string; regions: Array<{ region: string; health: string; pairs: number }> }>(
    'GET',
    'health',
  );
  expect(probe.body.regions.map((r) => [r.region, r.health, r.pairs])).toEqual(
    regions.map((r) => [r, worstOf(r), regionCounts(truth, r).pairs]),
  );

  // The run's events: one per region, the same health and the same counts.
  const events = f.telemetry.eventsNamed(EVENTS.replicaHealth).filter((e) => e.runId === runId);
  expect(events.map((e) => e.region)).toEqual([...regions]);
  for (const e of events)
    expect(e).toMatchObject({ health: worstOf(String(e.region)), ...regionCounts(truth, String(e.region)) });

  // The page: the same columns, and every cell's state, health, last drill and origin mark.
  const w = await watchedPage(f.browser());
  try {
    const { page } = w;
    const res = await page.goto(`${f.stack().host.baseUrl}/api/dashboard?code=${key}&refresh=1`);
    expect(res?.status()).toBe(200);
    await page.waitForSelector('body[data-matrix-ready="true"]', { timeout: 30_000 });
    const heads = await page.$$eval('#matrix-head th', (ths) => ths.map((t) => t.textContent ?? ''));
    expect(heads.filter((h) => MEMBER_REGIONS.includes(h))).toEqual([...regions]);
    const shown = await page.$$eval('#matrix tbody[data-key] td[data-region]', (tds) =>
      tds.map((td) => [
        `${td.closest('tbody')?.getAttribute('data-key') ?? ''} @ ${td.getAttribute('data-region') ?? ''}`,
        {
          status: td.getAttribute('data-state') ?? '',
          health: td.getAttribute('data-health') ?? 'none',
          drill: td.getAttribute('data-drill') ?? 'none',
          ...(td.getAttribute('data-origin') === 'true' ? { origin: true } : {}),
        },
      ]),
    );
    expect(Object.fromEntries(shown)).toEqual(truth);
    if (onPage) await onPage(page, report);
    expect(w.errors).toEqual([]);
  } finally {
    await w.context.close();
  }
  return { report, truth, data, table, probe };
}
