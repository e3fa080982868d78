// Watching the watcher: a log alert that fires when the monitor has not completed a successful (or partial)
// run for 20 minutes, evaluated every 5 minutes, and resolves by itself when runs are back. It notifies
// through an action group: Azure Monitor email, and the app's own azureMonitorAlert function (common alert
// schema), which routes it through the monitor's channels. The email path keeps working when the app is down.

param location string
param tags object = {}
param workspaceId string
param alertRuleName string
param actionGroupName string

@description('Email addresses for the action group (may be empty).')
param emailRecipients array

@description('Name of the function app that hosts the azureMonitorAlert function.')
param functionAppName string

@description('Add the azureMonitorAlert webhook. Its function key can only be listed once the code is deployed, so the first provisioning runs without it and the postdeploy hook enables it.')
param enableWebhook bool

resource functionApp 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName

  resource azureMonitorAlert 'functions' existing = {
    name: 'azureMonitorAlert'
  }
}

// The function key goes into the URL (?code=): action group webhooks cannot send headers. Only evaluated
// when enableWebhook is true (ARM evaluates just the chosen branch of if()).
var webhookReceivers = enableWebhook
  ? [
      {
        name: 'azureMonitorAlert'
        serviceUri: 'https://${functionApp.properties.defaultHostName}/api/azureMonitorAlert?code=${functionApp::azureMonitorAlert.listKeys().default}'
        useCommonAlertSchema: true
        useAadAuth: false
      }
    ]
  : []

var hasReceivers = enableWebhook || !empty(emailRecipients)

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (hasReceivers) {
  name: actionGroupName
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'CloudSyncMon' // at most 12 characters; shown in SMS and email subjects
    enabled: true
    emailReceivers: [
      for (address, i) in emailRecipients: {
        name: 'email-${i}'
        emailAddress: address
        useCommonAlertSchema: true
      }
    ]
    webhookReceivers: webhookReceivers
  }
}

resource monitorSilent 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: alertRuleName
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Cloud Sync Monitor: no successful run for 20 minutes'
    description: 'Cloud Sync Monitor has recorded no successful or partial run in the last 20 minutes: it is not running, cannot read Microsoft Graph, or cannot write to Log Analytics. Cloud Sync problems go undetected meanwhile.'
    severity: 1
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT20M'
    criteria: {
      allOf: [
        {
          // Counts the successful runs in the window; fewer than one fires. No dimensions, so a window
          // without any row counts as zero and fires too.
          query: loadTextContent('../queries/monitor-successful-runs.kql')
          timeAggregation: 'Count'
          operator: 'LessThan'
          threshold: 1
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true // resolves (and tells the receivers) once a successful run is back
    // The custom tables are created in the same deployment and may not be queryable for a few minutes.
    skipQueryValidation: true
    actions: {
      actionGroups: hasReceivers ? [actionGroup.id] : []
      customProperties: {
        source: 'cloud-sync-monitor'
        check: 'monitor-heartbeat'
      }
    }
  }
}

output alertRuleId string = monitorSilent.id
output actionGroupId string = hasReceivers ? actionGroup.id : ''
