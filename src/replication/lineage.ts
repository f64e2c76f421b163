/**
 * "Is this target item a verified copy of that source item?" — a pure comparison of what a
 * copy must preserve, for the 409 `ModelExists` settlement and for the settlement after a
 * 403 `AuthorizationFailed` / lost 202 (docs/v4.md, "Verified copies").
 *
 * A copy may RENAME a docType: in recorded 2023-07-31, 2024-07-31-preview and 2024-11-30
 * copies (Azure/azure-sdk-assets recordings), a docType whose key was the source model id
 * comes back keyed by the TARGET model id; other keys are kept. So docType keys are compared
 * after that rename, and what is compared is what a copy preserves: each docType's field
 * schema (fingerprint) and build mode, a composed model's component ids, the model's build
 * mode, and our lineage tags (source resource, id and version).
 *
 * Deterministic and free of I/O. The tag keys are the ones `src/activities/copyFamily.ts`
 * stamps (`LINEAGE_TAGS` there must stay equal to {@link LINEAGE_TAG_KEYS}; a unit test checks it).
 */
import type { DocTypeSchema } from '../formRecognizer/types';

/** Lineage tag keys stamped on every v3.1/v4 copy (values within 256 characters). */
export const LINEAGE_TAG_KEYS = {
  sourceResource: 'dr-source-resource',
  sourceRegion: 'dr-source-region',
  sourceId: 'dr-source-id',
  sourceVersion: 'dr-source-version',
  runId: 'dr-run',
} as const;

/** The longest tag value the service keeps: lineage values are cut to it. */
export const MAX_TAG_VALUE = 256;

/** The fields compared (an activity's `ItemDetails` plus the optional schema fields). */
export interface CopyShape {
  id: string;
  kind: 'model' | 'classifier';
  status: string;
  description?: string;
  tags?: Record<string, string>;
  /** docType keys. */
  docTypes?: string[];
  /** Per docType key (a ModelInfo's `docTypeSchemas`); compared when both sides have it. */
  docTypeSchemas?: Record<string, DocTypeSchema>;
  buildMode?: string;
  lastUpdatedDateTime?: string;
}

export type CopyVerdict = { verified: true } | { verified: false; why: string };

/** The key a source docType is expected under in a copy with id `targetId`. */
export function expectedDocTypeKey(sourceKey: string, sourceId: string, targetId: string): string {
  return sourceKey === sourceId ? targetId : sourceKey;
}

function sameSchema(a: DocTypeSchema, b: DocTypeSchema): string | undefined {
  if (a.fieldSchemaFingerprint !== b.fieldSchemaFingerprint) return 'field schema';
  if (a.buildMode !== undefined && b.buildMode !== undefined && a.buildMode !== b.buildMode) return 'build mode';
  if ((a.modelId ?? '') !== (b.modelId ?? '')) return 'component model';
  return undefined;
}

function compareDocTypes(found: CopyShape, source: CopyShape): string | undefined {
  const expected = (source.docTypes ?? []).map((k) => expectedDocTypeKey(k, source.id, found.id)).sort();
  const actual = [...(found.docTypes ?? [])].sort();
  if (expected.join('\n') !== actual.join('\n'))
    return `doc types differ (expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)})`;
  const fs = found.docTypeSchemas;
  const ss = source.docTypeSchemas;
  if (fs === undefined || ss === undefined) return undefined;
  for (const key of source.docTypes ?? []) {
    const s = Object.hasOwn(ss, key) ? ss[key] : undefined;
    const targetKey = expectedDocTypeKey(key, source.id, found.id);
    const f = Object.hasOwn(fs, targetKey) ? fs[targetKey] : undefined;
    if (s === undefined || f === undefined) continue;
    const diff = sameSchema(s, f);
    if (diff !== undefined) return `doc type '${key}' has another ${diff}`;
  }
  return undefined;
}

