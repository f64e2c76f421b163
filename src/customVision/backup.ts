/**
 * Backup records for exported Custom Vision models, over `@azure/storage-blob`.
 *
 * Given an `ExportCompleted` notification whose `modelUri` is in the backup container,
 * read the blob's properties (size, Content-MD5; SHA-256 computed by streaming when there
 * is no MD5) and build a {@link BackupRecord}. With a replica container configured, make
 * a second copy there and verify it by re-reading the replica and comparing checksums.
 *
 * Copy strategy (`copyMode: 'auto'`, the default):
 * - **server** — `syncCopyFromURL` (Copy Blob From URL, block blobs ≤ 256 MiB): the
 *   bytes never pass through the app. The source is authorized with a read-only blob
 *   SAS valid for 15 minutes when the backup client holds a shared key (connection
 *   string), or with a bearer token (`sourceAuthorization`) when it holds a token
 *   credential (managed identity). The SAS/token is never logged nor kept.
 * - **stream** — download and `uploadStream` while hashing. Works everywhere, including
 *   from a source the replica's service cannot reach itself, and for blobs over 256 MiB
 *   or without a usable source credential.
 * `auto` picks server when the source credential allows it, the blob is ≤ 256 MiB and
 * the replica's service can reach the source (it fetches the URL itself: a loopback
 * address is reachable only from its own origin); else stream.
 *
 * Idempotent: a replica that already exists with the same size and checksum is verified
 * and not copied again. Storage failures are classified: throttling, 5xx, timeouts,
 * network and 409/412 races are {@link CvTransientError} (a queue function throws so the
 * host retries); a missing blob or refused access is {@link CvPermanentError}.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform, pipeline } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  BlobSASPermissions,
  ContainerClient,
  RestError,
  SASProtocol,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
  type BlobClient,
  type BlobGetPropertiesResponse,
} from '@azure/storage-blob';
import { CustomVisionError, CvPermanentError, CvTransientError, CvValidationError, type CvOperation } from './errors';
import { backupBlobName, findExportBlobs, parseExportBlobName, sameGuid, type ExportBlobListing } from './blobNames';
import { FLAVORS_BY_PLATFORM, parsePlatform, sameName, EXPORT_PLATFORMS } from './flavors';
import { checkModelUri, createModelUriPolicy, isLoopbackHost, type ModelUriPolicy } from './modelUri';
import { isGuid, type ExportNotification } from './notifications';
import { BACKUP_CONTAINER_SETTING, classifyStorageError, configurationError } from './storageAccess';
import type { ExportDownloadUri } from './trainingClient';

export { classifyStorageError } from './storageAccess';
export { backupBlobName } from './blobNames';

/** Structural `TokenCredential` (from `@azure/identity`, e.g. `DefaultAzureCredential`). */
export interface TokenCredentialLike {
  getToken(scopes: string | string[], options?: unknown): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/** A container: a connection string + name (Azurite, shared key), a container URL + credential, or a client. */
export type ContainerTarget =
  | { connectionString: string; containerName: string }
  | { url: string; credential?: TokenCredentialLike | StorageSharedKeyCredential }
  | ContainerClient;

export interface Checksum {
  algorithm: 'md5' | 'sha256';
  /** MD5 in base64 (as Azure reports Content-MD5), SHA-256 in lower-case hex. */
  value: string;
}

export interface ReplicaRecord {
  /** Replica blob URL, no SAS. */
  location: string;
  sizeBytes: number;
  verified: true;
  /** Computed from the replica's bytes; equal to the source checksum of the same algorithm. */
  checksum: Checksum;
  /** `existing`: the replica was already there with the same checksum (nothing copied). */
  method: 'server' | 'stream' | 'existing';
}

export interface BackupRecord {
  projectId: string;
  iterationId: string;
  /** From GetExports when the caller knows it, else from the blob name `{projectId} - {iterationId}.{platform}`. */
  platform: string;
  /** The export's flavor (from GetExports); part of `blobName` when set. */
  flavor?: string;
  blobName: string;
  /** Set when the bytes were copied from GetExports' `downloadUri` (the ledger's `source: downloadUri`). */
  copiedFromDownloadUri?: true;
  /** Backup blob URL, no SAS. */
  location: string;
  sizeBytes: number;
  /** Content-MD5 (base64) as stored on the blob, when it has one. */
  md5?: string;
  /** SHA-256 (hex) of the content, computed when there is no Content-MD5 (or when streamed). */
  sha256?: string;
  /** ISO 8601. */
  lastModified: string;
  etag?: string;
  replica?: ReplicaRecord;
}

export type CopyMode = 'auto' | 'server' | 'stream';

export interface BackupOptions {
  backup: ContainerTarget;
  replica?: ContainerTarget;
  copyMode?: CopyMode;
  /** Lifetime of the source SAS for a server-side copy; default 15 min. Wall time: storage checks it. */
  sasLifetimeMs?: number;
}

export const MAX_SYNC_COPY_BYTES = 256 * 1024 * 1024;
const BLOB_NAME = /^([0-9a-fA-F-]{36}) - ([0-9a-fA-F-]{36})\.([A-Za-z0-9_-]{1,40})$/;

/** Parses `{projectId} - {iterationId}.{platform}`; undefined when the name does not follow it. */
export function parseBackupBlobName(
  name: string,
): { projectId: string; iterationId: string; platform: string } | undefined {
  const m = BLOB_NAME.exec(name);
  if (!m || !isGuid(m[1]) || !isGuid(m[2])) return undefined;
  return { projectId: m[1].toLowerCase(), iterationId: m[2].toLowerCase(), platform: m[3] as string };
}

/** What an export is, as GetExports says (platform and flavor are never taken from a blob name). */
export interface ExportIdentity {
  projectId: string;
  iterationId: string;
  platform: string;
  flavor?: string;
}

function isTokenCredential(c: unknown): c is TokenCredentialLike {
  return typeof c === 'object' && c !== null && typeof (c as { getToken?: unknown }).getToken === 'function';
}

export function containerClientFrom(t: ContainerTarget): ContainerClient {
  if (t instanceof ContainerClient) return t;
  if ('connectionString' in t) return new ContainerClient(t.connectionString, t.containerName);
  if (t.credential === undefined) return new ContainerClient(t.url);
  return new ContainerClient(t.url, t.credential);
}

function locationOf(client: { url: string }): string {
  const u = new URL(client.url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/**
 * A write that lost a race with another writer of the same blob: 409 (BlobAlreadyExists), 412
 * (changed since read) or 400 InvalidBlockList (its staged blocks were discarded by the other
 * writer's commit). Transient: the winner's blob is there, or the next try writes it.
 */
function isWriteConflict(e: unknown): boolean {
  if (!(e instanceof CustomVisionError)) return false;
  return e.status === 409 || e.status === 412 || e.serviceCode === 'InvalidBlockList';
}

async function getPropertiesOrUndefined(
  blob: BlobClient,
  operation: CvOperation,
  what: string,
): Promise<BlobGetPropertiesResponse | undefined> {
  try {
    return await blob.getProperties();
  } catch (e) {
    if (e instanceof RestError && e.statusCode === 404) return undefined;
    throw classifyStorageError(e, operation, what);
  }
}

class Hasher extends Transform {
  readonly md5 = createHash('md5');
  readonly sha256 = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.md5.update(chunk);
    this.sha256.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

async function hashStream(stream: NodeJS.ReadableStream): Promise<{ md5: string; sha256: string; bytes: number }> {
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    md5.update(b);
    sha.update(b);
    bytes += b.length;
  }
  return { md5: md5.digest('base64'), sha256: sha.digest('hex'), bytes };
}

async function hashBlob(
  blob: BlobClient,
  etag: string | undefined,
  operation: CvOperation,
  what: string,
): Promise<{ md5: string; sha256: string; bytes: number }> {
  try {
    const res = await blob.download(0, undefined, etag ? { conditions: { ifMatch: etag } } : {});
    if (!res.readableStreamBody)
      throw new CvTransientError(`${operation}: ${what}: empty download stream`, {
        operation,
        reason: 'unexpectedResponse',
      });
    return await hashStream(res.readableStreamBody);
  } catch (e) {
    throw classifyStorageError(e, operation, what);
  }
}

function checksumOf(alg: Checksum['algorithm'], h: { md5: string; sha256: string }): Checksum {
  return { algorithm: alg, value: alg === 'md5' ? h.md5 : h.sha256 };
}

export class CustomVisionBackup {
  readonly backupContainer: ContainerClient;
  readonly replicaContainer?: ContainerClient;
  /** The modelUri policy derived from the two containers. */
  readonly policy: ModelUriPolicy;
  readonly #copyMode: CopyMode;
  readonly #sasLifetimeMs: number;

  constructor(opts: BackupOptions) {
    this.backupContainer = containerClientFrom(opts.backup);
    if (opts.replica) this.replicaContainer = containerClientFrom(opts.replica);
    this.policy = createModelUriPolicy({
      backupContainerUrl: locationOf(this.backupContainer),
      ...(this.replicaContainer ? { replicaContainerUrl: locationOf(this.replicaContainer) } : {}),
    });
    this.#copyMode = opts.copyMode ?? 'auto';
    this.#sasLifetimeMs = opts.sasLifetimeMs ?? 15 * 60_000;
  }

  /**
   * Backs up what an `ExportCompleted` notification announces. With a `modelUri` (checked
   * again against the policy): that blob. Without one: every `{projectId} - {iterationId}.*`
   * blob in the backup container.
   */
  async backupExport(n: ExportNotification): Promise<BackupRecord[]> {
    if (n.exportStatus !== 'ExportCompleted')
      throw new CvValidationError(`backupExport: exportStatus is ${n.exportStatus}; only ExportCompleted has a model`, {
        operation: 'readBackupBlob',
        reason: 'invalidArgument',
      });
    if (n.modelUri === undefined) {
      const records = await this.backupIteration(n.projectId, n.iterationId);
      if (records.length === 0)
        throw new CvPermanentError(
          `no exported model blob for iteration ${n.iterationId} of project ${n.projectId} in the backup container`,
          { operation: 'listBackupBlobs', reason: 'blobNotFound' },
        );
      return records;
    }
    const check = checkModelUri(n.modelUri, this.policy);
    if (!check.ok)
      throw new CvValidationError(check.message, { operation: 'readBackupBlob', reason: 'foreignModelUri' });
    return [await this.backupBlob(check.location.blobName, { projectId: n.projectId, iterationId: n.iterationId })];
  }

  /** Backs up every exported model blob of one iteration found in the backup container (any accepted name form). */
  async backupIteration(projectId: string, iterationId: string): Promise<BackupRecord[]> {
    const found = await this.listExportBlobs(projectId, iterationId);
    const out: BackupRecord[] = [];
    for (const b of found) out.push(await this.backupBlob(b.name, { projectId, iterationId }));
    return out;
  }

  /** The blobs of the backup container that identify this project and iteration (any accepted form). */
  async listExportBlobs(projectId: string, iterationId: string): Promise<ExportBlobListing[]> {
    try {
      return await findExportBlobs(this.backupContainer, projectId, iterationId);
    } catch (e) {
      throw classifyStorageError(e, 'listBackupBlobs', 'listing the backup container');
    }
  }

  /**
   * The blob the service wrote for this export in the backup container, or undefined.
   * Candidates are the blobs naming the project and iteration (any form), except the app's
   * own per-flavor copies; among those whose suffix starts with the platform
   * (case-insensitive) the newest wins; a single candidate whose suffix names no known
   * platform is taken as well (an unconfirmed naming). Platform and flavor are the caller's
   * (from GetExports), never read from the name.
   */
  async locateExportBlob(spec: ExportIdentity): Promise<ExportBlobListing | undefined> {
    const all = await this.listExportBlobs(spec.projectId, spec.iterationId);
    const own = new Set(
      Object.values(FLAVORS_BY_PLATFORM)
        .flat()
        .flatMap((f) => EXPORT_PLATFORMS.map((p) => backupBlobName(spec.projectId, spec.iterationId, p, f))),
    );
    const candidates = all.filter((b) => !own.has(b.name));
    const suffixPlatform = (b: ExportBlobListing): string | undefined => {
      const first = parseExportBlobName(b.name)?.suffix.split('.')[0];
      return first !== undefined ? parsePlatform(first) : undefined;
    };
    const mine = candidates.filter((b) => sameName(suffixPlatform(b), spec.platform));
    if (mine.length > 0)
      return [...mine].sort((a, b) => b.lastModified - a.lastModified || (a.name < b.name ? -1 : 1))[0];
    const unnamed = candidates.filter((b) => suffixPlatform(b) === undefined);
    return unnamed.length === 1 ? unnamed[0] : undefined;
  }

  /**
   * Backs up one export that Custom Vision reports `Done` (platform and flavor from
   * GetExports): finds the blob the service wrote ({@link locateExportBlob}); without a
   * flavor that blob is the backup; with a flavor it is first copied inside the backup
   * container to the per-flavor name {@link backupBlobName}, so the next flavor of the same
   * platform (which the service writes to the same name) cannot overwrite it. Throws
   * `blobNotFound` when there is no such blob (then use {@link backupFromDownloadUri}).
   * Idempotent: an existing per-flavor copy is re-verified, not copied again.
   */
  async backupExportedModel(spec: ExportIdentity): Promise<BackupRecord> {
    const flavor = spec.flavor;
    if (flavor) {
      const target = backupBlobName(spec.projectId, spec.iterationId, spec.platform, flavor);
      const existing = await getPropertiesOrUndefined(
        this.backupContainer.getBlobClient(target),
        'readBackupBlob',
        'reading the per-flavor backup blob',
      );
      if (!existing) {
        const found = await this.locateExportBlob(spec);
        if (!found) throw this.#noBlob(spec);
        await this.#copyInsideBackup(found.name, target);
      }
      return this.backupBlob(target, spec);
    }
    const found = await this.locateExportBlob(spec);
    if (!found) throw this.#noBlob(spec);
    return this.backupBlob(found.name, spec);
  }

  /**
   * The export is `Done` but its blob is not in the backup container (integration added
   * later, blob deleted, unexpected naming): server-side copy from GetExports' `downloadUri`
   * (a SAS valid about 24 h) to {@link backupBlobName} in the backup container, then back up
   * that blob. The SAS is used for this one call only: never stored, logged, returned or put
   * in an error message. Falls back to streaming (download with the SAS, upload while
   * hashing) when storage cannot copy from that URL (a source the storage service cannot reach, 501,
   * blobs over 256 MiB). The record has `copiedFromDownloadUri: true`.
   */
  async backupFromDownloadUri(spec: ExportIdentity, downloadUri: ExportDownloadUri): Promise<BackupRecord> {
    const target = this.backupContainer.getBlockBlobClient(
      backupBlobName(spec.projectId, spec.iterationId, spec.platform, spec.flavor),
    );
    const metadata = {
      cvprojectid: spec.projectId.toLowerCase(),
      cviterationid: spec.iterationId.toLowerCase(),
      cvplatform: spec.platform,
      ...(spec.flavor ? { cvflavor: spec.flavor } : {}),
      cvsource: 'downloadUri',
    };
    let copied = false;
    if (this.#copyMode !== 'stream') {
      try {
        await target.syncCopyFromURL(downloadUri.reveal(), { metadata });
        copied = true;
      } catch (e) {
        const err = classifyStorageError(e, 'copyFromDownloadUri', 'copying from the export download URI');
        const status = e instanceof RestError ? e.statusCode : undefined;
        // The destination refused us, or the service is busy: say so. Anything else: stream.
        if (err.kind === 'configuration' && (e as RestError).code !== 'CannotVerifyCopySource') throw err;
        if (err.retryable && status !== 404 && status !== 501) throw err;
        if (this.#copyMode === 'server') throw err;
      }
    }
    if (!copied) await this.#streamFromUri(downloadUri, target, metadata);
    const record = await this.backupBlob(target.name, spec);
    record.copiedFromDownloadUri = true;
    return record;
  }

  /**
   * Backs up one blob of the backup container. Any accepted name form
   * (see blobNames.ts); `expected` ids must match (case-insensitive, with or without
   * dashes). Platform and flavor come from `expected` when given (GetExports), else the
   * platform from the name's suffix.
   */
  async backupBlob(
    blobName: string,
    expected?: { projectId: string; iterationId: string; platform?: string; flavor?: string },
  ): Promise<BackupRecord> {
    const parsed = parseExportBlobName(blobName);
    if (!parsed)
      throw new CvPermanentError(`backup blob name does not identify a project and an iteration`, {
        operation: 'readBackupBlob',
        reason: 'blobNameMismatch',
      });
    if (
      expected &&
      (!sameGuid(parsed.projectId, expected.projectId) || !sameGuid(parsed.iterationId, expected.iterationId))
    )
      throw new CvPermanentError(
        `backup blob ${parsed.projectId} - ${parsed.iterationId} does not belong to iteration ${expected.iterationId} of project ${expected.projectId}`,
        {
          operation: 'readBackupBlob',
          reason: 'blobNameMismatch',
        },
      );
    const source = this.backupContainer.getBlobClient(blobName);
    let props: BlobGetPropertiesResponse;
    try {
      props = await source.getProperties();
    } catch (e) {
      throw classifyStorageError(e, 'readBackupBlob', 'reading the backup blob properties');
    }
    const fromName = parsed.suffix.split('.')[0] as string;
    const record: BackupRecord = {
      projectId: parsed.projectId,
      iterationId: parsed.iterationId,
      platform: expected?.platform ?? parsePlatform(fromName) ?? fromName,
      blobName,
      location: locationOf(source),
      sizeBytes: props.contentLength ?? 0,
      lastModified: (props.lastModified ?? new Date(0)).toISOString(),
    };
    if (expected?.flavor) record.flavor = expected.flavor;
    if (props.etag) record.etag = props.etag;
    if (props.contentMD5 && props.contentMD5.length > 0) record.md5 = Buffer.from(props.contentMD5).toString('base64');
    if (!this.replicaContainer) {
      if (!record.md5)
        record.sha256 = (await hashBlob(source, props.etag, 'hashBlob', 'hashing the backup blob')).sha256;
      return record;
    }
    record.replica = await this.#replicate(source, props, record, this.replicaContainer);
    return record;
  }

  #noBlob(spec: ExportIdentity): CvPermanentError {
    return new CvPermanentError(
      `the export ${spec.platform}${spec.flavor ? `/${spec.flavor}` : ''} of iteration ${spec.iterationId} is not in the backup container`,
      { operation: 'listBackupBlobs', reason: 'blobNotFound' },
    );
  }

  /** Copies a blob to another name inside the backup container (server-side with a short SAS or token; else streamed). */
  async #copyInsideBackup(sourceName: string, targetName: string): Promise<void> {
    const source = this.backupContainer.getBlobClient(sourceName);
    const target = this.backupContainer.getBlockBlobClient(targetName);
    let props: BlobGetPropertiesResponse;
    try {
      props = await source.getProperties();
    } catch (e) {
      throw classifyStorageError(e, 'readBackupBlob', 'reading the exported blob properties');
    }
    const metadata: Record<string, string> = { cvsourceblob: encodeURIComponent(sourceName).slice(0, 1000) };
    const cred = this.backupContainer.credential;
    const serverOk =
      this.#copyMode !== 'stream' &&
      (cred instanceof StorageSharedKeyCredential || isTokenCredential(cred)) &&
      (props.contentLength ?? 0) <= MAX_SYNC_COPY_BYTES;
    if (serverOk) {
      await this.#serverCopy(
        source,
        props,
        target,
        metadata,
        'readBackupBlob',
        'copying the export to its per-flavor name',
      );
      return;
    }
    await this.#streamCopy(source, props, target, metadata, 'readBackupBlob');
  }

  async #streamFromUri(
    uri: ExportDownloadUri,
    target: ReturnType<ContainerClient['getBlockBlobClient']>,
    metadata: Record<string, string>,
  ): Promise<void> {
    const op: CvOperation = 'copyFromDownloadUri';
    let res: Response;
    try {
      res = await fetch(uri.reveal(), { redirect: 'error' });
    } catch {
      throw new CvTransientError(`${op}: network failure reading the export download URI`, {
        operation: op,
        reason: 'network',
      });
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      const status = res.status;
      if (status === 429 || status >= 500)
        throw new CvTransientError(`${op}: HTTP ${status} reading the export download URI`, {
          operation: op,
          status,
          reason: 'storageUnavailable',
        });
      // 403: the SAS expired (about 24 h after the export); 404: the service removed the blob.
      throw new CvPermanentError(`${op}: HTTP ${status} reading the export download URI (expired or removed)`, {
        operation: op,
        status,
        reason: 'blobNotFound',
      });
    }
    const body = Readable.fromWeb(res.body as unknown as WebReadableStream);
    const hasher = new Hasher();
    pipeline(body, hasher, (err) => {
      if (err) hasher.destroy(err);
    });
    try {
      await target.uploadStream(hasher, 4 * 1024 * 1024, 2, { metadata });
      await target.setHTTPHeaders({ blobContentMD5: hasher.md5.digest() });
    } catch (e) {
      hasher.destroy();
      throw classifyStorageError(e, op, 'streaming the export download to the backup container');
    }
  }

