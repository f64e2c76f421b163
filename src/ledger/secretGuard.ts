/**
 * The ledger never stores secrets (copy authorizations' access tokens, keys, SAS tokens,
 * connection strings). This guard is the last line of defence before a write: it rejects a
 * value with a field whose *name* says it is a secret, or a string that *looks* like one.
 * Repositories also redact service error messages before storing them (`redactSecrets`).
 */

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

/** String shapes that are secrets whatever the field is called. */
const SECRET_VALUE_PATTERNS: readonly [RegExp, string][] = [
  [/[?&]sig=[^&\s"']+/i, 'looks like a URL with a SAS signature'],
  [/\bAccountKey=[^;\s]+/i, 'looks like a storage connection string with an account key'],
  [/\bSharedAccessSignature=[^;\s]+/i, 'looks like a storage connection string with a SAS'],
  [/\bBearer\s+[A-Za-z0-9._~+/-]{20,}/i, 'looks like a bearer token'],
  [/\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/, 'looks like a JSON web token'],
];

const REDACTED = '[redacted]';

export interface SecretFinding {
  /** JSON path, e.g. `$.lastError.accessToken` or `$.pairs[3].reason`. */
  path: string;
  reason: string;
}

export function isSecretFieldName(name: string): boolean {
  const n = name.toLowerCase().replace(/[_-]/g, '');
  return SECRET_FIELD_NAMES.has(n) || SECRET_FIELD_SUFFIXES.some((s) => n.endsWith(s));
}

/** Returns the first secret-looking field or string in `value`, or undefined. */
export function findSecret(value: unknown, path = '$'): SecretFinding | undefined {
  if (typeof value === 'string') {
    const text = value.split(REDACTED).join(''); // already redacted parts are fine
    for (const [pattern, reason] of SECRET_VALUE_PATTERNS) if (pattern.test(text)) return { path, reason };
    return undefined;
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
      const childPath = /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
      if (v !== undefined && v !== null && isSecretFieldName(name))
        return { path: childPath, reason: 'is a field named like a secret' };
      const found = findSecret(v, childPath);
      if (found) return found;
    }
  }
  return undefined;
}

/** Replaces secret-looking parts of free text (service error messages) with `[redacted]`. */
export function redactSecrets(text: string): string {
  return text
    .replace(/([?&]sig=)[^&\s"']+/gi, '$1[redacted]')
    .replace(/\b(AccountKey=)[^;\s]+/gi, '$1[redacted]')
    .replace(/\b(SharedAccessSignature=)[^;\s]+/gi, '$1[redacted]')
    .replace(/\b(Bearer\s+)[A-Za-z0-9._~+/-]{20,}=*/gi, '$1[redacted]')
    .replace(/\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[redacted]')
    .replace(/("?accessToken"?\s*[:=]\s*"?)[^"\s,}]+/gi, '$1[redacted]');
}
