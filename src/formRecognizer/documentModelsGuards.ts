/** Type guards for v3.1 / v4 (`documentModels`, `documentClassifiers`, `operations`, `info`) bodies. */
import { scrubSecrets } from '../common/secrets';
import { createHash } from 'node:crypto';
import type { ServiceErrorDetail } from './errors';
import { flattenServiceError } from './documentModelsErrors';
import type { CopyStatus, DocTypeSchema, ModelInfo, ModelsSummary } from './types';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const PREBUILT_PREFIX = 'prebuilt-';

function stringRecord(v: unknown): Record<string, string> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

/** JSON with object keys sorted at every level: two equal schemas give the same text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObj(v))
    return `{${Object.keys(v)
      .sort()
      .filter((k) => v[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** The fingerprint of a docType's `fieldSchema` (see {@link DocTypeSchema}). */
export function fieldSchemaFingerprint(fieldSchema: unknown): string {
  if (fieldSchema === undefined || fieldSchema === null) return '';
  return createHash('sha256').update(canonicalJson(fieldSchema)).digest('hex').slice(0, 32);
}

function docTypeSchema(d: unknown): DocTypeSchema {
  const out: DocTypeSchema = { fieldSchemaFingerprint: '' };
  if (!isObj(d)) return out;
  out.fieldSchemaFingerprint = fieldSchemaFingerprint(d.fieldSchema);
  if (typeof d.buildMode === 'string') out.buildMode = d.buildMode;
  if (typeof d.modelId === 'string' && d.modelId !== '') out.modelId = d.modelId;
  return out;
}

/** `DocumentModelDetails` → ModelInfo (status `ready`: the v3.1/v4 API lists only succeeded models). */
export function toDocumentModelInfo(v: unknown): ModelInfo | undefined {
  if (!isObj(v)) return undefined;
  const {
    modelId,
    createdDateTime,
    modifiedDateTime,
    expirationDateTime,
    description,
    tags,
    docTypes,
    classifierId,
    split,
    apiVersion,
    buildMode,
  } = v;
  if (typeof modelId !== 'string' || modelId === '' || typeof createdDateTime !== 'string') return undefined;
  if (docTypes !== undefined && !isObj(docTypes)) return undefined;
  const out: ModelInfo = {
    modelId,
    status: 'ready',
    createdDateTime,
    lastUpdatedDateTime: typeof modifiedDateTime === 'string' ? modifiedDateTime : createdDateTime,
  };
  if (modelId.toLowerCase().startsWith(PREBUILT_PREFIX)) out.prebuilt = true;
  if (typeof description === 'string') {
    // Service text: secret shapes scrubbed where it enters (src/common/secrets.ts).
    out.description = scrubSecrets(description);
    out.modelName = out.description;
  }
  const t = stringRecord(tags);
  if (t) out.tags = t;
  if (typeof expirationDateTime === 'string') out.expirationDateTime = expirationDateTime;
  if (typeof apiVersion === 'string') out.apiVersion = apiVersion;
  if (typeof buildMode === 'string') out.buildMode = buildMode;
  if (isObj(docTypes)) {
    out.docTypes = Object.keys(docTypes);
    out.docTypeSchemas = Object.fromEntries(Object.entries(docTypes).map(([k, d]) => [k, docTypeSchema(d)]));
    const components = new Set<string>();
    for (const d of Object.values(docTypes))
      if (isObj(d) && typeof d.modelId === 'string' && d.modelId !== '') components.add(d.modelId);
    if (components.size > 0) out.componentModelIds = [...components];
  }
  if (typeof classifierId === 'string' && classifierId !== '') out.classifierId = classifierId;
  if (typeof split === 'string') out.split = split;
  if (out.classifierId !== undefined || out.componentModelIds !== undefined) out.isComposed = true;
  return out;
}

export interface ClassifierInfo {
  classifierId: string;
  createdDateTime: string;
  lastUpdatedDateTime: string;
  apiVersion?: string;
  description?: string;
  expirationDateTime?: string;
  baseClassifierId?: string;
  docTypes: string[];
}

