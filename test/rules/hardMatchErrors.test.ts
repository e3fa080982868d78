import { describe, expect, it } from 'vitest';
import { toProvisioningRecord } from '../../src/collect/provisioningRecord.js';
import { UnknownValues } from '../../src/collect/unknownValues.js';
import { detailsOf } from '../../src/domain/alertDetails.js';
import type { Alert } from '../../src/domain/alertModel.js';
import { errorCategory, hardMatchBlock } from '../../src/domain/errorCategory.js';
import { provisioningObjectSummary } from '../../src/graph/schemas/provisioningObjectSummary.js';
import { renderAlertMessage } from '../../src/render/alertMessage.js';
import { at, failure, iso, job, MIN, observations } from './fixtures.js';
import { evaluate, objectState } from './run.js';

/** The texts Microsoft publishes for the 2026 hard-match hardening (reference/cloud-sync-2026.md 1.6). */
const HARDENING =
  'Hard match operation blocked due to security hardening. Review OnPremisesObjectIdentifier mapping.';
const ADMIN_ROLE = 'Existing Admin Role Conflict: the cloud user has an administrative role assigned to it.';

describe('2026 hard-match hardening errors', () => {
  it('are recognised by their published text or a code that names them, and categorised as DataMismatch', () => {
    expect(hardMatchBlock('AzureActiveDirectoryHardMatchFailed', HARDENING)).toBe('security-hardening');
    expect(hardMatchBlock('HardMatchBlockedBySecurityHardening', null)).toBe('security-hardening');
    expect(hardMatchBlock('SyncError', ADMIN_ROLE)).toBe('admin-role-conflict');
    expect(hardMatchBlock('ExistingAdminRoleConflict')).toBe('admin-role-conflict');
    expect(hardMatchBlock('AttributeValueMustBeUnique', 'proxyAddresses conflict')).toBeUndefined();
    // "Conflict" in the code alone would read as DuplicateAttribute: the admin role conflict is a match block.
    expect(errorCategory('ExistingAdminRoleConflict')).toBe('DataMismatch');
    expect(errorCategory('SomethingNew', HARDENING)).toBe('DataMismatch');
    expect(errorCategory('ObjectConflict')).toBe('DuplicateAttribute');
  });

  it('are categorised when collected from Graph, by the error reason', () => {
    const event = provisioningObjectSummary.parse({
      id: 'e-1',
      activityDateTime: '2026-11-22T09:01:02Z',
      jobId: 'AD2AADProvisioning.0123456789abcdef0123456789abcdef.4c0b5d5e-1111-2222-3333-444444444444',
      provisioningAction: 'update',
      provisioningStatusInfo: {
        status: 'failure',
        errorInformation: { errorCode: 'AzureActiveDirectoryHardMatchFailed', reason: HARDENING },
      },
    });
    const record = toProvisioningRecord(
      't',
      event,
      { byServicePrincipalId: () => undefined },
      new UnknownValues(),
    );
    expect(record.ErrorCategory).toBe('DataMismatch');
  });

  it('come with their own remedy in the sync-errors message, not the generic matching advice', () => {
    const state = objectState([
      failure('adele', 'Adele Vance', 'AzureActiveDirectoryHardMatchFailed', -30 * MIN, {
        ResultDescription: HARDENING,
        ErrorCategory: 'DataMismatch',
      }),
      failure('megan', 'Megan Bowen', 'ExistingAdminRoleConflict', -20 * MIN, {
        ResultDescription: ADMIN_ROLE,
        ErrorCategory: 'DataMismatch',
      }),
    ]);
    const [candidate] = evaluate(
      'sync-errors',
      observations({ objectState: state, jobs: [job()] }),
    ).candidates;
    expect(candidate).toBeDefined();
    const details = detailsOf('sync-errors', { kind: 'sync-errors', details: candidate!.details })!;
    expect(details.groups.map((g) => g.errorCategory)).toEqual(['DataMismatch', 'DataMismatch']);
    const alert: Alert = {
      ...candidate!,
      id: 'sync-errors:x',
      state: 'open',
      openedAt: iso(0),
      lastChangedAt: iso(0),
      lastNotifiedAt: iso(0),
    };
    const { email, teams } = renderAlertMessage({
      tenantId: alert.subject.tenantId,
      generatedAt: at(0).toISOString(),
      transitions: [{ transition: 'new', at: iso(0), alert }],
    });
    for (const text of [email.plainText, JSON.stringify(teams.card)]) {
      expect(text).toContain('2026 hard-match hardening');
      expect(text).toContain('onPremisesObjectIdentifier');
      expect(text).toContain('Existing admin role conflict');
    }
    // The Teams card keeps the advice short; the email has the whole remedy, Graph call included.
    expect(email.plainText).toContain(
      'PATCH /beta/users/{userId} and the body {"onPremisesObjectIdentifier": null}',
    );
    expect(email.plainText).not.toContain('could not be matched to the existing Entra ID object');
  });
});
