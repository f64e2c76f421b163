/**
 * `npm run local` — the whole app on this machine, no Azure account needed.
 *
 *  - storage: Azurite in memory on free ports, unless `AzureWebJobsStorage` is set;
 *  - models: the Form Recognizer emulator (a seeded westus2 source, empty eastus and
 *    westeurope targets), unless `DR_SOURCE_ENDPOINT` is set — then the configured
 *    resources, emulated or real — then no demo runs (no made-up drill samples, no Custom
 *    Vision training): drills only with the user's own `DR_DRILL_SAMPLES_URL`;
 *  - the app's functions in the local host on the real clock, HTTP on
 *    http://localhost:7071/api (`--port`), the replication schedule fired once, live
 *    progress, the readiness report; then it serves until Ctrl-C.
 *
 * Settings come from the environment, then `local.settings.json` (`Values`).
 *   --once   exit when the run ends: 0 every pair verified, 1 any failed or unverified (or the run
 *            ended Failed), 2 configuration error (also a Custom Vision container that the start-up
 *            probe cannot reach, named by its setting), 3 no run started: the run lease names a live run
 *            of another process on the same storage (the message names it)
 *   --json   print the run summary and the readiness report as one JSON document on the last line
 *            (in every outcome; a run that did not complete: `runtimeStatus` and `error`)
 *   --outage-demo   after the first run, play the recovery story on the emulators: the source goes
 *            down, unplanned failover, a model trained in the new primary protected, failback
 *            (dev/localOutage.ts, docs/failover.md)
 *   --refuse-neural REGION   (emulated, v3.1/v4) the REGION target refuses neural models with the
 *            documented 400 `DocumentModelLimitNeural`, as a full target does
 */
import fs from 'node:fs';
import path from 'node:path';
import { SUPPORTED_API_VERSIONS } from '../src/common/apiVersions';
import { escapeControls, escapeControlsInJson } from '../src/common/controlText';
import { ConfigurationError, loadSettings } from '../src/config';
import type { RunSummary, RunProgress, CopyOutcome } from '../src/replication/contracts';
import { probeCustomVisionContainers } from '../src/activities/customVisionNotifications';
import type { LastDrill } from '../src/drills/reportView';
import type { PairView, ReportBody } from '../src/readModel';
import { defaultStackResources, startLocalStack, type LocalStack } from './stack';
import { drillDemo } from './localDrills';
import { outageDemo } from './localOutage';
import type { LogEntry } from './host';
import { describeLeaseHolder } from '../src/ledger/runLease';

/** `--once` exit code: no run was started, the run lease names a live run of another process (README, docs/local-host.md). */
const EXIT_LEASE_HELD = 3;

interface Args {
  once: boolean;
  json: boolean;
  port: number;
  verbose: boolean;
  apiVersion?: string;
  refuseNeural?: string;
  outageDemo: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { once: false, json: false, port: 7071, verbose: false, outageDemo: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--once') args.once = true;
    else if (a === '--json') args.json = true;
    else if (a === '--verbose' || a === '-v') args.verbose = true;
    else if (a === '--port') args.port = Number(argv[++i]);
    else if (a === '--api-version') args.apiVersion = argv[++i] ?? '';
    else if (a === '--outage-demo') args.outageDemo = true;
    else if (a === '--refuse-neural') args.refuseNeural = (argv[++i] ?? '').toLowerCase();
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        `usage: npm run local -- [--once] [--json] [--port N] [--api-version ${SUPPORTED_API_VERSIONS.join('|')}] [--refuse-neural REGION] [--outage-demo] [--verbose]\n`,
      );
      process.exit(0);
    } else {
      err(`unknown argument '${a}' (try --help)`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
    process.stderr.write('--port must be a port number\n');
    process.exit(2);
  }
  return args;
}

/** Environment first, then local.settings.json `Values` for what the environment lacks. */
function localSettings(): Record<string, string> {
  const file = path.join(process.cwd(), 'local.settings.json');
  if (!fs.existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigurationError([
      { setting: 'local.settings.json', message: `not valid JSON (${(e as Error).message})` },
    ]);
  }
  const values = (parsed as { Values?: unknown }).Values;
  if (typeof values !== 'object' || values === null) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (typeof v === 'string' && process.env[k] === undefined) out[k] = v;
  return out;
}

