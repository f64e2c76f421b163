/**
 * Issue 25, items 4 and 5, over real HTTP to the local host: what a page on another site (or any
 * local process) can make the host do.
 *
 * - Keyless (the default): state-changing routes refuse bodies that are not `application/json`
 *   (415) and a foreign `Origin` (403) — the app's own gate, src/http/requestGate.ts — and the
 *   durable management API refuses them too; a `Host` that is not a loopback name is refused on
 *   every route (421, DNS rebinding). Nothing is started by a refused request.
 * - With keys: the durable client's RPC listener needs the system key like the public port.
 */
import http from 'node:http';
import { VirtualClock } from '../../dev/clock';
import { QUIET_STACK, useLocalStack } from '../support/stack';

interface Reply {
  status: number;
  text: string;
}

/** A raw request (any Host header, any body, no client-side defaults). */
function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        hostname: url.hostname,
        port: Number(url.port),
        path,
        method,
        headers: { ...headers, ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('cross-site requests (keyless default): refused before they start anything', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const stack = useLocalStack({ ...QUIET_STACK, clock });
  const started = (): number => stack.host.durable.list().length;

  afterEach(async () => {
    for (const s of stack.host.durable.list())
      if (['Pending', 'Running'].includes(s.runtimeStatus)) stack.host.durable.terminate(s.instanceId, 'test over');
    await stack.host.runUntilIdle();
  });

  it.each([
    ['text/plain', '/api/replications', '{"dryRun":true}'],
    ['application/x-www-form-urlencoded', '/api/replications', 'dryRun=true'],
    ['multipart/form-data; boundary=x', '/api/replications', '--x--'],
    ['text/plain;charset=UTF-8', '/api/drills', '{}'],
    ['text/plain', '/api/customvision/replay', '{"includeRejected":true}'],
  ])('a %s POST to %s is a 415 and starts nothing', async (type, path, body) => {
    const before = started();
    const r = await send(stack.host.baseUrl, 'POST', path, { 'Content-Type': type }, body);
    expect(r.status).toBe(415);
    expect(JSON.parse(r.text)).toEqual({ error: expect.stringContaining('application/json') });
    expect(started()).toBe(before);
  });

  it('a body without a Content-Type is a 415; no body and no type is accepted (curl -X POST)', async () => {
    expect((await send(stack.host.baseUrl, 'POST', '/api/replications', {}, '{"dryRun":true}')).status).toBe(415);
    const before = started();
    const r = await send(stack.host.baseUrl, 'POST', '/api/replications', {});
    expect(r.status).toBe(202);
    expect(started()).toBe(before + 1);
  });

  it.each([
    ['a page on another site', 'https://evil.example'],
    ['an opaque origin (sandboxed frame, data: page)', 'null'],
    ['the same host on another port', 'http://127.0.0.1:1'],
  ])('an Origin of %s is a 403 on every state-changing route, JSON or not', async (_name, origin) => {
    const before = started();
    for (const path of ['/api/replications', '/api/drills', '/api/customvision/replay']) {
      const r = await send(
        stack.host.baseUrl,
        'POST',
        path,
        { Origin: origin, 'Content-Type': 'application/json' },
        '{}',
      );
      expect(r.status).toBe(403);
      expect(r.text).toContain('cross-site request refused');
      expect(r.text).not.toContain(origin === 'null' ? 'evil' : origin);
    }
    expect(started()).toBe(before);
  });

  it("the app's own origin, under any loopback name, starts a run (the dashboard's same-origin calls)", async () => {
    const port = new URL(stack.host.baseUrl).port;
    const r = await send(
      stack.host.baseUrl,
      'POST',
      '/api/replications',
      { Origin: `http://localhost:${port}`, 'Content-Type': 'application/json; charset=utf-8' },
      '{"dryRun":true}',
    );
    expect(r.status).toBe(202);
  });

  it('the durable management API refuses form posts and foreign origins too (it would start replicateModels)', async () => {
    const before = started();
    const path = '/runtime/webhooks/durabletask/orchestrators/replicateModels';
    expect((await send(stack.host.baseUrl, 'POST', path, { 'Content-Type': 'text/plain' }, '{}')).status).toBe(415);
    expect(
      (
        await send(
          stack.host.baseUrl,
          'POST',
          path,
          { Origin: 'https://evil.example', 'Content-Type': 'application/json' },
          '{}',
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await send(stack.host.baseUrl, 'GET', '/runtime/webhooks/durabletask/instances', {
          Origin: 'https://evil.example',
        })
      ).status,
    ).toBe(403);
    expect(
      (await send(stack.host.baseUrl, 'POST', '/durabletask/instances/x/terminate', { Origin: 'null' })).status,
    ).toBe(403);
    expect(started()).toBe(before);
  });

  it.each([
    ['GET', '/api/health'],
    ['GET', '/api/report'],
    ['GET', '/api/dashboard'],
    ['POST', '/api/replications'],
    ['GET', '/runtime/webhooks/durabletask/instances'],
    ['POST', '/durabletask/orchestrators/replicateModels'],
  ])('a Host that is not a loopback name (DNS rebinding) is refused: %s %s → 421', async (method, path) => {
    const before = started();
    for (const host of ['evil.example', `evil.example:${new URL(stack.host.baseUrl).port}`, '10.0.0.1', '127.0.0.2'])
      expect(
        (
          await send(
            stack.host.baseUrl,
            method,
            path,
            { Host: host, ...(method === 'POST' ? { 'Content-Type': 'application/json' } : {}) },
            method === 'POST' ? '{"dryRun":true}' : undefined,
          )
        ).status,
      ).toBe(421);
    expect(started()).toBe(before);
  });

  it('the loopback names are served', async () => {
    const port = new URL(stack.host.baseUrl).port;
    for (const host of ['127.0.0.1', 'localhost', '[::1]', 'LOCALHOST'])
      expect((await send(stack.host.baseUrl, 'GET', '/api/health', { Host: `${host}:${port}` })).status).not.toBe(421);
  });
});

describe('with keys: the RPC listener of the durable client needs the system key too', () => {
  const SYSTEM_KEY = 'rpc-system-key-0123456789';
  const stack = useLocalStack({
    ...QUIET_STACK,
    clock: new VirtualClock('2026-11-21T00:00:00Z'),
    host: { timerSchedules: false, functionKey: 'rpc-function-key-0123456789', systemKey: SYSTEM_KEY },
  });

  it('without the key: 401 for listing, starting, terminating and purging; the app’s client still works', async () => {
    const rpcBase = new URL(stack.host.durable.clientData().rpcBaseUrl);
    const origin = rpcBase.origin;
    expect(origin).not.toBe(new URL(stack.host.baseUrl).origin);
    const before = stack.host.durable.list().length;
    for (const [method, path] of [
      ['GET', '/durabletask/instances?showInput=true'],
      ['GET', '/durabletask/instances/any?showHistory=true&showHistoryOutput=true'],
      ['POST', '/durabletask/orchestrators/replicateModels'],
      ['POST', '/durabletask/instances/any/terminate?reason=x'],
      ['DELETE', '/durabletask/instances/any'],
      ['DELETE', '/durabletask/instances?runtimeStatus=Completed'],
      ['GET', '/other/durabletask/instances'],
      ['GET', '/api/health'],
    ] as const) {
      const r = await send(origin, method, path, method === 'POST' ? { 'Content-Type': 'application/json' } : {});
      expect({ method, path, status: r.status }).toEqual({ method, path, status: 401 });
      expect(r.text).not.toContain(SYSTEM_KEY);
    }
    const wrong = await send(origin, 'GET', '/durabletask/instances', { 'x-functions-key': 'not-the-key' });
    expect(wrong.status).toBe(401);
    expect(stack.host.durable.list().length).toBe(before);

    // The app's DurableClient (whose base URL carries the key) works; so does a caller presenting the key.
    const client = stack.host.durable.client();
    const id = await client.startNew('replicateModels', {
      instanceId: 'rpc-keyed',
      input: { trigger: 'http', dryRun: true },
    });
    expect((await client.getStatus(id)).instanceId).toBe('rpc-keyed');
    const keyed = await send(origin, 'GET', '/durabletask/instances/rpc-keyed', { 'x-functions-key': SYSTEM_KEY });
    expect(keyed.status).not.toBe(401);
    stack.host.durable.terminate('rpc-keyed', 'test over');
    await stack.host.runUntilIdle();
  });
});
