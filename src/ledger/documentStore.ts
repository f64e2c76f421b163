/**
 * A generic versioned document store over one blob container.
 *
 * Every blob is a JSON envelope `{schemaVersion, kind, updatedAt, data}`. Reads validate the
 * envelope and the data (type guard) and fail with a typed error naming the key; writes are
 * conditional (ETag) so concurrent writers never lose an update; values are checked for
 * secrets before they are written.
 *
 * A type marked `inlineInListing` also keeps a copy of its envelope in the blob's metadata, so
 * `list` reads a whole page of documents (5000) from one listing instead of one GET each.
 */
import { createHash } from 'node:crypto';
import type { BlobItem, ContainerClient } from '@azure/storage-blob';
import {
  LedgerConflictError,
  LedgerContainerMissingError,
  LedgerCorruptDocumentError,
  LedgerError,
  LedgerSchemaVersionError,
  LedgerSecretError,
  LedgerValidationError,
} from './errors';
import { isIsoDate, isRecord } from './guards';
import { assertValidKey, assertValidPrefix } from './keys';
import { findSecret } from '../common/secrets';
import { readStreamText } from './streams';
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
  /**
   * Every write also stores the envelope (base64url) in the blob's metadata (`doc`) when it fits
   * (`MAX_INLINE_DOCUMENT_CHARS`), and `list` reads documents from one listing with metadata
   * instead of one GET each. For small, frequently listed documents.
   */
  readonly inlineInListing?: boolean;
}

/**
 * Longest inline copy kept in metadata, in base64url characters (≈ 3 KB of JSON). Azure allows
 * 8 KB of metadata per blob (names and values together), and every GET of the blob returns it
 * as response headers (Node refuses more than 16 KB of headers): half the limit leaves room for
 * the other metadata and headers. A larger document is written without it and read with GET.
 */
