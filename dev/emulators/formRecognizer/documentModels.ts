/**
 * Form Recognizer v3.1 (`formrecognizer/…?api-version=2023-07-31`) and Document Intelligence v4
 * (`documentintelligence/…?api-version=2024-11-30`) custom-model copy API: state, routes and
 * replies (no HTTP here; server.ts adds auth, faults, rate limits and the request log).
 *
 *   authorizeCopy (target, caller-chosen id) → id reserved, token, expires = issue + lifetime (1 h)
 *   POST {id}:copyTo (source, body = the authorization verbatim) → sync checks → 202, operation
 *   operation: notStarted → running → succeeded | failed(error) (| canceled | skipped, injected)
 *   succeeded: target model/classifier exists, authorization spent; operation kept 24 h, then 404
 *
 * Like the v2 state, everything is derived from the clock lazily (`settle(now)`); no timers.
 * Facts vs inferences: docs/v4.md.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { json, type Reply } from './reply';
import { decodePageToken, encodePageToken } from './routes';
import { TARGET_REGION_PATTERN, TARGET_RESOURCE_ID_PATTERN, type ResourceConfig } from './state';
import {
  DEFAULT_PREBUILT_MODELS,
  type ApiVersion,
  type CallKind,
  type ClassifierSeed,
  type ComposedCopyRequirement,
  type CopyDurationInput,
  type DocumentApiVersion,
  type DocumentModelSeed,
  type DocumentTypeSeed,
  type ReservedIdPolicy,
  type ResourceSpec,
} from './types';

export const DEFAULT_COPY_AUTHORIZATION_LIFETIME_MS = 60 * 60 * 1000;
export const OPERATION_RETENTION_MS = 24 * 60 * 60 * 1000;
export const DOCUMENT_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._~-]{1,63}$/;

export type Collection = 'documentModels' | 'documentClassifiers';
export type OperationKind = 'documentModelCopyTo' | 'documentClassifierCopyTo';
export type DocOperationStatus = 'notStarted' | 'running' | 'succeeded' | 'failed' | 'canceled' | 'skipped';

/** `{code, message, innererror?}` as the v3/v4 error guide shows it. */
export interface DiError {
  code: string;
  message: string;
  innererror?: { code: string; message: string };
}

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

export interface DocModel {
  modelId: string;
  description?: string;
  tags?: Record<string, string>;
  createdMs: number;
  modifiedMs?: number;
  expirationMs?: number;
  apiVersion: string;
  buildMode?: string;
  docTypes: Record<string, DocumentTypeSeed>;
  classifierId?: string;
  split?: string;
  prebuilt: boolean;
  copiedFrom?: { resource: string; modelId: string };
}

export interface DocClassifier {
  classifierId: string;
  description?: string;
  createdMs: number;
  modifiedMs?: number;
  expirationMs?: number;
  apiVersion: string;
  docTypes: string[];
  copiedFrom?: { resource: string; classifierId: string };
}

export interface DocAuthorization {
  collection: Collection;
  /** Name of the issuing (target) resource. */
  target: string;
  targetId: string;
  /** The issued members, compared byte-for-byte with what a copy sends back. */
  fields: {
    targetResourceId: string;
    targetResourceRegion: string;
    targetId: string;
    targetLocation: string;
    accessToken: string;
    expirationDateTime: string;
  };
  issuedMs: number;
  expiresMs: number;
  description?: string;
  tags?: Record<string, string>;
  spentBy?: string;
}

export type DocOutcome =
  | { kind: 'success'; target: string; auth: DocAuthorization; snapshot: DocModel | DocClassifier }
  | { kind: 'failure'; error: DiError };

export interface DocOperation {
  operationId: string;
  kind: OperationKind;
  source: string;
  sourceId: string;
  targetId: string;
  resourceLocation: string;
  apiVersion: DocumentApiVersion;
  createdMs: number;
  runningMs: number;
  completeMs: number;
  outcome: DocOutcome;
  /** Set by `endOperation`: the operation ends with this status, nothing lands. */
  ended?: 'canceled' | 'skipped';
  settled: boolean;
}

export interface DocResourceOptions {
  lifetimeMs: number;
  reservedIdPolicy: ReservedIdPolicy;
  composedCopyRequires: ComposedCopyRequirement;
}

