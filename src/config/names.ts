/** The names of the settings the app reads, and their defaults. */
import { DEFAULT_API_VERSION } from '../common/apiVersions';

/** Every setting this module reads (besides identity-based storage alternatives and `keySetting` targets). */
export const SETTING_NAMES = [
  'AzureWebJobsStorage',
  'DR_TASK_HUB',
  'DR_SOURCE_ENDPOINT',
  'DR_SOURCE_REGION',
  'DR_SOURCE_RESOURCE_ID',
  'DR_SOURCE_KEY',
  'DR_TARGETS',
  'DR_API_VERSION',
  'DR_SCHEDULE',
  'DR_MAX_PARALLEL',
  'DR_MANAGEMENT_RPS',
  'DR_POLL_INITIAL_SECONDS',
  'DR_POLL_MAX_SECONDS',
  'DR_COPY_DEADLINE_MINUTES',
  'DR_LEDGER_CONTAINER',
  'DR_LEDGER_SECONDARY_BLOB_URL',
  'DR_RPO_HOURS',
  'CV_NOTIFICATION_QUEUE',
  'CV_ENDPOINT',
  'CV_TRAINING_KEY',
  'CV_EXPORT_PLATFORMS',
  'CV_BACKUP_CONTAINER_URL',
  'CV_REPLICA_CONTAINER_URL',
  'CV_DR_TARGETS',
  'CV_DR_PROJECTS',
  'CV_DR_KEEP',
  'CV_DR_SCHEDULE',
  'CV_DR_TRAIN_MISSING',
  'DR_DRILL_SAMPLES_URL',
  'DR_DRILL_SCHEDULE',
  'DR_DRILL_CONFIDENCE_TOLERANCE',
  'DR_DRILL_RECORD_VALUES',
  'DR_DRILL_MAX_PAGES',
  'DR_DRILL_MAX_PAGES_PER_DAY',
] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

/**
 * Identity-based alternatives to the `AzureWebJobsStorage` connection string (the Functions
 * host's `AzureWebJobsStorage__*` form, as an azd / Bicep deployment writes it).
 */
export const IDENTITY_STORAGE_SETTINGS = [
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__blobServiceUri',
  'AzureWebJobsStorage__queueServiceUri',
  'AzureWebJobsStorage__tableServiceUri',
  'AzureWebJobsStorage__clientId',
  'AzureWebJobsStorage__credential',
] as const;

/** Settings of the app's managed identity, read when present (absent locally: `az login` / a developer credential). */
export const IDENTITY_SETTINGS = ['AZURE_CLIENT_ID'] as const;

export const DEFAULTS = Object.freeze({
  DR_TASK_HUB: 'ModelDr',
  DR_API_VERSION: DEFAULT_API_VERSION,
  DR_SCHEDULE: '0 0 2 * * *',
  DR_MAX_PARALLEL: 4,
  DR_MANAGEMENT_RPS: 4,
  DR_POLL_INITIAL_SECONDS: 1,
  DR_POLL_MAX_SECONDS: 15,
  DR_COPY_DEADLINE_MINUTES: 60,
  DR_LEDGER_CONTAINER: 'model-dr',
  DR_RPO_HOURS: 26,
  CV_NOTIFICATION_QUEUE: 'customvision-notifications',
  /** Sundays at 03:00 UTC. */
  DR_DRILL_SCHEDULE: '0 0 3 * * 0',
  DR_DRILL_CONFIDENCE_TOLERANCE: 0.05,
  DR_DRILL_RECORD_VALUES: false,
  DR_DRILL_MAX_PAGES: 20,
  DR_DRILL_MAX_PAGES_PER_DAY: 100,
} as const);

/** The S0 tier's model-management limit (authorize / copy / delete per second per resource). */
export const S0_MANAGEMENT_RPS_LIMIT = 5;
