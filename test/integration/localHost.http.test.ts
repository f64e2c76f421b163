/**
 * The local host's HTTP side: HTTP functions served like `func start`, the durable
 * management API used by the real DurableClient and by status URLs, and timer functions.
 */
import * as df from 'durable-functions';
import { VirtualClock } from '../../dev/clock';
import { createLocalHost, type LocalHost } from '../../dev/host';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const HOUR = 3_600_000;
const KEY = 'local-function-key';

type FixtureState = (typeof import('../fixtures/hostApp'))['fixtureState'];

describe('local host: HTTP functions, durable client and management API', () => {
  let host: LocalHost;
  let clock: VirtualClock;
  let state: FixtureState;

  beforeAll(async () => {
    clock = new VirtualClock(T0);
    host = await createLocalHost({
      clock,
      httpPort: 0,
      functionKey: KEY,
      listPageSize: 2,
      load: async () => {
        state = (await import('../fixtures/hostApp')).fixtureState;
      },
      env: { NIGHTLY_SCHEDULE: '0 0 2 * * *', NOTIFY_QUEUE: 'unused' },
      queueListeners: false,
      logger: () => undefined,
    });
  });

  afterAll(async () => {
    await host?.close();
  });

  it('starts an orchestration over HTTP: 202 with status URLs that work against the host', async () => {
    // Prepare
    const url = `${host.baseUrl}/api/orchestrators/Race`;

    // Act
    const unauthorized = await fetch(url, { method: 'POST', body: '{}' });
    const res = await fetch(`${url}?code=${KEY}`, { method: 'POST', body: JSON.stringify({ requestedBy: 'test' }) });
    const payload = (await res.json()) as Record<string, string>;

    // Assess
    expect(unauthorized.status).toBe(401);
    expect(res.status).toBe(202);
    expect(res.headers.get('retry-after')).toBe('10');
    expect(res.headers.get('location')).toBe(payload.statusQueryGetUri);
    expect(
      payload.statusQueryGetUri.startsWith(`${host.baseUrl}/runtime/webhooks/durabletask/instances/${payload.id}?`),
    ).toBe(true);

    await host.runUntilIdle({ advanceTime: false });
    const running = await fetch(payload.statusQueryGetUri);
    expect(running.status).toBe(202);
    expect(await running.json()).toMatchObject({
      name: 'Race',
      instanceId: payload.id,
      runtimeStatus: 'Running',
      input: { requestedBy: 'test' },
    });

    const raised = await fetch(payload.sendEventPostUri.replace('{eventName}', 'Approval'), {
      method: 'POST',
      body: JSON.stringify('bob'),
      headers: { 'content-type': 'application/json' },
    });
    expect(raised.status).toBe(202);
    await host.runUntilIdle();

    const done = await fetch(payload.statusQueryGetUri);
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ runtimeStatus: 'Completed', output: { outcome: 'approved', by: 'bob' } });

    const withHistory = (await (
      await fetch(`${payload.statusQueryGetUri}&showHistory=true&showHistoryOutput=true`)
    ).json()) as { historyEvents: Array<{ EventType: string }> };
    expect(withHistory.historyEvents.map((e) => e.EventType)).toEqual([
      'ExecutionStarted',
      'EventRaised',
      'ExecutionCompleted',
    ]);
  });

  it('serves route parameters, constraints, methods and query like func start', async () => {
    const ok = await fetch(`${host.baseUrl}/api/echo/42/bob?q=x`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ id: '42', name: 'bob', q: 'x', fn: 'Echo' });
    expect(await (await fetch(`${host.baseUrl}/api/ECHO/7`)).json()).toEqual({
      id: '7',
      name: null,
      q: null,
      fn: 'Echo',
    });
    expect((await fetch(`${host.baseUrl}/api/echo/not-a-number`)).status).toBe(404);
    expect((await fetch(`${host.baseUrl}/api/echo/1`, { method: 'DELETE' })).status).toBe(404);
    expect(
      (
        await fetch(`${host.baseUrl}/api/orchestrators/Race`, {
          method: 'POST',
          headers: { 'x-functions-key': 'wrong' },
        })
      ).status,
    ).toBe(401);
  });

  it('works with the real DurableClient: start, status, list with continuation, raise, terminate, purge', async () => {
    const client = host.durable.client();
    const a = await client.startNew('Waiter', { instanceId: 'list-a' });
    await client.startNew('Waiter', { instanceId: 'list-b' });
    await client.startNew('Waiter', { instanceId: 'list-c' });
    await host.runUntilIdle();
    expect(a).toBe('list-a');

    const status = await client.getStatus('list-a');
    expect(status.runtimeStatus).toBe('Running');
    await expect(client.getStatus('missing')).rejects.toThrow(/404/);

    // Page size 2: the client follows x-ms-continuation-token.
    const running = await client.getStatusBy({ runtimeStatus: [df.OrchestrationRuntimeStatus.Running] });
    expect(running.map((s) => s.instanceId)).toEqual(expect.arrayContaining(['list-a', 'list-b', 'list-c']));
    const all = await client.getStatusAll();
    expect(all.length).toBeGreaterThanOrEqual(3);

    await client.raiseEvent('list-a', 'never', { v: 1 });
    await client.terminate('list-b', 'stop');
    await host.runUntilIdle();
    expect((await client.getStatus('list-a')).output).toEqual({ v: 1 });
    expect((await client.getStatus('list-b')).runtimeStatus).toBe('Terminated');
    await expect(client.raiseEvent('missing', 'x', 1)).rejects.toThrow(/No instance/);

    const purged = await client.purgeInstanceHistory('list-a');
    expect(purged.instancesDeleted).toBe(1);
    expect(host.durable.getStatus('list-a')).toBeUndefined();
    expect((await client.purgeInstanceHistory('list-a')).instancesDeleted).toBe(0);

    // createHttpManagementPayload (no request) points at this host, not localhost:7071.
    expect(client.createHttpManagementPayload('list-c').statusQueryGetUri.startsWith(`${host.baseUrl}/`)).toBe(true);
    await client.terminate('list-c', 'cleanup');
    await host.runUntilIdle();
  });

  it('filters the instance list by time, status and prefix over the management API', async () => {
    const from = new Date(clock.now()).toISOString();
    await host.advance(HOUR);
    await host.durable.startNew('Waiter', { instanceId: 'filter-1' });
    await host.runUntilIdle();
    const res = await fetch(
      `${host.baseUrl}/runtime/webhooks/durabletask/instances?code=${KEY}&runtimeStatus=Running&createdTimeFrom=${from}&instanceIdPrefix=filter-&top=10`,
    );
    const list = (await res.json()) as Array<{ instanceId: string; input: unknown }>;
    expect(list.map((s) => s.instanceId)).toEqual(['filter-1']);
    expect((await fetch(`${host.baseUrl}/runtime/webhooks/durabletask/instances?code=wrong`)).status).toBe(401);
    host.durable.terminate('filter-1', 'done');
    await host.runUntilIdle();
  });

  it('runs timer functions on demand and on their NCRONTAB schedule (on the virtual clock)', async () => {
    // On demand.
    await host.timers.fire('NightlyStart');
    const first = await host.durable.waitForInstance('nightly');
    expect(first.output).toMatchObject({ greeting: 'Hello on time!' });

    // On schedule: the clock steps to each 02:00 occurrence exactly.
    const runsBefore = state.nightlyRuns.length;
    const start = clock.now();
    const next = host.timers.nextOccurrence('NightlyStart').getTime();
    await host.advance(2 * 24 * HOUR);
    expect(state.nightlyRuns.slice(runsBefore)).toEqual([{ isPastDue: false }, { isPastDue: false }]);
    expect(next).toBeGreaterThan(start);
    expect(new Date(next).getUTCHours()).toBe(2);
    expect(host.durable.getStatus('nightly')?.runtimeStatus).toBe('Completed');
  });

  it('restores the app settings it set when closed', async () => {
    expect(process.env.NIGHTLY_SCHEDULE).toBe('0 0 2 * * *');
    let other: LocalHost | undefined;
    await jest.isolateModulesAsync(async () => {
      other = await createLocalHost({
        clock: new VirtualClock(T0),
        httpPort: 0,
        load: async () => {
          await import('../fixtures/hostApp');
        },
        env: { NIGHTLY_SCHEDULE: '0 30 1 * * *', NOTIFY_QUEUE: 'unused', SOME_SETTING: 'x' },
        queueListeners: false,
        logger: () => undefined,
      });
    });
    expect(process.env.SOME_SETTING).toBe('x');
    expect(other?.timers.nextOccurrence('NightlyStart').toISOString()).toBe('2026-03-01T01:30:00.000Z');
    await other?.close();
    expect(process.env.SOME_SETTING).toBeUndefined();
    expect(process.env.NIGHTLY_SCHEDULE).toBe('0 0 2 * * *');
  });
});
