/**
 * Copy intents: a v2.1 copy authorization creates a blank model in the target, and its id is
 * only in the answer. The intent (pair, attempt, time) is recorded *before* the call; once the
 * answer arrives the blank model is recorded as a pending target and the intent goes. An intent
 * still here after its call (the answer was lost, the call failed, the process died) marks a
 * window in which the target may hold a blank model of ours that no record names: the sweep
 * looks for it there (see activities/replication/cleanup.ts).
 *
 * Blob: `copy-intents/{region}/{runId}/{sourceModelId}/{attempt}-{call}-{nonce}.json` (one per call).
 */
import { randomUUID } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { DocumentStore, type DocumentStoreOptions, type DocumentType } from './documentStore';
import { hasShape, isCount, isIsoDate, isNonEmptyString, optional } from './guards';
import { ledgerKey } from './keys';
import { regionRunPairSegments } from '../common/pairs';

export interface CopyIntent {
  region: string;
  targetResourceId: string;
  sourceModelId: string;
  runId: string;
  attempt: number;
  /** When the authorize call was about to be made (the store's clock). */
  startedAt: string;
  /** When the call was seen to fail or its answer to be lost. */
  failedAt?: string;
}

export const isCopyIntent = (v: unknown): v is CopyIntent =>
  hasShape<CopyIntent>(v, {
    region: isNonEmptyString,
    targetResourceId: isNonEmptyString,
    sourceModelId: isNonEmptyString,
    runId: isNonEmptyString,
    attempt: isCount,
    startedAt: isIsoDate,
    failedAt: optional(isIsoDate),
  });

export const COPY_INTENT_DOCUMENT: DocumentType<CopyIntent> = {
  kind: 'copyIntent',
  schemaVersion: 1,
  inlineInListing: true,
  isData: isCopyIntent,
};

export interface RecordedIntent {
  key: string;
  intent: CopyIntent;
}

export class CopyIntentRepository {
  readonly store: DocumentStore<CopyIntent>;
  private readonly now: () => number;

  constructor(container: ContainerClient, options: DocumentStoreOptions = {}) {
    this.store = new DocumentStore(container, COPY_INTENT_DOCUMENT, options);
    const clock = options.clock;
    this.now = clock ? () => clock.now() : () => Date.now();
  }

  /** Records the intent of one authorize call (a new record per call, even for the same attempt). */
  async add(intent: Omit<CopyIntent, 'startedAt' | 'failedAt'>, call = 0): Promise<RecordedIntent> {
    const key = ledgerKey(
      regionRunPairSegments('copy-intents', intent.runId, intent, `${intent.attempt}-${call}-${randomUUID()}`),
      '.json',
    );
    const record: CopyIntent = { ...intent, startedAt: new Date(this.now()).toISOString() };
    await this.store.create(key, record);
    return { key, intent: record };
  }

  /** The call failed or its answer was lost: the window closes now. */
  async markFailed(key: string): Promise<void> {
    const at = new Date(this.now()).toISOString();
    await this.store.update(key, (current) => (current && !current.failedAt ? { ...current, failedAt: at } : current));
  }

  /** The answer arrived (its blank model is recorded as a pending target), or the window was swept. */
  async remove(key: string): Promise<void> {
    await this.store.delete(key);
  }

  async listAll(): Promise<RecordedIntent[]> {
    const out: RecordedIntent[] = [];
    for await (const doc of this.store.list('copy-intents/')) out.push({ key: doc.key, intent: doc.value });
    return out;
  }
}
