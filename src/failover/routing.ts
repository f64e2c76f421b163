/**
 * The routing of every lineage (docs/failover.md), built from the ledger's replica records, the
 * members and the active primary: which member a client calls now and the alternates. Pure.
 */
import { parseLineageKey } from '../common/pairs';
import type { ModelReplicaRecord } from '../ledger/replicas';
import type { ModelRoute, RouteTarget } from '../ledger/routing';
import { newestByRegion, originListing } from '../common/regionListings';
import type { RegionVerification } from '../ledger/verifications';

export interface RoutingMember {
  region: string;
  endpoint: string;
}

const rank = (t: RouteTarget): number => (t.state === 'ready' ? 0 : t.state === 'origin' ? 1 : 2);

function better(a: RouteTarget, b: RouteTarget): number {
  const r = rank(a) - rank(b);
  if (r !== 0) return r;
  const va = a.lastVerifiedAt ?? '';
  const vb = b.lastVerifiedAt ?? '';
  return va < vb ? 1 : va > vb ? -1 : a.region < b.region ? -1 : 1;
}

/**
 * Every lineage the ledger knows, with `now` = the primary's copy (or origin) when it has a
 * usable one, else the most recently verified other copy; alternates in the same order.
 */
export function buildRoutes(
  records: readonly ModelReplicaRecord[],
  members: readonly RoutingMember[],
  home: string,
  primary: string,
  /** The region verification documents: an origin a member's listing showed ready carries when (`lastVerifiedAt`). */
  verifications: readonly RegionVerification[] = [],
): ModelRoute[] {
  const endpoints = new Map(members.map((m) => [m.region, m.endpoint]));
  const listings = newestByRegion(verifications);
  const byLineage = new Map<string, ModelReplicaRecord[]>();
  for (const r of records) {
    const list = byLineage.get(r.sourceModelId);
    if (list) list.push(r);
    else byLineage.set(r.sourceModelId, [r]);
  }
  const routes: ModelRoute[] = [];
  for (const key of [...byLineage.keys()].sort()) {
    const rs = byLineage.get(key) ?? [];
    const lineage = parseLineageKey(key, home);
    const targets: RouteTarget[] = [];
    const originEndpoint = endpoints.get(lineage.origin);
    if (originEndpoint !== undefined && !rs.some((r) => r.region === lineage.origin && r.targetModelId)) {
      const seen = originListing(listings, key, lineage)?.verifiedAt;
      targets.push({
        region: lineage.origin,
        endpoint: originEndpoint,
        modelId: lineage.itemId,
        state: 'origin',
        ...(seen !== undefined ? { lastVerifiedAt: seen } : {}),
      });
    }
    for (const r of rs) {
      const endpoint = endpoints.get(r.region);
      if (endpoint === undefined || r.targetModelId === undefined) continue;
      targets.push({
        region: r.region,
        endpoint,
        modelId: r.targetModelId,
        state: r.state === 'replicated' ? 'ready' : r.state,
        ...(r.lastVerifiedAt !== undefined ? { lastVerifiedAt: r.lastVerifiedAt } : {}),
      });
    }
    targets.sort(better);
    const atPrimary = targets.find((t) => t.region === primary && rank(t) < 2);
    const now = atPrimary ?? targets.find((t) => rank(t) < 2);
    const name = rs.find((r) => r.sourceModelName !== undefined)?.sourceModelName;
    routes.push({
      lineage: key,
      origin: lineage.origin,
      originModelId: lineage.itemId,
      ...(name !== undefined ? { name } : {}),
      ...(now ? { now } : {}),
      alternates: targets.filter((t) => t !== now),
    });
  }
  return routes;
}

/** The route of a model named by its id in any member (or its lineage key). */
export function findRoute(routes: readonly ModelRoute[], modelId: string): ModelRoute | undefined {
  return routes.find(
    (r) => r.lineage === modelId || r.now?.modelId === modelId || r.alternates.some((a) => a.modelId === modelId),
  );
}
