/**
 * `npm run bench` — a full DR sync at scale against the service's rate limits, the
 * steady state after it, and the approaches people use instead.
 *
 * For each size (models × regions): the app's real replication orchestration on the
 * local host (Azurite + Form Recognizer emulator with S0 rate limits, copy durations
 * drawn per pair from a seeded 5–25 s distribution, one virtual clock shared by host and
 * emulator) — the first full sync; with `--steady`, two no-op runs right after it
 * (nothing changed) and an incremental run (about 1 % of the source models changed or
 * new); then, each against an identical emulator on its own virtual clock, the
 * competitor baseline (a promise pool of C copies in flight, poll every 5 s, retry 429
 * after Retry-After, no pacing, no ledger) and the sequential approach (one copy at a
 * time, poll every 5 s). Then a Custom Vision burst through the queue function.
 *
 * Storage requests are counted at the HTTP level by a counting proxy in front of
 * Azurite's blob endpoint (dev/storageCountingProxy.ts: the ledger is blob storage);
 * queue and table go direct, and durable state (histories, timers) is the local host's
 * in-memory store: neither is counted.
 *
 *   --sizes 100x2,1000x3   sizes to run (default 100x2: the whole bench in under a minute)
 *   --parallel N           DR_MAX_PARALLEL for the run (default 256)
 *   --rps X                DR_MANAGEMENT_RPS for the run (default 5, the S0 limit)
 *   --activities N         activities the host runs at once (default 64)
 *   --seed N               seed of the model ids, copy durations and incremental changes
 *   --steady               also the no-op runs (×2) and the incremental run after the first sync
 *   --seeded-above N       sizes with more than N models start from a seeded replicated state (no first sync)
 *   --baseline 16,64       promise-pool sizes of the competitor baseline (default 16,64)
 *   --no-baseline          skip the competitor baseline
 *   --cv N                 Custom Vision notifications in the burst (default 1000; 0 = skip)
 *   --no-sequential        skip the sequential baseline
 *   --markdown             also print the summary as a Markdown table
 *   --json                 print every figure as one JSON document on the last line
 */
import { measureUnplannedFailover, type FailoverFigures } from './failover';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { startAzurite, type AzuriteInstance } from '../dev/azurite';
import { VirtualClock } from '../dev/clock';
import {
  startStorageCountingProxy,
  storageConnectionStringVia,
  type StorageCounts,
  type StorageCountingProxy,
} from '../dev/storageCountingProxy';
import type { CvBurstFigures } from './customVision';
import { startLocalStack, type LocalStack } from '../dev/stack';
import { runBaseline, type BaselineResult } from './baseline';
import {
  pollFigures,
  runAgain,
  runOrchestrated,
  requestFigures,
  seedReplicated,
  type OrchestratedResult,
  type RequestFigures,
  type RunFigures,
} from './replication';
import { DEFAULT_SCENARIO, incrementalChange, label, SOURCE_NAME, type Scenario } from './scenario';
import { runSequential, type SequentialResult } from './sequential';
import {
  childPids,
  fmtDuration,
  fmtPercent,
  fmtRatio,
  fmtSeconds,
  markdownTable,
  mean,
  percentile,
  ResourceMeter,
  table,
  type ResourceFigures,
} from './stats';

interface Args {
  sizes: Array<{ models: number; regions: number }>;
  parallel: number;
  rps: number;
  activities: number;
  seed: number;
  cv: number;
  steady: boolean;
  /** Sizes with more models than this start from a seeded replicated state (no first sync). */
  seededAbove: number;
  /** Pool sizes of the competitor baseline; empty = skipped. */
  baseline: number[];
  sequential: boolean;
  markdown: boolean;
  json: boolean;
  /** `--failover N`: an unplanned failover at N models × 3 members (bench/failover.ts); 0 = skipped. */
  failover: number;
}

function usage(message?: string): never {
  if (message) process.stderr.write(`${message}\n`);
  process.stderr.write(
    'usage: npm run bench -- [--sizes 100x2,1000x3] [--parallel N] [--rps X] [--activities N] [--seed N] [--steady] [--seeded-above N] [--baseline 16,64 | --no-baseline] [--cv N] [--no-sequential] [--failover N] [--markdown] [--json] (--sizes none: no replication sizes)\n',
  );
  process.exit(message ? 2 : 0);
}

