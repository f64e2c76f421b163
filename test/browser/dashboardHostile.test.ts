/**
 * Issue 25 item 11, the dashboard in a real browser against the local host (virtual clock): opened
 * under a `//host/…` path it still calls its own origin's API and takes the key out of the address
 * bar; "re-run failed pairs" leaves out (and says so) the failed model ids a run request cannot name.
 */
import type { Browser } from 'playwright-core';
import { VirtualClock } from '../../dev/clock';
import { defaultResourceSpecs } from '../../dev/emulators/formRecognizer';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { SOURCE, run } from '../integration/replicationHarness';
import { launchChromium, waitForText, watchedPage } from './browserSupport';

const KEY = `dash-key-${Math.random().toString(36).slice(2, 12)}`;

describe('dashboard under hostile paths and ids (issue 25 item 11)', () => {
  jest.setTimeout(180_000);
  let stack: LocalStack;
  let browser: Browser;
  const clock = new VirtualClock('2026-11-21T00:00:00Z');

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startLocalStack({ clock, logger: () => undefined, host: { timerSchedules: false, functionKey: KEY } }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('opened under a //host/… path: the key leaves the address bar and every API call goes to the page origin', async () => {
    await stack.reset();
    await run(stack, { regions: ['eastus'] });
    const w = await watchedPage(browser);
    const requested: string[] = [];
    w.page.on('request', (r) => requested.push(r.url()));
    const origin = new URL(stack.host.baseUrl).origin;
    const res = await w.page.goto(`${origin}//evil.example/api/dashboard?code=${KEY}&refresh=1`);
    expect(res?.status()).toBe(200);
    await w.page.waitForSelector('body[data-matrix-ready="true"]', { timeout: 20_000 });
    expect(w.page.url()).not.toContain('code=');
    expect(w.page.url()).not.toContain(KEY);
    const calls = requested.filter((u) => u.includes('/api/') && !u.includes('/api/dashboard?'));
    expect(calls.length).toBeGreaterThan(0);
    for (const u of calls) expect(u.startsWith(`${origin}/api/`)).toBe(true);
    await w.context.close();
  });

  it('"re-run failed pairs" leaves out the ids a run request cannot name, says so, and re-runs the others', async () => {
    const [source, ...targets] = defaultResourceSpecs();
    const odd = 'odd:model';
    const emulator = await stack.reset({
      resources: [{ ...source, models: [...(source.models ?? []), { modelId: odd, modelName: 'odd' }] }, ...targets],
    });
    const broken = emulator.models(SOURCE).find((m) => m.status === 'ready' && m.modelId !== odd && !m.isComposed)!;
    emulator.faults.add(SOURCE, {
      kind: 'copyFails',
      code: 'ResourceResolverError',
      message: 'Could not fetch information for Cognitive resource.',
      when: (req) => req.modelId === odd || req.modelId === broken.modelId,
      times: 2,
    });
    await run(stack, { regions: ['westeurope'] });
    const w = await watchedPage(browser);
    await w.page.goto(`${stack.host.baseUrl}/api/dashboard?code=${KEY}&refresh=1`);
    await w.page.waitForSelector('body[data-matrix-ready="true"]', { timeout: 20_000 });
    await waitForText(w.page, '#rerun-failed', /\(2\)/);
    await w.page.click('#rerun-failed');
    expect(await w.page.textContent('#confirm-text')).toMatch(
      /2 failed pair.*1 model\(s\) in westeurope.*1 failed model id\(s\) cannot be named in a run request and are left out \(odd:model\)/,
    );
    await w.page.click('#confirm-ok');
    await w.page.waitForSelector('#action-result[data-run-id]');
    const runId = (await w.page.getAttribute('#action-result', 'data-run-id')) ?? '';
    const status = await stack.host.durable.waitForInstance(runId);
    expect(status.input).toMatchObject({ models: [broken.modelId], regions: ['westeurope'] });
    await w.context.close();
  });
});
