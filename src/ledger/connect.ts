/**
 * Opening the ledger: a `ContainerClient` from a connection string or from
 * `{accountUrl, credential}` (identity-based), and the typed repositories over it.
 */
import type { TokenCredential } from '@azure/identity';
import {
  BlobServiceClient,
  ContainerClient,
  type AnonymousCredential,
  type StoragePipelineOptions,
  type StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { LEDGER_READ_RETRY, LedgerAccess } from './access';
import { createAzureCredential } from '../common/credential';
import { resolveSecret, type Env, type Settings } from '../config';
import type { Clock, DocumentStoreOptions } from './documentStore';
import { CopyIntentRepository } from './copyIntents';
import { FailoverRepository } from './failovers';
import { PrimaryRepository } from './primary';
import { RoutingRepository } from './routing';
import { DrillRepository } from './drills';
import { ListingScratch } from './listingScratch';
import { PendingTargetRepository } from './pendingTargets';
import { ReplicaRepository } from './replicas';
import { RunLeaseRepository } from './runLease';
import { DrillPagesRepository } from './drillPages';
import { RunReportRepository } from './runReports';
import { VerificationRepository } from './verifications';

export type LedgerConnection =
  | { connectionString: string }
  | { accountUrl: string; credential: TokenCredential | StorageSharedKeyCredential | AnonymousCredential };

export interface LedgerClientOptions {
  /**
   * Another blob endpoint of the same account, reached with the connection's credential (the
   * account key, its SAS, or the identity): the storage's secondary endpoint.
   */
  blobEndpoint?: string;
  /** Pipeline options (e.g. the short retries of the HTTP read paths, access.ts). */
  pipeline?: StoragePipelineOptions;
}

export function createLedgerContainerClient(
  connection: LedgerConnection,
  containerName: string,
  options: LedgerClientOptions = {},
): ContainerClient {
  const { blobEndpoint, pipeline } = options;
  let service =
    'connectionString' in connection
      ? BlobServiceClient.fromConnectionString(connection.connectionString, pipeline)
      : new BlobServiceClient(connection.accountUrl, connection.credential, pipeline);
  if (blobEndpoint !== undefined) {
    // A SAS connection string's token rides in the service URL's query; a key or identity is the credential.
    const sas = new URL(service.url).search;
    service = new BlobServiceClient(`${blobEndpoint.replace(/\/+$/, '')}${sas}`, service.credential, pipeline);
  }
  return service.getContainerClient(containerName);
}

/**
 * The ledger's HTTP read paths over `connection`: the primary endpoint, and the secondary one
 * when `secondaryBlobUrl` is given, both with the short retries of access.ts.
 */
export function createLedgerAccess(
  connection: LedgerConnection,
  containerName: string,
  secondaryBlobUrl: string | undefined,
  clock: Clock,
): LedgerAccess {
  const pipeline: StoragePipelineOptions = { retryOptions: LEDGER_READ_RETRY };
  return new LedgerAccess({
    containerName,
    clock,
    primary: createLedgerContainerClient(connection, containerName, { pipeline }),
    ...(secondaryBlobUrl !== undefined
      ? {
          secondary: createLedgerContainerClient(connection, containerName, {
            pipeline,
            blobEndpoint: secondaryBlobUrl,
          }),
        }
      : {}),
  });
}

/**
 * The ledger's connection from the app settings: `AzureWebJobsStorage` (read now, at the
 * moment of use) or the identity-based blob service URI with the app's Azure credential
 * (pass the app's one, or its lazy getter, which is then called only for an identity-based
 * connection; without it one is built by `createAzureCredential(settings)`).
 */
export function ledgerConnectionFromSettings(
  settings: Settings,
  env: Env = process.env,
  credential?: TokenCredential | (() => TokenCredential),
): LedgerConnection {
  const storage = settings.storage;
  if (storage.kind === 'connectionString') return { connectionString: resolveSecret(storage.connectionString, env) };
  const given = typeof credential === 'function' ? credential() : credential;
  return { accountUrl: storage.blobServiceUri, credential: given ?? createAzureCredential(settings) };
}

export interface Ledger {
  readonly container: ContainerClient;
  readonly replicas: ReplicaRepository;
  readonly pendingTargets: PendingTargetRepository;
  readonly runReports: RunReportRepository;
  readonly runLease: RunLeaseRepository;
  /** One drill run at a time (`locks/drill-run.json`). */
  readonly drillLease: RunLeaseRepository;
  /** The drills' pages per UTC day (`DR_DRILL_MAX_PAGES_PER_DAY`). */
  readonly drillPages: DrillPagesRepository;
  readonly copyIntents: CopyIntentRepository;
  /** A run's listings of the source and the targets, read by planning. */
  readonly listings: ListingScratch;
  /** Region verification documents; `replicas.listAll` / `listForModel` apply them. */
  readonly verifications: VerificationRepository;
  /** The DR group's active primary (docs/failover.md). */
  readonly primary: PrimaryRepository;
  readonly failovers: FailoverRepository;
  /** The routing document clients read (`routing/current.json`). */
  readonly routing: RoutingRepository;
  /** Restore-drill records (the last drill per pair; the read model shows and judges them). */
  readonly drills: DrillRepository;
}

export interface OpenLedgerOptions extends DocumentStoreOptions {
  clock?: Clock;
  /** Create the container if it does not exist (default true). */
  createIfMissing?: boolean;
}

/** The repositories over one container (created if missing). */
export async function openLedger(container: ContainerClient, options: OpenLedgerOptions = {}): Promise<Ledger> {
  if (options.createIfMissing ?? true) await container.createIfNotExists();
  const verifications = new VerificationRepository(container, options);
  return {
    container,
    replicas: new ReplicaRepository(container, options, verifications),
    verifications,
    pendingTargets: new PendingTargetRepository(container, options),
    runReports: new RunReportRepository(container, options),
    runLease: new RunLeaseRepository(container, options),
    drillLease: new RunLeaseRepository(container, options, RunLeaseRepository.DRILL_KEY),
    drillPages: new DrillPagesRepository(container, options),
    copyIntents: new CopyIntentRepository(container, options),
    listings: new ListingScratch(container),
    primary: new PrimaryRepository(container, options),
    failovers: new FailoverRepository(container, options),
    routing: new RoutingRepository(container, options),
    drills: new DrillRepository(container, options),
  };
}
