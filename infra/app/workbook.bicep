// The Cloud Sync Monitor workbook. infra/workbook/cloud-sync-monitor.workbook.json is the source (edit it in
// the portal's Advanced Editor and paste it back); its queries run against the workspace given here.

param name string
param location string
param tags object = {}
param workspaceId string

// The workbook JSON names the workspace through this placeholder (its fallbackResourceIds), so the workbook
// also works when opened outside the workspace, e.g. from Azure Monitor > Workbooks.
var workspacePlaceholder = '__WORKSPACE_RESOURCE_ID__'

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Cloud Sync Monitor'
    category: 'workbook'
    sourceId: workspaceId
    version: 'Notebook/1.0'
    serializedData: replace(
      loadTextContent('../workbook/cloud-sync-monitor.workbook.json'),
      workspacePlaceholder,
      workspaceId
    )
  }
}

output id string = workbook.id
