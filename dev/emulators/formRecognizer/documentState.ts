/**
 * v3.1 / v4 state shapes (a resource, its authorizations and copy operations) and the copy
 * rules that do not need the whole emulator: per-target limit refusals, copy timestamps by API
 * version, body parsing. Recorded vs inferred: docs/emulator.md.
 */
import {
  isComposedModel,
  isNeural,
  type Collection,
  type DocClassifier,
  type DocModel,
  type OperationKind,
} from './documentDetails';
import { diErrors, type DiError } from './documentErrors';
import type { ResourceConfig } from './state';
import type { ComposedCopyRequirement, DocumentApiVersion, RefuseCopiesSpec, ReservedIdPolicy } from './types';

export interface DocAuthorization {
  collection: Collection;
  /** Name of the issuing (target) resource. */
  target: string;
  targetId: string;
  /** The issued members, compared byte-for-byte with what a copy sends back. */
  fields: {
    targetResourceId: string;
    targetResourceRegion: string;
    targetId: string;
    targetLocation: string;
    accessToken: string;
    expirationDateTime: string;
  };
  issuedMs: number;
  expiresMs: number;
  description?: string;
  tags?: Record<string, string>;
  spentBy?: string;
}

export type DocOutcome =
  | { kind: 'success'; target: string; auth: DocAuthorization; snapshot: DocModel | DocClassifier }
  | { kind: 'failure'; error: DiError };

export interface DocOperation {
  operationId: string;
  kind: OperationKind;
  source: string;
  sourceId: string;
  targetId: string;
  resourceLocation: string;
  apiVersion: DocumentApiVersion;
  createdMs: number;
  runningMs: number;
  completeMs: number;
  outcome: DocOutcome;
  /** Set by `endOperation`: the operation ends with this status, nothing lands. */
  ended?: 'canceled' | 'skipped';
  settled: boolean;
}

export interface DocResourceOptions {
  lifetimeMs: number;
  reservedIdPolicy: ReservedIdPolicy;
  composedCopyRequires: ComposedCopyRequirement;
  documentModelLimit: number;
  neuralBuildQuota: number;
  refuseCopies: RefuseCopiesSpec[];
  renameDocTypes: boolean;
}

/** The first refusal of `target` that applies to copying `m` (and is shown `at`). */
export function refusalFor(target: DocResource, m: DocModel, at: 'operation' | 'copyTo'): DiError | undefined {
  for (const r of target.options.refuseCopies) {
    if ((r.at ?? 'operation') !== at) continue;
    const which = r.models ?? 'any';
    const applies =
      which === 'any' ||
      (which === 'neural' && isNeural(m)) ||
      (which === 'composed' && isComposedModel(m)) ||
      (which === 'template' && !isNeural(m) && !isComposedModel(m));
    if (applies) return diErrors.limit(r.code, r.message);
  }
  return undefined;
}

export class DocResource {
  readonly models = new Map<string, DocModel>();
  readonly classifiers = new Map<string, DocClassifier>();
  /** `collection/id` → the authorization that reserved it (until a copy lands). */
  readonly reserved = new Map<string, DocAuthorization>();
  readonly operations = new Map<string, DocOperation>();
  constructor(
    readonly config: ResourceConfig,
    readonly options: DocResourceOptions,
  ) {}
}

/**
 * Timestamps of a copy, by the API version of the copyTo (recorded): 2023-07-31 keeps the
 * source's `createdDateTime` and has no `modifiedDateTime`; 2024-11-30 has the copy time as
 * `createdDateTime` and the source's `modifiedDateTime` (the source's `expirationDateTime`
 * is kept by both: it is spread from the snapshot).
 */
export function copiedTimes(
  op: DocOperation,
  sourceCreatedMs: number,
  sourceModifiedMs: number | undefined,
): { createdMs: number; modifiedMs?: number } {
  if (op.apiVersion === '2023-07-31') return { createdMs: sourceCreatedMs };
  return { createdMs: op.completeMs, ...(sourceModifiedMs !== undefined ? { modifiedMs: sourceModifiedMs } : {}) };
}

export interface CopyValidation {
  kind: 'valid';
  source: DocResource;
  collection: Collection;
  sourceItem: DocModel | DocClassifier;
  sent: DocAuthorization['fields'];
  issued: DocAuthorization | undefined;
  target: DocResource | undefined;
}

export interface DocCopyOverrides {
  durationMs?: number;
  failure?: { code: string; message: string };
}

export function isStringMap(v: unknown): v is Record<string, string> {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string')
  );
}

/** A request body that must be a JSON object; undefined when it is not (the caller answers 400). */
export function parseObjectBody(bodyText: string): Record<string, unknown> | undefined {
  try {
    const body: unknown = JSON.parse(bodyText);
    return typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
