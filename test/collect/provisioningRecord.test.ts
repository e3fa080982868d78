import { describe, expect, it } from 'vitest';
import { ProvisioningRows, toProvisioningRecord } from '../../src/collect/provisioningRecord.js';
import { UnknownValues } from '../../src/collect/unknownValues.js';
import { provisioningObjectSummary } from '../../src/graph/schemas/provisioningObjectSummary.js';
import { provisioningTable } from '../../src/tables/definitions.js';
import { rowJson } from '../../src/tables/schema.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const names = { byServicePrincipalId: (id: string) => (id === 'sp-1' ? 'contoso.com' : undefined) };

/** A provisioningObjectSummary as the v1.0 docs show it, with overrides per case. */
function event(overrides: Record<string, unknown> = {}) {
  return {
    id: '75b5b0b4-aaaa-bbbb-cccc-000000000001',
    activityDateTime: '2026-11-22T09:01:02Z',
    tenantId: TENANT,
    jobId: 'AD2AADProvisioning.0123456789abcdef0123456789abcdef.4c0b5d5e-1111-2222-3333-444444444444',
    cycleId: 'cycle-1',
    changeId: 'change-1',
    durationInMilliseconds: 812,
    provisioningAction: 'update',
    provisioningStatusInfo: { status: 'success', errorInformation: null },
    provisioningSteps: [
      {
        name: 'EntryImport',
        provisioningStepType: 'Import',
        status: 'success',
        description: 'Retrieved',
        details: {},
      },
    ],
    modifiedProperties: [{ displayName: 'department', oldValue: 'Sales', newValue: 'Marketing' }],
    servicePrincipal: { id: 'sp-1', displayName: 'contoso.com' },
    sourceIdentity: { id: 'ad-1', displayName: 'Adele Vance', identityType: 'User', details: {} },
    targetIdentity: { id: 'aad-1', displayName: 'Adele Vance', identityType: 'User', details: {} },
    sourceSystem: { id: 's', displayName: 'Active Directory', details: {} },
    targetSystem: { id: 't', displayName: 'Azure Active Directory', details: {} },
    initiatedBy: { id: '', displayName: 'Azure AD Provisioning Service', initiatorType: 'system' },
    ...overrides,
  };
}

function normalise(raw: unknown, unknown = new UnknownValues()) {
  return toProvisioningRecord(TENANT, provisioningObjectSummary.parse(raw), names, unknown);
}

describe('provisioning event -> CloudSyncProvisioning_CL row', () => {
  it('maps the documented shape to the table columns', () => {
    const row = normalise(event());
    expect(Object.keys(row).sort()).toEqual(Object.keys(provisioningTable.columns).sort());
    expect(row).toMatchObject({
      TimeGenerated: '2026-11-22T09:01:02.000Z',
      AADTenantId: TENANT,
      EventId: '75b5b0b4-aaaa-bbbb-cccc-000000000001',
      ServicePrincipalId: 'sp-1',
      ConfigurationName: 'contoso.com',
      ProvisioningAction: 'Update',
      ResultType: 'Success',
      ResultSignature: null,
      ErrorCategory: null,
      SourceDisplayName: 'Adele Vance',
      DurationMs: 812,
      InitiatedBy: 'Azure AD Provisioning Service (system)',
    });
  });

  it.each([
    ['stageddelete', 'StagedDelete'],
    ['stagedDelete', 'StagedDelete'],
    ['StagedDelete', 'StagedDelete'],
    ['Create', 'Create'],
    ['disable', 'Disable'],
  ])('normalises provisioningAction %s', (raw, expected) => {
    expect(normalise(event({ provisioningAction: raw })).ProvisioningAction).toBe(expected);
  });

  it('accepts servicePrincipal as a one-element array with `name`', () => {
    const row = normalise(event({ servicePrincipal: [{ id: 'sp-2', name: 'fabrikam.local' }] }));
    expect(row.ServicePrincipalId).toBe('sp-2');
    expect(row.ConfigurationName).toBe('fabrikam.local');
  });

  it('reads the error from errorInformation or the older errorInfo', () => {
    for (const key of ['errorInformation', 'errorInfo']) {
      const row = normalise(
        event({
          provisioningStatusInfo: {
            status: 'failure',
            [key]: {
              errorCode: 'AttributeValueMustBeUnique',
              errorCategory: 'nonServiceFailure',
              reason: 'proxyAddresses is already used',
              additionalDetails: null,
              recommendedAction: 'Remove the duplicate value',
            },
          },
        }),
      );
      expect(row.ResultType).toBe('Failure');
      expect(row.ResultSignature).toBe('AttributeValueMustBeUnique');
      expect(row.ErrorCategory).toBe('DuplicateAttribute');
      expect(row.ResultDescription).toBe('proxyAddresses is already used');
      expect(row.RecommendedAction).toBe('Remove the duplicate value');
    }
  });

  it('keeps and records values it does not know instead of failing', () => {
    const unknown = new UnknownValues();
    const row = normalise(
      event({ provisioningAction: 'teleport', provisioningStatusInfo: { status: 'maybe' } }),
      unknown,
    );
    expect(row.ProvisioningAction).toBe('teleport');
    expect(row.ResultType).toBe('maybe');
    expect(unknown.entries()).toEqual([
      { field: 'provisioningStatusInfo.status', value: 'maybe', count: 1 },
      { field: 'provisioningAction', value: 'teleport', count: 1 },
    ]);
  });

  it('caps huge directory values', () => {
    const row = normalise(
      event({ sourceIdentity: { id: 'x', displayName: 'A'.repeat(50_000), identityType: 'User' } }),
    );
    expect((row.SourceDisplayName ?? '').length).toBeLessThan(5_000);
  });

  it('rejects a record without id or with a bad date', () => {
    expect(provisioningObjectSummary.safeParse(event({ id: undefined })).success).toBe(false);
    expect(provisioningObjectSummary.safeParse(event({ activityDateTime: 'not-a-date' })).success).toBe(
      false,
    );
  });

  it('serialises a row as it is made exactly as a sink serialises the record', () => {
    const cases = [
      event(),
      event({ servicePrincipal: [{ id: 'sp-2', name: 'fabrikam.com' }], modifiedProperties: null }),
      event({ provisioningSteps: [], initiatedBy: null, durationInMilliseconds: null, jobId: null }),
      event({
        provisioningAction: 'stagedDelete',
        provisioningStatusInfo: {
          status: 'failure',
          errorInformation: {
            errorCode: 'Quote"\\Code',
            reason: 'line\nbreak \u2028 😀',
            recommendedAction: null,
          },
        },
        sourceIdentity: { id: 'x', displayName: 'A'.repeat(5_000), identityType: 'User' },
        modifiedProperties: [{ displayName: 'proxyAddresses', oldValue: null, newValue: '"smtp"' }],
      }),
      event({ sourceIdentity: null, targetIdentity: null, provisioningStatusInfo: null }),
    ];
    for (const raw of cases) {
      const parsed = provisioningObjectSummary.parse(raw);
      const record = toProvisioningRecord(TENANT, parsed, names, new UnknownValues());
      const row = new ProvisioningRows(TENANT, names, new UnknownValues()).row(parsed);
      expect(row.json).toBe(rowJson(provisioningTable, record));
      for (const [column, value] of Object.entries(row.observation))
        expect(value).toBe(record[column as keyof typeof record]);
    }
  });
});
