/**
 * The drill activities by lineage (docs/failover.md, docs/drills.md), with an in-memory ledger and
 * sample container: after a failover the planner drills every member's copy but the lineage's
 * origin (the home member included), names the origin (its member, its id there, its version)
 * as the reference, keeps classifiers and non-members out, and honours `regions`; the analyze pacer
 * treats the source's region and `{kind: 'source'}` as one resource; a region that is not a
 * member is a configuration failure, not a thrown error; the comparison renames a docType from
 * the origin's id, not from the lineage key.
 */
import type { InvocationContext } from '@azure/functions';
import type { ContainerClient } from '@azure/storage-blob';
import { VirtualClock } from '../../dev/clock';
import { createDrillActivities as createHandlers, type DrillDeps } from '../../src/activities/drills';
import { loadSettings } from '../../src/config';
import type { AnalyzeTarget, DrillPlan, PairDrill } from '../../src/drills/contracts';
import type { DrillResult } from '../../src/drills/result';
import type { Ledger } from '../../src/ledger/connect';
import type { DrillRecord, DrillRepository, SourceResultRecord } from '../../src/ledger/drills';
import type { ModelReplicaRecord } from '../../src/ledger/replicas';
import { ManagementPacer } from '../../src/replication/pacing';
import { keyedEnv } from '../support/settingsEnv';

const SAMPLE = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Page >>\n%%EOF');

