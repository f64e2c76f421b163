/**
 * Planning: which (item, region) pairs need a copy, from the ledger and the targets' listings.
 */
import type { Plan, PlanInput } from '../../replication/contracts';
import { listItemIds } from '../copyFamily';
import { targetOf, type ReplicationDeps } from './deps';

/**
 * Compares the source's ready models with the ledger and, cheaply (one listing per
 * region), with the targets: a recorded replica whose model is gone or not ready in the
 * target is copied again; one that is there and ready is verified again (`lastVerifiedAt`).
 */
export async function planReplication(deps: ReplicationDeps, input: PlanInput): Promise<Plan> {
  const ledger = await deps.ledger();
  const records = new Map((await ledger.replicas.listAll()).map((r) => [`${r.region}\n${r.sourceModelId}`, r]));
  const plan: Plan = { toCopy: [], alreadyReplicated: [], stale: [] };
  for (const region of input.regions) {
    const target = targetOf(deps, region);
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
        if (!present && record.state === 'replicated') {
          // The target could not be listed: the ledger says replicated, but nothing verified it
          // this run. Reported unverified (with the age of its last verification), never ready.
          (plan.unverified ??= []).push({
            ...pair,
            targetModelId,
            ...(record.lastVerifiedAt !== undefined ? { lastVerifiedAt: record.lastVerifiedAt } : {}),
          });
          continue;
        }
        const found = present ? present.get(targetModelId) : record.state;
        if (found === 'ready') {
          plan.alreadyReplicated.push({ ...pair, targetModelId });
          // Seen ready in the target's own listing: the copy is verified now (the health model ages
          // copies from `lastVerifiedAt`). Planned from the ledger alone, it is not.
          if (present && input.recordVerified) await ledger.replicas.markVerified({ ...pair, targetModelId });
          continue;
        }
        plan.stale.push({ ...pair, targetModelId, found: found ?? 'missing' });
      }
      plan.toCopy.push(pair);
    }
  }
  return plan;
}
