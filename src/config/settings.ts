/**
 * App settings: parsed and validated once at start-up, then passed around as a typed,
 * deeply frozen object. Plain TypeScript, no Functions types.
 *
 * Secrets (keys, connection strings, SAS tokens) are never held in the settings object:
 * it holds `{ setting: 'NAME' }` references, and `resolveSecret(ref)` reads the value at
 * the moment of use (so a rotated Key Vault reference is picked up, and
 * `JSON.stringify(settings)` is always safe to log).
 */
import { ConfigurationError, type ConfigurationProblem } from './errors';
import { validateNcrontab } from './ncrontab';

export type Env = Readonly<Record<string, string | undefined>>;

// ---------------------------------------------------------------------------------------------
// Types

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

export const SUPPORTED_API_VERSIONS = ['v2.1', '2023-07-31', '2024-11-30'] as const;
export type ApiVersion = (typeof SUPPORTED_API_VERSIONS)[number];
/** `formRecognizerV2`: `formrecognizer/v2.1/custom/models…`; `documentModels`: `…/documentModels…?api-version=`. */
export type ApiFamily = 'formRecognizerV2' | 'documentModels';

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

export const EXPORT_PLATFORMS = ['CoreML', 'TensorFlow', 'DockerFile', 'ONNX', 'VAIDK', 'OpenVino'] as const;
export type ExportPlatformName = (typeof EXPORT_PLATFORMS)[number];
export const EXPORT_FLAVORS: Readonly<Partial<Record<ExportPlatformName, readonly string[]>>> = {
  DockerFile: ['Linux', 'Windows', 'ARM'],
  TensorFlow: ['TensorFlowNormal', 'TensorFlowLite'],
  ONNX: ['ONNX10', 'ONNX12'],
};

export interface ExportPlatform {
  readonly platform: ExportPlatformName;
  readonly flavor?: string;
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
  readonly customVision: CustomVisionSettings;
}

// ---------------------------------------------------------------------------------------------
// Names and defaults

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
  'CV_NOTIFICATION_QUEUE',
  'CV_ENDPOINT',
  'CV_TRAINING_KEY',
  'CV_EXPORT_PLATFORMS',
  'CV_BACKUP_CONTAINER_URL',
  'CV_REPLICA_CONTAINER_URL',
] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

/** Identity-based alternatives to the `AzureWebJobsStorage` connection string. */
export const IDENTITY_STORAGE_SETTINGS = [
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__blobServiceUri',
  'AzureWebJobsStorage__queueServiceUri',
  'AzureWebJobsStorage__tableServiceUri',
  'AzureWebJobsStorage__clientId',
] as const;

export const DEFAULTS = Object.freeze({
  DR_TASK_HUB: 'ModelDr',
  DR_API_VERSION: 'v2.1',
  DR_SCHEDULE: '0 0 2 * * *',
  DR_MAX_PARALLEL: 4,
  DR_MANAGEMENT_RPS: 4,
  DR_POLL_INITIAL_SECONDS: 1,
  DR_POLL_MAX_SECONDS: 15,
  DR_COPY_DEADLINE_MINUTES: 60,
  DR_LEDGER_CONTAINER: 'model-dr',
  CV_NOTIFICATION_QUEUE: 'customvision-notifications',
} as const);

/** The S0 tier's model-management limit (authorize / copy / delete per second per resource). */
export const S0_MANAGEMENT_RPS_LIMIT = 5;

const TARGET_KEYS = ['region', 'endpoint', 'resourceId', 'keySetting', 'allowDegrade'] as const;
const RESOURCE_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.CognitiveServices\/accounts\/[^/]+$/i;
const REGION = /^[a-z0-9]{1,24}$/;
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TASK_HUB = /^[A-Za-z][A-Za-z0-9]{2,44}$/;
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;

// ---------------------------------------------------------------------------------------------
// Loading

/**
 * Reads and validates every setting. Returns a deeply frozen `Settings`, or throws one
 * `ConfigurationError` listing every problem found. Error messages never contain secret values.
 */
