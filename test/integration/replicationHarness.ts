/**
 * Shared helpers of the replication integration tests (local host + Azurite + emulator on a
 * virtual clock): run a replication to the end, open the ledger the app writes, and check the
 * invariants every run must leave behind whatever went wrong on the way.
 */
import {
  defaultResourceSpecs,
  demoClassifiers,
  demoDocumentModels,
  type FaultRequestInfo,
  type FormRecognizerEmulator,
  type ResourceSpec,
} from '../../dev/emulators/formRecognizer';
import type { LogEntry } from '../../dev/host';
import type { LocalStack } from '../../dev/stack';
import { createLedgerContainerClient, openLedger, type Ledger } from '../../src/ledger/connect';
import type { RunInput, RunSummary } from '../../src/replication/contracts';

export const SOURCE = 'fr-source-westus2';
export const TARGETS = { eastus: 'fr-dr-eastus', westeurope: 'fr-dr-westeurope' } as const;
export type Region = keyof typeof TARGETS;
export const REGIONS = Object.keys(TARGETS) as Region[];

/**
 * The API versions every replication integration test runs against (`describe.each`): the
 * same orchestrations, the same assertions, a stack per version (`versionStack`).
 */
export const API_VERSIONS = ['v2.1', '2023-07-31', '2024-11-30'] as const;
export type TestApiVersion = (typeof API_VERSIONS)[number];
export const isV2 = (version: TestApiVersion): version is 'v2.1' => version === 'v2.1';

/**
 * The emulated resources for a version, under the same names: v2.1 the default v2 seed
 * (five ready models, one composed, one invalid); 2023-07-31 and 2024-11-30 four plain
 * document models (plus the five `prebuilt-*` ones every resource lists), and for 2024-11-30
 * also a classifier and a composed model that references it and two of the models by id.
 */
export function resourcesFor(version: TestApiVersion): ResourceSpec[] {
  if (isV2(version)) return defaultResourceSpecs();
  const models = [
    ...demoDocumentModels(version),
    {
      modelId: 'purchase-orders',
      description: 'purchase orders',
      createdDateTime: '2025-12-01T08:30:00Z',
      apiVersion: version,
    },
    {
      modelId: 'delivery-notes',
      description: 'delivery notes',
      createdDateTime: '2025-12-05T16:45:10Z',
      apiVersion: version,
    },
  ];
  return [
    {
      name: SOURCE,
      region: 'westus2',
      apiVersions: [version],
      documentModels: models,
      classifiers: version === '2024-11-30' ? demoClassifiers() : [],
    },
    { name: TARGETS.eastus, region: 'eastus', apiVersions: [version] },
    { name: TARGETS.westeurope, region: 'westeurope', apiVersions: [version] },
  ];
}

/** What `stack.reset` needs for a version (`DR_API_VERSION` and its resources), merged with a test's own options. */
export function versionReset(
  version: TestApiVersion,
  next: NonNullable<Parameters<LocalStack['reset']>[0]> = {},
): NonNullable<Parameters<LocalStack['reset']>[0]> {
  return { ...next, resources: next.resources ?? resourcesFor(version), env: { DR_API_VERSION: version, ...next.env } };
}

/** An emulated model, document model or classifier, in one shape for every version. */
export interface ItemView {
  /** The replication item id: a model id, or `classifier:<id>`. */
  modelId: string;
  ready: boolean;
  blank: boolean;
  composed: boolean;
  /** Source item id it was copied from. */
  copiedFrom?: string;
  tags?: Record<string, string>;
}

/** Every copyable item of a resource: v2 models, v3.1/v4 document models (not `prebuilt-*`) and classifiers. */
export function itemsOf(emulator: FormRecognizerEmulator, resource: string): ItemView[] {
  const items: ItemView[] = [
    ...emulator.models(resource).map((m) => ({
      modelId: m.modelId,
      ready: m.status === 'ready',
      blank: m.blank,
      composed: m.isComposed,
      ...(m.copiedFrom ? { copiedFrom: m.copiedFrom.modelId } : {}),
    })),
    ...emulator
      .documentModels(resource)
      .filter((m) => !m.prebuilt)
      .map((m) => ({
        modelId: m.modelId,
        ready: true,
        blank: false,
        composed: m.classifierId !== undefined || m.componentModelIds.length > 0,
        ...(m.copiedFrom ? { copiedFrom: m.copiedFrom.modelId } : {}),
        ...(m.tags ? { tags: m.tags } : {}),
      })),
    ...emulator.classifiers(resource).map((c) => ({
      modelId: `classifier:${c.classifierId}`,
      ready: true,
      blank: false,
      composed: false,
      ...(c.copiedFrom ? { copiedFrom: `classifier:${c.copiedFrom.classifierId}` } : {}),
    })),
  ];
  return items.sort((a, b) => (a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : 0));
}

