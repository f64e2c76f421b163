/**
 * The copy of one pair: start (authorize on the target and start on the source, in one
 * activity), check, finish (verify and record), and record a failure. Each is safe to run
 * again (the durable engine delivers at least once); nothing returned holds a key, a token
 * or an authorization. What differs per API family is in ../copyFamily.ts.
 */
import {
  classifyCopyFailure,
  copyMayHaveLanded,
  copyResultError,
  isFormRecognizerError,
  ModelNotFoundError,
} from '../../formRecognizer';
import type {
  CheckCopyInput,
  CheckCopyResult,
  FinishCopyInput,
  FinishCopyResult,
  RecordFailureInput,
  StartCopyInput,
  StartCopyResult,
} from '../../replication/contracts';
import { classifierItemId, parseItemId } from '../../replication/items';
import { DEFAULT_COPY_POLICY, retryDelayMs } from '../../replication/policy';
import type { AppLogger } from '../../runtime/logger';
import {
  authorizeItem,
  callerChoosesIds,
  createsBlankModels,
  getItem,
  isVerifiedCopy,
  missingDependency,
} from '../copyFamily';
import { discardBlank } from './cleanup';
import { runPairKeyOf, runSourceOf, targetOf, type HeldEntry, type ReplicationDeps } from './deps';
import { toFailureReason } from './failure';
import { emitCopyFailed, emitCopyOutcome } from '../../telemetry/emit';

/** An authorization that expires sooner than this is not used: a fresh one is taken. */
export const AUTHORIZATION_SAFETY_MARGIN_MS = 5 * 60_000;

/**
 * Authorize on the target and start the copy on the source, in one activity: the
 * authorization (and its access token) never leaves this function, so it is never in
 * durable history and cannot expire while an orchestration waits. Every blank model (v2) or
 * reserved id (v3.1/v4) it creates is recorded as pending before anything else can fail, and
 * discarded here if the copy cannot be started. What differs per API family is in copyFamily.ts.
 */
