/**
 * Orchestration instance ids every durable backend accepts.
 *
 * The Durable Task Scheduler takes instance ids of at most 100 characters; the Azure Storage
 * backend puts them in table keys and queue messages, where `/ \ # ?` and control characters
 * are not allowed. So an id here is at most {@link MAX_INSTANCE_ID_LENGTH} characters of
 * printable ASCII without a space and without `/ \ # ?`.
 *
 * Deterministic (a replay and a re-delivered start name the same instance) and pure: no
 * clock, no randomness, no Node built-ins (orchestrators import this module), so the hash is
 * FNV-1a 64 written here rather than `crypto`.
 *
 * An id whose parts already fit is returned exactly as it was built before this module
 * existed (`parts.join(separator)`), so instances started by an earlier version keep their
 * names. Any other id is its readable beginning cut to fit, then {@link HASH_MARK} and a
 * 16-hex-digit hash of the exact parts. A plain id never contains {@link HASH_MARK} (a part
 * holding it is hashed), so a plain and a hashed id can never be equal; two hashed ids are
 * equal only if the 64-bit hashes of their parts collide.
 */

export const MAX_INSTANCE_ID_LENGTH = 100;
/** Separates the readable beginning from the hash; model ids and region names never hold it. */
export const HASH_MARK = '!';
const HASH_HEX_DIGITS = 16;

/** Printable ASCII except space, `/`, `\`, `#`, `?`. */
const ALLOWED_CHAR = /^[\x21-\x7e]$/;
const FORBIDDEN = new Set(['/', '\\', '#', '?']);

function allowed(ch: string): boolean {
  return ALLOWED_CHAR.test(ch) && !FORBIDDEN.has(ch);
}

/** True when `id` satisfies every rule above. */
export function isValidInstanceId(id: string): boolean {
  if (id.length === 0 || id.length > MAX_INSTANCE_ID_LENGTH) return false;
  for (const ch of id) if (!allowed(ch)) return false;
  return true;
}

/**
 * The ids this app builds, narrower than what the backends accept: what they are made of is
 * run ids (`<trigger>-<yyyymmddThhmmssZ>-<random>`), the literals `batch` / `copy`, region names
 * (lower-case letters and digits), model ids (`[A-Za-z0-9._~-]`), `classifier:`, Custom Vision
 * GUIDs, the `:` separator, {@link HASH_MARK} and a hex hash. So: 1 to 100 characters, a letter
 * or digit first, then only letters, digits and `. _ ~ : ! -`. Such an id is one URL path
 * segment that never needs decoding and never is `.` or `..`, so it cannot change the URL of
 * a durable management call it is put into. {@link boundedInstanceId} only makes ids of this
 * grammar.
 */
const APP_INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._~:!-]*$/;
const APP_ID_CHAR = /^[A-Za-z0-9._~:-]$/;

/** Why `id` is not an id this app builds (a short sentence that quotes no more than one character), or undefined. */
export function instanceIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'must not be empty';
  if (id.length > MAX_INSTANCE_ID_LENGTH)
    return `is ${id.length} characters long; an instance id has at most ${MAX_INSTANCE_ID_LENGTH}`;
  if (APP_INSTANCE_ID.test(id)) return undefined;
  const chars = Array.from(id);
  const at = chars.findIndex((ch) => !/^[A-Za-z0-9._~:!-]$/.test(ch));
  if (at < 0) return 'must start with a letter or a digit';
  const ch = chars[at];
  const shown = /^[\x21-\x7e]$/.test(ch)
    ? `'${ch}'`
    : `U+${ch.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')}`;
  return `holds ${shown} at position ${at + 1}; an instance id holds only letters, digits and . _ ~ : ! -`;
}

/** True when `id` is of the grammar of the ids this app builds ({@link instanceIdProblem} finds nothing). */
export function isAppInstanceId(id: string): boolean {
  return instanceIdProblem(id) === undefined;
}

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

/** FNV-1a 64 over the UTF-8 bytes of `text`, as 16 lower-case hex digits. */
export function fnv1a64Hex(text: string): string {
  let h = FNV64_OFFSET;
  for (const byte of utf8Bytes(text)) {
    h ^= BigInt(byte);
    h = (h * FNV64_PRIME) & MASK64;
  }
  return h.toString(16).padStart(HASH_HEX_DIGITS, '0');
}

function utf8Bytes(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return out;
}

/**
 * The instance id of `parts` joined by `separator`: unchanged when it fits the app's grammar
 * ({@link instanceIdProblem}), otherwise its readable beginning (characters outside the
 * grammar replaced by `_`, an `i` put first when it would not start with a letter or digit)
 * cut to leave room for `!` and a hash of the exact parts.
 */
export function boundedInstanceId(parts: readonly string[], separator = ':'): string {
  const joined = parts.join(separator);
  if (isAppInstanceId(joined) && !joined.includes(HASH_MARK)) return joined;
  let readable = Array.from(joined, (ch) => (APP_ID_CHAR.test(ch) ? ch : '_')).join('');
  if (!/^[A-Za-z0-9]/.test(readable)) readable = `i${readable}`;
  // The hash covers the parts themselves (not the joined text), so ["a:b","c"] and ["a","b:c"] differ.
  const hash = fnv1a64Hex(JSON.stringify([separator, ...parts]));
  const room = MAX_INSTANCE_ID_LENGTH - HASH_MARK.length - HASH_HEX_DIGITS;
  return `${readable.slice(0, room)}${HASH_MARK}${hash}`;
}