/** The first plain model of the source (not composed, not a classifier): what single-model tests copy. */
export function plainSourceModel(emulator: FormRecognizerEmulator): string {
  const found = itemsOf(emulator, SOURCE).find((m) => m.ready && !m.composed && !m.modelId.startsWith('classifier:'));
  if (!found) throw new Error('the source has no plain ready model');
  return found.modelId;
}

/** Adds a plain ready model to the source, in the family the stack speaks. */
export function addSourceModel(emulator: FormRecognizerEmulator, version: TestApiVersion, modelId: string): void {
  if (isV2(version)) emulator.addModel(SOURCE, { modelId });
  else emulator.addDocumentModel(SOURCE, { modelId, apiVersion: version });
}

/** Authorizations the target issued (v3.1/v4: a 409 on a burned or taken id is not one). */
export function issuedAuthorizations(emulator: FormRecognizerEmulator, resource?: string): number {
  return emulator.requestLog.filter(
    (r) =>
      r.call === 'authorize' &&
      r.status >= 200 &&
      r.status < 300 &&
      (resource === undefined || r.resource === resource),
  ).length;
}

/**
 * The 2024-11-30 seed's composed model references these models (and its classifier) by id. A
 * failed copy of one of them burns its id and its retry lands under a fallback id, which the
 * composed model cannot use: it is then reported failed in that region (issue 11, fact 2;
 * replicationServiceFacts.test.ts). Tests about renewal in general keep their faults off them.
 */
export const COMPOSED_COMPONENT_IDS: readonly string[] = ['invoices-2025', 'receipts-eu'];

/** A copy request that is not for a classifier nor for a component of the seed's composed model. */
export function isPlainCopy(req: Pick<FaultRequestInfo, 'path' | 'modelId'>): boolean {
  return (
    !req.path.includes('documentClassifiers') &&
    (req.modelId === undefined || !COMPOSED_COMPONENT_IDS.includes(req.modelId))
  );
}

/** A request of the source's model listing (v2: `?op=full` or a `nextLink` page; v3.1/v4: `documentModels` pages). */
export function isModelListing(req: Pick<FaultRequestInfo, 'path'>): boolean {
  return req.path.includes('nextLink') || req.path.includes('op=full') || req.path.includes('/documentModels');
}

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
  if (status.runtimeStatus !== 'Completed')
    throw new Error(`run ${id} ended ${status.runtimeStatus}: ${JSON.stringify(status.output)}`);
  return status.output as RunSummary;
}

export async function ledgerOf(stack: LocalStack): Promise<Ledger> {
  const storage = stack.env.AzureWebJobsStorage;
  const container = stack.env.DR_LEDGER_CONTAINER ?? 'model-dr';
  if (!storage) throw new Error('stack has no AzureWebJobsStorage');
  return openLedger(createLedgerContainerClient({ connectionString: storage }, container));
}

/**
 * Every blob of the ledger container, as text; `records: true` leaves out the run's listing
 * scratch (`scratch/`: working state a dry run writes too, replaced by the next run's).
 */
export async function ledgerBlobs(
  stack: LocalStack,
  options: { records?: boolean } = {},
): Promise<Map<string, string>> {
  const ledger = await ledgerOf(stack);
  const out = new Map<string, string>();
  for await (const b of ledger.container.listBlobsFlat()) {
    if (options.records && b.name.startsWith('scratch/')) continue;
    const buffer = await ledger.container.getBlobClient(b.name).downloadToBuffer();
    out.set(b.name, buffer.toString('utf8'));
  }
  return out;
}

/** Every ready copyable item id of the source (classifiers as `classifier:<id>`), sorted. */
export function readySourceIds(emulator: FormRecognizerEmulator): string[] {
  return itemsOf(emulator, SOURCE)
    .filter((m) => m.ready)
    .map((m) => m.modelId);
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
  const settled = [
    ...summary.copies.map(pairKey),
    ...summary.foundInTarget.map(pairKey),
    ...summary.failures.map(pairKey),
  ];
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
    const models = itemsOf(emulator, TARGETS[region]);
    expect(models.filter((m) => m.blank || !m.ready)).toEqual([]);
    const sources = models.map((m) => m.copiedFrom);
    expect(new Set(sources).size).toBe(sources.length); // one copy per source model
    const replicated = records.filter((r) => r.region === region && r.state === 'replicated');
    expect(replicated.map((r) => r.targetModelId).sort()).toEqual(models.map((m) => m.modelId).sort());
    for (const r of replicated) {
      expect(models.find((m) => m.modelId === r.targetModelId)?.copiedFrom).toBe(r.sourceModelId);
    }
  }
}

export function failureOf(
  summary: RunSummary,
  sourceModelId: string,
  region: string,
): RunSummary['failures'][number] | undefined {
  return summary.failures.find((f) => f.sourceModelId === sourceModelId && f.region === region);
}
