// Cloud Sync Monitor: everything it needs in Azure, for `azd up`.
// Subscription scope: creates the resource group, then wires the modules under infra/core and infra/app.
// CI compiles and lints it with the real Bicep CLI, and test/infra loads the app settings of its snapshot
// (bicep snapshot) for every documented option through the monitor's own settings loader.

targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name: names the resource group and seeds the unique suffix of every resource.')
param environmentName string

@minLength(1)
@description('Region for the resource group and the resources (Flex Consumption must be offered there).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group to create; default rg-<environmentName>.')
param resourceGroupName string = ''

@description('Resource id of an existing Log Analytics workspace for the custom tables; empty creates a new workspace. The deploying identity needs rights on the workspace\'s resource group.')
param existingLogAnalyticsWorkspaceId string = ''

@description('Interactive retention of the custom tables, in days.')
@minValue(4)
@maxValue(730)
param tableRetentionInDays int = 30

@description('Where Azure Communication Services keeps email data at rest (e.g. United States, Europe, UK, Australia).')
param emailDataLocation string = 'United States'

@description('Alert and digest email recipients, comma- or semicolon-separated (ALERT_EMAIL_TO). Empty: no email.')
param alertEmailTo string = ''

@secure()
@description('Teams Workflows webhook URL (TEAMS_WEBHOOK_URL). Empty: no Teams messages.')
param teamsWebhookUrl string = ''

@secure()
@description('Routing document (ALERT_ROUTES, JSON: receivers, routes, defaultReceiver, digestReceivers; README "Routing"). Secure: it holds Teams webhook URLs. Empty: one receiver, alertEmailTo and teamsWebhookUrl.')
param alertRoutes string = ''

@description('Recipients of the Azure Monitor alert "no successful run" (the watcher), comma- or semicolon-separated. Empty: the alertEmailTo addresses.')
param watcherEmailTo string = ''

@secure()
@description('Function key of the azureMonitorAlert function (ALERT_WEBHOOK_KEY). Empty: the watcher alert only emails. The postdeploy hook reads the deployed app\'s key and provisions again when this differs, so nothing here depends on an earlier deployment.')
param alertWebhookKey string = ''

@description('Minutes without a successful run before the watcher alert fires. 0: derived from collectSchedule (four collect intervals, at least 20 minutes).')
@minValue(0)
@maxValue(2880)
param staleAfterMinutes int = 0

@description('NCRONTAB schedule (UTC) of the collect timer (COLLECT_SCHEDULE).')
param collectSchedule string = '0 */5 * * * *'

@description('NCRONTAB schedule (UTC) of the daily digest (DIGEST_SCHEDULE).')
param digestSchedule string = '0 0 7 * * *'

@description('The Azure cloud (AZURE_CLOUD: public, usgovernment, china); it decides the Graph root, the Logs Ingestion audience and the Entra authority. Empty: the cloud this deployment runs in.')
@allowed([
  ''
  'public'
  'usgovernment'
  'china'
])
param azureCloud string = ''

@description('Microsoft Graph root (GRAPH_BASE_URL) when it is not the cloud\'s default, e.g. https://dod-graph.microsoft.us. Empty: the AZURE_CLOUD default.')
param graphBaseUrl string = ''

@description('Object ids of the Cloud Sync configurations\' service principals, comma-separated (SYNC_SERVICE_PRINCIPAL_IDS). Empty: discovered.')
param syncServicePrincipalIds string = ''

@secure()
@description('Secret that signs the acknowledge links in notifications (ACK_SECRET). azd generates it once and keeps it in the environment; changing it invalidates links already sent.')
@metadata({
  azd: {
    type: 'generate'
    config: {
      length: 64
    }
  }
})
param ackSecret string

@description('Fleet mode (MSP): one deployment watches every tenant of the registry (`cloudsync-monitor tenants add`), fanned out through a Storage queue. false (default): the single tenant of this subscription.')
param fleetMode bool = false

@description('Fleet mode: the work queue; the Functions host moves messages that failed fleetMaxDequeueCount times to <name>-poison.')
param fleetQueueName string = 'cloudsync-tenants'

@description('Fleet mode: attempts of a tenant run before its message goes to the poison queue (host.json queues.maxDequeueCount is kept equal: 5).')
@minValue(1)
@maxValue(100)
param fleetMaxDequeueCount int = 5

