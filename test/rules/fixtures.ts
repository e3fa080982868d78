import type { Alert } from '../../src/domain/alertModel.js';
import type { RunIssue } from '../../src/collect/runErrors.js';
import { defaultAlertSettings, type AlertSettings } from '../../src/alerts/settings.js';
import type { Observations } from '../../src/rules/observations.js';
import { emptyObjectStatus, type ObjectStatusState } from '../../src/rules/objectStatusState.js';
import type { AgentRecord, JobStatusRecord, ProvisioningRecord } from '../../src/tables/definitions.js';

/** Shared builders for rule and lifecycle tests: small, explicit, every default visible here. */

export const TENANT = '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d';
export const SP = 'c0a1d2e3-4b5c-4d6e-8f70-8192a3b4c5d6';
export const SP2 = 'f4b2c6d8-1a3e-4c5b-9d7f-0e1a2b3c4d5e';
export const compact = (id: string) => id.replace(/-/g, '');
export const JOB = `AD2AADProvisioning.${compact(SP)}.${TENANT}`;
export const PHS_JOB = `AD2AADPasswordHash.${compact(SP)}.${TENANT}`;
export const JOB2 = `AD2AADProvisioning.${compact(SP2)}`;
/** Provisioning events carry the 3-part id; JOB2 is listed 2-part. */
export const LOG_JOB2 = `${JOB2}.${TENANT}`;

export const T0 = Date.parse('2026-03-02T12:00:00.000Z');
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const at = (offsetMs: number) => new Date(T0 + offsetMs);
export const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

export const settings = (overrides: Partial<AlertSettings> = {}): AlertSettings => ({
  ...defaultAlertSettings,
  ...overrides,
});

export function job(overrides: Partial<JobStatusRecord> = {}): JobStatusRecord {
  return {
    TimeGenerated: iso(0),
    AADTenantId: TENANT,
    RunId: 'run',
    ServicePrincipalId: SP,
    ConfigurationName: 'contoso.com',
    JobId: JOB,
    TemplateId: 'AD2AADProvisioning',
    StatusCode: 'Active',
    ScheduleState: 'Active',
    ScheduleInterval: 'PT2M',
    QuarantineReason: null,
    QuarantineSince: null,
    QuarantineSeriesBegan: null,
    QuarantineNextAttempt: null,
    QuarantineErrorCode: null,
    LastExecutionState: 'Succeeded',
    LastExecutionBegan: iso(-3 * MIN),
    LastExecutionEnded: iso(-2 * MIN),
    LastSuccessfulExecutionEnded: iso(-2 * MIN),
    LastErrorCode: null,
    LastErrorMessage: null,
    SuccessiveCompleteFailures: 0,
    EscrowsPruned: false,
    CountEscrowed: 0,
    CountExported: 3,
    SteadyStateLastAchieved: iso(-2 * MIN),
    DeleteThreshold: 500,
    TroubleshootingUrl: null,
    ...overrides,
  };
}

/** The job (or another: `overrides`) quarantined an hour ago for `reason`. */
export const quarantinedFor = (reason: string, overrides: Partial<JobStatusRecord> = {}): JobStatusRecord =>
  job({
    StatusCode: 'Quarantine',
    QuarantineReason: reason,
    QuarantineSince: iso(-HOUR),
    QuarantineSeriesBegan: iso(-HOUR),
    ...overrides,
  });

/** The job quarantined an hour ago for an invalid credential: a job-quarantined alert opens at once. */
export const quarantinedJob = (): JobStatusRecord =>
  job({
    StatusCode: 'Quarantine',
    QuarantineReason: 'EncounteredQuarantineException',
    QuarantineSince: iso(-HOUR),
    QuarantineSeriesBegan: iso(-HOUR),
    QuarantineErrorCode: 'AzureActiveDirectoryInvalidCredential',
  });

export function agent(overrides: Partial<AgentRecord> = {}): AgentRecord {
  return {
    TimeGenerated: iso(0),
    AADTenantId: TENANT,
    RunId: 'run',
    AgentId: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6',
    MachineName: 'CSYNC01.contoso.com',
    ExternalIp: '203.0.113.10',
    Status: 'active',
    AgentGroups: [{ id: 'group-contoso', displayName: 'contoso.com' }],
    Source: 'graph',
    LastSeenActive: iso(0),
    AgentVersion: null,
    ServiceStates: null,
    ...overrides,
  };
}

let eventCounter = 0;
export function event(overrides: Partial<ProvisioningRecord> = {}): ProvisioningRecord {
  eventCounter += 1;
  return {
    TimeGenerated: iso(0),
    AADTenantId: TENANT,
    EventId: `event-${eventCounter}`,
    JobId: JOB,
    CycleId: 'cycle-1',
    ChangeId: `change-${eventCounter}`,
    ServicePrincipalId: SP,
    ConfigurationName: 'contoso.com',
    ProvisioningAction: 'Update',
    ResultType: 'Success',
    ResultSignature: null,
    ResultDescription: null,
    ErrorCategory: null,
    RecommendedAction: null,
    SourceId: 'object-1',
    SourceDisplayName: 'Adele Vance',
    SourceType: 'User',
    TargetId: null,
    TargetDisplayName: null,
    TargetType: 'User',
    InitiatedBy: null,
    DurationMs: 100,
    ModifiedProperties: [],
    ProvisioningSteps: [],
    ...overrides,
  };
}

export const failure = (
  objectId: string,
  name: string,
  code: string,
  offsetMs: number,
  overrides: Partial<ProvisioningRecord> = {},
): ProvisioningRecord =>
  event({
    SourceId: objectId,
    SourceDisplayName: name,
    ResultType: 'Failure',
    ResultSignature: code,
    ResultDescription: `${code} happened`,
    TimeGenerated: iso(offsetMs),
    ...overrides,
  });

export const success = (objectId: string, offsetMs: number, overrides: Partial<ProvisioningRecord> = {}) =>
  event({ SourceId: objectId, ResultType: 'Success', TimeGenerated: iso(offsetMs), ...overrides });

export function observations(
  overrides: Partial<Observations> & { objectState?: ObjectStatusState } = {},
): Observations {
  const { objectState, ...rest } = overrides;
  return {
    tenantId: TENANT,
    runId: 'run',
    collectedAt: iso(0),
    configurations: [
      { servicePrincipalId: SP, name: 'contoso.com' },
      { servicePrincipalId: SP2, name: 'fabrikam.local' },
    ],
    jobs: [job()],
    agents: [],
    agentsApi: 'unavailable',
    heartbeats: undefined,
    issues: [],
    provisioningComplete: true,
    objectStatus: { health: 'ok', state: objectState ?? emptyObjectStatus(at(-30 * DAY)) },
    ...rest,
  };
}

export const issue = (overrides: Partial<RunIssue> & Pick<RunIssue, 'signal'>): RunIssue => ({
  severity: 'error',
  code: 'ServiceUnavailable',
  message: 'the service answered 503',
  ...overrides,
});

/** An open job-quarantined alert as the book stores it, for tests that start from a book. */
export const storedAlert = (id: string, jobId = id, overrides: Partial<Alert> = {}): Alert => ({
  id,
  kind: 'job-quarantined',
  subject: { tenantId: TENANT, jobId },
  severity: 'critical',
  summary: `job ${jobId} quarantined`,
  since: iso(0),
  materialKey: 'k',
  details: {},
  state: 'open',
  openedAt: iso(0),
  lastChangedAt: iso(0),
  lastNotifiedAt: iso(0),
  ...overrides,
});
