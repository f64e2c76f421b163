import { CredentialUnavailableError } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';
import { DEV_KEY, startAzurite, type AzuriteInstance } from '../../dev/azurite';
import { CustomVisionBackup } from '../../src/customVision/backup';
import { CvConfigurationError, CustomVisionError } from '../../src/customVision/errors';
import {
  chooseContainerAccess,
  probeContainer,
  readStorageConnection,
  type ChooseAccessOptions,
} from '../../src/customVision/storageAccess';

const P = '5c2b7d38-1d3a-4f0e-9d53-2b7f7e3c1a10';
const I = 'a1e4c0b2-77f2-4a8e-8f1b-0d3c2e9f6b21';

/** What DefaultAzureCredential does on a machine without any identity. */
const noIdentity: ChooseAccessOptions['tokenCredential'] = () => ({
  getToken: () => Promise.reject(new CredentialUnavailableError('DefaultAzureCredential: no credential in the chain')),
});

describe('reaching the configured containers on Azurite (credentials and diagnosis)', () => {
  let azurite: AzuriteInstance;
  let blobEndpoint: string;
  beforeAll(async () => {
    azurite = await startAzurite();
    blobEndpoint = azurite.blobEndpoint.replace(/\/+$/, '');
    const svc = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const c = svc.getContainerClient('cvbak');
    await c.createIfNotExists();
    await c.getBlockBlobClient(`${P} - ${I}.ONNX`).upload('model-bytes', 11);
  });
  afterAll(async () => {
    await azurite.stop();
  });

  it('a plain container URL on the AzureWebJobsStorage account works with that account key', async () => {
    // Prepare: the seed guide's setup — a container URL copied from Properties, no SAS.
    const access = chooseContainerAccess({
      setting: 'CV_BACKUP_CONTAINER_URL',
      containerUrl: `${blobEndpoint}/cvbak`,
      storage: readStorageConnection({ AzureWebJobsStorage: azurite.connectionString }),
      tokenCredential: noIdentity,
    });
    // Act
    const probe = await probeContainer(access);
    const record = await new CustomVisionBackup({ backup: access.client }).backupBlob(`${P} - ${I}.ONNX`, {
      projectId: P,
      iterationId: I,
      platform: 'ONNX',
    });
    // Assess
    expect(access.via).toBe('connectionKey');
    expect(probe).toMatchObject({ ok: true, setting: 'CV_BACKUP_CONTAINER_URL', via: 'connectionKey' });
    expect(record).toMatchObject({ projectId: P, iterationId: I, platform: 'ONNX', sizeBytes: 11 });
    expect(JSON.stringify([probe, record])).not.toContain(DEV_KEY);
  });

  it('a container on an account we have no credential for fails fast with the configuration message', async () => {
    // Prepare: another account on the same host; no SAS; no identity available.
    const access = chooseContainerAccess({
      setting: 'CV_REPLICA_CONTAINER_URL',
      containerUrl: `${blobEndpoint.replace(/devstoreaccount1$/, 'otheraccount')}/cvrep`,
      storage: readStorageConnection({ AzureWebJobsStorage: azurite.connectionString }),
      tokenCredential: noIdentity,
    });
    // Act
    const probe = await probeContainer(access);
    let thrown: unknown;
    try {
      await new CustomVisionBackup({ backup: access.client }).backupBlob(`${P} - ${I}.ONNX`);
    } catch (e) {
      thrown = e;
    }
    // Assess
    expect(access.via).toBe('tokenCredential');
    expect(probe).toMatchObject({ ok: false, kind: 'configuration', setting: 'CV_REPLICA_CONTAINER_URL' });
    expect(probe.message).toContain('CV_REPLICA_CONTAINER_URL');
    expect(probe.message).toContain('configuration');
    expect(probe.message).not.toMatch(/network or stream failure/);
    expect(thrown).toBeInstanceOf(CvConfigurationError);
    expect((thrown as CustomVisionError).retryable).toBe(false);
    expect((thrown as CustomVisionError).message).not.toMatch(/network or stream failure/);
  });

  it('the same account with a wrong key: storage 403 is a configuration failure, not transient', async () => {
    const wrong = azurite.connectionString.replace(DEV_KEY, Buffer.from('x'.repeat(64)).toString('base64'));
    const access = chooseContainerAccess({
      setting: 'CV_BACKUP_CONTAINER_URL',
      containerUrl: `${blobEndpoint}/cvbak`,
      storage: readStorageConnection({ AzureWebJobsStorage: wrong }),
      tokenCredential: noIdentity,
    });
    const probe = await probeContainer(access);
    expect(probe).toMatchObject({ ok: false, kind: 'configuration', setting: 'CV_BACKUP_CONTAINER_URL' });
    expect(probe.message).toMatch(/HTTP 403/);
  });

  it('a container that does not exist is named as a configuration problem', async () => {
    const access = chooseContainerAccess({
      setting: 'CV_BACKUP_CONTAINER_URL',
      containerUrl: `${blobEndpoint}/nosuchcontainer`,
      storage: readStorageConnection({ AzureWebJobsStorage: azurite.connectionString }),
      tokenCredential: noIdentity,
    });
    const probe = await probeContainer(access);
    expect(probe).toMatchObject({ ok: false, kind: 'configuration' });
    expect(probe.message).toContain('does not exist');
  });
});
