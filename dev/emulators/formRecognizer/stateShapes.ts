/**
 * v2.0 / v2.1 emulator state shapes: constants, the service's error bodies, stored models,
 * authorizations and operations, resource configuration, seeds, views and the copy request
 * parser. The state machine itself is in state.ts.
 */
import { VersionedMap } from './sortedIds';
import { randomUUID } from 'node:crypto';
import { member, type RawJson, stringMember } from './rawJson';
import type {
  ApiVersion,
  ModelSeed,
  ModelStatus,
  ModelView,
  ResourceSpec,
  TamperedAuthorizationBehaviour,
  TickEncoding,
  TrainResult,
} from './types';
import { ALL_API_VERSIONS, DOCUMENT_API_VERSIONS } from './types';

export const AUTHORIZATION_LIFETIME_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_COPY_DURATION_MS = 4000;

/** Spec regex for targetResourceId (≤ 1024 chars) and targetResourceRegion (1–24, upper case accepted in practice). */
export const TARGET_RESOURCE_ID_PATTERN =
  /^\/subscriptions\/[^/]*\/resourceGroups\/[^/]*\/providers\/Microsoft\.CognitiveServices\/accounts\/[^/]*$/;
export const TARGET_REGION_PATTERN = /^[a-zA-Z0-9]{1,24}$/;

export interface ServiceError {
  code: string;
  message: string;
}

export const errors = {
  modelNotFound: (id: string): ServiceError => ({ code: '1022', message: `Model with 'id=${id}' not found.` }),
  badCopyRequest: (detail: string): ServiceError => ({ code: '1002', message: `Invalid copy request. ${detail}` }),
  tampered: (): ServiceError => ({
    code: 'AuthorizationError',
    message: 'Authorization failure due to missing or invalid authorization claims.',
  }),
  /**
   * A well-formed region that is not the target's (recorded twice for v2.0/v2.1: .NET shows the
   * code `AuthorizationError`, Python `2024`, both with the reuse text).
   */
  wrongRegion: (): ServiceError => ({
    code: 'AuthorizationError',
    message:
      'Could not retrieve authorization metadata. If this issue persists use a different target model to copy into.',
  }),
  reused: (): ServiceError => ({
    code: '2024',
    message:
      'Could not retrieve authorization metadata. If this issue persists use a different target model to copy into.',
  }),
  resourceResolver: (id: string, region: string): ServiceError => ({
    code: 'ResourceResolverError',
    message: `Could not fetch information for Cognitive resource with Id '${id}'. Ensure the resource is valid and exists in the specified region '${region}'.`,
  }),
  degrade: (): ServiceError => ({
    code: 'DataProtectionTransformServiceError',
    message:
      'Data transfer request is not allowed as it downgrades to a less secure data protection scheme. Refer documentation or contact your service administrator for details.',
  }),
};

export interface StoredModel {
  modelId: string;
  status: ModelStatus;
  modelName?: string;
  isComposed: boolean;
  createdMs: number;
  lastUpdatedMs: number;
  trainResult?: TrainResult;
  composedTrainResults?: TrainResult[];
  keys?: { clusters: Record<string, string[]> };
  blank: boolean;
  copiedFrom?: { resource: string; modelId: string };
}

export interface Authorization {
  /** Name of the resource that issued it (the copy target). */
  target: string;
  modelId: string;
  accessToken: string;
  /** Raw JSON number text of expirationDateTimeTicks as issued. */
  rawTicks: string;
  issuedMs: number;
  expiresMs: number;
  /** Operation id that spent it (success or failure). */
  spentBy?: string;
}

export type CopyOutcome =
  { kind: 'success'; target: string; snapshot: StoredModel } | { kind: 'failure'; error: ServiceError };

export interface CopyOperation {
  resultId: string;
  source: string;
  sourceModelId: string;
  targetModelId: string;
  createdMs: number;
  runningMs: number;
  completeMs: number;
  outcome: CopyOutcome;
  settled: boolean;
}

export type OperationStatus = 'notStarted' | 'running' | 'succeeded' | 'failed';

export interface ResourceConfig {
  name: string;
  region: string;
  key: string;
  encrypted: boolean;
  tickEncoding: TickEncoding;
  apiVersions: ApiVersion[];
  acceptedTokens: string[];
  blankModelStatus: ModelStatus;
  tamperedAuthorization: TamperedAuthorizationBehaviour;
  resourceId: string;
  modelLimit: number;
  enforceModelLimit: boolean;
}

