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
import type { TokenCredential } from '@azure/identity';
import type { StoragePipelineOptions } from '@azure/storage-blob';
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
import {
  BACKUP_CONTAINER_SETTING,
  CustomVisionBackup,
  CustomVisionTrainingClient,
  REPLICA_CONTAINER_SETTING,
  chooseContainerAccess,
  readStorageConnection,
  type ContainerAccess,
} from '../customVision';
import { azureCredentialOptions, azureCredentialProvider, createAzureCredential } from '../common/credential';
import { QueueServiceClient } from '@azure/storage-queue';
import type { ReplayQueues } from '../activities/customVisionReplay';
import { createCopyClient, type CopyApi, type FormRecognizerCredential } from '../formRecognizer';
import {
  createLedgerAccess,
  createLedgerContainerClient,
  ledgerConnectionFromSettings,
  openLedger,
  type Ledger,
} from '../ledger/connect';
import type { LedgerAccess } from '../ledger/access';
import type { DurableStoreIdentity } from '../ledger/runLease';
import { CustomVisionRecordRepository } from '../ledger/customVisionRecords';
import { RejectedNotificationRepository } from '../ledger/rejectedNotifications';
import { listPacerFor, ManagementPacer } from '../replication/pacing';
import { publicOrigin } from '../http/publicUrl';
import type { Clock } from '../runtime/clock';
import { createCustomVisionActivities, type CustomVisionActivities } from '../activities/customVisionBackup';
import {
  createReplicationActivities,
  inMemoryFailureCounts,
  type ReplicationActivities,
  inMemoryHeldAuthorizations,
  ledgerRoles,
  membersOf,
  type ReplicationDeps,
  type TargetContext,
} from '../activities/replication';
import type { CustomVisionDeps } from '../activities/customVisionDeps';
import { createFailoverActivities, publishRouting, type FailoverActivityHandlers } from '../activities/failover';
import {
  createCustomVisionDrActivities,
  customVisionRoutes,
  type CustomVisionDrActivities,
  type CustomVisionDrDeps,
  type ProjectCopyApi,
} from '../activities/customVisionProjectDr';
import { CvProjectReplicaRepository } from '../ledger/customVisionProjects';
import { createTelemetry, serviceRequestObserver, type ServiceRequestObserver, type Telemetry } from '../telemetry';
import { createDrillDeps } from './drillDependencies';
import { createDrillActivities, type DrillActivityHandlers, type DrillDeps } from '../activities/drills';

export interface AppRuntime {
  /** The app settings (read once, here). */
  env: Env;
  clock: Clock;
  /**
   * The process's telemetry (see {@link createAppTelemetry}); absent → built here from `env`.
   * A host that runs the app in-process passes its own (a `MemoryTelemetry` in tests).
   */
  telemetry?: Telemetry;
  /** The app's Azure credential getter (src/common/credential.ts); absent → built here from the settings. */
  credential?: () => TokenCredential;
  /**
   * The durable store this app instance starts runs in, written into the run lease. Absent →
   * the task hub (`taskHub:<DR_TASK_HUB>`), shared by every instance of a deployment. A host
   * that keeps its instances in its own memory (the local host) passes a process store.
   */
  durableStore?: DurableStoreIdentity;
}

