/**
 * Secrets are referenced, not held: the settings object stores `{ setting: 'NAME' }` and
 * `resolveSecret(ref)` reads the value at the moment of use (so a rotated Key Vault reference is
 * picked up, and `JSON.stringify(settings)` is always safe to log).
 */
import { ConfigurationError } from './errors';
import { KEY_VAULT_NOT_RESOLVED, isKeyVaultReference } from './reader';
import type { Env, SecretRef, Settings } from './types';

export { KEY_VAULT_NOT_RESOLVED, isKeyVaultReference } from './reader';

/**
 * Reads a secret at the moment of use. Throws `ConfigurationError` naming the setting
 * (never the value) when it is missing, still an unresolved Key Vault reference, or when a SAS
 * is asked for and the URL has none.
 */
export function resolveSecret(ref: SecretRef, env: Env = process.env): string {
  const value = env[ref.setting]?.trim();
  if (!value)
    throw new ConfigurationError([
      { setting: ref.setting, message: 'is missing or empty (a secret is read when it is used)' },
    ]);
  if (isKeyVaultReference(value))
    throw new ConfigurationError([{ setting: ref.setting, message: KEY_VAULT_NOT_RESOLVED }]);
  if (ref.part === 'sasQuery') {
    const q = value.indexOf('?');
    const sas = q < 0 ? '' : value.slice(q + 1);
    if (!sas) throw new ConfigurationError([{ setting: ref.setting, message: 'no longer carries a SAS query string' }]);
    return sas;
  }
  return value;
}

/** Names of the settings a loaded configuration refers to for secrets (e.g. each target's `keySetting`). */
export function referencedSecretSettings(settings: Settings): string[] {
  const names = new Set<string>();
  if (settings.storage.kind === 'connectionString') names.add(settings.storage.connectionString.setting);
  for (const r of [settings.source, ...settings.targets])
    if (r.credential.kind === 'key') names.add(r.credential.setting);
  const cv = settings.customVision;
  if (cv.trainingKey) names.add(cv.trainingKey.setting);
  if (cv.backupContainer?.sas) names.add(cv.backupContainer.sas.setting);
  if (cv.replicaContainer?.sas) names.add(cv.replicaContainer.sas.setting);
  for (const t of settings.customVisionDr.targets) if (t.credential.kind === 'key') names.add(t.credential.setting);
  if (settings.drills.samples?.sas) names.add(settings.drills.samples.sas.setting);
  return [...names];
}