export class DocResource {
  readonly models = new Map<string, DocModel>();
  readonly classifiers = new Map<string, DocClassifier>();
  /** `collection/id` → the authorization that reserved it (until a copy lands). */
  readonly reserved = new Map<string, DocAuthorization>();
  readonly operations = new Map<string, DocOperation>();
  constructor(
    readonly config: ResourceConfig,
    readonly options: DocResourceOptions,
  ) {}
}

export interface DocumentRoute {
  call: CallKind;
  collection: Collection | 'operations' | 'info';
  version: DocumentApiVersion;
  prefix: 'formrecognizer' | 'documentintelligence';
  id?: string;
}

const PREFIX_OF: Record<DocumentApiVersion, DocumentRoute['prefix']> = {
  '2023-07-31': 'formrecognizer',
  '2024-11-30': 'documentintelligence',
};

/** Matches a v3.1/v4 request, or undefined (then the v2 router is tried). */
export function matchDocumentRoute(
  method: string,
  url: URL,
  served: readonly ApiVersion[],
): DocumentRoute | 'unserved' | undefined {
  const m =
    /^\/(formrecognizer|documentintelligence)\/(documentModels|documentClassifiers|operations|info)(?::(authorizeCopy))?(?:\/(.+))?$/i.exec(
      url.pathname.replace(/\/+$/, ''),
    );
  if (!m) return undefined;
  const version = url.searchParams.get('api-version') as DocumentApiVersion | null;
  const prefix = (m[1] ?? '').toLowerCase() as DocumentRoute['prefix'];
  if (version === null || PREFIX_OF[version] !== prefix || !served.includes(version)) return 'unserved';
  const collection = (m[2] ?? '').toLowerCase();
  const action = m[3];
  let rest: string | undefined;
  try {
    rest = m[4] === undefined ? undefined : decodeURIComponent(m[4]);
  } catch {
    return 'unserved';
  }
  const base = { version, prefix };
  if (collection === 'info')
    return action || rest !== undefined || method !== 'GET'
      ? 'unserved'
      : { ...base, call: 'summary', collection: 'info' };
  if (collection === 'operations')
    return !action && rest !== undefined && !rest.includes('/') && method === 'GET'
      ? { ...base, call: 'copyResult', collection: 'operations', id: rest }
      : 'unserved';
  const coll: Collection = collection === 'documentmodels' ? 'documentModels' : 'documentClassifiers';
  const classifierCopy = coll === 'documentClassifiers' && version === '2023-07-31';
  if (action)
    return rest === undefined && method === 'POST' && !classifierCopy
      ? { ...base, call: 'authorize', collection: coll }
      : 'unserved';
  if (rest === undefined) return method === 'GET' ? { ...base, call: 'list', collection: coll } : 'unserved';
  if (rest.includes('/')) return 'unserved';
  const colon = rest.lastIndexOf(':');
  if (colon > 0) {
    return rest.slice(colon + 1).toLowerCase() === 'copyto' && method === 'POST' && !classifierCopy
      ? { ...base, call: 'copy', collection: coll, id: rest.slice(0, colon) }
      : 'unserved';
  }
  if (method === 'GET') return { ...base, call: 'getModel', collection: coll, id: rest };
  if (method === 'DELETE') return { ...base, call: 'deleteModel', collection: coll, id: rest };
  return 'unserved';
}

export function documentUrl(endpoint: string, route: { prefix: string; version: string }, path: string): string {
  return `${endpoint}/${route.prefix}${path}?api-version=${route.version}`;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function parseIso(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`invalid date '${value}'`);
  return ms;
}

export function docModelFromSeed(seed: DocumentModelSeed, now: number): DocModel {
  if (!DOCUMENT_ID_PATTERN.test(seed.modelId)) throw new RangeError(`invalid document model id '${seed.modelId}'`);
  const m: DocModel = {
    modelId: seed.modelId,
    createdMs: parseIso(seed.createdDateTime, now),
    apiVersion: seed.apiVersion ?? '2024-11-30',
    docTypes: seed.docTypes ?? { [seed.modelId]: { buildMode: seed.buildMode ?? 'template' } },
    prebuilt: false,
  };
  if (seed.description !== undefined) m.description = seed.description;
  if (seed.tags !== undefined) m.tags = { ...seed.tags };
  if (seed.expirationDateTime !== undefined) m.expirationMs = parseIso(seed.expirationDateTime, now);
  if (seed.buildMode !== undefined) m.buildMode = seed.buildMode;
  if (seed.classifierId !== undefined) m.classifierId = seed.classifierId;
  if (seed.split !== undefined) m.split = seed.split;
  return m;
}

