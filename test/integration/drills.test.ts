/**
 * Restore drills through the local host, Azurite and the emulator on the virtual clock, for
 * each API version: drills pass on good copies; a replica seeded to answer differently is a
 * `mismatch` naming the differing fields; a failed analyze is `failed` with the service's
 * reason; models without a sample are "no sample"; with the source region down the replicas
 * are compared with the last recorded source result; the page budget holds; no document
 * content and no key in history, logs, ledger records or responses.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { VirtualClock } from '../../dev/clock';
import { renderReport } from '../../dev/local';
import { S0_ANALYZE_RPS, type DrillRunSummary } from '../../src/drills/contracts';
import { DrillRepository } from '../../src/ledger/drills';
import { QUIET_STACK, useLocalStack } from '../support/stack';
import {
  API_VERSIONS,
  SOURCE,
  TARGETS,
  collectingLogger,
  itemsOf,
  ledgerBlobs,
  ledgerOf,
  run,
  versionReset,
} from './replicationHarness';

const MARKER = 'DRILL-SAMPLE-CONTENT-7f3a91';
/** A two-page PDF-like sample whose text must never leave the sample container and the service. */
const SAMPLE = Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Page >>\n(${MARKER})\n2 0 obj << /Type /Page >>\n%%EOF`);

describe.each(API_VERSIONS)('restore drills, %s (local host + Azurite + emulator, virtual clock)', (version) => {
  const clock = new VirtualClock('2026-12-01T00:00:00Z');
  const logs = collectingLogger();
  const stack = useLocalStack({ ...QUIET_STACK, clock, logger: logs.logger });
  const responses: string[] = [];
  let drilled: string[] = [];
  let others: string[] = [];

  async function http(
    method: string,
    path: string,
    body?: string,
  ): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
    const res = await fetch(`${stack.host.baseUrl}/api/${path}`, {
      method,
      body,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    });
    const text = await res.text();
    responses.push(`${res.status} ${JSON.stringify([...res.headers.entries()])} ${text}`);
    return {
      status: res.status,
      json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      headers: res.headers,
    };
  }

  async function drill(input: Record<string, unknown> = {}): Promise<DrillRunSummary> {
    const id = await stack.host.durable.startNew('drillModels', { input: { trigger: 'local', ...input } });
    const status = await stack.host.durable.waitForInstance(id);
    if (status.runtimeStatus !== 'Completed')
      throw new Error(`drill ${id} ${status.runtimeStatus}: ${JSON.stringify(status.output)}`);
    return status.output as DrillRunSummary;
  }

  const escapeRe = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  /** The row of a model in the readiness table `npm run local` prints for this report. */
  const tableLine = (report: Record<string, unknown>, modelId: string): string | undefined => {
    const body = report as unknown as Parameters<typeof renderReport>[0];
    const row = body.rows.find((r) => r.sourceModelId === modelId);
    const label = row?.sourceModelName ? `${row.sourceModelName} (${modelId.slice(0, 8)})` : modelId;
    return renderReport(body)
      .split('\n')
      .find((l) => l.startsWith(`${label}  `));
  };

  const pair = (s: DrillRunSummary, model: string, region: string) =>
    s.pairs.find((p) => p.sourceModelId === model && p.region === region);

  it('replicates, then drills pass on good copies; models without a sample are "no sample"; POST/GET /api/drills', async () => {
    const samplesUrl = `${stack.azurite!.blobEndpoint}/drill-samples`;
    const emulator = await stack.reset(
      versionReset(version, {
        env: { DR_DRILL_SAMPLES_URL: samplesUrl, DR_DRILL_MAX_PAGES: '100', DR_DRILL_MAX_PAGES_PER_DAY: '100000' },
      }),
    );
    const replication = await run(stack);
    expect(replication.totals.failed).toBe(0);
    const plain = itemsOf(emulator, SOURCE).filter(
      (m) => m.ready && !m.composed && !m.modelId.startsWith('classifier:'),
    );
    drilled = plain.slice(0, 2).map((m) => m.modelId);
    others = [...new Set(replication.copies.map((c) => c.sourceModelId))].filter(
      (id) => !drilled.includes(id) && !id.startsWith('classifier:'),
    );
    expect(drilled).toHaveLength(2);
    const container = BlobServiceClient.fromConnectionString(stack.env.AzureWebJobsStorage!).getContainerClient(
      'drill-samples',
    );
    await container.createIfNotExists();
    for (const id of drilled) await container.getBlockBlobClient(`${id}/sample.pdf`).uploadData(SAMPLE);
    await container.getBlockBlobClient(`${others[0]}/notes.txt`).uploadData(Buffer.from('not a sample type'));

    const started = await http('POST', 'drills', JSON.stringify({}));
    expect(started.status).toBe(202);
    const statusUrl = started.json.statusUrl as string;
    expect(statusUrl).toMatch(/^\/api\/drills\/drill-http-/);
    expect(started.headers.get('location')).toBe(statusUrl);
    await stack.host.durable.waitForInstance(started.json.id as string);
    const got = await http('GET', statusUrl.replace(/^\/api\//, ''));
    expect(got.status).toBe(200);
    const summary = got.json.summary as DrillRunSummary;

    expect(summary.totals).toMatchObject({ passed: 4, mismatch: 0, failed: 0 });
    for (const id of drilled)
      for (const region of ['eastus', 'westeurope']) expect(pair(summary, id, region)?.outcome).toBe('passed');
    expect([...summary.noSample].sort()).toEqual([...others].sort());
    // Each model's sample analyzed once at the source and once per replica: 2 pages × 3 × 2 models.
    expect(summary.pagesAnalyzed).toBe(12);
    const posts = emulator.requestLog.filter((r) => r.call === 'analyze' && r.status === 202);
    expect(posts.filter((r) => r.resource === SOURCE)).toHaveLength(2);
    expect(posts).toHaveLength(6);

    expect((await http('GET', 'drills/not-a-run-id')).status).toBe(400);
    expect((await http('GET', 'drills/drill-http-20261201T000000Z-abcdef')).status).toBe(404);
    expect((await http('POST', 'drills', JSON.stringify({ regions: ['mars'] }))).status).toBe(400);
  });

  it('a replica seeded to answer differently is a mismatch naming the differing fields (no values)', async () => {
    const emulator = stack.emulator!;
    const last = await new DrillRepository((await ledgerOf(stack)).container).lastSource(drilled[0]);
    const field = Object.keys(last!.result.fields)[0];
    emulator.setAnalyze(TARGETS.eastus, { differentFields: [field] });
    const summary = await drill({ models: [drilled[0]] }).finally(() => emulator.setAnalyze(TARGETS.eastus, {}));
    expect(pair(summary, drilled[0], 'eastus')).toMatchObject({ outcome: 'mismatch', differingFields: [field] });
    expect(pair(summary, drilled[0], 'eastus')?.differences).toEqual([{ field, kind: 'value' }]);
    expect(pair(summary, drilled[0], 'westeurope')?.outcome).toBe('passed');
    const record = await new DrillRepository((await ledgerOf(stack)).container).get(drilled[0], 'eastus');
    expect(record).toMatchObject({
      outcome: 'mismatch',
      runId: summary.runId,
      differences: [{ field, kind: 'value' }],
    });
    emulator.setAnalyze(TARGETS.eastus, {});
  });

  it('GET /api/report and GET /api/models/{id}/replicas show the last drill per pair', async () => {
    const report = await http('GET', 'report');
    const rows = report.json.rows as Array<{ sourceModelId: string; cells: Record<string, { lastDrill?: unknown }> }>;
    const row = rows.find((r) => r.sourceModelId === drilled[0])!;
    expect(row.cells.eastus.lastDrill).toMatchObject({
      outcome: 'mismatch',
      at: expect.any(String),
      differences: [{ kind: 'value' }],
    });
    expect(row.cells.westeurope.lastDrill).toMatchObject({ outcome: 'passed' });
    expect(rows.find((r) => r.sourceModelId === others[0])?.cells.eastus.lastDrill).toBeUndefined();
    // The readiness table of `npm run local` shows the same, after the copy's age; nothing without a drill.
    const field = (row.cells.eastus.lastDrill as { differences: Array<{ field: string }> }).differences[0].field;
    const line = tableLine(report.json, drilled[0]);
    expect(line).toMatch(
      new RegExp(
        `ok \\S+ ago · drill MISMATCH \\(fields: ${escapeRe(field)}\\) \\S+ ago( \\[\\w+\\])?\\s+ok \\S+ ago · drill passed \\S+ ago`,
      ),
    );
    expect(tableLine(report.json, others[0])).not.toContain('drill');
    const replicas = await http('GET', `models/${encodeURIComponent(drilled[0])}/replicas`);
    const list = replicas.json.replicas as Array<{ region: string; lastDrill: { outcome: string } | null }>;
    expect(list.find((r) => r.region === 'eastus')?.lastDrill?.outcome).toBe('mismatch');
    expect(list.find((r) => r.region === 'westeurope')?.lastDrill?.outcome).toBe('passed');
  });

  it('a failed analyze is failed with the service reason; the other drills of the run still complete', async () => {
    const emulator = stack.emulator!;
    emulator.setAnalyze(TARGETS.westeurope, {
      fail: { code: 'InvalidContent', message: 'The file is corrupted or format is unsupported.' },
    });
    const summary = await drill().finally(() => emulator.setAnalyze(TARGETS.westeurope, {}));
    for (const id of drilled) {
      expect(pair(summary, id, 'westeurope')).toMatchObject({
        outcome: 'failed',
        reason: { code: 'InvalidContent', message: 'The file is corrupted or format is unsupported.' },
      });
      expect(pair(summary, id, 'eastus')?.outcome).toBe('passed');
    }
    emulator.setAnalyze(TARGETS.westeurope, {});
    const report = (await http('GET', 'report')).json;
    for (const id of drilled)
      expect(tableLine(report, id)).toMatch(
        /· drill passed \S+ ago\s+ok \S+ ago · drill failed InvalidContent \S+ ago( \[\w+\])?$/,
      );
  });

  it('with the source region down, the replicas are compared with the last recorded source result', async () => {
    const emulator = stack.emulator!;
    emulator.setAnalyze(SOURCE, { unavailable: true });
    const summary = await drill({ regions: ['eastus'] }).finally(() => emulator.setAnalyze(SOURCE, {}));
    for (const id of drilled)
      expect(pair(summary, id, 'eastus')).toMatchObject({ outcome: 'passed', comparedWithRecordedSource: true });
    expect(summary.pairs.filter((p) => p.region === 'westeurope')).toEqual([]);
    const record = await new DrillRepository((await ledgerOf(stack)).container).get(drilled[0], 'eastus');
    expect(record?.comparedWithRecordedSource).toBe(true);
    expect(Date.parse(record!.sourceResultAt!)).toBeLessThan(Date.parse(record!.at));
    emulator.setAnalyze(SOURCE, {});
  });

  it('many drills at once: analyze POSTs to one resource stay within the analyze rate in every 1 s window, no 429', async () => {
    const emulator = stack.emulator!;
    const container = BlobServiceClient.fromConnectionString(stack.env.AzureWebJobsStorage!).getContainerClient(
      'drill-samples',
    );
    const plain = itemsOf(emulator, SOURCE)
      .filter((m) => m.ready && !m.composed && !m.modelId.startsWith('classifier:'))
      .map((m) => m.modelId);
    const models = plain.filter((id) => drilled.includes(id) || others.includes(id));
    const extra = models.filter((id) => !drilled.includes(id));
    for (const id of models) await container.getBlockBlobClient(`${id}/sample.pdf`).uploadData(SAMPLE);
    // The later tests count on two samples only.
    const removeExtra = () => Promise.all(extra.map((id) => container.deleteBlob(`${id}/sample.pdf`)));
    // Runs side by side, each with a window of up to DR_MAX_PARALLEL (4) models analyzing the source at once:
    // together well over S0_ANALYZE_RPS POSTs to the source in the same instant without pacing.
    const runs = Math.ceil((2 * S0_ANALYZE_RPS) / Math.min(4, models.length));
    const from = emulator.requestLog.length;
    const ids = await Promise.all(
      Array.from({ length: runs }, () =>
        stack.host.durable.startNew('drillModels', { input: { trigger: 'local', models, regions: ['eastus'] } }),
      ),
    );
    const statuses = await Promise.all(ids.map((id) => stack.host.durable.waitForInstance(id))).finally(removeExtra);
    for (const st of statuses) {
      expect(st.runtimeStatus).toBe('Completed');
      expect((st.output as DrillRunSummary).totals).toMatchObject({ passed: models.length, failed: 0 });
    }
    const analyzeLog = emulator.requestLog.slice(from).filter((r) => r.call === 'analyze');
    expect(analyzeLog.filter((r) => r.status === 429)).toEqual([]);
    for (const resource of [SOURCE, TARGETS.eastus]) {
      const times = analyzeLog.filter((r) => r.resource === resource).map((r) => r.time);
      expect(times).toHaveLength(runs * models.length);
      const busiest = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
      expect(busiest).toBeLessThanOrEqual(S0_ANALYZE_RPS);
      // Pacing, not idling: the busiest second is (nearly) full.
      expect(busiest).toBeGreaterThanOrEqual(S0_ANALYZE_RPS - 1);
    }
  });

  it('stays within DR_DRILL_MAX_PAGES: pairs beyond it are skipped, not failed', async () => {
    await stack.reset(
      versionReset(version, {
        env: { DR_DRILL_SAMPLES_URL: `${stack.azurite!.blobEndpoint}/drill-samples`, DR_DRILL_MAX_PAGES: '6' },
      }),
    );
    await run(stack);
    const summary = await drill();
    expect(summary.pagesAnalyzed).toBeLessThanOrEqual(6);
    expect(summary.pagesAnalyzed).toBe(6);
    expect(summary.totals).toMatchObject({ passed: 2, failed: 0, skipped: 2 });
  });

  it('no document content and no key in history, logs, ledger records or responses', async () => {
    const secrets = new Set<string>([MARKER, SAMPLE.toString('base64').slice(8, 40)]);
    for (const [name, value] of Object.entries(stack.env))
      if (value && (/_KEY($|_)/.test(name) || name === 'AzureWebJobsStorage')) secrets.add(value);
    const accountKey = /AccountKey=([^;]+)/.exec(stack.env.AzureWebJobsStorage ?? '')?.[1];
    if (accountKey) secrets.add(accountKey);
    const places: Array<[string, string]> = [];
    for (const instance of stack.host.durable.list()) {
      places.push([
        `history of ${instance.instanceId}`,
        JSON.stringify(
          stack.host.durable.getStatus(instance.instanceId, {
            showHistory: true,
            showHistoryOutput: true,
            showInput: true,
          }),
        ),
      ]);
      places.push([
        `raw history of ${instance.instanceId}`,
        JSON.stringify(stack.host.durable.history(instance.instanceId)),
      ]);
    }
    responses.forEach((r, i) => places.push([`response ${i}`, r]));
    places.push(['logs', JSON.stringify(logs.entries)]);
    for (const [name, text] of await ledgerBlobs(stack)) places.push([`ledger ${name}`, text]);
    expect(places.some(([p]) => p.startsWith('ledger drills/'))).toBe(true);
    for (const [where, text] of places)
      for (const s of secrets) if (text.includes(s)) throw new Error(`${where} contains a secret or document content`);
  });
});
