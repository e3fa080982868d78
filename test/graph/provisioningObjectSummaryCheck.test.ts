import { describe, expect, it } from 'vitest';
import {
  isProvisioningObjectSummary,
  provisioningObjectSummary,
} from '../../src/graph/schemas/provisioningObjectSummary.js';

/** Events as Graph sends them (v1.0 docs and the demo tenant), each a valid provisioningObjectSummary. */
const events: Record<string, unknown>[] = [
  {
    ...{ id: '75b5b0b4-aaaa-bbbb-cccc-000000000001', activityDateTime: '2026-11-22T09:01:02Z' },
    ...{ jobId: 'AD2AADProvisioning.0123.4c0b5d5e', cycleId: 'c-1', changeId: 'ch-1', tenantId: 't-1' },
    ...{ durationInMilliseconds: 812, provisioningAction: 'update' },
    provisioningStatusInfo: { status: 'success', errorInformation: null },
    provisioningSteps: [
      { name: 'EntryImport', provisioningStepType: 'Import', status: 'success', details: {} },
    ],
    modifiedProperties: [{ displayName: 'mail', oldValue: null, newValue: 'a@contoso.com' }],
    servicePrincipal: { id: 'sp-1', displayName: 'contoso.com' },
    sourceIdentity: { id: 'src-1', displayName: 'Ada', identityType: 'user', details: {} },
    targetIdentity: { id: 'tgt-1', displayName: 'Ada', identityType: 'User' },
    initiatedBy: { id: '', displayName: 'Azure AD Provisioning Service', initiatorType: 'system' },
  },
  {
    id: 'e-2',
    activityDateTime: '2026-11-22T09:01:03.123Z',
    provisioningStatusInfo: {
      status: 'failure',
      errorInfo: { errorCode: 'AzureActiveDirectoryConflictEntries', reason: 'r', recommendedAction: null },
    },
    servicePrincipal: [{ id: 'sp-1', name: 'contoso.com' }],
  },
  { id: 'e-3', activityDateTime: '2026-11-22T09:01:04Z', jobId: null, servicePrincipal: [] },
];

const values: unknown[] = [
  undefined,
  null,
  '',
  'x',
  '2026-11-22T09:01:04Z',
  0,
  1.5,
  true,
  {},
  [],
  [{}],
  ['x'],
  [null],
  { id: 1 },
];

/** Every property path the schema checks, one level into lists. */
const paths = [
  'id',
  'activityDateTime',
  'jobId',
  'cycleId',
  'changeId',
  'durationInMilliseconds',
  'provisioningAction',
  'provisioningStatusInfo',
  'provisioningStatusInfo.status',
  'provisioningStatusInfo.errorInformation',
  'provisioningStatusInfo.errorInformation.errorCode',
  'provisioningStatusInfo.errorInformation.reason',
  'provisioningStatusInfo.errorInformation.recommendedAction',
  'provisioningStatusInfo.errorInfo',
  'provisioningStatusInfo.errorInfo.errorCode',
  'provisioningSteps',
  'provisioningSteps.0',
  'provisioningSteps.0.name',
  'provisioningSteps.0.provisioningStepType',
  'provisioningSteps.0.status',
  'provisioningSteps.0.description',
  'modifiedProperties',
  'modifiedProperties.0',
  'modifiedProperties.0.displayName',
  'modifiedProperties.0.oldValue',
  'modifiedProperties.0.newValue',
  'servicePrincipal',
  'servicePrincipal.id',
  'servicePrincipal.displayName',
  'servicePrincipal.name',
  'servicePrincipal.0',
  'servicePrincipal.0.id',
  'servicePrincipal.0.name',
  'sourceIdentity',
  'sourceIdentity.id',
  'sourceIdentity.displayName',
  'sourceIdentity.identityType',
  'targetIdentity',
  'targetIdentity.id',
  'initiatedBy',
  'initiatedBy.id',
  'initiatedBy.displayName',
  'initiatedBy.initiatorType',
];

/** A deep copy of `event` with the value at `path` replaced (made where it is missing). */
function withValue(event: Record<string, unknown>, path: string, value: unknown): unknown {
  const copy = structuredClone(event);
  const keys = path.split('.');
  let at: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) {
    const next = at[key];
    if (typeof next !== 'object' || next === null)
      at[key] = /^\d+$/.test(keys[keys.indexOf(key) + 1] ?? '') ? [{}] : {};
    at = at[key] as Record<string, unknown>;
  }
  at[keys.at(-1)!] = value;
  return copy;
}

describe('isProvisioningObjectSummary (the hand-checked fast path)', () => {
  it('accepts the events Graph sends, as the schema does', () => {
    for (const event of events) {
      expect(provisioningObjectSummary.safeParse(event).success).toBe(true);
      expect(isProvisioningObjectSummary(event)).toBe(true);
    }
  });

  it('never accepts what the schema rejects, whatever a property holds', () => {
    let rejectedBoth = 0;
    for (const event of events)
      for (const path of paths)
        for (const value of values) {
          const candidate = withValue(event, path, value);
          const fast = isProvisioningObjectSummary(candidate);
          const zod = provisioningObjectSummary.safeParse(candidate).success;
          if (fast) expect({ path, value, zod }).toEqual({ path, value, zod: true });
          if (!zod) rejectedBoth += 1;
        }
    // The mutations do reach what the schema rejects (the check above is not vacuous).
    expect(rejectedBoth).toBeGreaterThan(500);
  });

  it('rejects what is no event at all', () => {
    for (const item of [null, undefined, 'e', 1, [], [events[0]]])
      expect(isProvisioningObjectSummary(item)).toBe(false);
  });
});
