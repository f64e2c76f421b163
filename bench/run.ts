/**
 * `npm run bench` — a full DR sync at scale against the service's rate limits, side by
 * side with the sequential approach.
 *
 * For each size (models × regions): the app's real replication orchestration on the
 * local host (Azurite + Form Recognizer emulator with S0 rate limits, copy durations
 * drawn per pair from a seeded 5–25 s distribution, one virtual clock shared by host and
 * emulator), then the sequential approach (one copy at a time, poll every 5 s) against
 * an identical emulator. Then a Custom Vision burst through the queue function.
 *
 *   --sizes 100x2,1000x3   sizes to run (default 100x2: the whole bench in under a minute)
 *   --parallel N           DR_MAX_PARALLEL for the run (default 256)
 *   --rps X                DR_MANAGEMENT_RPS for the run (default 5, the S0 limit)
 *   --activities N         activities the host runs at once (default 64)
 *   --seed N               seed of the model ids and copy durations
 *   --cv N                 Custom Vision notifications in the burst (default 1000; 0 = skip)
 *   --no-sequential        skip the sequential baseline
 *   --markdown             also print the summary as a Markdown table
 *   --json                 print every figure as one JSON document on the last line
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { VirtualClock } from '../dev/clock';
import type { CvBurstFigures } from './customVision';
import { startLocalStack, type LocalStack } from '../dev/stack';
import { pollFigures, runOrchestrated, requestFigures, type OrchestratedResult } from './replication';
import { DEFAULT_SCENARIO, label, type Scenario } from './scenario';
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
  sequential: boolean;
  markdown: boolean;
  json: boolean;
}

function usage(message?: string): never {
  if (message) process.stderr.write(`${message}\n`);
  process.stderr.write(
    'usage: npm run bench -- [--sizes 100x2,1000x3] [--parallel N] [--rps X] [--activities N] [--seed N] [--cv N] [--no-sequential] [--markdown] [--json]\n',
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
    sequential: true,
    markdown: false,
    json: false,
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
    else if (a === '--no-sequential') args.sequential = false;
    else if (a === '--markdown') args.markdown = true;
    else if (a === '--json') args.json = true;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument '${a}'`);
  }
  for (const s of sizes.split(',')) {
    const m = /^(\d+)x(\d+)$/.exec(s.trim());
    if (!m) usage(`--sizes: '${s}' is not MODELSxREGIONS (e.g. 1000x3)`);
    args.sizes.push({ models: Number(m[1]), regions: Number(m[2]) });
  }
  return args;
}

interface SizeFigures {
  size: string;
  scenario: Scenario;
  run: OrchestratedResult;
  resources: ResourceFigures;
  sequential?: SequentialResult & { resources: ResourceFigures };
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
  const stack: LocalStack = await startLocalStack({
    clock,
    env,
    logger: () => undefined,
    host: { timerSchedules: false, queueListeners: false, crossCheck: false, maxConcurrentActivities: args.activities },
  });
  const figures: SizeFigures[] = [];
  try {
    for (const size of args.sizes) {
      const scenario: Scenario = { ...DEFAULT_SCENARIO, seed: args.seed, ...size };
      const name = label(scenario);
      out(`\n== ${name}: ${scenario.models * scenario.regions} copies`);
      const meter = new ResourceMeter(childPids);
      meter.start();
      const run = await runOrchestrated(stack, scenario);
      const resources = meter.stop();
      const entry: SizeFigures = { size: name, scenario, run, resources };
      printRun(entry);
      if (args.sequential) {
        const seqMeter = new ResourceMeter();
        seqMeter.start();
        const seq = await runSequential(scenario, run.startMs);
        const seqResources = seqMeter.stop();
        await seq.emulator.close();
        entry.sequential = { ...seq, resources: seqResources };
        printSequential(entry);
      }
      figures.push(entry);
    }
  } finally {
    await stack.close();
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
  const { header, rows } = summaryTable(figures);
  out(table(header, rows));
  if (args.markdown) out(`\n${markdownTable(header, rows)}`);
  if (args.json) out(JSON.stringify({ args, sizes: figures.map(jsonOf), customVision: cv }));
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

function printRun(f: SizeFigures): void {
  const r = f.run;
  const makespan = r.endMs - r.startMs;
  const lb = r.lowerBoundMs - r.startMs;
  const t = r.summary.totals;
  const req = r.requests;
  const kinds = Object.entries(req.byKind)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}${req.throttledByKind[k] ? ` (${req.throttledByKind[k]} × 429)` : ''}`)
    .join(', ');
  const polls = pollFigures(r.pollsPerCopy);
  out(
    `orchestrated: ${t.copied} copied, ${t.failed} failed; makespan ${fmtDuration(makespan)} (virtual), lower bound ${fmtDuration(lb)}, ratio ${fmtRatio(makespan / lb)}`,
  );
  out(`  requests ${req.total}: ${kinds}; 429s ${req.throttled} (${fmtPercent(req.throttled / req.total)})`);
  out(
    `  polls per copy mean ${polls.mean.toFixed(2)}, p95 ${polls.p95}; detection latency p50 ${fmtSeconds(percentile(r.detectionLatencyMs, 50))}, p95 ${fmtSeconds(percentile(r.detectionLatencyMs, 95))}, max ${fmtSeconds(Math.max(...r.detectionLatencyMs))}`,
  );
  const per = Object.entries(r.history.perCopyByOrchestrator)
    .map(([k, v]) => `${k} ${v.toFixed(0)}`)
    .join(', ');
  out(
    `  history: ${r.history.instances} instances, ${r.history.episodes} episodes, ${r.history.eventsReplayed} events replayed = ${r.history.eventsReplayedPerCopy.toFixed(0)} per copy (${per}); longest ${r.history.longestHistory.events} events (${r.history.longestHistory.instanceId})`,
  );
  out(
    `  real ${fmtSeconds(f.resources.wallMs)}, CPU ${fmtSeconds(f.resources.cpuMs)}${f.resources.childCpuMs !== undefined ? ` (+ Azurite ${fmtSeconds(f.resources.childCpuMs)})` : ''}, peak RSS ${f.resources.peakRssMb.toFixed(0)} MB, heap ${f.resources.peakHeapMb.toFixed(0)} MB`,
  );
}

function printSequential(f: SizeFigures): void {
  const s = f.sequential;
  if (!s) return;
  const makespan = s.endMs - s.startMs;
  const req = requestFigures(s.emulator.requestLog);
  out(
    `sequential:   ${s.copies} copied, ${s.failed} failed; makespan ${fmtDuration(makespan)} (virtual) = ${fmtRatio(makespan / (f.run.endMs - f.run.startMs), 1)} ours; ${req.total} requests, 429s ${req.throttled}; real ${fmtSeconds(s.resources.wallMs)}, CPU ${fmtSeconds(s.resources.cpuMs)}`,
  );
}

function summaryTable(figures: SizeFigures[]): { header: string[]; rows: string[][] } {
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
  ];
  return { header, rows };
}

function jsonOf(f: SizeFigures): Record<string, unknown> {
  const r = f.run;
  return {
    size: f.size,
    makespanMs: r.endMs - r.startMs,
    lowerBoundMs: r.lowerBoundMs - r.startMs,
    sequentialMakespanMs: f.sequential ? f.sequential.endMs - f.sequential.startMs : undefined,
    totals: r.summary.totals,
    requests: r.requests,
    polls: pollFigures(r.pollsPerCopy),
    detectionLatencyMs: {
      p50: percentile(r.detectionLatencyMs, 50),
      p95: percentile(r.detectionLatencyMs, 95),
      max: Math.max(...r.detectionLatencyMs),
    },
    history: r.history,
    resources: f.resources,
    sequentialResources: f.sequential?.resources,
  };
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
