/**
 * The ledger's storage fails (issue 25 item 10; issue 23, the secondary endpoint), through the
 * local host with real Azurites:
 *
 * - primary down, no secondary: `/api/health` answers `503 unhealthy` with the reason, the keyed
 *   routes `503` naming the storage problem, a run refuses; Azurite back (in memory: the ledger
 *   container is gone) → the container is named and re-created, and everything answers again
 *   without a restart;
 * - primary down, a second Azurite holding a copy of the ledger standing in for the secondary
 *   (`DR_LEDGER_SECONDARY_BLOB_URL`): the report, the replicas lookup, the dashboard and health
 *   answer from it, marked `ledgerReadOnly: true` with the reason; runs and drills refuse with 503.
 */
import { startAzurite, type AzuriteInstance } from '../../dev/azurite';
import { VirtualClock } from '../../dev/clock';
import { createLedgerContainerClient } from '../../src/ledger/connect';
import { callApi, copyLedgerToSecondary, ledgerContainerOf, useSecondaryAzurite } from '../support/ledgerSecondary';
import { QUIET_STACK, useLocalStack } from '../support/stack';
import { readySourceIds, run } from './replicationHarness';

/** Azurite's three ports, from a running instance's endpoints. */
function portsOf(a: AzuriteInstance): { blobPort: number; queuePort: number; tablePort: number } {
  return {
    blobPort: Number(new URL(a.blobEndpoint).port),
    queuePort: Number(new URL(a.queueEndpoint).port),
    tablePort: Number(new URL(a.tableEndpoint).port),
  };
}