@description('Scale-out ceiling of the Flex Consumption app. Fleet mode: instances x per-instance queue concurrency is how many tenant runs go at once; each tenant stays under its own Graph limit whatever this is.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Overrides for the tuning settings of src/config.ts (see tunableSettings below), e.g. { "PROVISIONING_LOOKBACK_HOURS": "48" }. Settings changed in the portal are reset by the next provisioning; put them here instead.')
param extraAppSettings object = {}

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var rgName = !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
var functionAppName = '${abbrs.webSitesFunctions}${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'
var stateTableName = 'CloudSyncMonitorState'
var serviceName = 'monitor' // the service in azure.yaml

// An existing workspace may live in another resource group or subscription; the tables go where it is.
var useExistingWorkspace = !empty(existingLogAnalyticsWorkspaceId)
var workspaceIdParts = split(existingLogAnalyticsWorkspaceId, '/')
var workspaceSubscriptionId = useExistingWorkspace ? workspaceIdParts[2] : subscription().subscriptionId
var workspaceResourceGroupName = useExistingWorkspace ? workspaceIdParts[4] : rgName
var workspaceName = useExistingWorkspace ? last(workspaceIdParts) : '${abbrs.operationalInsightsWorkspaces}${resourceToken}'

// AZURE_CLOUD from the cloud ARM deploys into, unless given.
var cloudOfEnvironment = {
  AzureCloud: 'public'
  AzureUSGovernment: 'usgovernment'
  AzureChinaCloud: 'china'
}
var effectiveCloud = !empty(azureCloud) ? azureCloud : (cloudOfEnvironment[?environment().name] ?? 'public')

// The collect interval in minutes, read from the NCRONTAB schedule (6 fields, or 5 without seconds):
// '*/N' minutes -> N, '*' -> 1, a list of minutes each hour -> 60 / their number, '*/N' hours -> 60 N, else daily.
var scheduleFields = split(trim(collectSchedule), ' ')
var minuteField = length(scheduleFields) == 6 ? scheduleFields[1] : scheduleFields[0]
var hourField = length(scheduleFields) == 6 ? scheduleFields[2] : scheduleFields[1]
var collectIntervalMinutes = startsWith(minuteField, '*/')
  ? int(substring(minuteField, 2))
  : minuteField == '*'
      ? 1
      : hourField == '*'
          ? 60 / length(split(minuteField, ','))
          : startsWith(hourField, '*/') ? 60 * int(substring(hourField, 2)) : 1440
// The watcher's staleness threshold (the code-side equivalent derives /health's from COLLECT_SCHEDULE too).
var watcherStaleMinutes = staleAfterMinutes > 0 ? staleAfterMinutes : min(2880, max(20, 4 * collectIntervalMinutes))

var watcherRecipients = filter(
  map(split(replace(empty(watcherEmailTo) ? alertEmailTo : watcherEmailTo, ';', ','), ','), address => trim(address)),
  address => !empty(address)
)

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: rgName
  location: location
  tags: tags
}

module identity 'core/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'core/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    stateTableName: stateTableName
    queueNames: fleetMode ? [fleetQueueName, '${fleetQueueName}-poison'] : []
  }
}

module monitoring 'core/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    workspaceName: workspaceName
    existingWorkspaceId: existingLogAnalyticsWorkspaceId
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
  }
}

module tables 'app/tables.bicep' = {
  name: 'cloudsync-tables'
  scope: resourceGroup(workspaceSubscriptionId, workspaceResourceGroupName)
  params: {
    // From the monitoring module's output, so a new workspace exists before its tables are created.
    workspaceName: last(split(monitoring.outputs.workspaceId, '/'))
    retentionInDays: tableRetentionInDays
  }
}

module dcr 'app/dcr.bicep' = {
  name: 'cloudsync-dcr'
  scope: rg
  params: {
    name: '${abbrs.insightsDataCollectionRules}${resourceToken}'
    location: tables.outputs.location
    tags: tags
    workspaceId: tables.outputs.workspaceId
    publisherPrincipalId: identity.outputs.principalId
  }
  // The data flows write into the tables, which must exist first: the location and workspace id above come
  // from the tables module's outputs, so ARM already deploys it after the tables.
}

module email 'app/email.bicep' = {
  name: 'email'
  scope: rg
  params: {
    communicationServiceName: '${abbrs.communicationServices}${resourceToken}'
    emailServiceName: '${abbrs.communicationEmailServices}${resourceToken}'
    tags: tags
    dataLocation: emailDataLocation
    senderPrincipalId: identity.outputs.principalId
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    principalId: identity.outputs.principalId
  }
}

