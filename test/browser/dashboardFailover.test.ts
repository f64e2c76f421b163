/**
 * The dashboard's DR group in a real browser, against the app in the local host with Azurite and
 * the Form Recognizer emulator on a virtual clock (docs/dashboard.md, docs/failover.md): the active
 * primary and every member, a failover from the page only once the target region is typed exactly,
 * a test failover and a failover dry run shown completed, then an unplanned failover that changes the
 * primary the page shows.
 */
import type { Browser, Page } from 'playwright-core';
import { VirtualClock } from '../../dev/clock';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { SOURCE, run } from '../integration/replicationHarness';
import { launchChromium, waitForText, watchedPage, type WatchedPage } from './browserSupport';

const KEY = `fo-key-${Math.random().toString(36).slice(2, 12)}`;

describe('dashboard DR group and failovers in the browser', () => {
  jest.setTimeout(300_000);
  let stack: LocalStack;
  let browser: Browser;
  const clock = new VirtualClock('2026-12-01T00:00:00Z');
  const opened: WatchedPage[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startLocalStack({ clock, logger: () => undefined, host: { timerSchedules: false, functionKey: KEY } }),
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

  /** Opens a failover dialog with `button`, picks `to`, checks a wrong region keeps Confirm disabled, types it right and confirms. */
  async function confirmTyped(
    page: Page,
    button: string,
    to: string,
    mode?: 'planned' | 'unplanned',
    force = false,
  ): Promise<string> {
    await page.click(button);
    await page.waitForSelector('#fo-dialog[open]');
    await page.selectOption('#fo-to', to);
    if (mode) await page.selectOption('#fo-mode', mode);
    if (force) await page.check('#fo-force');
    expect(await page.isDisabled('#fo-ok')).toBe(true);
    for (const wrong of [to.slice(0, -1), to.toUpperCase(), `${to} `, 'westeurope2']) {
      await page.fill('#fo-typed', wrong);
      expect({ wrong, disabled: await page.isDisabled('#fo-ok') }).toEqual({ wrong, disabled: true });
    }
    await page.fill('#fo-typed', to);
    expect(await page.isDisabled('#fo-ok')).toBe(false);
    await page.click('#fo-ok');
    await page.waitForSelector('#fo-result[data-failover]');
    const id = (await page.getAttribute('#fo-result', 'data-failover')) ?? '';
    expect(id).toMatch(/^failover-/);
    expect((await stack.host.durable.waitForInstance(id)).runtimeStatus).toBe('Completed');
    return id;
  }

  it('shows the primary and the members; a failover needs the target typed; a test failover, a dry run and an unplanned failover show their outcome', async () => {
    await stack.reset();
    const first = await run(stack);
    expect(first.totals.failed).toBe(0);

    // GET /api/drgroup: the primary and every member with its role (the read the section is built from).
    const group = (await (
      await fetch(`${stack.host.baseUrl}/api/drgroup`, { headers: { 'x-functions-key': KEY } })
    ).json()) as { primary: string; epoch: number; members: Array<{ region: string; role: string }> };
    expect(group.primary).toBe('westus2');
    expect(group).not.toHaveProperty('since');
    expect(group.members).toEqual([
      { region: 'westus2', role: 'primary' },
      { region: 'eastus', role: 'standby' },
      { region: 'westeurope', role: 'standby' },
    ]);

    const w = await open();
    const { page } = w;
    await waitForText(page, '#group-primary', /Active primary: westus2 \(epoch 0, since the group began\)/);
    const roles = await page.$$eval('#members-body tr[data-region]', (rows) =>
      rows.map((r) => `${r.getAttribute('data-region')}=${r.getAttribute('data-role')}`),
    );
    expect(roles).toEqual(['westus2=primary', 'eastus=standby', 'westeurope=standby']);
    await waitForText(page, '#failovers-empty', /No failover/);

    // Cancel leaves everything as it was.
    await page.click('#fo-failover');
    await page.fill('#fo-typed', 'eastus');
    await page.click('#fo-cancel');
    expect(await page.$('#fo-result[data-failover]')).toBeNull();

    // A test failover to eastus: completed, nothing switched; the member shows it.
    const test = await confirmTyped(page, '#fo-test', 'eastus');
    await waitForText(page, '#fo-result', new RegExp(`Test failover ${test} completed: .*nothing switched`));
    await waitForText(page, '#members-body tr[data-region="eastus"] td:nth-child(4)', /completed/);
    await waitForText(page, `#failovers-body tbody[data-key="${test}"]`, /test.*westus2 → eastus.*completed/);
    await waitForText(page, '#group-primary', /Active primary: westus2/);

    // A failover dry run to westeurope: the readiness only.
    const dry = await confirmTyped(page, '#fo-dryrun', 'westeurope', 'planned');
    await waitForText(
      page,
      '#fo-result',
      new RegExp(`Failover dry run ${dry} completed: westeurope would not have 0 model`),
    );
    await waitForText(page, `#failovers-body tbody[data-key="${dry}"]`, /planned \(dry run\)/);

    // An unplanned failover to eastus changes the primary the page shows.
    const failover = await confirmTyped(page, '#fo-failover', 'eastus', 'unplanned');
    await waitForText(
      page,
      '#fo-result',
      new RegExp(`Failover \\(unplanned\\) ${failover} completed: the primary is now eastus`),
    );
    await waitForText(page, '#group-primary', /Active primary: eastus \(epoch 1, since 2026-/);
    await waitForText(page, '#members-body tr[data-region="eastus"]', /primary/);
    const after = (await (
      await fetch(`${stack.host.baseUrl}/api/drgroup`, { headers: { 'x-functions-key': KEY } })
    ).json()) as Record<string, unknown>;
    expect(after).toMatchObject({ primary: 'eastus', epoch: 1, home: 'westus2', failoverId: failover });
    expect(after.since).toMatch(/^2026-12-01T/);
    expect((await fetch(`${stack.host.baseUrl}/api/drgroup`)).status).toBe(401);
    await waitForText(page, '#members-body tr[data-region="westus2"]', /standby/);
    await waitForText(page, '#members-body tr[data-region="eastus"] td:nth-child(3)', /unplanned completed/);
    await waitForText(page, `#failovers-body tbody[data-key="${failover}"]`, /unplanned.*westus2 → eastus.*completed/);

    // force is offered for a planned failover only.
    await page.click('#fo-failover');
    await page.selectOption('#fo-mode', 'planned');
    expect(await page.isVisible('#fo-force')).toBe(true);
    await page.selectOption('#fo-mode', 'unplanned');
    expect(await page.isVisible('#fo-force')).toBe(false);
    await page.click('#fo-cancel');

    // The operator confirms a failover to westeurope after another client already made it primary: the 400 is shown with its message.
    await page.click('#fo-failover');
    await page.selectOption('#fo-to', 'westeurope');
    await page.selectOption('#fo-mode', 'unplanned');
    await page.fill('#fo-typed', 'westeurope');
    const other = (await (
      await fetch(`${stack.host.baseUrl}/api/failovers`, {
        method: 'POST',
        headers: { 'x-functions-key': KEY, 'Content-Type': 'application/json' },
        body: JSON.stringify({ to: 'westeurope', mode: 'unplanned' }),
      })
    ).json()) as { id: string };
    expect((await stack.host.durable.waitForInstance(other.id)).runtimeStatus).toBe('Completed');
    await page.click('#fo-ok');
    await waitForText(
      page,
      '#fo-result',
      /Failover \(unplanned\) refused: HTTP 400: to: 'westeurope' is already the primary/,
    );
    await waitForText(page, '#group-primary', /Active primary: westeurope \(epoch 2/);

    // The key never reaches the DOM or the address bar; no script error.
    expect(await page.content()).not.toContain(KEY);
    expect(page.url()).not.toContain(KEY);
    expect(w.offLoopback).toEqual([]);
    // The browser logs the one 400 it was answered (shown above); nothing else.
    expect(w.errors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  });

  it('a failover confirmed while a run or a failover holds the run lease: the 409 names it, nothing starts, the dialog is dismissed', async () => {
    // Every copy takes 10 minutes of virtual time: a run started now holds the run lease until the clock moves.
    const emulator = await stack.reset({ emulator: { copyDurationMs: () => 10 * 60_000 } });
    const post = async (path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await fetch(`${stack.host.baseUrl}/api/${path}`, {
        method: 'POST',
        headers: { 'x-functions-key': KEY, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const started = await post('replications', {});
    expect(started.status).toBe(202);
    const runId = started.body.id as string;
    await stack.host.runUntilIdle({ advanceTime: false });
    expect(stack.host.durable.getStatus(runId)?.runtimeStatus).toBe('Running');
    // Failovers started since this test began (the host keeps the earlier tests' instances).
    const failoverIds = (): string[] =>
      stack.host.durable
        .list()
        .filter((s) => s.name === 'failover')
        .map((s) => s.instanceId);
    const earlier = new Set(failoverIds());
    const failoversNow = (): string[] => failoverIds().filter((id) => !earlier.has(id));

    const w = await open();
    const { page } = w;
    await waitForText(page, '#group-primary', /Active primary: westus2/);

    /** Confirms an unplanned failover to eastus from the dialog; the text it then shows. */
    const confirmRefused = async (): Promise<string> => {
      await page.click('#fo-failover');
      await page.waitForSelector('#fo-dialog[open]');
      await page.selectOption('#fo-to', 'eastus');
      await page.selectOption('#fo-mode', 'unplanned');
      await page.fill('#fo-typed', 'eastus');
      await page.click('#fo-ok');
      await page.waitForSelector('#fo-result[data-status="rejected"]');
      // The dialog is gone, no failover is followed.
      expect(await page.$('#fo-dialog[open]')).toBeNull();
      expect(await page.$('#fo-result[data-failover]')).toBeNull();
      return (await page.textContent('#fo-result')) ?? '';
    };

    // A replication run holds the lease: the 409 names it; nothing starts, nothing switches.
    expect(await confirmRefused()).toMatch(
      new RegExp(
        `^Failover \\(unplanned\\) refused: HTTP 409: replication run ${runId} is in progress; a failover waits until it ends$`,
      ),
    );
    expect(failoversNow()).toEqual([]);
    await waitForText(page, '#group-primary', /Active primary: westus2/);

    // The dialog opened again is dismissed with Escape, and with Cancel: nothing is posted.
    await page.click('#fo-test');
    await page.waitForSelector('#fo-dialog[open]');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#fo-dialog:not([open])', { state: 'attached' });
    await page.click('#fo-failover');
    await page.waitForSelector('#fo-dialog[open]');
    await page.click('#fo-cancel');
    await page.waitForSelector('#fo-dialog:not([open])', { state: 'attached' });
    expect(failoversNow()).toEqual([]);
    expect((await stack.host.durable.waitForInstance(runId)).runtimeStatus).toBe('Completed');

    // A planned failover holds the lease (its final sync copies a new model for 10 minutes): the 409 names it.
    emulator.addModel(SOURCE, { modelId: 'new-before-failover' });
    const held = await post('failovers', { to: 'westeurope', mode: 'planned' });
    expect(held.status).toBe(202);
    const heldId = held.body.id as string;
    await stack.host.runUntilIdle({ advanceTime: false });
    expect(stack.host.durable.getStatus(heldId)?.runtimeStatus).toBe('Running');
    expect(await confirmRefused()).toMatch(
      new RegExp(
        `^Failover \\(unplanned\\) refused: HTTP 409: failover ${heldId} is in progress; a failover waits until it ends$`,
      ),
    );
    expect(failoversNow()).toEqual([heldId]);
    const ended = await stack.host.durable.waitForInstance(heldId);
    expect(ended.runtimeStatus).toBe('Completed');
    expect((ended.output as { record: { finalSync?: { copied: number } } }).record.finalSync?.copied).toBeGreaterThan(
      0,
    );
    await waitForText(page, '#group-primary', /Active primary: westeurope/);

    expect(await page.content()).not.toContain(KEY);
    // The browser logs the two 409s it was answered (shown above); nothing else.
    expect(w.errors).toEqual([
      'Failed to load resource: the server responded with a status of 409 (Conflict)',
      'Failed to load resource: the server responded with a status of 409 (Conflict)',
    ]);
  });

  it('a planned failover refused names the model without a copy in the target; forced, it completes and names it', async () => {
    const emulator = await stack.reset();
    expect((await run(stack)).totals.failed).toBe(0);
    const extra = emulator.addModel(SOURCE, { modelId: 'not-copyable-yet' }).modelId;
    emulator.faults.add(SOURCE, {
      kind: 'copyFails',
      code: 'ResourceResolverError',
      message: 'Could not fetch information for Cognitive resource.',
      times: 100,
      when: (r) => r.modelId === extra,
    });
    const w = await open();
    const { page } = w;
    await waitForText(page, '#group-primary', /Active primary: westus2/);

    const refused = await confirmTyped(page, '#fo-failover', 'eastus', 'planned');
    await waitForText(
      page,
      '#fo-result',
      new RegExp(
        `Failover \\(planned\\) ${refused} refused: 1 model\\(s\\) without a verified copy in eastus: ${extra}`,
      ),
    );
    await waitForText(page, `#failovers-body tbody[data-key="${refused}"]`, new RegExp(`refused.*1: ${extra}`));
    await waitForText(page, '#group-primary', /Active primary: westus2/);

    const forced = await confirmTyped(page, '#fo-failover', 'eastus', 'planned', true);
    await waitForText(
      page,
      '#fo-result',
      new RegExp(`${forced} completed: the primary is now eastus .*1 without a copy: ${extra}`),
    );
    await waitForText(page, `#failovers-body tbody[data-key="${forced}"]`, /planned \(force\)/);
    await waitForText(page, '#group-primary', /Active primary: eastus/);
    expect(w.errors).toEqual([]);
  });
});
