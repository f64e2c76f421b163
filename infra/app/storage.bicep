// The app's storage: durable state (Azure Storage backend), the ledger, the Custom Vision
// notification queue and the Flex Consumption deployment container. No shared keys: every
// client uses Microsoft Entra ID. Geo-redundant with read access to the secondary, so the ledger
// can still be read from <account>-secondary.blob.core.windows.net when its region is down.
param name string
param location string
param tags object = {}
@description('RA-GZRS where the region has availability zones, else RA-GRS (main.bicep decides).')
@allowed(['Standard_RAGZRS', 'Standard_RAGRS'])
param skuName string
param deploymentContainerName string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: skuName }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: { defaultAction: 'Allow', bypass: 'AzureServices' }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: { publicAccess: 'None' }
}

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output secondaryBlobEndpoint string = storage.properties.secondaryEndpoints.blob
