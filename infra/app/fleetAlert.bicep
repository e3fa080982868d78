// Fleet mode: the poison-queue alert. A tenant run that failed maxDequeueCount times lands in
// <queue>-poison; fleetPoison records it (CloudSyncAlert_CL) and tells the monitor's channels, and this
// rule tells the action group as well, so the MSP hears of it even when those channels fail.

param location string
param tags object = {}
param workspaceId string
param alertRuleName string

@description('The watcher action group (empty: the rule fires without receivers, visible in the portal).')
param actionGroupId string

resource poisoned 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: alertRuleName
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Cloud Sync Monitor fleet: tenant runs in the poison queue'
    description: 'A customer tenant\'s monitor run failed on every attempt and was moved to the poison queue: that tenant is not monitored until the cause (consent withdrawn, app credential expired, Graph refusing) is fixed. `cloudsync-monitor tenants test <tenant>` names what is missing.'
    severity: 2
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: loadTextContent('../queries/fleet-poisoned.kql')
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
      actionGroups: empty(actionGroupId) ? [] : [actionGroupId]
      customProperties: {
        source: 'cloud-sync-monitor'
        check: 'fleet-poison'
      }
    }
  }
}

output alertRuleId string = poisoned.id
