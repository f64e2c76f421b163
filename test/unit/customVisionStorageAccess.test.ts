import { CredentialUnavailableError, AuthenticationError } from '@azure/identity';
import { RestError, StorageSharedKeyCredential, AnonymousCredential } from '@azure/storage-blob';
import { CvConfigurationError, serializeCvError } from '../../src/customVision/errors';
import {
  chooseContainerAccess,
  classifyStorageError,
  describeAccess,
  isCredentialFailure,
  readStorageConnection,
} from '../../src/customVision/storageAccess';

const KEY = Buffer.from('k'.repeat(64)).toString('base64');
const CS = `DefaultEndpointsProtocol=https;AccountName=drapp;AccountKey=${KEY};EndpointSuffix=core.windows.net`;
const tokens = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3600_000 }) };

describe('choosing how to reach a configured container', () => {
  const provider = jest.fn((_o: { clientId?: string }) => tokens);
  beforeEach(() => provider.mockClear());

  it('same account as AzureWebJobsStorage (connection string), no SAS → the account key', () => {
    const a = chooseContainerAccess({
      setting: 'CV_BACKUP_CONTAINER_URL',
      containerUrl: 'https://DRAPP.blob.core.windows.net/cv-backups',
      storage: readStorageConnection({ AzureWebJobsStorage: CS }),
      tokenCredential: provider,
    });
    expect(a.via).toBe('connectionKey');
    expect(a.client.credential).toBeInstanceOf(StorageSharedKeyCredential);
    expect(provider).not.toHaveBeenCalled();
    expect(describeAccess(a)).not.toContain(KEY);
  });

  it('same account, identity-based AzureWebJobsStorage__* → that identity (its client id)', () => {
    const a = chooseContainerAccess({
      setting: 'CV_BACKUP_CONTAINER_URL',
      containerUrl: 'https://drapp.blob.core.windows.net/cv-backups',
      storage: readStorageConnection({
        AzureWebJobsStorage__accountName: 'drapp',
        AzureWebJobsStorage__credential: 'managedidentity',
        AzureWebJobsStorage__clientId: '11111111-2222-3333-4444-555555555555',
      }),
      tokenCredential: provider,
    });
    expect(a.via).toBe('connectionIdentity');
    expect(provider).toHaveBeenCalledWith({ clientId: '11111111-2222-3333-4444-555555555555' });
  });

  it('a SAS in the URL wins, even on the same account', () => {
    const a = chooseContainerAccess({
      setting: 'CV_BACKUP_CONTAINER_URL',
      containerUrl: 'https://drapp.blob.core.windows.net/cv-backups?sv=2024&sig=abc',
      storage: readStorageConnection({ AzureWebJobsStorage: CS }),
      tokenCredential: provider,
    });
    expect(a.via).toBe('sas');
    expect(a.client.credential).toBeInstanceOf(AnonymousCredential);
    expect(a.url).toBe('https://drapp.blob.core.windows.net/cv-backups');
    expect(describeAccess(a)).not.toContain('sig=');
  });

  it('another account without SAS → the token credential', () => {
    const a = chooseContainerAccess({
      setting: 'CV_REPLICA_CONTAINER_URL',
      containerUrl: 'https://drappevil.blob.core.windows.net/cv-replica',
      storage: readStorageConnection({ AzureWebJobsStorage: CS }),
      tokenCredential: provider,
    });
    expect(a.via).toBe('tokenCredential');
    expect(provider).toHaveBeenCalledWith({});
  });

  it('emulator (path-style) accounts compare by the account segment', () => {
    const cs =
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=' +
      KEY +
      ';BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;';
    const st = readStorageConnection({ AzureWebJobsStorage: cs });
    const same = chooseContainerAccess({
      setting: 'CV_BACKUP_CONTAINER_URL',
      containerUrl: 'http://127.0.0.1:10000/devstoreaccount1/bak',
      storage: st,
      tokenCredential: provider,
    });
    const other = chooseContainerAccess({
      setting: 'CV_BACKUP_CONTAINER_URL',
      containerUrl: 'http://127.0.0.1:10000/otheraccount/bak',
      storage: st,
      tokenCredential: provider,
    });
    expect([same.via, other.via]).toEqual(['connectionKey', 'tokenCredential']);
    expect(readStorageConnection({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' })).toMatchObject({
      blobEndpoint: 'http://127.0.0.1:10000/devstoreaccount1',
    });
  });
});

describe('classifying storage failures: configuration, never "network or stream failure"', () => {
  it.each([
    ['CredentialUnavailableError', new CredentialUnavailableError('ManagedIdentityCredential: no endpoint')],
    ['AuthenticationError', new AuthenticationError(400, { error: 'invalid_client', error_description: 'x' })],
    [
      'an aggregate of credential errors',
      Object.assign(new Error('chain'), {
        name: 'AggregateAuthenticationError',
        errors: [new CredentialUnavailableError('a')],
      }),
    ],
    ['a wrapped credential error', new Error('pipeline', { cause: new CredentialUnavailableError('b') })],
  ])('%s → configuration naming the setting, not retryable', (_what, e) => {
    expect(isCredentialFailure(e)).toBe(true);
    const c = classifyStorageError(e, 'readBackupBlob', 'reading the backup blob properties');
    expect(c).toBeInstanceOf(CvConfigurationError);
    expect(c.kind).toBe('configuration');
    expect(c.retryable).toBe(false);
    expect(c.message).toMatch(/^configuration: /);
    expect(c.message).toContain('CV_BACKUP_CONTAINER_URL');
    expect(c.message).not.toContain('network or stream failure');
    expect(serializeCvError(c)).toMatchObject({ kind: 'configuration', reason: 'credentialUnavailable' });
  });

  it.each([401, 403])(
    'storage %p → configuration (storageAccessDenied); replica operations name the replica setting',
    (status) => {
      const e = new RestError('denied', { statusCode: status, code: 'AuthorizationFailure' });
      const backup = classifyStorageError(e, 'readBackupBlob', 'x');
      const replica = classifyStorageError(e, 'verifyReplica', 'x');
      expect(backup).toMatchObject({ kind: 'configuration', reason: 'storageAccessDenied', status });
      expect(backup.message).toContain('CV_BACKUP_CONTAINER_URL');
      expect(replica.message).toContain('CV_REPLICA_CONTAINER_URL');
      // A copy whose *source* was refused names the backup container.
      const source = classifyStorageError(
        new RestError('x', { statusCode: 403, code: 'CannotVerifyCopySource' }),
        'copyToReplica',
        'x',
      );
      expect(source.message).toContain('CV_BACKUP_CONTAINER_URL');
    },
  );

  it('a token credential on a plain-http URL is a configuration problem too', () => {
    const e = new Error('Bearer token authentication is not permitted for non-TLS protected (non-https) URLs.');
    expect(classifyStorageError(e, 'probeContainer', 'x').kind).toBe('configuration');
  });

  it('a real passing fault stays transient', () => {
    expect(classifyStorageError(new RestError('busy', { statusCode: 503 }), 'readBackupBlob', 'x').kind).toBe(
      'transient',
    );
    expect(classifyStorageError(new Error('socket hang up'), 'readBackupBlob', 'x').kind).toBe('transient');
  });
});
