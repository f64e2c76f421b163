/**
 * Run reports of the replication orchestration.
 *
 * Blobs: `runs/{runId}.json` (the report) and `run-index/{inverted start time}_{runId}.json`
 * (a small pointer whose name sorts newest first, so `latest(n)` reads n pointers instead of
 * listing every report).
 */
import type { ContainerClient } from '@azure/storage-blob';
import { findSecret, redactValue } from '../common/secrets';
import { DocumentStore, type DocumentStoreOptions, type DocumentType } from './documentStore';
import {
  arrayOf,
  hasShape,
  isBoolean,
  isCount,
  isIsoDate,
  isNonEmptyString,
  isString,
  oneOf,
  optional,
} from './guards';
import { decodeKeySegment, encodeKeySegment, ledgerKey } from './keys';

export const PAIR_OUTCOMES = ['copied', 'alreadyReplicated', 'failed', 'skipped', 'planned', 'unverified'] as const;
/**
 * `planned`: a dry run's pair that would be copied. `unverified`: the run could not verify the
 * pair (its target could not be listed); `verifiedAt` is its last recorded verification.
 */
export type PairOutcome = (typeof PAIR_OUTCOMES)[number];

export interface RunPair {
  sourceModelId: string;
  region: string;
  outcome: PairOutcome;
  targetModelId?: string;
  /** Why it failed or was skipped (no secrets). */
  reason?: string;
  /** `unverified` pairs: when a copy was last verified (from the ledger). */
  verifiedAt?: string;
}

export interface RunTotals {
  planned: number;
  copied: number;
  alreadyReplicated: number;
  failed: number;
  skipped: number;
  /** Pairs the run could not verify (absent from reports written before it existed). */
  unverified?: number;
}

export interface RunFilters {
  models?: string[];
  regions?: string[];
}

export interface RunReport {
  runId: string;
  /** e.g. `schedule`, `http`, `cli`. */
  trigger: string;
  startedAt: string;
  finishedAt: string;
  dryRun: boolean;
  filters: RunFilters;
  totals: RunTotals;
  pairs: RunPair[];
  /** Source models in status `invalid` (not copyable). */
  invalidModels: string[];
  /** Why each not-copyable source model cannot be copied (invalid, created with v2, expired). */
  notCopyable?: Array<{ modelId: string; reason: string }>;
  /** Source models still `creating` (copied on a later run). */
  creatingModels: string[];
  /** Regions this run could not verify (their models could not be listed), with the reason; absent: none. */
  unverifiedRegions?: UnverifiedRegion[];
  /**
   * JSON paths of texts the ledger's secret guard would have refused, saved redacted instead
   * (a report is never lost for its content); absent: nothing was redacted.
   */
  redactedPaths?: string[];
  /**
   * Copies an earlier run started and did not see land (its process died mid-copy), found ready
   * and verified by this run's sweep and recorded as the replica; absent: none.
   */
  recovered?: RecoveredReplica[];
  /**
   * The run could not list its source, the active primary (its orchestration failed there): the
   * primary's region and why. Such a report has no pairs; the read model counts the app unhealthy.
   */
  sourceUnreachable?: SourceUnreachable;
}

export interface SourceUnreachable {
  region: string;
  reason: string;
}

export interface RecoveredReplica {
  sourceModelId: string;
  region: string;
  targetModelId: string;
  /** The run that started the copy. */
  startedByRun: string;
}

export interface UnverifiedRegion {
  region: string;
  reason: string;
}

const isStrings = arrayOf(isString);

export const isRunReport = (v: unknown): v is RunReport =>
  hasShape<RunReport>(v, {
    runId: isNonEmptyString,
    trigger: isNonEmptyString,
    startedAt: isIsoDate,
    finishedAt: isIsoDate,
    dryRun: isBoolean,
    filters: (f: unknown): f is RunFilters =>
      hasShape<RunFilters>(f, { models: optional(isStrings), regions: optional(isStrings) }),
    totals: (t: unknown): t is RunTotals =>
      hasShape<RunTotals>(t, {
        planned: isCount,
        copied: isCount,
        alreadyReplicated: isCount,
        failed: isCount,
        skipped: isCount,
        unverified: optional(isCount),
      }),
    pairs: arrayOf((p: unknown): p is RunPair =>
      hasShape<RunPair>(p, {
        sourceModelId: isNonEmptyString,
        region: isNonEmptyString,
        outcome: oneOf(PAIR_OUTCOMES),
        targetModelId: optional(isNonEmptyString),
        reason: optional(isString),
        verifiedAt: optional(isIsoDate),
      }),
    ),
    invalidModels: isStrings,
    notCopyable: optional(
      arrayOf((m: unknown): m is { modelId: string; reason: string } =>
        hasShape<{ modelId: string; reason: string }>(m, { modelId: isNonEmptyString, reason: isString }),
      ),
    ),
    creatingModels: isStrings,
    unverifiedRegions: optional(
      arrayOf((u: unknown): u is UnverifiedRegion =>
        hasShape<UnverifiedRegion>(u, { region: isNonEmptyString, reason: isString }),
      ),
    ),
    redactedPaths: optional(isStrings),
    recovered: optional(
      arrayOf((r: unknown): r is RecoveredReplica =>
        hasShape<RecoveredReplica>(r, {
          sourceModelId: isNonEmptyString,
          region: isNonEmptyString,
          targetModelId: isNonEmptyString,
          startedByRun: isNonEmptyString,
        }),
      ),
    ),
    sourceUnreachable: optional((u: unknown): u is SourceUnreachable =>
      hasShape<SourceUnreachable>(u, { region: isNonEmptyString, reason: isString }),
    ),
  });

