/**
 * Activities of the replication orchestrations: small adapters over the copy clients
 * and the ledger. Each is safe to run again after it already did its work (the durable
 * engine delivers at least once). Nothing returned here holds a key, a token or an
 * authorization: it all ends up in durable history.
 */
import { classifyCopyFailure, serializeError, isFormRecognizerError, type CopyAuthorization, type CopyApi } from '../formRecognizer';
import { LedgerError } from '../ledger';
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
import { DEFAULT_COPY_POLICY } from '../replication/policy';
import type { AppLogger } from '../runtime/logger';
import { now } from '../runtime/time';
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
  for (;;) {
    const paced = listPacer.acquire(`list\n${from ?? ''}`, [source.resourceId], now());
    if (!paced.go) return { ...listing, resume: { ...(from !== undefined ? { from } : {}), retryAfterMs: paced.waitMs } };
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
      const info: SourceModelInfo = { modelId: m.modelId, status: m.status, lastUpdatedDateTime: m.lastUpdatedDateTime };
      if (m.modelName !== undefined) info.modelName = m.modelName;
      if (m.isComposed !== undefined) info.isComposed = m.isComposed;
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
      present = new Map<string, string>();
      for await (const m of target.client.listModels()) present.set(m.modelId, m.status);
    }
    for (const model of input.models) {
      const pair = { sourceModelId: model.modelId, region };
      const record = records.get(`${region}\n${model.modelId}`);
      const targetModelId = record?.targetModelId;
      const sameResource = record?.targetResourceId.toLowerCase() === target.settings.resourceId.toLowerCase();
      const sameVersion = !record?.sourceModelVersion || !model.lastUpdatedDateTime || record.sourceModelVersion === model.lastUpdatedDateTime;
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
 * Authorize on the target and start the copy on the source, in one activity: the
 * authorization (and its access token) never leaves this function, so it is never in
 * durable history and cannot expire while an orchestration waits. Every blank model it
 * creates is recorded as pending before anything else can fail, and deleted here if the
 * copy cannot be started.
 */
export async function startCopy(input: StartCopyInput, log: AppLogger): Promise<StartCopyResult> {
  const services = getServices();
  const ledger = await services.ledger();
  const target = services.target(input.region);
  const model = { sourceModelId: input.sourceModelId, region: input.region, targetResourceId: target.settings.resourceId, runId: input.runId };

  // Pacing: authorize (target) and copy (source) are management calls, limited per
  // resource. Wait for this attempt's slot — with a durable timer, never here.
  const paced = services.pacer.acquire(`copy\n${input.runId}\n${input.sourceModelId}\n${input.region}\n${input.attempt}`, [target.settings.resourceId, services.source.resourceId], now());
  if (!paced.go) {
    return { kind: 'retry', paced: true, countsAsAttempt: false, retryAfterMs: paced.waitMs, reason: { kind: 'throttled', code: 'LocalPacing', message: `waiting ${paced.waitMs} ms for a management slot (DR_MANAGEMENT_RPS)` } };
  }

  // Idempotency: if this attempt already started a copy (the activity ran before and its
  // result was lost), carry on with that copy instead of creating another blank model.
  // Only a pair this run already marked in progress can have one, so the region's pending
  // blank models (a listing that grows with the copies in flight) are read only then.
  const record = await ledger.replicas.get(input.sourceModelId, input.region);
  const existing = record?.lastRunId !== input.runId ? undefined : (await ledger.pendingTargets.listForRegion(input.region)).find(
    (p) => p.runId === input.runId && p.sourceModelId === input.sourceModelId && p.attempt === input.attempt && p.operationLocation,
  );
  if (existing?.operationLocation) {
    return { kind: 'started', targetModelId: existing.targetModelId, operationLocation: existing.operationLocation, expiresAt: existing.expiresAt ?? new Date(now()).toISOString() };
  }

  await ledger.replicas.markInProgress(model);
  let authorization: CopyAuthorization | undefined;
  let calling = target.settings.resourceId;
  try {
    for (let fresh = 0; fresh < 2; fresh++) {
      calling = target.settings.resourceId;
      authorization = await target.client.authorizeCopy();
      await ledger.pendingTargets.add({ ...model, targetModelId: authorization.targetModelId, attempt: input.attempt, expiresAt: authorization.expiresAt.toISOString() });
      if (!authorization.expiresWithin(now(), AUTHORIZATION_SAFETY_MARGIN_MS)) break;
      // Issued already (nearly) expired — a clock skew or a service hiccup: take a fresh one.
      log.warn(`copy authorization for ${input.sourceModelId} → ${input.region} expires at ${authorization.expiresAt.toISOString()}, too soon: taking a fresh one`);
      await discardBlank(services, input.region, authorization.targetModelId);
      authorization = undefined;
    }
    if (!authorization) return { kind: 'retry', reason: { kind: 'authorization', message: 'the target kept issuing authorizations that expire too soon' }, countsAsAttempt: true };
    calling = services.source.resourceId;
    const operation = await services.source.startCopy(input.sourceModelId, authorization, { allowDegrade: target.settings.allowDegrade });
    await ledger.pendingTargets.update(input.region, authorization.targetModelId, { operationLocation: operation.operationLocation });
    return {
      kind: 'started',
      targetModelId: authorization.targetModelId,
      operationLocation: operation.operationLocation,
      expiresAt: authorization.expiresAt.toISOString(),
      ...(operation.retryAfterMs !== undefined ? { retryAfterMs: operation.retryAfterMs } : {}),
    };
  } catch (e) {
    if (authorization) await discardBlank(services, input.region, authorization.targetModelId).catch(() => undefined);
    const reason = toFailureReason(e);
    log.warn(`copy of ${input.sourceModelId} → ${input.region} could not start: ${reason.kind} ${reason.code ?? ''} ${reason.message}`);
    if (reason.kind === 'permanent') return { kind: 'failed', reason };
    const retryAfterMs = isFormRecognizerError(e) ? e.retryAfterMs : undefined;
    // Throttled anyway (another process, another client of the resource): no slot on it before Retry-After.
    if (reason.kind === 'throttled') services.pacer.holdOff(calling, now() + (retryAfterMs ?? 1000));
    return { kind: 'retry', reason, countsAsAttempt: reason.kind !== 'throttled', ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
}

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
        return { kind: 'succeeded', targetModelId: result.targetModelId ?? input.targetModelId };
      default: {
        const error = classifyCopyFailure(result.errors, { operation: 'copyOperation' });
        const reason = toFailureReason(error);
        return { kind: 'failed', reason, renew: error.retryable };
      }
    }
  } catch (e) {
    const reason = toFailureReason(e);
    if (reason.kind === 'throttled' || reason.kind === 'transient') {
      return { kind: 'unknown', reason, ...(isFormRecognizerError(e) && e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}) };
    }
    return { kind: 'failed', reason, renew: true };
  }
}

