/**
 * The common part of the copy authorizations ({@link CopyAuthorization} for models,
 * {@link ClassifierCopyAuthorization} for classifiers): the service's response held
 * **verbatim** and never exposed by accident.
 *
 * - `raw` (and the access token) are prototype getters over `#private` fields: not own
 *   properties, so `JSON.stringify`, `{...auth}`, `Object.keys`, `util.inspect` and
 *   `console.log` do not see them;
 * - `[util.inspect.custom]` shows the subclass's redacted `toJSON()` summary, `toString()`
 *   only the target id and the expiry.
 *
 * Also the parsing both v3.1/v4 `…:authorizeCopy` responses share. Errors never contain the token.
 */
import { topLevelRawMembers } from './rawJson';

const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

export abstract class VerbatimAuthorization {
  readonly #label: string;
  readonly #raw: string;
  readonly #accessToken: string;
  readonly #targetId: string;
  /** When the authorization stops being accepted. */
  abstract readonly expiresAt: Date;

  /** `label` names the class in `toString` / `util.inspect`; `targetId` is the reserved model or classifier id. */
  protected constructor(label: string, raw: string, accessToken: string, targetId: string) {
    this.#label = label;
    this.#raw = raw;
    this.#accessToken = accessToken;
    this.#targetId = targetId;
  }

  /** The authorization exactly as the service returned it (its original JSON text). Secret. */
  get raw(): string {
    return this.#raw;
  }

  /** @internal for scrubbing: the access token inside `raw`. */
  get accessTokenForScrubbing(): string {
    return this.#accessToken;
  }

  /** ISO form of `expiresAt`. */
  get expiresAtIso(): string {
    return this.expiresAt.toISOString();
  }

  /** True when the authorization expires within `marginMs` of `nowMs`. */
  expiresWithin(nowMs: number, marginMs = 0): boolean {
    return this.expiresAt.getTime() - marginMs <= nowMs;
  }

  /** A summary with `raw: "[redacted]"`. */
  abstract toJSON(): object;

  [inspectCustom](): string {
    return `${this.#label} ${JSON.stringify(this.toJSON())}`;
  }

  toString(): string {
    return `${this.#label}(${this.#targetId}, expires ${this.expiresAtIso})`;
  }
}

/** The top-level members of an authorization's text, each as raw JSON text. `what` names it in the SyntaxError. */
export function rawMembers(raw: string, what: string): Map<string, string> {
  try {
    return topLevelRawMembers(raw);
  } catch {
    throw new SyntaxError(`${what} is not a JSON object`);
  }
}

/** A member that is a JSON string, decoded; undefined for any other value. */
export function rawStringMember(members: Map<string, string>, name: string): string | undefined {
  const text = members.get(name);
  if (text === undefined || !text.startsWith('"')) return undefined;
  const v: unknown = JSON.parse(text);
  return typeof v === 'string' ? v : undefined;
}

export interface V4AuthorizationFields {
  targetId: string;
  accessToken: string;
  targetResourceId: string;
  targetResourceRegion: string;
  expiresAt: Date;
}

/**
 * Parses a v3.1/v4 `…:authorizeCopy` response text (`{targetResourceId, targetResourceRegion,
 * <idMember>, …Location, accessToken, expirationDateTime}`): every field a non-empty string,
 * the expiry the service's ISO time. `what` names the authorization in errors.
 */
export function parseV4Authorization(raw: string, idMember: string, what: string): V4AuthorizationFields {
  const members = rawMembers(raw, what);
  const targetId = rawStringMember(members, idMember);
  const accessToken = rawStringMember(members, 'accessToken');
  const targetResourceId = rawStringMember(members, 'targetResourceId');
  const targetResourceRegion = rawStringMember(members, 'targetResourceRegion');
  const exp = rawStringMember(members, 'expirationDateTime');
  const expMs = exp === undefined ? NaN : Date.parse(exp);
  if (!targetId || !accessToken || !targetResourceId || !targetResourceRegion || !Number.isFinite(expMs)) {
    throw new TypeError(
      `${what} lacks ${idMember}, accessToken, targetResourceId, targetResourceRegion or expirationDateTime`,
    );
  }
  return { targetId, accessToken, targetResourceId, targetResourceRegion, expiresAt: new Date(expMs) };
}
