// ai-model-dr on Azure Functions Flex Consumption, keyless: a user-assigned managed identity
// reaches the app's storage, Application Insights, the Durable Task Scheduler (when chosen) and the
// existing Document Intelligence / Custom Vision resources through role assignments.
// Deployed with `azd up` (see docs/deploy.md). Plain resources only: no registry modules.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment: names the resource group and seeds the resource token.')
param environmentName string

@minLength(1)
@description('Region of the Function App and its resources: one that offers Flex Consumption, and never the source region (DR_SOURCE_REGION): the app must survive the region it protects.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the deploying user (azd sets AZURE_PRINCIPAL_ID): given the same data roles as the app, for `npm run local` against the real resources. Empty: none.')
param principalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

@description('Durable Functions backend: the Azure Storage provider (default) or the Durable Task Scheduler.')
@allowed(['azureStorage', 'dts'])
param durableBackend string = 'azureStorage'

@description('DR_TASK_HUB: letters and digits only (the Azure Storage backend requires it), 3-45 characters.')
@minLength(3)
@maxLength(45)
param taskHubName string = 'ModelDr'

@description('DR_SOURCE_ENDPOINT: custom-subdomain endpoint of the existing source resource.')
param sourceEndpoint string

@description('DR_SOURCE_REGION: Azure region name of the source resource, lower case.')
param sourceRegion string

@description('DR_SOURCE_RESOURCE_ID: ARM id of the existing source Document Intelligence / Form Recognizer account.')
param sourceResourceId string

@description('Key Vault secret holding the source key. Empty: Microsoft Entra ID (Cognitive Services User).')
param sourceKeySecretName string = ''

@description('JSON array of targets: {region, endpoint, resourceId, keySecretName?, allowDegrade?}.')
param targetsJson string

@allowed(['v2.1', '2023-07-31', '2024-11-30'])
param apiVersion string = 'v2.1'

@description('DR_SCHEDULE: six-field NCRONTAB.')
param schedule string = '0 0 2 * * *'

// A string, as azd substitutes it from the environment; the app validates it (integer 1–8760) at start.
@description('DR_RPO_HOURS: the recovery point objective in hours (health model and alert rules; default 26: one missed daily run).')
param rpoHours string = '26'

@description('E-mail address the alert rules notify (one action group). Empty: the rules are deployed without an action group (alerts show in Azure Monitor only).')
param alertEmail string = ''

param customVisionEndpoint string = ''

@description('ARM id of the existing Custom Vision training account (Cognitive Services User). Empty: none.')
param customVisionResourceId string = ''

@description('Key Vault secret holding the Custom Vision training key (needed to request exports).')
param customVisionTrainingKeySecretName string = ''

param customVisionExportPlatforms string = ''
param customVisionBackupContainerUrl string = ''
param customVisionReplicaContainerUrl string = ''

@description('JSON array of ARM ids of the storage accounts holding the backup and replica containers (Storage Blob Data Contributor).')
param customVisionStorageAccountIdsJson string = '[]'

@description('ARM id of an existing Key Vault holding the keys (Key Vault Secrets User). Empty: no keys, Entra ID only.')
param keyVaultResourceId string = ''

param resourceGroupName string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
var deploymentContainerName = 'app-package-${take(resourceToken, 13)}'
var targets = json(targetsJson)
var customVisionStorageAccountIds = json(customVisionStorageAccountIdsJson)
var keyVaultName = empty(keyVaultResourceId) ? '' : last(split(keyVaultResourceId, '/'))

// ---- Where the app and its ledger run (docs/deploy.md, "Where to deploy the app")

// Regions with availability zones, by programmatic name: "Azure regions list"
// (https://learn.microsoft.com/azure/reliability/regions-list), as published in 2025–2026.
// A region missing here gets RA-GRS instead of RA-GZRS: still geo-redundant, without zones.
var zonedRegions = [
  'australiaeast'
  'austriaeast'
  'belgiumcentral'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'indonesiacentral'
  'israelcentral'
  'italynorth'
  'japaneast'
  'japanwest'
  'koreacentral'
  'mexicocentral'
  'newzealandnorth'
  'northeurope'
  'norwayeast'
  'polandcentral'
  'qatarcentral'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'spaincentral'
  'swedencentral'
  'switzerlandnorth'
  'uaenorth'
  'uksouth'
  'westeurope'
  'westus2'
  'westus3'
]

// Regions without a paired region (same list, "Paired region: n/a"). Geo-redundant storage
// replicates to the region's pair ("Azure region pairs and nonpaired regions",
// https://learn.microsoft.com/azure/reliability/regions-paired), so the ledger cannot have a
// readable secondary there: refused.
var unpairedRegions = [
  'austriaeast'
  'belgiumcentral'
  'indonesiacentral'
  'israelcentral'
  'italynorth'
  'mexicocentral'
  'newzealandnorth'
  'polandcentral'
  'qatarcentral'
  'spaincentral'
]

var appRegion = toLower(replace(location, ' ', ''))
// The app, its storage (the ledger, the v2.1 id mapping, durable state) and its telemetry must
// not share the source region: an outage there would take the report, the health route and the
// mapping failover needs down exactly when they are needed.
var appLocation = appRegion == toLower(replace(sourceRegion, ' ', ''))
  ? fail('AZURE_LOCATION (${location}) is the source region (DR_SOURCE_REGION=${sourceRegion}). Rule: the app and its ledger must not run in the region they protect; choose another Flex Consumption region, such as the first DR target region (docs/deploy.md, "Where to deploy the app").')
  : contains(unpairedRegions, appRegion)
      ? fail('AZURE_LOCATION (${location}) has no paired region. Rule: the ledger\'s storage is geo-redundant with a readable secondary (RA-GZRS / RA-GRS), which needs a paired region; choose a paired region (docs/deploy.md, "Where to deploy the app").')
      : appRegion

