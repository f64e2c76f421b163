/**
 * Planning: which (item, region) pairs need a copy, from the run's listings (the source's and
 * each target's, in the listing scratch) and the ledger — all regions at once, reading the
 * ledger once.
 *
 * Cost, whatever the number of pairs: one download per listing, one listing of the replica
 * records (with their metadata: see ledger/documentStore.ts), one verification document
 * written per region. Its output holds counts and the pairs to copy, not every pair already
 * replicated (a dry run lists those too): the run's report has the rest.
 */
import type { ModelReplicaRecord } from '../../ledger/replicas';
import { pairKeyOf, type PairKey } from '../../common/pairs';
import type { Plan, PlanInput, SourceItem } from '../../replication/contracts';
import { copyPhases } from '../../replication/items';
import { lineageKey, parseLineageKey } from '../../common/pairs';
import { isSourceItem, isTargetEntry, SOURCE_LISTING, targetListing } from './listing';
import { targetOf, type ReplicationDeps } from './deps';
import { withoutFullTargets } from './room';

export async function planReplication(deps: ReplicationDeps, input: PlanInput): Promise<Plan> {
  const ledger = await deps.ledger();
  const source = await ledger.listings.read(SOURCE_LISTING, input.runId, isSourceItem);
  // The orchestration plans only after the source's listing is complete: anything else is a bug
  // or a lost scratch blob, and planning from part of the source would report models missing.
  if (!source.complete)
    throw new Error(`the source listing of run ${input.runId} is not complete in the ledger (${source.reason})`);
  const roles = await deps.rolesFor(input.runId);
  // The ledger once for every region (one listing per 5 000 records).
  const allRecords = await ledger.replicas.listAll();
  // The primary lists its models under their ids there; the ledger's records are keyed by lineage
  // (docs/failover.md). Away from home, the records of copies in the primary map each id back to
  // its lineage (v2.1: Y in eastus → X, its origin in westus2); an id no record names was born there.
  const lineageOf = lineageMapper(roles.primary, roles.home, allRecords);
  const byId = new Map<string, SourceItem>();
  /** Lineage key → its id in the primary, of every item the primary's listing showed ready. */
  const inPrimary = new Map<string, string>();
  for (const listed of source.items) {
    const item: SourceItem = { ...listed, modelId: lineageOf(listed.modelId) };
    if (listed.status === 'ready') inPrimary.set(item.modelId, listed.modelId);
    if (listed.dependsOn) item.dependsOn = listed.dependsOn.map(lineageOf);
    byId.set(item.modelId, item);
  }
  const items = [...byId.values()];
  const ready = items.filter((m) => m.status === 'ready');
  const plan: Plan = {
    readyModels: ready.length,
    toCopy: [],
    phaseSizes: [],
    alreadyReplicatedCount: 0,
    ...(input.dryRun ? { alreadyReplicated: [] } : {}),
    stale: [],
    invalid: items.filter((m) => m.status === 'invalid'),
    creating: items.filter((m) => m.status === 'creating'),
    notFound: input.models ? input.models.filter((id) => !byId.has(id)) : [],
  };
  const records = new Map<PairKey, ModelReplicaRecord>();
  for (const r of allRecords) records.set(pairKeyOf(r), r);
  const toCopy: Plan['toCopy'] = [];
  const verifiedAt = new Date(deps.clock.now()).toISOString();
  for (const region of input.regions) {
    const target = targetOf(deps, region);
    let present: Map<string, string> | undefined;
    const unlisted = input.unlisted?.find((u) => u.region === region);
    if (unlisted) {
      (plan.unverifiedRegions ??= []).push({
        region,
        reason: `target models could not be listed; planned from the ledger: ${unlisted.reason}`,
      });
    } else {
      const listing = await ledger.listings.read(targetListing(region), input.runId, isTargetEntry);
      if (listing.complete) present = new Map(listing.items);
      else
        (plan.unverifiedRegions ??= []).push({
          region,
          reason: `target models could not be listed; planned from the ledger: the run's listing of ${region} is ${listing.reason === 'incomplete' ? 'incomplete' : 'missing'}`,
        });
    }
    const verified: Record<string, string> = {};
    for (const model of ready) {
      const pair = { sourceModelId: model.modelId, region };
      const record = records.get(pairKeyOf(pair));
      const lineage = parseLineageKey(model.modelId, roles.home);
      if (lineage.origin === region && !record) {
        // The region is the lineage's origin: it holds the original, under the origin id, with
        // no lineage tags (it *is* the origin). Present: never copied again (v2.1 would make a
        // second copy under a new id; v3.1/v4 would meet 409 ModelExists).
        const found = present?.get(lineage.itemId);
        if (!present) {
          (plan.unverified ??= []).push({ ...pair, targetModelId: lineage.itemId });
          continue;
        }
        if (found === 'ready') {
          plan.alreadyReplicatedCount += 1;
          plan.alreadyReplicated?.push({ ...pair, targetModelId: lineage.itemId });
          verified[model.modelId] = lineage.itemId;
          continue;
        }
        if (found !== undefined) {
          // The original is there but not ready (creating / invalid): copying would meet its id.
          plan.stale.push({ ...pair, targetModelId: lineage.itemId, found });
          continue;
        }
      }
      const targetModelId = record?.targetModelId;
      const sameResource = record?.targetResourceId.toLowerCase() === target.settings.resourceId.toLowerCase();
      // A version is comparable only with one listed by the same member (a copy has its own).
      const sameSource = (record?.sourceRegion ?? roles.home) === roles.primary;
      const sameVersion =
        !sameSource ||
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
          plan.alreadyReplicatedCount += 1;
          plan.alreadyReplicated?.push({ ...pair, targetModelId });
          // Seen ready in the target's own listing: verified now (the health model ages copies
          // from it). Planned from the ledger alone, it is not.
          if (present) verified[model.modelId] = targetModelId;
          continue;
        }
        plan.stale.push({ ...pair, targetModelId, found: found ?? 'missing' });
      }
      if (!present && roles.primary !== roles.home) {
        // After a failover, a member that cannot be listed (the old primary during its outage) is
        // not copied into: its pairs are unverified with the reason, never failed (docs/failover.md).
        (plan.unverified ??= []).push({ ...pair, ...(targetModelId !== undefined ? { targetModelId } : {}) });
        continue;
      }
      toCopy.push(pair);
    }
    // One write per region records every copy this listing showed ready (not one per pair).
    if (present && input.recordVerified)
      await ledger.verifications.record({
        region,
        targetResourceId: target.settings.resourceId,
        runId: input.runId,
        verifiedAt,
        pairs: verified,
      });
  }
  // The primary's own listing verifies what it holds, like a target's (one write): the read model
  // ages a lineage's origin by it once the primary is a standby (after a failover), and the
  // primary's copies of lineages born elsewhere (docs/failover.md, "The members in the report").
  if (input.recordVerified)
    await ledger.verifications.record({
      region: roles.primary,
      targetResourceId: targetOf(deps, roles.primary).settings.resourceId,
      runId: input.runId,
      verifiedAt,
      pairs: inPrimary,
    });
  // A target at its model limit takes no copy: those pairs fail now, named, with the numbers.
  const room = await withoutFullTargets(deps, ledger, input, toCopy);
  if (room.targetFull.length > 0) plan.targetFull = room.targetFull;
  const phases = copyPhases(room.toCopy, ready);
  plan.toCopy = phases.flat();
  plan.phaseSizes = phases.map((p) => p.length);
  return plan;
}

/**
 * Maps an item id listed by the primary to its lineage key (docs/failover.md): the lineage whose
 * record names this id as its copy in the primary (after a failback: a model born elsewhere and
 * copied home), else a lineage born in the primary (at home: the id itself).
 */
export function lineageMapper(
  primary: string,
  home: string,
  records: readonly ModelReplicaRecord[],
): (itemId: string) => string {
  const inPrimary = new Map<string, string>();
  for (const r of records)
    if (r.region === primary && r.targetModelId !== undefined && r.state === 'replicated')
      inPrimary.set(r.targetModelId, r.sourceModelId);
  return (id) => inPrimary.get(id) ?? lineageKey({ origin: primary, itemId: id }, home);
}
