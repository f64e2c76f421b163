/**
 * Cleanup: blank target models (v2) and reserved ids (v3.1/v4) that did not end in a verified
 * copy are deleted and forgotten — one at a time (`discardTarget`) or swept (`sweepBlankModels`).
 */
import type { CopyApi } from '../../formRecognizer';
import type { DiscardTargetInput, SweepInput, SweepResult } from '../../replication/contracts';
import type { AppLogger } from '../../runtime/logger';
import { createsBlankModels } from '../copyFamily';
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
 * verified replica, in which case only the pending record goes.
 *
 * With `scope: 'thisRun'` (at the end of a run, when all its copies are settled) the run's own
 * leftovers are swept instead: blank models whose deletion failed on the way (a delete
 * that met a 5xx or a 429 inside `startCopy`, a `discardTarget` that ran out of retries).
 */
export async function sweepBlankModels(deps: ReplicationDeps, input: SweepInput, log: AppLogger): Promise<SweepResult> {
  const ownRun = input.scope === 'thisRun';
  const ledger = await deps.ledger();
  let deleted = 0;
  for (const pending of await ledger.pendingTargets.listAll()) {
    if ((pending.runId === input.runId) !== ownRun || !deps.targets.has(pending.region)) continue;
    const replica = await ledger.replicas.get(pending.sourceModelId, pending.region);
    if (replica?.targetModelId === pending.targetModelId) {
      await ledger.pendingTargets.remove(pending.region, pending.targetModelId);
      continue;
    }
    if (await discardBlank(deps, pending.region, pending.targetModelId)) deleted += 1;
  }
  if (deleted > 0) log.log(`deleted ${deleted} blank target model(s) left by ${ownRun ? 'this run' : 'earlier runs'}`);
  return { deleted };
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
