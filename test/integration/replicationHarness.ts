/**
 * Shared helpers of the replication integration tests (local host + Azurite + emulator on a
 * virtual clock): run a replication to the end, open the ledger the app writes, and check the
 * invariants every run must leave behind whatever went wrong on the way.
 */
import type { FormRecognizerEmulator } from '../../dev/emulators/formRecognizer';
import type { LogEntry } from '../../dev/host';
import type { LocalStack } from '../../dev/stack';
import { createLedgerContainerClient, openLedger, type Ledger } from '../../src/ledger/connect';
import type { RunInput, RunSummary } from '../../src/replication/contracts';

export const SOURCE = 'fr-source-westus2';
export const TARGETS = { eastus: 'fr-dr-eastus', westeurope: 'fr-dr-westeurope' } as const;
export type Region = keyof typeof TARGETS;
export const REGIONS = Object.keys(TARGETS) as Region[];

/** A logger that keeps every entry (secrets tests read them; failures print the tail). */
export function collectingLogger(): { logger: (e: LogEntry) => void; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return { logger: (e) => entries.push(e), entries };
}

export async function startRun(stack: LocalStack, input: Partial<RunInput> = {}): Promise<string> {
  return stack.host.durable.startNew('replicateModels', { input: { trigger: 'local', ...input } });
}

/** Starts a run and drives the virtual clock until it ends; a failed run throws with its output. */
export async function run(stack: LocalStack, input: Partial<RunInput> = {}): Promise<RunSummary> {
  const id = await startRun(stack, input);
  const status = await stack.host.durable.waitForInstance(id);
  if (status.runtimeStatus !== 'Completed') throw new Error(`run ${id} ended ${status.runtimeStatus}: ${JSON.stringify(status.output)}`);
  return status.output as RunSummary;
}

export async function ledgerOf(stack: LocalStack): Promise<Ledger> {
  const storage = stack.env.AzureWebJobsStorage;
  const container = stack.env.DR_LEDGER_CONTAINER ?? 'model-dr';
  if (!storage) throw new Error('stack has no AzureWebJobsStorage');
  return openLedger(createLedgerContainerClient({ connectionString: storage }, container));
}

/** Every blob of the ledger container, as text. */
export async function ledgerBlobs(stack: LocalStack): Promise<Map<string, string>> {
  const ledger = await ledgerOf(stack);
  const out = new Map<string, string>();
  for await (const b of ledger.container.listBlobsFlat()) {
    const buffer = await ledger.container.getBlobClient(b.name).downloadToBuffer();
    out.set(b.name, buffer.toString('utf8'));
  }
  return out;
}

export function readySourceIds(emulator: FormRecognizerEmulator): string[] {
  return emulator
    .models(SOURCE)
    .filter((m) => m.status === 'ready')
    .map((m) => m.modelId)
    .sort();
}

export function pairKey(p: { sourceModelId: string; region: string }): string {
  return `${p.region}/${p.sourceModelId}`;
}

/**
 * What every run must leave behind, whatever faults it met:
 * - every planned pair is settled exactly once: copied or failed with a reason;
 * - each target holds exactly the verified copies (no blank model, no second copy of a source model);
 * - the ledger maps each copied pair to the model that is actually there, and holds no pending blank model.
 */
export async function expectSettled(stack: LocalStack, summary: RunSummary): Promise<void> {
  const emulator = stack.emulator as FormRecognizerEmulator;
  const settled = [...summary.copies.map(pairKey), ...summary.failures.map(pairKey)];
  expect(new Set(settled).size).toBe(settled.length);
  expect(settled).toHaveLength(summary.totals.planned);
  for (const f of summary.failures) {
    expect(f.reason.message).toEqual(expect.any(String));
    expect(f.reason.message.length).toBeGreaterThan(0);
  }

  const ledger = await ledgerOf(stack);
  expect(await ledger.pendingTargets.listAll()).toEqual([]);
  const records = await ledger.replicas.listAll();
  for (const region of summary.regions as Region[]) {
    const models = emulator.models(TARGETS[region]);
    expect(models.filter((m) => m.blank || m.status !== 'ready')).toEqual([]);
    const sources = models.map((m) => m.copiedFrom?.modelId);
    expect(new Set(sources).size).toBe(sources.length); // one copy per source model
    const replicated = records.filter((r) => r.region === region && r.state === 'replicated');
    expect(replicated.map((r) => r.targetModelId).sort()).toEqual(models.map((m) => m.modelId).sort());
    for (const r of replicated) {
      expect(models.find((m) => m.modelId === r.targetModelId)?.copiedFrom?.modelId).toBe(r.sourceModelId);
    }
  }
}

export function failureOf(summary: RunSummary, sourceModelId: string, region: string): RunSummary['failures'][number] | undefined {
  return summary.failures.find((f) => f.sourceModelId === sourceModelId && f.region === region);
}
