/**
 * `expirationDateTimeTicks` comes in two encodings (reference §1):
 * - v2.0 GA / v2.1: Unix epoch **seconds**;
 * - early v2.0-preview (and the seed guide's sample `637233481531659440`): **.NET ticks**,
 *   100 ns units since 0001-01-01T00:00:00Z.
 * Rule: a value ≥ 1e14 is ticks, otherwise seconds. Ticks exceed Number.MAX_SAFE_INTEGER,
 * so the raw digits are parsed with BigInt, never with Number/JSON.parse.
 */

/** .NET tick of 1970-01-01T00:00:00Z. */
export const UNIX_EPOCH_TICKS = 621355968000000000n;
/** Values at or above this are .NET ticks; below it, Unix seconds. */
export const TICKS_THRESHOLD = 100000000000000n; // 1e14
const TICKS_PER_MS = 10000n;

export type ExpirationEncoding = 'ticks' | 'seconds';

export interface DecodedExpiration {
  /** Milliseconds since the Unix epoch (ticks are truncated to the millisecond). */
  epochMs: number;
  encoding: ExpirationEncoding;
}

/**
 * Decodes the raw JSON text of an `expirationDateTimeTicks` value (e.g. `637233481531659440`
 * or `1622052276`). Returns undefined when the text is not a non-negative integer literal.
 */
export function decodeExpirationTicks(rawDigits: string): DecodedExpiration | undefined {
  const text = rawDigits.trim();
  if (!/^\d{1,30}$/.test(text)) return undefined;
  const value = BigInt(text);
  if (value >= TICKS_THRESHOLD) {
    const ms = (value - UNIX_EPOCH_TICKS) / TICKS_PER_MS; // BigInt division truncates toward zero
    const n = Number(ms);
    return Number.isSafeInteger(n) && Math.abs(n) <= 8.64e15 ? { epochMs: n, encoding: 'ticks' } : undefined;
  }
  const n = Number(value) * 1000;
  return n <= 8.64e15 ? { epochMs: n, encoding: 'seconds' } : undefined;
}

/** Encodes epoch milliseconds as .NET ticks (exact, as a decimal string). */
export function epochMsToTicks(epochMs: number): string {
  return (BigInt(Math.trunc(epochMs)) * TICKS_PER_MS + UNIX_EPOCH_TICKS).toString();
}