function parseArgs(argv: string[]): Args {
  const args: Args = {
    sizes: [],
    parallel: 256,
    rps: 5,
    activities: 64,
    seed: DEFAULT_SCENARIO.seed,
    cv: 1000,
    steady: false,
    seededAbove: Infinity,
    baseline: [16, 64],
    sequential: true,
    markdown: false,
    json: false,
    failover: 0,
  };
  let sizes = '100x2';
  const num = (name: string, v: string | undefined, min: number, max: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min || n > max)
      usage(`${name} must be a number from ${min} to ${max}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--sizes') sizes = argv[++i] ?? '';
    else if (a === '--parallel') args.parallel = num(a, argv[++i], 1, 256);
    else if (a === '--rps') args.rps = num(a, argv[++i], 0.1, 5);
    else if (a === '--activities') args.activities = num(a, argv[++i], 1, 1000);
    else if (a === '--seed') args.seed = num(a, argv[++i], 0, 2 ** 31);
    else if (a === '--cv') args.cv = num(a, argv[++i], 0, 100_000);
    else if (a === '--steady') args.steady = true;
    else if (a === '--failover') args.failover = num(a, argv[++i], 1, 100_000);
    else if (a === '--seeded-above') {
      args.seededAbove = num(a, argv[++i], 0, 1_000_000);
      args.steady = true;
    } else if (a === '--baseline') {
      const list = argv[++i] ?? '';
      args.baseline = list.split(',').map((c) => Math.floor(num('--baseline', c.trim(), 1, 1024)));
    } else if (a === '--no-baseline') args.baseline = [];
    else if (a === '--no-sequential') args.sequential = false;
    else if (a === '--markdown') args.markdown = true;
    else if (a === '--json') args.json = true;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument '${a}'`);
  }
  for (const s of sizes === 'none' ? [] : sizes.split(',')) {
    const m = /^(\d+)x(\d+)$/.exec(s.trim());
    if (!m) usage(`--sizes: '${s}' is not MODELSxREGIONS (e.g. 1000x3)`);
    args.sizes.push({ models: Number(m[1]), regions: Number(m[2]) });
  }
  return args;
}

/** One steady-state run after the first sync. */
interface SteadyRun {
  label: string;
  run: RunFigures;
  resources: ResourceFigures;
  /** Incremental run: how the source changed before it. */
  change?: { changed: number; added: number };
}

interface SizeFigures {
  size: string;
  scenario: Scenario;
  run: OrchestratedResult;
  resources: ResourceFigures;
  steady?: SteadyFigures;
  baseline: MeasuredBaseline[];
  sequential?: MeasuredSequential;
}

/** A size measured from a seeded replicated state (`--seeded-above`): its steady runs and the baselines. */
interface SeededFigures {
  size: string;
  scenario: Scenario;
  seeding: ResourceFigures & { records: number };
  steady: SteadyFigures;
  baseline: MeasuredBaseline[];
  sequential?: MeasuredSequential;
}

