/** Validation of resource specs given as JSON (the CLI's `--resources FILE`). */
import type { ClassifierSeed, DocumentModelSeed, ModelSeed, ModelStatus, ResourceSpec } from './types';
import { ALL_API_VERSIONS, DOCUMENT_API_VERSIONS } from './types';

/** Issue 11 options: per-target limit refusals, docType rename, /info limits. */
function validateTrafficFields(v: Record<string, unknown>, where: string, spec: ResourceSpec): void {
  if (v.renameDocTypes !== undefined) {
    if (typeof v.renameDocTypes !== 'boolean') throw new ResourceSpecError(`${where}.renameDocTypes must be a boolean`);
    spec.renameDocTypes = v.renameDocTypes;
  }
  for (const f of ['documentModelLimit', 'neuralBuildQuota'] as const) {
    const n = v[f];
    if (n === undefined) continue;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
      throw new ResourceSpecError(`${where}.${f} must be a non-negative integer`);
    spec[f] = n;
  }
  if (v.analyze !== undefined) spec.analyze = validateAnalyze(v.analyze, `${where}.analyze`);
  if (v.refuseCopies === undefined) return;
  if (!Array.isArray(v.refuseCopies)) throw new ResourceSpecError(`${where}.refuseCopies must be an array`);
  spec.refuseCopies = v.refuseCopies.map((r: unknown, j) => {
    const at = `${where}.refuseCopies[${j}]`;
    if (!isRecord(r) || typeof r.code !== 'string' || !/^[A-Za-z0-9]{1,64}$/.test(r.code))
      throw new ResourceSpecError(`${at}.code must be an error code like 'DocumentModelLimitNeural'`);
    if (r.models !== undefined && !['any', 'neural', 'composed', 'template'].includes(r.models as string))
      throw new ResourceSpecError(`${at}.models must be 'any', 'neural', 'composed' or 'template'`);
    if (r.at !== undefined && !['operation', 'copyTo'].includes(r.at as string))
      throw new ResourceSpecError(`${at}.at must be 'operation' or 'copyTo'`);
    if (r.message !== undefined && (typeof r.message !== 'string' || r.message.length > 1000))
      throw new ResourceSpecError(`${at}.message must be a string of at most 1000 characters`);
    const out: NonNullable<ResourceSpec['refuseCopies']>[number] = { code: r.code };
    if (r.models !== undefined) out.models = r.models as 'any' | 'neural' | 'composed' | 'template';
    if (r.at !== undefined) out.at = r.at as 'operation' | 'copyTo';
    if (typeof r.message === 'string') out.message = r.message;
    return out;
  });
}

/** v3.1/v4 fields a resource spec may carry (checked by {@link validateDocumentFields}). */
const DOCUMENT_SPEC_FIELDS = [
  'apiVersions',
  'documentModels',
  'classifiers',
  'prebuiltModels',
  'copyAuthorizationLifetimeMs',
  'reservedIdPolicy',
  'composedCopyRequires',
  'refuseCopies',
  'renameDocTypes',
  'documentModelLimit',
  'neuralBuildQuota',
  'analyze',
];
const ID = /^[a-zA-Z0-9][a-zA-Z0-9._~-]{1,63}$/;

