/**
 * The composition root: builds everything the app's functions and activities work with from
 * the environment and a clock — validated settings, one copy client per resource, the
 * ledger, the pacers, the per-process copy state, the Custom Vision clients — once per app
 * instance. Keys are read from their settings here and live only inside the clients.
 *
 * `src/functions/index.ts` builds one instance from `process.env` and the system clock. A host
 * that runs the app in-process builds its own (with its clock, and again for new settings)
 * and registers the functions over it with `registerApp` (./app.ts).
 */
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { AnonymousCredential, ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';
import {
  loadSettings,
  resolveSecret,
  type ContainerLocation,
  type CredentialRef,
  type CustomVisionSettings,
  type Env,
  type ModelResource,
  type Settings,
} from '../config';
import { CustomVisionBackup, CustomVisionTrainingClient } from '../customVision';
import { createCopyClient, type CopyApi, type FormRecognizerCredential } from '../formRecognizer';
import { createLedgerContainerClient, ledgerConnectionFromSettings, openLedger, type Ledger } from '../ledger/connect';
import { CustomVisionRecordRepository } from '../ledger/customVisionRecords';
import { RejectedNotificationRepository } from '../ledger/rejectedNotifications';
import { ManagementPacer } from '../replication/pacing';
import type { Clock } from '../runtime/clock';
import { createCustomVisionActivities, type CustomVisionActivities } from '../activities/customVision';
import {
  createReplicationActivities,
  inMemoryFailureCounts,
  type ReplicationActivities,
  inMemoryHeldAuthorizations,
  type ReplicationDeps,
  type TargetContext,
} from '../activities/replication';
import type { CustomVisionDeps } from '../activities/customVisionDeps';
import { createDrillDeps } from './drillDependencies';
import { createDrillActivities, type DrillActivityHandlers, type DrillDeps } from '../activities/drills';

export interface AppRuntime {
  /** The app settings (read once, here). */
  env: Env;
  clock: Clock;
}

/** One app instance's dependencies. Lifetime: the app instance (in production, the process). */
export interface AppDependencies {
  settings: Settings;
  clock: Clock;
  replication: ReplicationDeps;
  customVision: CustomVisionDeps;
  drills: DrillDeps;
  /** The activities over these dependencies (bound to the registries by `registerApp`). */
  activities: {
    replication: ReplicationActivities;
    customVision: CustomVisionActivities;
    drills: DrillActivityHandlers;
  };
}

/**
 * Ledger documents remembered per repository (value and ETag): a copy's marks and its pending
 * blank model are then written with one conditional request each instead of a read and a
 * write (see `knownDocuments` in ledger/documentStore.ts; a stale one only costs a retry).
 */
const KNOWN_LEDGER_DOCUMENTS = 4096;

/** Storage retries inside one Custom Vision call: short (a longer outage is retried by the queue host or the activity retry policy). */
export const CV_STORAGE_RETRY: NonNullable<StoragePipelineOptions['retryOptions']> = {
  maxTries: 3,
  retryDelayInMs: 200,
  maxRetryDelayInMs: 2000,
  tryTimeoutInMs: 120_000,
};

/** Throws a ConfigurationError naming every wrong setting (the app then does not start). */
export function createAppDependencies(runtime: AppRuntime): AppDependencies {
  const settings = loadSettings(runtime.env);
  const credential = lazyCredential();
  const replication = createReplicationDeps(settings, runtime, credential);
  const customVision = createCustomVisionDeps(settings.customVision, runtime, credential, replication.ledger);
  const drills = createDrillDeps(settings, runtime, credential, replication.ledger);
  return {
    settings,
    clock: runtime.clock,
    replication,
    customVision,
    drills,
    activities: {
      replication: createReplicationActivities(replication),
      customVision: createCustomVisionActivities(customVision),
      drills: createDrillActivities(drills),
    },
  };
}

/**
 * The one place an Azure credential is built (Microsoft Entra ID), lazily: only when a
 * resource or container is configured without a key or SAS.
 */
function lazyCredential(): () => TokenCredential {
  let credential: TokenCredential | undefined;
  return () => (credential ??= createCredential());
}

function createCredential(): TokenCredential {
  return new DefaultAzureCredential();
}

function createReplicationDeps(
  settings: Settings,
  runtime: AppRuntime,
  credential: () => TokenCredential,
): ReplicationDeps {
  const { env, clock } = runtime;
  const now = (): number => clock.now();
  const credentialFor = (ref: CredentialRef): FormRecognizerCredential =>
    ref.kind === 'key' ? { key: resolveSecret({ setting: ref.setting }, env) } : credential();
  const client = (resource: ModelResource): CopyApi =>
    createCopyClient({
      endpoint: resource.endpoint,
      region: resource.region,
      resourceId: resource.resourceId,
      apiVersion: settings.apiVersion,
      credential: credentialFor(resource.credential),
      now,
    });
  const targets = new Map<string, TargetContext>(
    settings.targets.map((t) => [t.region, { settings: t, client: client(t) }]),
  );
  let ledger: Promise<Ledger> | undefined;
  return {
    settings,
    source: client(settings.source),
    targets,
    clock,
    pacer: new ManagementPacer(settings.pacing.managementRequestsPerSecond),
    listPacer: new ManagementPacer(2 * settings.pacing.managementRequestsPerSecond),
    heldAuthorizations: inMemoryHeldAuthorizations(),
    unissuedFailures: inMemoryFailureCounts(),
    ledger(): Promise<Ledger> {
      ledger ??= openLedger(
        createLedgerContainerClient(ledgerConnectionFromSettings(settings, env), settings.ledgerContainer),
        { clock, knownDocuments: KNOWN_LEDGER_DOCUMENTS },
      ).catch((e: unknown) => {
        ledger = undefined;
        throw e;
      });
      return ledger;
    },
  };
}

/**
 * Container credentials: the SAS carried by the container URL setting (read here, held only
 * inside the client), else Microsoft Entra ID.
 */
function createCustomVisionDeps(
  cv: CustomVisionSettings,
  runtime: AppRuntime,
  credential: () => TokenCredential,
  ledger: () => Promise<Ledger>,
): CustomVisionDeps {
  const { env, clock } = runtime;
  const containerClient = (c: ContainerLocation): ContainerClient => {
    const options: StoragePipelineOptions = { retryOptions: CV_STORAGE_RETRY };
    if (c.sas) return new ContainerClient(`${c.url}?${resolveSecret(c.sas, env)}`, new AnonymousCredential(), options);
    return new ContainerClient(c.url, credential(), options);
  };
  const deps: CustomVisionDeps = {
    settings: cv,
    records: async () => new CustomVisionRecordRepository((await ledger()).container, { clock }),
    rejected: async () => new RejectedNotificationRepository((await ledger()).container, { clock }),
  };
  if (cv.endpoint && cv.trainingKey) {
    deps.training = new CustomVisionTrainingClient({
      endpoint: cv.endpoint,
      trainingKey: resolveSecret(cv.trainingKey, env),
      now: () => clock.now(),
    });
  }
  if (cv.backupContainer) {
    deps.backup = new CustomVisionBackup({
      backup: containerClient(cv.backupContainer),
      ...(cv.replicaContainer ? { replica: containerClient(cv.replicaContainer) } : {}),
    });
    deps.policy = deps.backup.policy;
  }
  return deps;
}
