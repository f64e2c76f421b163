/**
 * Room in the targets. A resource holds at most `limit` custom models (v2.1 S0: 5 000, read with
 * `GET …/custom/models?op=summary`; 2023-07-31 / 2024-11-30: `GET /info`), and a copy needs a
 * model of its own in the target before the copy it replaces (a retrained model's superseded
 * copy) can go. A target without room refuses the copy's authorization with an answer the client
 * can only call a bad request; planning reads each target's `count`/`limit` instead — once per
 * region that has pairs to copy, so a run with nothing to copy costs nothing more — and ends the
 * pairs that do not fit with the named failure `targetFull`, with the numbers, before any call.
 *
 * The app does not delete a superseded copy to make room: it is the replica serving until the
 * new copy is verified.
 */
import type { Ledger } from '../../ledger/connect';
import type { PairRef, TargetFullPair } from '../../replication/contracts';
import { targetOf, type ReplicationDeps } from './deps';
import { pairKeyOf } from '../../common/pairs';

export const TARGET_FULL = 'targetFull';

/**
 * `toCopy` without the pairs their target has no room for, and those pairs. A target whose
 * summary cannot be read is not judged: its copies meet the limit themselves. Recorded in the
 * ledger as failed (code `targetFull`) unless `dryRun`.
 */
export async function withoutFullTargets(
  deps: ReplicationDeps,
  ledger: Ledger,
  input: { runId: string; dryRun?: boolean },
  toCopy: PairRef[],
): Promise<{ toCopy: PairRef[]; targetFull: TargetFullPair[] }> {
  const regions = [...new Set(toCopy.map((p) => p.region))];
  const full: TargetFullPair[] = [];
  for (const region of regions) {
    const target = targetOf(deps, region);
    let room: { count: number; limit: number };
    try {
      room = await target.client.getModelsSummary();
    } catch {
      continue;
    }
    const free = Math.max(0, room.limit - room.count);
    const pairs = toCopy.filter((p) => p.region === region);
    if (pairs.length <= free) continue;
    const refused = pairs.slice(free);
    const message =
      `the ${region} target holds ${room.count} of its ${room.limit} models: no room for this copy ` +
      `(${refused.length} of this run's ${pairs.length} copies to ${region} do not fit); delete models it no longer needs or raise its limit`;
    for (const p of refused) full.push({ ...p, count: room.count, limit: room.limit, message });
  }
  if (full.length === 0) return { toCopy, targetFull: [] };
  if (!input.dryRun)
    for (const p of full)
      await ledger.replicas.markFailed({
        sourceModelId: p.sourceModelId,
        region: p.region,
        targetResourceId: targetOf(deps, p.region).settings.resourceId,
        runId: input.runId,
        error: { kind: 'permanent', code: TARGET_FULL, message: p.message },
      });
  const refused = new Set(full.map(pairKeyOf));
  return { toCopy: toCopy.filter((p) => !refused.has(pairKeyOf(p))), targetFull: full };
}
