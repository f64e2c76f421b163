/**
 * `GET /api/failovers` and `GET /api/failovers/{id}` while the ledger's storage fails (issue 23),
 * through the local host with real Azurites, in the style of ledgerOutage.test.ts:
 *
 * - the primary endpoint down, a second Azurite holding a copy of the ledger standing in for the
 *   secondary (`DR_LEDGER_SECONDARY_BLOB_URL`): both routes answer from it, marked
 *   `ledgerReadOnly: true` with the reason — the record too when the orchestration's status is
 *   gone (purged) or cannot be read (the durable store down as well: the record answers alone,
 *   an id the secondary does not hold is a 503);
 * - no endpoint answering: both answer `503` naming the storage outage, never `404` (the
 *   failover exists) nor `500`.
 */
import { VirtualClock } from '../../dev/clock';
import type { LocalStack } from '../../dev/stack';
import { callApi, copyLedgerToSecondary, useSecondaryAzurite } from '../support/ledgerSecondary';
import { QUIET_STACK, useLocalStack } from '../support/stack';
import { run } from './replicationHarness';

/** One run, then an unplanned failover to eastus (no call to the old primary); its id. */
async function failedOver(stack: LocalStack): Promise<string> {
  await stack.reset();
  expect((await run(stack)).totals.failed).toBe(0);
  const started = await callApi(stack, 'POST', '/api/failovers', { to: 'eastus', mode: 'unplanned' });
  expect(started.status).toBe(202);
  const id = started.body.id as string;
  expect((await stack.host.durable.waitForInstance(id)).runtimeStatus).toBe('Completed');
  const listed = await callApi(stack, 'GET', '/api/failovers?limit=5');
  expect(listed.status).toBe(200);
  expect(listed.body.ledgerReadOnly).toBeUndefined();
  expect((listed.body.failovers as Array<{ id: string }>).map((f) => f.id)).toEqual([id]);
  return id;
}

describe('failover records with the ledger primary down, a secondary holding a copy: answered from it, read-only', () => {
  const clock = new VirtualClock('2026-12-01T00:00:00Z');
  const secondary = useSecondaryAzurite();
  const stack = useLocalStack(() => ({
    ...QUIET_STACK,
    clock,
    env: { DR_LEDGER_SECONDARY_BLOB_URL: secondary().blobEndpoint },
  }));

  it('GET /api/failovers and /api/failovers/{id} from the secondary, marked ledgerReadOnly with the reason', async () => {
    const id = await failedOver(stack);
    const before = await callApi(stack, 'GET', `/api/failovers/${id}`);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ id, status: 'completed', record: { id, to: 'eastus' } });
    expect(before.body.ledgerReadOnly).toBeUndefined();

    // Geo-replication, played by hand: the secondary holds a copy of every ledger blob.
    await copyLedgerToSecondary(stack, secondary());
    await stack.azurite!.stop();

    const reason =
      /primary endpoint cannot be reached \(.*ECONNREFUSED.*\): read from the secondary endpoint; the ledger is read-only/;
    const list = await callApi(stack, 'GET', '/api/failovers?limit=5');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ ledgerReadOnly: true, ledgerReadOnlyReason: expect.stringMatching(reason) });
    expect(list.body.failovers).toEqual([
      expect.objectContaining({ id, mode: 'unplanned', from: 'westus2', to: 'eastus', status: 'completed' }),
    ]);

    const one = await callApi(stack, 'GET', `/api/failovers/${id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      id,
      status: 'completed',
      record: { id, to: 'eastus', status: 'completed' },
      ledgerReadOnly: true,
      ledgerReadOnlyReason: expect.stringMatching(reason),
    });

    // The orchestration's status gone (purged): the record the secondary holds answers alone.
    expect(stack.host.durable.purge(id)).toBe(true);
    const recordOnly = await callApi(stack, 'GET', `/api/failovers/${id}`);
    expect(recordOnly.status).toBe(200);
    expect(recordOnly.body).toMatchObject({
      id,
      status: 'completed',
      record: { id, to: 'eastus', eventSentAt: expect.any(String) },
      ledgerReadOnly: true,
    });

    // A failover neither the secondary nor the durable store knows: 404, still marked read-only.
    const unknown = await callApi(stack, 'GET', '/api/failovers/failover-20261201T000000Z-nosuch');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ ledgerReadOnly: true });

    // The durable store down too (DURABLE_BACKEND=azureStorage keeps it in the same account): its
    // status query answers 503. The record still answers; an id it does not hold is a 503, not a 404.
    const realFetch = globalThis.fetch;
    let statusQueries = 0;
    globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url.includes('/runtime/webhooks/durabletask/instances/')) {
        statusQueries++;
        return new Response('the task hub storage cannot be reached', { status: 503 });
      }
      return realFetch(input, init);
    };
    try {
      const alone = await callApi(stack, 'GET', `/api/failovers/${id}`);
      expect(alone.status).toBe(200);
      expect(alone.body).toMatchObject({ id, status: 'completed', record: { id }, ledgerReadOnly: true });
      const unsure = await callApi(stack, 'GET', '/api/failovers/failover-20261201T000000Z-nosuch');
      expect(unsure.status).toBe(503);
      expect(unsure.body.error).toMatch(
        /ledger storage unavailable: .*read from the secondary endpoint.*no record of failover 'failover-20261201T000000Z-nosuch' there, and its orchestration status cannot be read/,
      );
      expect(statusQueries).toBe(2);
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});

describe('failover records with no ledger endpoint answering: 503 naming the storage outage', () => {
  const clock = new VirtualClock('2026-12-01T00:00:00Z');
  const stack = useLocalStack({ ...QUIET_STACK, clock });

  it('GET /api/failovers and /api/failovers/{id} (its orchestration purged) answer 503, never 404 or 500', async () => {
    const id = await failedOver(stack);
    expect(stack.host.durable.purge(id)).toBe(true);
    const kept = await callApi(stack, 'GET', `/api/failovers/${id}`);
    expect(kept).toMatchObject({ status: 200, body: { id, status: 'completed', record: { id } } });

    await stack.azurite!.stop();
    for (const path of [`/api/failovers/${id}`, '/api/failovers?limit=5']) {
      const r = await callApi(stack, 'GET', path);
      expect({ path, status: r.status }).toEqual({ path, status: 503 });
      expect(r.body.error).toMatch(/ledger storage unavailable: .*primary endpoint cannot be reached \(.*ECONNREFUSED/);
      expect(r.body.error).toMatch(/no secondary endpoint is configured \(DR_LEDGER_SECONDARY_BLOB_URL\)/);
    }
  });
});
