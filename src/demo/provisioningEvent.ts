import type { DirectoryObject } from './directoryObjects.js';
import type {
  ModifiedProperty,
  ProvisioningErrorInfo,
  ProvisioningObjectSummary,
  ProvisioningResult,
  ProvisioningStep,
  ProvisioningSystem,
} from './graphTypes.js';
import { isoTime } from './ids.js';
import { quirksFor, type EventQuirks } from './quirks.js';

/**
 * Turns what happened to an object in a provisioning cycle into a provisioningObjectSummary shaped the
 * way Graph serves it, with the documented quirks applied by the event's ordinal.
 */
export type EventAction = 'create' | 'update' | 'delete' | 'stagedDelete' | 'disable' | 'other';

export interface ProvisioningEventInput {
  readonly id: string;
  readonly timeMs: number;
  /** Drives which quirks the event shows. */
  readonly ordinal: number;
  readonly tenantId: string;
  readonly jobId: string;
  readonly cycleId: string;
  readonly changeId: string;
  readonly durationMs: number;
  readonly servicePrincipal: { readonly id: string; readonly displayName: string };
  readonly sourceSystem: ProvisioningSystem;
  readonly targetSystem: ProvisioningSystem;
  readonly action: EventAction;
  readonly result: ProvisioningResult;
  readonly object: DirectoryObject;
  readonly error: ProvisioningErrorInfo | null;
  readonly modifiedProperties: readonly ModifiedProperty[];
  /** Why a skipped event was skipped (scoping step description). */
  readonly skipReason?: string;
  /** An administrator's provision-on-demand instead of the provisioning service. */
  readonly initiatedByUser?: { readonly id: string; readonly displayName: string };
}

const CHANGE_TYPE: Record<EventAction, string> = {
  create: 'Add',
  update: 'Update',
  delete: 'Delete',
  stagedDelete: 'Delete',
  disable: 'Update',
  other: 'Update',
};

const PAST_TENSE: Record<EventAction, string> = {
  create: 'created',
  update: 'updated',
  delete: 'deleted',
  stagedDelete: 'deleted',
  disable: 'disabled',
  other: 'updated',
};

function stepType(type: string, quirks: EventQuirks): string {
  if (quirks.titleCaseStepTypes && (type === 'import' || type === 'export')) {
    return type.charAt(0).toUpperCase() + type.slice(1);
  }
  return type;
}

function objectLabel(object: DirectoryObject): string {
  return `${object.kind === 'user' ? 'User' : 'Group'} '${object.displayName}'`;
}

function steps(input: ProvisioningEventInput, quirks: EventQuirks): ProvisioningStep[] {
  const change = CHANGE_TYPE[input.action];
  const label = objectLabel(input.object);
  const source = input.sourceSystem.displayName;
  const target = input.targetSystem.displayName;
  const result: ProvisioningStep[] = [
    {
      name: `EntryImport${change}`,
      provisioningStepType: stepType('import', quirks),
      status: 'success',
      description: `Received ${label} change of type (${change}) from ${source}`,
      details: {},
    },
  ];
  if (input.result === 'skipped' && input.action !== 'stagedDelete') {
    result.push({
      name: 'EntrySynchronizationSkipped',
      provisioningStepType: stepType('scoping', quirks),
      status: 'skipped',
      description: `${label} will be skipped: ${input.skipReason ?? 'it is not in scope'}`,
      details: { SkipReason: 'NotEffectivelyEntitled' },
    });
    return result;
  }
  result.push({
    name: `EntrySynchronization${change}`,
    provisioningStepType: stepType('matching', quirks),
    status: 'success',
    description: `${label} will be ${PAST_TENSE[input.action]} in ${target}`,
    details: {},
  });
  const exportStatus: ProvisioningResult = input.result;
  const exportDescription =
    input.action === 'stagedDelete'
      ? `The delete of ${label} in ${target} was staged: the deletions in this cycle exceed the accidental deletion threshold`
      : input.result === 'failure'
        ? `Failed to ${CHANGE_TYPE[input.action] === 'Add' ? 'create' : PAST_TENSE[input.action].replace(/d$/, '')} ${label} in ${target}`
        : `${label} was ${PAST_TENSE[input.action]} in ${target}`;
  result.push({
    name: `EntryExport${change}`,
    provisioningStepType: stepType('export', quirks),
    status: exportStatus,
    description: exportDescription,
    details: { ReportableIdentifier: input.object.userPrincipalName || input.object.displayName },
  });
  return result;
}

export function buildProvisioningEvent(input: ProvisioningEventInput): ProvisioningObjectSummary {
  const quirks = quirksFor(input.ordinal);
  const spEntry = {
    id: input.servicePrincipal.id,
    [quirks.servicePrincipalNameKey]: input.servicePrincipal.displayName,
  };
  const initiator = input.initiatedByUser
    ? { id: input.initiatedByUser.id, displayName: input.initiatedByUser.displayName, type: 'user' }
    : { id: '', displayName: 'Azure AD Provisioning Service', type: 'system' };
  const created = input.action === 'create' && input.result !== 'success';
  return {
    id: input.id,
    activityDateTime: isoTime(input.timeMs),
    tenantId: input.tenantId,
    jobId: input.jobId,
    cycleId: input.cycleId,
    changeId: input.changeId,
    provisioningAction: input.action === 'stagedDelete' ? quirks.stagedDeleteSpelling : input.action,
    durationInMilliseconds: input.durationMs,
    provisioningStatusInfo: { status: input.result, [quirks.errorKey]: input.error },
    provisioningSteps: steps(input, quirks),
    modifiedProperties: input.modifiedProperties.map((p) => ({ ...p })),
    servicePrincipal: quirks.servicePrincipalAsArray ? [spEntry] : spEntry,
    sourceSystem: input.sourceSystem,
    targetSystem: input.targetSystem,
    initiatedBy: {
      id: initiator.id,
      displayName: initiator.displayName,
      [quirks.initiatorTypeKey]: initiator.type,
    },
    sourceIdentity: {
      id: input.object.sourceId,
      displayName: input.object.displayName,
      identityType: input.object.kind,
      details: {},
    },
    targetIdentity: {
      // An object that failed to be created has no identity in the target yet.
      id: created ? '' : input.object.targetId,
      displayName: created ? '' : input.object.displayName,
      identityType: input.object.kind === 'user' ? 'User' : 'Group',
      details: {},
    },
  };
}