export function classifierFromSeed(seed: ClassifierSeed, now: number): DocClassifier {
  if (!DOCUMENT_ID_PATTERN.test(seed.classifierId))
    throw new RangeError(`invalid classifier id '${seed.classifierId}'`);
  const c: DocClassifier = {
    classifierId: seed.classifierId,
    createdMs: parseIso(seed.createdDateTime, now),
    apiVersion: seed.apiVersion ?? '2024-11-30',
    docTypes: seed.docTypes ?? ['invoice', 'receipt'],
  };
  if (seed.description !== undefined) c.description = seed.description;
  if (seed.expirationDateTime !== undefined) c.expirationMs = parseIso(seed.expirationDateTime, now);
  return c;
}

function prebuilt(id: string): DocModel {
  const docType = id.replace(/^prebuilt-/, '');
  return {
    modelId: id,
    description: `Prebuilt model ${docType}.`,
    createdMs: Date.parse('2024-11-30T00:00:00Z'),
    apiVersion: '2024-11-30',
    docTypes: { [docType]: { buildMode: 'template' } },
    prebuilt: true,
  };
}

/** DocumentModelDetails as served in `version` (2023-07-31 has no classifierId / split / docTypes[*].modelId). */
export function modelDetails(m: DocModel, version: DocumentApiVersion): Record<string, unknown> {
  const out: Record<string, unknown> = { modelId: m.modelId };
  if (m.description !== undefined) out.description = m.description;
  out.createdDateTime = iso(m.createdMs);
  if (m.modifiedMs !== undefined) out.modifiedDateTime = iso(m.modifiedMs);
  if (m.expirationMs !== undefined) out.expirationDateTime = iso(m.expirationMs);
  out.apiVersion = m.apiVersion;
  if (m.tags !== undefined) out.tags = m.tags;
  if (m.buildMode !== undefined) out.buildMode = m.buildMode;
  if (version === '2024-11-30') {
    if (m.classifierId !== undefined) out.classifierId = m.classifierId;
    if (m.split !== undefined) out.split = m.split;
  }
  const docTypes: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(m.docTypes)) {
    const { modelId, confidenceThreshold, ...rest } = d;
    docTypes[name] =
      version === '2024-11-30'
        ? {
            ...rest,
            ...(modelId !== undefined ? { modelId } : {}),
            ...(confidenceThreshold !== undefined ? { confidenceThreshold } : {}),
          }
        : rest;
  }
  out.docTypes = docTypes;
  out.warnings = [];
  return out;
}

export function classifierDetails(c: DocClassifier): Record<string, unknown> {
  const out: Record<string, unknown> = { classifierId: c.classifierId };
  if (c.description !== undefined) out.description = c.description;
  out.createdDateTime = iso(c.createdMs);
  if (c.modifiedMs !== undefined) out.modifiedDateTime = iso(c.modifiedMs);
  if (c.expirationMs !== undefined) out.expirationDateTime = iso(c.expirationMs);
  out.apiVersion = c.apiVersion;
  out.docTypes = Object.fromEntries(c.docTypes.map((d) => [d, { sourceKind: 'azureBlob' }]));
  out.warnings = [];
  return out;
}

const diReply = (status: number, error: DiError, headers?: Record<string, string>): Reply =>
  json(status, { error }, headers);

export interface CopyValidation {
  kind: 'valid';
  source: DocResource;
  collection: Collection;
  sourceItem: DocModel | DocClassifier;
  sent: DocAuthorization['fields'];
  issued: DocAuthorization | undefined;
  target: DocResource | undefined;
}

export interface DocCopyOverrides {
  durationMs?: number;
  failure?: { code: string; message: string };
}

function isStringMap(v: unknown): v is Record<string, string> {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')
  );
}

export class DocumentModelsState {
  readonly resources = new Map<string, DocResource>();
  /** Every authorization ever issued, by access token. */
  readonly authorizations = new Map<string, DocAuthorization>();
  private readonly pending = new Set<DocOperation>();

  constructor(private readonly copyDuration: number | ((c: CopyDurationInput) => number)) {}