export function loadSettings(env: Env = process.env): Settings {
  const p = new Problems();
  const read = (name: string): string | undefined => {
    const v = env[name];
    if (v === undefined) return undefined;
    const t = v.trim();
    return t === '' ? undefined : t;
  };

  const storage = parseStorage(read, p);
  const taskHub = read('DR_TASK_HUB') ?? DEFAULTS.DR_TASK_HUB;
  if (!TASK_HUB.test(taskHub)) {
    p.add(
      'DR_TASK_HUB',
      `"${taskHub}" is not a valid task hub name: 3–45 characters, letters and digits only, starting with a letter (e.g. "${DEFAULTS.DR_TASK_HUB}")`,
    );
  }

  const source = parseSource(read, p);
  const targets = parseTargets(read, source, p);

  const apiVersion = parseApiVersion(read('DR_API_VERSION'), p);
  const schedule = (read('DR_SCHEDULE') ?? DEFAULTS.DR_SCHEDULE).split(/\s+/).join(' ');
  for (const problem of validateNcrontab(schedule))
    p.add('DR_SCHEDULE', `"${schedule}" is not a valid NCRONTAB expression: ${problem}`);

  const maxParallel = parseNumber(read, p, 'DR_MAX_PARALLEL', {
    min: 1,
    max: 256,
    integer: true,
    default: DEFAULTS.DR_MAX_PARALLEL,
  });
  const managementRps = parseNumber(read, p, 'DR_MANAGEMENT_RPS', {
    min: 0.1,
    max: S0_MANAGEMENT_RPS_LIMIT,
    integer: false,
    default: DEFAULTS.DR_MANAGEMENT_RPS,
    hint: `the service allows ${S0_MANAGEMENT_RPS_LIMIT} management requests per second per resource on S0 (1 on F0)`,
  });
  const pollInitial = parseNumber(read, p, 'DR_POLL_INITIAL_SECONDS', {
    min: 0.1,
    max: 60,
    integer: false,
    default: DEFAULTS.DR_POLL_INITIAL_SECONDS,
  });
  const pollMax = parseNumber(read, p, 'DR_POLL_MAX_SECONDS', {
    min: 1,
    max: 600,
    integer: false,
    default: DEFAULTS.DR_POLL_MAX_SECONDS,
  });
  const deadline = parseNumber(read, p, 'DR_COPY_DEADLINE_MINUTES', {
    min: 1,
    max: 1440,
    integer: true,
    default: DEFAULTS.DR_COPY_DEADLINE_MINUTES,
  });
  if (pollInitial !== undefined && pollMax !== undefined && pollMax < pollInitial) {
    p.add('DR_POLL_MAX_SECONDS', `${pollMax} is less than DR_POLL_INITIAL_SECONDS (${pollInitial})`);
  }
  if (pollMax !== undefined && deadline !== undefined && pollMax > deadline * 60) {
    p.add('DR_POLL_MAX_SECONDS', `${pollMax} s exceeds the copy deadline DR_COPY_DEADLINE_MINUTES (${deadline} min)`);
  }

  const ledgerContainer = read('DR_LEDGER_CONTAINER') ?? DEFAULTS.DR_LEDGER_CONTAINER;
  const containerProblem = containerNameProblem(ledgerContainer);
  if (containerProblem)
    p.add('DR_LEDGER_CONTAINER', `"${ledgerContainer}" is not a valid blob container name: ${containerProblem}`);

  const customVision = parseCustomVision(read, p);

  p.throwIfAny();
  const settings: Settings = {
    storage: storage!,
    taskHub,
    source: source!,
    targets: targets!,
    apiVersion: apiVersion!,
    apiFamily: apiVersion === 'v2.1' ? 'formRecognizerV2' : 'documentModels',
    schedule,
    maxParallel: maxParallel!,
    pacing: {
      managementRequestsPerSecond: managementRps!,
      pollInitialSeconds: pollInitial!,
      pollMaxSeconds: pollMax!,
      copyDeadlineMinutes: deadline!,
    },
    ledgerContainer,
    customVision: customVision!,
  };
  return deepFreeze(settings);
}

/**
 * Reads a secret at the moment of use. Throws `ConfigurationError` naming the setting
 * (never the value) when it is missing, or when a SAS is asked for and the URL has none.
 */
export function resolveSecret(ref: SecretRef, env: Env = process.env): string {
  const value = env[ref.setting]?.trim();
  if (!value)
    throw new ConfigurationError([
      { setting: ref.setting, message: 'is missing or empty (a secret is read when it is used)' },
    ]);
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
  return [...names];
}

