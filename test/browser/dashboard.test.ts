/**
 * The operators' dashboard in a real browser (Debian's Chromium via playwright-core), against
 * the app in the local host with Azurite, the Form Recognizer and Custom Vision emulators on a
 * virtual clock: the matrix after a run, a failed pair with its reason, live progress of a run
 * started from the page, a dry run's plan, the Custom Vision backups and rejected
 * notifications, the banner when the API cannot be reached; every request stays on loopback
 * and the function key never reaches the DOM.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { VirtualClock } from '../../dev/clock';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { CvOrchestrators } from '../../src/customVisionBackup/registry';
import { SOURCE, collectingLogger, readySourceIds, run } from '../integration/replicationHarness';
import { launchChromium, waitForText, watchedPage, type WatchedPage } from './browserSupport';

/** The page's `document`, as far as the functions these tests run in the browser use it (no DOM lib in tsconfig). */
declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  getElementById(id: string): { classList: { contains(c: string): boolean } } | null;
};

const KEY = `dash-key-${Math.random().toString(36).slice(2, 12)}`;
const SCREENSHOT = path.join(__dirname, '..', '..', 'docs', 'dashboard.png');

describe('dashboard in the browser', () => {
  // The live-progress test took 74 s alone and over 180 s once with the shared 2-core machine at a load of 16.
  jest.setTimeout(300_000);
  let stack: LocalStack;
  let browser: Browser;
  const clock = new VirtualClock('2026-11-21T00:00:00Z');
  const logs = collectingLogger();
  const opened: WatchedPage[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startLocalStack({
        clock,
        logger: logs.logger,
        customVision: true,
        host: { timerSchedules: false, functionKey: KEY },
      }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    for (const w of opened) await w.context.close().catch(() => undefined);
    await browser?.close();
    await stack?.close();
  });

  async function open(): Promise<WatchedPage> {
    const w = await watchedPage(browser);
    opened.push(w);
    const res = await w.page.goto(`${stack.host.baseUrl}/api/dashboard?code=${KEY}&refresh=1`);
    expect(res?.status()).toBe(200);
    await w.page.waitForSelector('body[data-matrix-ready="true"]', { timeout: 20_000 });
    return w;
  }

  /** What every page must leave behind: loopback only, no key in the DOM or the address bar, the key sent as a header, no CSP violation. */
  async function expectClean(w: WatchedPage): Promise<void> {
    expect(w.offLoopback).toEqual([]);
    for (const r of w.requests) expect(new URL(r.url()).hostname).toBe('127.0.0.1');
    const html = await w.page.content();
    expect(html).not.toContain(KEY);
    const links = await w.page.$$eval('[href],[src],[action]', (els) =>
      els.map((e) => e.getAttribute('href') ?? e.getAttribute('src') ?? e.getAttribute('action') ?? ''),
    );
    for (const l of links) expect(l).not.toContain(KEY);
    expect(w.page.url()).not.toContain(KEY);
    expect(w.page.url()).not.toContain('code=');
    const apiCalls = w.requests.filter((r) => /\/api\/(?!dashboard\?)/.test(r.url()) && !r.url().includes('code='));
    expect(apiCalls.length).toBeGreaterThan(0);
    for (const r of apiCalls) {
      expect(r.url()).not.toContain(KEY);
      expect(r.headers()['x-functions-key']).toBe(KEY);
    }
    expect(w.errors).toEqual([]);
  }

  it('serves the page with a strict CSP, no sniffing, no caching; 401 without the key', async () => {
    const res = await fetch(`${stack.host.baseUrl}/api/dashboard`, { headers: { 'x-functions-key': KEY } });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
    expect(csp).toMatch(/connect-src 'self'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="(?!data:)/);
    expect((await fetch(`${stack.host.baseUrl}/api/dashboard`)).status).toBe(401);
    expect((await fetch(`${stack.host.baseUrl}/api/dashboard/data`)).status).toBe(401);
  });

  it('the data and runs APIs refuse unbounded or unknown parameters with 400 naming the problem', async () => {
    const get = async (p: string): Promise<{ status: number; problems: string[] }> => {
      const res = await fetch(`${stack.host.baseUrl}/api/${p}`, { headers: { 'x-functions-key': KEY } });
      const body = (await res.json()) as { problems?: string[] };
      return { status: res.status, problems: body.problems ?? [] };
    };
    for (const [p, problem] of [
      ['dashboard/data?limit=0', /limit: must be an integer from 1 to 500/],
      ['dashboard/data?limit=501', /limit/],
      ['dashboard/data?cursor=%%%', /cursor: not a cursor/],
      ['dashboard/data?state=broken', /state: must be one of/],
      [`dashboard/data?q=${'x'.repeat(201)}`, /q: at most 200 characters/],
      ['dashboard/data?sort=id', /"sort": unknown parameter/],
      ['replications?limit=51', /limit: must be an integer from 1 to 50/],
    ] as const) {
      const r = await get(p);
      expect({ p, status: r.status }).toEqual({ p, status: 400 });
      expect(r.problems).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
    }
    expect((await get('dashboard/data?limit=2&state=missing&q=model')).status).toBe(200);
  });

  it('shows the matrix after a run: replicated pairs with age and target model id, the failed pair with its reason, the run with its failures', async () => {
    const emulator = await stack.reset();
    const [broken, ...fine] = readySourceIds(emulator);
    emulator.faults.add(SOURCE, {
      kind: 'copyFails',
      code: 'ResourceResolverError',
      message: "Could not fetch information for Cognitive resource with Id 'x'.",
      when: (req) => req.modelId === broken,
    });
    const summary = await run(stack, { regions: ['eastus'] });
    clock.advance(3 * 3600_000);

    const w = await open();
    const { page } = w;
    await waitForText(page, '#page-info', new RegExp(`of ${fine.length + 1}\\b`));
    const brokenCell = page.locator(`tbody[data-key="${broken}"] td[data-region="eastus"]`);
    expect(await brokenCell.textContent()).toMatch(/✖ failed/);
    expect(await brokenCell.getAttribute('title')).toMatch(/ResourceResolverError/);
    const copy = summary.copies.find((c) => c.sourceModelId === fine[0] && c.region === 'eastus');
    const okCell = page.locator(`tbody[data-key="${fine[0]}"] td[data-region="eastus"]`);
    expect(await okCell.textContent()).toMatch(/✔ replicated 3h/);
    expect(await okCell.getAttribute('title')).toContain(`target model: ${copy?.targetModelId}`);
    expect(await page.locator(`tbody[data-key="${fine[0]}"] td[data-region="westeurope"]`).textContent()).toMatch(
      /○ missing/,
    );
    // Expanding a row shows the target model ids; it stays open across refreshes.
    await page.click(`tbody[data-key="${fine[0]}"] button.expand`);
    await waitForText(page, `tbody[data-key="${fine[0]}"] tr.detail`, new RegExp(copy?.targetModelId ?? 'none'));
    await page.click('#refresh');
    await page.waitForTimeout(1500);
    expect(await page.locator(`tbody[data-key="${fine[0]}"] tr.detail`).count()).toBe(1);
    // Health (DR_RPO_HOURS default 26 h) in colour and text: the 3 h old copy is healthy, the failed and the
    // missing pairs are unhealthy, and so are their rows and both regions; no drill column (no drills recorded).
    expect(await page.locator('#matrix-head th').allTextContents()).toEqual([
      'Model',
      'eastus',
      'westeurope',
      'Health',
    ]);
    expect(await okCell.getAttribute('data-health')).toBe('healthy');
    expect(await okCell.textContent()).toMatch(/✔ healthy/);
    expect(await brokenCell.getAttribute('data-health')).toBe('unhealthy');
    expect(await brokenCell.textContent()).toMatch(/✖ unhealthy/);
    expect(await brokenCell.getAttribute('title')).toMatch(/health: unhealthy \(last copy failed\)/);
    expect(await page.textContent(`tbody[data-key="${fine[0]}"] td[data-health]:last-child`)).toMatch(/✖ unhealthy/);
    expect(await page.textContent('#tiles')).toMatch(/✖ unhealthy\s*DR health \(RPO 26 h\)/);
    expect(await page.textContent('#regions-body')).toMatch(/eastus✖ unhealthy · 1 over RPO/);
    await page.selectOption('#state', 'unhealthy');
    await waitForText(page, '#page-info', new RegExp(`of ${fine.length + 1} matching`));
    await page.selectOption('#state', '');

    // The run: outcome, failures with reason kind, service code and message.
    const runRow = page.locator(`#runs-body tbody[data-key="${summary.runId}"]`);
    expect(await runRow.textContent()).toMatch(/partial/);
    await runRow.locator('button.expand').click();
    const failures = await waitForText(
      page,
      `#runs-body tbody[data-key="${summary.runId}"] tr.detail`,
      /ResourceResolverError/,
    );
    expect(failures).toContain(broken);
    expect(failures).toMatch(/Could not fetch information/);
    // Filter and search.
    await page.selectOption('#state', 'failed');
    await waitForText(page, '#page-info', /of 1 matching/);
    expect(await page.locator('#matrix tbody[data-key]').count()).toBe(1);
    await page.selectOption('#state', '');
    await waitForText(page, '#page-info', new RegExp(`of ${fine.length + 1}$`));
    await page.fill('#search', fine[1]);
    await waitForText(page, '#page-info', /of 1 matching/);
    await page.waitForSelector(`#matrix tbody[data-key="${fine[1]}"]`);
    expect(await page.locator('#matrix tbody[data-key]').getAttribute('data-key')).toBe(fine[1]);
    expect(await page.textContent('#rerun-failed')).toMatch(/\(1\)/);
    await expectClean(w);
  });

  it('shows the Custom Vision backups (platform, size, checksum, replica verified) and rejected notifications; screenshot', async () => {
    const cv = stack.customVision!;
    const project = await cv.createProject({ name: 'parts-inspection' });
    await cv.connect(project.id);
    const iteration = await cv.trainIteration(project.id);
    await stack.host.runUntilIdle({ advanceTime: false });
    await cv.completeExports();
    const backup = stack.host.durable.list().find((s) => s.name === CvOrchestrators.backup.name);
    expect(backup).toBeDefined();
    expect((await stack.host.durable.waitForInstance(backup?.instanceId ?? '')).runtimeStatus).toBe('Completed');
    await stack.host.queues.send(process.env.CV_NOTIFICATION_QUEUE ?? 'customvision-notifications', 'not json at all');
    await stack.host.runUntilIdle({ advanceTime: false });

    const w = await open();
    const { page } = w;
    const table = await waitForText(page, '#cv-body', /TensorFlow/);
    expect(table).toContain(project.id);
    expect(table).toContain(iteration.id);
    expect(table).toMatch(/ONNX/);
    expect(table).toMatch(/(md5|sha256) [0-9a-f]/i);
    expect(table).toMatch(/✔ verified/);
    expect(table).toMatch(/\d+(\.\d)? (B|KiB|MiB)/);
    await waitForText(page, '#rejected-body', /malformedJson|notJson|json/i);

    const shot = await page.screenshot({ fullPage: true });
    const tmp = path.join(os.tmpdir(), `dashboard-${process.pid}.png`);
    fs.writeFileSync(tmp, shot);
    console.log(`dashboard screenshot: ${tmp}`);
    if (process.env.UPDATE_SCREENSHOTS === '1') fs.writeFileSync(SCREENSHOT, shot);
    await expectClean(w);
  });

  it('shows live progress of a run started from the page (with a confirmation), held mid-way on the virtual clock', async () => {
    const emulator = await stack.reset({
      // One model copies for 10 minutes, the others in seconds: the run is held with 8 of 10 pairs done.
      emulator: {
        copyDurationMs: (c) => (slow.has(c.sourceModelId) ? 10 * 60_000 : 20_000),
      },
    });
    const ids = readySourceIds(emulator);
    const slow = new Set(ids.slice(0, 1));
    const w = await open();
    const { page } = w;
    await waitForText(page, '#current-run', /No run in progress/);

    await page.click('#start-run');
    expect(await page.locator('#confirm').getAttribute('open')).not.toBeNull();
    expect(await page.textContent('#confirm-text')).toMatch(/Start a replication run/);
    await page.click('#confirm-ok');
    await page.waitForSelector('#action-result[data-run-id]');
    const runId = (await page.getAttribute('#action-result', 'data-run-id')) ?? '';
    expect(runId).toMatch(/^(http|dryrun)-/);
    expect(stack.host.durable.getStatus(runId)?.name).toBe('replicateModels');

    await stack.host.runUntilIdle({ advanceTime: false });
    await waitForText(page, '#current-text', /copying: 0 of 10 done · 0 copied · 0 failed/);
    await stack.host.advance(5 * 60_000);
    await stack.host.runUntilIdle({ advanceTime: false });
    const api = await fetch(`${stack.host.baseUrl}/api/replications?limit=1`, { headers: { 'x-functions-key': KEY } });
    expect(((await api.json()) as { current: unknown }).current).toMatchObject({
      id: runId,
      progress: { phase: 'copying', total: 10, done: 8, copied: 8, failed: 0 },
    });
    await waitForText(page, '#current-text', new RegExp(`${runId}.*copying: 8 of 10 done · 8 copied · 0 failed`));
    expect(await page.getAttribute('#current-run progress', 'value')).toBe('8');
    // The matrix shows the held pairs in progress.
    await waitForText(page, `tbody[data-key="${ids[0]}"] td[data-region="eastus"]`, /in progress/);

    expect((await stack.host.durable.waitForInstance(runId)).runtimeStatus).toBe('Completed');
    await waitForText(page, '#current-run', /No run in progress/);
    await waitForText(page, `#runs-body tbody[data-key="${runId}"]`, /succeeded/);
    await expectClean(w);
  });

  it('a dry run started from the page shows the plan it returns', async () => {
    const emulator = await stack.reset();
    const ids = readySourceIds(emulator);
    await run(stack, { models: [ids[0]] });
    const w = await open();
    const { page } = w;

    await page.click('#dry-run');
    expect(await page.textContent('#confirm-text')).toMatch(/dry run/i);
    await page.click('#confirm-ok');
    await page.waitForSelector('#action-result[data-run-id]');
    const runId = (await page.getAttribute('#action-result', 'data-run-id')) ?? '';
    expect(runId).toMatch(/^(http|dryrun)-/);
    expect((await stack.host.durable.waitForInstance(runId)).runtimeStatus).toBe('Completed');
    const plan = await waitForText(page, '#plan-summary', /plan:/);
    expect(plan).toContain(`${(ids.length - 1) * 2} pair(s) would be copied, 2 already replicated`);
    const rows = await page.locator('#plan tbody tr').allTextContents();
    expect(rows).toHaveLength((ids.length - 1) * 2);
    expect(rows.join('\n')).toContain(ids[1]);
    expect(rows.join('\n')).not.toContain(ids[0]);
    // A dry run copies nothing.
    expect(emulator.models('fr-dr-eastus').length).toBe(1);
    await expectClean(w);
  });

  it('re-runs the failed pairs from the page', async () => {
    const emulator = await stack.reset();
    const [broken] = readySourceIds(emulator);
    emulator.faults.add(SOURCE, {
      kind: 'copyFails',
      code: 'ResourceResolverError',
      message: 'Could not fetch information for Cognitive resource.',
      when: (req) => req.modelId === broken,
      times: 1,
    });
    await run(stack, { regions: ['westeurope'] });
    const w = await open();
    const { page } = w;
    await waitForText(page, '#rerun-failed', /\(1\)/);
    await page.click('#rerun-failed');
    expect(await page.textContent('#confirm-text')).toMatch(/1 failed pair.*1 model\(s\) in westeurope/);
    await page.click('#confirm-ok');
    await page.waitForSelector('#action-result[data-run-id]');
    const runId = (await page.getAttribute('#action-result', 'data-run-id')) ?? '';
    expect(runId).toMatch(/^(http|dryrun)-/);
    const status = await stack.host.durable.waitForInstance(runId);
    expect(status.input).toMatchObject({ models: [broken], regions: ['westeurope'] });
    await waitForText(page, `tbody[data-key="${broken}"] td[data-region="westeurope"]`, /replicated/);
    await expectClean(w);
  });

  it('shows a clear banner when the API cannot be reached, keeps the last data, and clears it when the API is back', async () => {
    const w = await open();
    const { page } = w;
    expect(await page.isVisible('#banner')).toBe(false);
    const rowsBefore = await page.locator('#matrix tbody[data-key]').count();
    await page.route('**/api/**', (route) => route.abort('connectionrefused'));
    await page.click('#refresh');
    await waitForText(page, '#banner', /The API cannot be reached/);
    expect(await page.isVisible('#banner')).toBe(true);
    expect(await page.locator('#matrix tbody[data-key]').count()).toBe(rowsBefore);
    await page.unroute('**/api/**');
    await page.click('#refresh');
    await page.waitForFunction(() => !document.getElementById('banner')?.classList.contains('shown'));
    expect(await page.textContent('#page-time')).toMatch(/Page time \d{4}-\d\d-\d\d/);
    expect(await page.textContent('#data-time')).toMatch(/Data as of 2026-11-21/);
    // Aborted requests were to loopback too; a refused connection is no console error of the page's own making.
    w.errors.length = 0;
    await expectClean(w);
  });
});
