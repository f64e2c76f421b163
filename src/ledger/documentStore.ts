/**
 * A generic versioned document store over one blob container.
 *
 * Every blob is a JSON envelope `{schemaVersion, kind, updatedAt, data}`. Reads validate the
 * envelope and the data (type guard) and fail with a typed error naming the key; writes are
 * conditional (ETag) so concurrent writers never lose an update; values are checked for
 * secrets before they are written.
 */
import type { ContainerClient } from '@azure/storage-blob';
import {
  LedgerConflictError,
  LedgerCorruptDocumentError,
  LedgerError,
  LedgerSchemaVersionError,
  LedgerSecretError,
  LedgerValidationError,
} from './errors';
import { isIsoDate, isRecord } from './guards';
import { assertValidKey, assertValidPrefix } from './keys';
import { findSecret } from './secretGuard';
import { systemClock, type Clock } from '../runtime/clock';

export { systemClock, type Clock } from '../runtime/clock';

/** Describes one kind of document: its name, current schema version, and how to validate (and upgrade) it. */
export interface DocumentType<T> {
  readonly kind: string;
  /** Current schema version (integer ≥ 1). Documents with a higher version are refused. */
  readonly schemaVersion: number;
  /** Validates `data` of the current schema version. */
  isData(data: unknown): data is T;
  /** Converts `data` written by an older schema version to the current shape (validated afterwards). */
  upgrade?(data: unknown, fromVersion: number): unknown;
}

export interface Envelope<T> {
  schemaVersion: number;
  kind: string;
  /** ISO 8601, from the store's clock. */
  updatedAt: string;
  data: T;
}

export interface StoredDocument<T> {
  key: string;
  /** Deeply frozen: build a new object to change it. */
  value: T;
  etag: string;
  updatedAt: string;
}

export type CreateResult = { created: true; etag: string } | { created: false; reason: 'exists' };

export interface UpdateResult<T> {
  /** The document after the update (or as it was, when nothing changed); undefined if it does not exist. */
  value: T | undefined;
  etag: string | undefined;
  /** False when `fn` returned the current value (or undefined): nothing was written. */
  changed: boolean;
  /** How many read-modify-write rounds it took (1 without contention). */
  attempts: number;
}

/**
 * Decides the new value from the current one (undefined if the document does not exist).
 * Return the same object, or `undefined`, to mean "no change". It may run several times
 * under contention, so it must be pure. `current` is frozen: build a new object.
 */
export type UpdateFn<T> = (current: T | undefined) => T | undefined;

export interface DocumentStoreOptions {
  clock?: Clock;
  /** Read-modify-write rounds before `update` gives up with `LedgerConflictError` (default 50). */
  maxUpdateAttempts?: number;
  /** Cap of the jittered back-off between rounds, in ms (default 200). */
  maxRetryDelayMs?: number;
  /** Documents read in parallel while listing (default 16). */
  listReadConcurrency?: number;
  /**
   * How many documents this store remembers (value and ETag, or "absent", as last read or
   * written by it) so that `update` can write its first round conditionally on what it
   * remembers instead of reading first: one round trip instead of two. Default 0 (off). Safe
   * with other writers: the write is If-Match the remembered ETag (If-None-Match `*` for an
   * absent one), so a stale memory only costs a lost round (412/409 → read, re-apply); and a
   * "no change" decision is never taken on a remembered value (it is read fresh first).
   */
  knownDocuments?: number;
}

export interface ListOptions {
  /** Page size of the underlying blob listing (default: the service's, 5000). */
  pageSize?: number;
}

export class DocumentStore<T> {
  private readonly clock: Clock;
  private readonly maxAttempts: number;
  private readonly maxDelayMs: number;
  private readonly readConcurrency: number;
  private readonly knownLimit: number;
  /** Least recently used first (see `knownDocuments`). */
  private readonly known = new Map<string, Known<T>>();

  constructor(
    readonly container: ContainerClient,
    readonly type: DocumentType<T>,
    options: DocumentStoreOptions = {},
  ) {
    if (!Number.isInteger(type.schemaVersion) || type.schemaVersion < 1)
      throw new RangeError(`${type.kind}: schemaVersion must be an integer ≥ 1`);
    this.clock = options.clock ?? systemClock;
    this.maxAttempts = Math.max(1, options.maxUpdateAttempts ?? 50);
    this.maxDelayMs = Math.max(0, options.maxRetryDelayMs ?? 200);
    this.readConcurrency = Math.max(1, options.listReadConcurrency ?? 16);
    this.knownLimit = Math.max(0, Math.floor(options.knownDocuments ?? 0));
  }