/** A log-safe summary for start-up logging: no secret values, no SAS, only where secrets come from. */
export function describeSettings(settings: Settings): Record<string, unknown> {
  const credential = (c: CredentialRef): string => (c.kind === 'key' ? `key from ${c.setting}` : 'Microsoft Entra ID');
  const container = (c: ContainerLocation | undefined): string | undefined =>
    c && (c.sas ? `${c.url} (SAS from ${c.sas.setting})` : `${c.url} (Microsoft Entra ID)`);
  const s = settings.storage;
  const cv = settings.customVision;
  return {
    storage:
      s.kind === 'connectionString'
        ? {
            kind: s.kind,
            from: s.connectionString.setting,
            developmentStorage: s.developmentStorage,
            accountName: s.accountName,
            blobEndpoint: s.blobEndpoint,
          }
        : {
            kind: s.kind,
            accountName: s.accountName,
            blobServiceUri: s.blobServiceUri,
            queueServiceUri: s.queueServiceUri,
            tableServiceUri: s.tableServiceUri,
            clientId: s.clientId,
          },
    taskHub: settings.taskHub,
    apiVersion: settings.apiVersion,
    source: {
      region: settings.source.region,
      endpoint: settings.source.endpoint,
      resourceId: settings.source.resourceId,
      auth: credential(settings.source.credential),
    },
    targets: settings.targets.map((t) => ({
      region: t.region,
      endpoint: t.endpoint,
      resourceId: t.resourceId,
      auth: credential(t.credential),
      allowDegrade: t.allowDegrade,
    })),
    schedule: settings.schedule,
    maxParallel: settings.maxParallel,
    pacing: { ...settings.pacing },
    ledgerContainer: settings.ledgerContainer,
    customVision: {
      endpoint: cv.endpoint,
      auth: cv.trainingKey ? `key from ${cv.trainingKey.setting}` : undefined,
      exportPlatforms: cv.exportPlatforms.map(formatExportPlatform),
      notificationQueue: cv.notificationQueue,
      backupContainer: container(cv.backupContainer),
      replicaContainer: container(cv.replicaContainer),
    },
  };
}

export function formatExportPlatform(p: ExportPlatform): string {
  return p.flavor ? `${p.platform}:${p.flavor}` : p.platform;
}

// ---------------------------------------------------------------------------------------------
// Parsers (each records its problems and returns undefined when the value is unusable)

type Read = (name: string) => string | undefined;

class Problems {
  private readonly list: ConfigurationProblem[] = [];
  add(setting: string, message: string, path?: string): void {
    this.list.push(path ? { setting, path, message } : { setting, message });
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new ConfigurationError(this.list);
  }
}

