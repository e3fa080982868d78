/**
 * The wire shapes the demo tenant serves, as Microsoft Graph documents them (v1.0 unless noted), quirks
 * included. Type aliases rather than interfaces so that they are assignable to the plain JSON type the
 * server serialises.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type Organization = {
  id: string;
  displayName: string;
  tenantType: string;
  countryLetterCode: string;
  onPremisesSyncEnabled: boolean;
  verifiedDomains: {
    name: string;
    isDefault: boolean;
    isInitial: boolean;
    type: string;
    capabilities: string;
  }[];
};

/** servicePrincipal: every property is present (null when unset), as a full Graph GET returns it. */
export type ServicePrincipal = { id: string; displayName: string } & { [key: string]: Json };

export type KeyValuePair = { name: string; value: string };

export type SynchronizationError = { code: string; message: string; tenantActionable: boolean };

export type SynchronizationTaskExecution = {
  activityIdentifier: string | null;
  countEntitled: number;
  countEntitledForProvisioning: number;
  countEscrowed: number;
  countEscrowedRaw: number;
  countExported: number;
  countExports: number;
  countImported: number;
  countImportedDeltas: number;
  countImportedReferenceDeltas: number;
  error: SynchronizationError | null;
  state: 'Succeeded' | 'Failed' | 'EntryLevelErrors';
  timeBegan: string;
  timeEnded: string;
};

export type SynchronizationQuarantine = {
  currentBegan: string;
  nextAttempt: string;
  reason: string;
  seriesBegan: string;
  seriesCount: number;
  error: SynchronizationError | null;
};

export type SynchronizationStatus = {
  code: 'NotConfigured' | 'NotRun' | 'Active' | 'Paused' | 'Quarantine';
  countSuccessiveCompleteFailures: number;
  escrowsPruned: boolean;
  lastExecution: SynchronizationTaskExecution | null;
  lastSuccessfulExecution: SynchronizationTaskExecution | null;
  lastSuccessfulExecutionWithExports: SynchronizationTaskExecution | null;
  progress: {
    completedUnits: number;
    progressObservationDateTime: string;
    totalUnits: number;
    units: string;
  }[];
  quarantine: SynchronizationQuarantine | null;
  steadyStateFirstAchievedTime: string;
  steadyStateLastAchievedTime: string;
  synchronizedEntryCountByType: { key: string; value: number }[];
  troubleshootingUrl: string;
};

export type SynchronizationJob = {
  id: string;
  templateId: string;
  schedule: { expiration: string | null; interval: string; state: 'Active' | 'Disabled' | 'Paused' };
  status: SynchronizationStatus;
  synchronizationJobSettings: KeyValuePair[];
};

export type OnPremisesAgentGroup = {
  id: string;
  displayName: string;
  isDefault: boolean;
  publishingType: string;
};

/** beta onPremisesAgent; `status` is documented as active/inactive but the example says "Active". */
export type OnPremisesAgent = {
  id: string;
  machineName: string;
  externalIp: string;
  status: string;
  supportedPublishingTypes: string[];
  agentGroups: OnPremisesAgentGroup[];
};

export type ProvisioningResult = 'success' | 'failure' | 'skipped' | 'warning';

export type ProvisioningErrorInfo = {
  errorCode: string;
  errorCategory: 'failure' | 'nonServiceFailure';
  reason: string;
  additionalDetails: string | null;
  recommendedAction: string | null;
};

export type ProvisioningStep = {
  name: string;
  provisioningStepType: string;
  status: ProvisioningResult;
  description: string;
  details: { [key: string]: string };
};

export type ModifiedProperty = { displayName: string; oldValue: string | null; newValue: string | null };

export type ProvisionedIdentity = {
  id: string;
  displayName: string;
  identityType: string;
  details: { [key: string]: string };
};

export type ProvisioningSystem = { id: string; displayName: string; details: { [key: string]: string } };

/**
 * provisioningObjectSummary as served: documented quirks appear as alternative keys and shapes
 * (`errorInfo` for `errorInformation`, `initiatingType` for `initiatorType`, `servicePrincipal` as an
 * object or a one-element array with `displayName` or `name`).
 */
export type ProvisioningObjectSummary = {
  id: string;
  activityDateTime: string;
  tenantId: string;
  jobId: string;
  cycleId: string;
  changeId: string;
  provisioningAction: string;
  durationInMilliseconds: number;
  provisioningStatusInfo: { status: ProvisioningResult } & {
    [errorKey: string]: ProvisioningErrorInfo | null | string;
  };
  provisioningSteps: ProvisioningStep[];
  modifiedProperties: ModifiedProperty[];
  servicePrincipal: { id: string; [nameKey: string]: string } | { id: string; [nameKey: string]: string }[];
  sourceSystem: ProvisioningSystem;
  targetSystem: ProvisioningSystem;
  initiatedBy: { id: string; displayName: string; [typeKey: string]: string };
  sourceIdentity: ProvisionedIdentity;
  targetIdentity: ProvisionedIdentity;
};
