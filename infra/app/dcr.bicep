// The data collection rule (kind Direct: it has its own logs ingestion endpoint, no DCE needed) that routes
// each Custom-<Table> stream unchanged into its table. Streams, columns and data flows all come from
// infra/generated/tables.json, so the DCR cannot drift from the tables or from the records the sink writes.

param name string

@description('Must be the workspace\'s region.')
param location string
param tags object = {}
param workspaceId string

@description('Principal id of the identity that uploads records (the function app\'s managed identity).')
param publisherPrincipalId string

var infra = loadJsonContent('../generated/tables.json')

var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher

resource dcr 'Microsoft.Insights/dataCollectionRules@2023-03-11' = {
  name: name
  location: location
  tags: tags
  kind: 'Direct'
  properties: {
    description: 'Cloud Sync Monitor: Logs Ingestion API streams into the Cloud Sync custom tables'
    streamDeclarations: infra.streamDeclarations
    destinations: {
      logAnalytics: [
        {
          name: infra.destinationName // the data flows below name this destination
          workspaceResourceId: workspaceId
        }
      ]
    }
    dataFlows: map(infra.dataFlows, flow => {
      streams: flow.streams
      destinations: flow.destinations
      transformKql: flow.transformKql
      outputStream: flow.outputStream
    })
  }
}

// Logs Ingestion API: the uploading identity needs Monitoring Metrics Publisher on the DCR.
resource publisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(dcr.id, publisherPrincipalId, monitoringMetricsPublisherRoleId)
  scope: dcr
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRoleId)
    principalId: publisherPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output id string = dcr.id
output immutableId string = dcr.properties.immutableId
output logsIngestionEndpoint string = dcr.properties.endpoints.logsIngestion