  /** The document at `key`, or undefined when there is none. */
  async get(key: string): Promise<StoredDocument<T> | undefined> {
    assertValidKey(key);
    let response;
    try {
      response = await this.container.getBlobClient(key).download(0);
    } catch (err) {
      this.known.delete(key);
      if (statusOf(err) === 404) {
        if (isContainerMissing(err)) throw this.containerMissing(key, err);
        this.remember(key, undefined);
        return undefined;
      }
      throw err;
    }
    const text = await readBody(response.readableStreamBody);
    const doc = this.decode(key, text, response.etag);
    this.remember(key, doc.value, doc.etag);
    return doc;
  }

  /** Writes `value` only if no document exists at `key`. */
  async create(key: string, value: T): Promise<CreateResult> {
    assertValidKey(key);
    try {
      const etag = await this.write(key, value, { ifNoneMatch: '*' });
      if (this.knownLimit > 0) this.remember(key, deepFreeze(structuredClone(value)), etag);
      return { created: true, etag };
    } catch (err) {
      this.known.delete(key);
      if (isConflict(err)) return { created: false, reason: 'exists' };
      if (isContainerMissing(err)) throw this.containerMissing(key, err);
      throw err;
    }
  }

  /**
   * Writes `value` only if the document is still the one read with `etag` (If-Match), or, with
   * `etag` undefined, only if there is none (If-None-Match `*`). False when another writer got
   * there first (409/412/404): the caller reads again and decides anew.
   */
  async replace(
    key: string,
    value: T,
    etag: string | undefined,
  ): Promise<{ written: true; etag: string } | { written: false }> {
    assertValidKey(key);
    this.known.delete(key);
    try {
      const written = await this.write(key, value, etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag });
      return { written: true, etag: written };
    } catch (err) {
      if (isContainerMissing(err)) throw this.containerMissing(key, err);
      if (isConflict(err) || statusOf(err) === 404) return { written: false };
      throw err;
    }
  }

  /**
   * Optimistic read-modify-write: reads the document with its ETag, applies `fn`, writes
   * conditionally (If-Match, or If-None-Match `*` when it did not exist) and starts over
   * when another writer got there first, up to `maxUpdateAttempts` rounds.
   */
  async update(key: string, fn: UpdateFn<T>): Promise<UpdateResult<T>> {
    assertValidKey(key);
    // A remembered document (see `knownDocuments`) stands in for the first read, but only
    // when `fn` changes it: the write is conditional on its ETag, so it lands only if the
    // document is still exactly what `fn` saw. "No change" is always decided on a fresh read.
    let known = this.known.get(key);
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      let current: { value: T; etag: string } | undefined;
      let next: T | undefined;
      if (known) {
        current = known.present ? { value: known.value, etag: known.etag } : undefined;
        known = undefined;
        next = fn(current?.value);
        if (next === undefined || next === current?.value) {
          current = await this.get(key);
          next = fn(current?.value);
        }
      } else {
        current = await this.get(key);
        next = fn(current?.value);
      }
      if (next === undefined || next === current?.value) {
        return { value: current?.value, etag: current?.etag, changed: false, attempts: attempt };
      }
      try {
        const etag = await this.write(key, next, current ? { ifMatch: current.etag } : { ifNoneMatch: '*' });
        const value = deepFreeze(structuredClone(next));
        this.remember(key, value, etag);
        return { value, etag, changed: true, attempts: attempt };
      } catch (err) {
        this.known.delete(key);
        // 412: changed since read; 409: created since read; 404: deleted since read.
        if (isContainerMissing(err)) throw this.containerMissing(key, err);
        if (!isConflict(err) && statusOf(err) !== 404) throw err;
        if (attempt < this.maxAttempts) await delay(Math.random() * Math.min(this.maxDelayMs, 5 * 2 ** attempt));
      }
    }
    throw new LedgerConflictError(key, this.maxAttempts);
  }

  /**
   * Deletes the document. With `etag`, only if unchanged (a stale ETag throws `LedgerConflictError`).
   * Returns false when there was nothing to delete.
   */
  async delete(key: string, etag?: string): Promise<boolean> {
    assertValidKey(key);
    this.known.delete(key);
    try {
      await this.container.getBlobClient(key).delete(etag ? { conditions: { ifMatch: etag } } : {});
      this.remember(key, undefined);
      return true;
    } catch (err) {
      const status = statusOf(err);
      if (status === 404) return false;
      if (status === 412)
        throw new LedgerConflictError(key, 1, `Ledger document "${key}" changed since it was read; not deleted`);
      throw err;
    }
  }

  /** Keys (with ETags) under `prefix`, in lexicographic order, across all pages. Nothing is downloaded. */
  async *listKeys(prefix: string, options: ListOptions = {}): AsyncIterableIterator<{ key: string; etag: string }> {
    assertValidPrefix(prefix);
    const pages = this.container
      .listBlobsFlat({ prefix })
      .byPage(options.pageSize ? { maxPageSize: options.pageSize } : {});
    for await (const page of pages) {
      for (const item of page.segment.blobItems) yield { key: item.name, etag: item.properties.etag ?? '' };
    }
  }

  /**
   * Documents under `prefix`, in key order, across all pages. A document deleted between
   * listing and reading is skipped; a corrupt one throws (naming its key).
   */
  async *list(prefix: string, options: ListOptions = {}): AsyncIterableIterator<StoredDocument<T>> {
    let batch: string[] = [];
    const flush = async (): Promise<StoredDocument<T>[]> => {
      const docs = await Promise.all(batch.map((k) => this.get(k)));
      batch = [];
      return docs.filter((d): d is StoredDocument<T> => d !== undefined);
    };
    for await (const { key } of this.listKeys(prefix, options)) {
      batch.push(key);
      if (batch.length >= this.readConcurrency) yield* await flush();
    }
    yield* await flush();
  }

  /** Remembers a document as last seen (most recently used last; the oldest is forgotten beyond the limit). */
  private remember(key: string, value: T, etag: string): void;
  private remember(key: string, value: undefined): void;
  private remember(key: string, value: T | undefined, etag?: string): void {
    if (this.knownLimit === 0) return;
    this.known.delete(key);
    this.known.set(key, etag === undefined ? { present: false } : { present: true, value: value as T, etag });
    if (this.known.size > this.knownLimit) {
      const oldest = this.known.keys().next();
      if (!oldest.done) this.known.delete(oldest.value);
    }
  }

  private containerMissing(key: string, cause: unknown): LedgerError {
    return new LedgerError(
      `Ledger container "${this.container.containerName}" does not exist (open the ledger with openLedger(), which creates it)`,
      key,
      { cause },
    );
  }

  private async write(key: string, value: T, conditions: { ifMatch?: string; ifNoneMatch?: string }): Promise<string> {
    if (!this.type.isData(value)) throw new LedgerValidationError(key, this.type.kind);
    const secret = findSecret(value);
    if (secret) throw new LedgerSecretError(key, secret.path, secret.reason);
    const envelope: Envelope<T> = {
      schemaVersion: this.type.schemaVersion,
      kind: this.type.kind,
      updatedAt: new Date(this.clock.now()).toISOString(),
      data: value,
    };
    const body = JSON.stringify(envelope);
    const response = await this.container.getBlockBlobClient(key).upload(body, Buffer.byteLength(body), {
      conditions,
      blobHTTPHeaders: { blobContentType: 'application/json; charset=utf-8' },
      metadata: { kind: this.type.kind, schemaversion: String(this.type.schemaVersion) },
    });
    if (!response.etag) throw new LedgerError(`Blob service returned no ETag for "${key}"`, key);
    return response.etag;
  }

  private decode(key: string, text: string, etag: string | undefined): StoredDocument<T> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new LedgerCorruptDocumentError(key, 'not JSON');
    }
    if (!isRecord(parsed)) throw new LedgerCorruptDocumentError(key, 'not a JSON object');
    const { schemaVersion, kind, updatedAt } = parsed;
    if (!Number.isInteger(schemaVersion) || (schemaVersion as number) < 1)
      throw new LedgerCorruptDocumentError(key, 'no valid schemaVersion');
    if (typeof kind !== 'string') throw new LedgerCorruptDocumentError(key, 'no kind');
    if (kind !== this.type.kind)
      throw new LedgerCorruptDocumentError(key, `holds a "${kind.slice(0, 60)}", expected a "${this.type.kind}"`);
    if (!isIsoDate(updatedAt)) throw new LedgerCorruptDocumentError(key, 'no valid updatedAt');
    if (!('data' in parsed)) throw new LedgerCorruptDocumentError(key, 'no data');
    const version = schemaVersion as number;
    let data: unknown = parsed.data;
    if (version > this.type.schemaVersion)
      throw new LedgerSchemaVersionError(key, kind, version, this.type.schemaVersion);
    if (version < this.type.schemaVersion) {
      if (!this.type.upgrade) throw new LedgerSchemaVersionError(key, kind, version, this.type.schemaVersion);
      data = this.type.upgrade(data, version);
    }
    if (!this.type.isData(data))
      throw new LedgerCorruptDocumentError(key, `data is not a valid ${this.type.kind} (schema version ${version})`);
    if (!etag) throw new LedgerError(`Blob service returned no ETag for "${key}"`, key);
    return { key, value: deepFreeze(data), etag, updatedAt };
  }
}

/** A remembered document: its value and ETag, or that there was none. */
type Known<T> = { present: true; value: T; etag: string } | { present: false };

function statusOf(err: unknown): number | undefined {
  return isRecord(err) && typeof err.statusCode === 'number' ? err.statusCode : undefined;
}

function isContainerMissing(err: unknown): boolean {
  return isRecord(err) && err.code === 'ContainerNotFound';
}

function isConflict(err: unknown): boolean {
  const status = statusOf(err);
  return status === 409 || status === 412;
}

async function readBody(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function deepFreeze<V>(value: V): V {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
