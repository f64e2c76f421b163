/**
 * The contract between the replication orchestrators and their activities: names and
 * the shapes that cross the durable boundary. Everything here ends up in durable
 * history (readable through the status API), so nothing here may ever hold a key, an
 * access token, a copy authorization or a SAS. Pure types and constants: orchestrators
 * import this module. The registry of activities and orchestrators defined over these
 * shapes is in ./registry.ts.
 */

export type RunTrigger = 'schedule' | 'http' | 'local' | 'failover';

/** Input of a replication run (what the timer, HTTP or the local runner start). */
export interface RunInput {
  trigger: RunTrigger;
  /** Only these source model ids (all ready models when absent). */
  models?: string[];
  /** Only these target regions (all configured targets when absent). */
  regions?: string[];
  /** Plan only: list and compare, copy nothing. */
  dryRun?: boolean;
}

export interface LoadRunConfigInput {
  /** The run's region filter (every member but the primary when absent). */
  regions?: string[];
  /** The run (its roles are read once: docs/failover.md); absent in histories older than failover. */
  runId?: string;
}

/** The non-secret part of the settings a run needs, read once per run by an activity. */
export interface RunConfig {
  /** The active primary the run copies from (docs/failover.md). */
  sourceRegion: string;
  apiVersion: string;
  /** Target regions this run covers (configured targets, after the run's filter). */
  regions: string[];
  /** Region names the run's filter asked for but that are not configured targets. */
  unknownRegions: string[];
  maxParallel: number;
  batchSize: number;
  copy: CopyPolicy;
  /** 1000 / DR_MANAGEMENT_RPS: the spacing of copy starts across the run (see CopySlot). */
  managementIntervalMs?: number;
}

/**
 * Pacing of copy starts that holds across app instances: the run owns `lanes` lanes (its
 * maximum of copies in flight), each copy in flight holds one, and lane `lane` may start a
 * copy (authorize on the target + copy on the source) only at the times
 * `(k × lanes + lane) × intervalMs` since the epoch. At most one copy holds a lane at a time,
 * so the run starts at most one copy per `intervalMs` on any resource, whichever instance runs
 * the activity. Computed by the orchestrators, from durable time only.
 */
export interface CopySlot {
  lane: number;
  lanes: number;
  intervalMs: number;
}

export interface CopyPolicy {
  /** First poll this long after the copy started (the guide suggests 1 s). */
  pollInitialMs: number;
  /** Polling interval cap while the copy is young. */
  pollYoungCapMs: number;
  /** How long a copy counts as young. */
  youngForMs: number;
  /** Polling interval cap after that. */
  pollMaxMs: number;
  /** Overall deadline for one (model, region) pair, from its first attempt. */
  deadlineMs: number;
  /** Authorizations tried per pair (renewals after expired / reused / invalid ones, transient failures). */
  maxAttempts: number;
  /** Back-off before a new attempt after a transient failure. */
  retryBackoffMs: number;
  /** How long to wait for a copied model to turn `ready` before calling it failed. */
  verifyTimeoutMs: number;
}

/**
 * A copyable item of the source (a model or a classifier). `modelId` is the item id used everywhere in the contract,
 * the ledger and reports: a model id, or `classifier:<classifierId>` for a v4 classifier
 * (see replication/items.ts; `:` never occurs in a model id).
 */
export interface SourceItem {
  modelId: string;
  modelName?: string;
  status: 'creating' | 'ready' | 'invalid';
  isComposed?: boolean;
  lastUpdatedDateTime?: string;
  /**
   * Item ids this one references by id and that must exist under the same id in the target
   * before it is copied (a v4 composed model: its classifier and its component models).
   */
  dependsOn?: string[];
  /**
   * Why the source item cannot be copied with the configured API version, decided from its own
   * fields (listed with the invalid items): `invalid`, `createdWithV2` (a v2-era model in a
   * v3/v4 listing) or `expired` (`expirationDateTime` passed).
   */
  notCopyable?: { reason: 'prebuilt' | 'invalid' | 'createdWithV2' | 'expired'; message: string };
}

