/**
 * The dashboard at 5 000 models × 8 regions in a real browser: the first page renders, search
 * and the state filter answer, paging works. The time to first render is printed (not asserted).
 *
 * The 40 000 replica records are generated in memory and served through the dashboard's own
 * handlers (src/http/dashboard/handlers.ts: validation, readiness report, filter, paging, page
 * HTML) on a loopback HTTP server. They are not written to Azurite: its in-memory blob store
 * takes about 40 writes/s on the 2-core CI machine (~15 minutes for 40 000 blobs), too slow for
 * `npm test`. The ledger path (ReplicaSnapshot over real blobs) is covered by dashboard.test.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpResponseInit } from '@azure/functions';
import type { Browser } from 'playwright-core';
import { dashboardData, dashboardPage, listRuns, type DashboardSource } from '../../src/http/dashboard/handlers';
import type { ModelReplicaRecord } from '../../src/ledger/replicas';
import { launchChromium, waitForText, watchedPage } from './browserSupport';

const MODELS = 5000;
const REGIONS = [
  'eastus',
  'westeurope',
  'northeurope',
  'uksouth',
  'japaneast',
  'australiaeast',
  'canadacentral',
  'swedencentral',
];
const NOW = Date.parse('2026-11-21T12:00:00Z');
const KEY = `load-key-${Math.random().toString(36).slice(2, 10)}`;

const modelId = (i: number): string => `model-${String(i).padStart(5, '0')}`;

/** Every pair replicated, except: every 97th model failed in one region, every 50th missing in another, every 333rd in progress. */
function records(): ModelReplicaRecord[] {
  const out: ModelReplicaRecord[] = [];
  for (let i = 0; i < MODELS; i++) {
    REGIONS.forEach((region, r) => {
      if (i % 50 === 0 && r === 1) return;
      const base = {
        sourceModelId: modelId(i),
        sourceModelName: `invoices ${i}`,
        region,
        targetResourceId: `/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/fr-${region}`,
        lastAttemptAt: '2026-11-21T02:00:00Z',
        lastRunId: 'schedule-20261121T020000Z-abcdef',
        attempts: 1,
      };
      if (i % 97 === 0 && r === 2)
        out.push({
          ...base,
          state: 'failed',
          lastError: { kind: 'permanent', code: 'ResourceResolverError', message: 'Could not fetch information.' },
          lastFailedAt: '2026-11-21T02:00:00Z',
        });
      else if (i % 333 === 0 && r === 3) out.push({ ...base, state: 'inProgress' });
      else
        out.push({
          ...base,
          state: 'replicated',
          targetModelId: `t-${i}-${region}`,
          lastVerifiedAt: '2026-11-21T02:00:00Z',
        });
    });
  }
  return out;
}

