import { defineTable, type RecordOf } from './schema.js';

/*
 * The five tables of design section 4, CloudSyncCoverage_CL, CloudSyncCanary_CL and CloudSyncRemediation_CL (issue 15). Column names follow AADProvisioningLogs where one exists.
 * `TenantId` is reserved in Log Analytics, so the Entra tenant is `AADTenantId` everywhere.
 */

const s = (description: string) => ({ type: 'string', description }) as const;
const dt = (description: string) => ({ type: 'datetime', description }) as const;
const long = (description: string) => ({ type: 'long', description }) as const;
const int = (description: string) => ({ type: 'int', description }) as const;
const bool = (description: string) => ({ type: 'boolean', description }) as const;
const dyn = (description: string) => ({ type: 'dynamic', description }) as const;

const tenant = s('Microsoft Entra tenant id the row is about');

export const provisioningTable = defineTable(
  'CloudSyncProvisioning_CL',
  'Cloud Sync provisioning events (Graph provisioningObjectSummary), one row per event',
  {
    TimeGenerated: dt('activityDateTime of the event'),
    AADTenantId: tenant,
    EventId: s('provisioningObjectSummary id'),
    JobId: s('synchronization job id of the event'),
    CycleId: s('provisioning cycle id'),
    ChangeId: s('change id'),
    ServicePrincipalId: s('service principal (configuration) id'),
    ConfigurationName: s('configuration name, usually the AD domain'),
    ProvisioningAction: s(
      'Create, Update, Delete, Disable, StagedDelete, Other, or the raw value when unknown',
    ),
    ResultType: s('Success, Failure, Skipped, Warning, or the raw value when unknown'),
    ResultSignature: s('error code'),
    ResultDescription: s('error reason'),
    ErrorCategory: s(
      'DuplicateAttribute, DataMismatch, DataValidationFailure, LargeAttribute, FederatedDomainChange, Other',
    ),
    RecommendedAction: s('recommended action from Graph'),
    SourceId: s('source identity id'),
    SourceDisplayName: s('source identity display name'),
    SourceType: s('source identity type'),
    TargetId: s('target identity id'),
    TargetDisplayName: s('target identity display name'),
    TargetType: s('target identity type'),
    InitiatedBy: s('initiator display name and type'),
    DurationMs: long('duration of the event in milliseconds'),
    ModifiedProperties: dyn('modified properties: displayName, oldValue, newValue'),
    ProvisioningSteps: dyn('provisioning steps: name, type, status, description'),
  },
);

export const jobStatusTable = defineTable(
  'CloudSyncJobStatus_CL',
  'Cloud Sync job status and quarantine, one row per job per collection run',
  {
    TimeGenerated: dt('time of the collection run'),
    AADTenantId: tenant,
    RunId: s('monitor run that observed the job'),
    ServicePrincipalId: s('service principal (configuration) id'),
    ConfigurationName: s('configuration name, usually the AD domain'),
    JobId: s('synchronization job id'),
    TemplateId: s('job template, e.g. AD2AADProvisioning'),
    StatusCode: s('NotConfigured, NotRun, Active, Paused, Quarantine'),
    ScheduleState: s('schedule state: Active, Disabled, Paused'),
    ScheduleInterval: s('ISO 8601 interval between cycles'),
    QuarantineReason: s('quarantine reason, e.g. TooManyDeletes'),
    QuarantineSince: dt('start of the current quarantine (currentBegan)'),
    QuarantineSeriesBegan: dt('start of the quarantine series; the job is disabled about 4 weeks after it'),
    QuarantineNextAttempt: dt('next attempt while quarantined'),
    QuarantineErrorCode: s('error code of the quarantine'),
    LastExecutionState: s('Succeeded, Failed, EntryLevelErrors'),
    LastExecutionBegan: dt('start of the last execution'),
    LastExecutionEnded: dt('end of the last execution'),
    LastSuccessfulExecutionEnded: dt('end of the last successful execution'),
    LastErrorCode: s('error code of the last execution'),
    LastErrorMessage: s('error message of the last execution'),
    SuccessiveCompleteFailures: long('countSuccessiveCompleteFailures'),
    EscrowsPruned: bool(
      'status.escrowsPruned: errors were pruned during the initial sync; with Paused, the job waits for them to be cleaned up',
    ),
    CountEscrowed: long('escrowed entries in the last execution'),
    CountExported: long('entries exported in the last execution'),
    SteadyStateLastAchieved: dt('last time the job reached steady state'),
    DeleteThreshold: long('accidental deletion threshold from the job settings'),
    TroubleshootingUrl: s('troubleshooting link from Graph'),
  },
);

