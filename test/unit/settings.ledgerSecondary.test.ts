/** `DR_LEDGER_SECONDARY_BLOB_URL`: the ledger storage's secondary endpoint, set or derived (issue 23). */
import { ConfigurationError, loadSettings, type Env } from '../../src/config';
import { keyedEnv } from '../support/settingsEnv';

function identityEnv(over: Record<string, string | undefined> = {}): Env {
  return keyedEnv({
    AzureWebJobsStorage: undefined,
    AzureWebJobsStorage__accountName: 'drstate',
    AzureWebJobsStorage__blobServiceUri: 'https://drstate.blob.core.windows.net',
    AzureWebJobsStorage__queueServiceUri: 'https://drstate.queue.core.windows.net',
    ...over,
  });
}

describe('DR_LEDGER_SECONDARY_BLOB_URL', () => {
  it.each([
    ['an account key connection string', keyedEnv(), 'https://drstate-secondary.blob.core.windows.net'],
    ['identity-based storage', identityEnv(), 'https://drstate-secondary.blob.core.windows.net'],
    [
      'a connection string with an Azure BlobEndpoint',
      keyedEnv({
        AzureWebJobsStorage:
          'BlobEndpoint=https://acct2.blob.core.windows.net/;SharedAccessSignature=sv=2024-08-04&sig=SECRET',
      }),
      'https://acct2-secondary.blob.core.windows.net',
    ],
    ['development storage', keyedEnv({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }), undefined],
    [
      'a custom BlobEndpoint (Azurite)',
      keyedEnv({
        AzureWebJobsStorage:
          'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=SECRETk==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;',
      }),
      undefined,
    ],
    [
      'the setting itself (Azurite standing in for the secondary)',
      keyedEnv({ DR_LEDGER_SECONDARY_BLOB_URL: 'http://127.0.0.1:20000/devstoreaccount1' }),
      'http://127.0.0.1:20000/devstoreaccount1',
    ],
  ])('%s → %s', (_name, env, expected) => {
    expect(loadSettings(env).ledgerSecondaryBlobUrl).toBe(expected);
  });

  it.each([
    ['http://storage.example.com/x', /http/],
    ['https://acct-secondary.blob.core.windows.net/?sv=1&sig=SECRET', /query/],
    ['not a url', /not an http\(s\) URL/],
  ])('refuses %s, naming the setting and never the value', (value, problem) => {
    let error: unknown;
    try {
      loadSettings(keyedEnv({ DR_LEDGER_SECONDARY_BLOB_URL: value }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const message = (error as ConfigurationError).message;
    expect(message).toMatch(/DR_LEDGER_SECONDARY_BLOB_URL/);
    expect(message).toMatch(problem);
    expect(message).not.toContain('SECRET');
  });
});
