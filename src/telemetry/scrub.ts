/**
 * What leaves the process as telemetry passes the same secret patterns as log lines, service
 * errors and ledger writes (`src/common/secrets.ts`): `scrubSecrets`, then the guard's check
 * (`findSecret`). An attribute whose *name* says it is a secret is dropped whatever its value.
 */
import { REDACTED, findSecret, isSecretFieldName, scrubSecrets } from '../common/secrets';

export { REDACTED };
/** Longest string value sent (Application Insights keeps 8192 characters per property; ours are short). */
export const MAX_ATTRIBUTE_LENGTH = 1024;

export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

/** Scrubs one string value: every secret shape is replaced by `[redacted]`; the result is capped. */
export function scrubTelemetryString(value: string): string {
  let out = scrubSecrets(value);
  if (findSecret(out)) out = REDACTED;
  return out.length > MAX_ATTRIBUTE_LENGTH ? `${out.slice(0, MAX_ATTRIBUTE_LENGTH)}…` : out;
}

/**
 * Scrubs a property bag: drops secret-named keys and non-finite numbers, scrubs strings,
 * keeps booleans and finite numbers. Keys that are not simple names are dropped too.
 */
export function scrubAttributes(input: Readonly<Record<string, unknown>> | undefined): Attributes {
  const out: Attributes = {};
  if (!input) return out;
  for (const [key, value] of Object.entries(input)) {
    if (!/^[A-Za-z_][A-Za-z0-9_.]{0,99}$/.test(key) || isSecretFieldName(key)) continue;
    if (typeof value === 'string') out[key] = scrubTelemetryString(value);
    else if (typeof value === 'number') {
      if (Number.isFinite(value)) out[key] = value;
    } else if (typeof value === 'boolean') out[key] = value;
  }
  return out;
}
