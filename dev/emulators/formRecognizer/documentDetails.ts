/**
 * v3.1 / v4 models and classifiers: the stored shapes, seeds → stored, and stored →
 * `DocumentModelDetails` / `DocumentClassifierDetails` as each API version serves them
 * (whole-second timestamps, no invented members). Recorded vs inferred: docs/emulator.md.
 */
import {
  DEFAULT_PREBUILT_MODELS,
  type ClassifierSeed,
  type DocumentApiVersion,
  type DocumentModelSeed,
  type DocumentTypeSeed,
} from './types';

export const DOCUMENT_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._~-]{1,63}$/;

export type Collection = 'documentModels' | 'documentClassifiers';
export type OperationKind = 'documentModelCopyTo' | 'documentClassifierCopyTo';
export type DocOperationStatus = 'notStarted' | 'running' | 'succeeded' | 'failed' | 'canceled' | 'skipped';

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

/** v3/v4 timestamps: whole seconds, no fraction (recorded 2023-07-31 / 2024-11-30 traffic). */
export const iso = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');

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

export function prebuilt(id: string): DocModel {
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
  // No `warnings` member: recorded answers have none, and the emulator invents nothing.
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
  return out;
}

/** A neural model: its own or any docType's `buildMode` is `neural`. */
export function isNeural(m: Pick<DocModel, 'buildMode' | 'docTypes'>): boolean {
  return m.buildMode === 'neural' || Object.values(m.docTypes).some((d) => d.buildMode === 'neural');
}

/** A composed model: it routes with a classifier or its docTypes name component models. */
export function isComposedModel(m: Pick<DocModel, 'classifierId' | 'docTypes'>): boolean {
  return m.classifierId !== undefined || Object.values(m.docTypes).some((d) => d.modelId !== undefined);
}

/**
 * The docTypes of a copy landing under `targetId`: a docType keyed by the source model id comes
 * back keyed by the TARGET id; other keys are kept (recorded 2023-07-31, 2024-07-31-preview and
 * 2024-11-30 copies). `renameDocTypes: false` on the target keeps the old (unrealistic) keys.
 */
export function copiedDocTypes(
  docTypes: Record<string, DocumentTypeSeed>,
  sourceId: string,
  targetId: string,
  rename: boolean,
): Record<string, DocumentTypeSeed> {
  const out: Record<string, DocumentTypeSeed> = {};
  for (const [k, d] of Object.entries(docTypes)) out[rename && k === sourceId ? targetId : k] = structuredClone(d);
  return out;
}

export { DEFAULT_PREBUILT_MODELS };
