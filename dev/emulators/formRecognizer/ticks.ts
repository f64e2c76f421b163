/**
 * `expirationDateTimeTicks` encodings (reference section 1):
 * - `seconds`: Unix epoch seconds (v2.0 GA and v2.1, what the SDKs expect);
 * - `ticks`: .NET ticks, 100 ns units since 0001-01-01T00:00:00Z (early v2.0-preview and
 *   the seed documents' sample `637233481531659440`), which exceed Number.MAX_SAFE_INTEGER.
 * A value >= 1e14 is ticks, otherwise seconds.
 */
import { randomInt } from 'node:crypto';
import type { TickEncoding } from './types';

/** Tick of the Unix epoch. */
export const UNIX_EPOCH_TICKS = 621355968000000000n;
const TICKS_PER_MS = 10000n;
const TICKS_THRESHOLD = 1e14;

/** Encodes an instant as the raw JSON number text the service would send. */
export function encodeExpiry(ms: number, encoding: TickEncoding): string {
  if (encoding === 'seconds') return String(Math.floor(ms / 1000));
  // Real ticks carry sub-millisecond digits; pick them so that a JSON.parse round trip is
  // always lossy (the trap the reference describes), never accidentally exact.
  const base = BigInt(Math.floor(ms)) * TICKS_PER_MS + UNIX_EPOCH_TICKS;
  for (;;) {
    const raw = (base + BigInt(randomInt(1, 10000))).toString();
    if (JSON.stringify(JSON.parse(raw)) !== raw) return raw;
  }
}

/** Decodes a raw JSON number text to epoch milliseconds (undefined when not a finite number). */
export function decodeExpiry(raw: string): number | undefined {
  const n = Number(raw);
  if (!Number.isFinite(n)) return undefined;
  if (n < TICKS_THRESHOLD) return n * 1000;
  if (/^\d+$/.test(raw)) return Number((BigInt(raw) - UNIX_EPOCH_TICKS) / TICKS_PER_MS);
  return (n - Number(UNIX_EPOCH_TICKS)) / Number(TICKS_PER_MS);
}
