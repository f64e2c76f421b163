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
  DOCUMENT_ID_PATTERN,
  classifierDetails,
  classifierFromSeed,
  copiedDocTypes,
  docModelFromSeed,
  isComposedModel,
  isNeural,
  iso,
  modelDetails,
  prebuilt,
  type Collection,
  type DocClassifier,
  type DocModel,
  type DocOperationStatus,
  type OperationKind,
} from './documentDetails';
import { diErrors, diReply, type DiError } from './documentErrors';
import { documentUrl, type DocumentRoute } from './documentRoutes';
import {
  DEFAULT_PREBUILT_MODELS,
  type ClassifierSeed,
  type ComposedCopyRequirement,
  type CopyDurationInput,
  type DocumentApiVersion,
  type DocumentModelSeed,
  type RefuseCopiesSpec,
  type ReservedIdPolicy,
  type ResourceSpec,
} from './types';

export * from './documentDetails';
export * from './documentErrors';
export * from './documentRoutes';

export const DEFAULT_COPY_AUTHORIZATION_LIFETIME_MS = 60 * 60 * 1000;
export const OPERATION_RETENTION_MS = 24 * 60 * 60 * 1000;

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
  documentModelLimit: number;
  neuralBuildQuota: number;
  refuseCopies: RefuseCopiesSpec[];
  renameDocTypes: boolean;
}

