/**
 * Restore drills after a failover work by the DR group's roles (docs/failover.md, docs/drills.md),
 * through the local host, Azurite and the emulator: a drill's reference is the lineage's origin
 * (its member, its id there), its replicas every other member's verified copy, the home member
 * included. During an outage of westus2 a home lineage compares with its recorded source result
 * and a lineage born in eastus with its origin in eastus; once westus2 is back and holds copies, a
 * test failover to westus2 drills the eastus-born lineage's copy there and the report records it
 * on the member. The drill and failover activities run at least once.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { VirtualClock } from '../../dev/clock';
import type { FormRecognizerEmulator } from '../../dev/emulators/formRecognizer';
import type { DrillRunSummary } from '../../src/drills/contracts';
import { QUIET_STACK, useLocalStack } from '../support/stack';
import { SOURCE, TARGETS, isV2, itemsOf, ledgerOf, run, versionReset, type TestApiVersion } from './replicationHarness';

const SAMPLE = Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Page >>\n(drill after failover)\n%%EOF`);

describe.each(['v2.1', '2024-11-30'] as const)('drills by lineage after a failover, %s', (version: TestApiVersion) => {
  const clock = new VirtualClock('2026-12-01T00:00:00Z');
  const stack = useLocalStack({
    ...QUIET_STACK,
    clock,
    host: {
      timerSchedules: false,
      atLeastOnce: [
        { activity: 'drillPlan', count: 3 },
        { activity: 'drillStartAnalyze', count: 3 },
        { activity: 'drillPollAnalyze', count: 3 },
        { activity: 'drillRecord', count: 3 },
        { activity: 'failoverReadiness', count: 2 },
        { activity: 'switchPrimary', count: 2 },
        { activity: 'saveFailoverRecord', count: 2 },
      ],
    },
  });

  async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${stack.host.baseUrl}/api/${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' },
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  async function drill(body: Record<string, unknown> = {}): Promise<DrillRunSummary> {
    const started = await post('drills', body);
    expect(started.status).toBe(202);
    const ended = await stack.host.durable.waitForInstance(started.json.id as string);
    expect(ended.runtimeStatus).toBe('Completed');
    return ended.output as DrillRunSummary;
  }

  async function failover(body: Record<string, unknown>): Promise<string> {
    const started = await post('failovers', body);
    expect(started.status).toBe(202);
    const id = started.json.id as string;
    const ended = await stack.host.durable.waitForInstance(id);
    if (ended.runtimeStatus !== 'Completed')
      throw new Error(`failover ${id} ended ${ended.runtimeStatus}: ${JSON.stringify(ended.output)}`);
    return id;
  }

  const pairsOf = (s: DrillRunSummary) =>
    s.pairs
      .map((p) => ({
        sourceModelId: p.sourceModelId,
        region: p.region,
        outcome: p.outcome,
        recorded: p.comparedWithRecordedSource === true,
      }))
      .sort((a, b) => `${a.sourceModelId} ${a.region}`.localeCompare(`${b.sourceModelId} ${b.region}`));

  it('an outage: the home lineage compares with its recorded source, the eastus-born one with its origin; a test failover to westus2 drills the copy it holds', async () => {
    const samplesUrl = `${stack.azurite!.blobEndpoint}/drill-samples`;
    const emulator = (await stack.reset(
      versionReset(version, {
        env: { DR_DRILL_SAMPLES_URL: samplesUrl, DR_DRILL_MAX_PAGES: '100', DR_DRILL_MAX_PAGES_PER_DAY: '100000' },
      }),
    )) as FormRecognizerEmulator;
    expect((await run(stack)).totals.failed).toBe(0);
    const home = itemsOf(emulator, SOURCE).find(
      (m) => m.ready && !m.blank && !m.composed && !m.modelId.startsWith('classifier:'),
    )!.modelId;
    const samples = BlobServiceClient.fromConnectionString(stack.env.AzureWebJobsStorage!).getContainerClient(
      'drill-samples',
    );
    await samples.createIfNotExists();
    await samples.getBlockBlobClient(`${home}/sample.pdf`).uploadData(SAMPLE);
    // Before the outage: the home lineage drilled against westus2, its source result recorded.
    expect((await drill({ models: [home] })).totals).toMatchObject({ passed: 2, failed: 0, mismatch: 0 });

    // westus2 goes down: management calls dropped, analyze answered 503.
    emulator.faults.add(SOURCE, { kind: 'drop', times: 1_000_000 });
    emulator.setAnalyze(SOURCE, { unavailable: true });
    await failover({ to: 'eastus', mode: 'unplanned' });
    const fresh = isV2(version)
      ? emulator.addModel(TARGETS.eastus, { modelId: 'trained-in-outage' }).modelId
      : (emulator.addDocumentModel(TARGETS.eastus, { modelId: 'trained-in-outage', apiVersion: version }),
        'trained-in-outage');
    const lineage = `eastus@${fresh}`;
    // A model born in eastus takes its sample under its lineage key.
    await samples.getBlockBlobClient(`${lineage}/sample.pdf`).uploadData(SAMPLE);
    const during = await run(stack);
    expect(during).toMatchObject({ sourceRegion: 'eastus', totals: expect.objectContaining({ failed: 0 }) });

    const outage = await drill();
    expect(pairsOf(outage)).toEqual([
      { sourceModelId: home, region: 'eastus', outcome: 'passed', recorded: true },
      { sourceModelId: home, region: 'westeurope', outcome: 'passed', recorded: true },
      { sourceModelId: lineage, region: 'westeurope', outcome: 'passed', recorded: false },
    ]);
    const analyzes = emulator.requestLog.filter((r) => r.call === 'analyze' && r.status === 202);
    // The eastus-born lineage's reference is its origin: eastus, under its id there (never the lineage key).
    expect(analyzes.some((r) => r.resource === TARGETS.eastus && r.modelId === fresh)).toBe(true);
    expect(emulator.requestLog.some((r) => r.call === 'analyze' && r.modelId === lineage)).toBe(false);

    // westus2 comes back; a run from eastus copies the outage's lineage into it.
    emulator.faults.clear(SOURCE);
    emulator.setAnalyze(SOURCE, {});
    expect((await run(stack)).totals.failed).toBe(0);
    const ledger = await ledgerOf(stack);
    const copy = (await ledger.replicas.get(lineage, 'westus2'))!;
    expect(copy).toMatchObject({ state: 'replicated' });
    expect(itemsOf(emulator, SOURCE).map((m) => m.modelId)).toContain(copy.targetModelId);

    const before = emulator.requestLog.length;
    const test = await failover({ to: 'westus2', mode: 'test' });
    const drilled = (await stack.host.durable.waitForInstance(`${test}-drills`)).output as DrillRunSummary;
    expect(pairsOf(drilled)).toEqual([
      { sourceModelId: lineage, region: 'westus2', outcome: 'passed', recorded: false },
    ]);
    const testAnalyzes = emulator.requestLog.slice(before).filter((r) => r.call === 'analyze' && r.status === 202);
    expect(testAnalyzes.some((r) => r.resource === TARGETS.eastus && r.modelId === fresh)).toBe(true);
    expect(testAnalyzes.some((r) => r.resource === SOURCE && r.modelId === copy.targetModelId)).toBe(true);
    expect(await ledger.drills.get(lineage, 'westus2')).toMatchObject({
      outcome: 'passed',
      targetModelId: copy.targetModelId,
      comparedWithRecordedSource: false,
    });

    const record = (await ledger.failovers.get(test))!;
    expect(record).toMatchObject({
      mode: 'test',
      status: 'completed',
      from: 'eastus',
      to: 'westus2',
      drills: { passed: 1, failed: 0, skipped: 0, outcome: 'passed' },
    });
    // POST /api/drills takes any member's region too (the home member's copies), and names the members otherwise.
    clock.advance(60_000);
    expect(pairsOf(await drill({ regions: ['westus2'] }))).toEqual([
      { sourceModelId: lineage, region: 'westus2', outcome: 'passed', recorded: false },
    ]);
    expect(await post('drills', { regions: ['mars'] })).toEqual({
      status: 400,
      json: expect.objectContaining({
        problems: ['regions: "mars" not a member (DR_SOURCE_REGION and DR_TARGETS: westus2, eastus, westeurope)'],
      }),
    });

    const report = (await (await fetch(`${stack.host.baseUrl}/api/report`)).json()) as {
      members: { activePrimary: string; members: Array<{ region: string; lastTestFailover?: unknown }> };
    };
    expect(report.members.activePrimary).toBe('eastus');
    expect(report.members.members.find((m) => m.region === 'westus2')?.lastTestFailover).toMatchObject({
      id: test,
      mode: 'test',
      status: 'completed',
      from: 'eastus',
      drills: { passed: 1, failed: 0, skipped: 0, outcome: 'passed' },
    });
  }, 240_000);
});
