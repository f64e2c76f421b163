/**
 * A test failover (`mode: "test"`): readiness plus restore drills against `to`'s copies, nothing
 * switched or published, recorded like a failover (docs/failover.md). Own file: its stack has
 * restore drills configured. The failover activities run at least once.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { VirtualClock } from '../../dev/clock';
import { QUIET_STACK, useLocalStack } from '../support/stack';
import { SOURCE, itemsOf, ledgerOf, run, versionReset } from './replicationHarness';

const SAMPLE = Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Page >>\n(test failover)\n2 0 obj << /Type /Page >>\n%%EOF`);

describe('test failover', () => {
  const clock = new VirtualClock('2026-12-01T00:00:00Z');
  const stack = useLocalStack({
    ...QUIET_STACK,
    clock,
    host: {
      timerSchedules: false,
      atLeastOnce: [
        { activity: 'failoverReadiness', count: 2 },
        { activity: 'saveFailoverRecord', count: 2 },
      ],
    },
  });

  it('readiness and drills against `to`; nothing switched, no routing published; recorded', async () => {
    const samplesUrl = `${stack.azurite!.blobEndpoint}/drill-samples`;
    const emulator = await stack.reset(
      versionReset('2024-11-30', { env: { DR_DRILL_SAMPLES_URL: samplesUrl, DR_DRILL_MAX_PAGES: '100' } }),
    );
    expect((await run(stack)).totals.failed).toBe(0);
    const model = itemsOf(emulator, SOURCE).find(
      (m) => m.ready && !m.composed && !m.modelId.startsWith('classifier:'),
    )!.modelId;
    const container = BlobServiceClient.fromConnectionString(stack.env.AzureWebJobsStorage!).getContainerClient(
      'drill-samples',
    );
    await container.createIfNotExists();
    await container.getBlockBlobClient(`${model}/sample.pdf`).uploadData(SAMPLE);
    const ledger = await ledgerOf(stack);
    const routingBefore = await ledger.routing.get();

    const res = await fetch(`${stack.host.baseUrl}/api/failovers`, {
      method: 'POST',
      body: JSON.stringify({ to: 'eastus', mode: 'test' }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const ended = await stack.host.durable.waitForInstance(id);
    expect(ended.runtimeStatus).toBe('Completed');
    const status = (await (await fetch(`${stack.host.baseUrl}/api/failovers/${id}`)).json()) as {
      status: string;
      record: { mode: string; drills: { passed: number; outcome: string }; switchedAt?: string; readiness: unknown };
      steps: Array<{ name: string }>;
    };
    expect(status.status).toBe('completed');
    expect(status.record).toMatchObject({ mode: 'test', drills: { outcome: 'passed' } });
    expect(status.record.drills.passed).toBeGreaterThan(0);
    expect(status.record.switchedAt).toBeUndefined();
    expect(status.steps.map((s) => s.name)).toEqual(['requested', 'readiness', 'drills']);
    expect((await ledger.primary.read('westus2')).state).toMatchObject({ primary: 'westus2', epoch: 0 });
    expect((await ledger.routing.get())?.etag).toBe(routingBefore?.etag);
    expect((await ledger.failovers.latest(5)).map((f) => f.mode)).toEqual(['test']);
  }, 240_000);

  it("GET /api/report names the active primary and each member's last failover and last test failover", async () => {
    const samplesUrl = `${stack.azurite!.blobEndpoint}/drill-samples`;
    await stack.reset(
      versionReset('2024-11-30', { env: { DR_DRILL_SAMPLES_URL: samplesUrl, DR_DRILL_MAX_PAGES: '100' } }),
    );
    expect((await run(stack)).totals.failed).toBe(0);
    async function failover(body: Record<string, unknown>): Promise<string> {
      const res = await fetch(`${stack.host.baseUrl}/api/failovers`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json' },
      });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      expect((await stack.host.durable.waitForInstance(id)).runtimeStatus).toBe('Completed');
      return id;
    }
    const report = async (): Promise<Record<string, unknown>> =>
      (await (await fetch(`${stack.host.baseUrl}/api/report`)).json()) as Record<string, unknown>;

    expect((await report()).members).toEqual({
      activePrimary: 'westus2',
      epoch: 0,
      members: [
        { region: 'westus2', role: 'primary' },
        { region: 'eastus', role: 'standby' },
        { region: 'westeurope', role: 'standby' },
      ],
    });

    const test = await failover({ to: 'eastus', mode: 'test' });
    clock.advance(60_000);
    await failover({ to: 'westeurope', mode: 'unplanned', dryRun: true });
    clock.advance(60_000);
    const unplanned = await failover({ to: 'westeurope', mode: 'unplanned' });
    const ledger = await ledgerOf(stack);
    const testRecord = (await ledger.failovers.get(test))!;
    const unplannedRecord = (await ledger.failovers.get(unplanned))!;

    const members = (await report()).members as Record<string, unknown>;
    expect(members).toMatchObject({ activePrimary: 'westeurope', epoch: 1 });
    expect(members.members).toEqual([
      { region: 'westus2', role: 'standby' },
      {
        region: 'eastus',
        role: 'standby',
        lastTestFailover: {
          id: test,
          mode: 'test',
          status: testRecord.status,
          from: 'westus2',
          at: testRecord.finishedAt ?? testRecord.requestedAt,
          drills: testRecord.drills,
        },
      },
      {
        region: 'westeurope',
        role: 'primary',
        lastFailover: {
          id: unplanned,
          mode: 'unplanned',
          status: 'completed',
          from: 'westus2',
          at: unplannedRecord.finishedAt ?? unplannedRecord.requestedAt,
        },
      },
    ]);
  }, 240_000);
});