const out = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const env = { DR_MAX_PARALLEL: String(args.parallel), DR_MANAGEMENT_RPS: String(args.rps) };
  out(
    `ai-model-dr benchmark — Node ${process.version}, ${(await import('node:os')).cpus().length} CPU(s); DR_MAX_PARALLEL=${args.parallel}, DR_MANAGEMENT_RPS=${args.rps}; S0 limits: 5 management/s, 50 GET/s per resource; copies ${DEFAULT_SCENARIO.copyMinMs / 1000}–${DEFAULT_SCENARIO.copyMaxMs / 1000} s (seed ${args.seed})`,
  );
  out(
    'storage: blob requests counted at the HTTP level (a counting proxy in front of Azurite: the ledger); queue/table not counted; durable state is the local host in-memory store (not counted)',
  );
  let azurite: AzuriteInstance | undefined;
  let proxy: StorageCountingProxy | undefined;
  let stack: LocalStack | undefined;
  const figures: SizeFigures[] = [];
  const seeded: SeededFigures[] = [];
  let failover: FailoverFigures | undefined;
  try {
    azurite = await startAzurite();
    proxy = await startStorageCountingProxy(azurite.blobEndpoint);
    stack = await startLocalStack({
      clock,
      env,
      storageConnectionString: storageConnectionStringVia(azurite, proxy),
      logger: () => undefined,
      host: {
        timerSchedules: false,
        queueListeners: false,
        crossCheck: false,
        maxConcurrentActivities: args.activities,
      },
    });
    for (const size of args.sizes) {
      const scenario: Scenario = { ...DEFAULT_SCENARIO, seed: args.seed, ...size };
      const name = label(scenario);
      out(`\n== ${name}: ${scenario.models * scenario.regions} copies`);
      if (scenario.models > args.seededAbove) {
        seeded.push(await runSeeded(stack, proxy, scenario, args));
        continue;
      }
      const meter = new ResourceMeter(childPids);
      meter.start();
      const run = await runOrchestrated(stack, scenario, proxy);
      const resources = meter.stop();
      const entry: SizeFigures = { size: name, scenario, run, resources, baseline: [] };
      printRun(entry);
      if (args.steady) {
        entry.steady = await runSteady(stack, proxy, scenario);
        printSteadyTable(entry);
      }
      const ours = run.endMs - run.startMs;
      for (const concurrency of args.baseline) {
        entry.baseline.push(await measureBaseline(scenario, run.startMs, concurrency));
        printBaseline(entry.baseline[entry.baseline.length - 1], ours);
      }
      if (args.sequential) {
        entry.sequential = await measureSequential(scenario, run.startMs);
        printSequential(entry.sequential, ours);
      }
      figures.push(entry);
    }
    if (args.failover > 0) {
      out(
        `\n== unplanned failover: ${args.failover} models × 3 members, from a seeded replicated state; the source drops every connection`,
      );
      const f = await measureUnplannedFailover(stack, proxy, args.failover, args.seed);
      failover = f;
      out(
        `${f.status}: ${f.routed ?? '?'} model(s) routed; service requests ${Object.entries(f.serviceRequests)
          .map(([r, n]) => `${r} ${n}`)
          .join(', ')}; storage ${f.storage.total} requests (${Object.entries(f.storage.byClass)
          .map(([c, n]) => `${c} ${n}`)
          .join(
            ', ',
          )}), ${f.storageWrites} write(s); RTO (request → routing published) ${f.virtualRtoSeconds ?? '?'} s virtual, ${fmtSeconds(f.realMs)} real`,
      );
    }
  } finally {
    await stack?.close();
    await proxy?.close();
    await azurite?.stop();
  }

  let cv: CvBurstFigures | undefined;
  if (args.cv > 0) {
    out(`\n== Custom Vision burst: ${args.cv} notifications through the queue function (own process)`);
    cv = await runCvBurst(args.cv);
    out(
      `${cv.invocations} invocations (${cv.failedInvocations} failed), ${cv.poisoned} poisoned; real ${fmtSeconds(cv.wallMs)} (${(cv.notifications / (cv.wallMs / 1000)).toFixed(0)}/s), CPU ${fmtSeconds(cv.cpuMs)}${cv.childCpuMs !== undefined ? ` (+ Azurite ${fmtSeconds(cv.childCpuMs)})` : ''}, peak RSS ${cv.peakRssMb.toFixed(0)} MB, heap ${cv.peakHeapMb.toFixed(0)} MB`,
    );
  }

  out('\n== summary');
  const { header, rows } = summaryTable(figures, args);
  out(table(header, rows));
  if (args.markdown) out(`\n${markdownTable(header, rows)}`);
  if (seeded.length > 0) {
    out('\n== seeded sizes (steady state from a seeded replicated state; no first sync)');
    const t = seededTable(seeded);
    out(table(t.header, t.rows));
    if (args.markdown) out(`\n${markdownTable(t.header, t.rows)}`);
  }
  if (args.json)
    out(
      JSON.stringify({
        args: { ...args, seededAbove: Number.isFinite(args.seededAbove) ? args.seededAbove : null },
        sizes: figures.map(jsonOf),
        seededSizes: seeded.map(seededJson),
        customVision: cv,
        ...(failover ? { failover } : {}),
      }),
    );
}

/** Two no-op runs right after the first sync, then one after ~1 % of the source changed. */
async function runSteady(stack: LocalStack, proxy: StorageCountingProxy, scenario: Scenario): Promise<SteadyFigures> {
  const measured = async (label: string, change?: SteadyRun['change']): Promise<SteadyRun> => {
    const meter = new ResourceMeter(childPids);
    meter.start();
    const run = await runAgain(stack, proxy);
    const entry: SteadyRun = { label, run, resources: meter.stop(), ...(change ? { change } : {}) };
    printSteady(entry);
    return entry;
  };
  const noop = [await measured('no-op #1'), await measured('no-op #2')];
  const emulator = stack.emulator;
  if (!emulator) throw new Error('no emulator on the stack');
  const sourceIds = emulator
    .models(SOURCE_NAME)
    .filter((m) => m.status === 'ready')
    .map((m) => m.modelId);
  const { changed, added } = incrementalChange(scenario, sourceIds);
  for (const modelId of changed) emulator.upsertModel(SOURCE_NAME, { modelId });
  for (const m of added)
    emulator.upsertModel(SOURCE_NAME, { ...m, createdDateTime: new Date(stack.clock.now()).toISOString() });
  const incremental = await measured('incremental', { changed: changed.length, added: added.length });
  return { noop, incremental };
}

