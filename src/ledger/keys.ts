/**
 * Ledger keys are blob names made of encoded segments joined by `/`.
 *
 * Model ids, run ids and region names may contain any URL character (`/`, `?`, `%`, `#`,
 * spaces, `..`). Each segment is encoded so the blob name is a plain, unambiguous path:
 * characters outside `[A-Za-z0-9_.-]` (and a leading `.`) become `~XX` per UTF-8 byte,
 * e.g. `a/b c` → `a~2Fb~20c`. `~` itself is encoded, so decoding is exact.
 */
import { LedgerKeyError } from './errors';

const SAFE = /[A-Za-z0-9_.-]/;
const MAX_KEY_LENGTH = 1024;

export function encodeKeySegment(segment: string): string {
  if (typeof segment !== 'string' || segment === '')
    throw new LedgerKeyError('A ledger key segment must be a non-empty string');
  let out = '';
  let i = 0;
  for (const ch of segment) {
    if (SAFE.test(ch) && !(i === 0 && ch === '.')) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `~${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    i += ch.length;
  }
  return out;
}

export function decodeKeySegment(encoded: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === '~') {
      const hex = encoded.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) throw new LedgerKeyError(`"${encoded}" is not an encoded ledger key segment`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(encoded.charCodeAt(i));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Builds a key from raw segments, e.g. `ledgerKey('replicas', modelId, region)`; `suffix` is appended verbatim. */
export function ledgerKey(segments: readonly string[], suffix = ''): string {
  const key = segments.map(encodeKeySegment).join('/') + suffix;
  assertValidKey(key);
  return key;
}

/** Keys must be encoded paths: no empty, `.` or `..` segment, only `[A-Za-z0-9_.~-]`, at most 1024 characters. */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new LedgerKeyError(
      `A ledger key must have 1–${MAX_KEY_LENGTH} characters`,
      typeof key === 'string' ? key.slice(0, 100) : undefined,
    );
  }
  if (!/^[A-Za-z0-9_.~/-]+$/.test(key) || key.split('/').some((s) => s === '' || s.startsWith('.'))) {
    throw new LedgerKeyError(
      `"${key.slice(0, 100)}" is not a safe ledger key: build keys with ledgerKey()`,
      key.slice(0, 100),
    );
  }
}

/** A listing prefix: a key ending with `/`, or `''` for everything. */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  assertValidKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}