/**
 * Every line this process prints goes through here (or {@link printJson}): service-controlled
 * text (messages, codes, names) never drives the terminal — control, escape and bidi
 * characters are shown escaped (`src/common/controlText.ts`).
 */
function printLine(stream: NodeJS.WriteStream, s: string): void {
  stream.write(`${escapeControls(s)}\n`);
}
/** One JSON document on one stdout line, its control characters as JSON escapes (the same value). */
function printJson(value: unknown): void {
  process.stdout.write(`${escapeControlsInJson(JSON.stringify(value))}\n`);
}
const err = (s: string): void => printLine(process.stderr, s);

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const out = args.json ? err : (s: string) => printLine(process.stdout, s);
  const fileValues = localSettings();
  const env: Record<string, string | undefined> = { ...fileValues };
  // --api-version (or DR_API_VERSION) picks the app's API version and, when emulated, the emulator's seed for it.
  const apiVersion = args.apiVersion ?? process.env.DR_API_VERSION ?? fileValues.DR_API_VERSION;
  if (apiVersion !== undefined) env.DR_API_VERSION = apiVersion;
  const stackVersion = SUPPORTED_API_VERSIONS.find((v) => v === apiVersion);
  // --refuse-neural REGION: that emulated target answers DocumentModelLimitNeural for neural models.
  const resources =
    args.refuseNeural === undefined
      ? undefined
      : defaultStackResources(stackVersion).map((r, i) =>
          i > 0 && r.region.toLowerCase() === args.refuseNeural
            ? { ...r, refuseCopies: [{ code: 'DocumentModelLimitNeural', models: 'neural' as const }] }
            : r,
        );
  if (args.refuseNeural !== undefined && (stackVersion === undefined || stackVersion === 'v2.1')) {
    err('--refuse-neural needs --api-version 2023-07-31 or 2024-11-30 (the v2.1 copy has no neural models)');
    return 2;
  }
  if (resources && !resources.slice(1).some((r) => r.region.toLowerCase() === args.refuseNeural)) {
    err(`--refuse-neural: '${args.refuseNeural}' is not an emulated target region`);
    return 2;
  }
  const configured = Boolean(process.env.DR_SOURCE_ENDPOINT ?? fileValues.DR_SOURCE_ENDPOINT);
  const cvConfigured = Boolean(
    process.env.CV_ENDPOINT ??
    fileValues.CV_ENDPOINT ??
    process.env.CV_BACKUP_CONTAINER_URL ??
    fileValues.CV_BACKUP_CONTAINER_URL,
  );
  const storage = process.env.AzureWebJobsStorage ?? fileValues.AzureWebJobsStorage;
  // DR_LOCAL_FUNCTION_KEY: make the local host require this function key (as Azure does); the dashboard URL carries it.
  const localKey = process.env.DR_LOCAL_FUNCTION_KEY ?? fileValues.DR_LOCAL_FUNCTION_KEY;
  if (localKey) process.env.DR_LOCAL_FUNCTION_KEY = localKey;
  const useAzurite = !storage || storage === 'UseDevelopmentStorage=true';
  // The demos need the emulated models and the in-memory Azurite; drills with the user's own
  // samples (DR_DRILL_SAMPLES_URL) run against whatever is configured, and nothing is seeded then.
  const demos = useAzurite && !configured;
  const drillDemoSeeded = demos && !(process.env.DR_DRILL_SAMPLES_URL ?? fileValues.DR_DRILL_SAMPLES_URL);

  const logs: LogEntry[] = [];
  const logger = (e: LogEntry): void => {
    logs.push(e);
    if (args.verbose || e.level === 'error' || e.level === 'critical') err(`[${e.level}] ${e.category}: ${e.message}`);
  };

  out(
    `ai-model-dr local run — storage: ${useAzurite ? 'Azurite (in memory)' : 'AzureWebJobsStorage'}, models: ${configured ? 'configured resources' : 'Form Recognizer emulator'}`,
  );
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      useConfiguredResources: configured,
      ...(stackVersion ? { apiVersion: stackVersion } : {}),
      ...(resources ? { resources } : {}),
      // Demos (the Custom Vision training, the made-up drill samples) run only against the
      // emulators: with configured resources nothing is sent that the user did not configure.
      customVision: demos && !cvConfigured,
      customVisionDr: demos && !cvConfigured,
      drills: drillDemoSeeded,
      // Other processes may share this storage: they must see this process's run as live, then free.
      keepRunLease: true,
      ...(useAzurite ? {} : { storageConnectionString: storage }),
      env: { ...env, ...(useAzurite ? { AzureWebJobsStorage: undefined } : {}) },
      // Loopback only: without keys every route is open, so nothing beyond this machine may reach it.
      host: {
        httpPort: args.port,
        hostname: '127.0.0.1',
        timerSchedules: false,
        ...(localKey ? { functionKey: localKey } : {}),
      },
      logger,
    });
  } catch (e) {
    const config = findConfigurationError(e);
    if (config) {
      err(`configuration error: ${config.message}`);
      return 2;
    }
    throw e;
  }
  loadSettings(process.env); // the host applied the env; fails loudly if anything changed under us
  // DR_LOCAL_CV_DR_FAIL_IMPORTS=true: every import into the emulated DR resource ends Failed (images missing),
  // to see the DR project table and the exit code of a failed copy.
  if ((process.env.DR_LOCAL_CV_DR_FAIL_IMPORTS ?? fileValues.DR_LOCAL_CV_DR_FAIL_IMPORTS) === 'true')
    for (const e of Object.values(stack.customVisionDr ?? {})) e.faults.failImports = true;

  // The Custom Vision containers, probed once (read-only): a container the app cannot reach names its setting.
  const probes = await probeCustomVisionContainers(stack.app.current().customVision, {
    log: (m: string) => (args.verbose ? out(m) : undefined),
    warn: err,
    error: err,
  });
  const unreachable = probes.filter((p) => !p.ok);
  if (unreachable.length > 0) {
    err(`configuration error: ${unreachable.map((p) => `${p.setting}: ${p.message}`).join('; ')}`);
    if (args.once) {
      await stack.close();
      return 2;
    }
  }

  const stop = async (code: number): Promise<number> => {
    await stack.close();
    return code;
  };
  process.once('SIGINT', () => void stop(130).then((c) => process.exit(c)));
  process.once('SIGTERM', () => void stop(143).then((c) => process.exit(c)));

  if (stack.emulator) {
    for (const r of stack.emulator.resources)
      out(`  emulated ${r.region.padEnd(11)} ${r.endpoint}  ${r.name}${r.encrypted ? ' (encrypted)' : ''}`);
  }
  out(
    `  HTTP API      ${stack.host.baseUrl}/api  (POST /replications, GET /replications/{id}, /models/{id}/replicas, /report)`,
  );
  out(`  dashboard     ${dashboardUrl(stack.host.baseUrl, localKey)}`);
  out(`  primary       ${await activePrimary(stack)} (the ledger's state/primary.json; POST /failovers to change it)`);
  out(
    localKey
      ? `  function key required on every route (DR_LOCAL_FUNCTION_KEY); listening on ${stack.host.baseUrl} (loopback) only`
      : `  no function keys: every route is open, like func start; listening on ${stack.host.baseUrl} (loopback) only`,
  );

  // Fire the schedule once and follow the run it starts. The schedule skips its start when the
  // run lease names a live run of another process on the same storage: then there is no run to
  // follow (this process's durable store holds only its own runs), never a wait.
  await stack.host.timers.fire('replicationSchedule');
  const runId = stack.host.durable.list().find((s) => s.name === 'replicateModels' && !s.parentInstanceId)?.instanceId;
  if (runId === undefined) {
    const holder = await (await stack.app.current().replication.ledger()).runLease.get();
    const message = `no replication run started: the run lease (locks/replication-run.json) is held by ${holder ? describeLeaseHolder(holder) : 'another run'}, live in another process on this storage; try again when it ends`;
    err(message);
    if (args.once) {
      if (args.json)
        process.stdout.write(
          `${JSON.stringify({ runId: null, runtimeStatus: 'NotStarted', error: message, leaseHolder: holder ?? null })}\n`,
        );
      return stop(EXIT_LEASE_HELD);
    }
    out(
      `\nserving ${stack.host.baseUrl}/api — dashboard ${dashboardUrl(stack.host.baseUrl, localKey)} — Ctrl-C to stop`,
    );
    return new Promise<number>(() => undefined);
  }
  out(`replication run ${runId} started`);

  let done = 0;
  let failed = 0;
  const onCopy = (e: { type: string; name?: string; output?: unknown }): void => {
    if (e.type !== 'instanceCompleted' || e.name !== 'copyModelToRegion') return;
    const o = e.output as CopyOutcome;
    done += 1;
    if (o.outcome === 'failed') {
      failed += 1;
      clearLine();
      out(
        `  FAILED ${o.sourceModelId} → ${o.region}: ${o.reason?.kind}${o.reason?.code ? ` ${o.reason.code}` : ''}: ${o.reason?.message}`,
      );
    }
  };
  stack.host.events.on('instanceCompleted', onCopy);
  const showProgress = process.stderr.isTTY && !args.verbose;
  const ticker = setInterval(() => {
    const progress = stack.host.durable.getStatus(runId)?.customStatus as RunProgress | undefined;
    if (showProgress && progress)
      process.stderr.write(
        `\r${escapeControls(bar(done, progress.total, failed, progress.phase), { singleLine: true })}`,
      );
  }, 200);
  const final = await stack.host.durable.waitForInstance(runId);
  clearInterval(ticker);
  stack.host.events.off('instanceCompleted', onCopy);
  clearLine();

  if (final.runtimeStatus !== 'Completed') {
    const error = String(final.output ?? '').split('\n')[0];
    err(`replication run ${runId} ended ${final.runtimeStatus}: ${error}`);
    if (args.once) {
      // The JSON document is on the last stdout line in every outcome (README).
      if (args.json) {
        const report = await readReport(stack);
        printJson({ runId, runtimeStatus: final.runtimeStatus, error, report });
      }
      return stop(1);
    }
  }
  const summary = final.runtimeStatus === 'Completed' ? (final.output as RunSummary | undefined) : undefined;
  const cv = stack.customVision ? await customVisionDemo(stack, out) : undefined;
  if (summary) {
    const t = summary.totals;
    out(
      `run ${summary.runId}: ${t.readyModels} ready model(s) × ${summary.regions.length} region(s): ${t.copied} copied, ${t.alreadyReplicated} already replicated, ${t.failed} failed${t.unverified ? `, ${t.unverified} UNVERIFIED` : ''}` +
        `${summary.invalidModels.length ? `; ${summary.invalidModels.length} invalid model(s) not copyable` : ''}${summary.creatingModels.length ? `; ${summary.creatingModels.length} still creating` : ''}`,
    );
  }
  const drills = await drillDemo(
    stack,
    [...new Set(summary?.copies.map((c) => c.sourceModelId) ?? [])],
    out,
    keyHeaders(),
    drillDemoSeeded ? 2 : 0,
  );
  // Read after the drills, so that the table and the JSON show each pair's last drill.
  const report = await readReport(stack);
  out('');
  if (report) out(`active primary: ${await activePrimary(stack)}\n${renderReport(report)}`);
  const outage = args.outageDemo ? await outageDemo(stack, out, keyHeaders(), renderReport) : undefined;
  if (cv) out(`\n${renderBackups(cv)}`);
  if (cv?.dr) out(`\n${renderCvDrTable(cv.dr)}`);
  if (args.json) printJson({ summary, report, ...(cv ? { customVision: cv } : {}), ...(drills ? { drills } : {}) });

  // A pair this run could not verify (its region unreachable) is not a success: a DR check goes red.
  const ok =
    final.runtimeStatus === 'Completed' &&
    (summary?.totals.failed ?? 1) === 0 &&
    (summary?.totals.unverified ?? 0) === 0 &&
    (!cv || cv.ok) &&
    outage !== false;
  if (args.once) return stop(ok ? 0 : 1);
  out(`\nserving ${stack.host.baseUrl}/api — dashboard ${dashboardUrl(stack.host.baseUrl, localKey)} — Ctrl-C to stop`);
  return new Promise<number>(() => undefined);
}

