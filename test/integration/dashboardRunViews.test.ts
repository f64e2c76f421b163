/**
 * The dashboard's last runs over a real ledger (Azurite): run ids from the run index's blob
 * names alone, and a run report downloaded only when it is new or its ETag changed — a
 * refresh of the page does not re-read megabytes of unchanged reports.
 */
import { VirtualClock } from '../../dev/clock';
import { RunViewCache } from '../../src/http/dashboard/runCache';
import { openLedger, type Ledger } from '../../src/ledger/connect';
import { RunReportRepository, type RunReport } from '../../src/ledger/runReports';
import { useAzurite } from '../support/azurite';
import { ledgerContainers } from '../support/ledger';

const report = (runId: string, startedAt: string, over: Partial<RunReport> = {}): RunReport => ({
  runId,
  trigger: 'http',
  startedAt,
  finishedAt: startedAt,
  dryRun: false,
  filters: {},
  totals: { planned: 2, copied: 1, alreadyReplicated: 0, failed: 1, skipped: 0 },
  pairs: [
    { sourceModelId: 'm1', region: 'eastus', outcome: 'copied', targetModelId: 't1' },
    { sourceModelId: 'm2', region: 'eastus', outcome: 'failed', reason: 'permanent X: no' },
    { sourceModelId: 'm2', region: 'westeurope', outcome: 'copied', targetModelId: 't2' },
  ],
  invalidModels: ['bad'],
  creatingModels: [],
  ...over,
});

describe('dashboard run views (RunViewCache)', () => {
  const azurite = useAzurite();
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  let ledger: Ledger;
  let containers: ReturnType<typeof ledgerContainers> | undefined;

  beforeEach(async () => {
    containers ??= ledgerContainers(azurite, 'dash-runs');
    ledger = await openLedger(containers.next(), { clock });
  });

  it('lists the newest run ids from the index names (odd run ids decoded exactly), newest first', async () => {
    await ledger.runReports.save(report('r-old', '2026-11-20T00:00:00.000Z'));
    await ledger.runReports.save(report('http-2026/11 new~x', '2026-11-21T00:00:00.000Z'));
    await ledger.runReports.save(report('r-mid', '2026-11-20T12:00:00.000Z'));
    expect(await ledger.runReports.latestRunIds(2)).toEqual(['http-2026/11 new~x', 'r-mid']);
    expect(await ledger.runReports.latestRunIds(10)).toEqual(['http-2026/11 new~x', 'r-mid', 'r-old']);
    expect(await ledger.runReports.latestRunIds(0)).toEqual([]);
    expect(RunReportRepository.runIdOfIndexKey('run-index/junk.json')).toBeUndefined();
  });

  it('downloads a report once, again only when it changed; keeps what the page shows', async () => {
    const cache = new RunViewCache(ledger.runReports);
    await ledger.runReports.save(report('r1', '2026-11-20T00:00:00.000Z'));
    await ledger.runReports.save(report('r2', '2026-11-21T00:00:00.000Z', { dryRun: true }));
    const first = await cache.latest(10);
    expect(cache.downloads).toBe(2);
    expect(first.map((v) => [v.runId, v.dryRun])).toEqual([
      ['r2', true],
      ['r1', false],
    ]);
    expect(first[1]).toMatchObject({
      facts: { pairModels: ['m1', 'm2'], notCopyable: [{ modelId: 'bad', status: 'invalid' }] },
      item: { outcome: 'partial', failuresTotal: 1, failures: [{ kind: 'permanent', code: 'X', message: 'no' }] },
    });

    expect(await cache.latest(10)).toEqual(first);
    expect(cache.downloads).toBe(2); // unchanged ETags: nothing downloaded

    await ledger.runReports.save(report('r1', '2026-11-20T00:00:00.000Z', { invalidModels: [] }));
    const after = await cache.latest(10);
    expect(cache.downloads).toBe(3); // only the changed report
    expect(after[1].facts.notCopyable).toEqual([]);

    await ledger.runReports.store.delete(RunReportRepository.key('r2'));
    expect((await cache.latest(10)).map((v) => v.runId)).toEqual(['r1']);
  });
});
