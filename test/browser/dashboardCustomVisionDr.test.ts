/**
 * The dashboard's Custom Vision DR section in a real browser, against the app in the local host
 * with Azurite and the Custom Vision emulators (a source, and a DR training resource in eastus)
 * on a virtual clock: per project and DR region the page shows what `GET /api/report` (the read
 * model) has — the project, the region, the state and where the DR copy's iteration came from
 * (`imported` with the project, or `trainedInDr`: trained in the DR region, CV_DR_TRAIN_MISSING).
 */
import type { Browser } from 'playwright-core';
import { VirtualClock } from '../../dev/clock';
import { startLocalStack, type LocalStack } from '../../dev/stack';
import { cvDrInstanceId } from '../../src/customVisionProjectDr/contracts';
import { launchChromium, waitForText, watchedPage, type WatchedPage } from './browserSupport';

const KEY = `cvdr-key-${Math.random().toString(36).slice(2, 12)}`;

interface ReportRow {
  projectId: string;
  region: string;
  state: string;
  iterationId?: string;
  iterationOrigin?: string;
}

describe('dashboard Custom Vision DR projects in the browser', () => {
  jest.setTimeout(300_000);
  let stack: LocalStack;
  let browser: Browser;
  const clock = new VirtualClock('2026-12-01T00:00:00Z');
  const opened: WatchedPage[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startLocalStack({
        clock,
        logger: () => undefined,
        customVision: true,
        customVisionDr: true,
        env: { CV_DR_TRAIN_MISSING: 'true' },
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

  /** Starts the DR copies (the schedule) and waits for the copy of `projectId` to eastus. */
  async function copied(projectId: string): Promise<void> {
    await stack.host.timers.fire('customVisionDrSchedule');
    const s = await stack.host.durable.waitForInstance(cvDrInstanceId(projectId, 'eastus'));
    expect(s.runtimeStatus).toBe('Completed');
  }

  it('shows per project and region the state and the iteration origin (imported / trained in DR) the report has', async () => {
    await stack.reset();
    const cv = stack.customVision!;
    const dr = stack.customVisionDr!.eastus;

    // Imported with its trained iteration.
    const imported = await cv.createProject({ name: 'parts', iterations: 1, images: 10, tags: 2, publishName: 'prod' });
    await copied(imported.id);
    // The DR resource imports the next project without its iterations: trained there (CV_DR_TRAIN_MISSING).
    dr.faults.importWithoutIterations = true;
    const trained = await cv.createProject({ name: 'labels', iterations: 1, images: 10, tags: 2, publishName: 'prod' });
    await copied(trained.id);

    const res = await fetch(`${stack.host.baseUrl}/api/report`, { headers: { 'x-functions-key': KEY } });
    expect(res.status).toBe(200);
    const report = (await res.json()) as { customVisionDr?: { rows: ReportRow[] } };
    const rows = report.customVisionDr?.rows ?? [];
    expect(rows).toHaveLength(2);
    const byProject = new Map(rows.map((r) => [r.projectId, r]));
    expect(byProject.get(imported.id)).toMatchObject({ region: 'eastus', state: 'ready', iterationOrigin: 'imported' });
    expect(byProject.get(trained.id)).toMatchObject({
      region: 'eastus',
      state: 'ready',
      iterationOrigin: 'trainedInDr',
    });

    const w = await watchedPage(browser);
    opened.push(w);
    const { page } = w;
    expect((await page.goto(`${stack.host.baseUrl}/api/dashboard?code=${KEY}&refresh=1`))?.status()).toBe(200);
    await page.waitForSelector('body[data-matrix-ready="true"]', { timeout: 20_000 });

    const shown = { imported: 'imported', trainedInDr: 'trained in DR' } as const;
    for (const r of rows) {
      const key = `${r.projectId}/${r.region}`;
      const cells = `#cvdr-body tbody[data-key="${key}"] td`;
      await waitForText(page, `${cells}:nth-child(3)`, new RegExp(`^${r.state}$`));
      const texts = await page.$$eval(cells, (tds) => tds.map((td) => td.textContent ?? ''));
      expect(texts[0]).toBe(r.projectId);
      expect(texts[1]).toBe(r.region);
      expect(texts[2]).toBe(r.state);
      expect(texts[4]).toBe(r.iterationId ? `${r.iterationId} ${shown[r.iterationOrigin as keyof typeof shown]}` : '-');
      expect(await page.getAttribute(`${cells}:nth-child(5)`, 'data-origin')).toBe(r.iterationOrigin ?? '');
    }
    expect(await page.textContent('#cvdr-empty')).toBe('');
    expect(await page.content()).not.toContain(KEY);
    expect(w.offLoopback).toEqual([]);
    expect(w.errors).toEqual([]);
  });
});
