/**
 * Rejected notifications: queue messages that could not be used (malformed, unknown type
 * or status, missing or mistyped fields, too large, a `modelUri` outside the configured
 * storage, a backup that cannot succeed) — kept with the reason and a sanitized copy of
 * the raw message, so nothing is lost silently and nothing is retried pointlessly.
 *
 * Blob: `customvision/rejected/{inverted time}_{message id}.json`; the inverted time (of
 * the message's insertion into the queue when known) makes a plain listing newest first,
 * and the same message delivered again maps to the same key (a conditional create).
 * The raw copy is sanitized by the caller (`sanitizeRawMessage`); the ledger's secret
 * guard still refuses anything that looks like a secret, in which case the text is withheld.
 */
import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import { DocumentStore, type DocumentStoreOptions, type DocumentType } from './documentStore';
import { LedgerSecretError } from './errors';
import { hasShape, isBoolean, isCount, isIsoDate, isNonEmptyString, isString, oneOf, optional } from './guards';
import { encodeKeySegment } from './keys';
import { findSecret, redactValue, scrubSecrets } from '../common/secrets';

/** `parse`: the message itself is unusable; `process`: it parsed but cannot be acted on (e.g. the backup blob is missing). */
export const REJECTION_STAGES = ['parse', 'process'] as const;
export type RejectionStage = (typeof REJECTION_STAGES)[number];

export interface RejectedReason {
  /** e.g. `malformedJson`, `unknownType`, `foreignModelUri`, `blobNotFound`. */
  code: string;
  message: string;
  field?: string;
}

export interface RejectedRaw {
  text: string;
  encoding: string;
  redacted: boolean;
  truncated: boolean;
  originalLength: number;
}

export interface RejectedQueueMessage {
  id?: string;
  dequeueCount?: number;
  insertionTime?: string;
}

export interface RejectedNotification {
  /** Stable id (the queue message id when known). */
  id: string;
  receivedAt: string;
  stage: RejectionStage;
  reason: RejectedReason;
  raw: RejectedRaw;
  queue?: string;
  message?: RejectedQueueMessage;
  /** For `process` rejections: the notification's key (`Export/{projectId}/…`). */
  notificationKey?: string;
  /** Set when `POST /api/customvision/replay` put the message back on the queue (it is not replayed again). */
  replayedAt?: string;
  /**
   * Set (with a conditional write) by the replay call that is about to re-send it: of any number of
   * concurrent callers only the one whose write wins sends. A claim older than
   * {@link REPLAY_CLAIM_STALE_MS} without `replayedAt` (its caller died before sending) may be taken again.
   */
  replayClaimedAt?: string;
}

/** A replay claim not followed by `replayedAt` within this long is abandoned (its caller died). */
export const REPLAY_CLAIM_STALE_MS = 5 * 60_000;

const isReason = (v: unknown): v is RejectedReason =>
  hasShape<RejectedReason>(v, { code: isNonEmptyString, message: isString, field: optional(isString) });
const isRaw = (v: unknown): v is RejectedRaw =>
  hasShape<RejectedRaw>(v, {
    text: isString,
    encoding: isNonEmptyString,
    redacted: isBoolean,
    truncated: isBoolean,
    originalLength: isCount,
  });
const isMessage = (v: unknown): v is RejectedQueueMessage =>
  hasShape<RejectedQueueMessage>(v, {
    id: optional(isString),
    dequeueCount: optional(isCount),
    insertionTime: optional(isString),
  });

export const isRejectedNotification = (v: unknown): v is RejectedNotification =>
  hasShape<RejectedNotification>(v, {
    id: isNonEmptyString,
    receivedAt: isIsoDate,
    stage: oneOf(REJECTION_STAGES),
    reason: isReason,
    raw: isRaw,
    queue: optional(isString),
    message: optional(isMessage),
    notificationKey: optional(isString),
    replayedAt: optional(isIsoDate),
    replayClaimedAt: optional(isIsoDate),
  });

export const REJECTED_NOTIFICATION_DOCUMENT: DocumentType<RejectedNotification> = {
  kind: 'cvRejectedNotification',
  schemaVersion: 1,
  isData: isRejectedNotification,
};

/** A rejection to keep: the record without the id and time the repository assigns. */
export type RejectInput = Omit<RejectedNotification, 'id' | 'receivedAt'>;

const MAX_TIME = 9_999_999_999_999;

export class RejectedNotificationRepository {
  readonly store: DocumentStore<RejectedNotification>;
  private readonly now: () => number;

  constructor(container: ContainerClient, options: DocumentStoreOptions = {}) {
    this.store = new DocumentStore(container, REJECTED_NOTIFICATION_DOCUMENT, options);
    const clock = options.clock;
    this.now = clock ? () => clock.now() : () => Date.now();
  }