const settings = loadSettings(
  keyedEnv({
    DR_TARGETS: JSON.stringify(
      ['eastus', 'westeurope'].map((region) => ({
        region,
        endpoint: `https://${region}.cognitiveservices.azure.com`,
        resourceId: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/${region}`,
        keySetting: `KEY_${region.toUpperCase()}`,
      })),
    ),
    KEY_EASTUS: 'SECRET-eastus-key',
    KEY_WESTEUROPE: 'SECRET-westeurope-key',
    DR_DRILL_SAMPLES_URL: 'https://samples.blob.core.windows.net/drill-samples',
  }),
);

function replica(sourceModelId: string, region: string, over: Partial<ModelReplicaRecord> = {}): ModelReplicaRecord {
  return {
    sourceModelId,
    region,
    targetResourceId: `/accounts/${region}`,
    state: 'replicated',
    targetModelId: `${sourceModelId.replace(/^.*@/, '')}-in-${region}`,
    lastAttemptAt: '2026-12-01T00:00:00.000Z',
    lastRunId: 'run-1',
    attempts: 1,
    ...over,
  };
}

/** A ledger after an unplanned failover westus2 → eastus and runs from eastus with westus2 back. */
const RECORDS: ModelReplicaRecord[] = [
  // A home lineage: copies in eastus and westeurope; westus2 holds the origin itself (recorded present).
  // westeurope's copy was re-made from eastus during the outage: its version is eastus's, not the origin's.
  replica('invoices', 'westeurope', { sourceRegion: 'eastus', sourceModelVersion: '2026-12-01T00:05:00Z' }),
  replica('invoices', 'eastus', { sourceModelVersion: '2026-11-01T00:00:00Z' }),
  replica('invoices', 'westus2', { targetModelId: 'invoices' }),
  // Born in eastus during the outage: copies in westus2 (the home member) and westeurope; the origin recorded present.
  replica('eastus@fresh', 'westus2'),
  replica('eastus@fresh', 'westeurope'),
  replica('eastus@fresh', 'eastus', { targetModelId: 'fresh' }),
  // Classifiers are not drilled, whatever their origin.
  replica('eastus@classifier:c1', 'westus2'),
  replica('classifier:c2', 'eastus'),
  // Not verified, or not in a member: not drilled.
  replica('receipts', 'eastus', { state: 'failed', targetModelId: undefined }),
  replica('receipts', 'centralus'),
  // A verified copy without a sample.
  replica('no-sample', 'westus2', { sourceModelId: 'eastus@no-sample' }),
];

/** The activity handlers, called as the host calls them (an invocation context they do not read). */
function createDrillActivities(d: DrillDeps) {
  const h = createHandlers(d);
  const context = {} as InvocationContext;
  type Handler<I, O> = (input: I, context: InvocationContext) => O | Promise<O>;
  const call =
    <I, O>(f: Handler<I, O>) =>
    (input: I): Promise<O> =>
      Promise.resolve(f(input, context));
  return {
    planDrills: call(h.planDrills),
    startAnalyze: call(h.startAnalyze),
    recordDrills: call(h.recordDrills),
  };
}

function fakeSamples(names: string[]): ContainerClient {
  return {
    listBlobsFlat: ({ prefix }: { prefix: string }) =>
      (async function* () {
        for (const name of [...names].sort()) if (name.startsWith(prefix)) yield { name };
      })(),
    getBlobClient: (name: string) => ({
      getProperties: async () => ({ contentLength: SAMPLE.length }),
      downloadToBuffer: async () => (names.includes(name) ? SAMPLE : Promise.reject(new Error(`no ${name}`))),
    }),
  } as unknown as ContainerClient;
}

function fakeLedger(records: ModelReplicaRecord[]): Ledger {
  return {
    primary: {
      read: async (home: string) => ({ state: { primary: 'eastus', home, epoch: 2 } }),
    },
    replicas: { listAll: async () => records },
    drillPages: {
      reserve: async (_day: string, _runId: string, pages: (usedBefore: number) => number) => ({
        usedBefore: 0,
        pages: pages(0),
      }),
    },
  } as unknown as Ledger;
}

function deps(over: Partial<DrillDeps> = {}): DrillDeps {
  const ledger = fakeLedger(RECORDS);
  return {
    settings,
    clock: new VirtualClock('2026-12-01T00:00:00Z'),
    samples: fakeSamples(['invoices/a.pdf', 'eastus@fresh/b.pdf', 'eastus@classifier:c1/c.pdf']),
    analyzer: () => {
      throw new Error('no analyze expected');
    },
    analyzePacer: new ManagementPacer(15),
    ledger: async () => ledger,
    drills: async () => {
      throw new Error('no drill records expected');
    },
    ...over,
  };
}

const plan = (input: { regions?: string[]; models?: string[] } = {}): Promise<DrillPlan> =>
  createDrillActivities(deps()).planDrills({ trigger: 'http', runId: 'drill-1', ...input });

describe('drill planning by lineage', () => {
  it("drills every member's copy but the origin's, against the origin (its member, its id there)", async () => {
    const p = await plan();
    expect(p.models).toEqual([
      {
        sourceModelId: 'eastus@fresh',
        origin: { region: 'eastus', modelId: 'fresh' },
        sample: 'eastus@fresh/b.pdf',
        estimatedPages: 1,
        replicas: [
          { region: 'westeurope', targetModelId: 'fresh-in-westeurope' },
          { region: 'westus2', targetModelId: 'fresh-in-westus2' },
        ],
      },
      {
        sourceModelId: 'invoices',
        sourceModelVersion: '2026-11-01T00:00:00Z',
        origin: { region: 'westus2', modelId: 'invoices' },
        sample: 'invoices/a.pdf',
        estimatedPages: 1,
        replicas: [
          { region: 'eastus', targetModelId: 'invoices-in-eastus' },
          { region: 'westeurope', targetModelId: 'invoices-in-westeurope' },
        ],
      },
    ]);
    expect(p.noSample).toEqual(['eastus@no-sample']);
  });

  it('`regions` still filters: a test failover to the home member drills the copies it holds', async () => {
    const p = await plan({ regions: ['westus2'] });
    expect(p.models.map((m) => [m.sourceModelId, m.origin, m.replicas])).toEqual([
      [
        'eastus@fresh',
        { region: 'eastus', modelId: 'fresh' },
        [{ region: 'westus2', targetModelId: 'fresh-in-westus2' }],
      ],
    ]);
    expect(p.noSample).toEqual(['eastus@no-sample']);
    expect((await plan({ regions: ['eastus'], models: ['invoices'] })).models.map((m) => m.sourceModelId)).toEqual([
      'invoices',
    ]);
  });
});

describe('drill analyzes by member', () => {
  const started = { operationLocation: 'https://x/analyzeResults/1' };

  it('the source region and `{kind: source}` are one pacing resource; each target its own', async () => {
    const calls: unknown[] = [];
    const a = createDrillActivities(
      deps({
        analyzer: (at) => ({
          endpoint: 'https://x',
          apiVersion: settings.apiVersion,
          apiFamily: 'documentModels',
          startAnalyze: async () => {
            calls.push(at);
            return started;
          },
          getAnalyzeResult: async () => ({ status: 'running' as const }),
        }),
      }),
    );
    const start = (at: AnalyzeTarget, modelId: string) =>
      a.startAnalyze({ runId: 'drill-1', sample: 'invoices/a.pdf', at, modelId });
    expect(await start({ kind: 'source' }, 'invoices')).toMatchObject({ kind: 'started' });
    expect(await start({ kind: 'region', region: 'westus2' }, 'x')).toMatchObject({ kind: 'wait' });
    expect(await start({ kind: 'region', region: 'eastus' }, 'y')).toMatchObject({ kind: 'started' });
    expect(calls).toEqual([{ kind: 'source' }, { kind: 'region', region: 'eastus' }]);
  });

  it('a region that is not a member fails the analyze as configuration, naming the settings', async () => {
    const a = createDrillActivities(deps());
    const out = await a.startAnalyze({
      runId: 'drill-1',
      sample: 'invoices/a.pdf',
      at: { kind: 'region', region: 'centralus' },
      modelId: 'm',
    });
    expect(out).toEqual({
      kind: 'failed',
      transient: false,
      reason: {
        code: 'Configuration',
        message: expect.stringMatching(/'centralus' is not a member \(DR_SOURCE_REGION or DR_TARGETS\)/),
      },
    });
  });

  it("compares a docType named after the origin's id (v2.1 ids differ per member), not the lineage key", async () => {
    const recorded: Array<DrillRecord | SourceResultRecord> = [];
    const repo = {
      recordSource: async (r: SourceResultRecord) => void recorded.push(r),
      record: async (r: DrillRecord) => void recorded.push(r),
      lastSource: async () => undefined,
    } as unknown as DrillRepository;
    const a = createDrillActivities(deps({ drills: async () => repo }));
    const result = (docType: string): DrillResult => ({
      docType,
      fields: { Total: { type: 'number', valueHash: 'h' } },
      pages: 1,
    });
    const pairs: PairDrill[] = await a.recordDrills({
      runId: 'drill-1',
      sourceModelId: 'eastus@0b0e6a3c',
      origin: { region: 'eastus', modelId: '0b0e6a3c' },
      sample: 'eastus@0b0e6a3c/b.pdf',
      source: { kind: 'succeeded', result: result('custom:0b0e6a3c') },
      replicas: [
        { region: 'westus2', targetModelId: '1c1f7b4d', end: { kind: 'succeeded', result: result('custom:1c1f7b4d') } },
      ],
    });
    expect(pairs).toEqual([{ sourceModelId: 'eastus@0b0e6a3c', region: 'westus2', outcome: 'passed' }]);
  });
});
