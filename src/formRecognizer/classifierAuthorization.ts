/**
 * A v4 (2024-11-30) classifier copy authorization (`documentClassifiers:authorizeCopy`),
 * held **verbatim** and redacted exactly like {@link CopyAuthorization} (both extend
 * {@link VerbatimAuthorization}): the raw response text lives in a `#private` field behind
 * a prototype getter, and `toJSON` / `util.inspect` show a summary with `raw: "[redacted]"`.
 *
 * Response shape (spec `ClassifierCopyAuthorization`): `{targetResourceId,
 * targetResourceRegion, targetClassifierId, targetClassifierLocation, accessToken,
 * expirationDateTime}`. The expiry is the service's ISO time, never an assumed duration.
 */
import { REDACTED } from '../common/secrets';
import { VerbatimAuthorization, parseV4Authorization } from './verbatimAuthorization';

export interface ClassifierCopyAuthorizationSummary {
  targetClassifierId: string;
  expiresAt: string;
  targetResourceId: string;
  targetResourceRegion: string;
  raw: typeof REDACTED;
}

export class ClassifierCopyAuthorization extends VerbatimAuthorization {
  readonly targetClassifierId: string;
  readonly expiresAt: Date;
  readonly targetResourceId: string;
  readonly targetResourceRegion: string;

  private constructor(
    raw: string,
    f: {
      accessToken: string;
      targetClassifierId: string;
      expiresAt: Date;
      targetResourceId: string;
      targetResourceRegion: string;
    },
  ) {
    super('ClassifierCopyAuthorization', raw, f.accessToken, f.targetClassifierId);
    this.targetClassifierId = f.targetClassifierId;
    this.expiresAt = f.expiresAt;
    this.targetResourceId = f.targetResourceId;
    this.targetResourceRegion = f.targetResourceRegion;
    Object.freeze(this);
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

  /** Parses a `documentClassifiers:authorizeCopy` response text. Errors never contain the token. */
  static fromRaw(raw: string): ClassifierCopyAuthorization {
    const f = parseV4Authorization(raw, 'targetClassifierId', 'classifier copy authorization');
    return new ClassifierCopyAuthorization(raw, {
      accessToken: f.accessToken,
      targetClassifierId: f.targetId,
      expiresAt: f.expiresAt,
      targetResourceId: f.targetResourceId,
      targetResourceRegion: f.targetResourceRegion,
    });
  }
}
