/**
 * The replication activities and orchestrators, each defined once with its input and output
 * types and its retry policy. Orchestrators call these definitions (src/durable/call.ts);
 * the composition root (src/functions) binds them to handlers built by
 * `createReplicationActivities` (src/activities/replication). Pure data: no handler code.
 */
import { defineActivity, defineOrchestrator, type RetryPolicy } from '../durable/define';
import type {
  RunFailedInput,
  BatchInput,
  BatchResult,
  CheckCopyInput,
  CheckCopyResult,
  CopyInput,
  CopyOutcome,
  DiscardTargetInput,
  FinishCopyInput,
  FinishCopyResult,
  ListingProgress,
  ListSourceInput,
  ListTargetInput,
  LoadRunConfigInput,
  Plan,
  PlanInput,
  RecordFailureInput,
  RunConfig,
  RunInput,
  RunSummary,
  StartCopyInput,
  StartCopyResult,
  SweepInput,
  SweepResult,
} from './contracts';

/**
 * The copy's steps settle service errors into results themselves; what still throws is the
 * ledger or the process (storage briefly down). They are idempotent, so a few retries keep a
 * passing storage fault from failing the pair as an internal error.
 */
export const COPY_STEP_RETRY: RetryPolicy = {
  firstRetryIntervalMs: 2_000,
  maxAttempts: 4,
  backoffCoefficient: 2,
  maxRetryIntervalMs: 30_000,
};

/** Deleting a blank model: a few more, slower tries (the run's leftover sweep catches what is left). */
export const DISCARD_RETRY: RetryPolicy = {
  firstRetryIntervalMs: 5_000,
  maxAttempts: 5,
  backoffCoefficient: 2,
  maxRetryIntervalMs: 60_000,
};

/** Listing, planning, sweeping and reporting talk to the services: transient failures are retried with back-off. */
export const IO_RETRY: RetryPolicy = {
  firstRetryIntervalMs: 5_000,
  maxAttempts: 5,
  backoffCoefficient: 2,
  maxRetryIntervalMs: 120_000,
};

export const Activities = {
  /** Reads settings only: a failure is a configuration problem, not retried. */
  loadRunConfig: defineActivity<LoadRunConfigInput, RunConfig>('loadRunConfig'),
  /** A burst of the source's pages into the listing scratch (ledger/listingScratch.ts); resumed after the list rate's pause. */
  listSourceModels: defineActivity<ListSourceInput, ListingProgress>('listSourceModels', { retry: IO_RETRY }),
  /** The same for a target (what planning compares the ledger with); a region out of retries is planned from the ledger. */
  listTargetModels: defineActivity<ListTargetInput, ListingProgress>('listTargetModels', { retry: IO_RETRY }),
  planReplication: defineActivity<PlanInput, Plan>('planReplication', { retry: IO_RETRY }),
  startCopy: defineActivity<StartCopyInput, StartCopyResult>('startCopy', { retry: COPY_STEP_RETRY }),
  checkCopy: defineActivity<CheckCopyInput, CheckCopyResult>('checkCopy', { retry: COPY_STEP_RETRY }),
  finishCopy: defineActivity<FinishCopyInput, FinishCopyResult>('finishCopy', { retry: COPY_STEP_RETRY }),
  discardTarget: defineActivity<DiscardTargetInput, { deleted: boolean }>('discardTarget', { retry: DISCARD_RETRY }),
  recordCopyFailure: defineActivity<RecordFailureInput, void>('recordCopyFailure', { retry: COPY_STEP_RETRY }),
  saveRunReport: defineActivity<RunSummary, void>('saveRunReport', { retry: IO_RETRY }),
  /** A run that failed as a whole: `ModelDr.RunCompleted` with outcome failed (the alert rules' failed-run branch). */
  reportRunFailed: defineActivity<RunFailedInput, void>('reportRunFailed', { retry: IO_RETRY }),
  /**
   * `scope: 'earlierRuns'`: blank target models left by runs that are over (start of a run);
   * `scope: 'thisRun'`: the run's own leftovers, once all its copies are settled (end of a run).
   */
  sweepBlankModels: defineActivity<SweepInput, SweepResult>('sweepOrphans', { retry: IO_RETRY }),
} as const;

export const Orchestrators = {
  replicate: defineOrchestrator<RunInput | undefined, RunSummary>('replicateModels'),
  batch: defineOrchestrator<BatchInput, BatchResult>('replicateBatch'),
  copy: defineOrchestrator<CopyInput, CopyOutcome>('copyModelToRegion'),
} as const;