export const agentTable = defineTable(
  'CloudSyncAgent_CL',
  'Cloud Sync provisioning agents, one row per agent per collection run or heartbeat',
  {
    TimeGenerated: dt('time the agent was observed'),
    AADTenantId: tenant,
    RunId: s('monitor run or heartbeat that observed the agent'),
    AgentId: s('agent id'),
    MachineName: s('host name of the agent'),
    ExternalIp: s('external IP as seen by the service'),
    Status: s('active or inactive (normalised to lower case), or the raw value when unknown'),
    AgentGroups: dyn('agent groups: id, displayName'),
    Source: s('graph or heartbeat'),
    LastSeenActive: dt('last time the monitor saw the agent active'),
    AgentVersion: s('agent version (heartbeat only)'),
    ServiceStates: dyn('state of the agent services on the host (heartbeat only)'),
  },
);

export const alertTable = defineTable(
  'CloudSyncAlert_CL',
  'Alert lifecycle transitions, one row per transition',
  {
    TimeGenerated: dt('time of the transition'),
    AADTenantId: tenant,
    AlertId: s('stable alert fingerprint'),
    Kind: s(
      'sync-errors, deletion-threshold, job-quarantined, agent-offline, sync-stalled, job-failing, monitor-degraded, notification-failing, coverage-gap',
    ),
    Severity: s('warning or critical'),
    State: s('open, acknowledged or resolved'),
    Transition: s('new, updated, escalated, repeat, resolved, acknowledged'),
    Summary: s('one-line summary'),
    ServicePrincipalId: s('service principal (configuration) id'),
    JobId: s('synchronization job id'),
    AgentId: s('agent id'),
    Details: dyn('alert details'),
    Channels: dyn('channels notified'),
  },
);

export const monitorRunTable = defineTable(
  'CloudSyncMonitorRun_CL',
  'Runs of the monitor itself, one row per run',
  {
    TimeGenerated: dt('start of the run'),
    AADTenantId: tenant,
    RunId: s('run id'),
    Trigger: s('timer, cli, demo'),
    Outcome: s('success, degraded (collected, but a notification channel fails), partial, failed, skipped'),
    DurationMs: long('duration of the run'),
    EventsCollected: long('provisioning events written'),
    EventsDuplicate: long('provisioning events skipped as already written'),
    EventsInvalid: long('provisioning events rejected as malformed'),
    JobsSeen: int('jobs observed'),
    AgentsSeen: int('agents observed'),
    Watermark: dt('provisioning watermark after the run'),
    BacklogRemaining: bool('true when the time budget ended the run before the backlog was worked off'),
    Errors: dyn('what failed: signal, code, message'),
    NotificationsDelivered: int('messages delivered on a channel this run'),
    NotificationsFailed: int('messages a channel refused (401/403/404/410, kept) or gave up on this run'),
    NotificationsPending: int('messages waiting to be retried (429, 5xx, quota) after this run'),
    ChannelsFailing: dyn('channels whose delivery health is failing after this run'),
  },
);

export const coverageTable = defineTable(
  'CloudSyncCoverage_CL',
  'Objects synced from on-premises that no Cloud Sync configuration provisioned (coverage gap), one row per object per day of the gap',
  {
    TimeGenerated: dt('time of the run that found the object in the gap that day'),
    AADTenantId: tenant,
    RunId: s('monitor run that wrote the row'),
    ObjectId: s('Entra object id'),
    ObjectType: s('user, group or contact'),
    DisplayName: s('display name (capped)'),
    OnPremisesDomainName: s('onPremisesDomainName of the object'),
    OrganizationalUnit: s('the OU of onPremisesDistinguishedName (the DN without its first RDN)'),
    OnPremisesLastSyncDateTime: dt('last time an engine synced the object (onPremisesLastSyncDateTime)'),
    ConfigurationName: s('the Cloud Sync configuration named for the domain, empty when there is none'),
    GapSince: dt('when the object became a gap (the end of its grace period)'),
    ConnectSyncExporting: bool('true when Connect Sync was still exporting beside Cloud Sync (coexistence)'),
  },
);

