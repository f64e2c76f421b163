// The Function App on Flex Consumption (FC1, Node 22: docs/deploy.md "Node version"), running as the user-assigned identity, and
// every app setting it gets. Flex Consumption takes the runtime from functionAppConfig.runtime and
// the package from the deployment container, so FUNCTIONS_WORKER_RUNTIME and
// WEBSITE_RUN_FROM_PACKAGE are never set (the platform rejects them on Flex).
param name string
param planName string
param location string
param tags object = {}
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string
@description('Durable Task Scheduler endpoint; empty for the Azure Storage backend.')
param durableTaskSchedulerEndpoint string = ''
param taskHubName string
param sourceEndpoint string
param sourceRegion string
param sourceResourceId string
param sourceKeySecretName string = ''
@description('[{region, endpoint, resourceId, keySecretName?, allowDegrade?}]')
param targets array
param apiVersion string
param schedule string
@description('DR_RPO_HOURS (hours, as a string: the app validates it).')
param rpoHours string = '26'
param customVisionEndpoint string = ''
param customVisionTrainingKeySecretName string = ''
param customVisionExportPlatforms string = ''
param customVisionBackupContainerUrl string = ''
param customVisionReplicaContainerUrl string = ''
param keyVaultName string = ''
param instanceMemoryMB int = 2048
param maximumInstanceCount int = 40

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references (@Microsoft.KeyVault(...)) are resolved with this identity.
    keyVaultReferenceIdentity: identityId
    siteConfig: { minTlsVersion: '1.2', ftpsState: 'Disabled' }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: { name: 'node', version: '22' }
    }
  }
}

// ---- App settings. Secrets are never written here: a key is a Key Vault reference the platform
// resolves with keyVaultReferenceIdentity (docs/deploy.md, "Keys in Key Vault").

// The Functions host and its extensions: identity-based storage, Entra ID telemetry.
var hostSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
  AZURE_CLIENT_ID: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

var durableSettings = empty(durableTaskSchedulerEndpoint)
  ? {}
  : {
      DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${durableTaskSchedulerEndpoint};Authentication=ManagedIdentity;ClientID=${identityClientId}'
    }

// DR_TARGETS in the app's form: a target with a key names the setting that holds it.
var appTargets = map(
  targets,
  t =>
    union(
      { region: t.region, endpoint: t.endpoint, resourceId: t.resourceId, allowDegrade: t.?allowDegrade ?? false },
      empty(t.?keySecretName ?? '') ? {} : { keySetting: 'DR_TARGET_KEY_${toUpper(t.region)}' }
    )
)

var replicationSettings = {
  DR_TASK_HUB: taskHubName
  DR_SOURCE_ENDPOINT: sourceEndpoint
  DR_SOURCE_REGION: sourceRegion
  DR_SOURCE_RESOURCE_ID: sourceResourceId
  DR_TARGETS: string(appTargets)
  DR_API_VERSION: apiVersion
  DR_SCHEDULE: schedule
  DR_RPO_HOURS: rpoHours
}

var sourceKeySettings = empty(sourceKeySecretName)
  ? {}
  : { DR_SOURCE_KEY: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${sourceKeySecretName})' }

var targetKeySettings = toObject(
  filter(targets, t => !empty(t.?keySecretName ?? '')),
  t => 'DR_TARGET_KEY_${toUpper(t.region)}',
  t => '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${t.keySecretName})'
)

var customVisionSettings = union(
  empty(customVisionEndpoint) ? {} : { CV_ENDPOINT: customVisionEndpoint },
  empty(customVisionTrainingKeySecretName)
    ? {}
    : { CV_TRAINING_KEY: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${customVisionTrainingKeySecretName})' },
  empty(customVisionExportPlatforms) ? {} : { CV_EXPORT_PLATFORMS: customVisionExportPlatforms },
  empty(customVisionBackupContainerUrl) ? {} : { CV_BACKUP_CONTAINER_URL: customVisionBackupContainerUrl },
  empty(customVisionReplicaContainerUrl) ? {} : { CV_REPLICA_CONTAINER_URL: customVisionReplicaContainerUrl }
)

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(
    hostSettings,
    durableSettings,
    replicationSettings,
    sourceKeySettings,
    targetKeySettings,
    customVisionSettings
  )
}

output name string = site.name
output uri string = 'https://${site.properties.defaultHostName}'
