/** Inspection views the emulator hands to tests (never an access token or a key). */
import type { DocClassifier, DocModel, DocOperationStatus } from './documentModels';

/** Inspection view of a copy operation (no access token). */
export interface CopyOperationView {
  resultId: string;
  sourceModelId: string;
  targetModelId: string;
  status: 'notStarted' | 'running' | 'succeeded' | 'failed';
  createdDateTime: string;
  completesDateTime: string;
  error?: { code: string; message: string };
}

/** Inspection view of a v3.1/v4 custom document model (prebuilt ones have `prebuilt: true`). */
export interface DocumentModelView {
  modelId: string;
  prebuilt: boolean;
  description?: string;
  tags?: Record<string, string>;
  createdDateTime: string;
  docTypes: string[];
  classifierId?: string;
  componentModelIds: string[];
  copiedFrom?: { resource: string; modelId: string };
}

export interface ClassifierView {
  classifierId: string;
  description?: string;
  createdDateTime: string;
  docTypes: string[];
  copiedFrom?: { resource: string; classifierId: string };
}

/** Inspection view of a v3.1/v4 copy operation (no access token). */
export interface DocumentOperationView {
  operationId: string;
  kind: 'documentModelCopyTo' | 'documentClassifierCopyTo';
  sourceId: string;
  targetId: string;
  status: DocOperationStatus;
  createdDateTime: string;
  completesDateTime: string;
  error?: { code: string; message: string; innererror?: { code: string; message: string } };
}

export function docModelView(m: DocModel): DocumentModelView {
  const v: DocumentModelView = {
    modelId: m.modelId,
    prebuilt: m.prebuilt,
    createdDateTime: new Date(m.createdMs).toISOString(),
    docTypes: Object.keys(m.docTypes),
    componentModelIds: [
      ...new Set(Object.values(m.docTypes).flatMap((t) => (t.modelId === undefined ? [] : [t.modelId]))),
    ],
  };
  if (m.description !== undefined) v.description = m.description;
  if (m.tags !== undefined) v.tags = { ...m.tags };
  if (m.classifierId !== undefined) v.classifierId = m.classifierId;
  if (m.copiedFrom !== undefined) v.copiedFrom = { ...m.copiedFrom };
  return v;
}

export function classifierView(c: DocClassifier): ClassifierView {
  const v: ClassifierView = {
    classifierId: c.classifierId,
    createdDateTime: new Date(c.createdMs).toISOString(),
    docTypes: [...c.docTypes],
  };
  if (c.description !== undefined) v.description = c.description;
  if (c.copiedFrom !== undefined) v.copiedFrom = { ...c.copiedFrom };
  return v;
}

export const byId =
  <T>(key: (x: T) => string) =>
  (a: T, b: T): number =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
