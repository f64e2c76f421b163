// Durable Task Scheduler (durableBackend = 'dts'): a scheduler, the task hub the app uses
// (named DR_TASK_HUB, as host.dts.json's hubName resolves it) and Durable Task Data Contributor
// for the app's identity and the deploying user (the scheduler's dashboard uses it too).
param name string
param taskHubName string
param location string
param tags object = {}
param principals array
param roleDefinitionIds array
param skuName string = 'Consumption'

resource scheduler 'Microsoft.DurableTask/schedulers@2026-02-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    ipAllowlist: ['0.0.0.0/0']
    sku: { name: skuName }
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2026-02-01' = {
  parent: scheduler
  name: taskHubName
}

var assignments = flatten(map(principals, p => map(roleDefinitionIds, r => { principal: p, role: r })))

resource roleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for a in assignments: {
    name: guid(scheduler.id, a.principal.principalId, a.role)
    scope: scheduler
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.role)
      principalId: a.principal.principalId
      principalType: a.principal.principalType
    }
  }
]

output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