async function readReport(stack: LocalStack): Promise<ReportBody | undefined> {
  try {
    const res = await fetch(`${stack.host.baseUrl}/api/report`, { headers: keyHeaders() });
    return res.ok ? ((await res.json()) as ReportBody) : undefined;
  } catch {
    return undefined;
  }
}

interface CvDrRow {
  projectId: string;
  region: string;
  state: string;
  detail?: string;
  drProjectId?: string;
  publishName?: string;
  counts?: {
    expected: { images: number; tags: number; iterations: number };
    actual: { images: number; tags: number; iterations: number };
  };
  lastVerifiedAt?: string;
  error?: { code: string; message: string };
}

interface CvDrTable {
  summary: { projects: number; ready: number; failed: number; unverified: number; copying: number; stale: number };
  projects: CvDrRow[];
}

interface CustomVisionDemo {
  ok: boolean;
  /** The project DR copies (`GET /api/customvision/projects`), when project DR is configured. */
  dr?: CvDrTable;
  projectId: string;
  iterationId: string;
  platforms: string[];
  backups: Array<{
    platform: string;
    blobName: string;
    location: string;
    sizeBytes: number;
    md5?: string;
    sha256?: string;
    replica?: { location: string; verified: boolean };
  }>;
}

/**
 * Custom Vision, emulated: a project connected to the notification queue and the backup
 * container is trained; the app requests the exports, the exported models land in the
 * container, their notifications arrive on the queue, and the app records verified
 * backups with a second copy. Returns what `GET /api/customvision/backups` says.
 */
