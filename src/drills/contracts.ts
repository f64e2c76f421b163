/**
 * The shapes the `drillModels` orchestration and its activities share (pure types and
 * constants: no I/O). A drill analyzes a model's sample with the source model once and with
 * every verified replica, compares, and records the outcome per (model, region).
 */
import type { DrillDifference } from './compare';
import type { DrillResult } from './result';

export type DrillTrigger = 'schedule' | 'http' | 'local';

export interface DrillRunInput {
  trigger: DrillTrigger;
  /** Only these source models (default: every model with a verified replica). */
  models?: string[];
  /** Only these regions (default: every configured target region). */
  regions?: string[];
}

export type DrillOutcome = 'passed' | 'mismatch' | 'failed';

export interface DrillReason {
  code?: string;
  message: string;
}

/** One model's drill work: its sample and the replicas to analyze with. */
export interface PlannedModel {
  sourceModelId: string;
  sourceModelVersion?: string;
  /** Blob name in the sample container (`<sourceModelId>/<file>`). */
  sample: string;
  /** Pages of the sample as counted before analyzing (PDF page objects; an image is one page). */
  estimatedPages: number;
  replicas: Array<{ region: string; targetModelId: string }>;
}

export interface DrillPlan {
  models: PlannedModel[];
  /** Models with a verified replica but no sample (`<id>/…` absent): reported as "no sample". */
  noSample: string[];
  /** The run's page budget: `DR_DRILL_MAX_PAGES`, or what is left of the day's if that is less. */
  maxPages: number;
  maxParallel: number;
  /** The day's page budget (`DR_DRILL_MAX_PAGES_PER_DAY`) as this run found it. */
  day?: DayPageBudget;
}

export interface DayPageBudget {
  /** UTC `yyyy-mm-dd`. */
  day: string;
  maxPagesPerDay: number;
  /** Pages other drill runs reserved that day before this one. */
  usedBefore: number;
  /** Pages this run reserved (the estimate of what it analyzes). */
  reserved: number;
}

/** Where an analyze runs: the source resource, or a target region. */
export type AnalyzeTarget = { kind: 'source' } | { kind: 'region'; region: string };

export interface StartAnalyzeInput {
  runId: string;
  sample: string;
  at: AnalyzeTarget;
  modelId: string;
}

export type StartAnalyzeOutput =
  | { kind: 'started'; operationLocation: string; retryAfterMs?: number }
  | { kind: 'throttled'; retryAfterMs: number }
  /** Paced: no analyze slot on the resource yet; call again after `waitMs` (the same call gets the same slot). */
  | { kind: 'wait'; waitMs: number }
  | { kind: 'failed'; reason: DrillReason; transient: boolean };

export interface PollAnalyzeInput {
  at: AnalyzeTarget;
  operationLocation: string;
}

export type PollAnalyzeOutput =
  | { kind: 'running'; retryAfterMs?: number }
  | { kind: 'succeeded'; result: DrillResult }
  | { kind: 'failed'; reason: DrillReason; transient: boolean };

/** What an analyze ended with, as the orchestration hands it to `recordDrills`. */
export type AnalyzeEnd = { kind: 'succeeded'; result: DrillResult } | { kind: 'failed'; reason: DrillReason };

export interface RecordDrillsInput {
  runId: string;
  sourceModelId: string;
  sourceModelVersion?: string;
  sample: string;
  source: AnalyzeEnd;
  replicas: Array<{ region: string; targetModelId: string; end: AnalyzeEnd }>;
}

export interface PairDrill {
  sourceModelId: string;
  region: string;
  outcome: DrillOutcome;
  /** Names of the differing fields (`(docType)` for the docType), for a mismatch. */
  differingFields?: string[];
  differences?: DrillDifference[];
  reason?: DrillReason;
  /** True when the source could not be analyzed and the last recorded source result was used. */
  comparedWithRecordedSource?: boolean;
}

export interface DrillModelInput {
  runId: string;
  model: PlannedModel;
}

export interface DrillModelOutput {
  pairs: PairDrill[];
  pagesAnalyzed: number;
}

export interface DrillRunSummary {
  runId: string;
  trigger: DrillTrigger;
  startedAt: string;
  finishedAt: string;
  pairs: PairDrill[];
  /** Models with a verified replica and no sample. */
  noSample: string[];
  /** Pairs not drilled in this run because `DR_DRILL_MAX_PAGES` (or the day's `DR_DRILL_MAX_PAGES_PER_DAY`) was reached. */
  skippedForPageBudget: Array<{ sourceModelId: string; region: string }>;
  pagesAnalyzed: number;
  maxPages: number;
  /** The day's page budget as this run found it (absent: planned before it existed). */
  day?: DayPageBudget;
  totals: { passed: number; mismatch: number; failed: number; noSample: number; skipped: number };
}

/** Analyze polling: at most this many polls per analyze, and this long without a Retry-After. */
export const DRILL_POLL = { maxPolls: 120, defaultWaitMs: 2000, maxWaitMs: 60_000 } as const;
/** Throttled starts are retried (after Retry-After) at most this many times. */
export const DRILL_MAX_THROTTLED_STARTS = 10;
/** Paced starts wait for their slot at most this many times (a slot is reserved on the first ask, so one wait is the norm). */
export const DRILL_MAX_PACED_WAITS = 20;
/**
 * The analyze rate per resource the drills pace their analyze POSTs at: the S0 tier allows 15
 * transactions per second for analyze ("Service quotas and limits", Azure AI Document
 * Intelligence, learn.microsoft.com/azure/ai-services/document-intelligence/service-limits).
 */
export const S0_ANALYZE_RPS = 15;