/** The burst runs in a child process (the local host loads the app once per process). */
function runCvBurst(count: number): Promise<CvBurstFigures> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...process.execArgv, path.join(__dirname, 'customVision.ts'), String(count)],
      { maxBuffer: 16 * 2 ** 20 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`Custom Vision burst failed: ${error.message}\n${stderr.slice(-2000)}`));
        const line = stdout
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('{"notifications"'))
          .pop();
        if (!line) return reject(new Error(`Custom Vision burst printed no figures:\n${stdout.slice(-2000)}`));
        resolve(JSON.parse(line) as CvBurstFigures);
      },
    );
  });
}

const sorted = (counts: Record<string, number>): Array<[string, number]> =>
  Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));

function kindsText(req: RequestFigures): string {
  return sorted(req.byKind)
    .map(([k, n]) => `${k} ${n}${req.throttledByKind[k] ? ` (${req.throttledByKind[k]} × 429)` : ''}`)
    .join(', ');
}

function storageText(st: StorageCounts | undefined): string {
  if (!st) return '—';
  const classes = sorted(st.byClass)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const statuses = sorted(st.byStatus)
    .filter(([k]) => !k.startsWith('2'))
    .map(([k, n]) => `${n} × ${k}`)
    .join(', ');
  const containers = Object.keys(st.byContainer).length;
  return `${st.total}${classes ? `: ${classes}` : ''}${statuses ? `; ${statuses}` : ''}${containers > 1 ? `; ${containers} containers` : ''}`;
}

function activitiesText(run: RunFigures): string {
  const a = run.activities;
  const names = sorted(Object.fromEntries(Object.entries(a.byName).map(([k, v]) => [k, v.scheduled])))
    .map(([k, n]) => `${k} ${n}${a.byName[k].failed ? ` (${a.byName[k].failed} failed)` : ''}`)
    .join(', ');
  return `${a.executions} executions, ${a.scheduled} scheduled (${names}); ${a.failed} failed attempts`;
}

function resourcesText(r: ResourceFigures): string {
  return `real ${fmtSeconds(r.wallMs)}, CPU ${fmtSeconds(r.cpuMs)}${r.childCpuMs !== undefined ? ` (+ Azurite ${fmtSeconds(r.childCpuMs)})` : ''}, peak RSS ${r.peakRssMb.toFixed(0)} MB, heap ${r.peakHeapMb.toFixed(0)} MB`;
}

function printRun(f: SizeFigures): void {
  const r = f.run;
  const makespan = r.endMs - r.startMs;
  const lb = r.lowerBoundMs - r.startMs;
  const t = r.summary.totals;
  const req = r.requests;
  const polls = pollFigures(r.pollsPerCopy);
  out(
    `orchestrated: ${t.copied} copied, ${t.failed} failed; makespan ${fmtDuration(makespan)} (virtual), lower bound ${fmtDuration(lb)}, ratio ${fmtRatio(makespan / lb)}`,
  );
  out(`  requests ${req.total}: ${kindsText(req)}; 429s ${req.throttled} (${fmtPercent(req.throttled / req.total)})`);
  out(`  storage requests ${storageText(r.storage)}`);
  out(`  activities ${activitiesText(r)}`);
  out(
    `  polls per copy mean ${polls.mean.toFixed(2)}, p95 ${polls.p95}; detection latency p50 ${fmtSeconds(percentile(r.detectionLatencyMs, 50))}, p95 ${fmtSeconds(percentile(r.detectionLatencyMs, 95))}, max ${fmtSeconds(Math.max(...r.detectionLatencyMs))}`,
  );
  const per = Object.entries(r.history.perCopyByOrchestrator)
    .map(([k, v]) => `${k} ${v.toFixed(0)}`)
    .join(', ');
  out(
    `  history: ${r.history.instances} instances, ${r.history.episodes} episodes, ${r.history.eventsReplayed} events replayed = ${r.history.eventsReplayedPerCopy.toFixed(0)} per copy (${per}); longest ${r.history.longestHistory.events} events (${r.history.longestHistory.instanceId})`,
  );
  out(`  ${resourcesText(f.resources)}`);
}