export function toClassifierInfo(v: unknown): ClassifierInfo | undefined {
  if (!isObj(v)) return undefined;
  const {
    classifierId,
    createdDateTime,
    modifiedDateTime,
    apiVersion,
    description,
    expirationDateTime,
    baseClassifierId,
    docTypes,
  } = v;
  if (typeof classifierId !== 'string' || classifierId === '' || typeof createdDateTime !== 'string') return undefined;
  if (docTypes !== undefined && !isObj(docTypes)) return undefined;
  const out: ClassifierInfo = {
    classifierId,
    createdDateTime,
    lastUpdatedDateTime: typeof modifiedDateTime === 'string' ? modifiedDateTime : createdDateTime,
    docTypes: isObj(docTypes) ? Object.keys(docTypes) : [],
  };
  if (typeof apiVersion === 'string') out.apiVersion = apiVersion;
  if (typeof description === 'string') out.description = scrubSecrets(description);
  if (typeof expirationDateTime === 'string') out.expirationDateTime = expirationDateTime;
  if (typeof baseClassifierId === 'string') out.baseClassifierId = baseClassifierId;
  return out;
}

/** `{value:[…], nextLink?}`; each item through `item` (undefined → the whole page is invalid). */
export function toPaged<T>(
  v: unknown,
  item: (x: unknown) => T | undefined,
): { items: T[]; nextLink?: string } | undefined {
  if (!isObj(v) || !Array.isArray(v.value)) return undefined;
  const items: T[] = [];
  for (const x of v.value) {
    const m = item(x);
    if (m === undefined) return undefined;
    items.push(m);
  }
  const next = v.nextLink;
  if (next !== undefined && next !== null && typeof next !== 'string') return undefined;
  const out: { items: T[]; nextLink?: string } = { items };
  if (typeof next === 'string' && next !== '') out.nextLink = next;
  return out;
}

export function toResourceDetails(v: unknown): ModelsSummary | undefined {
  if (!isObj(v) || !isObj(v.customDocumentModels)) return undefined;
  const { count, limit } = v.customDocumentModels;
  if (typeof count !== 'number' || typeof limit !== 'number' || !Number.isFinite(count) || !Number.isFinite(limit))
    return undefined;
  return { count, limit };
}

const OPERATION_STATUSES: readonly CopyStatus[] = [
  'notStarted',
  'running',
  'succeeded',
  'failed',
  'canceled',
  'skipped',
];
const COPY_KINDS = ['documentModelCopyTo', 'documentClassifierCopyTo'] as const;

export interface OperationBody {
  operationId: string;
  status: CopyStatus;
  kind: (typeof COPY_KINDS)[number];
  createdDateTime: string;
  lastUpdatedDateTime: string;
  resourceLocation: string;
  percentCompleted?: number;
  errors: ServiceErrorDetail[];
  /** `result.modelId` / `result.classifierId` on success. */
  resultId?: string;
}

/** A copy operation (`DocumentModelCopyToOperationDetails` / `DocumentClassifierCopyToOperationDetails`). */
export function toCopyOperation(v: unknown): OperationBody | undefined {
  if (!isObj(v)) return undefined;
  const {
    operationId,
    status,
    kind,
    createdDateTime,
    lastUpdatedDateTime,
    resourceLocation,
    percentCompleted,
    error,
    result,
  } = v;
  if (typeof operationId !== 'string' || operationId === '') return undefined;
  if (typeof status !== 'string' || !(OPERATION_STATUSES as readonly string[]).includes(status)) return undefined;
  if (typeof kind !== 'string' || !(COPY_KINDS as readonly string[]).includes(kind)) return undefined;
  if (
    typeof createdDateTime !== 'string' ||
    typeof lastUpdatedDateTime !== 'string' ||
    typeof resourceLocation !== 'string'
  )
    return undefined;
  if (percentCompleted !== undefined && typeof percentCompleted !== 'number') return undefined;
  if (error !== undefined && error !== null && !isObj(error)) return undefined;
  const out: OperationBody = {
    operationId,
    status: status as CopyStatus,
    kind: kind as OperationBody['kind'],
    createdDateTime,
    lastUpdatedDateTime,
    resourceLocation,
    errors: flattenServiceError(error),
  };
  if (typeof percentCompleted === 'number') out.percentCompleted = percentCompleted;
  if (isObj(result)) {
    const id = kind === 'documentClassifierCopyTo' ? result.classifierId : result.modelId;
    if (typeof id === 'string' && id !== '') out.resultId = id;
  }
  return out;
}
