/**
 * What the replication activities are built from (see `createReplicationActivities`): the
 * validated settings, one copy client per resource, the ledger, the pacers, the clock, and
 * the state that must outlive one activity call. Built once per app instance by the
 * composition root (src/functions/dependencies.ts); nothing here is looked up globally.
 */
import type { Settings, TargetSettings } from '../../config';
import { runPairKey } from '../../common/pairs';
import type { CopyApi } from '../../formRecognizer';
import type { Ledger } from '../../ledger/connect';
import type { ManagementPacer, WindowPacer } from '../../replication/pacing';
import type { Clock } from '../../runtime/clock';
import type { Telemetry } from '../../telemetry/telemetry';
import type { HeldAuthorization } from '../copyFamily';

export interface TargetContext {
  settings: TargetSettings;
  client: CopyApi;
}

export interface ReplicationDeps {
  settings: Settings;
  source: CopyApi;
  targets: ReadonlyMap<string, TargetContext>;
  /** The ledger, opened (container created) at first use. */
  ledger(): Promise<Ledger>;
  /** Paces management calls per resource at `DR_MANAGEMENT_RPS` (see replication/pacing.ts). */
  pacer: ManagementPacer;
  /** Paces list pages per resource at 2 × `DR_MANAGEMENT_RPS` a second, in bursts (S0: list 10/s, management 5/s). */
  listPacer: WindowPacer;
  clock: Clock;
  /** Events and metrics; emitted from activities only (never from orchestrators: they replay). */
  telemetry: Telemetry;
  /** Authorizations kept for a pair's next try after a throttled copy POST (see {@link HeldAuthorizations}). */
  heldAuthorizations: HeldAuthorizations;
  /** Transient failures in a row before an authorization was issued, per pair (see {@link FailureCounts}). */
  unissuedFailures: FailureCounts;
}

export function targetOf(deps: ReplicationDeps, region: string): TargetContext {
  const t = deps.targets.get(region);
  if (!t) throw new Error(`region '${region}' is not a configured target (DR_TARGETS)`);
  return t;
}

/** A pair's key within its run, in the per-pair state below (src/common/pairs.ts). */
export function runPairKeyOf(input: { runId: string; sourceModelId: string; region: string }): string {
  return runPairKey(input.runId, input);
}

export interface HeldEntry {
  authorization: HeldAuthorization;
  targetItemId: string;
}

/**
 * Authorizations whose copy POST was throttled or failed transiently (so probably never
 * used), kept for the pair's next try: re-authorizing would burn a v3.1/v4 target id
 * (azure-sdk-for-net #51813) and cost a v2 blank model.
 *
 * Lifetime: the app instance (one process). Memory only — never history, the ledger or a
 * log. An entry is used only while it does not expire within the safety margin; a
 * restarted process simply authorizes again.
 */
export interface HeldAuthorizations {
  /** Removes and returns the pair's held authorization. */
  take(key: string): HeldEntry | undefined;
  put(key: string, entry: HeldEntry): void;
  /** Forgets every authorization that has expired at `nowMs`. */
  dropExpired(nowMs: number): void;
}

/**
 * A count per key (the back-off of retries that do not use up an attempt). Lifetime: the app
 * instance (one process); a restart starts from zero, which only shortens one back-off (the
 * pair's deadline bounds the retries in any case).
 */
export interface FailureCounts {
  /** Adds one and returns the new count. */
  increment(key: string): number;
  clear(key: string): void;
}

export function inMemoryHeldAuthorizations(): HeldAuthorizations {
  const held = new Map<string, HeldEntry>();
  return {
    take(key) {
      const entry = held.get(key);
      held.delete(key);
      return entry;
    },
    put(key, entry) {
      held.set(key, entry);
    },
    dropExpired(nowMs) {
      for (const [key, h] of held) if (h.authorization.expiresWithin(nowMs)) held.delete(key);
    },
  };
}

export function inMemoryFailureCounts(): FailureCounts {
  const counts = new Map<string, number>();
  return {
    increment(key) {
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      return n;
    },
    clear(key) {
      counts.delete(key);
    },
  };
}