function parseStorage(read: Read, p: Problems): StorageSettings | undefined {
  const cs = read('AzureWebJobsStorage');
  if (cs !== undefined) {
    const parts = parseConnectionString(cs);
    if (!parts) {
      p.add(
        'AzureWebJobsStorage',
        'is not a storage connection string ("Key=Value;…"), e.g. "UseDevelopmentStorage=true" (value not shown)',
      );
      return undefined;
    }
    if (parts.get('usedevelopmentstorage')?.toLowerCase() === 'true') {
      return {
        kind: 'connectionString',
        connectionString: { setting: 'AzureWebJobsStorage' },
        developmentStorage: true,
        accountName: 'devstoreaccount1',
      };
    }
    const accountName = parts.get('accountname');
    const blobEndpointRaw = parts.get('blobendpoint');
    const hasKey = parts.has('accountkey');
    const hasSas = parts.has('sharedaccesssignature');
    if (!(accountName && hasKey) && !(hasSas && (accountName || blobEndpointRaw))) {
      p.add(
        'AzureWebJobsStorage',
        'needs AccountName and AccountKey, or SharedAccessSignature with AccountName or BlobEndpoint, or UseDevelopmentStorage=true (value not shown); for identity-based connections set AzureWebJobsStorage__accountName instead',
      );
      return undefined;
    }
    let blobEndpoint: string | undefined;
    if (blobEndpointRaw) {
      const u = tryUrl(blobEndpointRaw);
      if (!u) {
        p.add('AzureWebJobsStorage', 'BlobEndpoint is not a URL (value not shown)');
        return undefined;
      }
      blobEndpoint = `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
    }
    return {
      kind: 'connectionString',
      connectionString: { setting: 'AzureWebJobsStorage' },
      developmentStorage: false,
      accountName,
      blobEndpoint,
    };
  }

  const accountName = read('AzureWebJobsStorage__accountName');
  const blobUri = read('AzureWebJobsStorage__blobServiceUri');
  const queueUri = read('AzureWebJobsStorage__queueServiceUri');
  const tableUri = read('AzureWebJobsStorage__tableServiceUri');
  const clientId = read('AzureWebJobsStorage__clientId');
  if (!accountName && !blobUri && !queueUri) {
    p.add(
      'AzureWebJobsStorage',
      'is missing: set a storage connection string, or AzureWebJobsStorage__accountName for an identity-based connection',
    );
    return undefined;
  }
  let ok = true;
  if (accountName && !ACCOUNT_NAME.test(accountName)) {
    p.add(
      'AzureWebJobsStorage__accountName',
      `"${accountName}" is not a storage account name (3–24 lower-case letters and digits)`,
    );
    ok = false;
  }
  const service = (name: string, value: string | undefined, kind: string): string | undefined => {
    if (value !== undefined) {
      const r = parseServiceUrl(value, { allowPath: true });
      if (typeof r === 'object') return r.url;
      p.add(name, r);
      ok = false;
      return undefined;
    }
    if (accountName) return `https://${accountName}.${kind}.core.windows.net`;
    p.add(name, 'is required when AzureWebJobsStorage__accountName is not set');
    ok = false;
    return undefined;
  };
  const blobServiceUri = service('AzureWebJobsStorage__blobServiceUri', blobUri, 'blob');
  const queueServiceUri = service('AzureWebJobsStorage__queueServiceUri', queueUri, 'queue');
  let tableServiceUri: string | undefined;
  if (tableUri !== undefined || accountName)
    tableServiceUri = service('AzureWebJobsStorage__tableServiceUri', tableUri, 'table');
  if (!ok || !blobServiceUri || !queueServiceUri) return undefined;
  return { kind: 'identity', accountName, blobServiceUri, queueServiceUri, tableServiceUri, clientId };
}

function parseConnectionString(cs: string): Map<string, string> | undefined {
  const parts = new Map<string, string>();
  for (const segment of cs.split(';')) {
    if (segment.trim() === '') continue;
    const eq = segment.indexOf('=');
    if (eq <= 0) return undefined;
    parts.set(segment.slice(0, eq).trim().toLowerCase(), segment.slice(eq + 1).trim());
  }
  return parts.size > 0 ? parts : undefined;
}

function parseSource(read: Read, p: Problems): ModelResource | undefined {
  const endpoint = requiredEndpoint(read('DR_SOURCE_ENDPOINT'), 'DR_SOURCE_ENDPOINT', p);
  const region = requiredRegion(read('DR_SOURCE_REGION'), 'DR_SOURCE_REGION', p);
  const resourceId = requiredResourceId(read('DR_SOURCE_RESOURCE_ID'), 'DR_SOURCE_RESOURCE_ID', p);
  const credential: CredentialRef =
    read('DR_SOURCE_KEY') !== undefined ? { kind: 'key', setting: 'DR_SOURCE_KEY' } : { kind: 'entra' };
  if (endpoint === undefined || region === undefined || resourceId === undefined) return undefined;
  return { region, endpoint, resourceId, credential };
}

function requiredEndpoint(value: string | undefined, setting: string, p: Problems, path?: string): string | undefined {
  if (value === undefined) {
    p.add(setting, 'is required: the resource endpoint, e.g. "https://<name>.cognitiveservices.azure.com"', path);
    return undefined;
  }
  const r = parseServiceUrl(value, { allowPath: false });
  if (typeof r === 'string') {
    p.add(setting, r, path);
    return undefined;
  }
  return r.url;
}

function requiredRegion(value: string | undefined, setting: string, p: Problems, path?: string): string | undefined {
  if (value === undefined) {
    p.add(setting, 'is required: an Azure region name, e.g. "westus2"', path);
    return undefined;
  }
  if (!REGION.test(value)) {
    const hint = /^[A-Za-z0-9]{1,24}$/.test(value) ? ` (write it in lower case: "${value.toLowerCase()}")` : '';
    p.add(setting, `"${value}" is not a region name: 1–24 lower-case letters and digits, e.g. "westus2"${hint}`, path);
    return undefined;
  }
  return value;
}

function requiredResourceId(
  value: string | undefined,
  setting: string,
  p: Problems,
  path?: string,
): string | undefined {
  if (value === undefined) {
    p.add(
      setting,
      'is required: the ARM resource id "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.CognitiveServices/accounts/<name>"',
      path,
    );
    return undefined;
  }
  if (value.length > 1024 || !RESOURCE_ID.test(value)) {
    p.add(
      setting,
      `"${value.slice(0, 200)}" is not a Cognitive Services resource id: expected "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.CognitiveServices/accounts/<name>" (at most 1024 characters)`,
      path,
    );
    return undefined;
  }
  return value;
}

function parseTargets(read: Read, source: ModelResource | undefined, p: Problems): TargetSettings[] | undefined {
  const raw = read('DR_TARGETS');
  const example =
    'e.g. [{"region":"eastus2","endpoint":"https://<name>.cognitiveservices.azure.com","resourceId":"/subscriptions/…/accounts/<name>","keySetting":"DR_TARGET_KEY_EASTUS2"}]';
  if (raw === undefined) {
    p.add(
      'DR_TARGETS',
      `is required: a JSON array of {region, endpoint, resourceId, keySetting?, allowDegrade?}, ${example}`,
    );
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    // The parser's message may quote the text; report the position only.
    const pos = /position (\d+)/.exec(String((err as Error).message))?.[1];
    p.add('DR_TARGETS', `is not valid JSON${pos ? ` (near character ${pos})` : ''}: expected an array, ${example}`);
    return undefined;
  }
  if (!Array.isArray(parsed)) {
    p.add('DR_TARGETS', `must be a JSON array, ${example}`);
    return undefined;
  }
  if (parsed.length === 0) {
    p.add('DR_TARGETS', `must list at least one target, ${example}`);
    return undefined;
  }
  const targets: (TargetSettings | undefined)[] = parsed.map((entry: unknown, i) => parseTarget(entry, i, read, p));
  const seenRegions = new Map<string, number>();
  const seenIds = new Map<string, number>();
  const seenEndpoints = new Map<string, number>();
  targets.forEach((t, i) => {
    if (!t) return;
    const at = (field: string): string => `DR_TARGETS[${i}].${field}`;
    const dup = (seen: Map<string, number>, key: string, field: string, what: string): void => {
      const first = seen.get(key);
      if (first !== undefined)
        p.add('DR_TARGETS', `duplicates DR_TARGETS[${first}].${field}: each target needs its own ${what}`, at(field));
      else seen.set(key, i);
    };
    dup(seenRegions, t.region, 'region', 'region');
    dup(seenIds, t.resourceId.toLowerCase(), 'resourceId', 'resource');
    dup(seenEndpoints, t.endpoint, 'endpoint', 'endpoint');
    if (source && t.resourceId.toLowerCase() === source.resourceId.toLowerCase()) {
      p.add(
        'DR_TARGETS',
        'is the source resource (DR_SOURCE_RESOURCE_ID): a target must be another resource',
        at('resourceId'),
      );
    }
    if (source && t.endpoint === source.endpoint) {
      p.add(
        'DR_TARGETS',
        'is the source endpoint (DR_SOURCE_ENDPOINT): a target must be another resource',
        at('endpoint'),
      );
    }
  });
  return targets.every((t): t is TargetSettings => t !== undefined) ? targets : undefined;
}

function parseTarget(entry: unknown, i: number, read: Read, p: Problems): TargetSettings | undefined {
  const at = (field?: string): string => (field ? `DR_TARGETS[${i}].${field}` : `DR_TARGETS[${i}]`);
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    p.add('DR_TARGETS', 'must be an object {region, endpoint, resourceId, keySetting?, allowDegrade?}', at());
    return undefined;
  }
  const o = entry as Record<string, unknown>;
  let ok = true;
  for (const key of Object.keys(o)) {
    if (!(TARGET_KEYS as readonly string[]).includes(key)) {
      p.add(
        'DR_TARGETS',
        `unknown field "${key.slice(0, 40)}" (allowed: ${TARGET_KEYS.join(', ')})`,
        at(key.slice(0, 40)),
      );
      ok = false;
    }
  }
  // null: present but not a string (already reported); undefined: absent or blank.
  const str = (field: string): string | undefined | null => {
    const v = o[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') {
      p.add('DR_TARGETS', `must be a string, got ${v === null ? 'null' : typeof v}`, at(field));
      ok = false;
      return null;
    }
    return v.trim() === '' ? undefined : v.trim();
  };
  const regionRaw = str('region');
  const endpointRaw = str('endpoint');
  const resourceIdRaw = str('resourceId');
  const keySetting = str('keySetting');
  const region = regionRaw === null ? undefined : requiredRegion(regionRaw, 'DR_TARGETS', p, at('region'));
  const endpoint = endpointRaw === null ? undefined : requiredEndpoint(endpointRaw, 'DR_TARGETS', p, at('endpoint'));
  const resourceId =
    resourceIdRaw === null ? undefined : requiredResourceId(resourceIdRaw, 'DR_TARGETS', p, at('resourceId'));
  let credential: CredentialRef = { kind: 'entra' };
  if (keySetting === undefined && typeof o.keySetting === 'string') {
    p.add(
      'DR_TARGETS',
      "is empty: name the setting that holds this target's key, or leave keySetting out to use Microsoft Entra ID",
      at('keySetting'),
    );
    ok = false;
  } else if (typeof keySetting === 'string') {
    if (!SETTING_NAME.test(keySetting)) {
      p.add(
        'DR_TARGETS',
        `"${keySetting.slice(0, 80)}" is not a setting name (letters, digits and underscores)`,
        at('keySetting'),
      );
      ok = false;
    } else if (read(keySetting) === undefined) {
      p.add(
        'DR_TARGETS',
        `names the setting ${keySetting}, which is missing or empty: add ${keySetting} with this target's key (or a Key Vault reference)`,
        at('keySetting'),
      );
      ok = false;
    } else {
      credential = { kind: 'key', setting: keySetting };
    }
  }
  let allowDegrade = false;
  if (o.allowDegrade !== undefined) {
    if (typeof o.allowDegrade !== 'boolean') {
      p.add(
        'DR_TARGETS',
        `must be true or false, got ${JSON.stringify(o.allowDegrade)?.slice(0, 40)}`,
        at('allowDegrade'),
      );
      ok = false;
    } else {
      allowDegrade = o.allowDegrade;
    }
  }
  if (!ok || region === undefined || endpoint === undefined || resourceId === undefined) return undefined;
  return { region, endpoint, resourceId, credential, allowDegrade };
}

