/**
 * Issue 25 item 2 on the page: a model name (listed by the service, no error involved) and a
 * refusal message carrying terminal escapes, C1 controls and bidi overrides are shown with
 * those characters escaped — in the matrix, its titles and the run's failures — never raw.
 */
import type { Browser } from 'playwright-core';
import { VirtualClock } from '../../dev/clock';
import { CONTROL_CHARACTERS } from '../../src/common/controlText';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { SOURCE, collectingLogger, readySourceIds, run } from '../integration/replicationHarness';
import { launchChromium, waitForText, watchedPage, type WatchedPage } from './browserSupport';

const KEY = `dash-key-${Math.random().toString(36).slice(2, 12)}`;
/** C0 (but tab and line feed), DEL, C1, bidi controls, line and paragraph separators. */
const RAW_CONTROLS = new RegExp(`[${CONTROL_CHARACTERS}]`);

describe('dashboard shows service text without control characters (issue 25 item 2)', () => {
  jest.setTimeout(180_000);
  let stack: LocalStack;
  let browser: Browser;
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const logs = collectingLogger();
  const opened: WatchedPage[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startLocalStack({ clock, logger: logs.logger, host: { timerSchedules: false, functionKey: KEY } }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    for (const w of opened) await w.context.close().catch(() => undefined);
    await browser?.close();
    await stack?.close();
  });

  it('a hostile model name and refusal message: escaped in the matrix, its titles and the run failures', async () => {
    // Prepare
    const emulator = await stack.reset();
    const [broken] = readySourceIds(emulator);
    const named = '00000000-0000-4000-8000-0000000000b2';
    emulator.addModel(SOURCE, { modelId: named, modelName: 'invoices\u202egnp.exe\u0007\u009b2K' });
    emulator.faults.add(SOURCE, {
      kind: 'copyFails',
      code: 'InvalidRequest',
      message: 'Refused\x1b]0;PWNED\x07\u202eDOOG LLA\u2066',
      when: (req) => req.modelId === broken,
    });
    const summary = await run(stack, { regions: ['eastus'] });
    // Act
    const w = await watchedPage(browser);
    opened.push(w);
    await w.page.goto(`${stack.host.baseUrl}/api/dashboard?code=${KEY}`);
    await w.page.waitForSelector('body[data-matrix-ready="true"]', { timeout: 20_000 });
    const { page } = w;
    const runRow = page.locator(`#runs-body tbody[data-key="${summary.runId}"]`);
    await runRow.locator('button.expand').click();
    const failures = await waitForText(page, `#runs-body tbody[data-key="${summary.runId}"] tr.detail`, /Refused/);
    // Assess
    expect(failures).toContain('Refused\\x1b]0;PWNED\\x07\\u202eDOOG LLA\\u2066');
    const nameRow = await page.textContent(`tbody[data-key="${named}"]`);
    expect(nameRow).toContain('invoices\\u202egnp.exe\\x07\\x9b2K');
    const title = await page.locator(`tbody[data-key="${broken}"] td[data-region="eastus"]`).getAttribute('title');
    expect(title).toContain('Refused\\x1b]0;PWNED');
    const shown = await page.evaluate(() => {
      const d = (
        globalThis as unknown as {
          document: {
            body: { innerText: string };
            querySelectorAll(s: string): ArrayLike<{ getAttribute(n: string): string | null }>;
          };
        }
      ).document;
      const titles = Array.from(d.querySelectorAll('[title]')).map((e) => e.getAttribute('title') ?? '');
      return [d.body.innerText, ...titles].join('\n');
    });
    expect(shown).not.toMatch(RAW_CONTROLS);
    expect(w.errors).toEqual([]);
  });
});
