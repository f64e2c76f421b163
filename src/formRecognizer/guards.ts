/**
 * Type guards for v2 response bodies. A body that does not match the documented shape
 * is reported as {@link UnexpectedResponseError} by the client, never as a crash.
 */
import { scrubSecrets } from '../common/secrets';
import type { ServiceErrorDetail } from './errors';
import type { CopyStatus, ModelInfo, ModelStatus, ModelsSummary } from './types';

type Obj = Record<string, unknown>;

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const MODEL_STATUSES: readonly ModelStatus[] = ['creating', 'ready', 'invalid'];
const V2_COPY_STATUSES: readonly CopyStatus[] = ['notStarted', 'running', 'succeeded', 'failed'];

export function toModelInfo(v: unknown): ModelInfo | undefined {
  if (!isObject(v)) return undefined;
  const { modelId, status, createdDateTime, lastUpdatedDateTime, modelName, attributes } = v;
  if (typeof modelId !== 'string' || modelId === '') return undefined;
  if (typeof status !== 'string' || !(MODEL_STATUSES as readonly string[]).includes(status)) return undefined;
  if (typeof createdDateTime !== 'string' || typeof lastUpdatedDateTime !== 'string') return undefined;
  const out: ModelInfo = { modelId, status: status as ModelStatus, createdDateTime, lastUpdatedDateTime };
  // Service text: secret shapes scrubbed where it enters (src/common/secrets.ts).
  if (typeof modelName === 'string') out.modelName = scrubSecrets(modelName);
  if (isObject(attributes) && typeof attributes.isComposed === 'boolean') out.isComposed = attributes.isComposed;
  return out;
}

export interface V2ModelList {
  models: ModelInfo[];
  nextLink?: string;
}

export function toModelList(v: unknown): V2ModelList | undefined {
  if (!isObject(v)) return undefined;
  const list = v.modelList ?? [];
  if (!Array.isArray(list)) return undefined;
  const models: ModelInfo[] = [];
  for (const item of list) {
    const m = toModelInfo(item);
    if (!m) return undefined;
    models.push(m);
  }
  const next = v.nextLink;
  if (next !== undefined && next !== null && typeof next !== 'string') return undefined;
  const out: V2ModelList = { models };
  if (typeof next === 'string' && next !== '') out.nextLink = next;
  return out;
}

export function toModelsSummary(v: unknown): ModelsSummary | undefined {
  if (!isObject(v) || !isObject(v.summary)) return undefined;
  const { count, limit, lastUpdatedDateTime } = v.summary;
  if (typeof count !== 'number' || typeof limit !== 'number' || !Number.isFinite(count) || !Number.isFinite(limit))
    return undefined;
  const out: ModelsSummary = { count, limit };
  if (typeof lastUpdatedDateTime === 'string') out.lastUpdatedDateTime = lastUpdatedDateTime;
  return out;
}

export function toErrorDetails(v: unknown): ServiceErrorDetail[] | undefined {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return undefined;
  const out: ServiceErrorDetail[] = [];
  for (const e of v) {
    if (!isObject(e)) return undefined;
    const code = typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : undefined;
    const message = typeof e.message === 'string' ? e.message : '';
    if (code === undefined) return undefined;
    out.push({ code, message });
  }
  return out;
}

export interface V2CopyResultBody {
  status: CopyStatus;
  createdDateTime: string;
  lastUpdatedDateTime: string;
  targetModelId?: string;
  errors: ServiceErrorDetail[];
}

export function toCopyResult(v: unknown): V2CopyResultBody | undefined {
  if (!isObject(v)) return undefined;
  const { status, createdDateTime, lastUpdatedDateTime, copyResult } = v;
  if (typeof status !== 'string' || !(V2_COPY_STATUSES as readonly string[]).includes(status)) return undefined;
  if (typeof createdDateTime !== 'string' || typeof lastUpdatedDateTime !== 'string') return undefined;
  if (copyResult !== undefined && copyResult !== null && !isObject(copyResult)) return undefined;
  const cr: Obj = isObject(copyResult) ? copyResult : {};
  if (cr.modelId !== undefined && typeof cr.modelId !== 'string') return undefined;
  const inner = toErrorDetails(cr.errors);
  const outer = toErrorDetails(v.errors);
  if (!inner || !outer) return undefined;
  const out: V2CopyResultBody = {
    status: status as CopyStatus,
    createdDateTime,
    lastUpdatedDateTime,
    errors: [...inner, ...outer],
  };
  if (typeof cr.modelId === 'string' && cr.modelId !== '') out.targetModelId = cr.modelId;
  return out;
}