function parseApiVersion(value: string | undefined, p: Problems): ApiVersion | undefined {
  const v = value ?? DEFAULTS.DR_API_VERSION;
  if ((SUPPORTED_API_VERSIONS as readonly string[]).includes(v)) return v as ApiVersion;
  if (/^v2\.0(-preview)?$/i.test(v)) {
    p.add(
      'DR_API_VERSION',
      `"${v}" was retired by the service on 31 Aug 2026; use "v2.1" (same copy API and routes), or "2024-11-30" (Document Intelligence, current GA)`,
    );
  } else {
    p.add(
      'DR_API_VERSION',
      `"${v.slice(0, 40)}" is not supported: use one of ${SUPPORTED_API_VERSIONS.map((s) => `"${s}"`).join(', ')} (default "v2.1")`,
    );
  }
  return undefined;
}

interface NumberRule {
  min: number;
  max: number;
  integer: boolean;
  default: number;
  hint?: string;
}

function parseNumber(read: Read, p: Problems, setting: string, rule: NumberRule): number | undefined {
  const raw = read(setting);
  if (raw === undefined) return rule.default;
  const pattern = rule.integer ? /^\d+$/ : /^\d+(\.\d+)?$/;
  const n = Number(raw);
  if (!pattern.test(raw) || !Number.isFinite(n) || n < rule.min || n > rule.max) {
    p.add(
      setting,
      `"${raw.slice(0, 40)}" must be ${rule.integer ? 'an integer' : 'a number'} from ${rule.min} to ${rule.max} (default ${rule.default})${rule.hint ? `; ${rule.hint}` : ''}`,
    );
    return undefined;
  }
  return n;
}

