/**
 * What the app emits, one function per fact, so activities and client functions (never
 * orchestrators: they replay) make one call each and the names, dimensions and units stay
 * those of ./names.ts. Every function is a no-op on {@link NOOP_TELEMETRY}.
 */
import type { ConfigurationError } from '../config/errors';
import type { ReplicaHealthReport } from '../health/health';
import { EVENTS, METRICS, type RunOutcome } from './names';
import type { Telemetry } from './telemetry';

export interface RunCounts {
  copied: number;
  alreadyReplicated: number;
  failed: number;
  unverified: number;
  invalid: number;
}

/** `failed`: the run itself failed, or nothing was copied or already there and something failed; `partial`: some pairs failed, unverified or invalid. */
export function runOutcome(counts: RunCounts, runFailed = false): RunOutcome {
  if (runFailed) return 'failed';
  const bad = counts.failed + counts.unverified + counts.invalid;
  if (bad === 0) return 'succeeded';
  return counts.copied + counts.alreadyReplicated === 0 && counts.failed > 0 ? 'failed' : 'partial';
}

export interface RunCompletedInput extends RunCounts {
  runId: string;
  /** `timer`, `http`, `local`, … */
  trigger: string;
  apiVersion: string;
  durationMs: number;
  /** The orchestration failed (no report). */
  runFailed?: boolean;
}

/** `ModelDr.RunCompleted`: once per replication run, from the activity/client that records the run report. */
export function emitRunCompleted(t: Telemetry, run: RunCompletedInput): RunOutcome {
  const outcome = runOutcome(run, run.runFailed);
  t.trackEvent(EVENTS.runCompleted, {
    runId: run.runId,
    trigger: run.trigger,
    apiVersion: run.apiVersion,
    outcome,
    copied: run.copied,
    alreadyReplicated: run.alreadyReplicated,
    failed: run.failed,
    unverified: run.unverified,
    invalid: run.invalid,
    durationMs: Math.max(0, Math.round(run.durationMs)),
  });
  return outcome;
}

/** `ModelDr.ReplicaHealth` once per region (from the read model: the same verdicts as /api/health), and the `modeldr.replica.max_age` / `over_rpo` gauges. */
export function emitReplicaHealth(t: Telemetry, report: ReplicaHealthReport, runId: string): void {
  for (const r of report.regions) {
    t.trackEvent(EVENTS.replicaHealth, {
      runId,
      region: r.region,
      health: r.health,
      pairs: r.pairs,
      replicated: r.replicated,
      missing: r.missing,
      failed: r.failed,
      stale: r.stale,
      unverified: r.unverified,
      drillMismatch: r.drillMismatch,
      drillFailed: r.drillFailed,
      healthy: r.healthy,
      degraded: r.degraded,
      unhealthy: r.unhealthy,
      maxAgeSeconds: r.maxAgeSeconds ?? 0,
      overRpo: r.overRpo,
      rpoHours: report.rpoHours,
    });
    t.recordMetric(METRICS.replicaMaxAge, r.maxAgeSeconds ?? 0, { region: r.region });
    t.recordMetric(METRICS.replicaOverRpo, r.overRpo, { region: r.region });
  }
}

export interface CopyOutcomeInput {
  region: string;
  apiVersion: string;
  /** `copied`, `alreadyReplicated`, `failed`, `unverified`, `invalid`. */
  outcome: string;
  /** The failure's kind (`authorizationExpired`, `transient`, …); `none` on success. */
  reasonKind?: string;
  durationSeconds?: number;
}

/** `modeldr.copy.outcomes` (+1) and, when timed, `modeldr.copy.duration`: once per finished pair copy. */
export function emitCopyOutcome(t: Telemetry, c: CopyOutcomeInput): void {
  t.recordMetric(METRICS.copyOutcomes, 1, {
    region: c.region,
    outcome: c.outcome,
    reason_kind: c.reasonKind ?? 'none',
  });
  if (c.durationSeconds !== undefined)
    t.recordMetric(METRICS.copyDuration, c.durationSeconds, {
      region: c.region,
      api_version: c.apiVersion,
      outcome: c.outcome,
    });
}

export interface CopyFailedInput {
  runId: string;
  region: string;
  /** `model`, `classifier`, `composed`, … */
  itemKind: string;
  reasonKind: string;
  serviceCode?: string;
  attempts: number;
}

/** `ModelDr.CopyFailed`: once per pair whose copy failed in a run. */
export function emitCopyFailed(t: Telemetry, f: CopyFailedInput): void {
  t.trackEvent(EVENTS.copyFailed, {
    runId: f.runId,
    region: f.region,
    itemKind: f.itemKind,
    reasonKind: f.reasonKind,
    ...(f.serviceCode !== undefined ? { serviceCode: f.serviceCode } : {}),
    attempts: f.attempts,
  });
}

/** `ModelDr.ConfigurationError`: the offending setting names only (never a value). */
export function emitConfigurationError(t: Telemetry, error: ConfigurationError, component: string): void {
  t.trackEvent(EVENTS.configurationError, { settings: error.settings.join(','), component });
}

export interface CvBackupRecordedInput {
  projectId: string;
  iterationId: string;
  platform: string;
  sizeBytes: number;
  replicaVerified: boolean;
  /** `notification` or `statusCheck`. */
  source: string;
}

/** `ModelDr.CvBackupRecorded`: once per backup record written (not on a duplicate). */
export function emitCvBackupRecorded(t: Telemetry, b: CvBackupRecordedInput): void {
  t.trackEvent(EVENTS.cvBackupRecorded, { ...b });
}

/** `ModelDr.CvNotificationRejected`: a queue message that was not a valid Custom Vision notification. */
export function emitCvNotificationRejected(t: Telemetry, r: { stage: string; code: string }): void {
  t.trackEvent(EVENTS.cvNotificationRejected, { stage: r.stage, code: r.code });
}

export interface FailoverCompletedInput {
  failoverId: string;
  mode: string;
  from: string;
  to: string;
  routed: number;
  withoutCopy: number;
  achievedRpoSeconds?: number;
  achievedRtoSeconds: number;
}

/** `ModelDr.FailoverCompleted`: once per switch of the primary (the severity-1 alert `failover-completed`). */
export function emitFailoverCompleted(t: Telemetry, f: FailoverCompletedInput): void {
  t.trackEvent(EVENTS.failoverCompleted, {
    failoverId: f.failoverId,
    mode: f.mode,
    from: f.from,
    to: f.to,
    routed: f.routed,
    withoutCopy: f.withoutCopy,
    ...(f.achievedRpoSeconds !== undefined ? { achievedRpoSeconds: f.achievedRpoSeconds } : {}),
    achievedRtoSeconds: f.achievedRtoSeconds,
  });
}

export interface CvProjectCopiedInput {
  projectId: string;
  region: string;
  /** `ready` (imported, verified, published), `upToDate` (verified again, nothing copied) or `failed`. */
  outcome: 'ready' | 'upToDate' | 'failed';
  trigger: string;
  drProjectId?: string;
  /** The service's code or the app's (`ImportFailed`, `CountMismatch`, …) when failed. */
  code?: string;
  durationSeconds: number;
  images?: number;
  retired: number;
}

/** `ModelDr.CvProjectCopied`: once per finished Custom Vision project DR copy (ledger record changed). */
export function emitCvProjectCopied(t: Telemetry, e: CvProjectCopiedInput): void {
  t.trackEvent(EVENTS.cvProjectCopied, { ...e });
}