/** The first refusal of `target` that applies to copying `m` (and is shown `at`). */
function refusalFor(target: DocResource, m: DocModel, at: 'operation' | 'copyTo'): DiError | undefined {
  for (const r of target.options.refuseCopies) {
    if ((r.at ?? 'operation') !== at) continue;
    const which = r.models ?? 'any';
    const applies =
      which === 'any' ||
      (which === 'neural' && isNeural(m)) ||
      (which === 'composed' && isComposedModel(m)) ||
      (which === 'template' && !isNeural(m) && !isComposedModel(m));
    if (applies) return diErrors.limit(r.code, r.message);
  }
  return undefined;
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

/**
 * Timestamps of a copy, by the API version of the copyTo (recorded): 2023-07-31 keeps the
 * source's `createdDateTime` and has no `modifiedDateTime`; 2024-11-30 has the copy time as
 * `createdDateTime` and the source's `modifiedDateTime` (the source's `expirationDateTime`
 * is kept by both: it is spread from the snapshot).
 */
function copiedTimes(
  op: DocOperation,
  sourceCreatedMs: number,
  sourceModifiedMs: number | undefined,
): { createdMs: number; modifiedMs?: number } {
  if (op.apiVersion === '2023-07-31') return { createdMs: sourceCreatedMs };
  return { createdMs: op.completeMs, ...(sourceModifiedMs !== undefined ? { modifiedMs: sourceModifiedMs } : {}) };
}

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
      documentModelLimit: spec.documentModelLimit ?? 20000,
      neuralBuildQuota: spec.neuralBuildQuota ?? 20,
      refuseCopies: [...(spec.refuseCopies ?? [])],
      renameDocTypes: spec.renameDocTypes ?? true,
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
      const refused = refusalFor(target, m, 'operation');
      if (refused) return fail(refused);
      const { modifiedMs: sourceModifiedMs, ...rest } = m;
      const copy: DocModel = {
        ...rest,
        modelId: auth.targetId,
        ...copiedTimes(op, m.createdMs, sourceModifiedMs),
        docTypes: copiedDocTypes(m.docTypes, op.sourceId, auth.targetId, target.options.renameDocTypes),
        copiedFrom: { resource: op.source, modelId: op.sourceId },
      };
      if (auth.description !== undefined) copy.description = auth.description;
      if (auth.tags !== undefined) copy.tags = { ...auth.tags };
      target.models.set(auth.targetId, copy);
    } else {
      if (target.classifiers.has(auth.targetId)) return fail(diErrors.modelExists(auth.targetId));
      const { modifiedMs: sourceModifiedMs, ...c } = snapshot as DocClassifier;
      const copy: DocClassifier = {
        ...c,
        classifierId: auth.targetId,
        ...copiedTimes(op, c.createdMs, sourceModifiedMs),
        copiedFrom: { resource: op.source, classifierId: op.sourceId },
      };
      if (auth.description !== undefined) copy.description = auth.description;
      target.classifiers.set(auth.targetId, copy);
    }
    if (target.reserved.get(key) === auth) target.reserved.delete(key);
  }

  /** `percent` is undefined while notStarted: `percentCompleted` appears only once running (recorded). */
  static status(
    op: DocOperation,
    now: number,
  ): { status: DocOperationStatus; lastUpdatedMs: number; percent: number | undefined } {
    if (op.ended !== undefined && op.settled) return { status: op.ended, lastUpdatedMs: op.completeMs, percent: 0 };
    if (now < op.runningMs) return { status: 'notStarted', lastUpdatedMs: op.createdMs, percent: undefined };
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

  /**
   * One page of models or classifiers: prebuilt models first, then custom ones, each sorted
   * by id (recorded v4 listings list the prebuilt models first). The `nextLink` carries no
   * `api-version` unless `nextLinkApiVersion` (the specification's examples have none; clients add it).
   */
  list(
    r: DocResource,
    route: DocumentRoute,
    url: URL,
    endpoint: string,
    pageSize: number,
    nextLinkApiVersion = false,
  ): Reply {
    const coll = route.collection as Collection;
    const token = url.searchParams.get('nextLink');
    let after: string | undefined;
    if (token !== null) {
      after = decodePageToken(token);
      if (after === undefined) return diReply(400, diErrors.invalidParameter('nextLink', 'unknown page token.'));
    }
    // Sort key: `0|id` for prebuilt models, `1|id` for the rest; the page token is the last key.
    const items: { key: string; body: () => unknown }[] =
      coll === 'documentModels'
        ? [...r.models.values()].map((m) => ({
            key: `${m.prebuilt ? 0 : 1}|${m.modelId}`,
            body: () => modelDetails(m, route.version),
          }))
        : [...r.classifiers.values()].map((c) => ({ key: `1|${c.classifierId}`, body: () => classifierDetails(c) }));
    items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const rest = after === undefined ? items : items.filter((i) => i.key > after);
    const page = rest.slice(0, pageSize);
    const last = page[page.length - 1];
    const out: Record<string, unknown> = { value: page.map((i) => i.body()) };
    if (rest.length > pageSize && last) {
      const base = nextLinkApiVersion
        ? `${documentUrl(endpoint, route, `/${coll}`)}&`
        : `${endpoint}/${route.prefix}/${coll}?`;
      out.nextLink = `${base}nextLink=${encodeURIComponent(encodePageToken(last.key))}`;
    }
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

  /** `GET /info`: limit 20000 (recorded v3.1/v4) and the neural build quota (reset monthly [inf]). */
  info(r: DocResource, now: number): Reply {
    const custom = [...r.models.values()].filter((m) => !m.prebuilt);
    const d = new Date(now);
    const reset = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    return json(200, {
      customDocumentModels: { count: custom.length, limit: r.options.documentModelLimit },
      customNeuralDocumentModelBuilds: {
        used: custom.filter((m) => isNeural(m) && m.copiedFrom === undefined).length,
        quota: r.options.neuralBuildQuota,
        quotaResetDateTime: iso(reset),
      },
    });
  }

  operation(r: DocResource, route: DocumentRoute, now: number): Reply {
    const op = r.operations.get(route.id ?? '');
    if (!op) return diReply(404, diErrors.operationNotFound());
    const { status, lastUpdatedMs, percent } = DocumentModelsState.status(op, now);
    const finished = status !== 'notStarted' && status !== 'running';
    if (finished && now >= lastUpdatedMs + OPERATION_RETENTION_MS) return diReply(404, diErrors.operationNotFound());
    const body: Record<string, unknown> = { operationId: op.operationId, status };
    if (percent !== undefined) body.percentCompleted = percent;
    body.createdDateTime = iso(op.createdMs);
    body.lastUpdatedDateTime = iso(lastUpdatedMs);
    body.kind = op.kind;
    body.resourceLocation = op.resourceLocation;
    // Recorded 2023-07-31 operations carry no `apiVersion` member; 2024-11-30 ones do.
    if (op.apiVersion !== '2023-07-31') body.apiVersion = op.apiVersion;
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
    // An authorization an earlier accepted copy spent (e.g. a retried POST after a lost 202).
    if (issued.spentBy !== undefined) return diReply(403, diErrors.authorizationConsumed());
    if (sent.targetResourceId.length > 1024 || !TARGET_RESOURCE_ID_PATTERN.test(sent.targetResourceId))
      return diReply(400, diErrors.invalidParameter('targetResourceId', 'malformed resource id.'));
    if (!TARGET_REGION_PATTERN.test(sent.targetResourceRegion))
      return diReply(400, diErrors.invalidParameter('targetResourceRegion', 'invalid region.'));
    if (item.expirationMs !== undefined && item.expirationMs <= now) {
      const at = iso(item.expirationMs);
      return diReply(400, diErrors.modelExpired(id, at));
    }
    const wanted = sent.targetResourceId.toLowerCase();
    const target = [...this.resources.values()].find((r) => r.config.resourceId.toLowerCase() === wanted);
    if (target && coll === 'documentModels') {
      const refused = refusalFor(target, item as DocModel, 'copyTo');
      if (refused) return diReply(400, refused);
    }
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
