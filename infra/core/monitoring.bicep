// Log Analytics (new, or an existing workspace by resource id) and a workspace-based Application Insights
// that accepts Entra-authenticated telemetry only.

param location string
param tags object = {}

@description('Name of the workspace to create; ignored when existingWorkspaceId is set.')
param workspaceName string

@description('Resource id of an existing Log Analytics workspace; empty creates workspaceName.')
param existingWorkspaceId string = ''

param applicationInsightsName string

var createWorkspace = empty(existingWorkspaceId)

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = if (createWorkspace) {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
    features: {
      enableLogAccessUsingOnlyResourcePermissions: true
    }
  }
}

var workspaceId = createWorkspace ? workspace.id : existingWorkspaceId

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspaceId
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: true // telemetry only with an Entra token (APPLICATIONINSIGHTS_AUTHENTICATION_STRING)
  }
}

output workspaceId string = workspaceId
output applicationInsightsName string = applicationInsights.name
output applicationInsightsConnectionString string = applicationInsights.properties.ConnectionString
