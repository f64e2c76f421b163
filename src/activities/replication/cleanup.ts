/**
 * Cleanup: blank target models (v2) and reserved ids (v3.1/v4) that did not end in a verified
 * copy are deleted and forgotten — one at a time (`discardTarget`) or swept (`sweepBlankModels`).
 */
import { ModelNotFoundError, type CopyApi } from '../../formRecognizer';
import { parseLineageKey } from '../../common/pairs';
import type { RecordedIntent } from '../../ledger/copyIntents';
import type { PendingTarget } from '../../ledger/pendingTargets';
import type { DiscardTargetInput, RecoveredCopy, SweepInput, SweepResult } from '../../replication/contracts';
import type { AppLogger } from '../../runtime/logger';
import { callerChoosesIds, createsBlankModels, getItem, isVerifiedCopy } from '../copyFamily';
import { targetOf, type ReplicationDeps } from './deps';

/** Delete a blank target model this app created (never one it did not). */
export async function discardTarget(deps: ReplicationDeps, input: DiscardTargetInput): Promise<{ deleted: boolean }> {
  const ledger = await deps.ledger();
  const pending = await ledger.pendingTargets.get(input.region, input.targetModelId);
  if (!pending) return { deleted: false };
  return { deleted: await discardBlank(deps, input.region, input.targetModelId) };
}

/**
 * Blank target models recorded as pending by another run (runs are singletons, so that
 * run is over) are orphans: delete them — unless the ledger says the model became the
 * verified replica, in which case only the pending record goes, or the copy into it landed
 * after its run died (the model is `ready` and a verified copy of its source): then it is
 * recorded as the replica and reported as recovered, never deleted (a DR tool must not
 * delete a landed copy, nor copy it again).
 *
 * With `scope: 'thisRun'` (at the end of a run, when all its copies are settled) the run's own
 * leftovers are swept instead: blank models whose deletion failed on the way (a delete
 * that met a 5xx or a 429 inside `startCopy`, a `discardTarget` that ran out of retries).
 */
export async function sweepBlankModels(deps: ReplicationDeps, input: SweepInput, log: AppLogger): Promise<SweepResult> {
  const ownRun = input.scope === 'thisRun';
  const ledger = await deps.ledger();
  let deleted = 0;
  const recovered: RecoveredCopy[] = [];
  for (const pending of await ledger.pendingTargets.listAll()) {
    if (ownRun && pending.recoveredBy === input.runId) {
      // Recovered by this run's first sweep (its replica is recorded): the record goes at the end of the run.
      await ledger.pendingTargets.remove(pending.region, pending.targetModelId);
      continue;
    }
    if ((pending.runId === input.runId) !== ownRun || !deps.members.has(pending.region)) continue;
    if (pending.recoveredBy === input.runId) {
      // This sweep ran before (at-least-once) and recovered it: report it again (the mark is idempotent).
      recovered.push(await recordRecovered(deps, pending, input.runId));
      continue;
    }
    const replica = await ledger.replicas.get(pending.sourceModelId, pending.region);
    if (replica?.targetModelId === pending.targetModelId) {
      await ledger.pendingTargets.remove(pending.region, pending.targetModelId);
      continue;
    }
    const landed = await landedCopy(deps, pending);
    if (landed === 'unknown') {
      log.warn(
        `${pending.region}: pending target ${pending.targetModelId} (${pending.sourceModelId}, run ${pending.runId}) could not be read; kept for the next sweep, not deleted`,
      );
      continue;
    }
    if (landed) {
      await ledger.pendingTargets.update(pending.region, pending.targetModelId, { recoveredBy: input.runId });
      recovered.push(await recordRecovered(deps, pending, input.runId));
      continue;
    }
    if (await discardBlank(deps, pending.region, pending.targetModelId)) deleted += 1;
  }
  deleted += await sweepLostAuthorizations(deps, input, log);
  if (recovered.length > 0)
    log.warn(
      `recovered ${recovered.length} copy(ies) that landed after ${ownRun ? 'this run gave up on them' : 'an earlier run died mid-copy'}: recorded as verified replicas, not deleted, not copied again (${recovered
        .map((r) => `${r.sourceModelId} → ${r.region} = ${r.targetModelId}, started by ${r.startedByRun}`)
        .join('; ')})`,
    );
  if (deleted > 0) log.log(`deleted ${deleted} blank target model(s) left by ${ownRun ? 'this run' : 'earlier runs'}`);
  return { deleted, ...(recovered.length > 0 ? { recovered } : {}) };
}