  addResource(config: ResourceConfig, spec: ResourceSpec, now: number): DocResource {
    const r = new DocResource(config, {
      lifetimeMs: spec.copyAuthorizationLifetimeMs ?? DEFAULT_COPY_AUTHORIZATION_LIFETIME_MS,
      reservedIdPolicy: spec.reservedIdPolicy ?? 'burn',
      composedCopyRequires: spec.composedCopyRequires ?? 'classifier',
    });
    this.resources.set(config.name, r);
    for (const id of spec.prebuiltModels ?? DEFAULT_PREBUILT_MODELS) r.models.set(id, prebuilt(id));
    for (const c of spec.classifiers ?? []) this.addClassifier(config.name, c, now);
    for (const m of spec.documentModels ?? []) this.addModel(config.name, m, now);
    return r;
  }

  resource(name: string): DocResource {
    const r = this.resources.get(name);
    if (!r) throw new Error(`unknown emulated resource '${name}'`);
    return r;
  }

  addModel(name: string, seed: DocumentModelSeed, now: number): DocModel {
    const r = this.resource(name);
    const m = docModelFromSeed(seed, now);
    if (r.models.has(m.modelId)) throw new Error(`document model '${m.modelId}' already exists in '${name}'`);
    r.models.set(m.modelId, m);
    return m;
  }

  addClassifier(name: string, seed: ClassifierSeed, now: number): DocClassifier {
    const r = this.resource(name);
    const c = classifierFromSeed(seed, now);
    if (r.classifiers.has(c.classifierId))
      throw new Error(`classifier '${c.classifierId}' already exists in '${name}'`);
    r.classifiers.set(c.classifierId, c);
    return c;
  }

  // ---- clock ----------------------------------------------------------------------------

  settle(now: number): void {
    const due = [...this.pending].filter((op) => op.completeMs <= now).sort((a, b) => a.completeMs - b.completeMs);
    for (const op of due) {
      this.pending.delete(op);
      this.complete(op);
    }
  }

  private complete(op: DocOperation): void {
    op.settled = true;
    if (op.ended !== undefined || op.outcome.kind !== 'success') return;
    const { target: targetName, auth, snapshot } = op.outcome;
    const target = this.resource(targetName);
    const key = `${auth.collection}/${auth.targetId}`;
    const fail = (error: DiError): void => {
      op.outcome = { kind: 'failure', error };
    };
    if (auth.collection === 'documentModels') {
      if (target.models.has(auth.targetId)) return fail(diErrors.modelExists(auth.targetId));
      const m = snapshot as DocModel;
      const req = target.options.composedCopyRequires;
      if (m.classifierId !== undefined && req !== 'none' && !target.classifiers.has(m.classifierId))
        return fail(diErrors.classifierMissing(m.classifierId));
      if (req === 'classifierAndComponents') {
        for (const d of Object.values(m.docTypes))
          if (d.modelId !== undefined && !target.models.has(d.modelId))
            return fail(diErrors.componentMissing(d.modelId));
      }
      const copy: DocModel = {
        ...m,
        modelId: auth.targetId,
        createdMs: op.completeMs,
        modifiedMs: op.completeMs,
        docTypes: { ...m.docTypes },
        copiedFrom: { resource: op.source, modelId: op.sourceId },
      };
      if (auth.description !== undefined) copy.description = auth.description;
      if (auth.tags !== undefined) copy.tags = { ...auth.tags };
      target.models.set(auth.targetId, copy);
    } else {
      if (target.classifiers.has(auth.targetId)) return fail(diErrors.modelExists(auth.targetId));
      const c = snapshot as DocClassifier;
      const copy: DocClassifier = {
        ...c,
        classifierId: auth.targetId,
        createdMs: op.completeMs,
        modifiedMs: op.completeMs,
        copiedFrom: { resource: op.source, classifierId: op.sourceId },
      };
      if (auth.description !== undefined) copy.description = auth.description;
      target.classifiers.set(auth.targetId, copy);
    }
    if (target.reserved.get(key) === auth) target.reserved.delete(key);
  }

  static status(op: DocOperation, now: number): { status: DocOperationStatus; lastUpdatedMs: number; percent: number } {
    if (op.ended !== undefined && op.settled) return { status: op.ended, lastUpdatedMs: op.completeMs, percent: 0 };
    if (now < op.runningMs) return { status: 'notStarted', lastUpdatedMs: op.createdMs, percent: 0 };
    if (now < op.completeMs || !op.settled) return { status: 'running', lastUpdatedMs: op.runningMs, percent: 50 };
    return {
      status: op.outcome.kind === 'success' ? 'succeeded' : 'failed',
      lastUpdatedMs: op.completeMs,
      percent: 100,
    };
  }