function printSteady(s: SteadyRun): void {
  const r = s.run;
  const t = r.summary.totals;
  const change = s.change ? ` (source: ${s.change.changed} changed, ${s.change.added} new)` : '';
  out(
    `${s.label}${change}: ${t.copied} copied, ${t.failed} failed, ${t.alreadyReplicated} already replicated, ${t.unverified} unverified (planned ${t.planned} of ${t.pairs}); virtual ${fmtDuration(r.virtualMs)}, real ${fmtSeconds(r.realMs)}`,
  );
  out(`  service requests ${r.requests.total}: ${kindsText(r.requests) || 'none'}; 429s ${r.requests.throttled}`);
  out(`  storage requests ${storageText(r.storage)}`);
  out(`  activities ${activitiesText(r)}`);
  out(`  ${resourcesText(s.resources)}`);
}

function storageClass(st: StorageCounts | undefined, cls: string): string {
  return st ? String(st.byClass[cls] ?? 0) : '—';
}

/** First sync and the steady runs of one size side by side. */
function printSteadyTable(f: SizeFigures): void {
  if (!f.steady) return;
  const runs: Array<{ label: string; run: RunFigures; resources: ResourceFigures }> = [
    { label: 'first sync', run: f.run, resources: f.resources },
    ...f.steady.noop,
    f.steady.incremental,
  ];
  const classes = [...new Set(runs.flatMap((r) => Object.keys(r.run.storage?.byClass ?? {})))].sort();
  const col = (fn: (r: RunFigures, res: ResourceFigures) => string): string[] =>
    runs.map((r) => fn(r.run, r.resources));
  const rows: string[][] = [
    ['copied / failed', ...col((r) => `${r.summary.totals.copied} / ${r.summary.totals.failed}`)],
    [
      'planned / already replicated',
      ...col((r) => `${r.summary.totals.planned} / ${r.summary.totals.alreadyReplicated}`),
    ],
    ['service requests', ...col((r) => String(r.requests.total))],
    ...['list', 'authorize', 'copy', 'copyResult', 'getModel', 'deleteModel'].map((k) => [
      `  ${k}`,
      ...col((r) => String(r.requests.byKind[k] ?? 0)),
    ]),
    ['429 responses', ...col((r) => String(r.requests.throttled))],
    ['storage requests (blob)', ...col((r) => (r.storage ? String(r.storage.total) : '—'))],
    ...classes.map((c) => [`  ${c}`, ...col((r) => storageClass(r.storage, c))]),
    ['activity executions', ...col((r) => String(r.activities.executions))],
    ['activity failed attempts', ...col((r) => String(r.activities.failed))],
    ['virtual time', ...col((r) => fmtDuration(r.virtualMs))],
    ['real time', ...col((r) => fmtSeconds(r.realMs))],
    [
      'CPU (this process / Azurite)',
      ...col(
        (_, res) => `${fmtSeconds(res.cpuMs)} / ${res.childCpuMs !== undefined ? fmtSeconds(res.childCpuMs) : '—'}`,
      ),
    ],
  ];
  out(`\nsteady state, ${f.size}:`);
  out(table(['figure', ...runs.map((r) => r.label)], rows));
}

type MeasuredBaseline = BaselineResult & { resources: ResourceFigures };
type MeasuredSequential = SequentialResult & { resources: ResourceFigures; requests: RequestFigures };

/** The competitor baseline with `concurrency` copies in flight, on its own emulator and clock from `startMs`. */
async function measureBaseline(scenario: Scenario, startMs: number, concurrency: number): Promise<MeasuredBaseline> {
  const meter = new ResourceMeter();
  meter.start();
  const base = await runBaseline(scenario, startMs, concurrency);
  const resources = meter.stop();
  await base.emulator.close();
  const { emulator: _closed, ...result } = base;
  return { ...result, resources };
}

/** The sequential script, on its own emulator and clock from `startMs`. */
async function measureSequential(scenario: Scenario, startMs: number): Promise<MeasuredSequential> {
  const meter = new ResourceMeter();
  meter.start();
  const seq = await runSequential(scenario, startMs);
  const resources = meter.stop();
  await seq.emulator.close();
  return { ...seq, resources, requests: requestFigures(seq.emulator.requestLog) };
}

