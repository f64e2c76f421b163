// Data roles on a storage account in this module's resource group (the app's own storage, or an
// existing Custom Vision backup / replica account deployed with its own scope).
param storageAccountName string
@description('[{principalId, principalType}]')
param principals array
param roleDefinitionIds array

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

var assignments = flatten(map(principals, p => map(roleDefinitionIds, r => { principal: p, role: r })))

resource roleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for a in assignments: {
    name: guid(account.id, a.principal.principalId, a.role)
    scope: account
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.role)
      principalId: a.principal.principalId
      principalType: a.principal.principalType
    }
  }
]
