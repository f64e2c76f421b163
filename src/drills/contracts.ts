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
  /** Only these lineages, by lineage key (default: every model with a verified replica). */
  models?: string[];
  /** Only these members' copies (default: every member but each lineage's origin). */
  regions?: string[];
}

export type DrillOutcome = 'passed' | 'mismatch' | 'failed';

export interface DrillReason {
  code?: string;
  message: string;
}

/**
 * A lineage's origin as a drill's reference analyze calls it: the member it was born in and its
 * model id there (docs/failover.md, "A model is a lineage").
 */
export interface DrillOrigin {
  region: string;
  modelId: string;
}

/** One model's drill work: its sample and the replicas to analyze with. */
export interface PlannedModel {
  /** The lineage key (`{itemId}` for a home lineage, `{origin}@{itemId}` otherwise; src/common/pairs.ts). */
  sourceModelId: string;
  sourceModelVersion?: string;
  /**
   * Where the reference analyze runs: the lineage's origin. Absent in plans made before lineages
   * (durable history of a run in flight across the upgrade): the `DR_SOURCE_*` resource, with
   * `sourceModelId` as the model id.
   */
  origin?: DrillOrigin;
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

/**
 * Where an analyze runs: `source` is the `DR_SOURCE_*` resource (what every analyze of a plan
 * without `origin` names, kept for durable history); `region` is any member's resource
 * (`DR_SOURCE_REGION` or a `DR_TARGETS` region).
 */
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
  /** The lineage key. */
  sourceModelId: string;
  sourceModelVersion?: string;
  /** The reference's member and model id (absent: the `DR_SOURCE_*` resource, `sourceModelId`). */
  origin?: DrillOrigin;
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