describe('dashboard at 5 000 models × 8 regions', () => {
  jest.setTimeout(180_000);
  let browser: Browser;
  let server: http.Server;
  let base = '';
  const data = records();
  const source: DashboardSource = {
    regions: () => REGIONS,
    replicas: async () => data,
    latestRuns: async () => [],
    drills: async () => [],
    now: () => NOW,
    rpoHours: 26,
  };

  async function respond(res: http.ServerResponse, r: HttpResponseInit): Promise<void> {
    const headers: Record<string, string> = { ...(r.headers as Record<string, string>) };
    let body = '';
    if (r.jsonBody !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(r.jsonBody);
    } else body = String(r.body ?? '');
    res.writeHead(r.status ?? 200, headers).end(body);
  }

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const key = url.searchParams.get('code') ?? req.headers['x-functions-key'];
      if (key !== KEY) return void res.writeHead(401).end();
      const query = new URLSearchParams(url.searchParams);
      const handle = async (): Promise<HttpResponseInit> => {
        if (url.pathname === '/api/dashboard') return dashboardPage();
        if (url.pathname === '/api/dashboard/data') return dashboardData(query, source);
        if (url.pathname === '/api/replications') return listRuns(query, source, async () => undefined);
        if (url.pathname === '/api/customvision/backups') return { status: 200, jsonBody: { count: 0, backups: [] } };
        if (url.pathname === '/api/customvision/rejected') return { status: 200, jsonBody: { count: 0, rejected: [] } };
        if (url.pathname === '/api/customvision/projects')
          return { status: 200, jsonBody: { enabled: false, count: 0, projects: [] } };
        if (url.pathname === '/api/drgroup')
          return {
            status: 200,
            jsonBody: {
              primary: 'westus2',
              epoch: 0,
              home: 'westus2',
              members: ['westus2', ...REGIONS].map((region, i) => ({ region, role: i === 0 ? 'primary' : 'standby' })),
            },
          };
        if (url.pathname === '/api/failovers') return { status: 200, jsonBody: { failovers: [] } };
        return { status: 404 };
      };
      handle().then(
        (r) => respond(res, r),
        (e: unknown) => res.writeHead(500).end(String(e)),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('renders the first page, searches, filters and pages; prints the time to first render', async () => {
    const w = await watchedPage(browser);
    const { page } = w;
    const t0 = Date.now();
    await page.goto(`${base}/api/dashboard?code=${KEY}&refresh=30`);
    await page.waitForSelector('body[data-matrix-ready="true"]', { timeout: 60_000 });
    const firstRender = Date.now() - t0;
    console.log(`dashboard at ${MODELS} models × ${REGIONS.length} regions: first render after ${firstRender} ms`);

    expect(await page.textContent('#page-info')).toBe(`models 1–100 of ${MODELS}`);
    expect(await page.locator('#matrix tbody[data-key]').count()).toBe(100);
    // model, the regions, the row's health
    expect(await page.locator('#matrix-head th').count()).toBe(2 + REGIONS.length);
    expect(await page.textContent('#tiles')).toContain(String(MODELS));

    let t = Date.now();
    await page.fill('#search', 'model-04321');
    await waitForText(page, '#page-info', /of 1 matching/, 30_000);
    await page.waitForSelector('#matrix tbody[data-key="model-04321"]', { timeout: 30_000 });
    console.log(`search answered after ${Date.now() - t} ms`);
    expect(await page.locator('#matrix tbody[data-key]').getAttribute('data-key')).toBe('model-04321');

    await page.fill('#search', 'invoices 4999');
    await page.waitForSelector('#matrix tbody[data-key="model-04999"]', { timeout: 30_000 });
    await waitForText(page, '#page-info', /models 1–1 of 1 matching/, 30_000);

    await page.fill('#search', '');
    t = Date.now();
    await page.selectOption('#state', 'failed');
    const failed = Math.ceil(MODELS / 97);
    await waitForText(page, '#page-info', new RegExp(`of ${failed} matching`), 30_000);
    console.log(`state filter answered after ${Date.now() - t} ms`);
    expect(await page.locator('#matrix td[data-state="failed"]').count()).toBe(failed);
    expect(await page.textContent('#rerun-failed')).toBe(`Re-run failed pairs (${failed})`);

    // Health: the failed and the missing pairs are unhealthy (the 10 h old copies healthy at RPO 26 h).
    await page.selectOption('#state', 'unhealthy');
    await waitForText(page, '#page-info', /of 150 matching/, 30_000);
    expect(
      await page.locator('#matrix tbody[data-key="model-00097"] td[data-region="northeurope"]').textContent(),
    ).toMatch(/✖ failed.*✖ unhealthy/);
    expect(await page.locator('#matrix td[data-health="healthy"]').count()).toBeGreaterThan(0);

    await page.selectOption('#state', '');
    await waitForText(page, '#page-info', new RegExp(`models 1–100 of ${MODELS}$`), 30_000);
    await page.click('#next');
    await waitForText(page, '#page-info', /models 101–200 of 5000/, 30_000);
    expect(await page.locator('#matrix tbody[data-key]').first().getAttribute('data-key')).toBe(modelId(100));
    await page.click('#prev');
    await waitForText(page, '#page-info', /models 1–100 of 5000/, 30_000);

    expect(w.offLoopback).toEqual([]);
    expect(await page.content()).not.toContain(KEY);
    expect(w.errors).toEqual([]);
    await w.context.close();
  });
});
