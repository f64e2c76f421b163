/**
 * Issue 25, items 6, 8 and 11 for the Custom Vision routes, through the local host, Azurite and
 * the emulator over real HTTP: a huge replay body is a small 413 read no further than the limit;
 * 20 concurrent replays re-send each rejected record once; the read routes refuse unknown and
 * repeated query parameters like the other routes.
 */
import type { HostEvent } from '../../dev/host';
import { MAX_PROBLEMS_LISTED } from '../../src/http/limits';
import { MAX_REPLAY_BODY_BYTES } from '../../src/http/customVisionReplayRequest';
import { rawPost as postRaw } from '../support/rawPost';
import { FUNCTION_KEY, QUEUE, queueDepth, useWorld } from './customVisionFunctionsHarness';

describe('Custom Vision routes under hostile load (issue 25)', () => {
  const w = useWorld();

  /** A raw POST (Content-Length or chunked), answered with status and text. */
  const rawPost = (path: string, body: Buffer, chunked: boolean): ReturnType<typeof postRaw> =>
    postRaw(`${w.host.baseUrl}${path}?code=${FUNCTION_KEY}`, body, chunked);

  it.each([
    ['with Content-Length', false],
    ['chunked', true],
  ])('item 6: a 60 MB replay body (%s) → 413 naming the limit, small, nothing moved', async (_n, chunked) => {
    await w.fresh();
    const body = Buffer.from(`{"includeRejected":true,"x":"${'a'.repeat(60 * 1024 * 1024)}"}`);
    const res = await rawPost('/api/customvision/replay', body, chunked);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toEqual({
      error: `request body too large: at most ${MAX_REPLAY_BODY_BYTES} bytes`,
      limitBytes: MAX_REPLAY_BODY_BYTES,
    });
  });

  it('item 6: a replay body full of unknown fields → 400 listing at most 20 problems and their count', async () => {
    await w.fresh();
    const body: Record<string, number> = {};
    for (let i = 0; i < 300; i++) body[`f${i}`] = 1;
    expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThan(MAX_REPLAY_BODY_BYTES);
    const res = await w.post('/api/customvision/replay', body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid request', problemCount: 300 });
    expect((res.body as { problems: string[] }).problems).toHaveLength(MAX_PROBLEMS_LISTED);
  });

  it('item 8: 20 concurrent replays {includeRejected: true} re-send each of 5 rejected records exactly once', async () => {
    await w.fresh();
    const store = await w.app().customVision.rejected(); // opens the ledger (creates its container)
    for (let i = 0; i < 5; i++) {
      const text = JSON.stringify({ replayed: i });
      await store.add({
        stage: 'process',
        reason: { code: 'configuration', message: 'CV_BACKUP_CONTAINER_URL: storage refused access' },
        raw: { text, encoding: 'utf8', redacted: false, truncated: false, originalLength: text.length },
        queue: QUEUE,
        message: { id: `message-${i}`, insertionTime: new Date(Date.UTC(2026, 3, 1, 0, i)).toISOString() },
      });
    }
    // Every message put on the notification queue is delivered to the queue function once.
    let delivered = 0;
    const onInvoked = (e: HostEvent): void => {
      if ((e as HostEvent & { name?: string }).name === 'customVisionNotifications') delivered += 1;
    };
    w.host.events.on('functionInvoked', onInvoked);

    const replies = await Promise.all(
      Array.from({ length: 20 }, () => w.post('/api/customvision/replay', { includeRejected: true })),
    );

    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
    const moved = replies.flatMap((r) => (r.body as { rejected: { ids: string[] } }).rejected.ids);
    expect(moved.sort()).toEqual(['message-0', 'message-1', 'message-2', 'message-3', 'message-4']);
    await w.host.runUntilIdle({ advanceTime: false });
    w.host.events.off('functionInvoked', onInvoked);
    expect(delivered).toBe(5);
    expect(await queueDepth(w, QUEUE)).toBe(0);
    const originals = (await store.list()).filter((r) => r.id.startsWith('message-'));
    expect(originals.map((r) => r.replayedAt !== undefined)).toEqual(Array(5).fill(true));
  });

  it.each([
    ['/api/customvision/backups?limit=5&limit=6', /^limit: given 2 times, at most once$/],
    [
      '/api/customvision/backups?projectid=x',
      /^"projectid": unknown parameter \(allowed: projectId, iterationId, limit\)$/,
    ],
    ['/api/customvision/backups?projectId=&projectId=', /^projectId: given 2 times, at most once$/],
    ['/api/customvision/rejected?limit=1&limit=1', /^limit: given 2 times, at most once$/],
    [
      '/api/customvision/rejected?projectId=00000000-0000-0000-0000-000000000000',
      /^"projectId": unknown parameter \(allowed: limit\)$/,
    ],
    ['/api/dashboard/data?q=a%C2%85b', /^q: must not contain control characters$/],
    [
      `/api/dashboard/data?${'a'.repeat(39)}%F0%9F%98%80b=1`,
      new RegExp(`^"${'a'.repeat(39)}\u{1F600}…": unknown parameter`, 'u'),
    ],
  ])('item 11: %s → 400 naming the parameter', async (path, problem) => {
    await w.fresh();
    const res = await w.get(path);
    expect(res.status).toBe(400);
    expect((res.body as { problems: string[] }).problems[0]).toMatch(problem);
  });
});