export const canaryTable = defineTable(
  'CloudSyncCanary_CL',
  'End-to-end canary: one designated object per configuration provisioned on demand, one row per attempt',
  {
    TimeGenerated: dt('when the on-demand provisioning was sent'),
    AADTenantId: tenant,
    RunId: s('monitor run that sent it'),
    ServicePrincipalId: s('service principal (configuration) id'),
    ConfigurationName: s('configuration name, usually the AD domain'),
    JobId: s('synchronization job id'),
    ObjectId: s('the canary object (distinguished name)'),
    Outcome: s('success, failure (Graph answered with a failed step), error (the request failed), throttled'),
    Result: s('result as Graph gave it: Success, Skipped, Failure, ...'),
    ErrorCode: s('error code of the result or of the request'),
    ErrorMessage: s('error message (capped)'),
    FailedStep: s('name of the first provisioning step that did not succeed'),
    AgentStep: bool('true when the failure is on the agent path (an import step, or a no-active-agent code)'),
    RoundTripMs: long('time from sending the request to its answer: the end-to-end sync latency'),
    Steps: dyn('provisioning steps: name, type, status, description'),
  },
);

export const remediationTable = defineTable(
  'CloudSyncRemediation_CL',
  'Opt-in remediation (REMEDIATION): one row per attempt from the ack page or the CLI, performed, refused or failed',
  {
    TimeGenerated: dt('when the attempt was made'),
    AADTenantId: tenant,
    AttemptId: s('id of the attempt'),
    AlertId: s('the alert the action was asked for (empty when the link could not be read)'),
    AlertKind: s('kind of that alert'),
    Action: s('allow-deletes, restart or provision'),
    Outcome: s(
      'performed (Graph accepted it), refused (not sent: the reason says why), failed (Graph refused it or did not confirm it)',
    ),
    Reason: s('why it was refused or failed, in plain words'),
    Actor: s('who asked: the name typed on the ack page, or --actor / the OS user of the CLI'),
    Via: s('ack-page or cli'),
    ServicePrincipalId: s('service principal (configuration) id'),
    ConfigurationName: s('configuration name, usually the AD domain'),
    JobId: s('synchronization job id'),
    ObjectId: s('provision: the source (AD) object id the alert named'),
    RequestMethod: s('the Graph request: method'),
    RequestPath: s('the Graph request: path below the version'),
    RequestBody: dyn('the Graph request: body'),
    ResponseStatus: int('HTTP status Graph answered (empty when nothing was sent)'),
    ErrorCode: s('Graph error code when it failed'),
    Result: dyn('provision: the provisioning steps Graph answered (name, type, status)'),
  },
);

export const tables = [
  provisioningTable,
  jobStatusTable,
  agentTable,
  alertTable,
  monitorRunTable,
  coverageTable,
  canaryTable,
  remediationTable,
] as const;

export type ProvisioningRecord = RecordOf<typeof provisioningTable>;
/**
 * What the alert rules, the digest tally and the coverage check read of a provisioning row, and all a
 * run keeps of an event until its batch is written: the dynamic columns (an event's largest part), the
 * ids of the event and change, and the columns no observer reads are left out, so the events of the
 * groups waiting for their commits hold as little as they can (they outlive young-generation GCs).
 */
export type ProvisioningObservation = Pick<
  ProvisioningRecord,
  | 'TimeGenerated'
  | 'JobId'
  | 'CycleId'
  | 'ServicePrincipalId'
  | 'ConfigurationName'
  | 'ProvisioningAction'
  | 'ResultType'
  | 'ResultSignature'
  | 'ResultDescription'
  | 'ErrorCategory'
  | 'RecommendedAction'
  | 'SourceId'
  | 'SourceDisplayName'
  | 'SourceType'
  | 'TargetId'
  | 'TargetDisplayName'
  | 'TargetType'
>;
export type JobStatusRecord = RecordOf<typeof jobStatusTable>;
export type AgentRecord = RecordOf<typeof agentTable>;
export type AlertRecord = RecordOf<typeof alertTable>;
export type MonitorRunRecord = RecordOf<typeof monitorRunTable>;
export type CoverageRecord = RecordOf<typeof coverageTable>;
export type CanaryRecord = RecordOf<typeof canaryTable>;
export type RemediationRecord = RecordOf<typeof remediationTable>;

/** Table name -> record type, for sinks. */
export interface TableRecords {
  CloudSyncProvisioning_CL: ProvisioningRecord;
  CloudSyncJobStatus_CL: JobStatusRecord;
  CloudSyncAgent_CL: AgentRecord;
  CloudSyncAlert_CL: AlertRecord;
  CloudSyncMonitorRun_CL: MonitorRunRecord;
  CloudSyncCoverage_CL: CoverageRecord;
  CloudSyncCanary_CL: CanaryRecord;
  CloudSyncRemediation_CL: RemediationRecord;
}
export type TableName = keyof TableRecords;

export function tableByName(name: TableName) {
  const table = tables.find((t) => t.name === name);
  if (!table) throw new Error(`unknown table ${name}`);
  return table;
}