function validateDocumentFields(v: Record<string, unknown>, where: string, spec: ResourceSpec): void {
  const versions: readonly string[] = [...ALL_API_VERSIONS, ...DOCUMENT_API_VERSIONS];
  if (v.apiVersions !== undefined) {
    if (!Array.isArray(v.apiVersions) || v.apiVersions.some((x) => typeof x !== 'string' || !versions.includes(x))) {
      throw new ResourceSpecError(`${where}.apiVersions must be an array of ${versions.join(', ')}`);
    }
    spec.apiVersions = v.apiVersions as ResourceSpec['apiVersions'];
  }
  const idList = (
    field: 'documentModels' | 'classifiers',
    idField: 'modelId' | 'classifierId',
  ): unknown[] | undefined => {
    const list = v[field];
    if (list === undefined) return undefined;
    if (!Array.isArray(list)) throw new ResourceSpecError(`${where}.${field} must be an array`);
    list.forEach((m: unknown, j) => {
      if (!isRecord(m) || typeof m[idField] !== 'string' || !ID.test(m[idField]))
        throw new ResourceSpecError(`${where}.${field}[${j}].${idField} must match ${ID.source}`);
    });
    return list;
  };
  const models = idList('documentModels', 'modelId');
  if (models) spec.documentModels = models as DocumentModelSeed[];
  const classifiers = idList('classifiers', 'classifierId');
  if (classifiers) spec.classifiers = classifiers as ClassifierSeed[];
  if (v.prebuiltModels !== undefined) {
    if (
      !Array.isArray(v.prebuiltModels) ||
      v.prebuiltModels.some((x) => typeof x !== 'string' || !x.startsWith('prebuilt-'))
    ) {
      throw new ResourceSpecError(`${where}.prebuiltModels must be an array of 'prebuilt-…' ids`);
    }
    spec.prebuiltModels = v.prebuiltModels as string[];
  }
  const lifetime = v.copyAuthorizationLifetimeMs;
  if (lifetime !== undefined) {
    if (typeof lifetime !== 'number' || !(lifetime > 0))
      throw new ResourceSpecError(`${where}.copyAuthorizationLifetimeMs must be a number > 0`);
    spec.copyAuthorizationLifetimeMs = lifetime;
  }
  if (v.reservedIdPolicy !== undefined) {
    if (!['burn', 'releaseOnExpiry', 'reauthorize'].includes(v.reservedIdPolicy as string))
      throw new ResourceSpecError(`${where}.reservedIdPolicy must be 'burn', 'releaseOnExpiry' or 'reauthorize'`);
    spec.reservedIdPolicy = v.reservedIdPolicy as ResourceSpec['reservedIdPolicy'];
  }
  if (v.composedCopyRequires !== undefined) {
    if (!['classifier', 'classifierAndComponents', 'none'].includes(v.composedCopyRequires as string)) {
      throw new ResourceSpecError(
        `${where}.composedCopyRequires must be 'classifier', 'classifierAndComponents' or 'none'`,
      );
    }
    spec.composedCopyRequires = v.composedCopyRequires as ResourceSpec['composedCopyRequires'];
  }
  validateTrafficFields(v, where, spec);
}

