// The user-assigned managed identity the function app runs as: Graph (application permissions, granted by
// infra/scripts/grant-graph-permissions.*), the DCR, storage and ACS email all authorise this one identity.

param name string
param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
