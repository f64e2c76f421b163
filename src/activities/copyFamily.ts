/**
 * What differs between the API families and item kinds, in one place, so the activities
 * (and above all the orchestrators) stay the same for v2.1, 2023-07-31 and 2024-11-30:
 *
 * | | v2.1 | 2023-07-31 / 2024-11-30 |
 * | --- | --- | --- |
 * | target id | the service's (a blank model per authorization) | **ours: the source id** in every region; a fallback id when it is burned |
 * | lineage | none (the ledger's mapping) | `tags` + `description` stamped on authorize |
 * | blank models | exist, deleted when unused | none (an id is reserved, never a model): nothing to delete |
 * | 409 on authorize | n/a | verified copy of ours or the lineage's origin → `present`; anything else → conflict, untouched |
 * | classifiers | n/a | 2024-11-30: `classifier:<id>` items (see replication/items.ts) |
 *
 * The branches are on the client's capabilities (`apiFamily`, `DocumentModelsClient`), never
 * on a version string, and never in an orchestrator.
 */
import {
  ClassifierCopyAuthorization,
  CopyAuthorization,
  DocumentModelsClient,
  ModelExistsError,
  ModelNotFoundError,
  type CopyApi,
  type CopyOperationRef,
  type ModelInfo,
  type StartCopyOptions,
} from '../formRecognizer';
import type { DocTypeSchema } from '../formRecognizer/types';
import { referencedComponents } from '../formRecognizer/modelFacts';
import { classifierItemId, itemIdOf, parseItemId, type ItemKind } from '../common/pairs';
import { LINEAGE_TAG_KEYS, MAX_TAG_VALUE, verifyCopy, verifyOrigin } from '../replication/lineage';

/** What the activities need to know about a model or classifier, either side. */
export interface ItemDetails {
  id: string;
  kind: ItemKind;
  status: ModelInfo['status'];
  description?: string;
  tags?: Record<string, string>;
  docTypes?: string[];
  lastUpdatedDateTime?: string;
  /** v4 composed model: the classifier it routes with (must exist in the target under this id). */
  classifierId?: string;
  /** v4 composed model: the component models its `docTypes[*].modelId` name (must exist in the target under these ids). */
  componentModelIds?: string[];
  /** v3.1/v4: what a copy preserves of each docType (compared by `verifyCopy`). */
  docTypeSchemas?: Record<string, DocTypeSchema>;
  /** v3.1/v4 model-level build mode, when the service sends one. */
  buildMode?: string;
}

/** An authorization held inside one activity: its secret never leaves the closure. */
export interface HeldAuthorization {
  readonly targetId: string;
  readonly expiresAt: Date;
  expiresWithin(nowMs: number, marginMs?: number): boolean;
  start(options: StartCopyOptions): Promise<CopyOperationRef>;
}

export type AuthorizeOutcome =
  | { kind: 'authorized'; authorization: HeldAuthorization; burned: string[] }
  /** The target already holds a verified copy of ours under this id (`copiedByRun`: its lineage's run id). */
  | { kind: 'present'; targetId: string; copiedByRun?: string; origin?: boolean }
  /** The id is held by something that is not our copy: reported, never touched. */
  | { kind: 'conflict'; targetId: string; message: string }
  /** Every id tried is reserved by an unused authorization (burned): try again later with a new fallback. */
  | { kind: 'burned'; burned: string[] };

export interface CopyContext {
  source: CopyApi;
  target: CopyApi;
  itemId: string;
  runId: string;
  nowMs: number;
}

const documentClient = (c: CopyApi): DocumentModelsClient | undefined =>
  c instanceof DocumentModelsClient ? c : undefined;

/** Does this client choose target ids, stamp lineage and copy classifiers? */
export function callerChoosesIds(client: CopyApi): boolean {
  return client.apiFamily === 'documentModels';
}

/** Classifier copy (2024-11-30). */
export function supportsClassifiers(client: CopyApi): boolean {
  return documentClient(client)?.supportsClassifierCopy === true;
}

/** v2 authorizations create a blank model that must be deleted when unused; v4 ones only reserve an id. */
export function createsBlankModels(client: CopyApi): boolean {
  return client.apiFamily === 'formRecognizerV2';
}

/**
 * A fallback target id for when the source id is burned in the target (an authorization that
 * was never used keeps its id reserved, azure-sdk-for-net #51813): `<id>-dr<time, base 36>`,
 * within the 64 characters of the id pattern. The mapping is recorded in the ledger as for v2.
 */
export function fallbackTargetId(sourceId: string, nowMs: number): string {
  const suffix = `-dr${Math.max(0, Math.floor(nowMs)).toString(36)}`;
  return `${sourceId.slice(0, 64 - suffix.length)}${suffix}`;
}

