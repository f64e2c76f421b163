/**
 * Fault injection, S0 rate limits and the request log of the Form Recognizer emulator.
 */
import { VirtualClock } from '../../dev/clock';
import {
  demoSourceModels,
  type FormRecognizerEmulator,
  startFormRecognizerEmulator,
} from '../../dev/emulators/formRecognizer';
import { authorize, copyBody, json, pollOnce, send, startCopy } from './frEmulatorHelpers';

const MODEL = demoSourceModels()[0]!.modelId!;
const OTHER = demoSourceModels()[1]!.modelId!;
const TOKEN = 'bearer-token-value-for-tests';

describe('Form Recognizer emulator — faults, rate limits, request log', () => {
  let clock: VirtualClock;
  let emu: FormRecognizerEmulator;

  async function start(rateLimits?: boolean | { management?: number; get?: number; list?: number }): Promise<void> {
    emu = await startFormRecognizerEmulator({
      clock,
      rateLimits,
      copyDurationMs: 2000,
      resources: [
        { name: 'src', region: 'westus2', models: demoSourceModels(), acceptedTokens: [TOKEN] },
        { name: 'dr', region: 'eastus' },
      ],
    });
  }

  beforeEach(async () => {
    clock = new VirtualClock('2026-03-01T12:00:00Z');
    await start();
  });

  afterEach(async () => {
    await emu.close();
  });

  describe('fault injection', () => {
    it('throttle: 429 with Retry-After and the service body, `times` requests, then normal', async () => {
      const handle = emu.faults.add('src', { kind: 'throttle', call: 'list', retryAfterSeconds: 7, times: 2 });
      const src = emu.resource('src');

      const first = await send(src, 'GET', '?op=full');
      const second = await send(src, 'GET', '?op=full');
      const summary = await send(src, 'GET', '?op=summary');
      const third = await send(src, 'GET', '?op=full');

      expect([first.status, second.status, summary.status, third.status]).toEqual([429, 429, 200, 200]);
      expect(first.headers.get('retry-after')).toBe('7');
      expect(json<{ error: { code: string; message: string } }>(first).error).toEqual({
        code: '429',
        message: expect.stringMatching(
          /exceeded rate limit of your current FormRecognizer S0 pricing tier\. Please retry after 7 seconds\./,
        ),
      });
      expect(handle.remaining()).toBe(0);
      expect(emu.requestLog.filter((e) => e.fault === 'throttle')).toHaveLength(2);
    });

    it.each([
      { status: 500, code: 'InternalServerError' },
      { status: 503, code: 'ServiceUnavailable' },
    ])('status $status with its default error envelope', async ({ status, code }) => {
      emu.faults.add('src', { kind: 'status', status, call: 'getModel' });
      const res = await send(emu.resource('src'), 'GET', `/${MODEL}`);
      expect(res.status).toBe(status);
      expect(json<{ error: { code: string } }>(res).error.code).toBe(code);
      expect((await send(emu.resource('src'), 'GET', `/${MODEL}`)).status).toBe(200);
    });

    it('status with custom code, message and Retry-After, only for requests matching the predicate', async () => {
      emu.faults.add('src', {
        kind: 'status',
        status: 503,
        code: 'Busy',
        message: 'try later',
        retryAfterSeconds: 3,
        times: Infinity,
        when: (r) => r.modelId === OTHER,
      });
      const hit = await send(emu.resource('src'), 'GET', `/${OTHER}`);
      const miss = await send(emu.resource('src'), 'GET', `/${MODEL}`);
      expect(hit.status).toBe(503);
      expect(hit.headers.get('retry-after')).toBe('3');
      expect(hit.text).toBe('{"error":{"code":"Busy","message":"try later"}}');
      expect(miss.status).toBe(200);
      expect((await send(emu.resource('src'), 'GET', `/${OTHER}`)).status).toBe(503);
      emu.faults.clear('src');
      expect((await send(emu.resource('src'), 'GET', `/${OTHER}`)).status).toBe(200);
    });

    it('drop before processing: the connection dies and nothing happens', async () => {
      emu.faults.add('dr', { kind: 'drop', call: 'authorize' });
      await expect(send(emu.resource('dr'), 'POST', '/copyAuthorization')).rejects.toThrow();
      expect(emu.models('dr')).toEqual([]);
      expect(emu.requestLog.at(-1)).toMatchObject({ resource: 'dr', call: 'authorize', status: 0, fault: 'drop' });
    });

    it('drop after processing: the copy is accepted but its 202 never arrives (a retry is then a reuse)', async () => {
      const dr = emu.resource('dr');
      const auth = await authorize(dr);
      emu.faults.add('src', { kind: 'drop', phase: 'after', call: 'copy' });
      await expect(startCopy(emu.resource('src'), MODEL, copyBody(dr, auth.raw))).rejects.toThrow();
      expect(emu.operations('src')).toHaveLength(1);

      const retry = await startCopy(emu.resource('src'), MODEL, copyBody(dr, auth.raw));
      clock.advance(2000);
      expect((await pollOnce(emu.resource('src'), retry.operationLocation!)).copyResult.errors?.[0]?.code).toBe('2024');
      expect(emu.operations('src').map((o) => o.status)).toEqual(['succeeded', 'failed']);
    });

    it('delay: the response is served after a real-time pause', async () => {
      emu.faults.add('src', { kind: 'delay', ms: 30, call: 'summary' });
      const res = await send(emu.resource('src'), 'GET', '?op=summary');
      expect(res.status).toBe(200);
      expect(emu.requestLog.at(-1)).toMatchObject({ call: 'summary', status: 200, fault: 'delay' });
    });

    it('copyFails applies to the copy chosen by the predicate; copy faults on other calls are refused', async () => {
      const dr = emu.resource('dr');
      emu.faults.add('src', {
        kind: 'copyFails',
        code: 'InternalServerError',
        message: 'boom',
        when: (r) => r.modelId === OTHER,
      });
      const a1 = await authorize(dr);
      const a2 = await authorize(dr);
      const ok = await startCopy(emu.resource('src'), MODEL, copyBody(dr, a1.raw));
      const ko = await startCopy(emu.resource('src'), OTHER, copyBody(dr, a2.raw));
      clock.advance(2000);
      expect((await pollOnce(emu.resource('src'), ok.operationLocation!)).status).toBe('succeeded');
      const failed = await pollOnce(emu.resource('src'), ko.operationLocation!);
      expect(failed).toMatchObject({
        status: 'failed',
        copyResult: { modelId: a2.modelId, errors: [{ code: 'InternalServerError', message: 'boom' }] },
      });
      expect(() => emu.faults.add('src', { kind: 'copyFails', call: 'list', code: 'x', message: 'y' })).toThrow(
        /'copy' calls only/,
      );
      expect(() => emu.faults.add('nowhere', { kind: 'drop' })).toThrow(/unknown resource/);
    });

    it('a throttle fault on copy leaves the authorization unspent', async () => {
      const dr = emu.resource('dr');
      const auth = await authorize(dr);
      emu.faults.add('src', { kind: 'throttle', call: 'copy' });
      expect((await startCopy(emu.resource('src'), MODEL, copyBody(dr, auth.raw))).status).toBe(429);
      const again = await startCopy(emu.resource('src'), MODEL, copyBody(dr, auth.raw));
      clock.advance(2000);
      expect((await pollOnce(emu.resource('src'), again.operationLocation!)).status).toBe('succeeded');
    });

    it('fault handles can be removed, and faults of every call kind are honoured', async () => {
      const handle = emu.faults.add('src', { kind: 'status', status: 500, times: 5 });
      handle.remove();
      expect((await send(emu.resource('src'), 'GET', '?op=summary')).status).toBe(200);

      emu.faults.add('src', { kind: 'status', status: 500, times: Infinity });
      emu.faults.add('dr', { kind: 'status', status: 500, times: Infinity });
      const src = emu.resource('src');
      const statuses = [
        (await send(emu.resource('dr'), 'POST', '/copyAuthorization')).status,
        (await send(src, 'POST', `/${MODEL}/copy`, { body: '{}' })).status,
        (await send(src, 'GET', `/${MODEL}/copyresults/x`)).status,
        (await send(src, 'GET', '?op=full')).status,
        (await send(src, 'GET', '?op=summary')).status,
        (await send(src, 'GET', `/${MODEL}`)).status,
        (await send(src, 'DELETE', `/${MODEL}`)).status,
      ];
      expect(statuses).toEqual([500, 500, 500, 500, 500, 500, 500]);
      expect(emu.requestLog.slice(-7).map((e) => e.call)).toEqual([
        'authorize',
        'copy',
        'copyResult',
        'list',
        'summary',
        'getModel',
        'deleteModel',
      ]);
      emu.faults.clear();
      expect((await send(src, 'GET', `/${MODEL}`)).status).toBe(200);
    });
  });

  describe('rate limits (S0, sliding 1 s window of clock time)', () => {
    beforeEach(async () => {
      await emu.close();
      await start(true);
    });

    it('management: 5 per second shared by authorize and copy, then 429 with Retry-After until the window slides', async () => {
      const dr = emu.resource('dr');
      const src = emu.resource('src');
      const auths = [];
      for (let i = 0; i < 3; i++) auths.push(await authorize(dr));
      // src: 2 authorizations (as a target) + 3 copies = 5 management calls in the same instant.
      expect((await send(src, 'POST', '/copyAuthorization')).status).toBe(201);
      expect((await send(src, 'POST', '/copyAuthorization')).status).toBe(201);
      for (const a of auths) expect((await startCopy(src, MODEL, copyBody(dr, a.raw))).status).toBe(202);

      const sixth = await startCopy(src, MODEL, copyBody(dr, auths[0]!.raw));
      expect(sixth.status).toBe(429);
      expect(sixth.headers.get('retry-after')).toBe('1');
      expect(emu.requestLog.at(-1)).toMatchObject({ resource: 'src', call: 'copy', status: 429, fault: 'rateLimit' });
      // Per resource: the target has used 3 of its 5.
      expect((await send(dr, 'POST', '/copyAuthorization')).status).toBe(201);
      expect((await send(dr, 'POST', '/copyAuthorization')).status).toBe(201);
      expect((await send(dr, 'POST', '/copyAuthorization')).status).toBe(429);

      clock.advance(600);
      expect((await send(src, 'POST', '/copyAuthorization')).status).toBe(429);
      clock.advance(400);
      expect((await send(src, 'POST', '/copyAuthorization')).status).toBe(201);
    });

    it('GET: 50 per second; list: 10 per second', async () => {
      const src = emu.resource('src');
      const gets = await Promise.all(Array.from({ length: 51 }, () => send(src, 'GET', `/${MODEL}`)));
      expect(gets.filter((r) => r.status === 200)).toHaveLength(50);
      expect(gets.filter((r) => r.status === 429)).toHaveLength(1);
      const lists = await Promise.all(Array.from({ length: 11 }, () => send(src, 'GET', '?op=full')));
      expect(lists.filter((r) => r.status === 429)).toHaveLength(1);
    });

    it('can be switched off and tuned at runtime', async () => {
      const src = emu.resource('src');
      emu.setRateLimits({ list: 2 });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await send(src, 'GET', '?op=full')).status);
      expect(statuses).toEqual([200, 200, 429]);
      emu.setRateLimits(false);
      for (let i = 0; i < 20; i++) expect((await send(src, 'GET', '?op=full')).status).toBe(200);
    });
  });

  describe('request log', () => {
    it('records resource, method, call, path, status, clock time, credential kind and the authorization model id — never a secret', async () => {
      // Prepare
      const dr = emu.resource('dr');
      const src = emu.resource('src');
      const auth = await authorize(dr);
      const accessToken = json<{ accessToken: string }>({
        status: 201,
        headers: new Headers(),
        text: auth.raw,
      }).accessToken;

      // Act
      clock.advance(1000);
      const started = await startCopy(src, MODEL, copyBody(dr, auth.raw));
      clock.advance(2000);
      await send(src, 'GET', started.operationLocation!, { key: null, headers: { Authorization: `Bearer ${TOKEN}` } });
      await send(src, 'GET', '?op=summary', { key: 'a-wrong-key-value' });

      // Assess
      expect(emu.requestLog).toEqual([
        expect.objectContaining({
          resource: 'dr',
          method: 'POST',
          call: 'authorize',
          status: 201,
          credential: 'key',
          time: Date.parse('2026-03-01T12:00:00Z'),
        }),
        expect.objectContaining({
          resource: 'src',
          method: 'POST',
          call: 'copy',
          path: `/formrecognizer/v2.1/custom/models/${MODEL}/copy`,
          status: 202,
          credential: 'key',
          modelId: MODEL,
          authorizationModelId: auth.modelId,
          time: Date.parse('2026-03-01T12:00:01Z'),
        }),
        expect.objectContaining({
          call: 'copyResult',
          status: 200,
          credential: 'bearer',
          time: Date.parse('2026-03-01T12:00:03Z'),
        }),
        expect.objectContaining({ call: 'summary', status: 401, credential: 'invalid-key' }),
      ]);
      const logText = JSON.stringify(emu.requestLog);
      for (const secret of [src.key, dr.key, TOKEN, accessToken, 'a-wrong-key-value'])
        expect(logText).not.toContain(secret);
    });
  });
});
