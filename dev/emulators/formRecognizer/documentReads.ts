/**
 * v3.1 / v4 reads: list pages, get, delete, `/info` and the copy operation's answer — pure
 * functions of the state (documentModels.ts) and the clock.
 */
import {
  classifierDetails,
  iso,
  isNeural,
  modelDetails,
  type Collection,
  type DocClassifier,
  type DocModel,
  type DocOperationStatus,
} from './documentDetails';
import { diErrors, diReply } from './documentErrors';
import type { DocOperation, DocResource } from './documentModels';
import { documentUrl, type DocumentRoute } from './documentRoutes';
import { json, type Reply } from './reply';
import { decodePageToken, encodePageToken } from './routes';

export const OPERATION_RETENTION_MS = 24 * 60 * 60 * 1000;

/** `percent` is undefined while notStarted: `percentCompleted` appears only once running (recorded). */
export function operationStatus(
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

/**
 * One page of models or classifiers: prebuilt models first, then custom ones, each sorted
 * by id (recorded v4 listings list the prebuilt models first). The `nextLink` carries no
 * `api-version` unless `nextLinkApiVersion` (the specification's examples have none; clients add it).
 */
export function listItems(
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

export function getItem(r: DocResource, route: DocumentRoute): Reply {
  const id = route.id ?? '';
  if (route.collection === 'documentModels') {
    const m = r.models.get(id);
    return m ? json(200, modelDetails(m, route.version)) : diReply(404, diErrors.modelNotFound(id));
  }
  const c = r.classifiers.get(id);
  return c ? json(200, classifierDetails(c)) : diReply(404, diErrors.classifierNotFound(id));
}

export function deleteItem(r: DocResource, route: DocumentRoute): Reply {
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
export function resourceInfo(r: DocResource, now: number): Reply {
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

export function operationReply(
  r: DocResource,
  route: DocumentRoute,
  now: number,
  resource: (name: string) => DocResource,
): Reply {
  const op = r.operations.get(route.id ?? '');
  if (!op) return diReply(404, diErrors.operationNotFound());
  const { status, lastUpdatedMs, percent } = operationStatus(op, now);
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
    const target = resource(op.outcome.target);
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
