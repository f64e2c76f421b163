/**
 * In-memory state of all emulated resources and the copy state machine (no HTTP here).
 *
 *   authorization issued (target model reserved as a blank model, token, expires = issue + 24 h)
 *   POST /copy → sync checks (400 1002 | 404 1022) → op accepted
 *   op: notStarted → running → succeeded | failed(copyResult.errors)
 *   succeeded: target model ready; any later use of the authorization → failed "2024"
 *   failed:    the authorization is spent as well (reuse → "2024")
 *
 * Every state is derived from the clock lazily: an operation records when it was created
 * and when it completes; `settle(now)` applies completed operations (in completion order)
 * before any request is served or any inspection is answered. No timers.
 */
import { randomUUID } from 'node:crypto';
import { decodeExpiry, encodeExpiry } from './ticks';
import type { CopyDurationInput, ModelSeed } from './types';
import {
  AUTHORIZATION_LIFETIME_MS,
  DEFAULT_COPY_DURATION_MS,
  TARGET_REGION_PATTERN,
  TARGET_RESOURCE_ID_PATTERN,
  ResourceState,
  errors,
  storedModelFromSeed,
  type Authorization,
  type CopyOperation,
  type CopyOutcome,
  type CopyOverrides,
  type CopyRequest,
  type OperationStatus,
  type ResourceConfig,
  type ServiceError,
  type StoredModel,
  type ValidatedCopy,
} from './stateShapes';

export * from './stateShapes';

export class EmulatorState {
  readonly resources = new Map<string, ResourceState>();
  /** Every authorization ever issued, by target model id. */
  readonly authorizations = new Map<string, Authorization>();
  /** Operations not yet applied (kept apart so settling stays cheap with many operations). */
  private readonly pending = new Set<CopyOperation>();

  constructor(private readonly copyDuration: number | ((c: CopyDurationInput) => number) = DEFAULT_COPY_DURATION_MS) {}

  addResource(config: ResourceConfig, seeds: ModelSeed[], now: number): ResourceState {
    if (this.resources.has(config.name)) throw new Error(`duplicate resource name '${config.name}'`);
    const r = new ResourceState(config);
    this.resources.set(config.name, r);
    for (const seed of seeds) this.addModel(config.name, seed, now);
    return r;
  }

  resource(name: string): ResourceState {
    const r = this.resources.get(name);
    if (!r) throw new Error(`unknown emulated resource '${name}'`);
    return r;
  }

  addModel(resourceName: string, seed: ModelSeed, now: number): StoredModel {
    const r = this.resource(resourceName);
    const m = storedModelFromSeed(seed, now);
    if (r.models.has(m.modelId)) throw new Error(`model '${m.modelId}' already exists in '${resourceName}'`);
    r.models.set(m.modelId, m);
    return m;
  }

  /**
   * Adds the model, or changes the one with the seed's id (a retrained source model): the
   * seed's fields replace the model's, `lastUpdatedDateTime` defaults to `now`, the rest stays.
   */
  upsertModel(resourceName: string, seed: ModelSeed, now: number): StoredModel {
    const r = this.resource(resourceName);
    const prev = seed.modelId === undefined ? undefined : r.models.get(seed.modelId);
    if (!prev) return this.addModel(resourceName, seed, now);
    if (prev.blank) throw new Error(`model '${prev.modelId}' in '${resourceName}' is a blank authorized model`);
    const from = storedModelFromSeed(
      {
        createdDateTime: new Date(prev.createdMs).toISOString(),
        lastUpdatedDateTime: new Date(now).toISOString(),
        ...seed,
      },
      now,
    );
    const next: StoredModel = {
      ...prev,
      createdMs: from.createdMs,
      lastUpdatedMs: from.lastUpdatedMs,
      ...(seed.status !== undefined ? { status: seed.status } : {}),
      ...(seed.modelName !== undefined ? { modelName: seed.modelName } : {}),
      ...(seed.isComposed !== undefined || seed.composedTrainResults !== undefined
        ? { isComposed: from.isComposed }
        : {}),
      ...(seed.trainResult !== undefined ? { trainResult: seed.trainResult } : {}),
      ...(seed.composedTrainResults !== undefined ? { composedTrainResults: seed.composedTrainResults } : {}),
      ...(seed.keys !== undefined ? { keys: seed.keys } : {}),
    };
    r.models.set(next.modelId, next);
    return next;
  }

