/**
 * Activities of the replication orchestrations: small adapters over the copy clients
 * and the ledger. Each is safe to run again after it already did its work (the durable
 * engine delivers at least once). Nothing returned here holds a key, a token or an
 * authorization: it all ends up in durable history.
 */
import {
  classifyCopyFailure,
  copyResultError,
  serializeError,
  isFormRecognizerError,
  ModelNotFoundError,
  type CopyApi,
  type DocumentModelsClient,
} from '../formRecognizer';
import { LedgerError, redactSecrets } from '../ledger';
import type { RunReport, RunPair } from '../ledger/runReports';
import type {
  CheckCopyInput,
  CheckCopyResult,
  DiscardTargetInput,
  FailureReason,
  FinishCopyInput,
  FinishCopyResult,
  ListSourceInput,
  Plan,
  PlanInput,
  RecordFailureInput,
  RunConfig,
  RunSummary,
  SourceListing,
  SourceModelInfo,
  StartCopyInput,
  StartCopyResult,
} from '../replication/contracts';
import { DEFAULT_COPY_POLICY, retryDelayMs } from '../replication/policy';
import type { AppLogger } from '../runtime/logger';
import { now } from '../runtime/time';
import { classifierItemId, parseItemId } from '../replication/items';
import {
  authorizeItem,
  callerChoosesIds,
  createsBlankModels,
  getItem,
  isVerifiedCopy,
  listItemIds,
  missingDependency,
  supportsClassifiers,
  type HeldAuthorization,
} from './copyFamily';
import { getServices, type Services } from './services';

/** An authorization that expires sooner than this is not used: a fresh one is taken. */
export const AUTHORIZATION_SAFETY_MARGIN_MS = 5 * 60_000;
/** Pairs per batch orchestration: bounds the history any one orchestration replays. */
export const BATCH_SIZE = 50;

export async function loadRunConfig(input: { regions?: string[] }): Promise<RunConfig> {
  const { settings } = getServices();
  const configured = settings.targets.map((t) => t.region);
  const wanted = input.regions?.map((r) => r.toLowerCase());
  const pacing = settings.pacing;
  return {
    sourceRegion: settings.source.region,
    apiVersion: settings.apiVersion,
    regions: wanted ? configured.filter((r) => wanted.includes(r)) : configured,
    unknownRegions: wanted ? wanted.filter((r) => !configured.includes(r)) : [],
    maxParallel: settings.maxParallel,
    batchSize: BATCH_SIZE,
    copy: {
      ...DEFAULT_COPY_POLICY,
      pollInitialMs: pacing.pollInitialSeconds * 1000,
      pollYoungCapMs: Math.min(DEFAULT_COPY_POLICY.pollYoungCapMs, pacing.pollMaxSeconds * 1000),
      pollMaxMs: pacing.pollMaxSeconds * 1000,
      deadlineMs: pacing.copyDeadlineMinutes * 60_000,
    },
  };
}

