/**
 * One place builds the app's Azure credential (src/common/credential.ts): DefaultAzureCredential
 * with the user-assigned identity's client id, memoized per built app, never elsewhere in src.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { DefaultAzureCredential } from '@azure/identity';
import { azureCredentialOptions, azureCredentialProvider, createAzureCredential } from '../../src/common/credential';
import { ConfigurationError, loadSettings } from '../../src/config';
import { ledgerConnectionFromSettings } from '../../src/ledger/connect';
import { APP_CLIENT_ID, KV_REFERENCE, STORAGE_CLIENT_ID, deployedEnv } from '../support/settingsEnv';

describe('createAzureCredential', () => {
  it.each([
    ['AZURE_CLIENT_ID', { AZURE_CLIENT_ID: APP_CLIENT_ID, AzureWebJobsStorage__clientId: undefined }, APP_CLIENT_ID],
    [
      'AzureWebJobsStorage__clientId',
      { AZURE_CLIENT_ID: undefined, AzureWebJobsStorage__clientId: STORAGE_CLIENT_ID },
      STORAGE_CLIENT_ID,
    ],
    [
      'AZURE_CLIENT_ID over AzureWebJobsStorage__clientId',
      { AZURE_CLIENT_ID: APP_CLIENT_ID, AzureWebJobsStorage__clientId: STORAGE_CLIENT_ID },
      APP_CLIENT_ID,
    ],
  ])('managedIdentityClientId from %s, from settings and from the raw environment alike', (_name, over, expected) => {
    const env = deployedEnv(over);
    expect(azureCredentialOptions(loadSettings(env))).toEqual({ managedIdentityClientId: expected });
    expect(azureCredentialOptions(env)).toEqual({ managedIdentityClientId: expected });
  });

  it('no client id: the system-assigned identity (no managedIdentityClientId)', () => {
    const env = deployedEnv({ AZURE_CLIENT_ID: undefined, AzureWebJobsStorage__clientId: undefined });
    expect(azureCredentialOptions(loadSettings(env))).toEqual({});
    expect(azureCredentialOptions({})).toEqual({});
  });

  it('AzureWebJobsStorage__clientId does not count next to a storage connection string', () => {
    expect(
      azureCredentialOptions({
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        AzureWebJobsStorage__clientId: STORAGE_CLIENT_ID,
      }),
    ).toEqual({});
  });

  it('an unresolved Key Vault reference in AZURE_CLIENT_ID is a configuration error naming it', () => {
    expect(() => createAzureCredential({ AZURE_CLIENT_ID: KV_REFERENCE })).toThrow(ConfigurationError);
    expect(() => createAzureCredential({ AZURE_CLIENT_ID: KV_REFERENCE })).toThrow(
      /AZURE_CLIENT_ID: Key Vault reference not resolved/,
    );
  });

  it('builds a DefaultAzureCredential', () => {
    expect(createAzureCredential(loadSettings(deployedEnv()))).toBeInstanceOf(DefaultAzureCredential);
  });

  it('a provider builds once and returns the same credential; two built apps get two credentials', () => {
    const settings = loadSettings(deployedEnv());
    const app1 = azureCredentialProvider(settings);
    const app2 = azureCredentialProvider(settings);
    expect(app1()).toBe(app1());
    expect(app1()).toBeInstanceOf(DefaultAzureCredential);
    expect(app2()).not.toBe(app1());
  });

  it('the identity-based ledger uses the credential it is given, or one built for the app identity', () => {
    const settings = loadSettings(deployedEnv());
    const given = azureCredentialProvider(settings)();
    const withGiven = ledgerConnectionFromSettings(settings, {}, given);
    expect(withGiven).toEqual({ accountUrl: 'https://stdrabc123.blob.core.windows.net', credential: given });
    const built = ledgerConnectionFromSettings(settings, {});
    expect('credential' in built && built.credential).toBeInstanceOf(DefaultAzureCredential);
  });
});

describe('nothing else in src builds a DefaultAzureCredential', () => {
  const root = path.join(__dirname, '..', '..');
  const files = (dir: string): string[] =>
    readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : [],
    );
  const constructs = (file: string): boolean =>
    /new\s+DefaultAzureCredential\b/.test(readFileSync(path.join(root, file), 'utf8'));
  /**
   * Being rewritten on another branch (issue 10: activities built from their dependencies); the
   * lead wires `azureCredentialProvider` in there at merge and empties this list.
   */
  it('only src/common/credential.ts constructs it (grep of src; the composition root uses its provider)', () => {
    const found = files('src').filter(constructs).sort();
    expect(found).toEqual(['src/common/credential.ts']);
  });
});
