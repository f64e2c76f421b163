/**
 * Headless Chromium for the browser tests, driven by playwright-core (which never downloads a
 * browser). Which Chromium, in which order, is `chromium.ts`: `CHROMIUM_PATH`, else the packaged
 * `@sparticuz/chromium` (a dev dependency: `npm ci` brings it), else a system Chromium. When none
 * can start, `launchChromium` rejects naming each candidate and its reason, so the tests fail:
 * they are never skipped.
 */
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { defaultCandidates, launchFirst, type ChromiumCandidate, type Launched } from './chromium';

/** The page's `document`, as far as the functions these tests run in the browser use it (no DOM lib in tsconfig). */
declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  getElementById(id: string): { classList: { contains(c: string): boolean } } | null;
};

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** Launches the first Chromium of `candidates` that starts, saying which one it was. */
export function launchChromiumFrom(candidates: readonly ChromiumCandidate[]): Promise<Launched<Browser>> {
  return launchFirst(candidates, (executablePath) =>
    chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true }),
  );
}

/** A headless Chromium for this machine; rejects with every candidate's reason when none starts. */
export async function launchChromium(): Promise<Browser> {
  return (await launchChromiumFrom(defaultCandidates())).browser;
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
  // DEBUG_PAGE_RESPONSES=1: print every 5xx the page gets, with its body (the console error names only the status).
  if (process.env.DEBUG_PAGE_RESPONSES === '1')
    page.on('response', (r) => {
      if (r.status() >= 500)
        void r.text().then((t) => console.log(`page got ${r.status()} from ${r.url()}: ${t.slice(0, 600)}`));
    });
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