/**
 * Did the copy into this pending target land? True when the target holds it `ready` and it is a
 * verified copy of its source (`isVerifiedCopy`: v2.1, a ready model under the id our own
 * authorization reserved — only a copy started with it makes it ready; v3.1/v4, lineage, doc
 * types and schemas compared). False when it is missing, not ready or not our copy; `unknown` when
 * the target (or the source, for v3.1/v4) could not be read — nothing is deleted then.
 */
async function landedCopy(deps: ReplicationDeps, pending: PendingTarget): Promise<boolean | 'unknown'> {
  const { client: target, settings } = targetOf(deps, pending.region);
  if (settings.resourceId.toLowerCase() !== pending.targetResourceId.toLowerCase()) return false;
  const from = copySourceOf(deps, pending);
  // Made from a member this app no longer has, or a lineage born elsewhere recorded before the
  // source was kept: it cannot be verified, so it is kept (never deleted on a guess).
  if (!from) return 'unknown';
  let found: Awaited<ReturnType<typeof getItem>>;
  try {
    found = await getItem(target, pending.targetModelId);
  } catch (e) {
    return e instanceof ModelNotFoundError ? false : 'unknown';
  }
  if (found.status !== 'ready') return false;
  try {
    // Only the target's "no such model" says the copy did not land; a source that cannot be read
    // (down, or its item gone) says nothing of it.
    const source = callerChoosesIds(target) ? await getItem(from.client, from.itemId) : undefined;
    return isVerifiedCopy({ source: from.client, target }, found, source);
  } catch {
    return 'unknown';
  }
}

/**
 * The member and item a pending copy was made from: its `sourceRegion` (absent: the home member,
 * the `DR_SOURCE_*` one) and `sourceItemId` (absent: the lineage key, which at home is the item
 * id). Undefined when that member is not configured, or for a lineage born elsewhere that names
 * no source (recorded before the source was kept).
 */
function copySourceOf(
  deps: ReplicationDeps,
  pending: PendingTarget,
): { client: ReplicationDeps['source']; itemId: string; region: string } | undefined {
  const home = deps.settings.source.region;
  const region = pending.sourceRegion ?? home;
  if (pending.sourceRegion === undefined && parseLineageKey(pending.sourceModelId, home).origin !== home)
    return undefined;
  const member = deps.members.get(region);
  if (!member) return undefined;
  return { client: member.client, itemId: pending.sourceItemId ?? pending.sourceModelId, region };
}

/** Records a recovered copy as the pair's verified replica (idempotent per run id). */
async function recordRecovered(deps: ReplicationDeps, pending: PendingTarget, runId: string): Promise<RecoveredCopy> {
  const ledger = await deps.ledger();
  const from = copySourceOf(deps, pending);
  const source = from ? await getItem(from.client, from.itemId).catch(() => undefined) : undefined;
  await ledger.replicas.markReplicated({
    sourceModelId: pending.sourceModelId,
    region: pending.region,
    targetResourceId: pending.targetResourceId,
    runId,
    targetModelId: pending.targetModelId,
    ...(pending.sourceRegion !== undefined ? { sourceRegion: pending.sourceRegion } : {}),
    ...(source?.description !== undefined ? { sourceModelName: source.description } : {}),
    ...(source?.lastUpdatedDateTime !== undefined ? { sourceModelVersion: source.lastUpdatedDateTime } : {}),
  });
  return {
    sourceModelId: pending.sourceModelId,
    region: pending.region,
    targetModelId: pending.targetModelId,
    startedByRun: pending.runId,
  };
}

/** Before the call: clocks of the app and the service may differ by this much. */
export const INTENT_SKEW_MS = 60_000;
/** After the failure was seen (a timed-out request may still be processed), or after the start when the process died. */
export const INTENT_TAIL_MS = 2 * 60_000;
export const INTENT_OPEN_WINDOW_MS = 5 * 60_000;

/**
 * v2.1 authorize calls whose answer was lost (or that failed, or whose process died) may have
 * left a blank model no record names. Such a model is deleted only when the app can tell it is
 * its own: a model of the target that is not ready, was created within the call's window, is
 * unknown to the ledger (no pending target, no replica). Calls whose windows overlap are taken together: each created at most one blank model, so
 * when a cluster's window holds more unknown blank models than it has calls, which are ours cannot
 * be told and none is deleted (logged).
 */