  /** Ends a pending operation now as `canceled` or `skipped` (nothing lands; the authorization stays spent). */
  endOperation(name: string, operationId: string, status: 'canceled' | 'skipped', now: number): void {
    const op = this.resource(name).operations.get(operationId);
    if (!op) throw new Error(`unknown operation '${operationId}' in '${name}'`);
    if (op.settled) throw new Error(`operation '${operationId}' already completed`);
    op.ended = status;
    op.completeMs = Math.max(now, op.createdMs);
    op.runningMs = Math.min(op.runningMs, op.completeMs);
    this.settle(now);
  }

  // ---- reads ----------------------------------------------------------------------------

  list(r: DocResource, route: DocumentRoute, url: URL, endpoint: string, pageSize: number): Reply {
    const coll = route.collection as Collection;
    const token = url.searchParams.get('nextLink');
    let after: string | undefined;
    if (token !== null) {
      after = decodePageToken(token);
      if (after === undefined) return diReply(400, diErrors.invalidParameter('nextLink', 'unknown page token.'));
    }
    const items: { id: string; body: () => unknown }[] =
      coll === 'documentModels'
        ? [...r.models.values()].map((m) => ({ id: m.modelId, body: () => modelDetails(m, route.version) }))
        : [...r.classifiers.values()].map((c) => ({ id: c.classifierId, body: () => classifierDetails(c) }));
    items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const rest = after === undefined ? items : items.filter((i) => i.id > after);
    const page = rest.slice(0, pageSize);
    const last = page[page.length - 1];
    const out: Record<string, unknown> = { value: page.map((i) => i.body()) };
    if (rest.length > pageSize && last)
      out.nextLink = `${documentUrl(endpoint, route, `/${coll}`)}&nextLink=${encodeURIComponent(encodePageToken(last.id))}`;
    return json(200, out);
  }

  get(r: DocResource, route: DocumentRoute): Reply {
    const id = route.id ?? '';
    if (route.collection === 'documentModels') {
      const m = r.models.get(id);
      return m ? json(200, modelDetails(m, route.version)) : diReply(404, diErrors.modelNotFound(id));
    }
    const c = r.classifiers.get(id);
    return c ? json(200, classifierDetails(c)) : diReply(404, diErrors.classifierNotFound(id));
  }

  delete(r: DocResource, route: DocumentRoute): Reply {
    const id = route.id ?? '';
    if (route.collection === 'documentModels') {
      const m = r.models.get(id);
      if (!m) return diReply(404, diErrors.modelNotFound(id));
      if (m.prebuilt) return diReply(400, diErrors.readOnly(id));
      r.models.delete(id);
      return { status: 204 };
    }
    return r.classifiers.delete(id) ? { status: 204 } : diReply(404, diErrors.classifierNotFound(id));
  }

  info(r: DocResource): Reply {
    const count = [...r.models.values()].filter((m) => !m.prebuilt).length;
    return json(200, { customDocumentModels: { count, limit: r.config.modelLimit } });
  }

  operation(r: DocResource, route: DocumentRoute, now: number): Reply {
    const op = r.operations.get(route.id ?? '');
    if (!op) return diReply(404, diErrors.operationNotFound());
    const { status, lastUpdatedMs, percent } = DocumentModelsState.status(op, now);
    const finished = status !== 'notStarted' && status !== 'running';
    if (finished && now >= lastUpdatedMs + OPERATION_RETENTION_MS) return diReply(404, diErrors.operationNotFound());
    const body: Record<string, unknown> = {
      operationId: op.operationId,
      status,
      percentCompleted: percent,
      createdDateTime: iso(op.createdMs),
      lastUpdatedDateTime: iso(lastUpdatedMs),
      kind: op.kind,
      resourceLocation: op.resourceLocation,
      apiVersion: op.apiVersion,
    };
    if (status === 'failed' && op.outcome.kind === 'failure') body.error = op.outcome.error;
    if (status === 'succeeded' && op.outcome.kind === 'success') {
      const target = this.resource(op.outcome.target);
      const landed =
        op.kind === 'documentModelCopyTo' ? target.models.get(op.targetId) : target.classifiers.get(op.targetId);
      if (landed)
        body.result =
          op.kind === 'documentModelCopyTo'
            ? modelDetails(landed as DocModel, op.apiVersion)
            : classifierDetails(landed as DocClassifier);
    }
    return json(200, body);
  }

