/**
 * The local host's HTTP side: HTTP functions served like `func start`, the durable
 * management API used by the real DurableClient and by status URLs, and timer functions.
 */
import http from 'node:http';
import net from 'node:net';
import * as df from 'durable-functions';
import { VirtualClock } from '../../dev/clock';
import { createLocalHost, type LocalHost } from '../../dev/host';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const HOUR = 3_600_000;
const KEY = 'local-function-key';
const SYSTEM_KEY = 'local-system-key-durabletask';

/** One raw HTTP/1.1 exchange over a socket: the request is sent byte for byte, as typed. */
function rawRequest(baseUrl: string, request: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.end(request));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (out += d));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

/** A GET with a chosen Host header and path (no URL normalization by a client library). */
function getWith(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port: Number(port), path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

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
      systemKey: SYSTEM_KEY,
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
      `${host.baseUrl}/runtime/webhooks/durabletask/instances?code=${SYSTEM_KEY}&runtimeStatus=Running&createdTimeFrom=${from}&instanceIdPrefix=filter-&top=10`,
    );
    const list = (await res.json()) as Array<{ instanceId: string; input: unknown }>;
    expect(list.map((s) => s.instanceId)).toEqual(['filter-1']);
    expect((await fetch(`${host.baseUrl}/runtime/webhooks/durabletask/instances?code=wrong`)).status).toBe(401);
    host.durable.terminate('filter-1', 'done');
    await host.runUntilIdle();
  });

  it('management routes on the HTTP port need the system key (the function key is not enough), as in Azure', async () => {
    await host.durable.startNew('Waiter', { instanceId: 'keys-1' });
    await host.runUntilIdle({ advanceTime: false });
    const routes = [
      ['GET', '/runtime/webhooks/durabletask/instances/keys-1'],
      ['GET', '/runtime/webhooks/durabletask/instances'],
      ['GET', '/durabletask/instances/keys-1'],
      ['GET', '/durabletask/instances'],
      ['POST', '/durabletask/orchestrators/Waiter'],
      ['POST', '/runtime/webhooks/durabletask/orchestrators/Waiter'],
      ['POST', '/durabletask/instances/keys-1/terminate'],
    ] as const;
    for (const [method, path] of routes) {
      const plain = await fetch(`${host.baseUrl}${path}`, { method });
      const withFunctionKey = await fetch(`${host.baseUrl}${path}?code=${KEY}`, { method });
      const withFunctionKeyHeader = await fetch(`${host.baseUrl}${path}`, {
        method,
        headers: { 'x-functions-key': KEY },
      });
      expect([path, plain.status, withFunctionKey.status, withFunctionKeyHeader.status]).toEqual([path, 401, 401, 401]);
      for (const r of [plain, withFunctionKey, withFunctionKeyHeader]) {
        const text = await r.text();
        expect(text).not.toContain(KEY);
        expect(text).not.toContain(SYSTEM_KEY);
      }
    }
    const ok = await fetch(`${host.baseUrl}/durabletask/instances/keys-1`, {
      headers: { 'x-functions-key': SYSTEM_KEY },
    });
    expect(ok.status).toBe(202);
    expect(host.durable.getStatus('keys-1')?.runtimeStatus).toBe('Running');

    // The management API answers its caller (who presented the system key) with URLs carrying it; never the function key.
    const started = await fetch(
      `${host.baseUrl}/runtime/webhooks/durabletask/orchestrators/Waiter/keys-2?code=${SYSTEM_KEY}`,
      {
        method: 'POST',
      },
    );
    expect(started.status).toBe(202);
    const payload = (await started.json()) as Record<string, string>;
    for (const [k, v] of Object.entries(payload))
      if (k !== 'id') expect(new URL(v).searchParams.get('code')).toBe(SYSTEM_KEY);
    expect(JSON.stringify(payload)).not.toContain(KEY);

    // The real DurableClient still works: its RPC calls go to the loopback listener of the client's API only,
    // whose base URL carries the system key (issue 25, item 4: without it, 401).
    const client = host.durable.client();
    expect((await client.getStatus('keys-2')).runtimeStatus).toBe('Running');
    const rpcBase = host.durable.clientData().rpcBaseUrl;
    expect(new URL(rpcBase).hostname).toBe('127.0.0.1');
    expect(new URL(rpcBase).port).not.toBe(new URL(host.baseUrl).port);
    expect((await fetch(new URL('../api/echo/1', rpcBase))).status).toBe(404); // no functions there
    expect((await fetch(new URL('../runtime/webhooks/durabletask/instances', rpcBase))).status).toBe(404);
    expect((await fetch(new URL('/durabletask/orchestrators/Waiter/keys-3', rpcBase), { method: 'POST' })).status).toBe(
      401,
    );
    const viaRpc = await fetch(new URL('orchestrators/Waiter/keys-3', rpcBase), { method: 'POST' });
    expect(viaRpc.status).toBe(202);
    expect(await viaRpc.text()).not.toContain(SYSTEM_KEY); // the RPC caller gets URLs without the key
    for (const id of ['keys-1', 'keys-2', 'keys-3']) host.durable.terminate(id, 'done');
    await host.runUntilIdle();
  });

  it('answers 400, never 500, to a request it cannot parse: bad percent-escapes, a bad Host, a bad request line', async () => {
    for (const path of [
      '/api/echo/%ZZ',
      '/api/echo/1/%E0%A4%A',
      '/runtime/webhooks/durabletask/instances/%ZZ',
      '/durabletask/instances/%',
    ]) {
      const res = await getWith(host.baseUrl, `${path}?code=${SYSTEM_KEY}`, {});
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.body).not.toContain(SYSTEM_KEY);
    }
    const badHost = await getWith(host.baseUrl, '/api/echo/1', { Host: 'evil example/x' });
    expect(badHost.status).toBe(400);
    const raw = await rawRequest(
      host.baseUrl,
      'GET /api/echo/%ZZ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    );
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    const garbage = await rawRequest(host.baseUrl, 'NOT A REQUEST LINE\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    // The host still serves.
    expect((await fetch(`${host.baseUrl}/api/echo/7`)).status).toBe(200);
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
