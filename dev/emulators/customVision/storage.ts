/**
 * The emulated service's storage side effects, written to Azurite: notifications on the
 * queue, exported model blobs in the integrated backup container (in the configured name
 * form), the service's own copy of each export (what GetExports' `downloadUri` points at, a
 * read SAS of a blob in the same Azurite so a server-side copy works there), and the
 * `CustomVision-TestPermission-` blob.
 */
import { createHash } from 'node:crypto';
import { BlobSASPermissions, BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import type { BlobNaming, NotificationLogEntry } from './types';

/** Where the emulated service keeps its own export copies (`m-{p}/{i}.{platform}.zip`). */
export const SERVICE_EXPORTS_CONTAINER = 'cv-service-exports';

export function fakeModelBytes(
  size: number,
  projectId: string,
  iterationId: string,
  platform: string,
  flavor?: string,
): Buffer {
  const seed = `${projectId}|${iterationId}|${platform}|${flavor ?? ''}`;
  const out = Buffer.alloc(size);
  let off = 0;
  for (let i = 0; off < size; i++) {
    const block = createHash('sha256').update(`${seed}#${i}`).digest();
    off += block.copy(out, off);
  }
  return out;
}

const nodash = (id: string): string => id.replace(/-/g, '');

/** The exported blob's name in the integrated container, in one of the forms the app must accept. */
export function exportBlobName(
  naming: BlobNaming,
  projectId: string,
  iterationId: string,
  platform: string,
  flavor?: string,
): string {
  switch (naming) {
    case 'noDashes':
      return `${nodash(projectId)} - ${nodash(iterationId)}.${platform}`;
    case 'zip':
      return `${projectId} - ${iterationId}.${platform}.zip`;
    case 'flavorSuffix':
      return `${projectId} - ${iterationId}.${platform}${flavor ? `.${flavor}` : ''}`;
    case 'customVisionCopy':
      return `m-${nodash(projectId)}/${nodash(iterationId)}.${platform}.zip`;
    default:
      return `${projectId} - ${iterationId}.${platform}`;
  }
}

/** What Custom Vision sends when no container is integrated: its own blob, with a SAS (a secret). */
export function foreignSasUrl(name: string): string {
  const sig = createHash('sha256').update(`sig:${name}`).digest('base64');
  return `https://irisprodeutraining.blob.core.windows.net/exports/${encodeURIComponent(name)}?sv=2020-08-04&se=2099-01-01T00%3A00%3A00Z&sr=b&sp=r&sig=${encodeURIComponent(sig)}`;
}

export interface EmulatorStorage {
  readonly container?: ContainerClient;
  ensure(): Promise<void>;
  sendMessage(text: string): Promise<void>;
  /** Writes a model blob in the backup container; its URL, or undefined without storage. */
  writeModel(name: string, bytes: Buffer, contentMd5: boolean): Promise<string | undefined>;
  /** Writes the service's own copy; returns its read SAS URL (24 h of wall time), or undefined without storage. */
  writeServiceCopy(name: string, bytes: Buffer): Promise<string | undefined>;
  deleteModel(name: string): Promise<void>;
  writeTestBlob(name: string): Promise<void>;
}

export function createEmulatorStorage(
  connectionString: string | undefined,
  backupContainer: string,
  queueName: string,
): EmulatorStorage {
  if (!connectionString)
    return {
      ensure: async () => undefined,
      sendMessage: async () => undefined,
      writeModel: async () => undefined,
      writeServiceCopy: async () => undefined,
      deleteModel: async () => undefined,
      writeTestBlob: async () => undefined,
    };
  const service = BlobServiceClient.fromConnectionString(connectionString);
  const container = service.getContainerClient(backupContainer);
  const own = service.getContainerClient(SERVICE_EXPORTS_CONTAINER);
  const queue: QueueClient = QueueServiceClient.fromConnectionString(connectionString).getQueueClient(queueName);
  let ready: Promise<void> | undefined;
  const ensure = (): Promise<void> =>
    (ready ??= (async () => {
      await container.createIfNotExists();
      await own.createIfNotExists();
      await queue.createIfNotExists();
    })());

  async function writeBlocks(c: ContainerClient, name: string, bytes: Buffer, contentMd5: boolean): Promise<string> {
    await ensure();
    const blob = c.getBlockBlobClient(name);
    const headers = { blobContentType: 'application/octet-stream' };
    if (contentMd5) {
      await blob.upload(bytes, bytes.length, {
        blobHTTPHeaders: { ...headers, blobContentMD5: createHash('md5').update(bytes).digest() },
      });
    } else {
      // Blocks + block list: the service stores no Content-MD5 for the whole blob.
      const ids: string[] = [];
      const blockSize = 32 * 1024;
      for (let off = 0, i = 0; off < bytes.length; off += blockSize, i++) {
        const id = Buffer.from(`block-${String(i).padStart(6, '0')}`).toString('base64');
        const part = bytes.subarray(off, off + blockSize);
        await blob.stageBlock(id, part, part.length);
        ids.push(id);
      }
      await blob.commitBlockList(ids, { blobHTTPHeaders: headers });
    }
    return blob.url;
  }

  return {
    container,
    ensure,
    async sendMessage(text) {
      await ensure();
      await queue.sendMessage(text);
    },
    writeModel: (name, bytes, contentMd5) => writeBlocks(container, name, bytes, contentMd5),
    async writeServiceCopy(name, bytes) {
      await writeBlocks(own, name, bytes, true);
      // The SAS is checked by storage against wall time, so its expiry is wall time too.
      return own.getBlobClient(name).generateSasUrl({
        permissions: BlobSASPermissions.parse('r'),
        expiresOn: new Date(Date.now() + 24 * 3600_000),
      });
    },
    async deleteModel(name) {
      await container.getBlobClient(name).deleteIfExists();
    },
    async writeTestBlob(name) {
      await ensure();
      await container.getBlockBlobClient(name).upload('test', 4);
    },
  };
}

export function encodeNotification(
  message: Record<string, unknown>,
  encoding: NotificationLogEntry['encoding'],
): string {
  const text = JSON.stringify(message);
  return encoding === 'base64' ? Buffer.from(text, 'utf8').toString('base64') : text;
}
