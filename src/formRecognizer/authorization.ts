/**
 * A copy authorization, holding the service's response **verbatim**.
 *
 * The authorization must be sent back byte-for-byte: v2.0-preview ticks (18 digits)
 * do not survive `JSON.parse` → `JSON.stringify`, and any modification fails the copy
 * (400 1002 / AuthorizationError). So the original JSON text is kept in a private field
 * and spliced into the copy request as text.
 *
 * It also carries a secret (the access token). It is never exposed by accident:
 * - `raw` is a prototype getter over a `#private` field: not an own property, so
 *   `JSON.stringify`, `{...auth}`, `Object.keys`, `util.inspect` and `console.log` do not see it;
 * - `toJSON()` and `[util.inspect.custom]` return a redacted summary.
 * (Shared with the classifier authorization in {@link VerbatimAuthorization}.)
 * Read `auth.raw` only to hand it to `startCopy` (or to a secret store).
 */
import type { ApiFamily } from '../common/apiVersions';
import { decodeExpirationTicks, type ExpirationEncoding } from './expiration';
import { REDACTED } from '../common/secrets';
import { VerbatimAuthorization, parseV4Authorization, rawMembers, rawStringMember } from './verbatimAuthorization';

export type { ApiFamily } from '../common/apiVersions';

/** Where the authorized model will live; needed by the source to start the copy. */
export interface CopyTarget {
  /** `/subscriptions/…/resourceGroups/…/providers/Microsoft.CognitiveServices/accounts/…` */
  resourceId: string;
  /** e.g. `westus2` */
  region: string;
}

export interface CopyAuthorizationSummary {
  targetModelId: string;
  expiresAt: string;
  targetResourceId: string;
  targetResourceRegion: string;
  apiFamily: ApiFamily;
  raw: typeof REDACTED;
}

export class CopyAuthorization extends VerbatimAuthorization {
  /** The blank model reserved on the target; it becomes the copy. */
  readonly targetModelId: string;
  /** When the authorization stops being accepted (v2: issue + 24 h). */
  readonly expiresAt: Date;
  /** How the expiry was encoded by the service (v2: `ticks` or `seconds`; v4: `iso`). */
  readonly expiresEncoding: ExpirationEncoding | 'iso';
  readonly targetResourceId: string;
  readonly targetResourceRegion: string;
  readonly apiFamily: ApiFamily;

  private constructor(
    raw: string,
    fields: {
      accessToken: string;
      targetModelId: string;
      expiresAt: Date;
      expiresEncoding: ExpirationEncoding | 'iso';
      target: CopyTarget;
      apiFamily: ApiFamily;
    },
  ) {
    super('CopyAuthorization', raw, fields.accessToken, fields.targetModelId);
    this.targetModelId = fields.targetModelId;
    this.expiresAt = fields.expiresAt;
    this.expiresEncoding = fields.expiresEncoding;
    this.targetResourceId = fields.target.resourceId;
    this.targetResourceRegion = fields.target.region;
    this.apiFamily = fields.apiFamily;
    Object.freeze(this);
  }

  toJSON(): CopyAuthorizationSummary {
    return {
      targetModelId: this.targetModelId,
      expiresAt: this.expiresAtIso,
      targetResourceId: this.targetResourceId,
      targetResourceRegion: this.targetResourceRegion,
      apiFamily: this.apiFamily,
      raw: REDACTED,
    };
  }

  /**
   * Builds an authorization from the service's v2 response text (`{"modelId","accessToken",
   * "expirationDateTimeTicks"}`), e.g. to rehydrate one kept in a secret store. Throws
   * `SyntaxError`/`TypeError` with a message that never contains the token.
   */
  static fromV2Raw(raw: string, target: CopyTarget): CopyAuthorization {
    const members = rawMembers(raw, 'copy authorization');
    const modelId = rawStringMember(members, 'modelId');
    const accessToken = rawStringMember(members, 'accessToken');
    const ticksRaw = members.get('expirationDateTimeTicks');
    if (modelId === undefined || modelId === '') throw new TypeError('copy authorization has no string modelId');
    if (accessToken === undefined || accessToken === '')
      throw new TypeError('copy authorization has no string accessToken');
    const decoded = ticksRaw === undefined ? undefined : decodeExpirationTicks(ticksRaw);
    if (!decoded) throw new TypeError('copy authorization has no integer expirationDateTimeTicks');
    return new CopyAuthorization(raw, {
      accessToken,
      targetModelId: modelId,
      expiresAt: new Date(decoded.epochMs),
      expiresEncoding: decoded.encoding,
      target,
      apiFamily: 'formRecognizerV2',
    });
  }

  /**
   * Builds an authorization from a v3/v4 `documentModels:authorizeCopy` response text
   * (`{targetResourceId,targetResourceRegion,targetModelId,targetModelLocation,accessToken,expirationDateTime}`).
   * Provided so a v4 client can implement {@link CopyApi} with the same type.
   */
  static fromV4Raw(raw: string): CopyAuthorization {
    const f = parseV4Authorization(raw, 'targetModelId', 'copy authorization');
    return new CopyAuthorization(raw, {
      accessToken: f.accessToken,
      targetModelId: f.targetId,
      expiresAt: f.expiresAt,
      expiresEncoding: 'iso',
      target: { resourceId: f.targetResourceId, region: f.targetResourceRegion },
      apiFamily: 'documentModels',
    });
  }
}