/**
 * Compares a target item (`found`) with the `source` item it should be a copy of.
 * `sourceResourceId` is the source resource's id (the lineage tag holds it, cut to 256
 * characters, compared case-insensitively as ARM ids are).
 *
 * Models: ready; docTypes equal after the rename above, and (when both sides carry schemas)
 * the same field schema, build mode and component per docType; the same model build mode when
 * both have one; lineage tags naming this source resource and item, and the source's version
 * when both sides have it. Classifiers (no tags): ready, the same doc types and description.
 */
export function verifyCopy(found: CopyShape, source: CopyShape, sourceResourceId: string): CopyVerdict {
  if (found.status !== 'ready') return { verified: false, why: `it is ${found.status}, not ready` };
  if (found.kind !== source.kind) return { verified: false, why: `it is a ${found.kind}, not a ${source.kind}` };
  const docTypes = compareDocTypes(found, source);
  if (docTypes !== undefined) return { verified: false, why: docTypes };
  if (found.kind === 'classifier') {
    return (found.description ?? '') === (source.description ?? '')
      ? { verified: true }
      : { verified: false, why: 'its description differs' };
  }
  if (found.buildMode !== undefined && source.buildMode !== undefined && found.buildMode !== source.buildMode)
    return { verified: false, why: `its build mode is ${found.buildMode}, not ${source.buildMode}` };
  const tags = found.tags ?? {};
  if (tags[LINEAGE_TAG_KEYS.sourceId] !== source.id)
    return { verified: false, why: `its ${LINEAGE_TAG_KEYS.sourceId} tag does not name ${source.id}` };
  if (
    (tags[LINEAGE_TAG_KEYS.sourceResource] ?? '').toLowerCase() !==
    sourceResourceId.slice(0, MAX_TAG_VALUE).toLowerCase()
  )
    return { verified: false, why: `its ${LINEAGE_TAG_KEYS.sourceResource} tag names another resource` };
  const version = tags[LINEAGE_TAG_KEYS.sourceVersion];
  if (source.lastUpdatedDateTime !== undefined && version !== undefined && version !== source.lastUpdatedDateTime)
    return { verified: false, why: `it is a copy of an older version (${version}) of ${source.id}` };
  return { verified: true };
}

/**
 * "Is this target item the lineage's origin, of which `copy` (the item being copied, itself a
 * copy) descends?" — for a `409 ModelExists` in the member the copy's `dr-source-resource` tag
 * names (docs/failover.md): the found item is ready, of the same kind, under the id the copy's
 * `dr-source-id` tag names, in the resource that tag names (`originResourceId`: the target's), and
 * holds the same doc types (the copy's keys renamed back from its id to the origin's). An origin
 * carries no lineage tags of its own: it *is* the origin. Classifiers carry no tags: never.
 */
export function verifyOrigin(found: CopyShape, copy: CopyShape, originResourceId: string): CopyVerdict {
  if (found.status !== 'ready') return { verified: false, why: `it is ${found.status}, not ready` };
  if (found.kind !== copy.kind) return { verified: false, why: `it is a ${found.kind}, not a ${copy.kind}` };
  const tags = copy.tags ?? {};
  if (tags[LINEAGE_TAG_KEYS.sourceId] !== found.id)
    return { verified: false, why: `the copy's ${LINEAGE_TAG_KEYS.sourceId} tag does not name ${found.id}` };
  if (
    (tags[LINEAGE_TAG_KEYS.sourceResource] ?? '').toLowerCase() !==
    originResourceId.slice(0, MAX_TAG_VALUE).toLowerCase()
  )
    return { verified: false, why: `the copy's ${LINEAGE_TAG_KEYS.sourceResource} tag names another resource` };
  // The copy is `found` copied: compare the copy's doc types with the origin's, renamed as a copy renames them.
  const docTypes = compareDocTypes(copy, found);
  if (docTypes !== undefined) return { verified: false, why: docTypes };
  return { verified: true };
}

/** {@link verifyCopy} as a boolean. */
export function isVerifiedCopyOf(found: CopyShape, source: CopyShape, sourceResourceId: string): boolean {
  return verifyCopy(found, source, sourceResourceId).verified;
}