export async function startCopy(
  deps: ReplicationDeps,
  input: StartCopyInput,
  log: AppLogger,
): Promise<StartCopyResult> {
  const ledger = await deps.ledger();
  const target = targetOf(deps, input.region);
  // The active primary's client and the lineage's id there (docs/failover.md).
  const src = await runSourceOf(deps, input.runId, input.sourceModelId);
  const model = {
    sourceModelId: input.sourceModelId,
    region: input.region,
    ...(src.sourceRegion !== undefined ? { sourceRegion: src.sourceRegion } : {}),
    targetResourceId: target.settings.resourceId,
    runId: input.runId,
  };
  const { kind } = parseItemId(input.sourceModelId);
  const toItemId = (targetId: string): string => (kind === 'classifier' ? classifierItemId(targetId) : targetId);

  // Pacing: authorize (target) and copy (source) are management calls, limited per
  // resource. Wait for this attempt's slot — with a durable timer, never here.
  // An attempt the orchestrator already slotted (cross-instance pacing, CopySlot) goes at once.
  const paced = input.slotted
    ? { go: true as const }
    : deps.pacer.acquire(
        `copy\u0000${runPairKeyOf(input)}\u0000${input.attempt}`,
        [target.settings.resourceId, src.client.resourceId],
        deps.clock.now(),
      );
  if (!paced.go) {
    return {
      kind: 'retry',
      paced: true,
      countsAsAttempt: false,
      retryAfterMs: paced.waitMs,
      reason: {
        kind: 'throttled',
        code: 'LocalPacing',
        message: `waiting ${paced.waitMs} ms for a management slot (DR_MANAGEMENT_RPS)`,
      },
    };
  }

  // Idempotency: if this attempt already started a copy (the activity ran before and its
  // result was lost), carry on with that copy instead of creating another blank model.
  // Only a pair this run already marked in progress can have one, so the region's pending
  // blank models (a listing that grows with the copies in flight) are read only then.
  const record = await ledger.replicas.get(input.sourceModelId, input.region);
  const existing =
    record?.lastRunId !== input.runId
      ? undefined
      : (await ledger.pendingTargets.listForRegion(input.region)).find(
          (p) =>
            p.runId === input.runId &&
            p.sourceModelId === input.sourceModelId &&
            p.attempt === input.attempt &&
            p.operationLocation,
        );
  if (existing?.operationLocation) {
    return {
      kind: 'started',
      targetModelId: existing.targetModelId,
      operationLocation: existing.operationLocation,
      expiresAt: existing.expiresAt ?? new Date(deps.clock.now()).toISOString(),
    };
  }

  await ledger.replicas.markInProgress(model);
  const ctx = {
    source: src.client,
    target: target.client,
    itemId: src.itemId,
    runId: input.runId,
    nowMs: deps.clock.now(),
  };
  deps.heldAuthorizations.dropExpired(deps.clock.now());
  let held: HeldEntry | undefined = deps.heldAuthorizations.take(runPairKeyOf(input));
  if (held?.authorization.expiresWithin(deps.clock.now(), AUTHORIZATION_SAFETY_MARGIN_MS)) {
    log.warn(
      `held copy authorization for ${input.sourceModelId} → ${input.region} expires at ${held.authorization.expiresAt.toISOString()}: taking a fresh one`,
    );
    await discardBlank(deps, input.region, held.targetItemId).catch(() => undefined);
    held = undefined;
  }
  // A held authorization was sent before (its POST met a 5xx, a timeout or a dropped connection).
  const resent = held !== undefined;
  let calling = target.settings.resourceId;
  let keepForRetry = false;
  /** The ledger key of the authorize call in flight (v2.1), until its blank model is recorded. */
  let intent: string | undefined;
  try {
    // The source's details are stamped on a v3.1/v4 copy (lineage) and tell our copies from foreign models.
    const sourceDetails = callerChoosesIds(target.client) ? await getItem(src.client, src.itemId) : undefined;
    const missing =
      sourceDetails && !held
        ? await missingDependency({ source: src.client, target: target.client }, sourceDetails)
        : undefined;
    if (missing) {
      // Say why each component is missing when this ledger knows (its copy failed with the service's code).
      const why: string[] = [];
      for (const ref of missing.missing) {
        const itemId = ref.kind === 'classifier' ? classifierItemId(ref.id) : ref.id;
        const component = await ledger.replicas.get(itemId, input.region);
        const error = component?.state === 'failed' ? component.lastError : undefined;
        if (error) why.push(`${itemId}: ${error.kind}${error.code ? ` ${error.code}` : ''}: ${error.message}`);
      }
      const message = why.length > 0 ? `${missing.message}. In ${input.region}: ${why.join('; ')}` : missing.message;
      return { kind: 'failed', reason: { kind: 'permanent', code: missing.code, message: message.slice(0, 2000) } };
    }
    for (let fresh = 0; !held && fresh < 2; fresh++) {
      calling = target.settings.resourceId;
      // v2.1: the blank model's id is only in the answer. The intent is recorded first, so a lost
      // answer leaves a window the sweep searches for the blank model no record names.
      intent = createsBlankModels(target.client)
        ? (await ledger.copyIntents.add({ ...model, attempt: input.attempt }, fresh)).key
        : undefined;
      const outcome = await authorizeItem({ ...ctx, nowMs: deps.clock.now() + fresh }, sourceDetails);
      if (outcome.kind === 'present') {
        log.log(
          outcome.origin
            ? `${input.sourceModelId} → ${input.region}: the target is the lineage's origin and holds the original '${outcome.targetId}' (409 on authorize): recorded present, not copied`
            : `${input.sourceModelId} → ${input.region}: the target already holds a verified copy under '${outcome.targetId}' (409 on authorize): recorded, not copied again`,
        );
        return {
          kind: 'present',
          targetModelId: toItemId(outcome.targetId),
          byThisRun: outcome.copiedByRun === input.runId,
        };
      }
      if (outcome.kind === 'conflict') {
        return { kind: 'failed', reason: { kind: 'conflict', code: 'ModelExists', message: outcome.message } };
      }
      if (outcome.kind === 'burned') {
        return {
          kind: 'retry',
          countsAsAttempt: true,
          reason: {
            kind: 'authorization',
            code: 'ModelExists',
            message: `target id(s) ${outcome.burned.join(', ')} reserved by earlier unused authorizations (burned); a new fallback id is tried next`,
          },
        };
      }
      if (outcome.burned.length > 0)
        log.warn(
          `${input.sourceModelId} → ${input.region}: target id '${outcome.burned.join("', '")}' is burned by an unused authorization; copying into '${outcome.authorization.targetId}' instead (the mapping is recorded)`,
        );
      const candidate = {
        authorization: outcome.authorization,
        targetItemId: toItemId(outcome.authorization.targetId),
      };
      await ledger.pendingTargets.add({
        ...model,
        // The copy's source (after a failover, not the home member): what the crash sweep verifies it against.
        ...(src.itemId !== input.sourceModelId ? { sourceItemId: src.itemId } : {}),
        targetModelId: candidate.targetItemId,
        attempt: input.attempt,
        expiresAt: candidate.authorization.expiresAt.toISOString(),
      });
      if (intent) await ledger.copyIntents.remove(intent);
      intent = undefined;
      if (!candidate.authorization.expiresWithin(deps.clock.now(), AUTHORIZATION_SAFETY_MARGIN_MS)) {
        held = candidate;
        break;
      }
      // Issued already (nearly) expired — a clock skew or a service hiccup: take a fresh one.
      log.warn(
        `copy authorization for ${input.sourceModelId} → ${input.region} expires at ${candidate.authorization.expiresAt.toISOString()}, too soon: taking a fresh one`,
      );
      await discardBlank(deps, input.region, candidate.targetItemId);
    }
    if (!held)
      return {
        kind: 'retry',
        reason: { kind: 'authorization', message: 'the target kept issuing authorizations that expire too soon' },
        countsAsAttempt: true,
      };
    calling = src.client.resourceId;
    deps.unissuedFailures.clear(runPairKeyOf(input));
    const operation = await held.authorization.start({ allowDegrade: target.settings.allowDegrade });
    await ledger.pendingTargets.update(input.region, held.targetItemId, {
      operationLocation: operation.operationLocation,
      attempt: input.attempt,
    });
    return {
      kind: 'started',
      targetModelId: held.targetItemId,
      operationLocation: operation.operationLocation,
      expiresAt: held.authorization.expiresAt.toISOString(),
      ...(operation.retryAfterMs !== undefined ? { retryAfterMs: operation.retryAfterMs } : {}),
    };
  } catch (e) {
    const reason = toFailureReason(e);
    // The authorize call's answer was lost (network, timeout) or was a 5xx: the blank model it may
    // have created is found (in this window) and deleted by the sweep. Any other answer (4xx, 429)
    // says the service created nothing: the intent goes.
    if (intent) {
      const maybeCreated = reason.kind === 'transient';
      await (maybeCreated ? ledger.copyIntents.markFailed(intent) : ledger.copyIntents.remove(intent)).catch(
        () => undefined,
      );
    }
    // Resent after an answer that was lost, the authorization is refused as already used (v3.1/v4
    // 403 AuthorizationFailed, v2 "Could not retrieve authorization metadata"): the first POST may
    // have been accepted, and the copy may be running or done under the authorized id. Settle by
    // reading the target (the orchestrator does, with finishCopy) before renewing: a second copy
    // into a fallback id (v3.1/v4, the id is reserved) or a deleted landed copy (v2) otherwise.
    if (held && resent && calling === src.client.resourceId && isFormRecognizerError(e) && copyMayHaveLanded(e)) {
      log.warn(
        `copy of ${input.sourceModelId} → ${input.region}: the resent authorization was refused as already used (${reason.code ?? reason.kind}); reading the target for a copy that landed before renewing`,
      );
      return { kind: 'settle', targetModelId: held.targetItemId, reason };
    }
    // A throttled copy POST did not use the authorization, and one that met a 5xx, a timeout or a
    // dropped connection may not have: keep it for the pair's next try. Reused after a POST that
    // was in fact accepted, it is refused as already used, and that copy lands under the same id
    // (the next try finds it: v4 `present`, v2 renewal) — while a fresh one would burn the id.
    keepForRetry =
      held !== undefined &&
      (reason.kind === 'throttled' || reason.kind === 'transient') &&
      calling === src.client.resourceId;
    if (keepForRetry && held) deps.heldAuthorizations.put(runPairKeyOf(input), held);
    else if (held) await discardBlank(deps, input.region, held.targetItemId).catch(() => undefined);
    log.warn(
      `copy of ${input.sourceModelId} → ${input.region} could not start: ${reason.kind} ${reason.code ?? ''} ${reason.message}`,
    );
    if (reason.kind === 'permanent' || reason.kind === 'conflict') return { kind: 'failed', reason };
    let retryAfterMs = isFormRecognizerError(e) ? e.retryAfterMs : undefined;
    // Throttled anyway (another process, another client of the resource): no slot on it before Retry-After.
    if (reason.kind === 'throttled') deps.pacer.holdOff(calling, deps.clock.now() + (retryAfterMs ?? 1000));
    // The attempt budget counts authorizations tried: a transient failure before one was issued
    // (reading the source's details, the authorize call itself) is retried without using it up,
    // after a growing back-off (process-local count; the pair's deadline bounds it in any case).
    const authorized = held !== undefined;
    if (reason.kind !== 'throttled' && !authorized) {
      const failures = deps.unissuedFailures.increment(runPairKeyOf(input));
      retryAfterMs = Math.max(retryAfterMs ?? 0, retryDelayMs(DEFAULT_COPY_POLICY, failures));
    }
    return {
      kind: 'retry',
      reason,
      countsAsAttempt: reason.kind !== 'throttled' && authorized,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
}

export async function checkCopy(deps: ReplicationDeps, input: CheckCopyInput): Promise<CheckCopyResult> {
  const source = input.runId === undefined ? deps.source : (await deps.rolesFor(input.runId)).source.client;
  try {
    const result = await source.getCopyResult(input.operationLocation);
    const retryAfterMs = result.retryAfterMs !== undefined ? { retryAfterMs: result.retryAfterMs } : {};
    switch (result.status) {
      case 'notStarted':
      case 'running':
        return { kind: 'pending', status: result.status, ...retryAfterMs };
      case 'succeeded':
        // The copy went into the id we authorized (v4 reports it as `resourceLocation`, for a classifier too).
        return { kind: 'succeeded', targetModelId: input.targetModelId };
      default: {
        // failed / canceled / skipped. `copyResultError` knows the v3.1/v4 codes (AuthorizationFailed →
        // renewal, ClassifierNotFound → missing dependency) and the v2 ones.
        const error =
          copyResultError(result, { operation: 'copyOperation' }) ??
          classifyCopyFailure(result.errors, { operation: 'copyOperation' });
        const reason = toFailureReason(error);
        return {
          kind: 'failed',
          reason,
          renew: error.retryable,
          ...(copyMayHaveLanded(error) ? { settle: true as const } : {}),
        };
      }
    }
  } catch (e) {
    const reason = toFailureReason(e);
    if (reason.kind === 'throttled' || reason.kind === 'transient') {
      return {
        kind: 'unknown',
        reason,
        ...(isFormRecognizerError(e) && e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}),
      };
    }
    // The service keeps an operation 24 h (v3.1/v4 OperationNotFound, v2 1022): whoever comes
    // back later recovers by checking the target itself.
    if (isFormRecognizerError(e) && e.reason === 'operationNotFound') {
      const recovered = await recoverFromTarget(deps, input);
      if (recovered) return recovered;
    }
    return { kind: 'failed', reason, renew: true };
  }
}

/** The operation is gone: the copy succeeded if the target holds a verified copy under the authorized id. */
async function recoverFromTarget(deps: ReplicationDeps, input: CheckCopyInput): Promise<CheckCopyResult | undefined> {
  const target = targetOf(deps, input.region).client;
  try {
    const found = await getItem(target, input.targetModelId);
    const src =
      input.runId === undefined
        ? { client: deps.source, itemId: input.sourceModelId }
        : await runSourceOf(deps, input.runId, input.sourceModelId);
    const source = callerChoosesIds(target) ? await getItem(src.client, src.itemId) : undefined;
    if (isVerifiedCopy({ source: src.client, target }, found, source))
      return { kind: 'succeeded', targetModelId: input.targetModelId };
  } catch (e) {
    if (!(e instanceof ModelNotFoundError)) {
      const reason = toFailureReason(e);
      if (reason.kind === 'throttled' || reason.kind === 'transient') return { kind: 'unknown', reason };
    }
  }
  return undefined;
}

/** Verify the copy is `ready` in the target, then record the replica. */
export async function finishCopy(deps: ReplicationDeps, input: FinishCopyInput): Promise<FinishCopyResult> {
  const target = targetOf(deps, input.region);
  let model;
  try {
    model = await getItem(target.client, input.targetModelId);
  } catch (e) {
    if (input.settling && e instanceof ModelNotFoundError) return { kind: 'notReady', status: 'not there (yet)' };
    const reason = toFailureReason(e);
    if (reason.kind === 'throttled' || reason.kind === 'transient')
      return { kind: 'notReady', status: `unknown (${reason.message})` };
    return {
      kind: 'failed',
      reason: {
        ...reason,
        kind: 'verification',
        message: `target model ${input.targetModelId} could not be read: ${reason.message}`,
      },
    };
  }
  if (model.status === 'creating') return { kind: 'notReady', status: model.status };
  if (model.status !== 'ready') {
    return {
      kind: 'failed',
      reason: {
        kind: 'verification',
        message: `target model ${input.targetModelId} is '${model.status}' after a successful copy`,
      },
    };
  }
  const ledger = await deps.ledger();
  const src = await runSourceOf(deps, input.runId, input.sourceModelId);
  const source = await getItem(src.client, src.itemId).catch(() => undefined);
  const marked = await ledger.replicas.markReplicated({
    sourceModelId: input.sourceModelId,
    region: input.region,
    ...(src.sourceRegion !== undefined ? { sourceRegion: src.sourceRegion } : {}),
    targetResourceId: target.settings.resourceId,
    runId: input.runId,
    targetModelId: input.targetModelId,
    ...(source?.description !== undefined ? { sourceModelName: source.description } : {}),
    ...(source?.lastUpdatedDateTime !== undefined ? { sourceModelVersion: source.lastUpdatedDateTime } : {}),
  });
  await ledger.pendingTargets.remove(input.region, input.targetModelId);
  emitCopyOutcome(deps.telemetry, {
    region: input.region,
    apiVersion: deps.settings.apiVersion,
    outcome: 'copied',
    ...durationOf(deps, input.startedAt),
  });
  return {
    kind: 'verified',
    targetModelId: input.targetModelId,
    verifiedAt: marked.record.lastVerifiedAt ?? new Date(deps.clock.now()).toISOString(),
  };
}

export async function recordCopyFailure(deps: ReplicationDeps, input: RecordFailureInput): Promise<void> {
  const ledger = await deps.ledger();
  const roles = await deps.rolesFor(input.runId);
  await ledger.replicas.markFailed({
    sourceModelId: input.sourceModelId,
    region: input.region,
    ...(roles.primary !== roles.home ? { sourceRegion: roles.primary } : {}),
    targetResourceId: targetOf(deps, input.region).settings.resourceId,
    runId: input.runId,
    error: {
      kind: input.reason.kind,
      message: input.reason.message,
      ...(input.reason.code ? { code: input.reason.code } : {}),
    },
  });
  // After the ledger write: a retried activity may count twice, never zero times.
  emitCopyOutcome(deps.telemetry, {
    region: input.region,
    apiVersion: deps.settings.apiVersion,
    outcome: 'failed',
    reasonKind: input.reason.kind,
    ...durationOf(deps, input.startedAt),
  });
  emitCopyFailed(deps.telemetry, {
    runId: input.runId,
    region: input.region,
    itemKind: parseItemId(input.sourceModelId).kind,
    reasonKind: input.reason.kind,
    ...(input.reason.code ? { serviceCode: input.reason.code } : {}),
    attempts: input.attempts,
  });
}

/** Seconds since the pair's copy started (absent when the orchestration did not say). */
function durationOf(deps: ReplicationDeps, startedAt: string | undefined): { durationSeconds?: number } {
  const t = startedAt === undefined ? NaN : Date.parse(startedAt);
  return Number.isFinite(t) ? { durationSeconds: Math.max(0, (deps.clock.now() - t) / 1000) } : {};
}