export interface ListSourceInput {
  /** The run: its listing is written to the ledger's listing scratch (see ledger/listingScratch.ts), not returned. */
  runId: string;
  models?: string[];
  /** Continue a listing from this page (`nextLink`) after a pacing or throttling pause. */
  from?: string;
}

export interface ListTargetInput {
  runId: string;
  region: string;
  /** Continue a listing from this page (`nextLink`) after a pacing or throttling pause. */
  from?: string;
}

/**
 * How far a listing got. The listed items themselves are in the ledger's listing scratch,
 * read once by planning: thousands of model ids never travel through durable history.
 */
export interface ListingProgress {
  /** Items this call listed. */
  listed: number;
  /** Pages this call read. */
  pages: number;
  /**
   * The listing stopped early to respect the service's list rate (paced, or throttled):
   * wait `retryAfterMs` (a durable timer), then list again `from` this page.
   */
  resume?: { from?: string; retryAfterMs: number };
}

/** One model (or classifier) seen in a target's listing: `[item id, status]`. */
export type TargetListingEntry = [string, string];

export interface PairRef {
  sourceModelId: string;
  region: string;
}

export interface PlanInput {
  runId: string;
  /** The regions to plan (the run's). */
  regions: string[];
  /** The run's model filter (for `notFound`). */
  models?: string[];
  /**
   * Regions whose target listing failed (out of retries): planned from the ledger alone, a
   * recorded replica counting as replicated but unverified, with this reason.
   */
  unlisted?: Array<{ region: string; reason: string }>;
  /**
   * Record the copies seen ready in a target's listing as verified now (one verification
   * document per region, which the health model ages). Off for a dry run, which changes nothing.
   */
  recordVerified?: boolean;
  /** A dry run: `alreadyReplicated` lists the pairs (a real run only counts them). */
  dryRun?: boolean;
}

export interface Plan {
  /** Ready items in the source (after the run's filter). */
  readyModels: number;
  /** Pairs that need a copy, in the order the run copies them (see `copyPhases`). */
  toCopy: PairRef[];
  /** Lengths of the consecutive phases of `toCopy` (classifiers → plain models → composed models). */
  phaseSizes: number[];
  /** Pairs whose replica is recorded and still present and ready in the target. */
  alreadyReplicatedCount: number;
  /** Those pairs, listed in a dry run only (a real run's history holds counts, the report the rest). */
  alreadyReplicated?: Array<PairRef & { targetModelId: string }>;
  /** Pairs the ledger called replicated whose target model is gone or not ready (they are in `toCopy`). */
  stale: Array<PairRef & { targetModelId: string; found: string }>;
  /** Regions whose models could not be listed: planned from the ledger alone, with the reason. */
  unverifiedRegions?: Array<{ region: string; reason: string }>;
  /**
   * Pairs the ledger calls replicated in a region this run could not list: not copied, not
   * verified this run (never counted as replicated), with the time of their last verification.
   */
  unverified?: Array<PairRef & { targetModelId?: string; lastVerifiedAt?: string }>;
  /** Source items that cannot be copied (invalid, v2-era, expired), with the reason. */
  invalid: SourceItem[];
  /** Source items still being created. */
  creating: SourceItem[];
  /** Model ids the run's filter asked for that the source does not have. */
  notFound: string[];
  /** Pairs not copied because their target holds its limit of models (`targetFull`; activities/replication/room.ts). */
  targetFull?: TargetFullPair[];
}

/** A pair whose target has no room for its copy: the target's model `count` and `limit` when planned. */
export interface TargetFullPair extends PairRef {
  count: number;
  limit: number;
  message: string;
}

