/**
 * Routes of the v2.0 / v2.1 custom-model API and their handlers. Handlers are plain
 * functions of (state, request) → Reply; the server adds auth, faults, rate limits and the log.
 */
import { firstAfter, sortedKeys } from './sortedIds';
import { EmulatorState, errors, iso, type ResourceState, type StoredModel } from './state';
import { errorReply, json, type Reply } from './reply';
import type { ApiVersion, CallKind } from './types';

export interface Route {
  call: CallKind;
  version: ApiVersion;
  modelId?: string;
  resultId?: string;
}

const PREFIX = /^\/formrecognizer\/([^/]+)\/custom\/models(?:\/(.*))?$/i;

/** Matches a request to a call kind; literal segments are case-insensitive (`copyResults` / `copyresults`). */
export function matchRoute(method: string, url: URL, served: readonly ApiVersion[]): Route | undefined {
  const m = PREFIX.exec(url.pathname.replace(/\/+$/, ''));
  if (!m) return undefined;
  const version = served.find((v) => v.toLowerCase() === (m[1] ?? '').toLowerCase());
  if (!version) return undefined;
  const rest = m[2] === undefined || m[2] === '' ? [] : m[2].split('/').map(decodeURIComponent);
  const lit = (i: number, s: string): boolean => rest[i]?.toLowerCase() === s.toLowerCase();

  if (rest.length === 0 && method === 'GET') {
    const op = url.searchParams.get('op')?.toLowerCase();
    return { call: op === 'summary' && !url.searchParams.has('nextLink') ? 'summary' : 'list', version };
  }
  if (rest.length === 1 && lit(0, 'copyAuthorization') && method === 'POST') return { call: 'authorize', version };
  if (rest.length === 1 && method === 'GET') return { call: 'getModel', version, modelId: rest[0] };
  if (rest.length === 1 && method === 'DELETE') return { call: 'deleteModel', version, modelId: rest[0] };
  if (rest.length === 2 && lit(1, 'copy') && method === 'POST') return { call: 'copy', version, modelId: rest[0] };
  if (rest.length === 3 && lit(1, 'copyResults') && method === 'GET') {
    return { call: 'copyResult', version, modelId: rest[0], resultId: rest[2] };
  }
  return undefined;
}

export function modelsUrl(endpoint: string, version: ApiVersion): string {
  return `${endpoint}/formrecognizer/${version}/custom/models`;
}

/** ModelInfo as the service serializes it; v2.0 has no modelName / attributes. */
export function modelInfo(m: StoredModel, version: ApiVersion): Record<string, unknown> {
  const info: Record<string, unknown> = {
    modelId: m.modelId,
    status: m.status,
    createdDateTime: iso(m.createdMs),
    lastUpdatedDateTime: iso(m.lastUpdatedMs),
  };
  if (version === 'v2.1') {
    if (m.modelName !== undefined) info.modelName = m.modelName;
    info.attributes = { isComposed: m.isComposed };
  }
  return info;
}

export function getModel(r: ResourceState, route: Route): Reply {
  const id = route.modelId ?? '';
  const m = r.models.get(id);
  if (!m) return errorReply(404, errors.modelNotFound(id));
  const body: Record<string, unknown> = { modelInfo: modelInfo(m, route.version) };
  if (m.keys) body.keys = m.keys;
  if (m.trainResult) body.trainResult = m.trainResult;
  if (m.composedTrainResults) body.composedTrainResults = m.composedTrainResults;
  return json(200, body);
}

export function deleteModel(state: EmulatorState, r: ResourceState, route: Route): Reply {
  const id = route.modelId ?? '';
  return state.deleteModel(r.config.name, id) ? { status: 204 } : errorReply(404, errors.modelNotFound(id));
}

const TOKEN_PREFIX = 'emu1:';

export function encodePageToken(afterModelId: string): string {
  return Buffer.from(TOKEN_PREFIX + afterModelId, 'utf8').toString('base64url');
}

export function decodePageToken(token: string): string | undefined {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  return text.startsWith(TOKEN_PREFIX) ? text.slice(TOKEN_PREFIX.length) : undefined;
}

export function listModels(r: ResourceState, route: Route, url: URL, endpoint: string, pageSize: number): Reply {
  const token = url.searchParams.get('nextLink');
  let after: string | undefined;
  if (token !== null) {
    after = decodePageToken(token);
    if (after === undefined) return errorReply(400, { code: '1001', message: "The 'nextLink' parameter is invalid." });
  }
  const ids = sortedKeys(r.models, (m) => m.modelId);
  const from = firstAfter(ids, after);
  const page = ids.slice(from, from + pageSize).map((id) => r.models.get(id)!);
  const last = page[page.length - 1];
  const nextLink =
    ids.length - from > pageSize && last
      ? `${modelsUrl(endpoint, route.version)}?nextLink=${encodeURIComponent(encodePageToken(last.modelId))}`
      : '';
  return json(200, { modelList: page.map((m) => modelInfo(m, route.version)), nextLink });
}

export function summary(r: ResourceState, now: number): Reply {
  return json(200, { summary: { count: r.models.size, limit: r.config.modelLimit, lastUpdatedDateTime: iso(now) } });
}

export function authorize(
  state: EmulatorState,
  r: ResourceState,
  route: Route,
  endpoint: string,
  now: number,
): { reply: Reply; modelId?: string } {
  // At its limit a resource takes no new model, and an authorization creates one (blank) [inf].
  if (r.config.enforceModelLimit && r.models.size >= r.config.modelLimit)
    return {
      reply: errorReply(400, {
        code: 'ModelLimitExceeded',
        message: `The resource holds ${r.models.size} custom models; its limit is ${r.config.modelLimit}. Delete models before creating new ones.`,
      }),
    };
  const { authorization, body } = state.authorize(r.config.name, now);
  return {
    modelId: authorization.modelId,
    reply: {
      status: 201,
      headers: { Location: `${modelsUrl(endpoint, route.version)}/${authorization.modelId}` },
      body,
    },
  };
}

export function copyResult(r: ResourceState, route: Route, now: number): Reply {
  const modelId = route.modelId ?? '';
  const resultId = route.resultId ?? '';
  const op = r.operations.get(resultId);
  if (!op || op.sourceModelId !== modelId) {
    if (!r.models.has(modelId)) return errorReply(404, errors.modelNotFound(modelId));
    return errorReply(404, { code: '1022', message: `Copy operation with 'id=${resultId}' not found.` });
  }
  const { status, lastUpdatedMs } = EmulatorState.status(op, now);
  const copyResult: Record<string, unknown> = { modelId: op.targetModelId };
  if (status === 'failed' && op.outcome.kind === 'failure') copyResult.errors = [op.outcome.error];
  return json(200, { status, createdDateTime: iso(op.createdMs), lastUpdatedDateTime: iso(lastUpdatedMs), copyResult });
}