async function sweepLostAuthorizations(deps: ReplicationDeps, input: SweepInput, log: AppLogger): Promise<number> {
  const ownRun = input.scope === 'thisRun';
  const ledger = await deps.ledger();
  const intents = (await ledger.copyIntents.listAll()).filter(
    ({ intent }) => (intent.runId === input.runId) === ownRun && deps.members.has(intent.region),
  );
  if (intents.length === 0) return 0;
  let deleted = 0;
  for (const region of new Set(intents.map((i) => i.intent.region))) {
    const target = targetOf(deps, region);
    const mine = intents
      .filter((i) => i.intent.region === region)
      .sort((a, b) => Date.parse(a.intent.startedAt) - Date.parse(b.intent.startedAt));
    if (!createsBlankModels(target.client) || target.settings.resourceId !== mine[0].intent.targetResourceId) {
      for (const i of mine) await ledger.copyIntents.remove(i.key);
      continue;
    }
    try {
      deleted += await sweepRegion(deps, region, mine, log);
    } catch (e) {
      // Never fails the run: the intents stay, and the next sweep looks again.
      log.warn(
        `${region}: blank models left by lost authorization answers could not be looked for: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
      );
    }
  }
  return deleted;
}

async function sweepRegion(
  deps: ReplicationDeps,
  region: string,
  mine: RecordedIntent[],
  log: AppLogger,
): Promise<number> {
  const ledger = await deps.ledger();
  const target = targetOf(deps, region);
  let deleted = 0;
  {
    const known = new Set<string>();
    for (const p of await ledger.pendingTargets.listForRegion(region)) known.add(p.targetModelId);
    for (const r of await ledger.replicas.listAll())
      if (r.region === region && r.targetModelId) known.add(r.targetModelId);
    const candidates: { modelId: string; createdMs: number }[] = [];
    for await (const m of target.client.listModels())
      if (m.status !== 'ready' && !known.has(m.modelId))
        candidates.push({ modelId: m.modelId, createdMs: Date.parse(m.createdDateTime) });
    // Calls whose windows overlap form one cluster: each call created at most one blank model,
    // so a cluster's unknown blank models are ours only if there are no more of them than calls.
    const windows = mine.map(({ key, intent }) => ({
      key,
      intent,
      from: Date.parse(intent.startedAt) - INTENT_SKEW_MS,
      to: intent.failedAt
        ? Date.parse(intent.failedAt) + INTENT_TAIL_MS
        : Date.parse(intent.startedAt) + INTENT_OPEN_WINDOW_MS,
    }));
    const clusters: (typeof windows)[] = [];
    for (const w of windows) {
      const last = clusters.at(-1);
      if (last && w.from <= Math.max(...last.map((x) => x.to))) last.push(w);
      else clusters.push([w]);
    }
    for (const cluster of clusters) {
      const from = Math.min(...cluster.map((w) => w.from));
      const to = Math.max(...cluster.map((w) => w.to));
      const inWindow = candidates.filter((c) => c.createdMs >= from && c.createdMs <= to);
      const what = `${cluster.length} authorization(s) whose answer was lost (${[...new Set(cluster.map((w) => `${w.intent.sourceModelId} attempt ${w.intent.attempt}`))].join(', ')})`;
      if (inWindow.length > cluster.length) {
        log.warn(
          `${region}: ${inWindow.length} unknown blank models were created during ${what}; which are ours cannot be told, none is deleted (${inWindow.map((c) => c.modelId).join(', ')})`,
        );
      } else {
        for (const blank of inWindow) {
          const result = await target.client.deleteModel(blank.modelId);
          if (result.deleted) deleted += 1;
        }
        if (inWindow.length > 0)
          log.log(`${region}: deleted blank model(s) ${inWindow.map((c) => c.modelId).join(', ')} left by ${what}`);
      }
      for (const w of cluster) await ledger.copyIntents.remove(w.key);
    }
  }
  return deleted;
}

/**
 * Deletes a blank target model (v2) and forgets it. v3.1/v4 authorizations create no model,
 * only reserve an id: there is nothing to delete (a model under that id is either our verified
 * copy or someone else's — never deleted either way), so only the record goes.
 */
export async function discardBlank(deps: ReplicationDeps, region: string, targetModelId: string): Promise<boolean> {
  const client: CopyApi = targetOf(deps, region).client;
  const result = createsBlankModels(client) ? await client.deleteModel(targetModelId) : { deleted: false };
  const ledger = await deps.ledger();
  await ledger.pendingTargets.remove(region, targetModelId);
  return result.deleted;
}
