/**
 * Headless Chromium for the browser tests: Debian's `chromium` package driven by
 * playwright-core (never a downloaded browser). When it is missing, CI fails with the
 * command that installs it; outside CI the browser tests are skipped with a loud message.
 */
import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';

/** The page's `document`, as far as the functions these tests run in the browser use it (no DOM lib in tsconfig). */
declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  getElementById(id: string): { classList: { contains(c: string): boolean } } | null;
};

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export const chromiumMissing = !fs.existsSync(CHROMIUM_PATH);
const MISSING = `Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get update && apt-get install -y chromium\` (or set CHROMIUM_PATH)`;

/** `describe`, or outside CI a loudly skipped one when Chromium is missing; in CI a missing Chromium fails. */
export function describeBrowser(name: string, fn: () => void): void {
  if (chromiumMissing && !process.env.CI) {
    console.warn(`\n*** SKIPPING browser tests '${name}': ${MISSING} ***\n`);
    describe.skip(name, fn);
    return;
  }
  describe(name, () => {
    if (chromiumMissing)
      it('has Chromium', () => {
        throw new Error(MISSING);
      });
    else fn();
  });
}

export async function launchChromium(): Promise<Browser> {
  if (chromiumMissing) throw new Error(MISSING);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Every request the page made. */
  requests: Request[];
  /** Requests to anything but 127.0.0.1 (aborted). */
  offLoopback: string[];
  /** Console errors and page errors (CSP violations show up here). */
  errors: string[];
}

/** A fresh context whose every request is checked: only 127.0.0.1 (and data: URLs) pass, anything else is aborted and recorded. */
export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const w: WatchedPage = { context, page, requests: [], offLoopback: [], errors: [] };
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || url.hostname === '127.0.0.1') return route.fallback();
    w.offLoopback.push(url.toString());
    return route.abort();
  });
  page.on('request', (r) => w.requests.push(r));
  page.on('console', (m) => {
    if (m.type() === 'error') w.errors.push(m.text());
  });
  page.on('pageerror', (e) => w.errors.push(String(e)));
  return w;
}

/** Text of an element once it matches (polling in the page, bounded by a real-time timeout). */
export async function waitForText(page: Page, selector: string, pattern: RegExp, timeout = 15_000): Promise<string> {
  await page
    .waitForFunction(
      ([sel, source, flags]) => {
        const el = document.querySelector(sel);
        return !!el && new RegExp(source, flags).test(el.textContent ?? '');
      },
      [selector, pattern.source, pattern.flags] as const,
      { timeout },
    )
    .catch(async (e: unknown) => {
      const text = await page.textContent(selector).catch(() => null);
      throw new Error(
        `${selector} did not match ${String(pattern)} within ${timeout} ms; it reads ${JSON.stringify(text)}`,
        {
          cause: e,
        },
      );
    });
  return (await page.textContent(selector)) ?? '';
}