// Settings of src/config.ts that the deployment decides.
var monitorSettings = {
  TENANT_ID: tenant().tenantId // a managed identity only gets tokens for its own tenant
  AZURE_CLOUD: effectiveCloud
  GRAPH_BASE_URL: graphBaseUrl // blank: the AZURE_CLOUD default
  AZURE_CLIENT_ID: identity.outputs.clientId
  DATA_DIR: '/tmp/cloudsync-monitor' // the app package is read-only; nothing should land here with Azure sinks
  SYNC_SERVICE_PRINCIPAL_IDS: syncServicePrincipalIds
  LOGS_INGESTION_ENDPOINT: dcr.outputs.logsIngestionEndpoint
  LOGS_INGESTION_DCR_IMMUTABLE_ID: dcr.outputs.immutableId
  STATE_TABLE_ACCOUNT_URL: storage.outputs.tableEndpoint
  STATE_TABLE_NAME: stateTableName
  COLLECT_SCHEDULE: collectSchedule
}

// Fleet mode's queue connection (identity-based: FLEET_QUEUE__*), only when it is on: the queue functions
// are registered only then, and a single-tenant deployment keeps exactly the settings it had.
var fleetSettingsWhenOn = {
  FLEET_MODE: 'on'
  FLEET_QUEUE_NAME: fleetQueueName
  FLEET_MAX_DEQUEUE_COUNT: string(fleetMaxDequeueCount)
  FLEET_QUEUE__queueServiceUri: storage.outputs.queueEndpoint
  FLEET_QUEUE__credential: 'managedidentity' // read by the Functions host for the queue triggers
  FLEET_QUEUE__clientId: identity.outputs.clientId
}
var fleetSettings = fleetMode ? fleetSettingsWhenOn : {}

// Alerting settings (email through ACS with the managed identity, Teams Workflows, acknowledge links, the
// daily digest). ACK_BASE_URL needs the app's host name and is set in app/function.bicep.
var alertingSettings = {
  ALERT_EMAIL_ENDPOINT: email.outputs.endpoint
  ALERT_EMAIL_SENDER: email.outputs.senderAddress
  ALERT_EMAIL_TO: alertEmailTo
  // The quotas of an Azure-managed domain (custom domains: 30 and 100). Raise them with extraAppSettings
  // after linking a custom domain.
  EMAIL_MAX_PER_MINUTE: '5'
  EMAIL_MAX_PER_HOUR: '10'
  TEAMS_WEBHOOK_URL: teamsWebhookUrl
  ALERT_ROUTES: alertRoutes
  ACK_SECRET: ackSecret
  DIGEST_SCHEDULE: digestSchedule
  DIGEST_WORKBOOK_URL: '${environment().portal}/#@${tenant().tenantId}/resource${workbook.outputs.id}/workbook'
}

// The tuning settings of src/config.ts, listed so they are visible in the portal. Blank means the default in
// src/config.ts (README settings table); override them with the extraAppSettings parameter.
var tunableSettings = {
  DISCOVERY_REFRESH_MINUTES: ''
  AGENTS_API: ''
  PROVISIONING_LOOKBACK_HOURS: ''
  PROVISIONING_OVERLAP_MINUTES: ''
  PROVISIONING_PAGE_SIZE: ''
  PROVISIONING_LATENESS_MINUTES: ''
  PROVISIONING_LATE_SWEEP_MINUTES: ''
  PROVISIONING_PARSE_WORKERS: ''
  RUN_TIME_BUDGET_SECONDS: ''
  RUN_LEASE_SECONDS: ''
  RUN_MAX_SECONDS: ''
  GRAPH_REPORTS_REQUESTS_PER_WINDOW: ''
  GRAPH_REPORTS_WINDOW_SECONDS: ''
  GRAPH_REQUEST_TIMEOUT_SECONDS: ''
  GRAPH_MAX_RETRIES: ''
  LOG_LEVEL: ''
  SYNC_ERRORS_CRITICAL_COUNT: ''
  SYNC_ERRORS_LIST_MAX: ''
  SYNC_ERRORS_TRACK_MAX_PER_JOB: ''
  SYNC_ERRORS_STALE_HOURS: ''
  AGENT_OFFLINE_MINUTES: ''
  SYNC_STALLED_MINUTES: ''
  PAUSED_ALERT_HOURS: ''
  JOB_FAILING_MIN_FAILURES: ''
  MONITOR_DEGRADED_RUNS: ''
  QUARANTINE_DISABLE_DAYS: ''
  QUARANTINE_REMIND_DAYS_LEFT: ''
  ALERT_REPEAT_HOURS: ''
  ALERT_REPEAT_WARNING_HOURS: ''
  ALERT_SEND_RESOLVED: ''
  ALERT_FLAP_WINDOW_MINUTES: ''
  ALERT_HOLD_DOWN_MINUTES: ''
  TRANSIENT_ERRORS_PERSIST_MINUTES: ''
  SYNC_ERRORS_GROUP_INTERVAL_MINUTES: ''
  ACK_LINK_TTL_HOURS: ''
  MAINTENANCE_WINDOWS: ''
  NOTIFY_TIMEOUT_SECONDS: ''
  NOTIFY_MAX_ATTEMPTS: ''
  NOTIFY_MAX_RETRY_WAIT_SECONDS: ''
  NOTIFY_PENDING_MAX_HOURS: ''
  NOTIFY_LEDGER_DAYS: ''
  COVERAGE_CHECK: ''
  COVERAGE_GRACE_DAYS: ''
  COVERAGE_CHECK_MINUTES: ''
  COVERAGE_COEXISTENCE_HOURS: ''
  COVERAGE_MAX_OBJECTS: ''
  CANARY_OBJECTS: ''
  CANARY_INTERVAL_MINUTES: ''
  REMEDIATION: ''
  REMEDIATION_RULE_IDS: ''
  FLEET_CERTIFICATE_PATH: ''
}