export async function listSourceModels(input: ListSourceInput): Promise<SourceListing> {
  const { source, listPacer } = getServices();
  const wanted = input.models ? new Set(input.models) : undefined;
  const listing: SourceListing = { ready: [], invalid: [], creating: [], notFound: [] };
  const seen = new Set<string>();
  // Pages are paced like management calls (the list limit is 10/s on S0): a listing of
  // thousands of models pauses between bursts — with a durable timer, not here — and
  // resumes from the page it stopped at.
  let from = input.from;
  // Classifiers (2024-11-30) are few: listed once, at the start of a listing.
  if (from === undefined && supportsClassifiers(source)) {
    for await (const c of (source as DocumentModelsClient).listClassifiers()) {
      const modelId = classifierItemId(c.classifierId);
      if (wanted && !wanted.has(modelId)) continue;
      seen.add(modelId);
      listing.ready.push({
        modelId,
        status: 'ready',
        lastUpdatedDateTime: c.lastUpdatedDateTime,
        ...(c.description !== undefined ? { modelName: c.description } : {}),
      });
    }
  }
  for (;;) {
    const paced = listPacer.acquire(`list\n${from ?? ''}`, [source.resourceId], now());
    if (!paced.go)
      return { ...listing, resume: { ...(from !== undefined ? { from } : {}), retryAfterMs: paced.waitMs } };
    let page;
    try {
      page = await source.listModelsPage(from);
    } catch (e) {
      if (!isFormRecognizerError(e) || e.kind !== 'throttled') throw e;
      const retryAfterMs = e.retryAfterMs ?? 1000;
      listPacer.holdOff(source.resourceId, now() + retryAfterMs);
      return { ...listing, resume: { ...(from !== undefined ? { from } : {}), retryAfterMs } };
    }
    for (const m of page.models) {
      if (wanted && !wanted.has(m.modelId)) continue;
      seen.add(m.modelId);
      // `prebuilt-*` models (v3.1/v4 list them) belong to the service: never copied.
      if (m.prebuilt) continue;
      const info: SourceModelInfo = {
        modelId: m.modelId,
        status: m.status,
        lastUpdatedDateTime: m.lastUpdatedDateTime,
      };
      if (m.modelName !== undefined) info.modelName = m.modelName;
      if (m.isComposed !== undefined) info.isComposed = m.isComposed;
      // v4 composed models reference their classifier and components by id: copied after them.
      const dependsOn = [
        ...(m.classifierId !== undefined ? [classifierItemId(m.classifierId)] : []),
        ...(m.componentModelIds ?? []),
      ];
      if (dependsOn.length > 0) info.dependsOn = dependsOn;
      listing[m.status].push(info);
    }
    if (!page.nextLink) break;
    from = page.nextLink;
  }
  if (wanted && input.from === undefined) listing.notFound = [...wanted].filter((id) => !seen.has(id));
  return listing;
}

/**
 * Compares the source's ready models with the ledger and, cheaply (one listing per
 * region), with the targets: a recorded replica whose model is gone or not ready in the
 * target is copied again.
 */
export async function planReplication(input: PlanInput): Promise<Plan> {
  const services = getServices();
  const ledger = await services.ledger();
  const records = new Map((await ledger.replicas.listAll()).map((r) => [`${r.region}\n${r.sourceModelId}`, r]));
  const plan: Plan = { toCopy: [], alreadyReplicated: [], stale: [] };
  for (const region of input.regions) {
    const target = services.target(region);
    let present: Map<string, string> | undefined;
    if (!input.ledgerOnly) {
      present = await listItemIds(target.client);
    }
    for (const model of input.models) {
      const pair = { sourceModelId: model.modelId, region };
      const record = records.get(`${region}\n${model.modelId}`);
      const targetModelId = record?.targetModelId;
      const sameResource = record?.targetResourceId.toLowerCase() === target.settings.resourceId.toLowerCase();
      const sameVersion =
        !record?.sourceModelVersion ||
        !model.lastUpdatedDateTime ||
        record.sourceModelVersion === model.lastUpdatedDateTime;
      if (record && targetModelId && sameResource && sameVersion) {
        const found = present ? present.get(targetModelId) : record.state === 'replicated' ? 'ready' : record.state;
        if (found === 'ready') {
          plan.alreadyReplicated.push({ ...pair, targetModelId });
          continue;
        }
        plan.stale.push({ ...pair, targetModelId, found: found ?? 'missing' });
      }
      plan.toCopy.push(pair);
    }
  }
  return plan;
}

/**
 * Authorizations whose copy POST was throttled or failed transiently (so probably never used), kept in this process for the
 * pair's next try: re-authorizing would burn a v3.1/v4 target id (azure-sdk-for-net #51813)
 * and cost a v2 blank model. Memory only — never history, the ledger or a log — and only
 * while it does not expire within the safety margin; after that (e.g. throttled for an hour)
 * a fresh authorization is taken. A restarted process simply authorizes again.
 */
const heldAfterThrottling = new Map<string, { authorization: HeldAuthorization; targetItemId: string }>();
const heldKey = (input: { runId: string; sourceModelId: string; region: string }): string =>
  `${input.runId}\n${input.region}\n${input.sourceModelId}`;

/**
 * Authorize on the target and start the copy on the source, in one activity: the
 * authorization (and its access token) never leaves this function, so it is never in
 * durable history and cannot expire while an orchestration waits. Every blank model (v2) or
 * reserved id (v3.1/v4) it creates is recorded as pending before anything else can fail, and
 * discarded here if the copy cannot be started. What differs per API family is in copyFamily.ts.
 */
