/**
 * Limits of what the HTTP API reads and echoes, so that no request can make a response (or
 * the memory spent building it) grow with its size: bodies are read up to
 * {@link MAX_REQUEST_BODY_BYTES} (a larger one is a 413 without reading the rest), a 400 lists
 * at most {@link MAX_PROBLEMS_LISTED} problems with their count, and an input value quoted in
 * a response is cut to {@link MAX_ECHO_CHARS} characters.
 */

/** 64 KiB: a POST /api/replications body naming 5 000 model ids of 10 characters fits (or about 1 600 GUIDs). */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;
export const MAX_PROBLEMS_LISTED = 20;
export const MAX_ECHO_CHARS = 100;

/**
 * An input value as it may be quoted in a response: at most `max` ({@link MAX_ECHO_CHARS})
 * characters, cut between code points (never inside a surrogate pair), `…` marking a cut.
 */
export function echo(value: string, max = MAX_ECHO_CHARS): string {
  const chars = Array.from(value);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : value;
}

/** The body of a 400: the first {@link MAX_PROBLEMS_LISTED} problems and how many there are. */
export function invalidRequestBody(problems: readonly string[]): {
  error: 'invalid request';
  problems: string[];
  problemCount: number;
} {
  return { error: 'invalid request', problems: problems.slice(0, MAX_PROBLEMS_LISTED), problemCount: problems.length };
}

/** The body of a 413. */
export function tooLargeBody(limit = MAX_REQUEST_BODY_BYTES): { error: string; limitBytes: number } {
  return { error: `request body too large: at most ${limit} bytes`, limitBytes: limit };
}

/** What a request exposes of its body (the @azure/functions HttpRequest has both). */
export interface BodySource {
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
}

export type BodyText = { ok: true; text: string } | { ok: false; tooLarge: true };

/**
 * The body as UTF-8 text, read chunk by chunk and abandoned as soon as it passes `limit`
 * bytes (a `Content-Length` over the limit is refused before reading anything), so at most
 * `limit` bytes and one chunk are ever held.
 */
export async function readBodyText(request: BodySource, limit = MAX_REQUEST_BODY_BYTES): Promise<BodyText> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared.trim()) > limit)
    return { ok: false, tooLarge: true };
  if (!request.body) return { ok: true, text: '' };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      return { ok: false, tooLarge: true };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return { ok: true, text: new TextDecoder('utf-8').decode(bytes) };
}