async function customVisionDemo(stack: LocalStack, out: (s: string) => void): Promise<CustomVisionDemo> {
  const cv = stack.customVision!;
  const project = await cv.createProject({ name: 'parts-inspection' });
  await cv.connect(project.id);
  const iteration = await cv.trainIteration(project.id);
  // Published as the portal would: the DR copy publishes the matching iteration under the same name.
  cv.publish(project.id, iteration.id, 'parts-inspection');
  const platforms = (process.env.CV_EXPORT_PLATFORMS ?? '').split(',').filter(Boolean);
  out(`custom vision: project ${project.id} trained iteration ${iteration.id}; backing up ${platforms.join(', ')}…`);
  const url = `${stack.host.baseUrl}/api/customvision/backups?projectId=${project.id}&iterationId=${iteration.id}`;
  let backups: CustomVisionDemo['backups'] = [];
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    await cv.tick();
    const res = await fetch(url, { headers: keyHeaders() });
    if (res.ok) backups = ((await res.json()) as { backups: CustomVisionDemo['backups'] }).backups;
    if (backups.length >= platforms.length && backups.every((b) => b.replica?.verified)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const backupsOk = backups.length >= platforms.length && backups.every((b) => b.replica?.verified);
  if (!backupsOk) out(`custom vision: only ${backups.length} of ${platforms.length} backups recorded within 60 s`);
  // Project DR: wait until every DR copy of the project has settled (ready or failed).
  let dr: CvDrTable | undefined;
  if (stack.customVisionDr) {
    out('custom vision: copying the project to the DR region(s) (export, import, verify, publish)…');
    const drDeadline = Date.now() + 90_000;
    while (Date.now() < drDeadline) {
      await cv.tick();
      const res = await fetch(`${stack.host.baseUrl}/api/customvision/projects`, { headers: keyHeaders() });
      if (res.ok) dr = (await res.json()) as CvDrTable;
      const mine = dr?.projects.filter((r) => r.projectId === project.id) ?? [];
      if (mine.length > 0 && mine.every((r) => r.state === 'ready' || r.state === 'failed')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const drOk = !dr || dr.projects.every((r) => r.state === 'ready');
  return {
    ok: backupsOk && drOk,
    projectId: project.id,
    iterationId: iteration.id,
    platforms,
    backups,
    ...(dr ? { dr } : {}),
  };
}

/** The Custom Vision DR project table: per project and DR region, the state and what to call. */
export function renderCvDrTable(t: CvDrTable): string {
  const s = t.summary;
  const lines = [
    `Custom Vision DR projects — ${s.projects} pair(s): ${s.ready} ready, ${s.failed} failed, ${s.unverified} unverified, ${s.copying} copying`,
  ];
  for (const r of t.projects) {
    const counts = r.counts
      ? `${r.counts.actual.images}/${r.counts.expected.images} images, ${r.counts.actual.tags}/${r.counts.expected.tags} tags, ${r.counts.actual.iterations}/${r.counts.expected.iterations} iterations`
      : '';
    lines.push(
      `  ${r.projectId.slice(0, 8)} → ${r.region.padEnd(11)} ${r.state.toUpperCase().padEnd(10)} ${r.drProjectId ? `DR project ${r.drProjectId}` : ''}${r.publishName ? ` published "${r.publishName}"` : ''}`,
    );
    if (counts) lines.push(`  ${''.padEnd(23)} ${counts}${r.lastVerifiedAt ? `, verified ${r.lastVerifiedAt}` : ''}`);
    if (r.detail && r.state !== 'ready') lines.push(`  ${''.padEnd(23)} ${r.detail}`);
  }
  return lines.join('\n');
}

function renderBackups(cv: CustomVisionDemo): string {
  const lines = [`Custom Vision backups — project ${cv.projectId}, iteration ${cv.iterationId}`];
  for (const b of cv.backups) {
    const checksum = b.md5 ? `md5 ${b.md5}` : b.sha256 ? `sha256 ${b.sha256.slice(0, 16)}…` : 'no checksum';
    lines.push(
      `  ${b.platform.padEnd(11)} ${String(b.sizeBytes).padStart(8)} bytes  ${checksum}  ${b.replica?.verified ? 'second copy verified' : 'no second copy'}`,
    );
    lines.push(`  ${''.padEnd(11)} ${b.location}`);
  }
  return lines.join('\n');
}

/** The function key header for our own calls when `DR_LOCAL_FUNCTION_KEY` makes the local host require one. */
/** The active primary as the app reads it (the ledger), for the banner and the table. */
async function activePrimary(stack: LocalStack): Promise<string> {
  const settings = stack.app.current().settings;
  const ledger = await stack.app.current().replication.ledger();
  return (await ledger.primary.read(settings.source.region)).state.primary;
}

function keyHeaders(): Record<string, string> {
  const key = process.env.DR_LOCAL_FUNCTION_KEY;
  return key ? { 'x-functions-key': key } : {};
}

/** The dashboard's URL; with a function key, `?code=<key>` (the page moves it out of the address bar on load). */
export function dashboardUrl(baseUrl: string, functionKey?: string): string {
  return `${baseUrl}/api/dashboard${functionKey ? `?code=${encodeURIComponent(functionKey)}` : ''}`;
}

function bar(done: number, total: number, failed: number, phase: string): string {
  if (total === 0) return `${phase}…`.padEnd(60);
  const width = 30;
  const filled = Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} copies${failed ? `, ${failed} failed` : ''}  `;
}

function clearLine(): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${' '.repeat(70)}\r`);
}

/**
 * The readiness matrix as a text table, rendered from `GET /api/report` (the read model,
 * src/readModel: the verdicts are its own, the table only prints them): model × region, with
 * the age of the last verified copy, the pair's last drill (`lastDrill`) and its health when it
 * is not healthy, a health row per region (with the oldest copy's age) and the app's health.
 */
export function renderReport(report: ReportBody): string {
  const regions = report.regions;
  const health = report.health;
  // Drill ages are counted from the report's own time (the table is a snapshot of it).
  const generated = Date.parse(report.generatedAt);
  const now = Number.isFinite(generated) ? generated : undefined;
  const rows = report.rows.map((r) => [
    r.sourceModelName ? `${r.sourceModelName} (${r.sourceModelId.slice(0, 8)})` : r.sourceModelId,
    ...regions.map((region) => cellText(r.cells[region], now)),
  ]);
  if (health)
    rows.push([
      'health',
      ...regions.map((region) => {
        const h = health.regions.find((x) => x.region === region);
        return h
          ? `${h.health.toUpperCase()}${h.maxAgeSeconds !== undefined ? ` (oldest ${age(h.maxAgeSeconds)})` : ''}`
          : '-';
      }),
    ]);
  const header = ['model', ...regions];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const lines = [
    `DR readiness (${report.generatedAt})`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.slice(0, report.rows.length).map(line),
    ...(health ? [line(widths.map((w) => '-'.repeat(w))), line(rows[rows.length - 1])] : []),
  ];
  for (const m of report.notCopyable)
    lines.push(`  not copyable: ${m.modelName ?? m.modelId} (${m.status}${m.reason ? `: ${m.reason}` : ''})`);
  const t = report.totals;
  lines.push(
    `${t.readyModels}/${t.models} model(s) ready in every region; pairs: ${t.replicated} replicated, ${t.missing} missing, ${t.failed} failed, ${t.inProgress} in progress${t.unverified ? `, ${t.unverified} UNVERIFIED` : ''}`,
  );
  if (health) {
    lines.push(
      `health: ${health.health.toUpperCase()} (RPO ${health.rpoHours} h${health.oldestAgeSeconds !== undefined ? `; oldest verified copy ${age(health.oldestAgeSeconds)}` : ''})`,
    );
    for (const r of health.reasons) lines.push(`  ${r}`);
  }
  return lines.join('\n');
}

/** The copy's state, then the pair's last drill when there is one (`· drill passed 1m ago`), then its health when not healthy (`[unhealthy]`). */
export function cellText(c: PairView | undefined, nowMs?: number): string {
  if (!c) return '-';
  return `${copyText(c)}${c.origin ? ' (origin)' : ''}${c.lastDrill ? ` · ${drillText(c.lastDrill, nowMs)}` : ''}${c.health !== 'healthy' ? ` [${c.health}]` : ''}`;
}

function drillText(d: LastDrill, nowMs: number | undefined): string {
  const at = Date.parse(d.at);
  const when =
    nowMs !== undefined && Number.isFinite(at) ? ` ${age(Math.max(0, Math.round((nowMs - at) / 1000)))}` : '';
  if (d.outcome === 'passed') return `drill passed${when}`;
  if (d.outcome === 'mismatch') {
    const fields = [...new Set((d.differences ?? []).map((x) => x.field ?? 'docType'))];
    return `drill MISMATCH${fields.length ? ` (fields: ${fields.join(', ')})` : ''}${when}`;
  }
  return `drill failed${d.reason?.code ? ` ${d.reason.code}` : ''}${when}`;
}

function copyText(c: PairView): string {
  if (c.status === 'replicated') return `ok ${age(c.ageSeconds)}${c.lastError ? ' (last retry failed)' : ''}`;
  if (c.status === 'failed') return `FAILED${c.lastError?.code ? ` ${c.lastError.code}` : ''}`;
  if (c.status === 'inProgress') return 'in progress';
  if (c.status === 'unverified')
    return `UNVERIFIED${c.ageSeconds !== undefined ? ` (verified ${age(c.ageSeconds)})` : ''}`;
  return c.stale ? 'MISSING (stale)' : 'MISSING';
}

function age(seconds?: number): string {
  if (seconds === undefined) return '';
  if (seconds < 120) return `${seconds}s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86400)}d ago`;
}

function findConfigurationError(e: unknown): Error | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    if (cur instanceof ConfigurationError) return cur;
    // The local host's own settings (e.g. an AzureWebJobsStorage its queue triggers cannot use).
    if (cur instanceof Error && /ConfigurationError|SettingError/.test(cur.name)) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      const config = findConfigurationError(e);
      if (config) {
        err(`configuration error: ${config.message}`);
        process.exit(2);
      }
      err(`local run failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exit(1);
    },
  );
}