  /** Applies every operation that completed at or before `now`, in completion order. */
  settle(now: number): void {
    const due = [...this.pending].filter((op) => op.completeMs <= now).sort((a, b) => a.completeMs - b.completeMs);
    for (const op of due) {
      this.pending.delete(op);
      this.complete(op);
    }
  }

  private complete(op: CopyOperation): void {
    op.settled = true;
    if (op.outcome.kind !== 'success') return;
    const target = this.resources.get(op.outcome.target);
    const blank = target?.models.get(op.targetModelId);
    if (!blank) {
      // The blank target model was deleted while the copy ran: nothing to copy into.
      op.outcome = { kind: 'failure', error: errors.reused() };
      return;
    }
    const s = op.outcome.snapshot;
    target?.models.set(op.targetModelId, {
      ...s,
      modelId: op.targetModelId,
      status: 'ready',
      blank: false,
      copiedFrom: { resource: op.source, modelId: op.sourceModelId },
    });
  }

  /** POST {target}/custom/models/copyAuthorization. */
  authorize(targetName: string, now: number): { authorization: Authorization; body: string } {
    const target = this.resource(targetName);
    const modelId = randomUUID();
    const expiresMs = now + AUTHORIZATION_LIFETIME_MS;
    const authorization: Authorization = {
      target: targetName,
      modelId,
      accessToken: randomUUID(),
      rawTicks: encodeExpiry(expiresMs, target.config.tickEncoding),
      issuedMs: now,
      expiresMs,
    };
    this.authorizations.set(modelId, authorization);
    target.models.set(modelId, {
      modelId,
      status: target.config.blankModelStatus,
      isComposed: false,
      createdMs: now,
      lastUpdatedMs: now,
      blank: true,
    });
    // Serialized by hand: the number text must be exactly `rawTicks`.
    const body = `{"modelId":${JSON.stringify(modelId)},"accessToken":${JSON.stringify(authorization.accessToken)},"expirationDateTimeTicks":${authorization.rawTicks}}`;
    return { authorization, body };
  }

  deleteModel(resourceName: string, modelId: string): boolean {
    return this.resource(resourceName).models.delete(modelId);
  }

  private findTarget(resourceId: string): ResourceState | undefined {
    const wanted = resourceId.toLowerCase();
    for (const r of this.resources.values()) if (r.config.resourceId.toLowerCase() === wanted) return r;
    return undefined;
  }

  /**
   * Synchronous checks of POST {source}/custom/models/{id}/copy, in the reference's order after
   * authentication: 404 1022 unknown model, then 400 1002 (malformed body, expired or modified
   * authorization, malformed targetResourceId, invalid targetResourceRegion). `request` is the
   * parsed body or the reason it could not be parsed. Changes no state.
   */
  validateCopy(args: {
    sourceName: string;
    sourceModelId: string;
    request: CopyRequest | string;
    now: number;
  }): { kind: 'rejected'; status: 400 | 404; error: ServiceError } | ValidatedCopy {
    const { sourceName, sourceModelId, request, now } = args;
    const source = this.resource(sourceName);
    const model = source.models.get(sourceModelId);
    const reject = (status: 400 | 404, error: ServiceError) => ({ kind: 'rejected' as const, status, error });
    if (!model) return reject(404, errors.modelNotFound(sourceModelId));
    if (typeof request === 'string') return reject(400, errors.badCopyRequest(request));
    if (model.status !== 'ready')
      return reject(400, errors.badCopyRequest(`Model with 'id=${sourceModelId}' is not ready.`));

    const sent = request.authorization;
    const sentExpiry = decodeExpiry(sent.rawTicks);
    if (sentExpiry === undefined || sentExpiry <= now) {
      return reject(400, errors.badCopyRequest("The 'expirationDateTimeTicks' of the copy authorization has expired."));
    }
    const issued = this.authorizations.get(sent.modelId);
    // Byte-for-byte: the raw number text must be exactly what was issued.
    const tampered = !issued || issued.accessToken !== sent.accessToken || issued.rawTicks !== sent.rawTicks;
    if (tampered && source.config.tamperedAuthorization === 'reject') {
      return reject(400, errors.badCopyRequest("Invalid or modified 'copyAuthorization' payload."));
    }
    if (request.targetResourceId.length > 1024 || !TARGET_RESOURCE_ID_PATTERN.test(request.targetResourceId)) {
      return reject(400, errors.badCopyRequest("Invalid or malformed 'targetResourceId'."));
    }
    if (!TARGET_REGION_PATTERN.test(request.targetResourceRegion)) {
      return reject(400, errors.badCopyRequest("Invalid or unsupported 'targetResourceRegion'."));
    }
    return {
      kind: 'valid',
      source,
      model,
      request,
      issued: tampered ? undefined : issued,
      target: this.findTarget(request.targetResourceId),
    };
  }