export async function getItem(client: CopyApi, itemId: string): Promise<ItemDetails> {
  const { kind, id } = parseItemId(itemId);
  if (kind === 'classifier') {
    const c = await requireClassifiers(client).getClassifier(id);
    return {
      id: c.classifierId,
      kind,
      status: 'ready',
      docTypes: c.docTypes,
      lastUpdatedDateTime: c.lastUpdatedDateTime,
      ...(c.description !== undefined ? { description: c.description } : {}),
    };
  }
  const m = await client.getModel(id);
  return {
    id: m.modelId,
    kind,
    status: m.status,
    lastUpdatedDateTime: m.lastUpdatedDateTime,
    ...((m.description ?? m.modelName) !== undefined ? { description: m.description ?? m.modelName } : {}),
    ...(m.tags !== undefined ? { tags: m.tags } : {}),
    ...(m.docTypes !== undefined ? { docTypes: m.docTypes } : {}),
    ...(m.classifierId !== undefined ? { classifierId: m.classifierId } : {}),
    ...(m.componentModelIds !== undefined ? { componentModelIds: m.componentModelIds } : {}),
    ...(m.docTypeSchemas !== undefined ? { docTypeSchemas: m.docTypeSchemas } : {}),
    ...(m.buildMode !== undefined ? { buildMode: m.buildMode } : {}),
  };
}

/**
 * A v4 composed model references its classifier (`classifierId`) and its component models
 * (`docTypes[*].modelId`) by id, verbatim, so its copy is only usable where every one of them
 * exists under the same id (docs/v4.md). Checked before authorizing: a copy that would fail
 * (or land unusable) must not burn the composed model's own id. A component that failed, is
 * burned there or went to a fallback id is not present under its id. Undefined when nothing is
 * missing; otherwise the reason, naming the missing ids.
 */
export async function missingDependency(
  ctx: Pick<CopyContext, 'source' | 'target'>,
  source: ItemDetails,
): Promise<
  | {
      code: 'ClassifierNotFound' | 'ComponentModelNotFound';
      message: string;
      missing: Array<{ kind: 'model' | 'classifier'; id: string }>;
    }
  | undefined
> {
  const missing: Array<{ kind: 'model' | 'classifier'; id: string }> = [];
  for (const ref of referencedComponents({ modelId: source.id, ...source })) {
    if (ref.kind === 'classifier' && !supportsClassifiers(ctx.target)) continue;
    const itemId = itemIdOf(ref.kind, ref.id);
    try {
      const found = await getItem(ctx.target, itemId);
      // Present under its id AND our copy of the source's component (a foreign item with that id is not it).
      const component = await getItem(ctx.source, itemId);
      if (!isVerifiedCopy(ctx, found, component)) missing.push(ref);
    } catch (e) {
      if (!(e instanceof ModelNotFoundError)) throw e;
      missing.push(ref);
    }
  }
  if (missing.length === 0) return undefined;
  const names = missing.map((r) => `${r.kind} '${r.id}'`).join(', ');
  return {
    code: missing.some((r) => r.kind === 'classifier') ? 'ClassifierNotFound' : 'ComponentModelNotFound',
    message:
      `composed model ${source.id} references ${names}, which the target does not hold under that id as a verified copy, so it was not copied ` +
      `(the component's copy failed, or its id is burned there and it went to a fallback id: a composed model cannot be re-pointed; ` +
      `compose it again in the source from components whose ids are free in every region)`,
    missing,
  };
}

/** Item ids present in a resource, with their status: models, and classifiers where the client copies them. */
export async function listItemIds(client: CopyApi): Promise<Map<string, string>> {
  const present = new Map<string, string>();
  for await (const m of client.listModels()) present.set(m.modelId, m.status);
  const classifiers = supportsClassifiers(client) ? documentClient(client) : undefined;
  if (classifiers)
    for await (const c of classifiers.listClassifiers()) present.set(classifierItemId(c.classifierId), 'ready');
  return present;
}

/** The lineage stamped on a v3.1/v4 copy: the source's own tags and description, plus ours. */
export function lineageOf(
  ctx: CopyContext,
  source: ItemDetails,
): { description?: string; tags: Record<string, string> } {
  const cut = (v: string): string => v.slice(0, MAX_TAG_VALUE);
  const tags: Record<string, string> = {
    ...(source.tags ?? {}),
    [LINEAGE_TAG_KEYS.sourceResource]: cut(ctx.source.resourceId),
    [LINEAGE_TAG_KEYS.sourceRegion]: cut(ctx.source.region),
    [LINEAGE_TAG_KEYS.sourceId]: cut(source.id),
    [LINEAGE_TAG_KEYS.runId]: cut(ctx.runId),
    ...(source.lastUpdatedDateTime !== undefined
      ? { [LINEAGE_TAG_KEYS.sourceVersion]: cut(source.lastUpdatedDateTime) }
      : {}),
  };
  return { ...(source.description !== undefined ? { description: source.description } : {}), tags };
}