/** Why something failed, in words a person can act on. Never holds a secret. */
export interface CopyFailureReason {
  kind:
    'throttled' | 'transient' | 'authorization' | 'permanent' | 'deadline' | 'verification' | 'conflict' | 'internal';
  code?: string;
  message: string;
  requestId?: string;
  /**
   * An authorization the service rejected (reused, consumed, invalid / wrong region): a stable
   * signature of the answer (`errorSignature`), so the copy stops after the same answer twice.
   */
  rejection?: string;
}

export interface CopyInput {
  runId: string;
  sourceModelId: string;
  region: string;
  policy: CopyPolicy;
  /** The copy's start slots (absent: the activity paces itself per process). */
  slot?: CopySlot;
}

export interface StartCopyInput {
  runId: string;
  sourceModelId: string;
  region: string;
  attempt: number;
  /** The orchestrator waited for this attempt's slot (CopySlot): no per-process pacing. */
  slotted?: boolean;
}

export type StartCopyResult =
  | { kind: 'started'; targetModelId: string; operationLocation: string; expiresAt: string; retryAfterMs?: number }
  /**
   * The target already holds a verified copy of this source item under `targetModelId`
   * (v3.1/v4: 409 ModelExists on authorize, and the model there carries our lineage): verify
   * and record it, copy nothing.
   */
  | { kind: 'present'; targetModelId: string; byThisRun: boolean }
  /**
   * The copy POST was refused as "authorization already used" after an earlier POST with the
   * same authorization may have been accepted (a lost 202): the copy may be running or done
   * under `targetModelId`. Read the target (finishCopy with `settling`) until it is there and
   * ready — a success — or the verify timeout passes: then renew.
   */
  | { kind: 'settle'; targetModelId: string; reason: CopyFailureReason }
  /**
   * Nothing was left behind in the target; try again later (`countsAsAttempt` false for
   * throttling). `paced`: nothing was even sent — the call waits for its reserved slot of
   * the per-resource pacing, exactly `retryAfterMs` from now.
   */
  | { kind: 'retry'; reason: CopyFailureReason; retryAfterMs?: number; countsAsAttempt: boolean; paced?: true }
  | { kind: 'failed'; reason: CopyFailureReason };

export interface CheckCopyInput {
  sourceModelId: string;
  region: string;
  /** The run (its primary is the source: docs/failover.md); absent in older histories: the home member. */
  runId?: string;
  operationLocation: string;
  /** The target model the copy goes into (used when the operation itself is gone). */
  targetModelId: string;
}

export type CheckCopyResult =
  | { kind: 'pending'; status: 'notStarted' | 'running'; retryAfterMs?: number }
  | { kind: 'succeeded'; targetModelId: string }
  /**
   * The copy failed: `renew` = a new authorization may well succeed. `settle`: refused as an
   * authorization already used (v2 "Could not retrieve authorization metadata" after a lost
   * 202): an earlier copy with it may be landing in `targetModelId` — read it before renewing.
   */
  | { kind: 'failed'; reason: CopyFailureReason; renew: boolean; settle?: true }
  /** The status could not be read this time (429, 5xx, timeout): ask again later. */
  | { kind: 'unknown'; reason: CopyFailureReason; retryAfterMs?: number };

export interface FinishCopyInput {
  runId: string;
  sourceModelId: string;
  region: string;
  targetModelId: string;
  /** Settling a copy that may have landed: a target item not there (yet) is `notReady`, not a failure. */
  settling?: boolean;
  /** When the pair's copy orchestration started (for `modeldr.copy.duration`). */
  startedAt?: string;
}

export type FinishCopyResult =
  | { kind: 'verified'; targetModelId: string; verifiedAt: string }
  | { kind: 'notReady'; status: string }
  | { kind: 'failed'; reason: CopyFailureReason };

export interface DiscardTargetInput {
  runId: string;
  sourceModelId: string;
  region: string;
  targetModelId: string;
}

export interface RecordFailureInput {
  runId: string;
  sourceModelId: string;
  region: string;
  reason: CopyFailureReason;
  attempts: number;
  /** When the pair's copy orchestration started (for `modeldr.copy.duration`). */
  startedAt?: string;
}

