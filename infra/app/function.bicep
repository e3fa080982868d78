// The function app: Flex Consumption (FC1, Linux), Node 22, running as the user-assigned managed identity.
// Flex Consumption takes runtime and deployment settings from functionAppConfig, not from app settings
// (FUNCTIONS_WORKER_RUNTIME and friends must not be set).

param name string
param planName string
param location string
param tags object = {}

@description('azd service name (azure.yaml) the app is tagged with, so `azd deploy` finds it.')
param serviceName string

param identityId string
param identityClientId string

param storageAccountName string
param storageBlobEndpoint string
param deploymentContainerName string

param applicationInsightsConnectionString string

@secure() // carries TEAMS_WEBHOOK_URL: keep it out of the deployment history
@description('The monitor\'s own settings (src/config.ts and the alerting settings), merged under the platform ones.')
param appSettings object

@description('Instance memory in MB (Flex Consumption: 2048 or 4096).')
@allowed([2048, 4096])
param instanceMemoryMB int = 2048

@description('Scale-out ceiling. The collect timer runs as a singleton; HTTP traffic (heartbeats, alerts, ack links) is light; in fleet mode the queue of tenant runs scales out up to this.')
param maximumInstanceCount int = 40

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true // Linux
  }
}

// Identity-based host storage: no connection string, no key.
var platformSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  // Application Insights has local auth disabled: the host sends telemetry with the identity's token.
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

// Settings that need the app's own host name.
var siteSettings = {
  ACK_BASE_URL: 'https://${functionApp.properties.defaultHostName}/api/ack'
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
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
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: union(appSettings, siteSettings, platformSettings)
  }
}

output id string = functionApp.id
output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