  /** Accepts a validated copy: creates the operation (outcome decided now, visible when it completes). */
  acceptCopy(v: ValidatedCopy, degrade: boolean, now: number, overrides: CopyOverrides = {}): CopyOperation {
    const { source, model, request, issued, target } = v;
    const outcome = this.decideOutcome({ source, target, request, issued, degrade, overrides, model });
    const resultId = randomUUID();
    // A genuine authorization is spent by the first accepted copy that carries it, whatever its fate.
    if (issued && issued.spentBy === undefined) issued.spentBy = resultId;

    const durationMs = Math.max(
      0,
      overrides.durationMs ??
        (typeof this.copyDuration === 'function'
          ? this.copyDuration({
              sourceModelId: model.modelId,
              source: source.config.name,
              target: target?.config.name ?? request.targetResourceId,
            })
          : this.copyDuration),
    );
    const operation: CopyOperation = {
      resultId,
      source: source.config.name,
      sourceModelId: model.modelId,
      targetModelId: request.authorization.modelId,
      createdMs: now,
      runningMs: now + Math.floor(durationMs / 2),
      completeMs: now + durationMs,
      outcome,
      settled: false,
    };
    source.operations.set(resultId, operation);
    this.pending.add(operation);
    this.settle(now);
    return operation;
  }

  private decideOutcome(a: {
    source: ResourceState;
    model: StoredModel;
    target: ResourceState | undefined;
    request: CopyRequest;
    issued: Authorization | undefined;
    degrade: boolean;
    overrides: CopyOverrides;
  }): CopyOutcome {
    const fail = (error: ServiceError): CopyOutcome => ({ kind: 'failure', error });
    const { target, request, issued } = a;
    if (!target) return fail(errors.resourceResolver(request.targetResourceId, request.targetResourceRegion));
    if (target.config.region.toLowerCase() !== request.targetResourceRegion.toLowerCase())
      return fail(errors.wrongRegion());
    if (!issued || issued.target !== target.config.name) return fail(errors.tampered());
    if (issued.spentBy !== undefined) return fail(errors.reused());
    if (!target.models.has(issued.modelId)) return fail(errors.reused());
    if (a.source.config.encrypted && !target.config.encrypted && !a.degrade) return fail(errors.degrade());
    if (a.overrides.failure) return fail(a.overrides.failure);
    return { kind: 'success', target: target.config.name, snapshot: { ...a.model } };
  }

  /** Status of an operation at `now` (call `settle(now)` first). */
  static status(op: CopyOperation, now: number): { status: OperationStatus; lastUpdatedMs: number } {
    if (now < op.runningMs) return { status: 'notStarted', lastUpdatedMs: op.createdMs };
    if (now < op.completeMs || !op.settled) return { status: 'running', lastUpdatedMs: op.runningMs };
    return { status: op.outcome.kind === 'success' ? 'succeeded' : 'failed', lastUpdatedMs: op.completeMs };
  }
}
