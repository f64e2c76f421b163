/**
 * A run when nothing (or little) changed costs the listing pages and almost nothing else:
 * service requests = the list pages of the source and the targets; storage requests a
 * constant that does not grow with the number of pairs (counted on the wire, by a proxy in
 * front of Azurite); no activity retried, even when the targets' listings are longer than the
 * list rate's burst; nothing per pair in the run's durable history. Local host + Azurite +
 * emulator (S0 rate limits) on a virtual clock; counts only, no timing.
 */
import { VirtualClock } from '../../dev/clock';
import { EventType } from '../../dev/host';
import type { LocalStack } from '../../dev/stack';
import { useAzurite } from '../support/azurite';
import { startCountingProxy, type CountingProxy } from '../support/countingProxy';
import { useLocalStack } from '../support/stack';
import type { RunSummary } from '../../src/replication/contracts';
import { ledgerOf } from './replicationHarness';

const SOURCE = 'fr-source-westus2';
/** v2.1 list pages of 5: 120 models are 24 pages per resource, more than the 10 a second S0 allows. */
const PAGE = 5;
const models = (from: number, n: number): Array<{ modelId: string; modelName: string; status: 'ready' }> =>
  Array.from({ length: n }, (_, i) => ({
    modelId: `00000000-0000-4000-a000-${String(from + i).padStart(12, '0')}`,
    modelName: `steady-${from + i}`,
    status: 'ready' as const,
  }));

interface RunCost {
  summary: RunSummary;
  service: Record<string, number>;
  service429: number;
  storage: number;
  storageGets: string[];
  failedAttempts: number;
  historyText: string;
  kinds: string[];
}