export class ResourceState {
  readonly models = new VersionedMap<string, StoredModel>();
  readonly operations = new Map<string, CopyOperation>();
  constructor(readonly config: ResourceConfig) {}
}

/** The parsed, validated copy request (raw text kept where bytes matter). */
export interface CopyRequest {
  targetResourceId: string;
  targetResourceRegion: string;
  authorization: { modelId: string; accessToken: string; rawTicks: string };
}

export interface ValidatedCopy {
  kind: 'valid';
  source: ResourceState;
  model: StoredModel;
  request: CopyRequest;
  /** The issued authorization when the one sent is genuine; undefined when modified. */
  issued: Authorization | undefined;
  /** The resource named by targetResourceId, if any. */
  target: ResourceState | undefined;
}

export interface CopyOverrides {
  durationMs?: number;
  failure?: ServiceError;
}

export function randomKey(): string {
  return randomUUID().replace(/-/g, '');
}

export function defaultResourceId(name: string): string {
  return `/subscriptions/${randomUUID()}/resourceGroups/rg-model-dr/providers/Microsoft.CognitiveServices/accounts/${name}`;
}

export function resourceConfig(spec: ResourceSpec): ResourceConfig {
  return {
    name: spec.name,
    region: spec.region,
    key: spec.key ?? randomKey(),
    encrypted: spec.encrypted ?? false,
    tickEncoding: spec.tickEncoding ?? 'seconds',
    apiVersions: spec.apiVersions ?? [...ALL_API_VERSIONS, ...DOCUMENT_API_VERSIONS],
    acceptedTokens: spec.acceptedTokens ?? [],
    blankModelStatus: spec.blankModelStatus ?? 'creating',
    tamperedAuthorization: spec.tamperedAuthorization ?? 'reject',
    resourceId: spec.resourceId ?? defaultResourceId(spec.name),
    modelLimit: spec.modelLimit ?? 5000,
    enforceModelLimit: spec.enforceModelLimit ?? false,
  };
}

function parseIso(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`invalid date '${value}'`);
  return ms;
}

export function storedModelFromSeed(seed: ModelSeed, now: number): StoredModel {
  const createdMs = parseIso(seed.createdDateTime, now);
  const isComposed = seed.isComposed ?? seed.composedTrainResults !== undefined;
  return {
    modelId: seed.modelId ?? randomUUID(),
    status: seed.status ?? 'ready',
    modelName: seed.modelName,
    isComposed,
    createdMs,
    lastUpdatedMs: parseIso(seed.lastUpdatedDateTime, createdMs),
    trainResult: seed.trainResult,
    composedTrainResults: seed.composedTrainResults,
    keys: seed.keys,
    blank: false,
  };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function modelView(m: StoredModel): ModelView {
  return {
    modelId: m.modelId,
    status: m.status,
    modelName: m.modelName,
    isComposed: m.isComposed,
    createdDateTime: iso(m.createdMs),
    lastUpdatedDateTime: iso(m.lastUpdatedMs),
    blank: m.blank,
    copiedFrom: m.copiedFrom,
    trainResult: m.trainResult,
    composedTrainResults: m.composedTrainResults,
  };
}

/** Extracts the copy request from the raw body, or says what is wrong with it (→ 400 1002). */
export function parseCopyRequest(body: RawJson | undefined): CopyRequest | string {
  if (body?.type !== 'object') return 'The request body must be a JSON object.';
  const targetResourceId = stringMember(body, 'targetResourceId');
  const targetResourceRegion = stringMember(body, 'targetResourceRegion');
  const auth = member(body, 'copyAuthorization');
  if (auth?.type !== 'object') return "Field 'copyAuthorization' is required.";
  const modelId = stringMember(auth, 'modelId');
  const accessToken = stringMember(auth, 'accessToken');
  const ticks = member(auth, 'expirationDateTimeTicks');
  if (modelId === undefined || accessToken === undefined || ticks?.type !== 'number') {
    return "Field 'copyAuthorization' must contain 'modelId', 'accessToken' and a numeric 'expirationDateTimeTicks'.";
  }
  if (targetResourceId === undefined) return "Field 'targetResourceId' is required.";
  if (targetResourceRegion === undefined) return "Field 'targetResourceRegion' is required.";
  return { targetResourceId, targetResourceRegion, authorization: { modelId, accessToken, rawTicks: ticks.raw } };
}