export async function startCopy(input: StartCopyInput, log: AppLogger): Promise<StartCopyResult> {
  const services = getServices();
  const ledger = await services.ledger();
  const target = services.target(input.region);
  const model = {
    sourceModelId: input.sourceModelId,
    region: input.region,
    targetResourceId: target.settings.resourceId,
    runId: input.runId,
  };
  const { kind } = parseItemId(input.sourceModelId);
  const toItemId = (targetId: string): string => (kind === 'classifier' ? classifierItemId(targetId) : targetId);

  // Pacing: authorize (target) and copy (source) are management calls, limited per
  // resource. Wait for this attempt's slot — with a durable timer, never here.
  const paced = services.pacer.acquire(
    `copy\n${input.runId}\n${input.sourceModelId}\n${input.region}\n${input.attempt}`,
    [target.settings.resourceId, services.source.resourceId],
    now(),
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
      expiresAt: existing.expiresAt ?? new Date(now()).toISOString(),
    };
  }

  await ledger.replicas.markInProgress(model);
  const ctx = {
    source: services.source,
    target: target.client,
    itemId: input.sourceModelId,
    runId: input.runId,
    nowMs: now(),
  };
  for (const [key, h] of heldAfterThrottling) if (h.authorization.expiresWithin(now())) heldAfterThrottling.delete(key);
  let held: { authorization: HeldAuthorization; targetItemId: string } | undefined = heldAfterThrottling.get(
    heldKey(input),
  );
  heldAfterThrottling.delete(heldKey(input));
  if (held?.authorization.expiresWithin(now(), AUTHORIZATION_SAFETY_MARGIN_MS)) {
    log.warn(
      `held copy authorization for ${input.sourceModelId} → ${input.region} expires at ${held.authorization.expiresAt.toISOString()}: taking a fresh one`,
    );
    await discardBlank(services, input.region, held.targetItemId).catch(() => undefined);
    held = undefined;
  }
  let calling = target.settings.resourceId;
  let keepForRetry = false;
  try {
    // The source's details are stamped on a v3.1/v4 copy (lineage) and tell our copies from foreign models.
    const sourceDetails = callerChoosesIds(target.client)
      ? await getItem(services.source, input.sourceModelId)
      : undefined;
    const missing = sourceDetails && !held ? await missingDependency(target.client, sourceDetails) : undefined;
    if (missing) return { kind: 'failed', reason: { kind: 'permanent', code: 'ClassifierNotFound', message: missing } };
    for (let fresh = 0; !held && fresh < 2; fresh++) {
      calling = target.settings.resourceId;
      const outcome = await authorizeItem({ ...ctx, nowMs: now() + fresh }, sourceDetails);
      if (outcome.kind === 'present') {
        log.log(
          `${input.sourceModelId} → ${input.region}: the target already holds a verified copy under '${outcome.targetId}' (409 on authorize): recorded, not copied again`,
        );
        return { kind: 'present', targetModelId: toItemId(outcome.targetId) };
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
        targetModelId: candidate.targetItemId,
        attempt: input.attempt,
        expiresAt: candidate.authorization.expiresAt.toISOString(),
      });
      if (!candidate.authorization.expiresWithin(now(), AUTHORIZATION_SAFETY_MARGIN_MS)) {
        held = candidate;
        break;
      }
      // Issued already (nearly) expired — a clock skew or a service hiccup: take a fresh one.
      log.warn(
        `copy authorization for ${input.sourceModelId} → ${input.region} expires at ${candidate.authorization.expiresAt.toISOString()}, too soon: taking a fresh one`,
      );
      await discardBlank(services, input.region, candidate.targetItemId);
    }
    if (!held)
      return {
        kind: 'retry',
        reason: { kind: 'authorization', message: 'the target kept issuing authorizations that expire too soon' },
        countsAsAttempt: true,
      };
    calling = services.source.resourceId;
    unissuedFailures.delete(heldKey(input));
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
    // A throttled copy POST did not use the authorization, and one that met a 5xx, a timeout or a
    // dropped connection may not have: keep it for the pair's next try. Reused after a POST that
    // was in fact accepted, it is refused as already used, and that copy lands under the same id
    // (the next try finds it: v4 `present`, v2 renewal) — while a fresh one would burn the id.
    keepForRetry =
      held !== undefined &&
      (reason.kind === 'throttled' || reason.kind === 'transient') &&
      calling === services.source.resourceId;
    if (keepForRetry && held) heldAfterThrottling.set(heldKey(input), held);
    else if (held) await discardBlank(services, input.region, held.targetItemId).catch(() => undefined);
    log.warn(
      `copy of ${input.sourceModelId} → ${input.region} could not start: ${reason.kind} ${reason.code ?? ''} ${reason.message}`,
    );
    if (reason.kind === 'permanent' || reason.kind === 'conflict') return { kind: 'failed', reason };
    let retryAfterMs = isFormRecognizerError(e) ? e.retryAfterMs : undefined;
    // Throttled anyway (another process, another client of the resource): no slot on it before Retry-After.
    if (reason.kind === 'throttled') services.pacer.holdOff(calling, now() + (retryAfterMs ?? 1000));
    // The attempt budget counts authorizations tried: a transient failure before one was issued
    // (reading the source's details, the authorize call itself) is retried without using it up,
    // after a growing back-off (process-local count; the pair's deadline bounds it in any case).
    const authorized = held !== undefined;
    if (reason.kind !== 'throttled' && !authorized) {
      const failures = (unissuedFailures.get(heldKey(input)) ?? 0) + 1;
      unissuedFailures.set(heldKey(input), failures);
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

/** Per pair: transient failures in a row before an authorization was issued (back-off of uncounted retries). */
const unissuedFailures = new Map<string, number>();

export async function checkCopy(input: CheckCopyInput): Promise<CheckCopyResult> {
  const { source } = getServices();
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
        return { kind: 'failed', reason, renew: error.retryable };
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
      const recovered = await recoverFromTarget(input);
      if (recovered) return recovered;
    }
    return { kind: 'failed', reason, renew: true };
  }
}

