import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { startAzurite, type AzuriteInstance } from '../../dev/azurite';

describe('dev/azurite', () => {
  let azurite: AzuriteInstance;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite.stop();
  });

  it('serves blobs and queues through the connection string it reports', async () => {
    // Prepare
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const queues = QueueServiceClient.fromConnectionString(azurite.connectionString);
    // Act
    const container = blobs.getContainerClient('probe');
    await container.create();
    await container.getBlockBlobClient('a.txt').upload('hello', 5);
    const queue = queues.getQueueClient('probe');
    await queue.create();
    await queue.sendMessage('{"x":1}');
    // Assess
    expect((await container.getBlobClient('a.txt').downloadToBuffer()).toString()).toBe('hello');
    const received = await queue.receiveMessages();
    expect(received.receivedMessageItems[0].messageText).toBe('{"x":1}');
    expect(azurite.blobEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
  });
});
