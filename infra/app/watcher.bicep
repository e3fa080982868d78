// Watching the watcher: a log alert that fires when the monitor has not completed a successful (or partial)
// run for staleAfterMinutes (derived from COLLECT_SCHEDULE in main.bicep; 20 for the default 5-minute
// schedule), evaluated every 5 minutes, and resolves by itself when runs are back. It notifies
// through an action group: Azure Monitor email, and the app's own azureMonitorAlert function (common alert
// schema), which routes it through the monitor's channels. The email path keeps working when the app is down.

param location string
param tags object = {}
param workspaceId string
param alertRuleName string
param actionGroupName string

@description('Email addresses for the action group (may be empty).')
param emailRecipients array

@description('Host name of the function app that hosts the azureMonitorAlert function.')
param functionAppHostName string

@secure()
@description('Function key of azureMonitorAlert; empty: no webhook. The postdeploy hook reads it from the deployed app (never listed by ARM here: the function does not exist before the first deploy).')
param webhookKey string

@description('Minutes without a successful run before the alert fires (main.bicep: at least 20 unless set, at most 2880).')
param staleAfterMinutes int

var enableWebhook = !empty(webhookKey)

// The function key goes into the URL (?code=): action group webhooks cannot send headers.
var webhookReceivers = enableWebhook
  ? [
      {
        name: 'azureMonitorAlert'
        serviceUri: 'https://${functionAppHostName}/api/azureMonitorAlert?code=${webhookKey}'
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
    displayName: 'Cloud Sync Monitor: no successful run for ${staleAfterMinutes} minutes'
    description: 'Cloud Sync Monitor has recorded no successful or partial run in the last ${staleAfterMinutes} minutes: it is not running, cannot read Microsoft Graph, or cannot write to Log Analytics. Cloud Sync problems go undetected meanwhile.'
    severity: 1
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT${staleAfterMinutes}M'
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

// Delivery failing for 30 minutes: every run of the window recorded Outcome 'degraded' (a channel
// answers 401/403/404/410 or gave up after retrying). The monitor raises notification-failing through
// its other channels; this rule covers the deployment whose only channel is the failing one.
resource deliveryFailing 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${alertRuleName}-delivery'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Cloud Sync Monitor: notifications failing for 30 minutes'
    description: 'Every Cloud Sync Monitor run of the last 30 minutes could not deliver through at least one notification channel (Teams webhook or ACS email refuses it). See ChannelsFailing in the monitor run table and the notification-failing alert.'
    severity: 2
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT30M'
    criteria: {
      allOf: [
        {
          query: loadTextContent('../queries/monitor-delivery-failing.kql')
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: true
    skipQueryValidation: true
    actions: {
      actionGroups: hasReceivers ? [actionGroup.id] : []
      customProperties: {
        source: 'cloud-sync-monitor'
        check: 'notification-delivery'
      }
    }
  }
}

output alertRuleId string = monitorSilent.id
output actionGroupId string = hasReceivers ? actionGroup.id : ''