  async #replicate(
    source: BlobClient,
    props: BlobGetPropertiesResponse,
    record: BackupRecord,
    replicaContainer: ContainerClient,
  ): Promise<ReplicaRecord> {
    const target = replicaContainer.getBlockBlobClient(record.blobName);
    const alg: Checksum['algorithm'] = record.md5 ? 'md5' : 'sha256';
    const sourceChecksum = async (): Promise<Checksum> => {
      if (record.md5) return { algorithm: 'md5', value: record.md5 };
      if (!record.sha256)
        record.sha256 = (await hashBlob(source, props.etag, 'hashBlob', 'hashing the backup blob')).sha256;
      return { algorithm: 'sha256', value: record.sha256 };
    };
    const verify = async (): Promise<{ checksum: Checksum; sizeBytes: number }> => {
      const h = await hashBlob(target, undefined, 'verifyReplica', 'reading the replica');
      return { checksum: checksumOf(alg, h), sizeBytes: h.bytes };
    };

    // Idempotency: an existing replica with the same size and checksum is not copied again.
    const verifiedExisting = async (): Promise<{
      replica?: ReplicaRecord;
      props: BlobGetPropertiesResponse | undefined;
    }> => {
      const props = await getPropertiesOrUndefined(target, 'verifyReplica', 'reading the replica properties');
      if (props && props.contentLength === record.sizeBytes) {
        const want = await sourceChecksum();
        const got = await verify();
        if (got.checksum.value === want.value && got.sizeBytes === record.sizeBytes)
          return {
            props,
            replica: {
              location: locationOf(target),
              sizeBytes: got.sizeBytes,
              verified: true,
              checksum: got.checksum,
              method: 'existing',
            },
          };
      }
      return { props };
    };
    const found = await verifiedExisting();
    if (found.replica) return found.replica;
    // The write is conditional on what was read (If-None-Match * for no replica, else If-Match its
    // ETag): of concurrent writers of the same backup (duplicate notifications handled at once)
    // one commits; the others fail with a write conflict, find its verified replica and converge.
    const conditions = found.props?.etag ? { ifMatch: found.props.etag } : { ifNoneMatch: '*' };
    try {
      return await this.#writeReplica(
        source,
        props,
        record,
        replicaContainer,
        target,
        conditions,
        sourceChecksum,
        verify,
      );
    } catch (e) {
      if (!isWriteConflict(e)) throw e;
      const after = await verifiedExisting();
      if (after.replica) return after.replica;
      throw e;
    }
  }

  async #writeReplica(
    source: BlobClient,
    props: BlobGetPropertiesResponse,
    record: BackupRecord,
    replicaContainer: ContainerClient,
    target: ReturnType<ContainerClient['getBlockBlobClient']>,
    conditions: { ifMatch?: string; ifNoneMatch?: string },
    sourceChecksum: () => Promise<Checksum>,
    verify: () => Promise<{ checksum: Checksum; sizeBytes: number }>,
  ): Promise<ReplicaRecord> {
    const alg: Checksum['algorithm'] = record.md5 ? 'md5' : 'sha256';

    const method = await this.#chooseMode(source, record.sizeBytes, replicaContainer);
    const metadata: Record<string, string> = {
      cvprojectid: record.projectId,
      cviterationid: record.iterationId,
      cvplatform: record.platform,
      ...(record.flavor ? { cvflavor: record.flavor } : {}),
      cvsource: record.location,
    };
    if (method === 'server') {
      await this.#serverCopy(
        source,
        props,
        target,
        metadata,
        'copyToReplica',
        'server-side copy to the replica',
        conditions,
      );
    } else {
      const streamed = await this.#streamCopy(source, props, target, metadata, 'copyToReplica', conditions);
      if (record.md5 && streamed.md5 !== record.md5)
        throw new CvTransientError('copyToReplica: the backup blob content does not match its Content-MD5', {
          operation: 'copyToReplica',
          reason: 'replicaMismatch',
        });
      if (!record.md5) record.sha256 = streamed.sha256;
      try {
        await target.setHTTPHeaders({
          blobContentMD5: Buffer.from(streamed.md5, 'base64'),
          ...(props.contentType ? { blobContentType: props.contentType } : {}),
        });
      } catch (e) {
        throw classifyStorageError(e, 'copyToReplica', 'setting the replica headers');
      }
    }
    const want = await sourceChecksum();
    const got = await verify();
    if (got.checksum.value !== want.value || got.sizeBytes !== record.sizeBytes)
      throw new CvTransientError(`verifyReplica: replica ${alg} or size differs from the backup blob`, {
        operation: 'verifyReplica',
        reason: 'replicaMismatch',
      });
    return { location: locationOf(target), sizeBytes: got.sizeBytes, verified: true, checksum: got.checksum, method };
  }

  async #chooseMode(source: BlobClient, size: number, replicaContainer: ContainerClient): Promise<'server' | 'stream'> {
    if (this.#copyMode !== 'auto') return this.#copyMode;
    const cred = this.backupContainer.credential;
    const canAuthorize = cred instanceof StorageSharedKeyCredential || isTokenCredential(cred);
    const src = new URL(source.url);
    const dst = new URL(replicaContainer.url);
    // Server-side copy: the replica's service fetches the source URL itself.
    const unreachable = isLoopbackHost(src.hostname) && src.host !== dst.host;
    return canAuthorize && size <= MAX_SYNC_COPY_BYTES && !unreachable ? 'server' : 'stream';
  }

  /** The source URL with a short-lived read SAS (shared key) or a bearer token (token credential). */
  /**
   * Server-side copy of `source` (as read: `props.etag` must still match) to `target` with a
   * short read SAS or a bearer token for the source ({@link #authorizedSource}).
   */
  async #serverCopy(
    source: BlobClient,
    props: BlobGetPropertiesResponse,
    target: ReturnType<ContainerClient['getBlockBlobClient']>,
    metadata: Record<string, string>,
    operation: CvOperation,
    what: string,
    conditions?: { ifMatch?: string; ifNoneMatch?: string },
  ): Promise<void> {
    const copySource = await this.#authorizedSource(source);
    try {
      await target.syncCopyFromURL(copySource.url, {
        metadata,
        ...(conditions ? { conditions } : {}),
        ...(props.etag ? { sourceConditions: { ifMatch: props.etag } } : {}),
        ...(copySource.bearer ? { sourceAuthorization: { scheme: 'Bearer', value: copySource.bearer } } : {}),
      });
    } catch (e) {
      throw classifyStorageError(e, operation, what);
    }
  }

  async #authorizedSource(source: BlobClient): Promise<{ url: string; bearer?: string }> {
    const cred = this.backupContainer.credential;
    if (cred instanceof StorageSharedKeyCredential) {
      const now = Date.now();
      const sas = generateBlobSASQueryParameters(
        {
          containerName: source.containerName,
          blobName: source.name,
          permissions: BlobSASPermissions.parse('r'),
          startsOn: new Date(now - 5 * 60_000),
          expiresOn: new Date(now + this.#sasLifetimeMs),
          protocol: new URL(source.url).protocol === 'https:' ? SASProtocol.Https : SASProtocol.HttpsAndHttp,
        },
        cred,
      ).toString();
      return { url: `${locationOf(source)}?${sas}` };
    }
    if (isTokenCredential(cred)) {
      let token: { token: string } | null;
      try {
        token = await cred.getToken('https://storage.azure.com/.default');
      } catch {
        token = null;
      }
      // No token for the backup container's own identity: a setting to fix, not a passing fault.
      if (!token) throw configurationError(BACKUP_CONTAINER_SETTING, 'copyToReplica', 'credentialUnavailable');
      return { url: locationOf(source), bearer: token.token };
    }
    throw new CvValidationError(
      'copyToReplica: copyMode server needs a shared key or token credential on the backup container',
      { operation: 'copyToReplica', reason: 'invalidArgument' },
    );
  }

  async #streamCopy(
    source: BlobClient,
    props: BlobGetPropertiesResponse,
    target: ReturnType<ContainerClient['getBlockBlobClient']>,
    metadata: Record<string, string>,
    operation: CvOperation = 'copyToReplica',
    conditions?: { ifMatch?: string; ifNoneMatch?: string },
  ): Promise<{ md5: string; sha256: string; bytes: number }> {
    const hasher = new Hasher();
    try {
      const res = await source.download(0, undefined, props.etag ? { conditions: { ifMatch: props.etag } } : {});
      const body = res.readableStreamBody as Readable | undefined;
      if (!body)
        throw new CvTransientError('copyToReplica: empty download stream', {
          operation: 'copyToReplica',
          reason: 'unexpectedResponse',
        });
      pipeline(body, hasher, (err) => {
        if (err) hasher.destroy(err);
      });
      await target.uploadStream(hasher, 4 * 1024 * 1024, 2, {
        metadata,
        ...(conditions ? { conditions } : {}),
        ...(props.contentType ? { blobHTTPHeaders: { blobContentType: props.contentType } } : {}),
      });
    } catch (e) {
      hasher.destroy();
      throw classifyStorageError(e, operation, 'streaming the backup blob');
    }
    return { md5: hasher.md5.digest('base64'), sha256: hasher.sha256.digest('hex'), bytes: hasher.bytes };
  }
}
