// Key Vault Secrets User on an EXISTING vault (RBAC authorization) holding keys the settings
// reference with @Microsoft.KeyVault(...). Deployed into the vault's own resource group.
param keyVaultName string
@description('[{principalId, principalType}]')
param principals array
param roleDefinitionIds array

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

var assignments = flatten(map(principals, p => map(roleDefinitionIds, r => { principal: p, role: r })))

resource roleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for a in assignments: {
    name: guid(vault.id, a.principal.principalId, a.role)
    scope: vault
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', a.role)
      principalId: a.principal.principalId
      principalType: a.principal.principalType
    }
  }
]