interface RunIndexEntry {
  runId: string;
  startedAt: string;
}

export const RUN_REPORT_DOCUMENT: DocumentType<RunReport> = {
  kind: 'runReport',
  schemaVersion: 1,
  isData: isRunReport,
};
const RUN_INDEX_DOCUMENT: DocumentType<RunIndexEntry> = {
  kind: 'runIndexEntry',
  schemaVersion: 1,
  inlineInListing: true,
  isData: (v: unknown): v is RunIndexEntry =>
    hasShape<RunIndexEntry>(v, { runId: isNonEmptyString, startedAt: isIsoDate }),
};

/** Largest 13-digit millisecond time (year 2286): inverted times sort newest first. */
const MAX_MS = 9_999_999_999_999;

export class RunReportRepository {
  readonly store: DocumentStore<RunReport>;
  private readonly index: DocumentStore<RunIndexEntry>;

  constructor(container: ContainerClient, options: DocumentStoreOptions = {}) {
    this.store = new DocumentStore(container, RUN_REPORT_DOCUMENT, options);
    this.index = new DocumentStore(container, RUN_INDEX_DOCUMENT, options);
  }

  static key(runId: string): string {
    return ledgerKey(['runs', runId], '.json');
  }

  static indexKey(runId: string, startedAt: string): string {
    const inverted = String(MAX_MS - Date.parse(startedAt)).padStart(13, '0');
    return `run-index/${inverted}_${encodeKeySegment(runId)}.json`;
  }

  /**
   * Saves (or replaces) a run's report; saving the same report again is harmless. A report
   * the secret guard would refuse is saved redacted, naming what was redacted
   * (`redactedPaths`): a run never fails for the text of its report.
   */
  async save(input: RunReport): Promise<void> {
    const report = RunReportRepository.redacted(input);
    await this.store.update(RunReportRepository.key(report.runId), (current) =>
      current && JSON.stringify(current) === JSON.stringify(report) ? current : report,
    );
    await this.index.create(RunReportRepository.indexKey(report.runId, report.startedAt), {
      runId: report.runId,
      startedAt: report.startedAt,
    });
  }

  /** `report` as it may be stored: unchanged when the guard accepts it, else redacted with `redactedPaths`. */
  static redacted(report: RunReport): RunReport {
    if (!findSecret(report)) return report;
    const paths: string[] = [];
    const out = redactValue(report, paths);
    // Only strings are rewritten and only secret-named fields dropped: the shape stays a report.
    return { ...out, redactedPaths: [...new Set([...(report.redactedPaths ?? []), ...paths])] };
  }

  async get(runId: string): Promise<RunReport | undefined> {
    return (await this.store.get(RunReportRepository.key(runId)))?.value;
  }

  /** The run id an index key names (undefined for a name this repository did not write). */
  static runIdOfIndexKey(key: string): string | undefined {
    const m = /^run-index\/\d{13}_(.+)\.json$/.exec(key);
    if (!m) return undefined;
    try {
      return decodeKeySegment(m[1]);
    } catch {
      return undefined;
    }
  }

  /** The ids of the `n` most recently started runs, newest first, from the index's blob names alone (no download). */
  async latestRunIds(n: number): Promise<string[]> {
    const out: string[] = [];
    if (n <= 0) return out;
    for await (const { key } of this.index.listKeys('run-index/', { pageSize: Math.min(5000, n + 10) })) {
      const runId = RunReportRepository.runIdOfIndexKey(key);
      if (runId === undefined || out.includes(runId)) continue;
      out.push(runId);
      if (out.length >= n) break;
    }
    return out;
  }

  /** The `n` most recently started runs, newest first. */
  async latest(n: number): Promise<RunReport[]> {
    const out: RunReport[] = [];
    const seen = new Set<string>();
    if (n <= 0) return out;
    for await (const entry of this.index.list('run-index/', { pageSize: Math.min(5000, n + 10) })) {
      if (seen.has(entry.value.runId)) continue;
      seen.add(entry.value.runId);
      const report = await this.get(entry.value.runId);
      if (report) out.push(report);
      if (out.length >= n) break;
    }
    return out;
  }
}
