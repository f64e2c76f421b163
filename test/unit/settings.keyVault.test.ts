/**
 * Unresolved Key Vault references (issue 15): when the platform cannot resolve a
 * `@Microsoft.KeyVault(...)` reference it leaves the literal text in the setting. The app stops
 * at load with a configuration error naming the setting, and a secret read at use that is still
 * a reference is a configuration error too (never a transient).
 */
import {
  ConfigurationError,
  IDENTITY_SETTINGS,
  IDENTITY_STORAGE_SETTINGS,
  KEY_VAULT_NOT_RESOLVED,
  SETTING_NAMES,
  isKeyVaultReference,
  loadSettings,
  resolveSecret,
} from '../../src/config';
import { KV_REFERENCE, deployedEnv, keyedEnv, loadError } from '../support/settingsEnv';

const NOT_RESOLVED = /Key Vault reference not resolved: check the identity's access/;

describe('Key Vault references left unresolved by the platform', () => {
  it('recognizes the reference text, in any case and with surrounding blanks', () => {
    expect(isKeyVaultReference(KV_REFERENCE)).toBe(true);
    expect(isKeyVaultReference('  @microsoft.keyvault(VaultName=v;SecretName=s)  ')).toBe(true);
    expect(isKeyVaultReference('SECRET-key')).toBe(false);
    expect(isKeyVaultReference('x@Microsoft.KeyVault(')).toBe(false);
  });

  describe('at load: one problem naming the setting, and only that one', () => {
    it.each([...SETTING_NAMES, 'DR_TARGET_KEY_EASTUS2'])('%s', (setting) => {
      // Prepare
      const env = keyedEnv({ [setting]: KV_REFERENCE });
      // Act
      const err = loadError(env);
      // Assess
      expect(err.problems).toEqual([{ setting, message: KEY_VAULT_NOT_RESOLVED }]);
      expect(err.message).toMatch(NOT_RESOLVED);
      expect(err.message).toContain(`${setting}: Key Vault reference not resolved`);
    });

    it.each([...IDENTITY_STORAGE_SETTINGS, ...IDENTITY_SETTINGS])('%s (identity-based deployment)', (setting) => {
      const err = loadError(deployedEnv({ [setting]: KV_REFERENCE }));
      expect(err.problems).toEqual([{ setting, message: KEY_VAULT_NOT_RESOLVED }]);
    });

    it('lists every unresolved setting at once, with the other problems', () => {
      const err = loadError(
        keyedEnv({ DR_SOURCE_KEY: KV_REFERENCE, CV_TRAINING_KEY: KV_REFERENCE, DR_MAX_PARALLEL: '0' }),
      );
      expect(err.settings).toEqual(['DR_SOURCE_KEY', 'DR_MAX_PARALLEL', 'CV_TRAINING_KEY']);
    });

    it('a target whose keySetting holds a reference names the key setting, not DR_TARGETS', () => {
      const err = loadError(keyedEnv({ DR_TARGET_KEY_EASTUS2: ` ${KV_REFERENCE} ` }));
      expect(err.settings).toEqual(['DR_TARGET_KEY_EASTUS2']);
    });
  });

  describe('at use (secrets are read when used, so a rotation can break them later)', () => {
    const settings = loadSettings(keyedEnv());

    it.each([
      ['DR_SOURCE_KEY', { setting: 'DR_SOURCE_KEY' }],
      ['CV_TRAINING_KEY', settings.customVision.trainingKey!],
      ['DR_TARGET_KEY_EASTUS2', { setting: 'DR_TARGET_KEY_EASTUS2' }],
      ['AzureWebJobsStorage', { setting: 'AzureWebJobsStorage' }],
      ['CV_REPLICA_CONTAINER_URL', settings.customVision.replicaContainer!.sas!],
    ] as const)('%s: a ConfigurationError naming the setting', (setting, ref) => {
      // Prepare: the value was fine at load, the reference stopped resolving since
      const env = keyedEnv({ [setting]: KV_REFERENCE });
      // Act
      let thrown: unknown;
      try {
        resolveSecret(ref, env);
      } catch (err) {
        thrown = err;
      }
      // Assess
      expect(thrown).toBeInstanceOf(ConfigurationError);
      const err = thrown as ConfigurationError;
      expect(err.problems).toEqual([{ setting, message: KEY_VAULT_NOT_RESOLVED }]);
      expect(err.message).toMatch(NOT_RESOLVED);
    });

    it('a resolved value is returned as before', () => {
      expect(resolveSecret({ setting: 'DR_SOURCE_KEY' }, keyedEnv())).toBe('SECRET-source-key-0001');
    });
  });
});
