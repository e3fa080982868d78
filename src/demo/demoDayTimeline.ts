import {
  CLOUD_SYNC_TEMPLATE_ID,
  jobId,
  logJobId,
  type CloudSyncConfiguration,
} from './cloudSyncConfiguration.js';
import { compactGuid } from './ids.js';

/**
 * The fixed cast and the incident timeline of the demo day. Times are offsets from the day's start
 * (00:00 UTC). Everything a test or the CLI needs to know about the day is named here.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const DEMO_TENANT_ID = '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d';

export const CONTOSO: CloudSyncConfiguration = {
  tenantId: DEMO_TENANT_ID,
  domain: 'contoso.com',
  netBios: 'CONTOSO',
  servicePrincipalId: 'c0a1d2e3-4b5c-4d6e-8f70-8192a3b4c5d6',
  appId: 'a7e3b1c9-2d4f-4e6a-9b8c-1d2e3f4a5b6c',
  applicationTemplateId: CLOUD_SYNC_TEMPLATE_ID,
  jobIdParts: 3,
};

export const FABRIKAM: CloudSyncConfiguration = {
  tenantId: DEMO_TENANT_ID,
  domain: 'fabrikam.local',
  netBios: 'FABRIKAM',
  servicePrincipalId: 'f4b2c6d8-1a3e-4c5b-9d7f-0e1a2b3c4d5e',
  appId: 'b8f4c2d0-3e5a-4b7c-8d9e-2f3a4b5c6d7e',
  applicationTemplateId: null,
  jobIdParts: 2,
};

/** An unrelated gallery app with SCIM provisioning: its jobs and events must be ignored by the monitor. */
export const SAAS_APP = {
  servicePrincipalId: 'a3c5e7f9-2b4d-4f6a-8c1e-3d5f7a9b1c2e',
  appId: 'd5e6f7a8-b9c0-4d1e-8f2a-3b4c5d6e7f80',
  displayName: 'AWS Single-Account Access',
  /** Illustrative gallery template id. */
  applicationTemplateId: '8b1025e4-1dd2-430b-a150-2ef79cd700f5',
  templateId: 'aws',
  /** Same form as the `aws.<tenant without dashes>.<guid>` jobId of the provisioning-log example. */
  jobId: `aws.${compactGuid(DEMO_TENANT_ID)}.a3c5e7f9-2b4d-4f6a-8c1e-3d5f7a9b1c2e`,
} as const;

export const DEMO_JOB_IDS = {
  contosoProvisioning: jobId(CONTOSO, 'AD2AADProvisioning'),
  contosoPasswordHash: jobId(CONTOSO, 'AD2AADPasswordHash'),
  /** Device sync (preview), enabled the evening before: its initial sync ends paused (escrowsPruned). */
  contosoDeviceSync: jobId(CONTOSO, 'AD2AADDeviceSync'),
  fabrikamProvisioning: jobId(FABRIKAM, 'AD2AADProvisioning'),
  saas: SAAS_APP.jobId,
} as const;

/** provisioningObjectSummary.jobId values (3-part; the jobs API ids are their prefixes). */
export const DEMO_LOG_JOB_IDS = {
  contosoProvisioning: logJobId(CONTOSO, 'AD2AADProvisioning'),
  fabrikamProvisioning: logJobId(FABRIKAM, 'AD2AADProvisioning'),
  saas: SAAS_APP.jobId,
} as const;

export const DEMO_AGENTS = {
  contosoPrimary: {
    id: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6',
    machineName: 'CSYNC01.contoso.com',
    externalIp: '203.0.113.10',
  },
  contosoSecondary: {
    id: 'e2f3a4b5-c6d7-4e8f-90a1-b2c3d4e5f6a7',
    machineName: 'CSYNC02.contoso.com',
    externalIp: '203.0.113.11',
  },
  fabrikam: {
    id: 'f3a4b5c6-d7e8-4f90-a1b2-c3d4e5f6a7b8',
    machineName: 'FABSYNC01.fabrikam.local',
    externalIp: '198.51.100.20',
  },
} as const;

