/**
 * Restore-drill records: per (source model, region) the last drill's outcome
 * (`drills/{sourceModelId}/{region}.json`), and per source model the last source result
 * (`drillSources/{sourceModelId}.json`) a drill can compare with while the source region is
 * down. No document content: results hold docTypes, field names and types, value hashes
 * (values only with `DR_DRILL_RECORD_VALUES=true`) and confidences.
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { DrillDifference } from '../drills/compare';
import type { DrillOutcome, DrillReason } from '../drills/contracts';
import type { DrillResult } from '../drills/result';
import { DocumentStore, type DocumentStoreOptions, type DocumentType } from './documentStore';
import {
  hasShape,
  isIsoDate,
  isNonEmptyString,
  isRecord,
  isString,
  oneOf,
  optional,
  isBoolean,
  isCount,
} from './guards';
import { ledgerKey } from './keys';
import { itemSegments, pairSegments } from '../common/pairs';
import { scrubSecrets } from '../common/secrets';

export interface DrillRecord {
  sourceModelId: string;
  region: string;
  /** When the drill ended. */
  at: string;
  runId: string;
  outcome: DrillOutcome;
  targetModelId: string;
  /** The source model version compared (as the replica record knows it). */
  sourceModelVersion?: string;
  differences?: DrillDifference[];
  reason?: DrillReason;
  /** When the source result compared with was obtained (earlier than `at` when the source was down). */
  sourceResultAt?: string;
  comparedWithRecordedSource: boolean;
  sample: string;
}

export interface SourceResultRecord {
  sourceModelId: string;
  at: string;
  runId: string;
  sourceModelVersion?: string;
  sample: string;
  result: DrillResult;
}

const isResult = (v: unknown): v is DrillResult =>
  isRecord(v) && isString(v.docType) && isRecord(v.fields) && isCount(v.pages);

export const DRILL_DOCUMENT: DocumentType<DrillRecord> = {
  kind: 'drill',
  schemaVersion: 1,
  inlineInListing: true,
  isData: (v): v is DrillRecord =>
    hasShape<DrillRecord>(v, {
      sourceModelId: isNonEmptyString,
      region: isNonEmptyString,
      at: isIsoDate,
      runId: isNonEmptyString,
      outcome: oneOf(['passed', 'mismatch', 'failed'] as const),
      targetModelId: isNonEmptyString,
      sourceModelVersion: optional(isString),
      differences: optional((d: unknown): d is DrillDifference[] => Array.isArray(d)),
      reason: optional((r: unknown): r is DrillReason => isRecord(r) && isString(r.message)),
      sourceResultAt: optional(isIsoDate),
      comparedWithRecordedSource: isBoolean,
      sample: isNonEmptyString,
    }),
};

export const DRILL_SOURCE_DOCUMENT: DocumentType<SourceResultRecord> = {
  kind: 'drillSource',
  schemaVersion: 1,
  isData: (v): v is SourceResultRecord =>
    hasShape<SourceResultRecord>(v, {
      sourceModelId: isNonEmptyString,
      at: isIsoDate,
      runId: isNonEmptyString,
      sourceModelVersion: optional(isString),
      sample: isNonEmptyString,
      result: isResult,
    }),
};

export class DrillRepository {
  readonly drills: DocumentStore<DrillRecord>;
  readonly sources: DocumentStore<SourceResultRecord>;

  constructor(container: ContainerClient, options: DocumentStoreOptions = {}) {
    this.drills = new DocumentStore(container, DRILL_DOCUMENT, options);
    this.sources = new DocumentStore(container, DRILL_SOURCE_DOCUMENT, options);
  }

  static key(sourceModelId: string, region: string): string {
    return ledgerKey(pairSegments('drills', { sourceModelId, region }), '.json');
  }

  static sourceKey(sourceModelId: string): string {
    return ledgerKey(['drillSources', sourceModelId], '.json');
  }

  async record(r: DrillRecord): Promise<void> {
    const value: DrillRecord = r.reason
      ? { ...r, reason: { ...r.reason, message: scrubSecrets(r.reason.message).slice(0, 1000) } }
      : r;
    await this.drills.update(DrillRepository.key(r.sourceModelId, r.region), () => value);
  }

  async get(sourceModelId: string, region: string): Promise<DrillRecord | undefined> {
    return (await this.drills.get(DrillRepository.key(sourceModelId, region)))?.value;
  }

  async listForModel(sourceModelId: string): Promise<DrillRecord[]> {
    const out: DrillRecord[] = [];
    for await (const d of this.drills.list(`${ledgerKey(itemSegments('drills', sourceModelId))}/`)) out.push(d.value);
    return out;
  }

  async listAll(): Promise<DrillRecord[]> {
    const out: DrillRecord[] = [];
    for await (const d of this.drills.list('drills/')) out.push(d.value);
    return out;
  }

  async recordSource(r: SourceResultRecord): Promise<void> {
    await this.sources.update(DrillRepository.sourceKey(r.sourceModelId), () => r);
  }

  async lastSource(sourceModelId: string): Promise<SourceResultRecord | undefined> {
    return (await this.sources.get(DrillRepository.sourceKey(sourceModelId)))?.value;
  }
}
