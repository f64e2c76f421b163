/**
 * Issue 25 item 3: a crash must never make the next run delete good copies. `npm run local` runs
 * as a real child process on a standalone Azurite (`AzureWebJobsStorage`) against the Form
 * Recognizer emulator running here; it is killed with SIGKILL while its four copies are in
 * flight; the copies then land; the next run must record them as the replicas (recovered after
 * the crash): nothing deleted, nothing copied again.
 */
import { spawn } from 'node:child_process';
import { startFormRecognizerEmulator, type FormRecognizerEmulator } from '../../dev/emulators/formRecognizer';
import { defaultStackResources, settingsForEmulator } from '../../dev/stack';
import { createLedgerContainerClient } from '../../src/ledger';
import { RunLeaseRepository } from '../../src/ledger/runLease';
import { RunReportRepository } from '../../src/ledger/runReports';
import { useAzurite } from '../support/azurite';
import { localEnv, ROOT } from '../support/localProcess';

const TEST_TIMEOUT = 280_000;

interface Child {
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  kill9: () => void;
}

/** `npm run local` as a real process: node with the tsx loader (no wrapper process, so SIGKILL reaches it). */
function startLocal(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', 'dev/local.ts', ...args], {
    cwd: ROOT,
    env: localEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill9: () => child.kill('SIGKILL'),
  };
}

/** Waits (real time: the child is a real process) until `ok()` holds, or fails naming what was awaited. */
async function until(what: string, ok: () => boolean, child: Child, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (!ok()) {
    if (exited) throw new Error(`the child exited before ${what}:\n${child.stderr()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${child.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a run killed mid-copy (issue 25 item 3)', () => {
  const azurite = useAzurite();
  let emu: FormRecognizerEmulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });

  it(
    'v2.1: kill -9 with 4 copies in flight, the copies land, the next run records them as replicas recovered after the crash: 0 deleted, 0 copied again',
    async () => {
      // The emulator's time is wall time plus an offset the test moves: copies started by the first
      // run take an hour (still in flight when it is killed) and land when the offset jumps.
      let offsetMs = 0;
      let firstRun = true;
      const clock = { now: () => Date.now() + offsetMs, virtual: false };
      const [source, ...targets] = defaultStackResources('v2.1');
      const models = (source.models ?? [])
        .filter((m) => (m.status ?? 'ready') === 'ready' && !m.isComposed)
        .slice(0, 2);
      emu = await startFormRecognizerEmulator({
        clock,
        resources: [{ ...source, models }, ...targets],
        copyDurationMs: () => (firstRun ? 3_600_000 : 1_000),
      });
      const container = `crash-${Date.now().toString(36)}`;
      const env = {
        ...settingsForEmulator(emu),
        AzureWebJobsStorage: azurite.connectionString,
        DR_LEDGER_CONTAINER: container,
        DR_MAX_PARALLEL: '4',
      };
      const sourceName = emu.resources[0].name;
      const targetNames = emu.resources.slice(1).map((r) => r.name);

      const first = startLocal(['--port', '0'], env);
      try {
        await until('4 copies in flight', () => emu!.operations(sourceName).length === 4, first);
        const ledger = createLedgerContainerClient({ connectionString: azurite.connectionString }, container);
        const pendings = async (): Promise<number> => {
          let n = 0;
          for await (const b of ledger.listBlobsFlat({ prefix: 'pending-targets/', includeMetadata: true }))
            if (b.name.endsWith('.json')) n += 1;
          return n;
        };
        let recorded = 0;
        await until(
          '4 pending targets in the ledger',
          () => {
            void pendings().then((n) => (recorded = n));
            return recorded === 4;
          },
          first,
        );
      } finally {
        first.kill9();
      }
      expect(await first.exited).toBeNull();
      // Which copy went where (the emulator's copy operations: source model → target model).
      const regionOf = (targetModelId: string): string =>
        emu!.resources.find((r) => emu!.models(r.name).some((m) => m.modelId === targetModelId))!.region;
      const copies = emu.operations(sourceName).map((o) => ({
        sourceModelId: o.sourceModelId,
        targetModelId: o.targetModelId,
        region: regionOf(o.targetModelId),
      }));
      const crashedRun = /replication run (\S+) started/.exec(first.stdout())?.[1];
      expect(crashedRun).toBeDefined();

      // The local host keeps durable state in its process: the killed run is gone with it, but its
      // lease (a ledger blob) would keep naming it for the 5-minute start grace. In Azure the task hub
      // would report that instance; here the lease is freed as the crashed run's instance would be.
      const ledger = createLedgerContainerClient({ connectionString: azurite.connectionString }, container);
      await ledger.getBlobClient(RunLeaseRepository.KEY).delete();

      // The copies land while nothing runs.
      firstRun = false;
      offsetMs += 2 * 3_600_000;
      const landed = targetNames.flatMap((t) => emu!.models(t));
      expect(landed.map((m) => m.status)).toEqual(['ready', 'ready', 'ready', 'ready']);

      const logFrom = emu.requestLog.length;
      const second = startLocal(['--once', '--json', '--port', '0'], env);
      const status = await second.exited;
      expect({ status, stderr: status === 0 ? '' : second.stderr() }).toEqual({ status: 0, stderr: '' });
      const doc = JSON.parse(second.stdout().trim().split('\n').pop() ?? '{}') as {
        summary: {
          runId: string;
          totals: Record<string, number>;
          recovered?: Array<{ sourceModelId: string; region: string; targetModelId: string; startedByRun: string }>;
        };
        report: { totals: { replicated: number; missing: number } };
      };

      // Nothing deleted, nothing copied again: no delete on any target, no authorize, no copy.
      const calls = emu.requestLog.slice(logFrom).map((e) => e.call);
      expect(calls.filter((c) => c === 'deleteModel' || c === 'authorize' || c === 'copy')).toEqual([]);
      expect(targetNames.flatMap((t) => emu!.models(t).map((m) => m.modelId)).sort()).toEqual(
        landed.map((m) => m.modelId).sort(),
      );
      expect(doc.summary.totals).toMatchObject({ copied: 0, failed: 0, alreadyReplicated: 4 });
      expect(doc.report.totals).toMatchObject({ replicated: 4, missing: 0 });

      // The replicas say they were recovered after the crash: in the run summary and the run report.
      const expected = copies
        .map((o) => ({
          sourceModelId: o.sourceModelId,
          region: o.region,
          targetModelId: o.targetModelId,
          startedByRun: crashedRun,
        }))
        .sort((a, b) => a.targetModelId.localeCompare(b.targetModelId));
      const recovered = [...(doc.summary.recovered ?? [])].sort((a, b) =>
        a.targetModelId.localeCompare(b.targetModelId),
      );
      expect(recovered).toEqual(expected);
      const report = await new RunReportRepository(ledger).get(doc.summary.runId);
      expect(report?.recovered).toHaveLength(4);
      // The recovered pending targets are forgotten at the end of the recovering run.
      const left: string[] = [];
      for await (const b of ledger.listBlobsFlat({ prefix: 'pending-targets/' })) left.push(b.name);
      expect(left).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