function parseCustomVision(read: Read, p: Problems): CustomVisionSettings | undefined {
  let ok = true;
  const notificationQueue = read('CV_NOTIFICATION_QUEUE') ?? DEFAULTS.CV_NOTIFICATION_QUEUE;
  const queueProblem = containerNameProblem(notificationQueue);
  if (queueProblem) {
    p.add('CV_NOTIFICATION_QUEUE', `"${notificationQueue}" is not a valid queue name: ${queueProblem}`);
    ok = false;
  } else if (notificationQueue.length > 63 - '-poison'.length) {
    p.add(
      'CV_NOTIFICATION_QUEUE',
      `"${notificationQueue}" is too long: its poison queue "${notificationQueue}-poison" must also be a valid name (at most 56 characters here)`,
    );
    ok = false;
  }

  const endpointRaw = read('CV_ENDPOINT');
  let endpoint: string | undefined;
  if (endpointRaw !== undefined) {
    const r = parseServiceUrl(endpointRaw, { allowPath: false });
    if (typeof r === 'string') {
      p.add('CV_ENDPOINT', r);
      ok = false;
    } else endpoint = r.url;
  }
  const trainingKey: SecretRef | undefined =
    read('CV_TRAINING_KEY') !== undefined ? { setting: 'CV_TRAINING_KEY' } : undefined;
  if (trainingKey && endpointRaw === undefined) {
    p.add('CV_TRAINING_KEY', 'is set but CV_ENDPOINT is not: set the training resource endpoint too');
    ok = false;
  }

  const exportPlatforms: ExportPlatform[] = [];
  const platformsRaw = read('CV_EXPORT_PLATFORMS');
  if (platformsRaw !== undefined) {
    const seen = new Set<string>();
    for (const item of platformsRaw.split(',').map((s) => s.trim())) {
      const parsed = parseExportPlatform(item);
      if (typeof parsed === 'string') {
        p.add('CV_EXPORT_PLATFORMS', parsed);
        ok = false;
        continue;
      }
      const key = formatExportPlatform(parsed);
      if (seen.has(key)) {
        p.add('CV_EXPORT_PLATFORMS', `lists ${key} twice`);
        ok = false;
      }
      seen.add(key);
      exportPlatforms.push(parsed);
    }
    if (endpointRaw === undefined) {
      p.add(
        'CV_ENDPOINT',
        'is required when CV_EXPORT_PLATFORMS is set (exports are requested from the training resource)',
      );
      ok = false;
    }
    if (!trainingKey) {
      p.add(
        'CV_TRAINING_KEY',
        'is required when CV_EXPORT_PLATFORMS is set (exports are requested with the training key)',
      );
      ok = false;
    }
  }

  const backupContainer = parseContainerSetting(read, p, 'CV_BACKUP_CONTAINER_URL');
  const replicaContainer = parseContainerSetting(read, p, 'CV_REPLICA_CONTAINER_URL');
  if (backupContainer === null || replicaContainer === null) ok = false;
  if (replicaContainer && !backupContainer && read('CV_BACKUP_CONTAINER_URL') === undefined) {
    p.add(
      'CV_REPLICA_CONTAINER_URL',
      'is set but CV_BACKUP_CONTAINER_URL is not: second copies are made from the backup container',
    );
    ok = false;
  }
  if (backupContainer && replicaContainer && backupContainer.url.toLowerCase() === replicaContainer.url.toLowerCase()) {
    p.add(
      'CV_REPLICA_CONTAINER_URL',
      `is the same container as CV_BACKUP_CONTAINER_URL (${replicaContainer.url}): a second copy needs another container, ideally in another region`,
    );
    ok = false;
  }
  if (!ok) return undefined;
  return {
    endpoint,
    trainingKey,
    exportPlatforms,
    notificationQueue,
    backupContainer: backupContainer ?? undefined,
    replicaContainer: replicaContainer ?? undefined,
  };
}