/** `= N× ours` when our makespan of the size is known (not for a seeded size). */
const versusOurs = (makespanMs: number, oursMs: number | undefined, digits?: number): string =>
  oursMs === undefined ? '' : ` = ${fmtRatio(makespanMs / oursMs, digits)} ours`;

function printBaseline(b: MeasuredBaseline, oursMs?: number): void {
  const makespan = b.endMs - b.startMs;
  const failedBy = sorted(b.failedBy)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  out(
    `baseline C=${b.concurrency}: ${b.copies} copied, ${b.failed} failed${failedBy ? ` (${failedBy})` : ''}; makespan ${fmtDuration(makespan)} (virtual)${versusOurs(makespan, oursMs)}; ${b.requests.total} requests, 429s ${b.requests.throttled} (${fmtPercent(b.requests.throttled / b.requests.total)}); real ${fmtSeconds(b.resources.wallMs)}, CPU ${fmtSeconds(b.resources.cpuMs)}`,
  );
}

function printSequential(s: MeasuredSequential, oursMs?: number): void {
  const makespan = s.endMs - s.startMs;
  out(
    `sequential:   ${s.copies} copied, ${s.failed} failed; makespan ${fmtDuration(makespan)} (virtual)${versusOurs(makespan, oursMs, 1)}; ${s.requests.total} requests, 429s ${s.requests.throttled}; real ${fmtSeconds(s.resources.wallMs)}, CPU ${fmtSeconds(s.resources.cpuMs)}`,
  );
}

function summaryTable(figures: SizeFigures[], args: Args): { header: string[]; rows: string[][] } {
  const header = ['figure', ...figures.map((f) => f.size)];
  const col = (fn: (f: SizeFigures) => string): string[] => figures.map(fn);
  const makespan = (f: SizeFigures): number => f.run.endMs - f.run.startMs;
  const lb = (f: SizeFigures): number => f.run.lowerBoundMs - f.run.startMs;
  const seq = (f: SizeFigures): number => (f.sequential ? f.sequential.endMs - f.sequential.startMs : NaN);
  const rows: string[][] = [
    ['copies (copied / failed)', ...col((f) => `${f.run.summary.totals.copied} / ${f.run.summary.totals.failed}`)],
    ['makespan (virtual)', ...col((f) => fmtDuration(makespan(f)))],
    ['lower bound', ...col((f) => fmtDuration(lb(f)))],
    ['makespan / lower bound', ...col((f) => fmtRatio(makespan(f) / lb(f)))],
  ];
  for (const c of args.baseline) {
    const base = (f: SizeFigures): SizeFigures['baseline'][number] | undefined =>
      f.baseline.find((b) => b.concurrency === c);
    const baseMs = (f: SizeFigures): number => {
      const b = base(f);
      return b ? b.endMs - b.startMs : NaN;
    };
    rows.push(
      [`baseline C=${c} makespan`, ...col((f) => fmtDuration(baseMs(f)))],
      [`  / ours`, ...col((f) => fmtRatio(baseMs(f) / makespan(f)))],
      [
        `  429s / failed pairs`,
        ...col((f) => {
          const b = base(f);
          return b ? `${b.requests.throttled} / ${b.failed}` : '—';
        }),
      ],
    );
  }
  rows.push(
    ['sequential makespan', ...col((f) => fmtDuration(seq(f)))],
    ['sequential / ours', ...col((f) => fmtRatio(seq(f) / makespan(f), 1))],
    ['requests', ...col((f) => String(f.run.requests.total))],
    [
      '  authorize / copy / copyResult',
      ...col((f) => ['authorize', 'copy', 'copyResult'].map((k) => f.run.requests.byKind[k] ?? 0).join(' / ')),
    ],
    [
      '  getModel / list / delete',
      ...col((f) => ['getModel', 'list', 'deleteModel'].map((k) => f.run.requests.byKind[k] ?? 0).join(' / ')),
    ],
    [
      '429 responses (share)',
      ...col((f) => `${f.run.requests.throttled} (${fmtPercent(f.run.requests.throttled / f.run.requests.total)})`),
    ],
    ['storage requests (blob)', ...col((f) => (f.run.storage ? String(f.run.storage.total) : '—'))],
    [
      'polls per copy mean / p95',
      ...col((f) => `${mean(f.run.pollsPerCopy).toFixed(2)} / ${percentile(f.run.pollsPerCopy, 95)}`),
    ],
    [
      'detection latency p50 / p95',
      ...col(
        (f) =>
          `${fmtSeconds(percentile(f.run.detectionLatencyMs, 50))} / ${fmtSeconds(percentile(f.run.detectionLatencyMs, 95))}`,
      ),
    ],
    ['events replayed per copy', ...col((f) => f.run.history.eventsReplayedPerCopy.toFixed(0))],
    ['longest history (events)', ...col((f) => String(f.run.history.longestHistory.events))],
    ['real time', ...col((f) => fmtSeconds(f.resources.wallMs))],
    ['CPU (this process)', ...col((f) => fmtSeconds(f.resources.cpuMs))],
    ['CPU (Azurite)', ...col((f) => (f.resources.childCpuMs !== undefined ? fmtSeconds(f.resources.childCpuMs) : '—'))],
    ['peak RSS / heap', ...col((f) => `${f.resources.peakRssMb.toFixed(0)} / ${f.resources.peakHeapMb.toFixed(0)} MB`)],
  );
  if (args.steady) rows.push(...steadyRows(col, (f) => f.steady));
  return { header, rows };
}

