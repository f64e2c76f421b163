/**
 * Issue 25, items 6 and 7 for `POST /api/drills`, through the local host, Azurite and the
 * emulator (virtual clock) over real HTTP: one drill run at a time (20 concurrent POSTs start
 * one; the others get 409 naming it), the page budget per UTC day as well as per run, no drill
 * during a replication run, and bodies bounded like every route's.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { VirtualClock } from '../../dev/clock';
import type { DrillRunSummary } from '../../src/drills/contracts';
import { MAX_PROBLEMS_LISTED, MAX_REQUEST_BODY_BYTES } from '../../src/http/limits';
import { rawPost as postRaw } from '../support/rawPost';
import { QUIET_STACK, useLocalStack } from '../support/stack';
import { SOURCE, itemsOf, run, versionReset } from './replicationHarness';

/** A two-page PDF-like sample. */
const SAMPLE = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Page >>\n(x)\n2 0 obj << /Type /Page >>\n%%EOF');

describe('drills: one run at a time, a page budget per day, bounded bodies (issue 25 items 6 and 7)', () => {
  // The 60 MB bodies go through the local host as through the real one (buffered up to its 100 MB
  // limit before the function runs): seconds on an idle machine, more under load.
  jest.setTimeout(240_000);
  const clock = new VirtualClock('2026-12-01T00:00:00Z');
  const stack = useLocalStack({ ...QUIET_STACK, clock });

  afterEach(async () => {
    for (const s of stack.host.durable.list())
      if (['Pending', 'Running'].includes(s.runtimeStatus)) stack.host.durable.terminate(s.instanceId, 'test over');
    await stack.host.runUntilIdle();
  });

  async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${stack.host.baseUrl}/api/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** Replicates, then uploads a two-page sample for two plain models; returns the emulator. */
  async function prepare(env: Record<string, string> = {}) {
    const emulator = await stack.reset(
      versionReset('v2.1', {
        env: { DR_DRILL_SAMPLES_URL: `${stack.azurite!.blobEndpoint}/drill-samples`, ...env },
      }),
    );
    const replication = await run(stack);
    expect(replication.totals.failed).toBe(0);
    const drilled = itemsOf(emulator, SOURCE)
      .filter((m) => m.ready && !m.composed)
      .slice(0, 2)
      .map((m) => m.modelId);
    const container = BlobServiceClient.fromConnectionString(stack.env.AzureWebJobsStorage!).getContainerClient(
      'drill-samples',
    );
    await container.createIfNotExists();
    for (const id of drilled) await container.getBlockBlobClient(`${id}/sample.pdf`).uploadData(SAMPLE);
    return emulator;
  }

  const analyzePosts = (emulator: Awaited<ReturnType<typeof prepare>>): number =>
    emulator.requestLog.filter((r) => r.call === 'analyze' && r.status === 202).length;

  it('item 7: 20 concurrent POST /api/drills start one drill run; the 19 others are 409 naming it', async () => {
    const emulator = await prepare({ DR_DRILL_MAX_PAGES: '20' });

    const replies = await Promise.all(Array.from({ length: 20 }, () => post('drills', {})));

    const started = replies.filter((r) => r.status === 202);
    expect(started).toHaveLength(1);
    const id = started[0].json.id as string;
    const refused = replies.filter((r) => r.status !== 202);
    expect(refused.map((r) => r.status)).toEqual(Array(19).fill(409));
    for (const r of refused) {
      expect(r.json.id).toBe(id);
      expect(r.json.error).toMatch(new RegExp(`^drill run ${id} is in progress`));
    }
    expect(stack.host.durable.list().filter((s) => s.name === 'drillModels' && s.instanceId === id)).toHaveLength(1);
    const final = await stack.host.durable.waitForInstance(id);
    expect(final.runtimeStatus).toBe('Completed');
    // 2 models × (source + 2 regions) × 2 pages, once.
    expect((final.output as DrillRunSummary).pagesAnalyzed).toBe(12);
    expect(analyzePosts(emulator)).toBe(6);
    // Once it has ended, the next drill run may start.
    expect((await post('drills', {})).status).toBe(202);
  });

  it('item 7: the page budget holds per UTC day as well as per run (DR_DRILL_MAX_PAGES_PER_DAY)', async () => {
    const emulator = await prepare({ DR_DRILL_MAX_PAGES: '20', DR_DRILL_MAX_PAGES_PER_DAY: '14' });

    const first = await post('drills', {});
    expect(first.status).toBe(202);
    const one = (await stack.host.durable.waitForInstance(first.json.id as string)).output as DrillRunSummary;
    const second = await post('drills', {});
    expect(second.status).toBe(202);
    const two = (await stack.host.durable.waitForInstance(second.json.id as string)).output as DrillRunSummary;

    expect(one.pagesAnalyzed).toBe(12);
    expect(one.day).toMatchObject({ maxPagesPerDay: 14, usedBefore: 0, reserved: 12 });
    // 2 pages are left of the day: not enough for a source analyze and one replica's.
    expect(two.pagesAnalyzed).toBe(0);
    expect(two.day).toMatchObject({ maxPagesPerDay: 14, usedBefore: 12, reserved: 0 });
    expect(two.maxPages).toBe(2);
    expect(two.totals.skipped).toBe(4);
    expect(analyzePosts(emulator)).toBe(6);

    // The next UTC day has its whole budget again.
    await stack.host.advanceTo('2026-12-02T00:00:01Z');
    const third = await post('drills', {});
    expect(third.status).toBe(202);
    const three = (await stack.host.durable.waitForInstance(third.json.id as string)).output as DrillRunSummary;
    expect(three.pagesAnalyzed).toBe(12);
  });

  it('item 7: no drill starts during a replication run (409 naming it); once the run has ended, one does', async () => {
    await prepare();
    const replication = await post('replications', {});
    expect(replication.status).toBe(202);
    const runId = replication.json.id as string;
    const drillsBefore = stack.host.durable.list().filter((s) => s.name === 'drillModels').length;

    const refused = await post('drills', {});

    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ blockedBy: 'replication', id: runId });
    expect(refused.json.error).toMatch(new RegExp(`^replication run ${runId} is in progress`));
    expect(stack.host.durable.list().filter((s) => s.name === 'drillModels')).toHaveLength(drillsBefore);
    expect((await stack.host.durable.waitForInstance(runId)).runtimeStatus).toBe('Completed');
    expect((await post('drills', {})).status).toBe(202);
  });

  describe('item 6: bounded bodies', () => {
    /** A raw POST (Content-Length or chunked). */
    const rawPost = (body: Buffer, chunked: boolean): ReturnType<typeof postRaw> =>
      postRaw(`${stack.host.baseUrl}/api/drills`, body, chunked);

    it.each([
      ['60 MB, chunked', 60 * 1024 * 1024, true],
      ['2.2 MB of unknown members', 2.2 * 1024 * 1024, false],
    ])('%s → 413 naming the limit, small, no drill started', async (_n, size, chunked) => {
      await stack.reset(
        versionReset('v2.1', { env: { DR_DRILL_SAMPLES_URL: `${stack.azurite!.blobEndpoint}/drill-samples` } }),
      );
      // Many unknown members (before the limit, the answer listed each of them), then one long value.
      const members: string[] = [];
      for (let i = 0, length = 0; length < Math.min(size, 3 * 1024 * 1024); i++) {
        members.push(`"m${i}":1`);
        length += members[i].length + 1;
      }
      const text = `{${members.join(',')},"models":["${'a'.repeat(Math.max(0, size - 3 * 1024 * 1024))}"]}`;
      const body = Buffer.from(text);
      const drillsBefore = stack.host.durable.list().filter((s) => s.name === 'drillModels').length;
      const res = await rawPost(body, chunked);
      expect(res.status).toBe(413);
      expect(JSON.parse(res.text)).toEqual({
        error: `request body too large: at most ${MAX_REQUEST_BODY_BYTES} bytes`,
        limitBytes: MAX_REQUEST_BODY_BYTES,
      });
      expect(stack.host.durable.list().filter((s) => s.name === 'drillModels')).toHaveLength(drillsBefore);
    });

    it('a body under the limit full of unknown members → 400 listing 20 problems and their count', async () => {
      await stack.reset(
        versionReset('v2.1', { env: { DR_DRILL_SAMPLES_URL: `${stack.azurite!.blobEndpoint}/drill-samples` } }),
      );
      const members: string[] = [];
      for (let i = 0; i < 5000; i++) members.push(`"m${i}":1`);
      const body = `{${members.join(',')}}`;
      expect(Buffer.byteLength(body)).toBeLessThan(MAX_REQUEST_BODY_BYTES);
      const res = await post('drills', body);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: 'invalid request', problemCount: 5000 });
      expect(res.json.problems).toHaveLength(MAX_PROBLEMS_LISTED);
    });
  });
});