function parseExportPlatform(item: string): ExportPlatform | string {
  if (item === '') return 'has an empty item (use a comma-separated list, e.g. "ONNX,TensorFlow:TensorFlowLite")';
  const [platformRaw, flavorRaw, ...rest] = item.split(':').map((s) => s.trim());
  const platform = EXPORT_PLATFORMS.find((pl) => pl.toLowerCase() === platformRaw.toLowerCase());
  if (!platform || rest.length > 0) {
    return `"${item.slice(0, 40)}" is not an export platform: use ${EXPORT_PLATFORMS.join(', ')}, optionally with a flavor ("TensorFlow:TensorFlowLite")`;
  }
  if (flavorRaw === undefined) return { platform };
  const flavors = EXPORT_FLAVORS[platform] ?? [];
  const flavor = flavors.find((f) => f.toLowerCase() === flavorRaw.toLowerCase());
  if (!flavor) {
    return flavors.length === 0
      ? `"${item.slice(0, 40)}": ${platform} has no flavors`
      : `"${item.slice(0, 40)}": ${platform} flavors are ${flavors.join(', ')}`;
  }
  return { platform, flavor };
}

/** Returns the location, undefined when unset, or null when invalid (problem recorded). */
function parseContainerSetting(read: Read, p: Problems, setting: string): ContainerLocation | undefined | null {
  const raw = read(setting);
  if (raw === undefined) return undefined;
  const q = raw.indexOf('?');
  const base = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? '' : raw.slice(q + 1);
  const r = parseServiceUrl(base, { allowPath: true });
  if (typeof r === 'string') {
    p.add(setting, r);
    return null;
  }
  if (query !== '' && !/(^|&)sig=/.test(query)) {
    p.add(
      setting,
      'has a query string that is not a SAS (no "sig" parameter); give the container URL, optionally with a SAS',
    );
    return null;
  }
  const segments = r.path.split('/').filter((s) => s !== '');
  const loopback = isLoopback(r.hostname) || /^\d+\.\d+\.\d+\.\d+$/.test(r.hostname);
  // Path-style URLs (Azurite, IP endpoints) carry the account name first: http://127.0.0.1:10000/devstoreaccount1/container
  const expected = loopback ? 2 : 1;
  if (segments.length !== expected) {
    p.add(
      setting,
      `${r.url} is not a container URL: expected ${loopback ? 'http://<host>:<port>/<account>/<container>' : 'https://<account>.blob.core.windows.net/<container>'}`,
    );
    return null;
  }
  const containerName = decodeURIComponent(segments[segments.length - 1]);
  const nameProblem = containerNameProblem(containerName);
  if (nameProblem) {
    p.add(setting, `"${containerName}" is not a valid container name: ${nameProblem}`);
    return null;
  }
  const accountUrl = loopback ? `${r.origin}/${segments[0]}` : r.origin;
  const location: ContainerLocation = { url: `${accountUrl}/${containerName}`, accountUrl, containerName };
  return query ? { ...location, sas: { setting, part: 'sasQuery' } } : location;
}

