/**
 * Failover records (docs/failover.md): one per failover, test failover and dry run, written by
 * the failover's activities (idempotent: the same id and content overwrite themselves).
 *
 * Blob: `failovers/{id}.json`.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { DocumentStore, type DocumentStoreOptions, type DocumentType } from './documentStore';
import {
  arrayOf,
  hasShape,
  isBoolean,
  isCount,
  isIsoDate,
  isNonEmptyString,
  isRecord,
  isString,
  oneOf,
  optional,
} from './guards';
import { ledgerKey } from './keys';

export const FAILOVER_MODES = ['planned', 'unplanned', 'test'] as const;
export type FailoverMode = (typeof FAILOVER_MODES)[number];
export const FAILOVER_STATUSES = ['running', 'completed', 'refused', 'failed'] as const;
export type FailoverStatus = (typeof FAILOVER_STATUSES)[number];

/** One model in a readiness check: whether `to` holds a verified copy. */
export interface ReadinessModel {
  /** The lineage key (see src/common/pairs.ts). */
  lineage: string;
  /** Its id in the primary (absent: the primary holds no copy the ledger knows). */
  primaryModelId?: string;
  /** Its id in `to` (absent: `to` has no verified copy). */
  toModelId?: string;
  lastVerifiedAt?: string;
  ageSeconds?: number;
  lastDrill?: { at: string; outcome: string };
}

export interface FailoverReadiness {
  /** When it was computed. */
  at: string;
  models: ReadinessModel[];
  /** Lineage keys `to` would not have (no verified copy there). */
  withoutCopy: string[];
  /** The achievable RPO in seconds: the age of the oldest change not replicated to `to` (0: none). */
  rpoSeconds: number;
  /** Where the readiness came from: the ledger alone, or also the primary's listing. */
  basis: 'ledger' | 'ledgerAndPrimaryListing';
  /** Why the primary's listing was not used (unplanned: never called; or the error). */
  primaryNote?: string;
}

export interface FailoverStep {
  name: string;
  at: string;
  outcome: string;
  detail?: string;
}

export interface FailoverRecord {
  id: string;
  mode: FailoverMode;
  from: string;
  to: string;
  dryRun: boolean;
  force: boolean;
  status: FailoverStatus;
  requestedAt: string;
  steps: FailoverStep[];
  readiness?: FailoverReadiness;
  /** Planned: the final sync's run id and totals. */
  finalSync?: { runId: string; copied: number; failed: number; alreadyReplicated: number; unverified: number };
  switchedAt?: string;
  routingPublishedAt?: string;
  /** Lineages routed to a copy after the switch. */
  routed?: number;
  /** Lineages left without a copy in `to`. */
  withoutCopy?: string[];
  /** Refused: the models without a verified copy in `to`. */
  refusedModels?: string[];
  achievedRpoSeconds?: number;
  /** Request → routing published, in seconds. */
  achievedRtoSeconds?: number;
  /** Test failovers: the drills' outcome per model. */
  drills?: { passed: number; failed: number; skipped: number; outcome: 'passed' | 'failed' | 'noSamples' };
  error?: string;
  finishedAt?: string;
  /**
   * When `ModelDr.FailoverCompleted` was sent for this switch (set once, by a conditional
   * update after sending; every later write of the record keeps it): a re-run activity that
   * finds it sends nothing.
   */
  eventSentAt?: string;
}

const isStep = (v: unknown): v is FailoverStep =>
  hasShape<FailoverStep>(v, {
    name: isNonEmptyString,
    at: isIsoDate,
    outcome: isNonEmptyString,
    detail: optional(isString),
  });

const isReadiness = (v: unknown): v is FailoverReadiness =>
  isRecord(v) && Array.isArray(v.models) && Array.isArray(v.withoutCopy) && typeof v.rpoSeconds === 'number';

export const isFailoverRecord = (v: unknown): v is FailoverRecord =>
  hasShape<FailoverRecord>(v, {
    id: isNonEmptyString,
    mode: oneOf(FAILOVER_MODES),
    from: isNonEmptyString,
    to: isNonEmptyString,
    dryRun: isBoolean,
    force: isBoolean,
    status: oneOf(FAILOVER_STATUSES),
    requestedAt: isIsoDate,
    steps: arrayOf(isStep),
    readiness: optional(isReadiness),
    finalSync: optional((x: unknown): x is NonNullable<FailoverRecord['finalSync']> => isRecord(x)),
    switchedAt: optional(isIsoDate),
    routingPublishedAt: optional(isIsoDate),
    routed: optional(isCount),
    withoutCopy: optional(arrayOf(isString)),
    refusedModels: optional(arrayOf(isString)),
    achievedRpoSeconds: optional((x: unknown): x is number => typeof x === 'number' && x >= 0),
    achievedRtoSeconds: optional((x: unknown): x is number => typeof x === 'number' && x >= 0),
    drills: optional((x: unknown): x is NonNullable<FailoverRecord['drills']> => isRecord(x)),
    error: optional(isString),
    finishedAt: optional(isIsoDate),
    eventSentAt: optional(isIsoDate),
  });

export const FAILOVER_DOCUMENT: DocumentType<FailoverRecord> = {
  kind: 'failover',
  schemaVersion: 1,
  isData: isFailoverRecord,
};

export class FailoverRepository {
  readonly store: DocumentStore<FailoverRecord>;

  constructor(container: ContainerClient, options: DocumentStoreOptions = {}) {
    this.store = new DocumentStore(container, FAILOVER_DOCUMENT, options);
  }

  static key(id: string): string {
    return ledgerKey(['failovers', id], '.json');
  }

  async get(id: string): Promise<FailoverRecord | undefined> {
    return (await this.store.get(FailoverRepository.key(id)))?.value;
  }

  /**
   * Writes the record (last writer wins: one failover's activities write it in order), keeping
   * the stored `eventSentAt` mark whatever the new content says. Returns the record as stored.
   */
  async put(record: FailoverRecord): Promise<FailoverRecord> {
    const { value } = await this.store.update(FailoverRepository.key(record.id), (current) => {
      const { eventSentAt: _ignored, ...rest } = record;
      return current?.eventSentAt !== undefined ? { ...rest, eventSentAt: current.eventSentAt } : rest;
    });
    return value ?? record;
  }

  /**
   * Marks the record's completion event as sent (conditional update; a mark already there is
   * kept, never moved). False when the record does not exist.
   */
  async markEventSent(id: string, at: string): Promise<boolean> {
    const { value } = await this.store.update(FailoverRepository.key(id), (current) =>
      current === undefined || current.eventSentAt !== undefined ? current : { ...current, eventSentAt: at },
    );
    return value !== undefined;
  }

  /** The last `limit` records, newest first. */
  async latest(limit: number): Promise<FailoverRecord[]> {
    const all: FailoverRecord[] = [];
    for await (const doc of this.store.list('failovers/')) all.push(doc.value);
    all.sort((a, b) => (a.requestedAt < b.requestedAt ? 1 : a.requestedAt > b.requestedAt ? -1 : a.id < b.id ? 1 : -1));
    return all.slice(0, limit);
  }
}
