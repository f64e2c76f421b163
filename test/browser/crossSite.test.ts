/**
 * Issue 25, item 5, in a real browser: a page on another origin (another port of 127.0.0.1,
 * served by this test) sends the requests a browser lets any page send without asking —
 * `fetch(…, {mode: 'no-cors'})` with a `text/plain` or untyped body, a form post, a bodyless
 * POST — to the app in the local host without keys (the default). Every one is refused and
 * nothing starts: no run, no drill, no replay, no orchestration through the management API.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Response } from 'playwright-core';
import { VirtualClock } from '../../dev/clock';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { launchChromium } from './browserSupport';

/** The attacker's page: fires every simple cross-site request at `target`, then sets `document.title = 'done'`. */
function attackerPage(target: string): string {
  return `<!doctype html><html><body>
<form id="f" method="POST" action="${target}/api/replications" target="sink"><input name="dryRun" value="true"></form>
<iframe name="sink"></iframe>
<script>
  const t = ${JSON.stringify(target)};
  const post = (path, body, type) => fetch(t + path, {
    method: 'POST', mode: 'no-cors', body,
    ...(type ? { headers: { 'Content-Type': type } } : {}),
  }).catch(() => undefined);
  Promise.all([
    post('/api/replications', '{"dryRun":true}', 'text/plain'),
    post('/api/replications', new Blob(['{}'])),
    post('/api/replications', undefined),
    post('/api/drills', '{}', 'text/plain'),
    post('/api/customvision/replay', '{"includeRejected":true}', 'application/x-www-form-urlencoded'),
    post('/runtime/webhooks/durabletask/orchestrators/replicateModels', '{"trigger":"http"}', 'text/plain'),
    post('/runtime/webhooks/durabletask/orchestrators/replicateModels', undefined),
  ]).then(() => {
    document.querySelector('iframe').addEventListener('load', () => { document.title = 'done'; });
    document.getElementById('f').submit();
  });
</script></body></html>`;
}

describe('cross-site requests from a page on another origin', () => {
  jest.setTimeout(120_000);
  let stack: LocalStack;
  let browser: Browser;
  let attacker: http.Server;

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startLocalStack({
        clock: new VirtualClock('2026-11-21T00:00:00Z'),
        logger: () => undefined,
        host: { timerSchedules: false },
      }),
      launchChromium(),
    ]);
    attacker = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(attackerPage(stack.host.baseUrl));
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    await stack?.close();
  });

  it('a no-cors fetch, an untyped body, a bodyless POST and a form post start nothing (403 each)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const answers: Response[] = [];
    page.on('response', (r) => {
      if (r.url().startsWith(stack.host.baseUrl)) answers.push(r);
    });
    const origin = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    expect(origin).not.toBe(stack.host.baseUrl);

    await page.goto(`${origin}/`);
    await page.waitForFunction(
      () => (globalThis as unknown as { document: { title: string } }).document.title === 'done',
    );
    await stack.host.runUntilIdle();

    // Chromium sent all eight (seven fetches and the form), each with the attacker's Origin: each refused (403).
    const seen = answers.map((r) => `${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`).sort();
    expect(seen).toEqual(
      [
        'POST /api/replications 403',
        'POST /api/replications 403',
        'POST /api/replications 403',
        'POST /api/replications 403',
        'POST /api/drills 403',
        'POST /api/customvision/replay 403',
        'POST /runtime/webhooks/durabletask/orchestrators/replicateModels 403',
        'POST /runtime/webhooks/durabletask/orchestrators/replicateModels 403',
      ].sort(),
    );
    expect(stack.host.durable.list()).toEqual([]);
    await context.close();
  });
});
