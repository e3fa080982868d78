/**
 * The documented inconsistencies of provisioningObjectSummary, spread deterministically over events by
 * their ordinal so that any window of a few dozen events shows every variant. Collectors must tolerate
 * all of them (design.md section 3; graph-and-azure-facts.md section 3):
 * - `servicePrincipal`: the resource page says collection (array) with `id`/`name`, the examples show a
 *   single object with `id`/`displayName`.
 * - `provisioningStatusInfo.errorInformation`: an older revision of the page calls it `errorInfo`.
 * - `provisioningStepType`: example 1 writes `Import`/`Export`, example 2 `import`/`export`.
 * - `provisioningAction`: the v1.0 page lists `stageddelete`, the typings say `stagedDelete`.
 * - `initiatedBy`: example 1 writes `initiatingType` where the initiator resource says `initiatorType`.
 */
export interface EventQuirks {
  readonly servicePrincipalAsArray: boolean;
  readonly servicePrincipalNameKey: 'displayName' | 'name';
  readonly errorKey: 'errorInformation' | 'errorInfo';
  readonly titleCaseStepTypes: boolean;
  readonly stagedDeleteSpelling: 'stagedDelete' | 'stageddelete';
  readonly initiatorTypeKey: 'initiatorType' | 'initiatingType';
}

export function quirksFor(ordinal: number): EventQuirks {
  return {
    servicePrincipalAsArray: ordinal % 2 === 1,
    servicePrincipalNameKey: Math.floor(ordinal / 2) % 2 === 0 ? 'displayName' : 'name',
    errorKey: ordinal % 5 === 3 ? 'errorInfo' : 'errorInformation',
    titleCaseStepTypes: ordinal % 3 === 0,
    stagedDeleteSpelling: Math.floor(ordinal / 3) % 2 === 0 ? 'stagedDelete' : 'stageddelete',
    initiatorTypeKey: ordinal % 7 === 4 ? 'initiatingType' : 'initiatorType',
  };
}
