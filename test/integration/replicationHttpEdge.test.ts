/**
 * The HTTP API against hostile input, over real HTTP to the local host with function keys
 * configured (issue 12, items 4–6 and 10): ids that would rewrite the durable management URL,
 * bodies and error lists that grow with the request, a Host header chosen by the caller, and
 * keys handed out in answers.
 */
import http from 'node:http';
import { VirtualClock } from '../../dev/clock';
import { ManagementApi } from '../../dev/host/management';
import { QUIET_STACK, useLocalStack } from '../support/stack';
import { InvalidInstanceIdError, findInstanceStatus } from '../../src/functions/durableStatus';
import { MAX_ECHO_CHARS, MAX_PROBLEMS_LISTED, MAX_REQUEST_BODY_BYTES } from '../../src/http/limits';
import { collectingLogger, readySourceIds } from './replicationHarness';

const FUNCTION_KEY = 'edge-function-key-0123456789';
const SYSTEM_KEY = 'edge-system-key-9876543210';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: Record<string, unknown>;
}

describe('replication HTTP API: hostile ids, bodies and Host headers; keys never handed out', () => {
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const logs = collectingLogger();
  const stack = useLocalStack({
    ...QUIET_STACK,
    clock,
    logger: logs.logger,
    host: { timerSchedules: false, functionKey: FUNCTION_KEY, systemKey: SYSTEM_KEY },
  });
  const replies: Reply[] = [];

  // A failed test leaves no run behind to conflict with the next one.
  afterEach(async () => {
    for (const s of stack.host.durable.list())
      if (['Pending', 'Running'].includes(s.runtimeStatus)) stack.host.durable.terminate(s.instanceId, 'test over');
    await stack.host.runUntilIdle();
  });

  /** A raw request: the path is sent as written (no client-side normalization), any Host header, an optional body. */
  function send(
    method: string,
    path: string,
    options: { host?: string; body?: string | Buffer; chunked?: boolean; key?: string | null } = {},
  ): Promise<Reply> {
    const base = new URL(stack.host.baseUrl);
    const headers: Record<string, string> = {};
    if (options.host) headers.Host = options.host;
    if (options.key !== null) headers['x-functions-key'] = options.key ?? FUNCTION_KEY;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.body !== undefined && !options.chunked)
      headers['Content-Length'] = String(Buffer.byteLength(options.body));
    return new Promise((resolve, reject) => {
      const req = http.request({ hostname: base.hostname, port: Number(base.port), path, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> = {};
          try {
            json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            // not JSON
          }
          const reply = { status: res.statusCode ?? 0, headers: res.headers, text, json };
          replies.push(reply);
          resolve(reply);
        });
      });
      req.on('error', reject);
      if (options.body !== undefined && options.chunked) {
        const body = Buffer.from(options.body);
        for (let at = 0; at < body.length; at += 1 << 20) req.write(body.subarray(at, at + (1 << 20)));
      } else if (options.body !== undefined) req.write(options.body);
      req.end();
    });
  }

  function countManagementCalls(): { calls: () => string[]; restore: () => void } {
    const seen: string[] = [];
    const original = ManagementApi.prototype.handle;
    const spy = jest.spyOn(ManagementApi.prototype, 'handle').mockImplementation(function (this: ManagementApi, ...a) {
      seen.push(`${a[0]} ${a[1]}`);
      return original.apply(this, a);
    });
    return { calls: () => seen, restore: () => spy.mockRestore() };
  }

  describe('item 4: ids are checked against the app id grammar before any durable call, and encoded', () => {
    it.each([
      ['a query', '%3FruntimeStatus%3DRunning', /id: holds '\?' at position 1/],
      ['another route', '..%2F..%2Fapi%2Freport', /id: holds '\/' at position 3/],
      ['a path inside the id', 'run%2F..%2F..%2Freport', /id: holds '\/' at position 4/],
      ['a leading dot', '.hidden', /id: must start with a letter or a digit/],
      ['a fragment', 'run%23x', /id: holds '#' at position 4/],
      ['a space', 'run%20x', /id: holds U\+0020 at position 4/],
      ['a percent sign', 'run%2541', /id: holds '%' at position 4/],
      ['a non-ASCII letter', 'r%C3%A9', /id: holds U\+00E9 at position 2/],
      ['too many characters', 'r'.repeat(101), /id: is 101 characters long; an instance id has at most 100/],
    ])('GET /api/replications/{id} with %s → 400 naming the problem, no durable call', async (_name, raw, problem) => {
      await stack.reset();
      // An instance exists, so a list answer (the old failure) would hold its id.
      const other = await stack.host.durable.startNew('replicateModels', {
        instanceId: `http-20261121T000000Z-${Math.random().toString(36).slice(2, 8)}`,
        input: { trigger: 'http', dryRun: true },
      });
      const management = countManagementCalls();
      const logsBefore = logs.entries.length;
      let res: Reply;
      try {
        res = await send('GET', `/api/replications/${raw}`);
      } finally {
        management.restore();
      }
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: 'invalid request', problemCount: 1 });
      expect(res.json.problems).toEqual([expect.stringMatching(problem)]);
      expect(management.calls()).toEqual([]);
      expect(res.text).not.toContain(other);
      const newLogs = JSON.stringify(logs.entries.slice(logsBefore));
      expect(newLogs).not.toContain(other);
      expect(newLogs).not.toMatch(/getReadinessReport/);
      await stack.host.durable.waitForInstance(other);
    });

    it('a run id, and the ids of its parts, still answer (200 and 404); the management URL is encoded', async () => {
      const emulator = await stack.reset();
      const started = await send('POST', '/api/replications', {
        body: JSON.stringify({ models: [readySourceIds(emulator)[0]], regions: ['eastus'], dryRun: true }),
      });
      expect(started.status).toBe(202);
      const id = started.json.id as string;
      await stack.host.durable.waitForInstance(id);
      const management = countManagementCalls();
      try {
        expect((await send('GET', `/api/replications/${encodeURIComponent(id)}`)).status).toBe(200);
        const copy = stack.host.durable
          .list()
          .find((s) => s.name === 'copyModelToRegion' && s.instanceId.startsWith(id));
        if (copy)
          expect((await send('GET', `/api/replications/${encodeURIComponent(copy.instanceId)}`)).status).toBe(404);
        expect((await send('GET', '/api/replications/no-such-run')).status).toBe(404);
      } finally {
        management.restore();
      }
      expect(management.calls().every((c) => /^GET instances\/[A-Za-z0-9._~!%-]+$/.test(c))).toBe(true);
    });

    it('findInstanceStatus refuses an id outside the grammar before fetching the status URL', async () => {
      await stack.reset();
      const client = stack.host.durable.client();
      const management = countManagementCalls();
      try {
        for (const bad of ['?runtimeStatus=Running', '../../api/report', '..', 'a/b', ''])
          await expect(findInstanceStatus(client, bad)).rejects.toBeInstanceOf(InvalidInstanceIdError);
        expect(await findInstanceStatus(client, 'cvbackup-unknown:x!0123')).toBeUndefined();
      } finally {
        management.restore();
      }
      expect(management.calls()).toEqual(['GET instances/cvbackup-unknown%3Ax!0123']);
    });
  });

  describe('item 5: bounded bodies, problem lists and echoes', () => {
    const twoMillionBadIds = (): string => `{"models":[${Array(2_000_000).fill('"!!"').join(',')}]}`;

    it.each([
      ['with Content-Length', false],
      ['chunked', true],
    ])('a 10 MB body of two million bad ids (%s) → 413 with a small body, nothing started', async (_n, chunked) => {
      await stack.reset();
      const body = twoMillionBadIds();
      expect(body.length).toBeGreaterThan(10_000_000);
      const before = stack.host.durable.list().length;

      const res = await send('POST', '/api/replications', { body, chunked });

      expect(res.status).toBe(413);
      expect(res.json).toEqual({
        error: `request body too large: at most ${MAX_REQUEST_BODY_BYTES} bytes`,
        limitBytes: MAX_REQUEST_BODY_BYTES,
      });
      expect(res.text.length).toBeLessThan(200);
      expect(stack.host.durable.list()).toHaveLength(before);
    });

    it('a body just under the cap full of bad ids → 400 listing the first 20 and the count, each value cut to 100 characters', async () => {
      await stack.reset();
      const longBad = `!${'x'.repeat(4000)}`;
      const unknownField = `unknown-${'k'.repeat(5000)}`;
      const ids: string[] = [longBad, longBad];
      const base = JSON.stringify({ models: ids, [unknownField]: 1 }).length;
      for (let n = Math.floor((MAX_REQUEST_BODY_BYTES - base) / 5); n > 0; n--) ids.push('!!'); // each adds ,"!!"
      const body = JSON.stringify({ models: ids, [unknownField]: 1 });
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_REQUEST_BODY_BYTES);
      expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_REQUEST_BODY_BYTES - 5);

      const res = await send('POST', '/api/replications', { body });

      expect(res.status).toBe(400);
      const problems = res.json.problems as string[];
      expect(problems).toHaveLength(MAX_PROBLEMS_LISTED);
      expect(res.json.problemCount).toBe(ids.length + 2); // every bad id, the unknown field, and too many ids
      expect(problems[0]).toMatch(/^unknown-k+…: unknown field/);
      expect(problems[1]).toMatch(/^models\[0\]: '!x+…' is not a model id$/);
      for (const p of problems) {
        for (const quoted of p.match(/'[^']*'/g) ?? [])
          expect(Array.from(quoted).length - 2).toBeLessThanOrEqual(MAX_ECHO_CHARS);
        expect(p.length).toBeLessThan(MAX_ECHO_CHARS + 100);
      }
      expect(res.text.length).toBeLessThan(6 * 1024);
    });

    it('GET /api/models/{id}/replicas never echoes more than 100 characters of the id', async () => {
      await stack.reset();
      const id = `m${'x'.repeat(700)}`;
      const res = await send('GET', `/api/models/${id}/replicas`);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('x'.repeat(MAX_ECHO_CHARS));
    });
  });

  describe('item 6: absolute URLs come from the configured host name, never the Host header', () => {
    it('Host: another name is not reflected in statusUrl or Location (202 and 409), nor by any other route', async () => {
      const emulator = await stack.reset();
      // The local host serves only its loopback names (a foreign one is a 421, issue 25 item 5); another
      // loopback name than WEBSITE_HOSTNAME's still must not be reflected.
      const other = `localhost:${new URL(stack.host.baseUrl).port}`;
      const evil = 'evil.example';
      const expected = `${stack.host.baseUrl}/api/replications/`;
      expect(process.env.WEBSITE_HOSTNAME).toBe(new URL(stack.host.baseUrl).host);

      const started = await send('POST', '/api/replications', { host: other, body: '{"regions":["eastus"]}' });
      expect(started.status).toBe(202);
      const id = started.json.id as string;
      expect(started.json.statusUrl).toBe(`${expected}${encodeURIComponent(id)}`);
      expect(started.headers.location).toBe(started.json.statusUrl);
      const conflict = await send('POST', '/api/replications', { host: `localhost`, body: '{}' });
      expect(conflict.status).toBe(409);
      expect(conflict.json.statusUrl).toBe(`${expected}${encodeURIComponent(id)}`);
      const foreign = await send('POST', '/api/replications', { host: `${evil}:443`, body: '{}' });
      expect(foreign.status).toBe(421);

      const others = [
        `/api/replications/${encodeURIComponent(id)}`,
        '/api/replications/%3Fx',
        `/api/models/${encodeURIComponent(readySourceIds(emulator)[0])}/replicas`,
        '/api/report',
        '/api/customvision/backups',
        '/api/customvision/backups?projectId=nope',
        '/api/customvision/rejected',
      ];
      for (const path of others)
        for (const host of [other, evil]) {
          const res = await send('GET', path, { host });
          expect(`${path} ${res.text} ${JSON.stringify(res.headers)}`).not.toContain(host);
        }
      for (const r of [started, conflict, foreign])
        expect(`${r.text} ${JSON.stringify(r.headers)}`).not.toMatch(new RegExp(`${other}|${evil}`));
      await stack.host.durable.waitForInstance(id);
    });
  });

  describe('item 10: with keys configured, function routes need the function key and no answer hands out a key', () => {
    it('every app route: 401 without the key; with it, no key in any body, header or URL', async () => {
      const emulator = await stack.reset();
      const [model] = readySourceIds(emulator);
      const routes: Array<[string, string, string?]> = [
        ['POST', '/api/replications', '{"dryRun":true,"regions":["eastus"]}'],
        ['POST', '/api/replications', '{}'], // 409 while the first runs
        ['POST', '/api/replications', '{"nope":1}'],
        ['GET', '/api/replications/no-such-run'],
        ['GET', `/api/models/${encodeURIComponent(model)}/replicas`],
        ['GET', '/api/report'],
        ['GET', '/api/customvision/backups'],
        ['GET', '/api/customvision/rejected'],
      ];
      for (const [method, path, body] of routes) {
        expect((await send(method, path, { body, key: null })).status).toBe(401);
        expect((await send(method, path, { body, key: SYSTEM_KEY })).status).toBe(401);
      }
      const answers: Reply[] = [];
      for (const [method, path, body] of routes) answers.push(await send(method, path, { body }));
      expect(answers.map((a) => a.status).slice(0, 3)).toEqual([202, 409, 400]);
      const id = answers[0].json.id as string;
      answers.push(await send('GET', `/api/replications/${encodeURIComponent(id)}`));
      expect(answers.at(-1)?.status).toBe(200);
      for (const a of answers) {
        const all = `${a.text} ${JSON.stringify(a.headers)}`;
        expect(all).not.toContain(FUNCTION_KEY);
        expect(all).not.toContain(SYSTEM_KEY);
        expect(all).not.toMatch(/code=/);
      }
      expect(new URL(answers[0].json.statusUrl as string).search).toBe('');
      await stack.host.durable.waitForInstance(id);
      // Nothing the host or the app logged holds either key.
      const logged = JSON.stringify(logs.entries);
      expect(logged).not.toContain(FUNCTION_KEY);
      expect(logged).not.toContain(SYSTEM_KEY);
    });
  });
});
