/**
 * v3.1 / v4 error envelopes as the v3 error guide shows them (`{code, message, innererror}`),
 * one constructor per situation the emulator answers. Recorded vs inferred: docs/emulator.md.
 */
import { json, type Reply } from './reply';

/** `{code, message, innererror?}` as the v3/v4 error guide shows it. */
export interface DiError {
  code: string;
  message: string;
  innererror?: { code: string; message: string };
}

const LIMIT_MESSAGES: Record<string, string> = {
  DocumentModelLimit: 'The number of custom document models has reached the limit of the resource.',
  DocumentModelLimitNeural: 'The number of neural document models has reached the limit of the resource.',
  DocumentModelLimitComposed: 'The number of composed document models has reached the limit of the resource.',
};

const di = (code: string, message: string, inner?: [string, string]): DiError =>
  inner ? { code, message, innererror: { code: inner[0], message: inner[1] } } : { code, message };

export const diErrors = {
  notFound: (inner: string, message: string): DiError => di('NotFound', 'Resource not found.', [inner, message]),
  modelNotFound: (id: string): DiError =>
    di('NotFound', 'Resource not found.', [
      'ModelNotFound',
      `The requested model '${id}' was not found. It may have been deleted or is still building.`,
    ]),
  classifierNotFound: (id: string): DiError =>
    di('NotFound', 'Resource not found.', ['ModelNotFound', `The requested classifier '${id}' was not found.`]),
  operationNotFound: (): DiError =>
    di('NotFound', 'Resource not found.', [
      'OperationNotFound',
      'The requested operation was not found. The identifier may be invalid or the operation may have expired.',
    ]),
  modelExists: (id: string): DiError =>
    di('Conflict', 'The request could not be completed due to a conflict.', [
      'ModelExists',
      `A model with the provided name '${id}' already exists.`,
    ]),
  parameterMissing: (name: string): DiError =>
    di('InvalidArgument', 'Invalid argument.', ['ParameterMissing', `The parameter ${name} is required.`]),
  invalidParameter: (name: string, why: string): DiError =>
    di('InvalidArgument', 'Invalid argument.', ['InvalidParameter', `The parameter ${name} is invalid: ${why}`]),
  invalidJson: (): DiError =>
    di('InvalidRequest', 'Invalid request.', ['InvalidContent', 'The request body is not valid JSON.']),
  readOnly: (id: string): DiError =>
    di('InvalidRequest', 'Invalid request.', ['ModelReadOnly', `The requested model '${id}' is read-only.`]),
  authorizationExpired: (at: string): DiError =>
    di('InvalidRequest', 'Invalid request.', [
      'AuthorizationFailed',
      `Authorization failed: the copy authorization expired at ${at}.`,
    ]),
  authorizationInvalid: (): DiError =>
    di('InvalidRequest', 'Invalid request.', [
      'AuthorizationFailed',
      'Authorization failed: invalid or modified copy authorization.',
    ]),
  authorizationClaims: (): DiError =>
    di('InvalidRequest', 'Invalid request.', [
      'AuthorizationFailed',
      'Authorization failure due to missing or invalid authorization claims.',
    ]),
  /** copyTo with an authorization an earlier accepted copy spent (the v3 guide lists AuthorizationFailed under 403). */
  authorizationConsumed: (): DiError =>
    di('Forbidden', 'Access forbidden.', [
      'AuthorizationFailed',
      'Authorization failed: the copy authorization has already been used. Authorize the copy again.',
    ]),
  /** A documented limit code (v3 error guide: 400 InvalidRequest). */
  limit: (code: string, message?: string): DiError =>
    di('InvalidRequest', 'Invalid request.', [
      code,
      message ?? LIMIT_MESSAGES[code] ?? `The resource limit ${code} was reached.`,
    ]),
  modelExpired: (id: string, at: string): DiError =>
    di('InvalidRequest', 'Invalid request.', ['ModelExpired', `The requested model '${id}' expired at ${at}.`]),
  authorizationUsed: (): DiError =>
    di('InvalidRequest', 'Invalid request.', [
      'AuthorizationFailed',
      'Authorization failed: the copy authorization has already been used. Authorize the copy again.',
    ]),
  resourceResolver: (id: string, region: string): DiError =>
    di('InvalidRequest', 'Invalid request.', [
      'ResourceResolverError',
      `Could not fetch information for Cognitive resource with Id '${id}'. Ensure the resource is valid and exists in the specified region '${region}'.`,
    ]),
  degrade: (): DiError =>
    di('InvalidRequest', 'Invalid request.', [
      'DataProtectionTransformServiceError',
      'Data transfer request is not allowed as it downgrades to a less secure data protection scheme. Refer documentation or contact your service administrator for details.',
    ]),
  classifierMissing: (id: string): DiError =>
    di('InvalidRequest', 'Invalid request.', [
      'ClassifierNotFound',
      `The composed model references classifier '${id}', which does not exist in the target resource. Copy the classifier to the target under the same classifierId first.`,
    ]),
  componentMissing: (id: string): DiError =>
    di('InvalidRequest', 'Invalid request.', [
      'ComponentModelNotFound',
      `The composed model references component model '${id}', which does not exist in the target resource. Copy it first under the same modelId.`,
    ]),
};

export const diReply = (status: number, error: DiError, headers?: Record<string, string>): Reply =>
  json(status, { error }, headers);
