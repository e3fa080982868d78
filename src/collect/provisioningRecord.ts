import type { ProvisioningObjectSummary } from '../graph/schemas/provisioningObjectSummary.js';
import {
  provisioningTable,
  type ProvisioningObservation,
  type ProvisioningRecord,
} from '../tables/definitions.js';
import { errorCategory } from '../domain/errorCategory.js';
import { canonical, spellings, type UnknownValues } from './unknownValues.js';

const ACTIONS = spellings(
  'Create',
  'Update',
  'Delete',
  'StagedDelete',
  'Disable',
  'Other',
  'unknownFutureValue',
);
const RESULTS = spellings('Success', 'Failure', 'Skipped', 'Warning', 'unknownFutureValue');

/** Cap for free text from the directory (attribute values can be huge); Log Analytics truncates at 64 KB anyway. */
const MAX_TEXT = 4_000;
const cap = (value: string | null | undefined): string | null =>
  value == null ? null : value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…[truncated]` : value;

export interface ConfigurationNames {
  /** Configuration name (the SP display name, usually the AD domain) by service principal id. */
  byServicePrincipalId(id: string): string | undefined;
}

function servicePrincipalOf(event: ProvisioningObjectSummary) {
  const sp = Array.isArray(event.servicePrincipal) ? event.servicePrincipal[0] : event.servicePrincipal;
  return { id: sp?.id ?? null, name: sp?.displayName ?? sp?.name ?? null };
}

/** One provisioning event as a CloudSyncProvisioning_CL row. */
export function toProvisioningRecord(
  tenantId: string,
  event: ProvisioningObjectSummary,
  names: ConfigurationNames,
  unknown: UnknownValues,
): ProvisioningRecord {
  return {
    ...observationOf(tenantId, event, names, unknown),
    ModifiedProperties: modifiedPropertiesOf(event),
    ProvisioningSteps: provisioningStepsOf(event),
  };
}

/** An event's row as the collector keeps it until written: what the observers read, and the row's JSON. */
export interface ProvisioningRow {
  readonly observation: ProvisioningObservation;
  /** `rowJson(provisioningTable, toProvisioningRecord(...))`, character for character. */
  readonly json: string;
}

const columns = Object.keys(provisioningTable.columns);
// The row's JSON is the observation's with the dynamic columns appended: they must be the last two.
if (columns.slice(-2).join() !== 'ModifiedProperties,ProvisioningSteps') {
  throw new Error('CloudSyncProvisioning_CL must end with ModifiedProperties, ProvisioningSteps');
}

/**
 * toProvisioningRecord, serialised as it is made: the dynamic columns (an event's largest part, read by
 * no observer) exist only as text, and no record object outlives the event it was made for.
 */
export function toProvisioningRow(
  tenantId: string,
  event: ProvisioningObjectSummary,
  names: ConfigurationNames,
  unknown: UnknownValues,
): ProvisioningRow {
  const observation = observationOf(tenantId, event, names, unknown);
  const head = JSON.stringify(observation);
  const json =
    `${head.slice(0, -1)},"ModifiedProperties":${JSON.stringify(modifiedPropertiesOf(event))}` +
    `,"ProvisioningSteps":${JSON.stringify(provisioningStepsOf(event))}}`;
  return { observation, json };
}

/** Every column but the dynamic ones, in table order. */
function observationOf(
  tenantId: string,
  event: ProvisioningObjectSummary,
  names: ConfigurationNames,
  unknown: UnknownValues,
): ProvisioningObservation {
  const status = event.provisioningStatusInfo;
  const error = status?.errorInformation ?? status?.errorInfo;
  const sp = servicePrincipalOf(event);
  const resultType = canonical(RESULTS, 'provisioningStatusInfo.status', status?.status, unknown);
  const code = error?.errorCode ?? null;
  return {
    TimeGenerated: new Date(event.activityDateTime).toISOString(),
    AADTenantId: tenantId,
    EventId: event.id,
    JobId: event.jobId ?? null,
    CycleId: event.cycleId ?? null,
    ChangeId: event.changeId ?? null,
    ServicePrincipalId: sp.id,
    ConfigurationName: (sp.id ? names.byServicePrincipalId(sp.id) : undefined) ?? sp.name,
    ProvisioningAction: canonical(ACTIONS, 'provisioningAction', event.provisioningAction, unknown),
    ResultType: resultType,
    ResultSignature: code,
    ResultDescription: cap(error?.reason),
    ErrorCategory: resultType === 'Failure' || code ? errorCategory(code, error?.reason) : null,
    RecommendedAction: cap(error?.recommendedAction),
    SourceId: event.sourceIdentity?.id ?? null,
    SourceDisplayName: cap(event.sourceIdentity?.displayName),
    SourceType: event.sourceIdentity?.identityType ?? null,
    TargetId: event.targetIdentity?.id ?? null,
    TargetDisplayName: cap(event.targetIdentity?.displayName),
    TargetType: event.targetIdentity?.identityType ?? null,
    InitiatedBy: event.initiatedBy
      ? `${event.initiatedBy.displayName ?? event.initiatedBy.id ?? 'unknown'} (${event.initiatedBy.initiatorType ?? 'unknown'})`
      : null,
    DurationMs: event.durationInMilliseconds ?? null,
  };
}

const modifiedPropertiesOf = (event: ProvisioningObjectSummary) =>
  (event.modifiedProperties ?? []).map((p) => ({
    displayName: p.displayName ?? null,
    oldValue: cap(p.oldValue),
    newValue: cap(p.newValue),
  }));

const provisioningStepsOf = (event: ProvisioningObjectSummary) =>
  (event.provisioningSteps ?? []).map((s) => ({
    name: s.name ?? null,
    provisioningStepType: s.provisioningStepType ?? null,
    status: s.status ?? null,
    description: cap(s.description),
  }));