/** Verify the copy is `ready` in the target, then record the replica. */
export async function finishCopy(input: FinishCopyInput): Promise<FinishCopyResult> {
  const services = getServices();
  const target = services.target(input.region);
  let model;
  try {
    model = await target.client.getModel(input.targetModelId);
  } catch (e) {
    const reason = toFailureReason(e);
    if (reason.kind === 'throttled' || reason.kind === 'transient') return { kind: 'notReady', status: `unknown (${reason.message})` };
    return { kind: 'failed', reason: { ...reason, kind: 'verification', message: `target model ${input.targetModelId} could not be read: ${reason.message}` } };
  }
  if (model.status === 'creating') return { kind: 'notReady', status: model.status };
  if (model.status !== 'ready') {
    return { kind: 'failed', reason: { kind: 'verification', message: `target model ${input.targetModelId} is '${model.status}' after a successful copy` } };
  }
  const ledger = await services.ledger();
  const source = await services.source.getModel(input.sourceModelId).catch(() => undefined);
  const marked = await ledger.replicas.markReplicated({
    sourceModelId: input.sourceModelId,
    region: input.region,
    targetResourceId: target.settings.resourceId,
    runId: input.runId,
    targetModelId: input.targetModelId,
    ...(source?.modelName !== undefined ? { sourceModelName: source.modelName } : {}),
    ...(source?.lastUpdatedDateTime !== undefined ? { sourceModelVersion: source.lastUpdatedDateTime } : {}),
  });
  await ledger.pendingTargets.remove(input.region, input.targetModelId);
  return { kind: 'verified', targetModelId: input.targetModelId, verifiedAt: marked.record.lastVerifiedAt ?? new Date(now()).toISOString() };
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
    error: { kind: input.reason.kind, message: input.reason.message, ...(input.reason.code ? { code: input.reason.code } : {}) },
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
export async function sweepOrphans(input: { runId: string; ownRun?: boolean }, log: AppLogger): Promise<{ deleted: number }> {
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
  if (deleted > 0) log.log(`deleted ${deleted} blank target model(s) left by ${input.ownRun ? 'this run' : 'earlier runs'}`);
  return { deleted };
}

export async function saveRunReport(summary: RunSummary): Promise<void> {
  const ledger = await getServices().ledger();
  await ledger.runReports.save(toRunReport(summary));
}

export function toRunReport(summary: RunSummary): RunReport {
  const pairs: RunPair[] = [
    ...summary.copies.map((c): RunPair => ({ sourceModelId: c.sourceModelId, region: c.region, outcome: 'copied', targetModelId: c.targetModelId })),
    ...(summary.plan?.toCopy ?? []).map((p): RunPair => ({ ...p, outcome: 'planned' })),
    ...summary.failures.map((f): RunPair => ({ sourceModelId: f.sourceModelId, region: f.region, outcome: 'failed', reason: `${f.reason.kind}${f.reason.code ? ` ${f.reason.code}` : ''}: ${f.reason.message}` })),
  ];
  return {
    runId: summary.runId,
    trigger: summary.trigger,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    dryRun: summary.dryRun,
    filters: { ...(summary.filters.models ? { models: summary.filters.models } : {}), ...(summary.filters.regions ? { regions: summary.filters.regions } : {}) },
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

async function discardBlank(services: Services, region: string, targetModelId: string): Promise<boolean> {
  const client: CopyApi = services.target(region).client;
  const result = await client.deleteModel(targetModelId);
  const ledger = await services.ledger();
  await ledger.pendingTargets.remove(region, targetModelId);
  return result.deleted;
}

/** The client's classification, in the orchestration contract's words; never a secret. */
export function toFailureReason(e: unknown): FailureReason {
  if (isFormRecognizerError(e)) {
    const s = serializeError(e);
    const kind: FailureReason['kind'] =
      e.kind === 'throttled' ? 'throttled' : e.kind === 'transient' ? 'transient' : e.kind === 'authorizationRenewal' ? 'authorization' : 'permanent';
    return { kind, message: s.message, ...(s.code ? { code: s.code } : e.reason ? { code: e.reason } : {}), ...(s.requestId ? { requestId: s.requestId } : {}) };
  }
  if (e instanceof LedgerError) return { kind: 'transient', code: e.name, message: `ledger: ${e.message}` };
  const message = e instanceof Error ? e.message : String(e);
  // Storage or network trouble outside the client: worth another try.
  return { kind: 'transient', message: message.slice(0, 500) };
}
