/**
 * The whole app, offline: Azurite, the Form Recognizer emulator (a seeded source and
 * empty targets), and the app's functions in the local host — on a virtual clock for
 * tests and the benchmark, on the real clock for `npm run local`. Each part can be
 * swapped for a real one (a storage connection string, real resources from settings).
 */
import type { ApiVersion } from '../src/common/apiVersions';
import path from 'node:path';
import { startAzurite, type AzuriteInstance } from './azurite';
import { systemClock, type Clock } from './clock';
import {
  startFormRecognizerEmulator,
  defaultDocumentResourceSpecs,
  defaultResourceSpecs,
  type FormRecognizerEmulator,
  type FormRecognizerEmulatorOptions,
  type ResourceSpec,
} from './emulators/formRecognizer';
import { createLocalHost, type LocalHost, type LocalHostOptions, type Logger } from './host';
import {
  startCustomVisionEmulator,
  type CustomVisionEmulator,
  type CustomVisionEmulatorOptions,
} from './emulators/customVision';
import {
  BlobServiceClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
} from '@azure/storage-blob';
import { DEV_ACCOUNT, DEV_KEY } from './azurite';
import type { Telemetry } from '../src/telemetry/telemetry';
import { createAppLoader, type AppLoader } from './appLoader';
import { keepRunLeases, processDurableStore } from './runLeaseKeeper';

/** The app's `DR_API_VERSION` values (src/common/apiVersions.ts). */
export type StackApiVersion = ApiVersion;

/** The default emulated resources for an API version: v2 models, or v3.1/v4 document models (2024-11-30: a classifier and a composed model too). */
export function defaultStackResources(apiVersion: StackApiVersion = 'v2.1'): ResourceSpec[] {
  return apiVersion === 'v2.1' ? defaultResourceSpecs() : defaultDocumentResourceSpecs(apiVersion);
}

export interface LocalStackOptions {
  clock?: Clock;
  /**
   * `DR_API_VERSION` of the app, and the default emulated resources for it (v2.1: the v2 seed;
   * 2023-07-31 / 2024-11-30: `defaultDocumentResourceSpecs`). Default v2.1.
   */
  apiVersion?: StackApiVersion;
  /** Use this storage instead of starting Azurite. */
  storageConnectionString?: string;
  /** Emulated resources (default: seeded westus2 source, empty eastus and westeurope targets); the first is the source. */
  resources?: ResourceSpec[];
  emulator?: Omit<FormRecognizerEmulatorOptions, 'resources' | 'clock'>;
  /** Talk to these settings' resources instead of starting the emulator (DR_SOURCE_ENDPOINT etc. set). */
  useConfiguredResources?: boolean;
  /** Extra or overriding app settings. */
  env?: Record<string, string | undefined>;
  /** Per-target extra fields in DR_TARGETS, by region (e.g. `{ eastus: { allowDegrade: true } }`). */
  targetOptions?: Record<string, Record<string, unknown>>;
  host?: Partial<Omit<LocalHostOptions, 'load' | 'clock' | 'env'>>;
  logger?: Logger;
  /** The app's telemetry (a `MemoryTelemetry` in tests); default: from the settings (off unless configured). */
  telemetry?: Telemetry;
  /**
   * Also emulate Custom Vision (needs Azurite): a Training API emulator whose exports land
   * in a backup container and whose notifications go to the app's queue, plus a replica
   * container; the CV_* settings point at them.
   */
  /**
   * Renew the run lease of this process's runs while they live and give it up when they end
   * (dev/runLeaseKeeper.ts): for processes that share storage with others (`npm run local`).
   * Off by default: a test's storage requests stay exactly the app's.
   */
  keepRunLease?: boolean;
  /** Restore drills (needs Azurite): `DR_DRILL_SAMPLES_URL` points at an Azurite container `drill-samples`. */
  drills?: boolean;
  customVision?:
    boolean | Omit<CustomVisionEmulatorOptions, 'clock' | 'storageConnectionString' | 'backupContainer' | 'queueName'>;
  /**
   * With `customVision`: also a DR training resource (region `eastus`, its own emulator) and the
   * `CV_DR_*` settings (every project copied there, `CV_DR_KEEP` 2): the project DR copy.
   */
  customVisionDr?: boolean;
}

