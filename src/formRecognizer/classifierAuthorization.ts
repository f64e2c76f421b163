/**
 * A v4 (2024-11-30) classifier copy authorization (`documentClassifiers:authorizeCopy`),
 * held **verbatim** and redacted exactly like {@link CopyAuthorization}: the raw response
 * text lives in a `#private` field behind a prototype getter, and `toJSON` /
 * `util.inspect` show a summary with `raw: "[redacted]"`.
 *
 * Response shape (spec `ClassifierCopyAuthorization`): `{targetResourceId,
 * targetResourceRegion, targetClassifierId, targetClassifierLocation, accessToken,
 * expirationDateTime}`. The expiry is the service's ISO time, never an assumed duration.
 */
import { topLevelRawMembers } from './rawJson';
import { REDACTED } from './secrets';

export interface ClassifierCopyAuthorizationSummary {
  targetClassifierId: string;
  expiresAt: string;
  targetResourceId: string;
  targetResourceRegion: string;
  raw: typeof REDACTED;
}

const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

export class ClassifierCopyAuthorization {
  readonly #raw: string;
  readonly #accessToken: string;
  readonly targetClassifierId: string;
  readonly expiresAt: Date;
  readonly targetResourceId: string;
  readonly targetResourceRegion: string;

  private constructor(raw: string, f: { accessToken: string; targetClassifierId: string; expiresAt: Date; targetResourceId: string; targetResourceRegion: string }) {
    this.#raw = raw;
    this.#accessToken = f.accessToken;
    this.targetClassifierId = f.targetClassifierId;
    this.expiresAt = f.expiresAt;
    this.targetResourceId = f.targetResourceId;
    this.targetResourceRegion = f.targetResourceRegion;
    Object.freeze(this);
  }

  /** The authorization exactly as the service returned it. Secret. */
  get raw(): string {
    return this.#raw;
  }

  /** @internal for scrubbing. */
  get accessTokenForScrubbing(): string {
    return this.#accessToken;
  }

  get expiresAtIso(): string {
    return this.expiresAt.toISOString();
  }

  expiresWithin(nowMs: number, marginMs = 0): boolean {
    return this.expiresAt.getTime() - marginMs <= nowMs;
  }

  toJSON(): ClassifierCopyAuthorizationSummary {
    return {
      targetClassifierId: this.targetClassifierId,
      expiresAt: this.expiresAtIso,
      targetResourceId: this.targetResourceId,
      targetResourceRegion: this.targetResourceRegion,
      raw: REDACTED,
    };
  }

  [inspectCustom](): string {
    return `ClassifierCopyAuthorization ${JSON.stringify(this.toJSON())}`;
  }

  toString(): string {
    return `ClassifierCopyAuthorization(${this.targetClassifierId}, expires ${this.expiresAtIso})`;
  }

  /** Parses a `documentClassifiers:authorizeCopy` response text. Errors never contain the token. */
  static fromRaw(raw: string): ClassifierCopyAuthorization {
    let members: Map<string, string>;
    try {
      members = topLevelRawMembers(raw);
    } catch {
      throw new SyntaxError('classifier copy authorization is not a JSON object');
    }
    const str = (name: string): string | undefined => {
      const text = members.get(name);
      if (text === undefined || !text.startsWith('"')) return undefined;
      const v: unknown = JSON.parse(text);
      return typeof v === 'string' && v !== '' ? v : undefined;
    };
    const targetClassifierId = str('targetClassifierId');
    const accessToken = str('accessToken');
    const targetResourceId = str('targetResourceId');
    const targetResourceRegion = str('targetResourceRegion');
    const exp = str('expirationDateTime');
    const expMs = exp === undefined ? NaN : Date.parse(exp);
    if (!targetClassifierId || !accessToken || !targetResourceId || !targetResourceRegion || !Number.isFinite(expMs)) {
      throw new TypeError('classifier copy authorization lacks targetClassifierId, accessToken, targetResourceId, targetResourceRegion or expirationDateTime');
    }
    return new ClassifierCopyAuthorization(raw, { accessToken, targetClassifierId, expiresAt: new Date(expMs), targetResourceId, targetResourceRegion });
  }
}