/** The operation is gone: the copy succeeded if the target holds a verified copy under the authorized id. */
async function recoverFromTarget(input: CheckCopyInput): Promise<CheckCopyResult | undefined> {
  const services = getServices();
  const target = services.target(input.region).client;
  try {
    const found = await getItem(target, input.targetModelId);
    const source = callerChoosesIds(target) ? await getItem(services.source, input.sourceModelId) : undefined;
    if (isVerifiedCopy({ source: services.source, target }, found, source))
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
export async function finishCopy(input: FinishCopyInput): Promise<FinishCopyResult> {
  const services = getServices();
  const target = services.target(input.region);
  let model;
  try {
    model = await getItem(target.client, input.targetModelId);
  } catch (e) {
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
  const ledger = await services.ledger();
  const source = await getItem(services.source, input.sourceModelId).catch(() => undefined);
  const marked = await ledger.replicas.markReplicated({
    sourceModelId: input.sourceModelId,
    region: input.region,
    targetResourceId: target.settings.resourceId,
    runId: input.runId,
    targetModelId: input.targetModelId,
    ...(source?.description !== undefined ? { sourceModelName: source.description } : {}),
    ...(source?.lastUpdatedDateTime !== undefined ? { sourceModelVersion: source.lastUpdatedDateTime } : {}),
  });
  await ledger.pendingTargets.remove(input.region, input.targetModelId);
  return {
    kind: 'verified',
    targetModelId: input.targetModelId,
    verifiedAt: marked.record.lastVerifiedAt ?? new Date(now()).toISOString(),
  };
}

/** Delete a blank target model this app created (never one it did not). */
export async function discardTarget(input: DiscardTargetInput): Promise<{ deleted: boolean }> {
  const services = getServices();
  const ledger = await services.ledger();
  const pending = await ledger.pendingTargets.get(input.region, input.targetModelId);
  if (!pending) return { deleted: false };
  return { deleted: await discardBlank(services, input.region, input.targetModelId) };
}

export async function recordCopyFailure(input: RecordFailureInput): Promise<void> {
  const services = getServices();
  const ledger = await services.ledger();
  await ledger.replicas.markFailed({
    sourceModelId: input.sourceModelId,
    region: input.region,
    targetResourceId: services.target(input.region).settings.resourceId,
    runId: input.runId,
    error: {
      kind: input.reason.kind,
      message: input.reason.message,
      ...(input.reason.code ? { code: input.reason.code } : {}),
    },
  });
}

/**
 * Blank target models recorded as pending by another run (runs are singletons, so that
 * run is over) are orphans: delete them — unless the ledger says the model became the
 * verified replica, in which case only the pending record goes.
 *
 * With `ownRun` (at the end of a run, when all its copies are settled) the run's own
 * leftovers are swept instead: blank models whose deletion failed on the way (a delete
 * that met a 5xx or a 429 inside `startCopy`, a `discardTarget` that ran out of retries).
 */
export async function sweepOrphans(
  input: { runId: string; ownRun?: boolean },
  log: AppLogger,
): Promise<{ deleted: number }> {
  const services = getServices();
  const ledger = await services.ledger();
  let deleted = 0;
  for (const pending of await ledger.pendingTargets.listAll()) {
    if ((pending.runId === input.runId) !== (input.ownRun === true) || !services.targets.has(pending.region)) continue;
    const replica = await ledger.replicas.get(pending.sourceModelId, pending.region);
    if (replica?.targetModelId === pending.targetModelId) {
      await ledger.pendingTargets.remove(pending.region, pending.targetModelId);
      continue;
    }
    if (await discardBlank(services, pending.region, pending.targetModelId)) deleted += 1;
  }
  if (deleted > 0)
    log.log(`deleted ${deleted} blank target model(s) left by ${input.ownRun ? 'this run' : 'earlier runs'}`);
  return { deleted };
}

export async function saveRunReport(summary: RunSummary): Promise<void> {
  const ledger = await getServices().ledger();
  await ledger.runReports.save(toRunReport(summary));
}

export function toRunReport(summary: RunSummary): RunReport {
  const pairs: RunPair[] = [
    ...summary.copies.map((c): RunPair => ({
      sourceModelId: c.sourceModelId,
      region: c.region,
      outcome: 'copied',
      targetModelId: c.targetModelId,
    })),
    ...(summary.plan?.toCopy ?? []).map((p): RunPair => ({ ...p, outcome: 'planned' })),
    ...summary.failures.map((f): RunPair => ({
      sourceModelId: f.sourceModelId,
      region: f.region,
      outcome: 'failed',
      reason: `${f.reason.kind}${f.reason.code ? ` ${f.reason.code}` : ''}: ${f.reason.message}`,
    })),
  ];
  return {
    runId: summary.runId,
    trigger: summary.trigger,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    dryRun: summary.dryRun,
    filters: {
      ...(summary.filters.models ? { models: summary.filters.models } : {}),
      ...(summary.filters.regions ? { regions: summary.filters.regions } : {}),
    },
    totals: {
      planned: summary.totals.planned,
      copied: summary.totals.copied,
      alreadyReplicated: summary.totals.alreadyReplicated,
      failed: summary.totals.failed,
      skipped: summary.invalidModels.length + summary.creatingModels.length,
    },
    pairs,
    invalidModels: summary.invalidModels.map((m) => m.modelId),
    creatingModels: summary.creatingModels.map((m) => m.modelId),
  };
}

/**
 * Deletes a blank target model (v2) and forgets it. v3.1/v4 authorizations create no model,
 * only reserve an id: there is nothing to delete (a model under that id is either our verified
 * copy or someone else's — never deleted either way), so only the record goes.
 */
async function discardBlank(services: Services, region: string, targetModelId: string): Promise<boolean> {
  const client: CopyApi = services.target(region).client;
  const result = createsBlankModels(client) ? await client.deleteModel(targetModelId) : { deleted: false };
  const ledger = await services.ledger();
  await ledger.pendingTargets.remove(region, targetModelId);
  return result.deleted;
}

/** The client's classification, in the orchestration contract's words; never a secret. */
export function toFailureReason(e: unknown): FailureReason {
  if (isFormRecognizerError(e)) {
    const s = serializeError(e);
    const kind: FailureReason['kind'] =
      e.kind === 'throttled'
        ? 'throttled'
        : e.kind === 'transient'
          ? 'transient'
          : e.kind === 'authorizationRenewal'
            ? 'authorization'
            : e.reason === 'conflict'
              ? 'conflict'
              : 'permanent';
    return {
      kind,
      message: s.message,
      ...(s.code ? { code: s.code } : e.reason ? { code: e.reason } : {}),
      ...(s.requestId ? { requestId: s.requestId } : {}),
    };
  }
  if (e instanceof LedgerError) return { kind: 'transient', code: e.name, message: `ledger: ${e.message}` };
  const message = e instanceof Error ? e.message : String(e);
  // Storage or network trouble outside the client: worth another try.
  return { kind: 'transient', message: redactSecrets(message).slice(0, 500) };
}