export interface LocalStack {
  host: LocalHost;
  /** The app loaded in the host (its current dependencies: `app.current()`). */
  app: AppLoader;
  emulator?: FormRecognizerEmulator;
  customVision?: CustomVisionEmulator;
  /** The emulated DR training resources of the project copy, by region (`customVisionDr`). */
  customVisionDr?: Record<string, CustomVisionEmulator>;
  azurite?: AzuriteInstance;
  clock: Clock;
  /** The app settings the host runs with (contains keys: never print it). */
  env: Record<string, string | undefined>;
  /**
   * A fresh emulator (new resources, new keys) and a fresh ledger container, with the
   * same loaded app: tests in one file start from a clean slate without reloading modules
   * (a module registry loads the app's registrations only once).
   */
  reset(options?: {
    resources?: ResourceSpec[];
    emulator?: LocalStackOptions['emulator'];
    targetOptions?: LocalStackOptions['targetOptions'];
    env?: Record<string, string | undefined>;
  }): Promise<FormRecognizerEmulator>;
  close(): Promise<void>;
}

/** The Azurite container of `drills: true` stacks. */
export const DRILL_SAMPLES_CONTAINER = 'drill-samples';

let ledgerCounter = 0;
function freshLedgerContainer(): string {
  ledgerCounter += 1;
  return `model-dr-${process.pid}-${ledgerCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The app's own host.json: queue encoding `none`, task hub from DR_TASK_HUB, singleton restarts refused. */
const HOST_JSON = path.join(__dirname, '..', 'host.json');

/** App settings pointing at emulated resources: the first is the source, the others targets. */
export function settingsForEmulator(
  emulator: FormRecognizerEmulator,
  targetOptions: Record<string, Record<string, unknown>> = {},
): Record<string, string> {
  const [source, ...targets] = emulator.resources;
  const env: Record<string, string> = {
    DR_SOURCE_ENDPOINT: source.endpoint,
    DR_SOURCE_REGION: source.region,
    DR_SOURCE_RESOURCE_ID: source.resourceId,
    DR_SOURCE_KEY: source.key,
  };
  const list = targets.map((t) => {
    const keySetting = `DR_TARGET_KEY_${t.region.toUpperCase()}`;
    env[keySetting] = t.key;
    return {
      region: t.region,
      endpoint: t.endpoint,
      resourceId: t.resourceId,
      keySetting,
      ...(targetOptions[t.region] ?? {}),
    };
  });
  env.DR_TARGETS = JSON.stringify(list);
  return env;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const clock = options.clock ?? systemClock;
  const cleanups: Array<() => Promise<void> | void> = [];
  const close = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    let azurite: AzuriteInstance | undefined;
    let storage = options.storageConnectionString;
    if (!storage) {
      azurite = await startAzurite();
      cleanups.push(() => azurite?.stop());
      storage = azurite.connectionString;
    }
    let emulator: FormRecognizerEmulator | undefined;
    let resourceEnv: Record<string, string> = {};
    if (!options.useConfiguredResources) {
      emulator = await startFormRecognizerEmulator({
        ...options.emulator,
        resources: options.resources ?? defaultStackResources(options.apiVersion),
        clock,
      });
      cleanups.push(() => emulator?.close());
      resourceEnv = settingsForEmulator(emulator, options.targetOptions);
    }
    let customVision: CustomVisionEmulator | undefined;
    let cvEnv: Record<string, string> = {};
    if (options.customVision) {
      if (!azurite) throw new Error('the Custom Vision emulator needs Azurite (no storageConnectionString)');
      const started = await startCustomVisionWithContainers(
        azurite,
        clock,
        options.customVision === true ? {} : options.customVision,
        options.env?.CV_NOTIFICATION_QUEUE,
      );
      customVision = started.emulator;
      cleanups.push(() => customVision?.close());
      cvEnv = started.env;
    }
    let customVisionDr: Record<string, CustomVisionEmulator> | undefined;
    if (options.customVision && options.customVisionDr) {
      const east = await startCustomVisionEmulator({ clock });
      cleanups.push(() => east.close());
      customVisionDr = { eastus: east };
      cvEnv = {
        ...cvEnv,
        CV_DR_TARGETS: JSON.stringify([
          {
            region: 'eastus',
            endpoint: east.endpoint,
            keySetting: 'CV_DR_KEY_EASTUS',
            predictionResourceId:
              '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.CognitiveServices/accounts/cv-prediction-eastus',
          },
        ]),
        CV_DR_KEY_EASTUS: east.trainingKey,
        CV_DR_PROJECTS: '*',
      };
    }
    const env: Record<string, string | undefined> = {
      AzureWebJobsStorage: storage,
      FUNCTIONS_WORKER_RUNTIME: 'node',
      DR_TASK_HUB: process.env.DR_TASK_HUB ?? 'ModelDr',
      ...resourceEnv,
      ...cvEnv,
      ...(options.drills && azurite
        ? { DR_DRILL_SAMPLES_URL: `${azurite.blobEndpoint}/${DRILL_SAMPLES_CONTAINER}` }
        : {}),
      ...options.env,
      ...(options.apiVersion ? { DR_API_VERSION: options.apiVersion } : {}),
    };
    // The local host keeps its instances in this process: runs start in a process store, whose
    // run lease this process renews while a run lives and gives up when it ends (dev/runLeaseKeeper.ts).
    const app = createAppLoader(clock, {
      ...(options.telemetry ? { telemetry: options.telemetry } : {}),
      durableStore: processDurableStore(),
    });
    const host = await createLocalHost({
      httpPort: 0,
      hostJson: HOST_JSON,
      ...options.host,
      ...(options.logger ? { logger: options.logger } : {}),
      load: () => app.load(),
      clock,
      env,
      storageConnectionString: storage,
    });
    cleanups.push(() => host.close());
    if (options.keepRunLease) {
      const leaseKeeper = keepRunLeases(
        host.events,
        'replicateModels',
        async () => (await app.current().replication.ledger()).runLease,
      );
      cleanups.push(() => leaseKeeper.close());
    }
    // Settings a reset overrode (`next.env`): the next reset puts them back, so one test's
    // overrides never leak into the next test's "fresh" stack.
    const baseEnv = { ...env };
    let overridden: string[] = [];
    const stack: LocalStack = {
      host,
      app,
      emulator,
      customVision,
      ...(customVisionDr ? { customVisionDr } : {}),
      azurite,
      clock,
      env,
      close,
      async reset(next = {}) {
        await stack.emulator?.close();
        const fresh = await startFormRecognizerEmulator({
          ...options.emulator,
          ...next.emulator,
          resources: next.resources ?? options.resources ?? defaultStackResources(options.apiVersion),
          clock,
        });
        cleanups.push(() => fresh.close());
        stack.emulator = fresh;
        const restored = Object.fromEntries(overridden.map((k) => [k, baseEnv[k]]));
        overridden = Object.keys(next.env ?? {});
        const changed = {
          ...restored,
          ...settingsForEmulator(fresh, next.targetOptions ?? options.targetOptions),
          DR_LEDGER_CONTAINER: freshLedgerContainer(),
          ...next.env,
        };
        for (const [k, v] of Object.entries(changed)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
          env[k] = v;
        }
        app.rebuild();
        return fresh;
      },
    };
    return stack;
  } catch (e) {
    await close();
    throw e;
  }
}

/** A short-lived container SAS on Azurite's well-known development account (public key; not a secret). */
function devContainerSas(containerName: string, nowMs: number): string {
  return generateBlobSASQueryParameters(
    {
      containerName,
      permissions: ContainerSASPermissions.parse('racwl'),
      startsOn: new Date(nowMs - 3600_000),
      expiresOn: new Date(nowMs + 7 * 86400_000),
    },
    new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY),
  ).toString();
}

async function startCustomVisionWithContainers(
  azurite: AzuriteInstance,
  clock: Clock,
  options: Omit<CustomVisionEmulatorOptions, 'clock' | 'storageConnectionString' | 'backupContainer' | 'queueName'>,
  queueName = 'customvision-notifications',
  containerSasUrls = false,
): Promise<{ emulator: CustomVisionEmulator; env: Record<string, string> }> {
  const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  const backup = 'cv-backups';
  const replica = 'cv-backups-replica';
  await blobs.getContainerClient(backup).createIfNotExists();
  await blobs.getContainerClient(replica).createIfNotExists();
  const emulator = await startCustomVisionEmulator({
    exportDurationMs: 3_000,
    ...options,
    clock,
    storageConnectionString: azurite.connectionString,
    backupContainer: backup,
    queueName,
  });
  const now = Date.now();
  const sas = containerSasUrls;
  return {
    emulator,
    env: {
      CV_NOTIFICATION_QUEUE: queueName,
      CV_ENDPOINT: emulator.endpoint,
      CV_TRAINING_KEY: emulator.trainingKey,
      CV_EXPORT_PLATFORMS: 'ONNX,TensorFlow',
      // Plain container URLs on the AzureWebJobsStorage account, as the portal gives them: reached
      // with that connection's key (no SAS). `sas: true` gives SAS URLs instead.
      CV_BACKUP_CONTAINER_URL: sas
        ? `${azurite.blobEndpoint}/${backup}?${devContainerSas(backup, now)}`
        : `${azurite.blobEndpoint}/${backup}`,
      CV_REPLICA_CONTAINER_URL: sas
        ? `${azurite.blobEndpoint}/${replica}?${devContainerSas(replica, now)}`
        : `${azurite.blobEndpoint}/${replica}`,
    },
  };
}
