/** A complete, valid app environment for settings and credential tests (fake values only). */
import { ConfigurationError, loadSettings, type Env } from '../../src/config';

export const SOURCE_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/src';
export const TARGET_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/tgt';

export const APP_CLIENT_ID = '11111111-2222-3333-4444-555555555555';
export const STORAGE_CLIENT_ID = '99999999-8888-7777-6666-555555555555';

/** An unresolved Key Vault reference, as the platform leaves it in the setting. */
export const KV_REFERENCE = '@Microsoft.KeyVault(SecretUri=https://drvault.vault.azure.net/secrets/dr-key/)';

/** Keys, SAS and a connection string in every form the settings accept. */
export function keyedEnv(over: Record<string, string | undefined> = {}): Env {
  return {
    AzureWebJobsStorage:
      'DefaultEndpointsProtocol=https;AccountName=drstate;AccountKey=SECRETaccountKey0005==;EndpointSuffix=core.windows.net',
    DR_SOURCE_ENDPOINT: 'https://src.cognitiveservices.azure.com',
    DR_SOURCE_REGION: 'westus2',
    DR_SOURCE_RESOURCE_ID: SOURCE_ID,
    DR_SOURCE_KEY: 'SECRET-source-key-0001',
    DR_TARGETS: JSON.stringify([
      {
        region: 'eastus2',
        endpoint: 'https://tgt.cognitiveservices.azure.com',
        resourceId: TARGET_ID,
        keySetting: 'DR_TARGET_KEY_EASTUS2',
      },
    ]),
    DR_TARGET_KEY_EASTUS2: 'SECRET-target-key-0002',
    CV_ENDPOINT: 'https://cv.cognitiveservices.azure.com',
    CV_TRAINING_KEY: 'SECRET-cv-key-0003',
    CV_EXPORT_PLATFORMS: 'ONNX',
    CV_BACKUP_CONTAINER_URL: 'https://backups.blob.core.windows.net/cv-backups',
    CV_REPLICA_CONTAINER_URL: 'https://replica.blob.core.windows.net/cv-replica?sv=2024-08-04&sp=racw&sig=SECRETSIG%3D',
    ...over,
  };
}

/**
 * The app settings issue 15's deployment writes (keyless: managed identity everywhere, an
 * identity-based `AzureWebJobsStorage__*` connection, no keys), plus host-level settings the
 * app does not read.
 */
export function deployedEnv(over: Record<string, string | undefined> = {}): Env {
  return {
    AzureWebJobsStorage__credential: 'managedidentity',
    AzureWebJobsStorage__clientId: APP_CLIENT_ID,
    AzureWebJobsStorage__blobServiceUri: 'https://stdrabc123.blob.core.windows.net',
    AzureWebJobsStorage__queueServiceUri: 'https://stdrabc123.queue.core.windows.net',
    AzureWebJobsStorage__tableServiceUri: 'https://stdrabc123.table.core.windows.net',
    AZURE_CLIENT_ID: APP_CLIENT_ID,
    APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${APP_CLIENT_ID};Authorization=AAD`,
    DR_TASK_HUB: 'ModelDrProd',
    DR_SOURCE_ENDPOINT: 'https://src.cognitiveservices.azure.com',
    DR_SOURCE_REGION: 'westus2',
    DR_SOURCE_RESOURCE_ID: SOURCE_ID,
    DR_TARGETS: JSON.stringify([
      { region: 'eastus2', endpoint: 'https://tgt.cognitiveservices.azure.com', resourceId: TARGET_ID },
    ]),
    DR_API_VERSION: '2024-11-30',
    DR_SCHEDULE: '0 0 2 * * *',
    CV_BACKUP_CONTAINER_URL: 'https://stdrabc123.blob.core.windows.net/cv-backups',
    ...over,
  };
}

export function loadError(env: Env): ConfigurationError {
  try {
    loadSettings(env);
  } catch (err) {
    if (err instanceof ConfigurationError) return err;
    throw err;
  }
  throw new Error('expected a ConfigurationError');
}