export class ResourceSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceSpecError';
  }
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$/;
const REGION = /^[a-zA-Z0-9]{1,24}$/;
const STATUSES: readonly ModelStatus[] = ['creating', 'ready', 'invalid'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalString(obj: Record<string, unknown>, field: string, where: string): string | undefined {
  const v = obj[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new ResourceSpecError(`${where}.${field} must be a non-empty string`);
  return v;
}

function validateModel(v: unknown, where: string): ModelSeed {
  if (!isRecord(v)) throw new ResourceSpecError(`${where} must be an object`);
  const status = v.status;
  if (status !== undefined && !STATUSES.includes(status as ModelStatus)) {
    throw new ResourceSpecError(`${where}.status must be one of ${STATUSES.join(', ')}`);
  }
  for (const f of ['createdDateTime', 'lastUpdatedDateTime'] as const) {
    const d = optionalString(v, f, where);
    if (d !== undefined && Number.isNaN(Date.parse(d)))
      throw new ResourceSpecError(`${where}.${f} is not a date: '${d}'`);
  }
  if (v.isComposed !== undefined && typeof v.isComposed !== 'boolean')
    throw new ResourceSpecError(`${where}.isComposed must be a boolean`);
  optionalString(v, 'modelId', where);
  optionalString(v, 'modelName', where);
  return v as ModelSeed;
}

/** Checks a parsed JSON value is an array of `{name, region, key?, port?, encrypted?, models?}`. */
export function validateResourceSpecs(value: unknown): ResourceSpec[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new ResourceSpecError('resources must be a non-empty JSON array');
  const names = new Set<string>();
  const ports = new Set<number>();
  return value.map((v: unknown, i) => {
    const where = `resources[${i}]`;
    if (!isRecord(v)) throw new ResourceSpecError(`${where} must be an object`);
    const known = new Set([
      'name',
      'region',
      'key',
      'port',
      'encrypted',
      'models',
      'tickEncoding',
      'resourceId',
      'acceptedTokens',
      ...DOCUMENT_SPEC_FIELDS,
    ]);
    for (const k of Object.keys(v))
      if (!known.has(k)) throw new ResourceSpecError(`${where} has an unknown field '${k}'`);
    const name = v.name;
    if (typeof name !== 'string' || !NAME.test(name))
      throw new ResourceSpecError(`${where}.name must be 1-63 letters, digits or '-'`);
    if (names.has(name)) throw new ResourceSpecError(`${where}.name '${name}' is used twice`);
    names.add(name);
    const region = v.region;
    if (typeof region !== 'string' || !REGION.test(region))
      throw new ResourceSpecError(`${where}.region must be an Azure region name like 'westus2'`);
    const key = optionalString(v, 'key', where);
    const port = v.port;
    if (port !== undefined) {
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)
        throw new ResourceSpecError(`${where}.port must be an integer 0-65535`);
      if (port !== 0 && ports.has(port)) throw new ResourceSpecError(`${where}.port ${port} is used twice`);
      ports.add(port);
    }
    if (v.encrypted !== undefined && typeof v.encrypted !== 'boolean')
      throw new ResourceSpecError(`${where}.encrypted must be a boolean`);
    if (v.tickEncoding !== undefined && v.tickEncoding !== 'seconds' && v.tickEncoding !== 'ticks') {
      throw new ResourceSpecError(`${where}.tickEncoding must be 'seconds' or 'ticks'`);
    }
    const resourceId = optionalString(v, 'resourceId', where);
    if (
      v.acceptedTokens !== undefined &&
      (!Array.isArray(v.acceptedTokens) || v.acceptedTokens.some((t) => typeof t !== 'string'))
    ) {
      throw new ResourceSpecError(`${where}.acceptedTokens must be an array of strings`);
    }
    if (v.models !== undefined && !Array.isArray(v.models))
      throw new ResourceSpecError(`${where}.models must be an array`);
    const models = (v.models as unknown[] | undefined)?.map((m, j) => validateModel(m, `${where}.models[${j}]`));
    const spec: ResourceSpec = { name, region };
    if (key !== undefined) spec.key = key;
    if (port !== undefined) spec.port = port as number;
    if (v.encrypted !== undefined) spec.encrypted = v.encrypted as boolean;
    if (v.tickEncoding !== undefined) spec.tickEncoding = v.tickEncoding as 'seconds' | 'ticks';
    if (resourceId !== undefined) spec.resourceId = resourceId;
    if (v.acceptedTokens !== undefined) spec.acceptedTokens = v.acceptedTokens as string[];
    if (models !== undefined) spec.models = models;
    validateDocumentFields(v, where, spec);
    return spec;
  });
}

/** `analyze` (restore drills, analyze.ts): `{differentFields?, fail?, failModels?, unavailable?, durationMs?, analyzePerSecond?}`. */
function validateAnalyze(a: unknown, where: string): NonNullable<ResourceSpec['analyze']> {
  if (!isRecord(a)) throw new ResourceSpecError(`${where} must be an object`);
  const out: NonNullable<ResourceSpec['analyze']> = {};
  const known = new Set(['differentFields', 'fail', 'failModels', 'unavailable', 'durationMs', 'analyzePerSecond']);
  for (const k of Object.keys(a))
    if (!known.has(k)) throw new ResourceSpecError(`${where} has an unknown field '${k}'`);
  const names = (k: 'differentFields' | 'failModels'): string[] | undefined => {
    const v = a[k];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '' || x.length > 200))
      throw new ResourceSpecError(`${where}.${k} must be an array of non-empty strings`);
    return v as string[];
  };
  const differentFields = names('differentFields');
  const failModels = names('failModels');
  if (differentFields) out.differentFields = differentFields;
  if (failModels) out.failModels = failModels;
  if (a.fail !== undefined) {
    const f = a.fail;
    if (!isRecord(f) || typeof f.code !== 'string' || typeof f.message !== 'string' || f.message.length > 1000)
      throw new ResourceSpecError(`${where}.fail must be {code, message} (strings)`);
    out.fail = { code: f.code, message: f.message };
  }
  if (a.unavailable !== undefined) {
    if (typeof a.unavailable !== 'boolean') throw new ResourceSpecError(`${where}.unavailable must be a boolean`);
    out.unavailable = a.unavailable;
  }
  for (const k of ['durationMs', 'analyzePerSecond'] as const) {
    const n = a[k];
    if (n === undefined) continue;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < (k === 'durationMs' ? 0 : 1))
      throw new ResourceSpecError(`${where}.${k} must be an integer${k === 'durationMs' ? ' ≥ 0' : ' ≥ 1'}`);
    out[k] = n;
  }
  return out;
}
