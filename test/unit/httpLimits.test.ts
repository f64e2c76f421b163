/**
 * The HTTP API's limits (src/http/limits.ts): a body is read up to the cap and no further, so
 * the memory a request can make the app hold is bounded whatever its size; echoes and problem
 * lists are cut.
 */
import { MAX_REQUEST_BODY_BYTES, echo, invalidRequestBody, readBodyText } from '../../src/http/limits';

const CHUNK = 16 * 1024;

/** A body of `total` bytes produced lazily, chunk by chunk, counting how many bytes were pulled. */
function lazyBody(
  total: number,
  contentLength?: string,
): {
  source: Parameters<typeof readBodyText>[0];
  pulled: () => number;
  cancelled: () => boolean;
} {
  let produced = 0;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (produced >= total) return controller.close();
        const n = Math.min(CHUNK, total - produced);
        produced += n;
        controller.enqueue(new Uint8Array(n).fill(0x21));
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  const headers = new Headers(contentLength === undefined ? {} : { 'content-length': contentLength });
  return { source: { headers, body }, pulled: () => produced, cancelled: () => cancelled };
}

describe('readBodyText', () => {
  test('a 10 MB body without Content-Length: refused after pulling at most the cap and one chunk', async () => {
    const body = lazyBody(10 * 1024 * 1024);
    await expect(readBodyText(body.source)).resolves.toEqual({ ok: false, tooLarge: true });
    expect(body.pulled()).toBeLessThanOrEqual(MAX_REQUEST_BODY_BYTES + CHUNK);
    expect(body.cancelled()).toBe(true);
  });

  test('a declared Content-Length over the cap: refused before reading anything', async () => {
    const body = lazyBody(10 * 1024 * 1024, String(10 * 1024 * 1024));
    await expect(readBodyText(body.source)).resolves.toEqual({ ok: false, tooLarge: true });
    expect(body.pulled()).toBe(0);
  });

  test('a body of exactly the cap is read whole; one byte more is refused', async () => {
    const exact = await readBodyText(lazyBody(MAX_REQUEST_BODY_BYTES).source);
    expect(exact.ok && exact.text.length).toBe(MAX_REQUEST_BODY_BYTES);
    await expect(readBodyText(lazyBody(MAX_REQUEST_BODY_BYTES + 1).source)).resolves.toEqual({
      ok: false,
      tooLarge: true,
    });
  });

  test('no body is the empty text', async () => {
    await expect(readBodyText({ headers: new Headers(), body: null })).resolves.toEqual({ ok: true, text: '' });
  });
});

describe('echo and invalidRequestBody', () => {
  test('an echoed value is at most 100 characters, a cut marked with …', () => {
    expect(echo('short')).toBe('short');
    expect(echo('x'.repeat(100))).toBe('x'.repeat(100));
    const cut = echo('y'.repeat(10_000));
    expect(Array.from(cut)).toHaveLength(100);
    expect(cut.endsWith('…')).toBe(true);
    expect(Array.from(echo('\u{1F600}'.repeat(200)))).toHaveLength(100); // counted in characters, never a split pair
  });

  test('a 400 lists the first 20 problems and how many there are', () => {
    const problems = Array.from({ length: 2_000 }, (_, i) => `models[${i}]: bad`);
    expect(invalidRequestBody(problems)).toEqual({
      error: 'invalid request',
      problems: problems.slice(0, 20),
      problemCount: 2_000,
    });
  });
});
