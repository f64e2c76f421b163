/**
 * The identity-based ledger connection (`AzureWebJobsStorage__*`) and the app's managed identity
 * (`AZURE_CLIENT_ID`), as issue 15's keyless deployment writes them.
 */
import { describeSettings, loadSettings } from '../../src/config';
import { APP_CLIENT_ID, STORAGE_CLIENT_ID, deployedEnv, loadError } from '../support/settingsEnv';

describe('identity-based settings (a keyless deployment)', () => {
  it("issue 15's app settings validate: managed identity storage, AZURE_CLIENT_ID, no keys", () => {
    // Act
    const s = loadSettings(deployedEnv());
    // Assess
    expect(s.storage).toEqual({
      kind: 'identity',
      accountName: undefined,
      blobServiceUri: 'https://stdrabc123.blob.core.windows.net',
      queueServiceUri: 'https://stdrabc123.queue.core.windows.net',
      tableServiceUri: 'https://stdrabc123.table.core.windows.net',
      clientId: APP_CLIENT_ID,
    });
    expect(s.identity).toEqual({ clientId: APP_CLIENT_ID, clientIdSetting: 'AZURE_CLIENT_ID' });
    expect(s.source.credential).toEqual({ kind: 'entra' });
    expect(s.targets.map((t) => t.credential)).toEqual([{ kind: 'entra' }]);
    expect([s.taskHub, s.apiVersion, s.apiFamily]).toEqual(['ModelDrProd', '2024-11-30', 'documentModels']);
  });

  it.each(['managedidentity', 'ManagedIdentity'])('accepts AzureWebJobsStorage__credential=%s', (value) => {
    expect(loadSettings(deployedEnv({ AzureWebJobsStorage__credential: value })).storage.kind).toBe('identity');
  });

  it('refuses another AzureWebJobsStorage__credential, naming it', () => {
    const err = loadError(deployedEnv({ AzureWebJobsStorage__credential: 'connectionstring' }));
    expect(err.problems).toEqual([
      {
        setting: 'AzureWebJobsStorage__credential',
        message: expect.stringContaining('"connectionstring" is not supported: use "managedidentity"') as string,
      },
    ]);
  });

  describe('the managed identity of every Azure credential', () => {
    it('AZURE_CLIENT_ID wins over AzureWebJobsStorage__clientId', () => {
      const s = loadSettings(deployedEnv({ AzureWebJobsStorage__clientId: STORAGE_CLIENT_ID }));
      expect(s.identity).toEqual({ clientId: APP_CLIENT_ID, clientIdSetting: 'AZURE_CLIENT_ID' });
    });

    it('AzureWebJobsStorage__clientId when that is all there is', () => {
      const s = loadSettings(
        deployedEnv({ AZURE_CLIENT_ID: undefined, AzureWebJobsStorage__clientId: STORAGE_CLIENT_ID }),
      );
      expect(s.identity).toEqual({ clientId: STORAGE_CLIENT_ID, clientIdSetting: 'AzureWebJobsStorage__clientId' });
    });

    it('AZURE_CLIENT_ID with a connection-string storage', () => {
      const s = loadSettings(
        deployedEnv({
          AzureWebJobsStorage: 'UseDevelopmentStorage=true',
          AzureWebJobsStorage__clientId: STORAGE_CLIENT_ID,
          AZURE_CLIENT_ID: ` ${APP_CLIENT_ID} `,
        }),
      );
      expect(s.identity).toEqual({ clientId: APP_CLIENT_ID, clientIdSetting: 'AZURE_CLIENT_ID' });
    });

    it('none: the system-assigned identity (or a developer credential locally)', () => {
      const s = loadSettings(deployedEnv({ AZURE_CLIENT_ID: undefined, AzureWebJobsStorage__clientId: '' }));
      expect(s.identity).toEqual({});
      expect(describeSettings(s).identity).toEqual({
        clientId: undefined,
        from: 'system-assigned managed identity or developer credential',
      });
    });

    it('a client id with blanks inside is refused, naming AZURE_CLIENT_ID', () => {
      expect(loadError(deployedEnv({ AZURE_CLIENT_ID: 'not a client id' })).settings).toEqual(['AZURE_CLIENT_ID']);
    });

    it('the summary says which identity and from which setting', () => {
      expect(describeSettings(loadSettings(deployedEnv())).identity).toEqual({
        clientId: APP_CLIENT_ID,
        from: 'AZURE_CLIENT_ID',
      });
    });
  });
});