/** One app instance's dependencies. Lifetime: the app instance (in production, the process). */
export interface AppDependencies {
  settings: Settings;
  clock: Clock;
  /** Events and metrics (a no-op when `APPLICATIONINSIGHTS_CONNECTION_STRING` is not set). */
  telemetry: Telemetry;
  replication: ReplicationDeps;
  customVision: CustomVisionDeps;
  /** Custom Vision project DR (`CV_DR_*`): the source and DR training clients, the DR records. */
  customVisionDr: CustomVisionDrDeps;
  /** The origin of the app's own absolute URLs, from `WEBSITE_HOSTNAME` (undefined: answer relative URLs). */
  publicOrigin: string | undefined;
  drills: DrillDeps;
  /** The durable store runs start in (see {@link AppRuntime.durableStore}). */
  durableStore: DurableStoreIdentity;
  /**
   * The ledger on the HTTP read paths (report, health, dashboard, replicas lookup): bounded
   * time, the secondary endpoint while the primary is down, and the "can write?" check of
   * whatever starts work (src/ledger/access.ts). Built on first use (the connection is read then).
   */
  ledgerAccess(): LedgerAccess;
  /** The activities over these dependencies (bound to the registries by `registerApp`). */
  activities: {
    replication: ReplicationActivities;
    customVision: CustomVisionActivities;
    customVisionDr: CustomVisionDrActivities;
    drills: DrillActivityHandlers;
    failover: FailoverActivityHandlers;
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
  // The app's one Azure credential (its managed identity), built on first use.
  const credential = runtime.credential ?? azureCredentialProvider(settings);
  const telemetry = runtime.telemetry ?? createAppTelemetry(runtime.env, credential);
  const observe = serviceRequestObserver(telemetry);
  const replication = createReplicationDeps(settings, runtime, credential, telemetry, observe);
  const customVision = createCustomVisionDeps(
    settings.customVision,
    runtime,
    credential,
    replication.ledger,
    telemetry,
    observe,
  );
  const drills = createDrillDeps(settings, runtime, credential, replication.ledger);
  let ledgerAccess: LedgerAccess | undefined;
  const customVisionDr = createCustomVisionDrDeps(
    settings,
    runtime,
    credential,
    replication.ledger,
    telemetry,
    observe,
  );
  // The routing document carries the Custom Vision DR projects; a new DR copy publishes it again.
  replication.customVisionRoutes = () => customVisionRoutes(customVisionDr, settings.health.rpoHours);
  customVisionDr.publishRouting = async (cause) => {
    await publishRouting(replication, cause);
  };
  return {
    settings,
    clock: runtime.clock,
    telemetry,
    replication,
    customVision,
    customVisionDr,
    publicOrigin: publicOrigin(runtime.env),
    drills,
    durableStore: runtime.durableStore ?? { id: `taskHub:${settings.taskHub}`, processLocal: false },
    ledgerAccess: () =>
      (ledgerAccess ??= createLedgerAccess(
        ledgerConnectionFromSettings(settings, runtime.env, credential),
        settings.ledgerContainer,
        settings.ledgerSecondaryBlobUrl,
        runtime.clock,
      )),
    activities: {
      replication: createReplicationActivities(replication),
      customVision: createCustomVisionActivities(customVision),
      customVisionDr: createCustomVisionDrActivities(customVisionDr),
      drills: createDrillActivities(drills),
      failover: createFailoverActivities(replication),
    },
  };
}

/**
 * The process's telemetry: off (a no-op, the distro not even loaded) unless
 * `APPLICATIONINSIGHTS_CONNECTION_STRING` is set. Entra ID ingestion
 * (`APPLICATIONINSIGHTS_AUTHENTICATION_STRING`) uses the app's credential, or the identity the
 * authentication string names when it names another one. Throws `ConfigurationError` naming
 * the setting when one is malformed.
 */
export function createAppTelemetry(env: Env, credential: () => TokenCredential): Telemetry {
  const appClientId = (): string | undefined => {
    const id = env.AZURE_CLIENT_ID?.trim() || env.AzureWebJobsStorage__clientId?.trim();
    return id ? id.toLowerCase() : undefined;
  };
  return createTelemetry({
    env,
    credentialFactory: (clientId) =>
      clientId === undefined || clientId.toLowerCase() === appClientId()
        ? credential()
        : createAzureCredential({ AZURE_CLIENT_ID: clientId }),
  });
}

function createReplicationDeps(
  settings: Settings,
  runtime: AppRuntime,
  credential: () => TokenCredential,
  telemetry: Telemetry,
  observe: ServiceRequestObserver,
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
      // modeldr.service.requests: the operation, status and error kind of every request (no URL).
      onRequest: (e) => observe({ operation: e.operation, status: e.status, errorKind: e.errorKind }),
    });
  const targets = new Map<string, TargetContext>(
    settings.targets.map((t) => [t.region, { settings: t, client: client(t) }]),
  );
  let ledger: Promise<Ledger> | undefined;
  const openLedgerOnce = (): Promise<Ledger> => {
    ledger ??= openLedger(
      createLedgerContainerClient(ledgerConnectionFromSettings(settings, env, credential), settings.ledgerContainer),
      { clock, knownDocuments: KNOWN_LEDGER_DOCUMENTS },
    ).catch((e: unknown) => {
      ledger = undefined;
      throw e;
    });
    return ledger;
  };
  const source = client(settings.source);
  const members = membersOf(settings, source, targets);
  return {
    settings,
    source,
    targets,
    members,
    rolesFor: ledgerRoles(settings, members, openLedgerOnce),
    clock,
    telemetry,
    pacer: new ManagementPacer(settings.pacing.managementRequestsPerSecond),
    listPacer: listPacerFor(settings.pacing.managementRequestsPerSecond),
    heldAuthorizations: inMemoryHeldAuthorizations(),
    unissuedFailures: inMemoryFailureCounts(),
    ledger: openLedgerOnce,
  };
}

/**
 * Container credentials (`chooseContainerAccess`): the SAS carried by the container URL setting
 * (read here, held only inside the client); else, for a container on the `AzureWebJobsStorage`
 * account, that connection's key or identity; else the app's Microsoft Entra ID credential.
 */
