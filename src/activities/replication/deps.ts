/**
 * What the replication activities are built from (see `createReplicationActivities`): the
 * validated settings, one copy client per resource, the ledger, the pacers, the clock, and
 * the state that must outlive one activity call. Built once per app instance by the
 * composition root (src/functions/dependencies.ts); nothing here is looked up globally.
 */
import type { Settings, TargetSettings } from '../../config';
import { runPairKey } from '../../common/pairs';
import type { CopyApi } from '../../formRecognizer';
import type { CvDrProjectRoute } from '../../health/customVisionDr';
import type { Ledger } from '../../ledger/connect';
import type { ManagementPacer, WindowPacer } from '../../replication/pacing';
import type { Clock } from '../../runtime/clock';
import type { Telemetry } from '../../telemetry/telemetry';
import type { HeldAuthorization } from '../copyFamily';
import { parseLineageKey } from '../../common/pairs';

export interface TargetContext {
  settings: TargetSettings;
  client: CopyApi;
}

/**
 * Who copies from whom in one run (docs/failover.md): the active primary (read from the ledger
 * once per run and app instance; the run lease keeps it from changing while the run holds it)
 * and every other member.
 */
export interface RunRoles {
  /** The active primary's region. */
  primary: string;
  /** The DR group's home member (lineage keys are built from it). */
  home: string;
  source: TargetContext;
  /** Every member but the primary. */
  targets: ReadonlyMap<string, TargetContext>;
}

export interface ReplicationDeps {
  settings: Settings;
  /** The `DR_SOURCE_*` member's client (the home member). Runs use `rolesFor(runId).source`. */
  source: CopyApi;
  /** The `DR_TARGETS` members. */
  targets: ReadonlyMap<string, TargetContext>;
  /** Every member (`DR_SOURCE_*` and `DR_TARGETS`) by region. */
  members: ReadonlyMap<string, TargetContext>;
  /** The run's roles: source = the active primary, targets = every other member. */
  rolesFor(runId: string): Promise<RunRoles>;
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
  /** The routing document's `customVisionProjects` (undefined: project DR not configured); set by the app. */
  customVisionRoutes?: () => Promise<CvDrProjectRoute[] | undefined>;
}

/** A member by region (a run's target is any member but its primary). */
export function targetOf(deps: ReplicationDeps, region: string): TargetContext {
  const t = deps.members.get(region) ?? deps.targets.get(region);
  if (!t) throw new Error(`region '${region}' is not a member (DR_SOURCE_REGION or DR_TARGETS)`);
  return t;
}

/** Every member, from the settings: the `DR_SOURCE_*` one first, then `DR_TARGETS` in order. */
export function membersOf(
  settings: Settings,
  source: CopyApi,
  targets: ReadonlyMap<string, TargetContext>,
): Map<string, TargetContext> {
  const members = new Map<string, TargetContext>([
    [settings.source.region, { settings: { ...settings.source, allowDegrade: false }, client: source }],
  ]);
  for (const [region, t] of targets) members.set(region, t);
  return members;
}

/** The roles of a run whose primary is `primary` (a member). */
export function rolesOf(members: ReadonlyMap<string, TargetContext>, home: string, primary: string): RunRoles {
  const source = members.get(primary);
  if (!source)
    throw new Error(`the ledger names '${primary}' as primary, which is not a member (DR_SOURCE_REGION or DR_TARGETS)`);
  const targets = new Map([...members].filter(([region]) => region !== primary));
  return { primary, home, source, targets };
}

/**
 * `rolesFor` over the ledger's primary document, remembered per run id (a few runs): one read
 * per run and app instance.
 */
export function ledgerRoles(
  settings: Settings,
  members: ReadonlyMap<string, TargetContext>,
  ledger: () => Promise<Ledger>,
): (runId: string) => Promise<RunRoles> {
  const byRun = new Map<string, Promise<RunRoles>>();
  return (runId) => {
    let roles = byRun.get(runId);
    if (!roles) {
      roles = (async () => {
        const { state } = await (await ledger()).primary.read(settings.source.region);
        return rolesOf(members, state.home, state.primary);
      })();
      roles.catch(() => byRun.delete(runId));
      byRun.set(runId, roles);
      if (byRun.size > 16) byRun.delete(byRun.keys().next().value as string);
    }
    return roles;
  };
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

/** The primary's copy of a lineage, as the copy steps call it. */
export interface RunSource {
  client: CopyApi;
  /** Its item id in the primary (v2.1 ids differ per member). */
  itemId: string;
  /** Set on the ledger's records when the primary is not the home member. */
  sourceRegion?: string;
}

/**
 * The run's source of a lineage: the primary's client and the lineage's id there — the origin
 * id when the primary is its origin, else the copy the ledger records in the primary
 * (docs/failover.md). At home, for a home lineage, no ledger read.
 */
export async function runSourceOf(deps: ReplicationDeps, runId: string, lineage: string): Promise<RunSource> {
  const roles = await deps.rolesFor(runId);
  const client = roles.source.client;
  const parsed = parseLineageKey(lineage, roles.home);
  const sourceRegion = roles.primary !== roles.home ? { sourceRegion: roles.primary } : {};
  if (parsed.origin === roles.primary) return { client, itemId: parsed.itemId, ...sourceRegion };
  const record = await (await deps.ledger()).replicas.get(lineage, roles.primary);
  if (record?.targetModelId === undefined)
    throw new Error(`the ledger names no copy of ${lineage} in the primary ${roles.primary}`);
  return { client, itemId: record.targetModelId, ...sourceRegion };
}
