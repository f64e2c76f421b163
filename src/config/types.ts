/**
 * The typed, deeply frozen settings object and its parts. Secrets (keys, connection strings,
 * SAS tokens) are never held here: only `{ setting: 'NAME' }` references (see secrets.ts).
 */
import type { HealthSettings } from './health';
import type { ApiFamily, ApiVersion } from '../common/apiVersions';
import type { ExportFlavor as CvExportFlavor, ExportPlatform as CvExportPlatform } from '../customVision/flavors';

export type { ApiFamily, ApiVersion } from '../common/apiVersions';
export { SUPPORTED_API_VERSIONS } from '../common/apiVersions';

export type Env = Readonly<Record<string, string | undefined>>;

/** Where a secret lives. `part: 'sasQuery'` means "the query string of that setting's URL". */
export interface SecretRef {
  readonly setting: string;
  readonly part?: 'sasQuery';
}

/** How to authenticate to a Cognitive Services resource: a key held in a setting, or Microsoft Entra ID. */
export type CredentialRef = { readonly kind: 'key'; readonly setting: string } | { readonly kind: 'entra' };

export type StorageSettings =
  | {
      readonly kind: 'connectionString';
      /** `AzureWebJobsStorage` (may hold an account key: a secret). */
      readonly connectionString: SecretRef;
      /** `UseDevelopmentStorage=true` (Azurite on its default ports). */
      readonly developmentStorage: boolean;
      /** Non-secret parts, for logs. */
      readonly accountName?: string;
      readonly blobEndpoint?: string;
    }
  | {
      /** Identity-based: `AzureWebJobsStorage__accountName` / `__blobServiceUri` / `__queueServiceUri`. */
      readonly kind: 'identity';
      readonly accountName?: string;
      readonly blobServiceUri: string;
      readonly queueServiceUri: string;
      readonly tableServiceUri?: string;
      /** `AzureWebJobsStorage__clientId`: a user-assigned managed identity (not a secret). */
      readonly clientId?: string;
    };

export interface ModelResource {
  /** Azure region name, lower case, e.g. `westus2`. */
  readonly region: string;
  /** `https://<name>.cognitiveservices.azure.com`, no trailing slash. */
  readonly endpoint: string;
  /** ARM id `/subscriptions/…/providers/Microsoft.CognitiveServices/accounts/<name>`. */
  readonly resourceId: string;
  readonly credential: CredentialRef;
}

export interface TargetSettings extends ModelResource {
  /** Send `x-ms-forms-copy-degrade: true` (encrypted source → unencrypted target). */
  readonly allowDegrade: boolean;
}

export interface PacingSettings {
  /** Management calls (authorize, copy, delete) per second per resource; S0 allows 5. */
  readonly managementRequestsPerSecond: number;
  /** First copy-status poll interval (the documented 1 s). */
  readonly pollInitialSeconds: number;
  /** Cap of the adaptive poll interval. */
  readonly pollMaxSeconds: number;
  /** Overall deadline of one copy (from start to verified). */
  readonly copyDeadlineMinutes: number;
}

/** Export platforms and flavors: one list, in src/customVision/flavors.ts (validated by `normalizeExportSpecs`). */
export interface ExportPlatform {
  readonly platform: CvExportPlatform;
  readonly flavor?: CvExportFlavor;
}

/** A blob container, its SAS (if the setting carried one) split off as a secret reference. */
export interface ContainerLocation {
  /** Container URL without query string, e.g. `https://acct.blob.core.windows.net/backups`. */
  readonly url: string;
  /** Account (service) URL, e.g. `https://acct.blob.core.windows.net`. */
  readonly accountUrl: string;
  readonly containerName: string;
  /** The SAS query string (without `?`), if the setting held one. */
  readonly sas?: SecretRef;
}

export interface CustomVisionSettings {
  readonly endpoint?: string;
  readonly trainingKey?: SecretRef;
  /** Empty → notifications are only recorded, no exports requested. */
  readonly exportPlatforms: readonly ExportPlatform[];
  readonly notificationQueue: string;
  readonly backupContainer?: ContainerLocation;
  readonly replicaContainer?: ContainerLocation;
}