describe('ledger storage down, no secondary: 503 naming the problem; back (container gone): re-created, no restart', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const stack = useLocalStack({ ...QUIET_STACK, clock });
  let restarted: AzuriteInstance | undefined;
  afterAll(async () => {
    await restarted?.stop();
  });

  it('health 503 unhealthy with the reason, keyed routes 503 naming the storage, a run refuses; then recovers', async () => {
    const emulator = await stack.reset();
    await run(stack);
    const modelId = readySourceIds(emulator)[0];
    expect((await callApi(stack, 'GET', '/api/health')).status).toBe(200);

    const azurite = stack.azurite!;
    const ports = portsOf(azurite);
    await azurite.stop();

    const health = await callApi(stack, 'GET', '/api/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ health: 'unhealthy', reasons: [expect.stringMatching(/ledger storage/)] });
    expect(JSON.stringify(health.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/); // anonymous: no endpoint, no error text

    for (const path of [
      '/api/report',
      `/api/models/${encodeURIComponent(modelId)}/replicas`,
      '/api/dashboard/data',
      '/api/replications?limit=5',
    ]) {
      const r = await callApi(stack, 'GET', path);
      expect({ path, status: r.status }).toEqual({ path, status: 503 });
      expect(r.body.error).toMatch(/ledger storage unavailable: .*primary endpoint cannot be reached \(.*ECONNREFUSED/);
      expect(r.body.error).toMatch(/no secondary endpoint is configured \(DR_LEDGER_SECONDARY_BLOB_URL\)/);
    }
    const before = stack.host.durable.list().length;
    const refused = await callApi(stack, 'POST', '/api/replications', {});
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatch(
      /replication run not started: the ledger storage's primary endpoint cannot be reached/,
    );
    expect(stack.host.durable.list().length).toBe(before);

    // Storage back, but in-memory Azurite lost everything: the ledger container is gone.
    restarted = await startAzurite(ports);
    const named = await callApi(stack, 'GET', '/api/report');
    expect(named.status).toBe(503);
    expect(named.body.error).toContain(`ledger container "${ledgerContainerOf(stack)}" did not exist`);
    expect(named.body.error).toMatch(/re-created, empty/);
    const service = createLedgerContainerClient(
      { connectionString: restarted.connectionString },
      ledgerContainerOf(stack),
    );
    expect(await service.exists()).toBe(true);

    // No restart: every route answers again (an empty ledger), and a run starts and records.
    expect((await callApi(stack, 'GET', '/api/report')).status).toBe(200);
    expect([200, 503]).toContain((await callApi(stack, 'GET', '/api/health')).status);
    expect((await callApi(stack, 'GET', '/api/dashboard/data')).status).toBe(200);
    await service.deleteIfExists(); // deleted again: a run's start re-creates it
    const started = await callApi(stack, 'POST', '/api/replications', {});
    expect(started.status).toBe(202);
    await stack.host.durable.waitForInstance(started.body.id as string);
    const replicas = await callApi(stack, 'GET', `/api/models/${encodeURIComponent(modelId)}/replicas`);
    expect(replicas.status).toBe(200);
    expect(replicas.body.ledgerReadOnly).toBeUndefined();
  });
});

describe('ledger primary down, a secondary holding a copy: reads answer from it (read-only), writes refuse', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const secondary = useSecondaryAzurite();
  const stack = useLocalStack(() => ({
    ...QUIET_STACK,
    clock,
    drills: true,
    env: { DR_LEDGER_SECONDARY_BLOB_URL: secondary().blobEndpoint },
  }));

  it('report, replicas lookup, dashboard and health from the secondary, marked ledgerReadOnly; runs and drills 503', async () => {
    const emulator = await stack.reset();
    await run(stack);
    const modelId = readySourceIds(emulator)[0];
    const primaryReport = await callApi(stack, 'GET', '/api/report');
    expect(primaryReport.status).toBe(200);
    expect(primaryReport.body.ledgerReadOnly).toBeUndefined();
    const primaryReplicas = await callApi(stack, 'GET', `/api/models/${encodeURIComponent(modelId)}/replicas`);

    // Geo-replication, played by hand: the secondary holds a copy of every ledger blob.
    expect(await copyLedgerToSecondary(stack, secondary())).toBeGreaterThan(0);

    await stack.azurite!.stop();

    const report = await callApi(stack, 'GET', '/api/report');
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({
      ledgerReadOnly: true,
      ledgerReadOnlyReason: expect.stringMatching(
        /primary endpoint cannot be reached \(.*ECONNREFUSED.*\): read from the secondary endpoint; the ledger is read-only/,
      ),
    });
    const { ledgerReadOnly: _a, ledgerReadOnlyReason: _b, ...reportRest } = report.body;
    const { ...primaryRest } = primaryReport.body;
    expect(reportRest.rows).toEqual(primaryRest.rows);

    const replicas = await callApi(stack, 'GET', `/api/models/${encodeURIComponent(modelId)}/replicas`);
    expect(replicas.status).toBe(200);
    expect(replicas.body.replicas).toEqual(primaryReplicas.body.replicas);
    expect(replicas.body.ledgerReadOnly).toBe(true);

    const dashboard = await callApi(stack, 'GET', '/api/dashboard/data');
    expect(dashboard.status).toBe(200);
    expect(dashboard.body.ledgerReadOnly).toBe(true);
    const group = await callApi(stack, 'GET', '/api/drgroup');
    expect(group.status).toBe(200);
    expect(group.body).toMatchObject({ primary: 'westus2', epoch: 0, ledgerReadOnly: true });
    const runs = await callApi(stack, 'GET', '/api/replications?limit=5');
    expect(runs.status).toBe(200);
    expect(runs.body).toMatchObject({ ledgerReadOnly: true, runs: [expect.anything()] });

    const health = await callApi(stack, 'GET', '/api/health');
    expect(health.status).toBe(200); // the copies are verified and young: degraded, since nothing can be copied now
    expect(health.body).toMatchObject({
      health: 'degraded',
      ledgerReadOnly: true,
      reasons: expect.arrayContaining([expect.stringMatching(/read from the secondary endpoint/)]),
    });

    const before = stack.host.durable.list().length;
    const refused = await callApi(stack, 'POST', '/api/replications', { dryRun: true });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({
      ledgerReadOnly: true,
      error: expect.stringMatching(
        /replication run not started: the ledger storage's primary endpoint cannot be reached .*reads are served from the secondary endpoint/,
      ),
    });
    const drill = await callApi(stack, 'POST', '/api/drills', {});
    expect(drill.status).toBe(503);
    expect(drill.body.error).toMatch(/drill run not started: the ledger storage's primary endpoint cannot be reached/);
    expect(stack.host.durable.list().length).toBe(before);
  });
});
