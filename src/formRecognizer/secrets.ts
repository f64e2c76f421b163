/**
 * Secret scrubbing. Every message built from a service body, every log line and every
 * serialized error goes through a scrubber that knows the exact secrets this client
 * sent (subscription key, bearer tokens, copy-authorization access tokens) and also
 * redacts generic secret shapes (JWTs, `Bearer …`, 32-hex keys, `accessToken` members).
 */

import { REDACTED, scrubPatterns } from '../common/serviceError';

export { REDACTED };

/** Secrets shorter than this are not matched literally (they would shred ordinary text). */
export const MIN_SECRET_LENGTH = 4;

const GENERIC_PATTERNS: readonly RegExp[] = [
  /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi,
  /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, // JWT
  /("?accessToken"?\s*[:=]\s*"?)[^",}\s]+/gi,
  /((?:ocp-apim-subscription-key|subscription-key|api-key|access_token|sig)["']?\s*[:=]\s*["']?)[^"'&,}\s]+/gi,
  /\b[0-9a-f]{32}\b/gi, // classic Cognitive Services key shape
];

export function scrubGeneric(text: string): string {
  return scrubPatterns(text, GENERIC_PATTERNS);
}

/** Collects the exact secret strings a client has sent and removes them from text. */
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
    return scrubGeneric(out);
  }

  /** Never print the secrets themselves. */
  toJSON(): string {
    return `SecretScrubber(${this.#secrets.size})`;
  }
}
