export { ConfigurationError, type ConfigurationProblem } from './errors';
export { validateNcrontab } from './ncrontab';
export * from './types';
export {
  DEFAULTS,
  IDENTITY_SETTINGS,
  IDENTITY_STORAGE_SETTINGS,
  S0_MANAGEMENT_RPS_LIMIT,
  SETTING_NAMES,
  type SettingName,
} from './names';
export { loadSettings } from './settings';
export { identityFromEnv } from './storage';
export { KEY_VAULT_NOT_RESOLVED, isKeyVaultReference, referencedSecretSettings, resolveSecret } from './secrets';
export { describeSettings } from './summary';
export { formatExportPlatform } from './customVision';
export { CV_DR_DEFAULTS, CV_DR_SETTING_NAMES } from './customVisionDr';
export { containerNameProblem } from './urls';
export {
  DEFAULT_RPO_HOURS,
  RPO_HOURS_SETTING,
  loadHealthSettings,
  parseHealthSettings,
  type HealthSettings,
} from './health';
