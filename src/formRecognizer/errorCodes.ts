/**
 * The service error codes the client knows, with the kind and reason each one is classified
 * as. ONE source: `classifyHttpFailure` / `classifyDocumentModelCopyFailure` look codes up
 * here, and docs/client.md's table is checked against this array by a unit test
 * (test/unit/frErrorCodes.test.ts), so the code and the documentation cannot drift apart.
 *
 * Sources: the v3 error guide on Learn (MicrosoftDocs/azure-ai-docs
 * `articles/ai-services/document-intelligence/v3-error-guide.md`), the v2.1 copy documentation
 * and SDK recordings (azure-sdk-for-net / azure-sdk-for-python copy-model recordings).
 *
 * Codes NOT in this table: a 4xx inner code the guide does not list is permanent
 * (`badRequest`, with its code and message); inside a failed v3/v4 operation an unknown inner
 * code under a 4xx-family outer code (`InvalidRequest`, `InvalidArgument`, `Forbidden`,
 * `NotFound`, `Conflict`) is permanent too. Only a v2 operation error with an unknown numeric
 * code stays transient (bounded by the caller), as before.
 */
import type { ErrorKind, FailureReason } from './errors';

export interface DocumentedErrorCode {
  /** The inner (most specific) code as the service sends it. */
  code: string;
  /** HTTP status of the response (or `operation` for an error inside a failed copy operation). */
  status: number | 'operation';
  /** v3/v4 outer code (`error.code`) when the specific one is the inner code. */
  outer?: string;
  kind: Exclude<ErrorKind, 'validation'>;
  reason: FailureReason;
  /** One line, for docs/client.md. */
  meaning: string;
}

export const DOCUMENTED_ERROR_CODES: readonly DocumentedErrorCode[] = [
  {
    code: 'AuthorizationFailed',
    status: 403,
    outer: 'Forbidden',
    kind: 'authorizationRenewal',
    reason: 'authorizationConsumed',
    meaning:
      'copyTo: the authorization is invalid or already used; the copy may have been accepted (a lost 202): read the target before renewing',
  },
  {
    code: 'ModelExists',
    status: 409,
    outer: 'Conflict',
    kind: 'permanent',
    reason: 'conflict',
    meaning: 'authorizeCopy: the target id is taken (a model, or an unused authorization burned it)',
  },
  {
    code: 'ModelNotFound',
    status: 404,
    outer: 'NotFound',
    kind: 'permanent',
    reason: 'modelNotFound',
    meaning: 'the model (or classifier) does not exist',
  },
  {
    code: 'OperationNotFound',
    status: 404,
    outer: 'NotFound',
    kind: 'permanent',
    reason: 'operationNotFound',
    meaning: 'the operation is unknown or older than 24 h: settle from the target',
  },
  {
    code: 'ModelReadOnly',
    status: 400,
    outer: 'InvalidRequest',
    kind: 'permanent',
    reason: 'badRequest',
    meaning: 'a prebuilt model: never copied',
  },
  {
    code: 'ModelNotReady',
    status: 400,
    outer: 'InvalidRequest',
    kind: 'permanent',
    reason: 'badRequest',
    meaning: 'the source is still building: not copied in this run (the next run tries again)',
  },
  {
    code: 'DocumentModelLimit',
    status: 400,
    outer: 'InvalidRequest',
    kind: 'permanent',
    reason: 'limitExceeded',
    meaning: 'the resource holds as many custom models as its tier allows',
  },
  {
    code: 'DocumentModelLimitNeural',
    status: 400,
    outer: 'InvalidRequest',
    kind: 'permanent',
    reason: 'limitExceeded',
    meaning: 'the neural model limit (or monthly neural build quota) is reached',
  },
  {
    code: 'DocumentModelLimitComposed',
    status: 400,
    outer: 'InvalidRequest',
    kind: 'permanent',
    reason: 'limitExceeded',
    meaning: 'the composed model limit is reached',
  },
  {
    code: 'ParameterMissing',
    status: 400,
    outer: 'InvalidArgument',
    kind: 'permanent',
    reason: 'badRequest',
    meaning: 'a required parameter is missing',
  },
  {
    code: 'InvalidParameter',
    status: 400,
    outer: 'InvalidArgument',
    kind: 'permanent',
    reason: 'badRequest',
    meaning: 'a parameter is invalid',
  },
  {
    code: 'InvalidContent',
    status: 400,
    outer: 'InvalidRequest',
    kind: 'permanent',
    reason: 'badRequest',
    meaning: 'the request body is malformed',
  },
  {
    code: 'ResourceResolverError',
    status: 'operation',
    kind: 'permanent',
    reason: 'targetResourceNotFound',
    meaning: 'the target resource id or region is unknown',
  },
  {
    code: 'DataProtectionTransformServiceError',
    status: 'operation',
    kind: 'permanent',
    reason: 'encryptionDowngrade',
    meaning: 'encrypted source to unencrypted target without x-ms-forms-copy-degrade',
  },
  {
    code: 'AuthorizationError',
    status: 'operation',
    kind: 'authorizationRenewal',
    reason: 'authorizationInvalid',
    meaning:
      'v2: "missing or invalid authorization claims"; the "could not retrieve authorization metadata" text: authorizationReused',
  },
  {
    code: '2024',
    status: 'operation',
    kind: 'authorizationRenewal',
    reason: 'authorizationReused',
    meaning:
      'v2: "Could not retrieve authorization metadata": a reused authorization (a lost 202 retried) or a wrong target region',
  },
  {
    code: '1002',
    status: 400,
    kind: 'authorizationRenewal',
    reason: 'authorizationInvalid',
    meaning: 'v2 copy: expired or modified authorization (a region or resource id message makes it invalidTarget)',
  },
  {
    code: '1022',
    status: 404,
    kind: 'permanent',
    reason: 'modelNotFound',
    meaning: 'v2: the model does not exist',
  },
  {
    code: 'InternalServerError',
    status: 'operation',
    kind: 'transient',
    reason: 'serverError',
    meaning: 'a failed operation the service may complete on a retry (new authorization)',
  },
  {
    code: 'ServiceUnavailable',
    status: 'operation',
    kind: 'transient',
    reason: 'serverError',
    meaning: 'as InternalServerError',
  },
  {
    code: 'Timeout',
    status: 'operation',
    kind: 'transient',
    reason: 'serverError',
    meaning: 'as InternalServerError',
  },
];

const BY_CODE = new Map(DOCUMENTED_ERROR_CODES.map((c) => [c.code.toLowerCase(), c]));

/** The documented row for a code (case-insensitive), or undefined. */
export function documentedErrorCode(code: string | undefined): DocumentedErrorCode | undefined {
  return code === undefined ? undefined : BY_CODE.get(code.trim().toLowerCase());
}

/** v3/v4 outer codes that stand for a client (4xx) error: an unknown inner code under them is permanent. */
export const CLIENT_ERROR_OUTER_CODES: ReadonlySet<string> = new Set([
  'invalidrequest',
  'invalidargument',
  'forbidden',
  'notfound',
  'conflict',
  'unauthorized',
]);

/** The limit codes (fact: quotas do not go away by retrying). */
export function isLimitCode(code: string | undefined): boolean {
  return documentedErrorCode(code)?.reason === 'limitExceeded';
}