/**
 * Is `found` (in the target) a verified copy of `source`? v2: a ready model under the id our
 * own authorization reserved. v3.1/v4: `verifyCopy` (replication/lineage.ts) — ready, the
 * same docTypes after the copy's rename of a docType keyed by the source id to the target
 * id, the same field schemas and build modes, and (models) our lineage tags naming this
 * source resource, item and version. Classifiers carry no tags: the same doc types and description.
 */
export function isVerifiedCopy(
  ctx: Pick<CopyContext, 'source' | 'target'>,
  found: ItemDetails,
  source: ItemDetails | undefined,
): boolean {
  if (found.status !== 'ready') return false;
  if (!callerChoosesIds(ctx.target)) return true;
  if (!source) return false;
  return verifyCopy(found, source, ctx.source.resourceId).verified;
}

/**
 * Authorizes the copy of one item on the target, just before it is started.
 *
 * v2: the service picks the id. v3.1/v4: the source's id first; on 409 ModelExists the model
 * under that id is read: our verified copy → `present`; another model → `conflict` (never
 * overwritten, never deleted); none (the id is reserved by an authorization that was never
 * used — burned) → one fallback id (`fallbackTargetId`); a fallback that is burned too →
 * `burned` (the caller retries later with a new fallback).
 */
export async function authorizeItem(
  ctx: CopyContext,
  source: ItemDetails | undefined,
  preferredId?: string,
): Promise<AuthorizeOutcome> {
  const { kind, id } = parseItemId(ctx.itemId);
  if (!callerChoosesIds(ctx.target)) {
    const auth = await ctx.target.authorizeCopy();
    return { kind: 'authorized', authorization: holdModel(ctx, auth, id), burned: [] };
  }
  const stamp = source ? lineageOf(ctx, source) : { tags: {} };
  const candidates = [...new Set([preferredId ?? id, fallbackTargetId(id, ctx.nowMs)])];
  const burned: string[] = [];
  for (const targetId of candidates) {
    try {
      if (kind === 'classifier') {
        const auth = await requireClassifiers(ctx.target).authorizeClassifierCopy({
          targetClassifierId: targetId,
          ...stamp,
        });
        return { kind: 'authorized', authorization: holdClassifier(ctx, auth, id), burned };
      }
      const auth = await ctx.target.authorizeCopy({ targetModelId: targetId, ...stamp });
      return { kind: 'authorized', authorization: holdModel(ctx, auth, id), burned };
    } catch (e) {
      if (!(e instanceof ModelExistsError)) throw e;
    }
    let found: ItemDetails | undefined;
    try {
      found = await getItem(ctx.target, itemIdOf(kind, targetId));
    } catch (e) {
      if (!(e instanceof ModelNotFoundError)) throw e;
    }
    if (!found) {
      burned.push(targetId);
      continue;
    }
    if (isVerifiedCopy(ctx, found, source)) {
      const copiedByRun = found.tags?.[LINEAGE_TAG_KEYS.runId];
      return { kind: 'present', targetId, ...(copiedByRun !== undefined ? { copiedByRun } : {}) };
    }
    // The target is the lineage's origin (after a failover, copying back): the original is there.
    if (source && verifyOrigin(found, source, ctx.target.resourceId).verified)
      return { kind: 'present', targetId, origin: true };
    return {
      kind: 'conflict',
      targetId,
      message:
        `the target already holds a ${kind} '${targetId}' that is not a verified copy of ${ctx.itemId} from ${ctx.source.region} ` +
        `(its lineage tags or doc types differ); it was left untouched. Delete or rename it in the target, or copy under another id`,
    };
  }
  return { kind: 'burned', burned };
}

function holdModel(ctx: CopyContext, auth: CopyAuthorization, sourceId: string): HeldAuthorization {
  return {
    targetId: auth.targetModelId,
    expiresAt: auth.expiresAt,
    expiresWithin: (nowMs, marginMs) => auth.expiresWithin(nowMs, marginMs),
    start: (options) => ctx.source.startCopy(sourceId, auth, options),
  };
}

function holdClassifier(ctx: CopyContext, auth: ClassifierCopyAuthorization, sourceId: string): HeldAuthorization {
  return {
    targetId: auth.targetClassifierId,
    expiresAt: auth.expiresAt,
    expiresWithin: (nowMs, marginMs) => auth.expiresWithin(nowMs, marginMs),
    start: (options) => requireClassifiers(ctx.source).startClassifierCopy(sourceId, auth, options),
  };
}

function requireClassifiers(client: CopyApi): DocumentModelsClient {
  const c = documentClient(client);
  if (!c || !c.supportsClassifierCopy)
    throw new Error(`classifiers are not copied with api-version ${client.apiVersion}`);
  return c;
}
