/**
 * A run's listings of the source and of each target, written while they are paged through and
 * read once by planning — so that thousands of model ids never travel through durable history
 * (where every replay would hand them to the orchestrator again) and planning reads each
 * listing with one request.
 *
 * One append blob per listed resource: `scratch/listings/{name}.jsonl` (name: `source` or
 * `target-{region}`). The run lease lets one run list at a time, so the names are fixed and
 * reused: a listing that starts from its first page (re)creates its blob, stamped with the run
 * id (metadata), and each activity call appends one line (one request) holding the pages it
 * read: `{"from": cursor of its first page, "next": cursor to go on from, "done": true on the
 * last, "items": [...]}`. Activities run at least once: a call retried after its append landed
 * appends the same pages again, so reading follows the chain of cursors from the first page
 * and takes, for each cursor, the last line written from it. Nothing secret is stored: model
 * ids, names, statuses and dates (the secret guard checks every line; what it would refuse is
 * stored redacted).
 *
 * Requests: 1 create + 1 append per activity call (each up to the list rate's burst of pages)
 * while listing; 1 download to read. Bounded: a listing larger than {@link MAX_LISTING_BYTES}
 * is refused, naming the blob.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { LedgerError } from './errors';
import { arrayOf, hasShape, isBoolean, isRecord, isString, optional } from './guards';
import { ledgerKey } from './keys';
import { findSecret, redactValue } from '../common/secrets';
import { readStreamText } from './streams';

/** 64 MiB: about 300 000 listed models at ~200 bytes each. */
export const MAX_LISTING_BYTES = 64 * 2 ** 20;
/** An append block holds at most 4 MiB. */
const MAX_APPEND_BYTES = 4 * 2 ** 20;
const FIRST = '';

export interface ListingChunk<T> {
  /** Cursor of the chunk's first page (`undefined`: the listing's first page). */
  from?: string;
  /** Cursor to go on from (absent on the last chunk). */
  next?: string;
  /** True on the chunk that read the last page. */
  done?: boolean;
  items: T[];
}

export type ListingRead<T> =
  { complete: true; items: T[] } | { complete: false; reason: 'missing' | 'otherRun' | 'incomplete'; items: T[] };

export class ListingScratch {
  constructor(readonly container: ContainerClient) {}

  static key(name: string): string {
    return ledgerKey(['scratch', 'listings', name], '.jsonl');
  }

  /** Starts the listing of `name` for `runId` (replacing any earlier run's). */
  async begin(name: string, runId: string): Promise<void> {
    await this.container
      .getAppendBlobClient(ListingScratch.key(name))
      .create({ metadata: { runid: encodeURIComponent(runId) } });
  }

  /** Appends one chunk (one request). */
  async append<T>(name: string, chunk: ListingChunk<T>): Promise<void> {
    const key = ListingScratch.key(name);
    // The guard's last line: what it would refuse is stored redacted (a listing never fails a run for its text).
    const safe = findSecret(chunk) ? redactValue(chunk) : chunk;
    const line = `${JSON.stringify({ ...safe, from: safe.from ?? FIRST })}\n`;
    const bytes = Buffer.byteLength(line);
    if (bytes > MAX_APPEND_BYTES)
      throw new LedgerError(`listing chunk of ${bytes} bytes exceeds the ${MAX_APPEND_BYTES}-byte append limit`, key);
    await this.container.getAppendBlobClient(key).appendBlock(line, bytes);
  }

  /**
   * The listing of `name` written by `runId`: its items in page order, and whether it is
   * complete (`done` reached by following the cursors from the first page).
   */
  async read<T>(name: string, runId: string, isItem: (v: unknown) => v is T): Promise<ListingRead<T>> {
    const key = ListingScratch.key(name);
    let response;
    try {
      response = await this.container.getBlobClient(key).download(0);
    } catch (e) {
      if (isRecord(e) && e.statusCode === 404) return { complete: false, reason: 'missing', items: [] };
      throw e;
    }
    const stamped = response.metadata?.runid;
    if (stamped === undefined || decodeURIComponent(stamped) !== runId)
      return { complete: false, reason: 'otherRun', items: [] };
    if ((response.contentLength ?? 0) > MAX_LISTING_BYTES)
      throw new LedgerError(`listing of ${response.contentLength} bytes exceeds ${MAX_LISTING_BYTES}`, key);
    const text = await readStreamText(response.readableStreamBody, { maxBytes: MAX_LISTING_BYTES, key });
    const byCursor = new Map<string, ListingChunk<T>>();
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new LedgerError('a listing line is not JSON', key);
      }
      if (!isChunk(parsed, isItem)) throw new LedgerError('a listing line is not a valid chunk', key);
      byCursor.set(parsed.from ?? FIRST, parsed);
    }
    const items: T[] = [];
    const visited = new Set<string>();
    for (let cursor: string | undefined = FIRST; cursor !== undefined;) {
      const chunk = byCursor.get(cursor);
      if (!chunk || visited.has(cursor)) return { complete: false, reason: 'incomplete', items };
      visited.add(cursor);
      items.push(...chunk.items);
      if (chunk.done) return { complete: true, items };
      cursor = chunk.next;
    }
    return { complete: false, reason: 'incomplete', items };
  }
}

function isChunk<T>(v: unknown, isItem: (v: unknown) => v is T): v is ListingChunk<T> {
  // `from` is always written (the first page's cursor as ''), so it is required here.
  return hasShape<ListingChunk<T>>(v, {
    from: isString,
    next: optional(isString),
    done: optional(isBoolean),
    items: arrayOf(isItem),
  });
}
