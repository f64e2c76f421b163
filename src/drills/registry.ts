/**
 * The restore-drill orchestrations and their activities, each defined once with its input and
 * output types and retry policy (src/durable/define.ts); bound by src/functions/drills.ts.
 */
import { defineActivity, defineOrchestrator, type RetryPolicy } from '../durable/define';
import type {
  DrillModelInput,
  DrillModelOutput,
  DrillPlan,
  DrillRunInput,
  DrillRunSummary,
  PairDrill,
  PollAnalyzeInput,
  PollAnalyzeOutput,
  RecordDrillsInput,
  StartAnalyzeInput,
  StartAnalyzeOutput,
} from './contracts';

/** Storage and ledger calls: a few patient retries (service outcomes are returned as values, not thrown). */
export const DRILL_RETRY: RetryPolicy = {
  firstRetryIntervalMs: 5_000,
  maxAttempts: 4,
  backoffCoefficient: 2,
  maxRetryIntervalMs: 60_000,
};

export const DrillActivities = {
  planDrills: defineActivity<DrillRunInput & { runId: string }, DrillPlan>('drillPlan', { retry: DRILL_RETRY }),
  startAnalyze: defineActivity<StartAnalyzeInput, StartAnalyzeOutput>('drillStartAnalyze', { retry: DRILL_RETRY }),
  pollAnalyze: defineActivity<PollAnalyzeInput, PollAnalyzeOutput>('drillPollAnalyze', { retry: DRILL_RETRY }),
  recordDrills: defineActivity<RecordDrillsInput, PairDrill[]>('drillRecord', { retry: DRILL_RETRY }),
} as const;

export const DrillOrchestrators = {
  run: defineOrchestrator<DrillRunInput, DrillRunSummary>('drillModels'),
  model: defineOrchestrator<DrillModelInput, DrillModelOutput>('drillModel'),
} as const;
