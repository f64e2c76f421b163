/**
 * Run reports for the dashboard: outcome, duration and failures (reason kind, service code,
 * message) of the last runs, from the ledger's run reports.
 */
import type { RunReport, RunTotals } from '../../ledger/runReports';
import type { RunProgress } from '../../replication/contracts';
import { lastRunFactsOf, type LastRunFacts } from '../../readModel/model';

/** The replication run in progress, as the dashboard lists it (built by src/functions/runStatus.ts). */
export interface CurrentRun {
  id: string;
  runtimeStatus: string;
  createdTime: string;
  lastUpdatedTime: string;
  dryRun: boolean;
  progress?: RunProgress;
}

/** Failures listed per run (the report keeps them all; the page shows the first ones and the count). */
export const MAX_FAILURES_PER_RUN = 100;

export type RunOutcome = 'succeeded' | 'partial' | 'failed' | 'dryRun';

export interface RunFailure {
  sourceModelId: string;
  region: string;
  kind: string;
  code?: string;
  message: string;
}

export interface RunListItem {
  runId: string;
  trigger: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  outcome: RunOutcome;
  totals: RunTotals;
  filters: RunReport['filters'];
  failures: RunFailure[];
  failuresTotal: number;
  /** Pairs a dry run would copy (count only; the plan itself is in GET /api/replications/{id}). */
  planned: number;
}

/** A run report's failure reason is stored as `kind[ code]: message` (see saveRunReport). */
export function parseReason(reason: string | undefined): { kind: string; code?: string; message: string } {
  const m = /^([A-Za-z][\w-]*)(?: ([^\s:]+))?: ([\s\S]*)$/.exec(reason ?? '');
  if (!m) return { kind: 'unknown', message: reason ?? '' };
  return m[2] === undefined ? { kind: m[1], message: m[3] } : { kind: m[1], code: m[2], message: m[3] };
}

export function outcomeOf(report: RunReport): RunOutcome {
  if (report.dryRun) return 'dryRun';
  // The run could not list its source (the active primary): it failed, though it has no pairs.
  if (report.sourceUnreachable) return 'failed';
  const t = report.totals;
  if (t.failed === 0) return 'succeeded';
  return t.copied + t.alreadyReplicated > 0 ? 'partial' : 'failed';
}

export function runListItem(report: RunReport): RunListItem {
  const failed = report.pairs.filter((p) => p.outcome === 'failed');
  return {
    runId: report.runId,
    trigger: report.trigger,
    dryRun: report.dryRun,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    durationMs: Math.max(0, Date.parse(report.finishedAt) - Date.parse(report.startedAt)),
    outcome: outcomeOf(report),
    totals: report.totals,
    filters: report.filters,
    failures: failed.slice(0, MAX_FAILURES_PER_RUN).map((p) => ({
      sourceModelId: p.sourceModelId,
      region: p.region,
      ...parseReason(p.reason),
    })),
    failuresTotal: failed.length,
    planned: report.totals.planned,
  };
}

/**
 * What the dashboard keeps of a run report: its list item and the facts the read model takes
 * from it (src/readModel: the models it had pairs of, the not-copyable ones with why, the pairs
 * and regions it could not verify). A report of 40 000 pairs is megabytes; this is the part the
 * page uses, kept per report ETag (see RunViewCache).
 */
export interface RunView {
  runId: string;
  finishedAt: string;
  dryRun: boolean;
  facts: LastRunFacts;
  item: RunListItem;
}

export function runViewOf(report: RunReport): RunView {
  return {
    runId: report.runId,
    finishedAt: report.finishedAt,
    dryRun: report.dryRun,
    facts: lastRunFactsOf(report),
    item: runListItem(report),
  };
}