type SteadyFigures = { noop: SteadyRun[]; incremental: SteadyRun };

/** The steady-state rows of a summary table (both no-op runs, then the incremental run); '—' where a column has none. */
function steadyRows<F>(
  col: (fn: (f: F) => string) => string[],
  steadyOf: (f: F) => SteadyFigures | undefined,
): string[][] {
  const noop = (f: F, i: number): RunFigures | undefined => steadyOf(f)?.noop[i]?.run;
  const inc = (f: F): RunFigures | undefined => steadyOf(f)?.incremental.run;
  const costs = (r: RunFigures | undefined): string =>
    r ? `${r.requests.total} / ${r.storage ? r.storage.total : '—'}` : '—';
  const times = (r: RunFigures | undefined): string =>
    r ? `${fmtDuration(r.virtualMs)} / ${fmtSeconds(r.realMs)}` : '—';
  const sum = (f: F, of: (r: RunFigures) => number): number =>
    (steadyOf(f)?.noop ?? []).reduce((n, s) => n + of(s.run), 0);
  return [
    ['no-op #1: service / storage requests', ...col((f) => costs(noop(f, 0)))],
    ['no-op #2: service / storage requests', ...col((f) => costs(noop(f, 1)))],
    [
      'no-op: 429s / failed activity attempts',
      ...col((f) =>
        steadyOf(f) ? `${sum(f, (r) => r.requests.throttled)} / ${sum(f, (r) => r.activities.failed)}` : '—',
      ),
    ],
    ['no-op #1: virtual / real time', ...col((f) => times(noop(f, 0)))],
    ['no-op #2: virtual / real time', ...col((f) => times(noop(f, 1)))],
    [
      'incremental: changed + new → copied',
      ...col((f) => {
        const s = steadyOf(f)?.incremental;
        return s?.change
          ? `${s.change.changed} + ${s.change.added} → ${s.run.summary.totals.copied} (${s.run.summary.totals.failed} failed)`
          : '—';
      }),
    ],
    ['incremental: service / storage requests', ...col((f) => costs(inc(f)))],
    ['incremental: virtual / real time', ...col((f) => times(inc(f)))],
  ];
}

function runJson(r: RunFigures, resources: ResourceFigures): Record<string, unknown> {
  return {
    runId: r.runId,
    totals: r.summary.totals,
    failedPairs: r.summary.failures.length,
    // The first 20 (a run where everything fails would print thousands).
    failures: r.summary.failures.slice(0, 20),
    virtualMs: r.virtualMs,
    realMs: r.realMs,
    requests: r.requests,
    storage: r.storage,
    activities: r.activities,
    instances: r.instances,
    resources,
  };
}