  // ---- authorize (target) -----------------------------------------------------------------

  authorize(r: DocResource, route: DocumentRoute, bodyText: string, endpoint: string, now: number): Reply {
    const coll = route.collection as Collection;
    const idField = coll === 'documentModels' ? 'modelId' : 'classifierId';
    const b = parseObjectBody(bodyText);
    if (!b) return diReply(400, diErrors.invalidJson());
    const id = b[idField];
    if (id === undefined || id === null || id === '') return diReply(400, diErrors.parameterMissing(idField));
    if (typeof id !== 'string' || !DOCUMENT_ID_PATTERN.test(id))
      return diReply(400, diErrors.invalidParameter(idField, 'must match ^[a-zA-Z0-9][a-zA-Z0-9._~-]{1,63}$.'));
    if (b.description !== undefined && (typeof b.description !== 'string' || b.description.length > 4096)) {
      return diReply(400, diErrors.invalidParameter('description', 'must be a string of at most 4096 characters.'));
    }
    if (b.tags !== undefined && !isStringMap(b.tags))
      return diReply(400, diErrors.invalidParameter('tags', 'must map strings to strings.'));
    const exists = coll === 'documentModels' ? r.models.has(id) : r.classifiers.has(id);
    if (exists) return diReply(409, diErrors.modelExists(id));
    const key = `${coll}/${id}`;
    const previous = r.reserved.get(key);
    if (previous) {
      const policy = r.options.reservedIdPolicy;
      if (policy === 'burn' || (policy === 'releaseOnExpiry' && previous.expiresMs > now))
        return diReply(409, diErrors.modelExists(id));
    }
    const expiresMs = now + r.options.lifetimeMs;
    const fields: DocAuthorization['fields'] = {
      targetResourceId: r.config.resourceId,
      targetResourceRegion: r.config.region,
      targetId: id,
      targetLocation: documentUrl(endpoint, route, `/${coll}/${id}`),
      accessToken: `${randomUUID().replace(/-/g, '')}${randomUUID().replace(/-/g, '')}`,
      expirationDateTime: iso(expiresMs),
    };
    const auth: DocAuthorization = {
      collection: coll,
      target: r.config.name,
      targetId: id,
      fields,
      issuedMs: now,
      expiresMs,
    };
    if (typeof b.description === 'string') auth.description = b.description;
    if (isStringMap(b.tags)) auth.tags = { ...b.tags };
    this.authorizations.set(fields.accessToken, auth);
    r.reserved.set(key, auth);
    const idName = coll === 'documentModels' ? 'Model' : 'Classifier';
    return json(200, {
      targetResourceId: fields.targetResourceId,
      targetResourceRegion: fields.targetResourceRegion,
      [`target${idName}Id`]: id,
      [`target${idName}Location`]: fields.targetLocation,
      accessToken: fields.accessToken,
      expirationDateTime: fields.expirationDateTime,
    });
  }

  // ---- copy (source) ----------------------------------------------------------------------

  /** Parses the copyTo body (the authorization); returns the sent fields or an error reply. */
  static parseCopyBody(coll: Collection, bodyText: string): DocAuthorization['fields'] | Reply {
    const b = parseObjectBody(bodyText);
    if (!b) return diReply(400, diErrors.invalidJson());
    const idName = coll === 'documentModels' ? 'Model' : 'Classifier';
    const names = [
      'targetResourceId',
      'targetResourceRegion',
      `target${idName}Id`,
      `target${idName}Location`,
      'accessToken',
      'expirationDateTime',
    ];
    for (const n of names)
      if (typeof b[n] !== 'string' || b[n] === '') return diReply(400, diErrors.parameterMissing(n));
    const s = (n: string): string => b[n] as string;
    return {
      targetResourceId: s('targetResourceId'),
      targetResourceRegion: s('targetResourceRegion'),
      targetId: s(`target${idName}Id`),
      targetLocation: s(`target${idName}Location`),
      accessToken: s('accessToken'),
      expirationDateTime: s('expirationDateTime'),
    };
  }

