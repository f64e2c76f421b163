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
import { TARGET_REGION_PATTERN, TARGET_RESOURCE_ID_PATTERN, type ResourceConfig } from './state';
import {
  DOCUMENT_ID_PATTERN,
  classifierFromSeed,
  copiedDocTypes,
  docModelFromSeed,
  iso,
  prebuilt,
  type Collection,
  type DocClassifier,
  type DocModel,
  type DocOperationStatus,
} from './documentDetails';
import { diErrors, diReply, type DiError } from './documentErrors';
import {
  DocResource,
  copiedTimes,
  isStringMap,
  parseObjectBody,
  refusalFor,
  type CopyValidation,
  type DocAuthorization,
  type DocCopyOverrides,
  type DocOperation,
  type DocOutcome,
} from './documentState';
import { deleteItem, getItem, listItems, operationReply, operationStatus, resourceInfo } from './documentReads';
import { documentUrl, type DocumentRoute } from './documentRoutes';
import {
  DEFAULT_PREBUILT_MODELS,
  type ClassifierSeed,
  type CopyDurationInput,
  type DocumentModelSeed,
  type ResourceSpec,
} from './types';

export * from './documentDetails';
export * from './documentErrors';
export * from './documentRoutes';
export * from './documentReads';
export * from './documentState';

export const DEFAULT_COPY_AUTHORIZATION_LIFETIME_MS = 60 * 60 * 1000;

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

  /** See {@link operationStatus}. */
  static status(
    op: DocOperation,
    now: number,
  ): { status: DocOperationStatus; lastUpdatedMs: number; percent: number | undefined } {
    return operationStatus(op, now);
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

  // ---- reads (documentReads.ts) ------------------------------------------------------------

  list(
    r: DocResource,
    route: DocumentRoute,
    url: URL,
    endpoint: string,
    pageSize: number,
    apiVersionInLink = false,
  ): Reply {
    return listItems(r, route, url, endpoint, pageSize, apiVersionInLink);
  }

  get(r: DocResource, route: DocumentRoute): Reply {
    return getItem(r, route);
  }

  delete(r: DocResource, route: DocumentRoute): Reply {
    return deleteItem(r, route);
  }

  info(r: DocResource, now: number): Reply {
    return resourceInfo(r, now);
  }

  operation(r: DocResource, route: DocumentRoute, now: number): Reply {
    return operationReply(r, route, now, (name) => this.resource(name));
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