function jsonOf(f: SizeFigures): Record<string, unknown> {
  const r = f.run;
  return {
    size: f.size,
    models: f.scenario.models,
    regions: f.scenario.regions,
    firstSync: {
      ...runJson(r, f.resources),
      makespanMs: r.endMs - r.startMs,
      lowerBoundMs: r.lowerBoundMs - r.startMs,
      polls: pollFigures(r.pollsPerCopy),
      detectionLatencyMs: {
        p50: percentile(r.detectionLatencyMs, 50),
        p95: percentile(r.detectionLatencyMs, 95),
        max: Math.max(...r.detectionLatencyMs),
      },
      history: r.history,
    },
    steady: f.steady
      ? {
          noop: f.steady.noop.map((s) => runJson(s.run, s.resources)),
          incremental: {
            change: f.steady.incremental.change,
            ...runJson(f.steady.incremental.run, f.steady.incremental.resources),
          },
        }
      : null,
    baseline: f.baseline.map((b) => ({
      concurrency: b.concurrency,
      makespanMs: b.endMs - b.startMs,
      ratioToOurs: (b.endMs - b.startMs) / (r.endMs - r.startMs),
      copies: b.copies,
      failed: b.failed,
      failedBy: b.failedBy,
      throttled: b.requests.throttled,
      requests: b.requests,
      resources: b.resources,
    })),
    sequential: f.sequential
      ? {
          makespanMs: f.sequential.endMs - f.sequential.startMs,
          copies: f.sequential.copies,
          failed: f.sequential.failed,
          requests: f.sequential.requests,
          resources: f.sequential.resources,
        }
      : null,
  };
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);

/**
 * A size from a seeded replicated state: every target already holds a ready copy of every
 * source model and the ledger the record of every pair (bench/replication.ts `seedReplicated`);
 * then the two no-op runs, the incremental run, the baselines and the sequential script.
 */
async function runSeeded(
  stack: LocalStack,
  proxy: StorageCountingProxy,
  scenario: Scenario,
  args: Args,
): Promise<SeededFigures> {
  out(
    `first sync: not run — seeded instead (every target holds a ready copy of every model, the ledger a record of every pair, written directly)`,
  );
  const meter = new ResourceMeter(childPids);
  meter.start();
  await seedReplicated(stack, scenario);
  const seeding = { ...meter.stop(), records: scenario.models * scenario.regions };
  out(`  seeded ${seeding.records} records in ${fmtSeconds(seeding.wallMs)} real`);
  const steady = await runSteady(stack, proxy, scenario);
  const entry: SeededFigures = { size: label(scenario), scenario, seeding, steady, baseline: [] };
  for (const concurrency of args.baseline) {
    entry.baseline.push(await measureBaseline(scenario, stack.clock.now(), concurrency));
    printBaseline(entry.baseline[entry.baseline.length - 1]);
  }
  if (args.sequential) {
    entry.sequential = await measureSequential(scenario, stack.clock.now());
    printSequential(entry.sequential);
  }
  return entry;
}

function seededTable(all: SeededFigures[]): { header: string[]; rows: string[][] } {
  const col = (fn: (f: SeededFigures) => string): string[] => all.map(fn);
  const rows: string[][] = [
    ['records seeded (real time)', ...col((f) => `${f.seeding.records} (${fmtSeconds(f.seeding.wallMs)})`)],
    ...steadyRows(col, (f) => f.steady),
    ...all[0].baseline.map((_, k) => [
      `baseline C=${all[0].baseline[k].concurrency}: makespan / 429s / failed`,
      ...col((f) => {
        const b = f.baseline[k];
        return b ? `${fmtDuration(b.endMs - b.startMs)} / ${b.requests.throttled} / ${b.failed}` : '—';
      }),
    ]),
    [
      'sequential makespan',
      ...col((f) => (f.sequential ? fmtDuration(f.sequential.endMs - f.sequential.startMs) : '—')),
    ],
  ];
  return { header: ['figure', ...all.map((f) => f.size)], rows };
}

function seededJson(f: SeededFigures): Record<string, unknown> {
  return {
    size: f.size,
    models: f.scenario.models,
    regions: f.scenario.regions,
    firstSync: null,
    seeding: f.seeding,
    steady: {
      noop: f.steady.noop.map((s) => runJson(s.run, s.resources)),
      incremental: {
        change: f.steady.incremental.change,
        ...runJson(f.steady.incremental.run, f.steady.incremental.resources),
      },
    },
    baseline: f.baseline.map((b) => ({
      concurrency: b.concurrency,
      makespanMs: b.endMs - b.startMs,
      copies: b.copies,
      failed: b.failed,
      requests: b.requests,
      resources: b.resources,
    })),
    sequential: f.sequential
      ? {
          makespanMs: f.sequential.endMs - f.sequential.startMs,
          copies: f.sequential.copies,
          failed: f.sequential.failed,
        }
      : null,
  };
}