export const DEMO_AGENT_GROUPS = {
  contoso: { id: 'a9b8c7d6-e5f4-4a3b-8c2d-1e0f9a8b7c6d', displayName: 'contoso.com' },
  fabrikam: { id: 'b0c9d8e7-f6a5-4b4c-9d3e-2f1a0b9c8d7e', displayName: 'fabrikam.local' },
} as const;

/** Where the interesting service principals sit among the 1,500 unrelated ones (0-based listing index). */
export const DEMO_SERVICE_PRINCIPAL_LAYOUT = {
  total: 1_503,
  contoso: 311,
  saas: 640,
  fabrikam: 1_022,
} as const;

/** Cycle grids: each job starts its 2-minute cycles at its own second past the even minute. */
export const DEMO_CYCLE_ANCHORS = {
  contosoProvisioning: 15_000,
  contosoPasswordHash: 30_000,
  contosoDeviceSync: 50_000,
  fabrikamProvisioning: 45_000,
  saas: 5 * MINUTE,
} as const;

/** The incidents, as [from, to) offsets from the start of the day. */
export const DEMO_TIMELINE = {
  /** CSYNC02 stops: HA degraded, CSYNC01 keeps contoso.com synchronising. */
  contosoSecondaryAgentInactive: { from: 5 * HOUR, to: 7 * HOUR },
  /** fabrikam.local: someone moved OU=Contractors out of scope; the 09:00:45 cycle stages 600 deletes. */
  fabrikamStagedDeletes: { count: 600, cycleStart: 9 * HOUR + 45_000 },
  /** Quarantine TooManyDeletes until the admin allows the deletes at 11:30; the next cycle deletes them. */
  fabrikamTooManyDeletes: { from: 9 * HOUR + 2 * MINUTE, to: 11 * HOUR + 30 * MINUTE },
  /** contoso.com password hash sync: the sync service account was deleted, then repaired. */
  contosoPasswordHashQuarantine: { from: 13 * HOUR, to: 14 * HOUR + 30 * MINUTE },
  /**
   * contoso.com device sync: its initial sync hit the error threshold; the service pruned the errors and
   * paused the job (escrowsPruned) until the admin fixed the computers and started it again. Seen by the
   * 13:00 run and gone by the 14:30 run, with the password hash quarantine (one message each way).
   */
  contosoDeviceSyncPaused: { from: 12 * HOUR + 56 * MINUTE, to: 14 * HOUR + 27 * MINUTE },
  /** contoso.com provisioning: Entra busy, cycles fail and countSuccessiveCompleteFailures rises to 10. */
  contosoServerBusy: { from: 16 * HOUR, to: 16 * HOUR + 45 * MINUTE },
  /** FABSYNC01 (fabrikam's only agent) stops: cycles fail with HybridIdentityServiceNoActiveAgents. */
  fabrikamAgentDown: { from: 18 * HOUR, to: 19 * HOUR },
  /** The reporting API (auditLogs/provisioning) answers 503. */
  reportingOutage: { from: 21 * HOUR, to: 21 * HOUR + 30 * MINUTE },
} as const;

/** Objects with errors that persist over many cycles (retried every 5th cycle), then get fixed. */
// prettier-ignore
export const DEMO_PERSISTENT_FAILURES = [
  { domain: 'contoso.com', name: 'Adele Vance', error: 'duplicateProxyAddress', action: 'update', from: 0, to: 10 * HOUR + 40 * MINUTE },
  { domain: 'contoso.com', name: 'Megan Bowen', error: 'duplicateUserPrincipalName', action: 'update', from: 0, to: Infinity },
  { domain: 'contoso.com', name: 'Lee Gu', error: 'invalidMail', action: 'create', from: 3 * HOUR + 10 * MINUTE, to: 15 * HOUR + 50 * MINUTE },
  { domain: 'contoso.com', name: 'Nestor Wilke', error: 'largeUserCertificate', action: 'update', from: 7 * HOUR + 30 * MINUTE, to: 20 * HOUR },
  { domain: 'contoso.com', name: 'Alex Wilber', error: 'federatedDomainChange', action: 'update', from: 12 * HOUR, to: 12 * HOUR + 40 * MINUTE },
  { domain: 'fabrikam.local', name: 'Pradeep Gupta', error: 'invalidSoftMatch', action: 'create', from: 0, to: 21 * HOUR + 10 * MINUTE },
] as const;
