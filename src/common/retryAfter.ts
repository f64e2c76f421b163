/**
 * `Retry-After` parsing (RFC 9110 §10.2.3): either delta-seconds or an HTTP-date, the
 * latter interpreted relative to a supplied clock so virtual time works in tests.
 * Azure services may also send `retry-after-ms` / `x-ms-retry-after-ms` (milliseconds),
 * which take precedence when present. Both service clients (Form Recognizer / Document
 * Intelligence and Custom Vision) read their throttling delays here.
 */

/** Parses one `Retry-After` value into a delay in milliseconds (≥ 0), or undefined. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) {
    const seconds = Number(text);
    return Number.isFinite(seconds) ? Math.ceil(seconds * 1000) : undefined;
  }
  // HTTP-date (IMF-fixdate; Date.parse also accepts the obsolete RFC 850 / asctime forms).
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Parses a millisecond header (`retry-after-ms`), or undefined. */
export function parseRetryAfterMs(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
  return Math.ceil(Number(text));
}

interface HeaderSource {
  get(name: string): string | null;
}

/** The retry delay a response asks for, from any of the headers Azure uses. */
export function retryAfterFromHeaders(headers: HeaderSource, nowMs: number): number | undefined {
  return (
    parseRetryAfterMs(headers.get('retry-after-ms')) ??
    parseRetryAfterMs(headers.get('x-ms-retry-after-ms')) ??
    parseRetryAfter(headers.get('retry-after'), nowMs)
  );
}