  /** Sync checks of copyTo, in order: 404 source → read-only → 400 body → expired → modified → malformed target. Changes no state. */
  validateCopy(source: DocResource, route: DocumentRoute, bodyText: string, now: number): CopyValidation | Reply {
    const coll = route.collection as Collection;
    const id = route.id ?? '';
    const item = coll === 'documentModels' ? source.models.get(id) : source.classifiers.get(id);
    if (!item)
      return diReply(404, coll === 'documentModels' ? diErrors.modelNotFound(id) : diErrors.classifierNotFound(id));
    if ('prebuilt' in item && item.prebuilt) return diReply(400, diErrors.readOnly(id));
    const sent = DocumentModelsState.parseCopyBody(coll, bodyText);
    if ('status' in sent) return sent;
    const issued = this.authorizations.get(sent.accessToken);
    const expiresMs = issued ? issued.expiresMs : Date.parse(sent.expirationDateTime);
    if (!Number.isFinite(expiresMs) || expiresMs <= now)
      return diReply(
        400,
        diErrors.authorizationExpired(issued ? issued.fields.expirationDateTime : sent.expirationDateTime),
      );
    const genuine =
      issued !== undefined &&
      issued.collection === coll &&
      (Object.keys(sent) as (keyof typeof sent)[]).every((k) => sent[k] === issued.fields[k]);
    if (!genuine) return diReply(400, diErrors.authorizationInvalid());
    if (sent.targetResourceId.length > 1024 || !TARGET_RESOURCE_ID_PATTERN.test(sent.targetResourceId))
      return diReply(400, diErrors.invalidParameter('targetResourceId', 'malformed resource id.'));
    if (!TARGET_REGION_PATTERN.test(sent.targetResourceRegion))
      return diReply(400, diErrors.invalidParameter('targetResourceRegion', 'invalid region.'));
    const wanted = sent.targetResourceId.toLowerCase();
    const target = [...this.resources.values()].find((r) => r.config.resourceId.toLowerCase() === wanted);
    return { kind: 'valid', source, collection: coll, sourceItem: item, sent, issued, target };
  }

  acceptCopy(
    v: CopyValidation,
    route: DocumentRoute,
    degrade: boolean,
    now: number,
    overrides: DocCopyOverrides = {},
  ): DocOperation {
    const { source, sent, issued, target } = v;
    const fail = (error: DiError): DocOutcome => ({ kind: 'failure', error });
    let outcome: DocOutcome;
    if (!target) outcome = fail(diErrors.resourceResolver(sent.targetResourceId, sent.targetResourceRegion));
    else if (
      target.config.region.toLowerCase() !== sent.targetResourceRegion.toLowerCase() ||
      !issued ||
      issued.target !== target.config.name
    )
      outcome = fail(diErrors.authorizationClaims());
    else if (issued.spentBy !== undefined) outcome = fail(diErrors.authorizationUsed());
    else if (source.config.encrypted && !target.config.encrypted && !degrade) outcome = fail(diErrors.degrade());
    else if (overrides.failure) outcome = fail({ code: overrides.failure.code, message: overrides.failure.message });
    else
      outcome = { kind: 'success', target: target.config.name, auth: issued, snapshot: structuredClone(v.sourceItem) };

    const operationId = `${randomInt(10_000_000_000, 99_999_999_999)}_${randomUUID()}`;
    if (issued && issued.spentBy === undefined) issued.spentBy = operationId;
    const durationMs = Math.max(
      0,
      overrides.durationMs ??
        (typeof this.copyDuration === 'function'
          ? this.copyDuration({
              sourceModelId: route.id ?? '',
              source: source.config.name,
              target: target?.config.name ?? sent.targetResourceId,
            })
          : this.copyDuration),
    );
    const op: DocOperation = {
      operationId,
      kind: v.collection === 'documentModels' ? 'documentModelCopyTo' : 'documentClassifierCopyTo',
      source: source.config.name,
      sourceId: route.id ?? '',
      targetId: sent.targetId,
      resourceLocation: sent.targetLocation,
      apiVersion: route.version,
      createdMs: now,
      runningMs: now + Math.floor(durationMs / 2),
      completeMs: now + durationMs,
      outcome,
      settled: false,
    };
    source.operations.set(operationId, op);
    this.pending.add(op);
    this.settle(now);
    return op;
  }
}

/** A request body that must be a JSON object; undefined when it is not (the caller answers 400). */
function parseObjectBody(bodyText: string): Record<string, unknown> | undefined {
  try {
    const body: unknown = JSON.parse(bodyText);
    return typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
