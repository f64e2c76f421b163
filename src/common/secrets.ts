/**
 * The one secret module: every layer (the service clients where service text enters, the
 * ledger's last-line guard, telemetry, logs) uses these patterns and nothing else.
 *
 * - {@link scrubSecrets} replaces every secret shape in free text with `[redacted]`. The
 *   service clients apply it (with their exact keys and tokens, {@link SecretScrubber}) when
 *   they classify an error, so a service message is scrubbed once, where it enters.
 * - {@link findSecret} is the ledger's last line of defence: a field *named* like a secret,
 *   or a string still holding a secret shape.
 * - {@link redactValue} scrubs a whole value (every string, secret-named fields dropped), for
 *   a writer that must record something rather than fail.
 *
 * Patterns, one set: any URL's query and fragment (a SAS lives there); `sig=` in every form
 * (`?sig=`, `&sig=`, `;sig=`, `.sig=`, `"sig": "…"`); named keys (`AccountKey=`,
 * `SharedAccessSignature=`, `api-key:`, `Ocp-Apim-Subscription-Key:`, `training-key:`,
 * `access_token=`, `"accessToken": "…"`), each also percent-encoded (`sig%3D…`); bearer tokens; JSON web tokens; the 32-hex shape of
 * a Cognitive Services key. The guard skips the two shapes that legitimate stored values take
 * (a URL with a query, a 32-hex hash or id): those are scrubbed from free text, never refused.
 */

export const REDACTED = '[redacted]';

/** Secrets shorter than this are not matched literally (they would shred ordinary text). */
export const MIN_SECRET_LENGTH = 4;

interface SecretPattern {
  /** Global; a first group, when the match starts with it, is a prefix that is kept. */
  readonly re: RegExp;
  /** Why the guard refuses a value holding it (`$.x <reason>`). */
  readonly reason: string;
  /** False for shapes that stored values legitimately take: scrubbed from text, not refused. */
  readonly guard: boolean;
}

