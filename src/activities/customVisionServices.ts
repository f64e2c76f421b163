/**
 * What the Custom Vision functions and activities work with, built once per process from
 * the settings (and rebuilt when the environment changes, like `services.ts`): the
 * Training API client (when exports are configured), the backup over the configured
 * containers (when `CV_BACKUP_CONTAINER_URL` is set), the modelUri policy, and the
 * Custom Vision repositories over the ledger container.
 *
 * Container credentials: the SAS carried by the container URL setting (read at build
 * time, held only inside the client), else Microsoft Entra ID (`DefaultAzureCredential`).
 * Storage calls retry briefly inside the SDK and then fail: a longer outage is retried by
 * the queue host (visibility timeout × maxDequeueCount) or the activity retry policy, so
 * one invocation never sits on a dead storage account for minutes.
 */
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { AnonymousCredential, ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';
import { resolveSecret, type ContainerLocation, type CustomVisionSettings, type Env } from '../config';
import {
  CustomVisionBackup,
  CustomVisionTrainingClient,
  type CustomVisionTrainingApi,
  type ModelUriPolicy,
} from '../customVision';
import { CustomVisionRecordRepository } from '../ledger/customVisionRecords';
import { RejectedNotificationRepository } from '../ledger/rejectedNotifications';
import { now } from '../runtime/time';
import { getServices } from './services';

export interface CustomVisionServices {
  settings: CustomVisionSettings;
  /** Present when `CV_ENDPOINT` and `CV_TRAINING_KEY` are set. */
  training?: CustomVisionTrainingApi;
  /** Present when `CV_BACKUP_CONTAINER_URL` is set. */
  backup?: CustomVisionBackup;
  /** The modelUri policy; undefined when no backup container is configured (every modelUri is then foreign). */
  policy?: ModelUriPolicy;
  records(): Promise<CustomVisionRecordRepository>;
  rejected(): Promise<RejectedNotificationRepository>;
}

/** Storage retries inside one call: short (see the module comment). */
export const CV_STORAGE_RETRY: NonNullable<StoragePipelineOptions['retryOptions']> = {
  maxTries: 3,
  retryDelayInMs: 200,
  maxRetryDelayInMs: 2000,
  tryTimeoutInMs: 120_000,
};

let cached: { env: Env; fingerprint: string; services: CustomVisionServices } | undefined;
let entraCredential: TokenCredential | undefined;

export function getCustomVisionServices(env: Env = process.env): CustomVisionServices {
  const base = getServices(env);
  const fingerprint = fingerprintOf(env);
  if (cached?.fingerprint === fingerprint && cached.services.settings === base.settings.customVision)
    return cached.services;
  const services = build(base.settings.customVision, env, () => base.ledger());
  cached = { env, fingerprint, services };
  return services;
}

export function resetCustomVisionServices(): void {
  cached = undefined;
}

function build(
  cv: CustomVisionSettings,
  env: Env,
  ledger: ReturnType<typeof getServices>['ledger'],
): CustomVisionServices {
  const services: CustomVisionServices = {
    settings: cv,
    records: async () => new CustomVisionRecordRepository((await ledger()).container, { clock: { now } }),
    rejected: async () => new RejectedNotificationRepository((await ledger()).container, { clock: { now } }),
  };
  if (cv.endpoint && cv.trainingKey) {
    services.training = new CustomVisionTrainingClient({
      endpoint: cv.endpoint,
      trainingKey: resolveSecret(cv.trainingKey, env),
      now,
    });
  }
  if (cv.backupContainer) {
    services.backup = new CustomVisionBackup({
      backup: containerClient(cv.backupContainer, env),
      ...(cv.replicaContainer ? { replica: containerClient(cv.replicaContainer, env) } : {}),
    });
    services.policy = services.backup.policy;
  }
  return services;
}

function containerClient(c: ContainerLocation, env: Env): ContainerClient {
  const options: StoragePipelineOptions = { retryOptions: CV_STORAGE_RETRY };
  if (c.sas) return new ContainerClient(`${c.url}?${resolveSecret(c.sas, env)}`, new AnonymousCredential(), options);
  entraCredential ??= new DefaultAzureCredential();
  return new ContainerClient(c.url, entraCredential, options);
}

/** The CV_ settings and the storage connection, hashed cheaply (values are never kept or logged). */
function fingerprintOf(env: Env): string {
  let h = 2166136261;
  for (const key of Object.keys(env).sort()) {
    if (!/^(CV_|DR_LEDGER|AzureWebJobsStorage)/.test(key)) continue;
    const text = `${key}=${env[key] ?? ''};`;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  }
  return h.toString(16);
}