function createCustomVisionDeps(
  cv: CustomVisionSettings,
  runtime: AppRuntime,
  credential: () => TokenCredential,
  ledger: () => Promise<Ledger>,
  telemetry: Telemetry,
  observe: ServiceRequestObserver,
): CustomVisionDeps {
  const { env, clock } = runtime;
  const storage = readStorageConnection(env);
  const byClientId = new Map<string, TokenCredential>();
  const appClientId = azureCredentialOptions(env).managedIdentityClientId;
  const tokenCredential = ({ clientId }: { clientId?: string }): TokenCredential => {
    // The storage connection's own identity is the app's one credential when the client ids agree.
    if (clientId === undefined || clientId === appClientId) return credential();
    let c = byClientId.get(clientId);
    if (!c) byClientId.set(clientId, (c = createAzureCredential({ identity: { clientId } })));
    return c;
  };
  const access = (setting: string, c: ContainerLocation): ContainerAccess =>
    chooseContainerAccess({
      setting,
      containerUrl: c.url,
      ...(c.sas ? { sas: resolveSecret(c.sas, env) } : {}),
      ...(storage ? { storage } : {}),
      tokenCredential,
      pipelineOptions: { retryOptions: CV_STORAGE_RETRY },
    });
  const deps: CustomVisionDeps = {
    settings: cv,
    replayQueues: () => replayQueues(env, cv.notificationQueue, tokenCredential),
    telemetry,
    records: async () => new CustomVisionRecordRepository((await ledger()).container, { clock }),
    rejected: async () => new RejectedNotificationRepository((await ledger()).container, { clock }),
  };
  if (cv.endpoint && cv.trainingKey) {
    deps.training = new CustomVisionTrainingClient({
      endpoint: cv.endpoint,
      trainingKey: resolveSecret(cv.trainingKey, env),
      now: () => clock.now(),
      onRequest: (o) => observe({ operation: o.operation, status: o.status, errorKind: o.errorKind }),
    });
  }
  if (cv.backupContainer) {
    const backup = access(BACKUP_CONTAINER_SETTING, cv.backupContainer);
    const replica = cv.replicaContainer ? access(REPLICA_CONTAINER_SETTING, cv.replicaContainer) : undefined;
    deps.containers = replica ? [backup, replica] : [backup];
    deps.backup = new CustomVisionBackup({
      backup: backup.client,
      ...(replica ? { replica: replica.client } : {}),
    });
    deps.policy = deps.backup.policy;
  }
  return deps;
}

/**
 * Custom Vision project DR: the source training client (`CV_ENDPOINT`, `CV_TRAINING_KEY` or the
 * app's Entra ID credential) and one per DR target (its `keySetting`, or Entra ID). Keys are
 * read here and live only inside the clients.
 */
function createCustomVisionDrDeps(
  settings: Settings,
  runtime: AppRuntime,
  credential: () => TokenCredential,
  ledger: () => Promise<Ledger>,
  telemetry: Telemetry,
  observe: ServiceRequestObserver,
): CustomVisionDrDeps {
  const { env, clock } = runtime;
  const dr = settings.customVisionDr;
  const client = (endpoint: string, key: string | undefined): ProjectCopyApi =>
    new CustomVisionTrainingClient({
      endpoint,
      ...(key !== undefined ? { trainingKey: key } : { credential: { getToken: (s) => credential().getToken(s) } }),
      now: () => clock.now(),
      onRequest: (o) => observe({ operation: o.operation, status: o.status, errorKind: o.errorKind }),
    });
  const cv = settings.customVision;
  const enabled = dr.targets.length > 0;
  return {
    settings: dr,
    ...(enabled && cv.endpoint
      ? { source: client(cv.endpoint, cv.trainingKey ? resolveSecret(cv.trainingKey, env) : undefined) }
      : {}),
    targets: new Map(
      dr.targets.map((t) => [
        t.region,
        {
          settings: t,
          client: client(
            t.endpoint,
            t.credential.kind === 'key' ? resolveSecret({ setting: t.credential.setting }, env) : undefined,
          ),
        },
      ]),
    ),
    clock,
    telemetry,
    replicas: async () => new CvProjectReplicaRepository((await ledger()).container, { clock }),
  };
}

/** The notification queue and its poison queue over the `AzureWebJobsStorage` connection (the queue trigger's). */
function replayQueues(
  env: Env,
  queueName: string,
  tokenCredential: (o: { clientId?: string }) => TokenCredential,
): ReplayQueues {
  const cs = env.AzureWebJobsStorage?.trim();
  let service: QueueServiceClient;
  if (cs) service = QueueServiceClient.fromConnectionString(cs);
  else {
    const account = env.AzureWebJobsStorage__accountName?.trim();
    const uri =
      env.AzureWebJobsStorage__queueServiceUri?.trim() || (account ? `https://${account}.queue.core.windows.net` : '');
    if (!uri) throw new Error('AzureWebJobsStorage is not set: no queue to replay onto');
    const clientId = env.AzureWebJobsStorage__clientId?.trim();
    service = new QueueServiceClient(uri, tokenCredential(clientId ? { clientId } : {}));
  }
  const main = service.getQueueClient(queueName);
  const poison = service.getQueueClient(`${queueName}-poison`);
  return {
    notificationQueue: queueName,
    poisonQueue: poison.name,
    async receivePoison(n) {
      if (!(await poison.exists())) return [];
      const got = await poison.receiveMessages({
        numberOfMessages: Math.max(1, Math.min(32, n)),
        visibilityTimeout: 60,
      });
      return got.receivedMessageItems.map((m) => ({ id: m.messageId, popReceipt: m.popReceipt, text: m.messageText }));
    },
    async deletePoison(id, popReceipt) {
      await poison.deleteMessage(id, popReceipt);
    },
    async send(text) {
      await main.createIfNotExists();
      await main.sendMessage(text);
    },
  };
}
