// Cognitive Services User on an EXISTING Document Intelligence / Form Recognizer or Custom Vision
// account. main.bicep deploys this module into the account's own resource group and subscription.
param accountName string
@description('[{principalId, principalType}]')
param principals array
param roleDefinitionIds array

resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' existing = {
  name: accountName
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
