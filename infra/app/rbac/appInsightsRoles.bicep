// Monitoring Metrics Publisher on Application Insights: telemetry with Entra ID (local auth is off).
param applicationInsightsName string
@description('[{principalId, principalType}]')
param principals array
param roleDefinitionIds array

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

var assignments = flatten(map(principals, p => map(roleDefinitionIds, r => { principal: p, role: r })))

resource roleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for a in assignments: {
    name: guid(applicationInsights.id, a.principal.principalId, a.role)
    scope: applicationInsights
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.role)
      principalId: a.principal.principalId
      principalType: a.principal.principalType
    }
  }
]
