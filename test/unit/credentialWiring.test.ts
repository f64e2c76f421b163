/**
 * The built app uses the one credential of src/common/credential.ts: built once, lazily, for
 * the app's managed identity (`managedIdentityClientId`), and shared by the keyless copy
 * clients, the Custom Vision containers and the identity-based ledger.
 */
import type { TokenCredential } from '@azure/identity';
import { createAppDependencies } from '../../src/functions/dependencies';
import { ledgerConnectionFromSettings } from '../../src/ledger/connect';
import { systemClock } from '../../src/runtime/clock';
import { APP_CLIENT_ID, STORAGE_CLIENT_ID, deployedEnv, keyedEnv } from '../support/settingsEnv';

const built: { options: unknown; credential: TokenCredential }[] = [];

jest.mock('@azure/identity', () => {
  const actual = jest.requireActual<typeof import('@azure/identity')>('@azure/identity');
  class RecordingCredential extends actual.DefaultAzureCredential {
    constructor(options?: ConstructorParameters<typeof actual.DefaultAzureCredential>[0]) {
      const asGiven = { ...options }; // DefaultAzureCredential adds its own defaults to the object
      super(options);
      built.push({ options: asGiven, credential: this });
    }
  }
  return { ...actual, DefaultAzureCredential: RecordingCredential };
});

beforeEach(() => {
  built.length = 0;
});

describe('the app credential', () => {
  it.each([
    ['AZURE_CLIENT_ID', { AZURE_CLIENT_ID: APP_CLIENT_ID }, APP_CLIENT_ID],
    [
      'AzureWebJobsStorage__clientId',
      // One identity throughout (Application Insights' Entra ID ingestion names the same one; an
      // authentication string naming another identity gets a credential of its own, by design).
      {
        AZURE_CLIENT_ID: undefined,
        AzureWebJobsStorage__clientId: STORAGE_CLIENT_ID,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${STORAGE_CLIENT_ID};Authorization=AAD`,
      },
      STORAGE_CLIENT_ID,
    ],
  ])('a keyless app builds one credential for the managed identity of %s', (_name, over, clientId) => {
    const deps = createAppDependencies({ env: deployedEnv(over), clock: systemClock });
    expect(built.map((b) => b.options)).toEqual([{ managedIdentityClientId: clientId }]);
    const ledger = ledgerConnectionFromSettings(deps.settings, {}, () => built[0]!.credential);
    expect('credential' in ledger && ledger.credential).toBe(built[0]!.credential);
  });

  it('an app with keys, SAS and a connection string builds no credential at all', () => {
    const deps = createAppDependencies({
      env: keyedEnv({ CV_BACKUP_CONTAINER_URL: undefined, CV_REPLICA_CONTAINER_URL: undefined }),
      clock: systemClock,
    });
    const getter = jest.fn(() => {
      throw new Error('not needed');
    });
    expect(ledgerConnectionFromSettings(deps.settings, keyedEnv(), getter)).toHaveProperty('connectionString');
    expect(getter).not.toHaveBeenCalled();
    expect(built).toEqual([]);
  });
});