/** One DR training resource of the Custom Vision project copy (`CV_DR_TARGETS[i]`). */
export interface CustomVisionDrTarget {
  readonly region: string;
  /** The DR training resource's endpoint (ImportProject, publish). */
  readonly endpoint: string;
  /** `keySetting` names the setting with the DR training key; absent → Microsoft Entra ID. */
  readonly credential: CredentialRef;
  /** The DR prediction resource's full ARM id: the `predictionId` of PublishIteration. */
  readonly predictionResourceId: string;
  /** The DR prediction resource's endpoint, reported to callers by the replicas route (optional). */
  readonly predictionEndpoint?: string;
}

/** Custom Vision project DR (`CV_DR_*`, src/config/customVisionDr.ts); off when `targets` is empty. */
export interface CustomVisionDrSettings {
  readonly targets: readonly CustomVisionDrTarget[];
  /** `CV_DR_PROJECTS`: project ids (lower case), or `*` for every project of the source resource. */
  readonly projects: readonly string[] | '*';
  /** `CV_DR_KEEP`: DR copies kept per project and region (default 2). */
  readonly keep: number;
  /** `CV_DR_SCHEDULE`: six-field NCRONTAB of the reconciliation (default daily). */
  readonly schedule: string;
  /** `CV_DR_TRAIN_MISSING`: train in the DR resource when no imported iteration is Completed (default false). */
  readonly trainMissing: boolean;
}

export interface Settings {
  readonly storage: StorageSettings;
  /** Durable task hub name (`DR_TASK_HUB`, used by host.json `%DR_TASK_HUB%`). */
  readonly taskHub: string;
  readonly source: ModelResource;
  readonly targets: readonly TargetSettings[];
  readonly apiVersion: ApiVersion;
  readonly apiFamily: ApiFamily;
  /** Six-field NCRONTAB, whitespace normalized. */
  readonly schedule: string;
  readonly maxParallel: number;
  readonly pacing: PacingSettings;
  readonly ledgerContainer: string;
  /**
   * The blob endpoint of the ledger storage's secondary (read-access geo-redundant) location, read
   * while the primary cannot be reached (`DR_LEDGER_SECONDARY_BLOB_URL`, or derived from the
   * account: `https://<account>-secondary.blob.core.windows.net`); absent: no secondary (Azurite).
   */
  readonly ledgerSecondaryBlobUrl?: string;
  readonly customVision: CustomVisionSettings;
  /** Custom Vision project DR (`CV_DR_*`); `targets` empty → off. */
  readonly customVisionDr: CustomVisionDrSettings;
  /** Restore drills (`DR_DRILL_*`, src/config/drills.ts); off when `samples` is absent. */
  readonly drills: DrillSettings;
  /** The managed identity of every Azure credential the app builds (`AZURE_CLIENT_ID` / `AzureWebJobsStorage__clientId`). */
  readonly identity: IdentitySettings;
  /** The health model's recovery point objective (`DR_RPO_HOURS`). */
  readonly health: HealthSettings;
}

/** The managed identity every Azure credential of the app uses (see src/common/credential.ts). */
export interface IdentitySettings {
  /** A user-assigned managed identity's client id (not a secret); absent → the system-assigned one. */
  readonly clientId?: string;
  /** Where it came from: `AZURE_CLIENT_ID`, else `AzureWebJobsStorage__clientId` when that is all there is. */
  readonly clientIdSetting?: 'AZURE_CLIENT_ID' | 'AzureWebJobsStorage__clientId';
}

/** Restore drills (`DR_DRILL_*`). */
export interface DrillSettings {
  /** `DR_DRILL_SAMPLES_URL`: the container of `<sourceModelId>/<file>` samples; absent → drills off. */
  readonly samples?: ContainerLocation;
  /** `DR_DRILL_SCHEDULE`: six-field NCRONTAB, whitespace normalized. */
  readonly schedule: string;
  /** `DR_DRILL_CONFIDENCE_TOLERANCE`: largest accepted confidence difference (0–1). */
  readonly confidenceTolerance: number;
  /** `DR_DRILL_RECORD_VALUES`: keep normalized field values in records (default: hashes only). */
  readonly recordValues: boolean;
  /** `DR_DRILL_MAX_PAGES`: pages analyzed per run, every analyze call together. */
  readonly maxPages: number;
  /** `DR_DRILL_MAX_PAGES_PER_DAY`: pages analyzed per UTC day, every drill run together (the ledger counts them). */
  readonly maxPagesPerDay: number;
}