interface ParsedUrl {
  url: string;
  origin: string;
  hostname: string;
  path: string;
}

/**
 * An https URL (http only for loopback hosts: emulators), without credentials, query or
 * fragment; `allowPath: false` also rejects a path. Returns the normalized URL without
 * trailing slash, or a problem description that quotes only the scheme, host and path.
 */
function parseServiceUrl(value: string, opts: { allowPath: boolean }): ParsedUrl | string {
  const u = tryUrl(value);
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:'))
    return 'is not an http(s) URL (value not shown), e.g. "https://<name>.cognitiveservices.azure.com"';
  const shown = `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  if (u.username || u.password) return `must not carry credentials (user:password@) in the URL (${shown})`;
  if (u.search || value.includes('?')) return `must not have a query string (${shown})`;
  if (u.hash) return `must not have a fragment (${shown})`;
  if (u.protocol === 'http:' && !isLoopback(u.hostname))
    return `must use https (${shown}); http is accepted only for loopback emulators`;
  const path = u.pathname.replace(/\/+$/, '');
  if (!opts.allowPath && path !== '')
    return `must be the resource endpoint without a path (${shown}), e.g. "${u.protocol}//${u.host}"`;
  return { url: `${u.protocol}//${u.host}${path}`, origin: `${u.protocol}//${u.host}`, hostname: u.hostname, path };
}

function tryUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Blob container and queue names share the rules: 3–63 characters, lower-case letters, digits and single hyphens. */
export function containerNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return '3–63 characters';
  if (!/^[a-z0-9-]+$/.test(name)) return 'only lower-case letters, digits and hyphens';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must start and end with a letter or digit';
  if (name.includes('--')) return 'no consecutive hyphens';
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