  /** Keeps a rejected message. The same message again (same id and insertion time) changes nothing. */
  async add(input: RejectInput): Promise<{ record: RejectedNotification; created: boolean }> {
    const receivedAt = new Date(this.now()).toISOString();
    const inserted = input.message?.insertionTime !== undefined ? Date.parse(input.message.insertionTime) : NaN;
    const at = Number.isFinite(inserted) ? inserted : this.now();
    const id = input.message?.id && input.message.id.trim() !== '' ? input.message.id : contentId(input, at);
    const key = `customvision/rejected/${String(MAX_TIME - at).padStart(13, '0')}_${encodeKeySegment(id)}.json`;
    let record: RejectedNotification = {
      id,
      receivedAt,
      stage: input.stage,
      reason: {
        code: input.reason.code,
        message: scrubSecrets(input.reason.message).slice(0, 1000),
        ...(input.reason.field !== undefined ? { field: input.reason.field } : {}),
      },
      raw: { ...input.raw },
    };
    if (input.queue !== undefined) record.queue = input.queue;
    if (input.message) record.message = JSON.parse(JSON.stringify(input.message)) as RejectedQueueMessage;
    if (input.notificationKey !== undefined) record.notificationKey = input.notificationKey;
    let res;
    try {
      res = await this.store.create(key, record);
    } catch (e) {
      if (!(e instanceof LedgerSecretError)) throw e;
      // The sanitizer missed something the guard recognizes: the message is recorded redacted,
      // with its reason — never refused, retried or poisoned for its content.
      record = redactedRecord(record);
      res = await this.store.create(key, record);
    }
    if (res.created) return { record, created: true };
    const existing = await this.store.get(key);
    return { record: existing?.value ?? record, created: false };
  }

  /** Rejected messages with their keys, newest first, that `accept` keeps; at most `limit`. */
  async entries(options: { limit: number; accept?: (r: RejectedNotification) => boolean }): Promise<RejectedEntry[]> {
    const out: RejectedEntry[] = [];
    for await (const doc of this.store.list('customvision/rejected/', { pageSize: 500 })) {
      if (options.accept && !options.accept(doc.value)) continue;
      out.push({ key: doc.key, record: doc.value });
      if (out.length >= options.limit) break;
    }
    return out;
  }

  /**
   * Claims a record for re-sending: true only for the one caller whose conditional write (If-Match
   * the ETag read) set `replayClaimedAt`; false when it is replayed already, claimed by another
   * caller less than {@link REPLAY_CLAIM_STALE_MS} ago, or gone.
   */
  async claimReplay(key: string): Promise<boolean> {
    const nowMs = this.now();
    const res = await this.store.update(key, (current) => {
      if (current === undefined || current.replayedAt !== undefined) return current;
      const claimed = current.replayClaimedAt === undefined ? NaN : Date.parse(current.replayClaimedAt);
      if (Number.isFinite(claimed) && nowMs - claimed < REPLAY_CLAIM_STALE_MS) return current;
      return { ...current, replayClaimedAt: new Date(nowMs).toISOString() };
    });
    return res.changed;
  }

  /** Marks a record replayed (once: an already replayed one keeps its first time). True when this call marked it. */
  async markReplayed(key: string): Promise<boolean> {
    const at = new Date(this.now()).toISOString();
    const res = await this.store.update(key, (current) =>
      current === undefined || current.replayedAt !== undefined ? current : { ...current, replayedAt: at },
    );
    return res.changed;
  }

  /** Rejected messages, newest first. */
  async list(options: { limit?: number } = {}): Promise<RejectedNotification[]> {
    const limit = Math.max(1, options.limit ?? 100);
    const out: RejectedNotification[] = [];
    for await (const doc of this.store.list('customvision/rejected/', { pageSize: Math.min(limit, 5000) })) {
      out.push(doc.value);
      if (out.length >= limit) break;
    }
    return out;
  }
}

/** A rejected record with its ledger key (for {@link RejectedNotificationRepository.markReplayed}). */
export interface RejectedEntry {
  key: string;
  record: RejectedNotification;
}

/** `record` with every secret shape redacted; what still looks like one is withheld. */
export function redactedRecord(record: RejectedNotification): RejectedNotification {
  const out = redactValue(record);
  out.raw = { ...out.raw, redacted: true };
  if (findSecret(out.raw)) out.raw = { ...out.raw, text: '[withheld: the sanitized text still looked like a secret]' };
  if (findSecret(out.reason)) out.reason = { ...out.reason, message: '[withheld]' };
  if (out.notificationKey !== undefined && findSecret(out.notificationKey)) delete out.notificationKey;
  if (out.message && findSecret(out.message)) delete out.message;
  return out;
}

function contentId(input: RejectInput, at: number): string {
  return `sha256-${createHash('sha256').update(`${at}\n${input.stage}\n${input.reason.code}\n${input.raw.text}`).digest('hex').slice(0, 32)}`;
}