export const MAX_INLINE_DOCUMENT_CHARS = 4096;
const INLINE_METADATA = 'doc';

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
    return (await this.read(key))?.doc;
  }

  /** `get`, with what a backfill of the inline copy needs: the stored text and metadata. */
  private async read(
    key: string,
  ): Promise<{ doc: StoredDocument<T>; text: string; version: number; metadata: Record<string, string> } | undefined> {
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
    const text = await readStreamText(response.readableStreamBody);
    const { doc, version } = this.decodeEnvelope(key, text, response.etag);
    this.remember(key, doc.value, doc.etag);
    return { doc, text, version, metadata: response.metadata ?? {} };
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

  /**
   * Keys (with ETags, in the form `get` returns them) under `prefix`, in lexicographic order,
   * across all pages. Nothing is downloaded.
   */
  async *listKeys(prefix: string, options: ListOptions = {}): AsyncIterableIterator<{ key: string; etag: string }> {
    assertValidPrefix(prefix);
    const pages = this.container
      .listBlobsFlat({ prefix })
      .byPage(options.pageSize ? { maxPageSize: options.pageSize } : {});
    for await (const page of pages) {
      for (const item of page.segment.blobItems) yield { key: item.name, etag: quoteEtag(item.properties.etag) };
    }
  }

  /**
   * Documents under `prefix`, in key order, across all pages. A document deleted between
   * listing and reading is skipped; a corrupt one throws (naming its key).
   *
   * For an `inlineInListing` type the listing carries the documents (one request per 5000):
   * each inline copy is validated like a read (and must match the blob's Content-MD5 when
   * the listing gives one); a blob without a valid copy (written before, too large, tampered
   * with) is read with GET and, when it fits, its copy is written back (best effort, If-Match)
   * so the next listing needs no GET.
   */
  async *list(prefix: string, options: ListOptions = {}): AsyncIterableIterator<StoredDocument<T>> {
    if (!this.type.inlineInListing) {
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
      return;
    }
    assertValidPrefix(prefix);
    // In key order: documents from the listing, and keys still to read (at most `readConcurrency` at once).
    let pending: (StoredDocument<T> | string)[] = [];
    let toRead = 0;
    const flush = async (): Promise<StoredDocument<T>[]> => {
      const slots = pending;
      pending = [];
      toRead = 0;
      const read = await Promise.all(
        slots.map((s) => (typeof s === 'string' ? this.readAndBackfill(s) : Promise.resolve(s))),
      );
      return read.filter((d): d is StoredDocument<T> => d !== undefined);
    };
    const pages = this.container
      .listBlobsFlat({ prefix, includeMetadata: true })
      .byPage(options.pageSize ? { maxPageSize: options.pageSize } : {});
    for await (const page of pages) {
      for (const item of page.segment.blobItems) {
        const doc = this.fromListing(item);
        if (doc && pending.length === 0) {
          yield doc;
          continue;
        }
        pending.push(doc ?? item.name);
        if (!doc && ++toRead >= this.readConcurrency) yield* await flush();
      }
      if (pending.length > 0) yield* await flush(); // at most one page held
    }
  }

  /** The document carried by a listing item's metadata, or undefined when there is no valid, matching copy. */
  private fromListing(item: BlobItem): StoredDocument<T> | undefined {
    const inline = item.metadata?.[INLINE_METADATA];
    const etag = item.properties.etag;
    if (typeof inline !== 'string' || !/^[A-Za-z0-9_-]+$/.test(inline) || !etag) return undefined;
    const bytes = Buffer.from(inline, 'base64url');
    const md5 = item.properties.contentMD5;
    if (md5 && md5.length > 0 && !createHash('md5').update(bytes).digest().equals(Buffer.from(md5))) return undefined;
    let doc: StoredDocument<T>;
    try {
      doc = this.decodeEnvelope(item.name, bytes.toString('utf8'), quoteEtag(etag)).doc;
    } catch {
      return undefined; // never trusted: the blob itself is read (and throws if it is the corrupt one)
    }
    this.remember(item.name, doc.value, doc.etag);
    return doc;
  }

  /** Reads a listed document with GET and writes its inline copy back (once, best effort). */
  private async readAndBackfill(key: string): Promise<StoredDocument<T> | undefined> {
    const read = await this.read(key);
    if (!read) return undefined;
    const inline = Buffer.from(read.text, 'utf8').toString('base64url');
    if (inline.length > MAX_INLINE_DOCUMENT_CHARS) return read.doc;
    // Set Blob Metadata replaces all metadata (kept: kind, schemaversion and any other) and the
    // ETag (the content stays): If-Match the ETag read, so a concurrent write is never overwritten.
    const metadata = {
      ...read.metadata,
      kind: this.type.kind,
      schemaversion: String(read.version),
      [INLINE_METADATA]: inline,
    };
    this.known.delete(key);
    try {
      const response = await this.container
        .getBlobClient(key)
        .setMetadata(metadata, { conditions: { ifMatch: read.doc.etag } });
      if (!response.etag) return read.doc;
      this.remember(key, read.doc.value, response.etag);
      return { ...read.doc, etag: response.etag };
    } catch {
      return read.doc; // changed meanwhile (412) or refused: the next listing reads it again
    }
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
    return new LedgerContainerMissingError(this.container.containerName, key, { cause });
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
    const metadata: Record<string, string> = { kind: this.type.kind, schemaversion: String(this.type.schemaVersion) };
    if (this.type.inlineInListing) {
      const inline = Buffer.from(body, 'utf8').toString('base64url');
      if (inline.length <= MAX_INLINE_DOCUMENT_CHARS) metadata[INLINE_METADATA] = inline;
    }
    const response = await this.container.getBlockBlobClient(key).upload(body, Buffer.byteLength(body), {
      conditions,
      blobHTTPHeaders: { blobContentType: 'application/json; charset=utf-8' },
      metadata,
    });
    if (!response.etag) throw new LedgerError(`Blob service returned no ETag for "${key}"`, key);
    return response.etag;
  }

  private decodeEnvelope(
    key: string,
    text: string,
    etag: string | undefined,
  ): { doc: StoredDocument<T>; version: number } {
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
    return { doc: { key, value: deepFreeze(data), etag, updatedAt }, version };
  }
}

/** A remembered document: its value and ETag, or that there was none. */
type Known<T> = { present: true; value: T; etag: string } | { present: false };

/** A listing gives ETags unquoted (`0x8D…`), responses quoted (`"0x8D…"`): the quoted form, as `get` returns it. */
function quoteEtag(etag: string | undefined): string {
  if (!etag) return '';
  return etag.startsWith('"') || etag.startsWith('W/') ? etag : `"${etag}"`;
}

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
