import type { ProvisioningObjectSummary } from '../graph/schemas/provisioningObjectSummary.js';
import type { ProvisioningObservation, ProvisioningRecord } from '../tables/definitions.js';
import { StringPool } from '../domain/stringPool.js';
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
  return new ProvisioningRows(tenantId, names, unknown).record(event);
}

/** An event's row as the collector keeps it until written: what the observers read, and the row's JSON. */
export interface ProvisioningRow {
  readonly observation: ProvisioningObservation;
  /** `rowJson(provisioningTable, toProvisioningRecord(...))`, character for character. */
  readonly json: string;
}

/** Distinct values a run shares one copy of (job, cycle and service principal ids, identity types). */
const SHARED_MAX = 2_000;

/** Makes the rows of one collect run's events. */
export class ProvisioningRows {
  /**
   * JSON.parse gives every event its own copy of the strings it repeats; what an observation keeps of
   * them waits for the group's commit past young-generation GCs, so one copy is shared instead.
   */
  private readonly shared = new StringPool(SHARED_MAX);

  constructor(
    private readonly tenantId: string,
    private readonly names: ConfigurationNames,
    private readonly unknown: UnknownValues,
  ) {}

  record(event: ProvisioningObjectSummary): ProvisioningRecord {
    return this.recordOf(event, this.observation(event));
  }

  /**
   * The record, serialised as it is made: what outlives the event is its observation and the row's
   * text, not the record (the dynamic columns are an event's largest part, and no observer reads them).
   */
  row(event: ProvisioningObjectSummary): ProvisioningRow {
    const observation = this.observation(event);
    return { observation, json: JSON.stringify(this.recordOf(event, observation)) };
  }

  private observation(event: ProvisioningObjectSummary): ProvisioningObservation {
    const { unknown } = this;
    const status = event.provisioningStatusInfo;
    const error = status?.errorInformation ?? status?.errorInfo;
    const sp = servicePrincipalOf(event);
    const resultType = canonical(RESULTS, 'provisioningStatusInfo.status', status?.status, unknown);
    const code = this.shared.shareOrNull(error?.errorCode);
    const servicePrincipalId = this.shared.shareOrNull(sp.id);
    return {
      TimeGenerated: new Date(event.activityDateTime).toISOString(),
      JobId: this.shared.shareOrNull(event.jobId),
      CycleId: this.shared.shareOrNull(event.cycleId),
      ServicePrincipalId: servicePrincipalId,
      ConfigurationName:
        (servicePrincipalId ? this.names.byServicePrincipalId(servicePrincipalId) : undefined) ??
        this.shared.shareOrNull(sp.name),
      ProvisioningAction: canonical(ACTIONS, 'provisioningAction', event.provisioningAction, unknown),
      ResultType: resultType,
      ResultSignature: code,
      ResultDescription: cap(error?.reason),
      ErrorCategory: resultType === 'Failure' || code ? errorCategory(code, error?.reason) : null,
      RecommendedAction: cap(error?.recommendedAction),
      SourceId: event.sourceIdentity?.id ?? null,
      SourceDisplayName: cap(event.sourceIdentity?.displayName),
      SourceType: this.shared.shareOrNull(event.sourceIdentity?.identityType),
      TargetId: event.targetIdentity?.id ?? null,
      TargetDisplayName: cap(event.targetIdentity?.displayName),
      TargetType: this.shared.shareOrNull(event.targetIdentity?.identityType),
    };
  }

  /** Every column, in table order (so that JSON.stringify of it is the row's rowJson). */
  private recordOf(event: ProvisioningObjectSummary, o: ProvisioningObservation): ProvisioningRecord {
    const by = event.initiatedBy;
    return {
      TimeGenerated: o.TimeGenerated,
      AADTenantId: this.tenantId,
      EventId: event.id,
      JobId: o.JobId,
      CycleId: o.CycleId,
      ChangeId: event.changeId ?? null,
      ServicePrincipalId: o.ServicePrincipalId,
      ConfigurationName: o.ConfigurationName,
      ProvisioningAction: o.ProvisioningAction,
      ResultType: o.ResultType,
      ResultSignature: o.ResultSignature,
      ResultDescription: o.ResultDescription,
      ErrorCategory: o.ErrorCategory,
      RecommendedAction: o.RecommendedAction,
      SourceId: o.SourceId,
      SourceDisplayName: o.SourceDisplayName,
      SourceType: o.SourceType,
      TargetId: o.TargetId,
      TargetDisplayName: o.TargetDisplayName,
      TargetType: o.TargetType,
      InitiatedBy: by ? `${by.displayName ?? by.id ?? 'unknown'} (${by.initiatorType ?? 'unknown'})` : null,
      DurationMs: event.durationInMilliseconds ?? null,
      ModifiedProperties: modifiedPropertiesOf(event),
      ProvisioningSteps: provisioningStepsOf(event),
    };
  }
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