export interface CopyOutcome {
  sourceModelId: string;
  region: string;
  outcome: 'copied' | 'failed';
  /**
   * A verified copy of ours that an earlier run made was found in the target (409
   * `ModelExists`, e.g. after the ledger was lost): counted as already replicated, not copied.
   */
  alreadyThere?: true;
  targetModelId?: string;
  reason?: CopyFailureReason;
  attempts: number;
  /** Blank target models created and deleted again on the way. */
  discarded: number;
  startedAt: string;
  finishedAt: string;
}

/**
 * Which blank target models a sweep deletes: those of `earlierRuns` (runs are singletons, so
 * they are over), or `thisRun`'s own leftovers (deletes that failed on the way).
 */
export interface SweepInput {
  runId: string;
  scope: 'earlierRuns' | 'thisRun';
}

export interface SweepResult {
  deleted: number;
  /**
   * Copies an earlier run started and did not see land (the process died mid-copy): found
   * `ready` and a copy of their source, recorded as the replica instead of deleted. Absent: none.
   */
  recovered?: RecoveredCopy[];
}

/** A landed copy of a run that died mid-copy, recorded by a later run (see SweepResult). */
export interface RecoveredCopy extends PairRef {
  targetModelId: string;
  /** The run that started the copy. */
  startedByRun: string;
}

export interface BatchInput {
  runId: string;
  pairs: PairRef[];
  parallel: number;
  policy: CopyPolicy;
  /** The batch's lanes: `base … base + parallel − 1` of the run's `lanes` (see CopySlot). */
  slots?: { base: number; lanes: number; intervalMs: number };
}

export interface BatchResult {
  outcomes: CopyOutcome[];
}

export interface RunProgress {
  phase: 'listing' | 'planning' | 'copying' | 'reporting' | 'done';
  total: number;
  done: number;
  copied: number;
  failed: number;
  batches: number;
  batchesDone: number;
}

/** A run that failed as a whole (its orchestration threw): told to telemetry as `ModelDr.RunCompleted` outcome failed. */
export interface RunFailedInput {
  runId: string;
  trigger: RunTrigger;
  startedAt: string;
  /** The failure's first line, as the orchestration saw it (already redacted when it came from an activity). */
  error: string;
  /**
   * Present when the run failed listing its source (the active primary): the region, the reason
   * and when (the orchestration's time). The run's report is saved with it (`sourceUnreachable`).
   */
  sourceUnreachable?: { region: string; reason: string; at: string };
}

export interface RunSummary {
  runId: string;
  trigger: RunTrigger;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  sourceRegion: string;
  regions: string[];
  filters: { models?: string[]; regions?: string[] };
  totals: {
    readyModels: number;
    pairs: number;
    planned: number;
    copied: number;
    alreadyReplicated: number;
    failed: number;
    /** Pairs this run could not verify (their region could not be listed): not a success. */
    unverified: number;
  };
  plan?: Plan;
  failures: Array<PairRef & { reason: CopyFailureReason; attempts: number }>;
  copies: Array<PairRef & { targetModelId: string }>;
  /** Pairs whose verified copy (made by an earlier run) was found in the target while copying. */
  foundInTarget: Array<PairRef & { targetModelId: string }>;
  /** Pairs not verified this run (see `Plan.unverified`), with the reason. */
  unverified: Array<PairRef & { targetModelId?: string; lastVerifiedAt?: string; reason: string }>;
  invalidModels: SourceItem[];
  creatingModels: SourceItem[];
  notFoundModels: string[];
  unknownRegions: string[];
  /** Regions whose models could not be listed this run (planned from the ledger alone). */
  unverifiedRegions?: Array<{ region: string; reason: string }>;
  /**
   * Copies started by an earlier run that died mid-copy, which had landed: recorded as the
   * replica by this run's sweep (not deleted, not copied again). Absent: none.
   */
  recovered?: RecoveredCopy[];
}