module functionApp 'app/function.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    serviceName: serviceName
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    appSettings: union(tunableSettings, monitorSettings, alertingSettings, fleetSettings, extraAppSettings)
    maximumInstanceCount: maximumInstanceCount
  }
  dependsOn: [
    rbac // start the host with its storage roles in place
  ]
}

module workbook 'app/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    name: guid(rg.id, 'cloud-sync-monitor-workbook')
    location: location
    tags: tags
    workspaceId: tables.outputs.workspaceId
  }
}

module watcher 'app/watcher.bicep' = {
  name: 'watcher'
  scope: rg
  params: {
    location: tables.outputs.location
    tags: tags
    workspaceId: tables.outputs.workspaceId
    alertRuleName: '${abbrs.insightsScheduledQueryRules}monitor-silent-${resourceToken}'
    actionGroupName: '${abbrs.insightsActionGroups}${resourceToken}'
    emailRecipients: watcherRecipients
    functionAppHostName: functionApp.outputs.defaultHostName
    webhookKey: alertWebhookKey
    staleAfterMinutes: watcherStaleMinutes
  }
}

module fleetAlert 'app/fleetAlert.bicep' = if (fleetMode) {
  name: 'fleet-alert'
  scope: rg
  params: {
    location: tables.outputs.location
    tags: tags
    workspaceId: tables.outputs.workspaceId
    alertRuleName: '${abbrs.insightsScheduledQueryRules}fleet-poison-${resourceToken}'
    actionGroupId: watcher.outputs.actionGroupId
  }
}

// azd copies these into the environment (.azure/<env>/.env); the hooks and the README use them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output SERVICE_MONITOR_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output AZURE_FUNCTION_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_LOG_ANALYTICS_WORKSPACE_ID string = tables.outputs.workspaceId
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
output LOGS_INGESTION_ENDPOINT string = dcr.outputs.logsIngestionEndpoint
output LOGS_INGESTION_DCR_IMMUTABLE_ID string = dcr.outputs.immutableId
output STATE_TABLE_ACCOUNT_URL string = storage.outputs.tableEndpoint
output ALERT_EMAIL_ENDPOINT string = email.outputs.endpoint
output ALERT_EMAIL_SENDER string = email.outputs.senderAddress
output CLOUDSYNC_HEARTBEAT_URL string = 'https://${functionApp.outputs.defaultHostName}/api/heartbeat'
output CLOUDSYNC_WORKBOOK_ID string = workbook.outputs.id
output CLOUDSYNC_WORKBOOK_URL string = '${environment().portal}/#@${tenant().tenantId}/resource${workbook.outputs.id}/workbook'
output CLOUDSYNC_HEALTH_URL string = 'https://${functionApp.outputs.defaultHostName}/api/health'
output CLOUDSYNC_WATCHER_STALE_MINUTES int = watcherStaleMinutes
output CLOUDSYNC_WATCHER_HAS_RECEIVERS bool = !empty(watcher.outputs.actionGroupId)
output AZURE_CLOUD string = effectiveCloud