// The ledger's storage: geo-zone-redundant where the region has zones, geo-redundant otherwise;
// both with read access to the secondary (<account>-secondary.blob.core.windows.net).
var storageSku = contains(zonedRegions, appLocation) ? 'Standard_RAGZRS' : 'Standard_RAGRS'

// Built-in role definitions (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  cognitiveServicesUser: 'a97b65f3-24c7-4388-baec-2e87135dc908'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  durableTaskDataContributor: '0ad04412-c4d5-4796-b79c-f76d14c8d402'
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: appLocation
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: appLocation
    tags: tags
  }
}

// The app's identity, and the deploying user when one is given.
var principals = concat(
  [{ principalId: identity.outputs.principalId, principalType: 'ServicePrincipal' }],
  empty(principalId) ? [] : [{ principalId: principalId, principalType: principalType }]
)

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: appLocation
    tags: tags
    skuName: storageSku
    deploymentContainerName: deploymentContainerName
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: appLocation
    tags: tags
  }
}

module dts 'app/dts.bicep' = if (durableBackend == 'dts') {
  name: 'dts'
  scope: rg
  params: {
    name: '${abbrs.durableTaskSchedulers}${resourceToken}'
    taskHubName: taskHubName
    location: appLocation
    tags: tags
    principals: principals
    roleDefinitionIds: [roles.durableTaskDataContributor]
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: appLocation
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    durableTaskSchedulerEndpoint: durableBackend == 'dts' ? dts.outputs.endpoint : ''
    taskHubName: taskHubName
    sourceEndpoint: sourceEndpoint
    sourceRegion: sourceRegion
    sourceResourceId: sourceResourceId
    sourceKeySecretName: sourceKeySecretName
    targets: targets
    apiVersion: apiVersion
    schedule: schedule
    rpoHours: rpoHours
    customVisionEndpoint: customVisionEndpoint
    customVisionTrainingKeySecretName: customVisionTrainingKeySecretName
    customVisionExportPlatforms: customVisionExportPlatforms
    customVisionBackupContainerUrl: customVisionBackupContainerUrl
    customVisionReplicaContainerUrl: customVisionReplicaContainerUrl
    keyVaultName: keyVaultName
  }
  dependsOn: [storageRoles, appInsightsRoles]
}

// ---- Alert rules on the app's telemetry (docs/observability.md)

module alerts 'app/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    appInsightsId: monitoring.outputs.applicationInsightsId
    appInsightsName: monitoring.outputs.applicationInsightsName
    location: appLocation
    actionGroupEmail: alertEmail
    rpoHours: int(rpoHours)
    tags: tags
  }
}

// ---- Role assignments on the app's own resources

module storageRoles 'app/rbac/storageRoles.bicep' = {
  name: 'roles-storage'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    principals: principals
    roleDefinitionIds: [roles.storageBlobDataOwner, roles.storageQueueDataContributor, roles.storageTableDataContributor]
  }
}

module appInsightsRoles 'app/rbac/appInsightsRoles.bicep' = {
  name: 'roles-appinsights'
  scope: rg
  params: {
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    principals: principals
    roleDefinitionIds: [roles.monitoringMetricsPublisher]
  }
}

// ---- Role assignments on existing resources, each in its own resource group / subscription

module sourceRoles 'app/rbac/cognitiveServicesRoles.bicep' = {
  name: 'roles-source'
  scope: resourceGroup(split(sourceResourceId, '/')[2], split(sourceResourceId, '/')[4])
  params: {
    accountName: last(split(sourceResourceId, '/'))
    principals: principals
    roleDefinitionIds: [roles.cognitiveServicesUser]
  }
}

module targetRoles 'app/rbac/cognitiveServicesRoles.bicep' = [
  for (target, i) in targets: {
    name: 'roles-target-${i}'
    scope: resourceGroup(split(target.resourceId, '/')[2], split(target.resourceId, '/')[4])
    params: {
      accountName: last(split(target.resourceId, '/'))
      principals: principals
      roleDefinitionIds: [roles.cognitiveServicesUser]
    }
  }
]

module customVisionRoles 'app/rbac/cognitiveServicesRoles.bicep' = if (!empty(customVisionResourceId)) {
  name: 'roles-customvision'
  scope: resourceGroup(split(customVisionResourceId, '/')[2], split(customVisionResourceId, '/')[4])
  params: {
    accountName: last(split(customVisionResourceId, '/'))
    principals: principals
    roleDefinitionIds: [roles.cognitiveServicesUser]
  }
}

module customVisionStorageRoles 'app/rbac/storageRoles.bicep' = [
  for (accountId, i) in customVisionStorageAccountIds: {
    name: 'roles-cvstorage-${i}'
    scope: resourceGroup(split(accountId, '/')[2], split(accountId, '/')[4])
    params: {
      storageAccountName: last(split(accountId, '/'))
      principals: principals
      roleDefinitionIds: [roles.storageBlobDataContributor]
    }
  }
]

module keyVaultRoles 'app/rbac/keyVaultRoles.bicep' = if (!empty(keyVaultResourceId)) {
  name: 'roles-keyvault'
  scope: resourceGroup(split(keyVaultResourceId, '/')[2], split(keyVaultResourceId, '/')[4])
  params: {
    keyVaultName: keyVaultName
    principals: principals
    roleDefinitionIds: [roles.keyVaultSecretsUser]
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AZURE_CLIENT_ID string = identity.outputs.clientId
output DURABLE_BACKEND string = durableBackend