const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    // The query (and fragment) of any URL, also JSON-escaped (`https:\/\/…`).
    re: /(\bhttps?:(?:\/|\\\/){2}(?:[^\s"'<>?#\\]|\\\/)*)[?#](?:[^\s"'<>\\]|\\(?!"))*/gi,
    reason: 'looks like a URL with a query',
    guard: false,
  },
  {
    re: /(\bAccountKey\s*=\s*)[^;\s"']+/gi,
    reason: 'looks like a storage connection string with an account key',
    guard: true,
  },
  {
    re: /(\bSharedAccessSignature\s*=\s*)[^;\s"']+/gi,
    reason: 'looks like a storage connection string with a SAS',
    guard: true,
  },
  {
    // `sig=` whatever precedes it (`?`, `&`, `;`, `.`, a word): a SAS signature.
    re: /(sig["']?\s*[:=]\s*["']?)[^"'&;,}\s]+/gi,
    reason: 'looks like a SAS signature (sig=)',
    guard: true,
  },
  {
    // The same names percent-encoded (a path or query quoting them): `sig%3D…`, `AccountKey%3D…`.
    re: /((?:AccountKey|SharedAccessSignature|sig|training-key|prediction-key|ocp-apim-subscription-key|subscription-key|api-key|access_token|client_secret|accessToken)(?:%22|%27)?(?:%3d|%3a))(?:[^&"'\s%;,]|%(?!3b|26|22|27|2c))+/gi,
    reason: 'looks like a percent-encoded key or SAS signature',
    guard: true,
  },
  {
    re: /((?:training-key|prediction-key|ocp-apim-subscription-key|subscription-key|api-key|access_token|client_secret)["']?\s*[:=]\s*["']?)[^"'&;,}\s]+/gi,
    reason: 'looks like a key or token in a header or parameter',
    guard: true,
  },
  { re: /("?accessToken"?\s*[:=]\s*"?)[^",}\s]+/gi, reason: 'looks like an access token', guard: true },
  // A bearer token: refused when token-long (20+), scrubbed from free text at any length
  // (`Bearer bonds` in a document is no reason to refuse a record).
  { re: /\bBearer\s+[A-Za-z0-9._~+/=-]{20,}/gi, reason: 'looks like a bearer token', guard: true },
  { re: /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi, reason: 'looks like a bearer token', guard: false },
  {
    re: /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
    reason: 'looks like a JSON web token',
    guard: true,
  },
  { re: /\b[0-9a-f]{32}\b/gi, reason: 'looks like a Cognitive Services key', guard: false },
];

/** Field names (lower-cased, without `_`/`-`) that hold secrets. */
const SECRET_FIELD_NAMES = new Set([
  'accesstoken',
  'token',
  'key',
  'apikey',
  'accountkey',
  'subscriptionkey',
  'ocpapimsubscriptionkey',
  'trainingkey',
  'predictionkey',
  'password',
  'secret',
  'clientsecret',
  'sas',
  'sastoken',
  'sig',
  'signature',
  'connectionstring',
  'authorization',
  'copyauthorization',
]);
const SECRET_FIELD_SUFFIXES = [
  'token',
  'secret',
  'password',
  'accountkey',
  'subscriptionkey',
  'trainingkey',
  'apikey',
  'accesskey',
  'connectionstring',
];

/**
 * Replaces every match of `re` with {@link REDACTED}. A first group that starts the match is
 * a prefix that is kept (`key=`, `"accessToken":`); when it is a URL (scheme, host and path),
 * the whole query after it is replaced. Replacing an already redacted text changes nothing.
 */
function replaceMatches(text: string, re: RegExp): string {
  return text.replace(re, (match: string, prefix?: unknown) => {
    if (typeof prefix !== 'string' || !match.startsWith(prefix)) return REDACTED;
    return /^https?:/i.test(prefix) ? `${prefix}?${REDACTED}` : `${prefix}${REDACTED}`;
  });
}

/** Replaces every secret shape in free text (service messages, log lines) with `[redacted]`. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const p of SECRET_PATTERNS) out = replaceMatches(out, p.re);
  return out;
}

/** Why `text` would be refused (a guarded secret shape not yet redacted), or undefined. */
export function secretInText(text: string): string | undefined {
  for (const p of SECRET_PATTERNS) if (p.guard && replaceMatches(text, p.re) !== text) return p.reason;
  return undefined;
}

export function isSecretFieldName(name: string): boolean {
  const n = name.toLowerCase().replace(/[_-]/g, '');
  return SECRET_FIELD_NAMES.has(n) || SECRET_FIELD_SUFFIXES.some((s) => n.endsWith(s));
}

export interface SecretFinding {
  /** JSON path, e.g. `$.lastError.accessToken` or `$.pairs[3].reason`. */
  path: string;
  reason: string;
}

function childPath(path: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

/** The first secret-named field or secret-looking string in `value`, or undefined. */
export function findSecret(value: unknown, path = '$'): SecretFinding | undefined {
  if (typeof value === 'string') {
    const reason = secretInText(value);
    return reason === undefined ? undefined : { path, reason };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findSecret(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [name, v] of Object.entries(value)) {
      const p = childPath(path, name);
      if (v !== undefined && v !== null && isSecretFieldName(name))
        return { path: p, reason: 'is a field named like a secret' };
      const found = findSecret(v, p);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * A copy of `value` the guard accepts: every string scrubbed, every secret-named field
 * dropped. `paths` collects the JSON paths that changed.
 */
export function redactValue<T>(value: T, paths: string[] = [], path = '$'): T {
  if (typeof value === 'string') {
    const out = scrubSecrets(value);
    if (out === value) return value;
    paths.push(path);
    return (secretInText(out) === undefined ? out : REDACTED) as T;
  }
  if (Array.isArray(value)) return value.map((v: unknown, i) => redactValue(v, paths, `${path}[${i}]`)) as T;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(value)) {
      const p = childPath(path, name);
      if (v !== undefined && v !== null && isSecretFieldName(name)) {
        paths.push(p);
        continue;
      }
      out[name] = redactValue(v, paths, p);
    }
    return out as T;
  }
  return value;
}

/** Collects the exact secret strings a client has sent and removes them (and every generic shape) from text. */
export class SecretScrubber {
  readonly #secrets = new Set<string>();

  add(secret: string | undefined): void {
    if (typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH) this.#secrets.add(secret);
  }

  scrub(text: string): string {
    let out = text;
    // Longest first, so a secret containing another is removed whole.
    const ordered = [...this.#secrets].sort((a, b) => b.length - a.length);
    for (const s of ordered) {
      if (out.includes(s)) out = out.split(s).join(REDACTED);
      // Also the percent-encoded form (a secret echoed inside a URL).
      const enc = encodeURIComponent(s);
      if (enc !== s && out.includes(enc)) out = out.split(enc).join(REDACTED);
    }
    return scrubSecrets(out);
  }

  /** Never print the secrets themselves. */
  toJSON(): string {
    return `SecretScrubber(${this.#secrets.size})`;
  }
}