describe('steady state: a run that finds nothing to do costs its listing pages', () => {
  // Four full runs of 240–480 pairs on Azurite: about 50 s on an idle 2-core machine, more under load.
  jest.setTimeout(300_000);
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const azurite = useAzurite();
  let proxy: CountingProxy;
  beforeAll(async () => {
    proxy = await startCountingProxy(azurite);
  });
  afterAll(async () => {
    await proxy?.stop();
  });
  const stack = useLocalStack(() => ({
    clock,
    storageConnectionString: proxy.connectionString,
    resources: [
      { name: SOURCE, region: 'westus2', models: models(0, 120) },
      { name: 'fr-dr-eastus', region: 'eastus' },
      { name: 'fr-dr-westeurope', region: 'westeurope' },
    ],
    emulator: { rateLimits: true, listPageSize: PAGE, copyDurationMs: () => 5_000 },
    env: { DR_MAX_PARALLEL: '64', DR_MANAGEMENT_RPS: '5' },
    logger: () => undefined,
    host: { timerSchedules: false },
  }));

  async function measuredRun(s: LocalStack): Promise<RunCost> {
    const emulator = s.emulator!;
    const from = emulator.requestLog.length;
    proxy.reset();
    const runId = await s.host.durable.startNew('replicateModels', { input: { trigger: 'local' } });
    const status = await s.host.durable.waitForInstance(runId);
    expect(status.runtimeStatus).toBe('Completed');
    const service: Record<string, number> = {};
    let service429 = 0;
    for (const e of emulator.requestLog.slice(from)) {
      service[e.call ?? '?'] = (service[e.call ?? '?'] ?? 0) + 1;
      if (e.status === 429) service429 += 1;
    }
    let failedAttempts = 0;
    let historyText = '';
    for (const inst of s.host.durable.list({ instanceIdPrefix: runId })) {
      const events = s.host.durable.history(inst.instanceId);
      failedAttempts += events.filter((e) => e.EventType === EventType.TaskFailed).length;
      if (inst.instanceId === runId) historyText = JSON.stringify(events);
    }
    return {
      summary: status.output as RunSummary,
      service,
      service429,
      storage: proxy.count(),
      kinds: proxy.requests.map(
        (r) => `${r.method} ${r.query.get('comp') ?? ''} ${r.path.split('/').slice(2, 4).join('/')}`,
      ),
      storageGets: proxy.requests.filter((r) => r.kind === 'get').map((r) => r.path),
      failedAttempts,
      historyText,
    };
  }

  it('no-op runs list the pages and nothing else, at a storage cost that does not grow with the pairs', async () => {
    const s = stack;
    const first = await measuredRun(s);
    expect(first.summary.totals).toMatchObject({ copied: 240, failed: 0 });

    // Act: nothing changed.
    const noop = await measuredRun(s);

    // Assess: service requests are the list pages of the source and of both targets (24 each), none throttled.
    expect(noop.summary.totals).toMatchObject({ planned: 0, copied: 0, alreadyReplicated: 240, unverified: 0 });
    expect(noop.service).toEqual({ list: 3 * 24 });
    expect(noop.service429).toBe(0);
    // No activity failed and was retried (a target's listing longer than the list burst is paced, not refused).
    expect(noop.failedAttempts).toBe(0);
    // No replica record read one by one: records come with the listing.
    expect(noop.storageGets.filter((p) => p.includes('/replicas/'))).toEqual([]);
    // Nothing per pair in the run's history: no model id of the source, no target model id.
    const ledger = await ledgerOf(s);
    const records = await ledger.replicas.listAll();
    expect(records).toHaveLength(240);
    for (const r of records) {
      expect(noop.historyText).not.toContain(r.sourceModelId);
      expect(noop.historyText).not.toContain(r.targetModelId);
    }
    // Every pair was verified by this run (one document per region), which the health model ages.
    const noopStart = Date.parse(noop.summary.startedAt);
    for (const r of records) expect(Date.parse(r.lastVerifiedAt ?? '')).toBeGreaterThanOrEqual(noopStart);

    // Twice the pairs: the no-op storage cost is the same constant (± a page of the ledger listing).
    for (const m of models(120, 120)) s.emulator!.addModel(SOURCE, m);
    const grown = await measuredRun(s);
    expect(grown.summary.totals).toMatchObject({ copied: 240, failed: 0, alreadyReplicated: 240 });
    const noopAt480 = await measuredRun(s);
    expect(noopAt480.summary.totals).toMatchObject({ planned: 0, alreadyReplicated: 480 });
    expect(noopAt480.service).toEqual({ list: 3 * 48 });
    expect(noopAt480.failedAttempts).toBe(0);
    // Storage: a constant, plus one append per burst of list pages (10 a second at DR_MANAGEMENT_RPS 5) per
    // resource — 3 × ⌈24 / 10⌉ at 120 models, 3 × ⌈48 / 10⌉ at 240 — and nothing per pair.
    const appends = (c: RunCost): number => c.kinds.filter((k) => k.includes('appendblock')).length;
    expect(appends(noop)).toBe(3 * 3);
    expect(appends(noopAt480)).toBe(3 * 5);
    expect(noop.storage - appends(noop)).toBeLessThanOrEqual(20);
    expect(noopAt480.storage - appends(noopAt480)).toBe(noop.storage - appends(noop));
  });

  it('an incremental run copies only what changed or is new; the rest costs what a no-op run costs', async () => {
    const s = stack;
    const emulator = s.emulator!;
    const baseline = await measuredRun(s); // nothing changed since the last test
    const source = emulator.models(SOURCE);
    // Act: two models retrained (a new lastUpdatedDateTime), one new.
    for (const m of source.slice(0, 2))
      emulator.upsertModel(SOURCE, { modelId: m.modelId, lastUpdatedDateTime: '2026-11-22T00:00:00Z' });
    emulator.addModel(SOURCE, models(10_000, 1)[0]);
    const incremental = await measuredRun(s);
    // Assess
    expect(incremental.summary.totals).toMatchObject({ planned: 6, copied: 6, failed: 0 });
    expect(new Set(incremental.summary.copies.map((c) => c.sourceModelId))).toEqual(
      new Set([source[0].modelId, source[1].modelId, models(10_000, 1)[0].modelId]),
    );
    expect(incremental.failedAttempts).toBe(0);
    expect(incremental.storageGets.filter((p) => p.includes('/replicas/')).length).toBeLessThanOrEqual(6);
    expect(baseline.service429).toBe(0);
  });
});
