/**
 * Region verifications read back (src/ledger/verifications.ts writes them): each region's newest
 * document as a lookup, and whether it shows a lineage's origin ready. Pure: the replica readers,
 * the read model and the routing (which orchestrations import) judge by the same rules.
 */
import type { RegionVerification } from '../ledger/verifications';

/** A region's newest verification document, ready for lookups. */
export interface RegionListing {
  region: string;
  /** The listed target resource, lower-cased (ARM ids compare case-insensitively). */
  resource: string;
  runId: string;
  /** `verifiedAt` in milliseconds, and as ISO 8601. */
  at: number;
  verifiedAt: string;
  /** Source (lineage) id → the id the listing showed ready. */
  pairs: Map<string, string>;
}

/** Each region's newest document (the first of equally new ones): what every reader of verifications judges by. */
export function newestByRegion(verifications: readonly RegionVerification[]): Map<string, RegionListing> {
  const byRegion = new Map<string, RegionListing>();
  for (const v of verifications) {
    const at = Date.parse(v.verifiedAt);
    const known = byRegion.get(v.region);
    if (known && known.at >= at) continue;
    byRegion.set(v.region, {
      region: v.region,
      resource: v.targetResourceId.toLowerCase(),
      runId: v.runId,
      at,
      verifiedAt: new Date(at).toISOString(),
      pairs: new Map(v.pairs),
    });
  }
  return byRegion;
}

/**
 * When a lineage's origin was last listed ready in its own member (the member's newest document
 * names the lineage under the origin id: as the primary, or as a standby); undefined otherwise.
 */
export function originListing(
  listings: ReadonlyMap<string, RegionListing>,
  lineage: string,
  origin: { origin: string; itemId: string },
): RegionListing | undefined {
  const listing = listings.get(origin.origin);
  return listing?.pairs.get(lineage) === origin.itemId ? listing : undefined;
}
