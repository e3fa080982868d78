// The eight custom tables, generated from src/tables/definitions.ts via infra/generated/tables.json
// (`npm run gen:infra`). Nothing here names a table or a column: edit the definitions, not this file.
// Deployed into the workspace's resource group, which may be another one when an existing workspace is used.

@description('Name of the Log Analytics workspace (in this module\'s resource group).')
param workspaceName string

@description('Interactive retention of the custom tables, in days.')
@minValue(4)
@maxValue(730)
param retentionInDays int = 30

var infra = loadJsonContent('../generated/tables.json')

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: workspaceName
}

resource tables 'Microsoft.OperationalInsights/workspaces/tables@2022-10-01' = [
  for table in infra.tables: {
    parent: workspace
    name: table.name
    properties: {
      plan: 'Analytics'
      retentionInDays: retentionInDays
      totalRetentionInDays: retentionInDays
      schema: {
        name: table.name
        description: table.description
        // The tables API spells the type dateTime (it accepts datetime too); the DCR streams use datetime.
        columns: map(table.columns, column => {
          name: column.name
          type: column.type == 'datetime' ? 'dateTime' : column.type
          description: column.description
        })
      }
    }
  }
]

output workspaceId string = workspace.id
@description('Region of the workspace: the DCR must be in the same region.')
output location string = workspace.location
output tableNames array = [for (table, i) in infra.tables: tables[i].name]
