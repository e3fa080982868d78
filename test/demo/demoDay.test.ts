import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import {
  CONTOSO,
  DEMO_AGENTS,
  DEMO_JOB_IDS,
  DEMO_TENANT_ID,
  FABRIKAM,
  SAAS_APP,
} from '../../src/demo/demoDayTimeline.js';
import type {
  ProvisioningErrorInfo,
  ProvisioningObjectSummary,
  SynchronizationJob,
} from '../../src/demo/graphTypes.js';
import { demoDayScenario, startOfYesterdayUtc } from '../../src/demo/scenario.js';
import { startDemoTenant, type DemoTenant } from '../../src/demo/server.js';
import { testCertificate } from '../support/tls.js';

const DAY = new Date('2026-11-22T00:00:00Z');
const HOUR = 3600_000;
const MINUTE = 60_000;
const at = (hours: number, minutes = 0) => new Date(DAY.getTime() + hours * HOUR + minutes * MINUTE);

const scenario = demoDayScenario({ dayStart: DAY });
const events: ProvisioningObjectSummary[] = Array.from({ length: scenario.provisioning.count }, (_, i) =>
  scenario.provisioning.eventAt(i),
);
const dayEvents = events.filter((e) => Date.parse(e.activityDateTime) < at(24).getTime());
const errorOf = (e: ProvisioningObjectSummary): ProvisioningErrorInfo | null => {
  const value = e.provisioningStatusInfo['errorInformation'] ?? e.provisioningStatusInfo['errorInfo'];
  return typeof value === 'object' ? value : null;
};
const job = (spId: string, when: Date, templateId: string): SynchronizationJob =>
  scenario.jobs(spId, when)!.find((j) => j.templateId === templateId)!;
const fabrikamJob = (when: Date) => job(FABRIKAM.servicePrincipalId, when, 'AD2AADProvisioning');
const contosoJob = (when: Date) => job(CONTOSO.servicePrincipalId, when, 'AD2AADProvisioning');
const passwordHashJob = (when: Date) => job(CONTOSO.servicePrincipalId, when, 'AD2AADPasswordHash');

describe('the demo day: job status follows the timeline', () => {
  it('is healthy in the early morning', () => {
    for (const j of [fabrikamJob(at(4)), contosoJob(at(4)), passwordHashJob(at(4))]) {
      expect(j.status.code).toBe('Active');
      expect(j.status.quarantine).toBeNull();
      expect(j.status.countSuccessiveCompleteFailures).toBe(0);
      expect(j.schedule).toEqual({ expiration: null, interval: 'PT2M', state: 'Active' });
      expect(j.synchronizationJobSettings).toContainEqual({
        name: 'QuarantineTooManyDeletesThreshold',
        value: '500',
      });
      expect(at(4).getTime() - Date.parse(j.status.lastExecution!.timeEnded)).toBeLessThan(
        2 * MINUTE + 60_000,
      );
    }
  });

  it('quarantines fabrikam.local with TooManyDeletes from 09:02 until the deletes are allowed at 11:30', () => {
    const tripped = fabrikamJob(at(10));
    expect(tripped.status.code).toBe('Quarantine');
    expect(tripped.status.quarantine).toMatchObject({
      reason: 'TooManyDeletes',
      currentBegan: at(9, 2).toISOString(),
      seriesBegan: at(9, 2).toISOString(),
      seriesCount: 1,
      nextAttempt: at(15, 2).toISOString(),
      error: { code: 'TooManyDeletes' },
    });
    expect(tripped.status.lastExecution).toMatchObject({
      state: 'Failed',
      countImported: 600,
      countExported: 0,
    });
    expect(Date.parse(tripped.status.lastSuccessfulExecution!.timeEnded)).toBeLessThan(at(9, 1).getTime());
    // As in the documented sample, lastSuccessfulExecution has no begin time.
    expect(tripped.status.lastSuccessfulExecution!.timeBegan).toBe('0001-01-01T00:00:00Z');

    const allowed = fabrikamJob(at(11, 40));
    expect(allowed.status.code).toBe('Active');
    expect(allowed.status.quarantine).toBeNull();
    expect(allowed.status.lastSuccessfulExecutionWithExports!.countExported).toBeGreaterThanOrEqual(1);
    expect(allowed.status.synchronizedEntryCountByType).toContainEqual({ key: 'user to User', value: 610 });
  });

  it('quarantines contoso.com password hash sync 13:00-14:30 for an invalid credential', () => {
    const quarantined = passwordHashJob(at(13, 30));
    expect(quarantined.status.code).toBe('Quarantine');
    expect(quarantined.status.quarantine).toMatchObject({
      reason: 'EncounteredQuarantineException',
      currentBegan: at(13).toISOString(),
      error: { code: 'AzureActiveDirectoryInvalidCredential' },
    });
    expect(quarantined.status.lastExecution!.error!.code).toBe('AzureActiveDirectoryInvalidCredential');
    expect(quarantined.status.troubleshootingUrl).toMatch(/^https:\/\//);
    expect(contosoJob(at(13, 30)).status.code).toBe('Active');
    expect(passwordHashJob(at(14, 35)).status.code).toBe('Active');
  });

  it('fails contoso.com provisioning with AzureDirectoryServiceServerBusy 16:00-16:45, failures rising', () => {
    const early = contosoJob(at(16, 5));
    const late = contosoJob(at(16, 19));
    for (const j of [early, late]) {
      expect(j.status.code).toBe('Active');
      expect(j.status.lastExecution).toMatchObject({
        state: 'Failed',
        error: { code: 'AzureDirectoryServiceServerBusy' },
      });
    }
    expect(early.status.countSuccessiveCompleteFailures).toBe(3);
    expect(late.status.countSuccessiveCompleteFailures).toBe(10);
    expect(Date.parse(late.status.lastSuccessfulExecution!.timeEnded)).toBeLessThan(at(16).getTime());
    const recovered = contosoJob(at(16, 50));
    expect(recovered.status.countSuccessiveCompleteFailures).toBe(0);
    expect(recovered.status.lastExecution!.state).not.toBe('Failed');
  });

  it('stalls fabrikam.local 18:00-19:00 when its only agent is inactive', () => {
    const stalled = fabrikamJob(at(18, 45));
    expect(stalled.status.code).toBe('Active');
    expect(stalled.status.lastExecution).toMatchObject({
      state: 'Failed',
      error: { code: 'HybridIdentityServiceNoActiveAgents' },
    });
    expect(stalled.status.countSuccessiveCompleteFailures).toBeGreaterThanOrEqual(20);
    expect(Date.parse(stalled.status.lastSuccessfulExecution!.timeEnded)).toBeLessThan(at(18).getTime());
    const agents = scenario.agents(at(18, 45));
    expect(agents.find((a) => a.id === DEMO_AGENTS.fabrikam.id)!.status).toBe('inactive');
    const inWindow = dayEvents.filter(
      (e) =>
        e.jobId.startsWith(DEMO_JOB_IDS.fabrikamProvisioning) &&
        Date.parse(e.activityDateTime) >= at(18).getTime() &&
        Date.parse(e.activityDateTime) < at(19).getTime(),
    );
    expect(inWindow).toEqual([]);
    expect(fabrikamJob(at(19, 10)).status.countSuccessiveCompleteFailures).toBe(0);
  });

  it('degrades contoso.com HA 05:00-07:00: CSYNC02 inactive, CSYNC01 active', () => {
    const statuses = (when: Date) =>
      scenario.agents(when).map((a) => `${a.machineName}=${a.status.toLowerCase()}`);
    expect(statuses(at(6))).toEqual([
      'CSYNC01.contoso.com=active',
      'CSYNC02.contoso.com=inactive',
      'FABSYNC01.fabrikam.local=active',
    ]);
    expect(statuses(at(7, 1))).toContain('CSYNC02.contoso.com=active');
  });
});

describe('the demo day: provisioning events', () => {
  it('has a few thousand events on the day, deterministically', () => {
    expect(dayEvents.length).toBeGreaterThan(2_000);
    expect(dayEvents.length).toBeLessThan(5_000);
    const again = demoDayScenario({ dayStart: DAY });
    expect(again.provisioning.count).toBe(scenario.provisioning.count);
    expect(again.provisioning.eventAt(1234)).toEqual(events[1234]);
  });

  it('stages 600 deletes at 09:00 and deletes the same objects after 11:30', () => {
    const staged = dayEvents.filter((e) => e.provisioningAction.toLowerCase() === 'stageddelete');
    expect(staged).toHaveLength(600);
    expect(new Set(staged.map((e) => e.provisioningAction))).toEqual(
      new Set(['stagedDelete', 'stageddelete']),
    );
    expect(
      staged.every(
        (e) => e.activityDateTime >= at(9).toISOString() && e.activityDateTime < at(9, 2).toISOString(),
      ),
    ).toBe(true);
    const deletes = dayEvents.filter(
      (e) =>
        e.provisioningAction === 'delete' &&
        e.activityDateTime >= at(11, 30).toISOString() &&
        e.activityDateTime < at(11, 33).toISOString(),
    );
    expect(new Set(deletes.map((e) => e.sourceIdentity.id))).toEqual(
      new Set(staged.map((e) => e.sourceIdentity.id)),
    );
  });

  it('correlates every Cloud Sync event to a job by prefix, and keeps the SaaS app apart', () => {
    const cloudSyncJobIds = [DEMO_JOB_IDS.contosoProvisioning, DEMO_JOB_IDS.fabrikamProvisioning];
    const saas = events.filter((e) => e.jobId === SAAS_APP.jobId);
    expect(saas.length).toBeGreaterThan(20);
    expect(saas.some((e) => e.provisioningStatusInfo.status === 'failure')).toBe(true);
    const rest = events.filter((e) => e.jobId !== SAAS_APP.jobId);
    expect(rest.every((e) => cloudSyncJobIds.some((id) => e.jobId.startsWith(id)))).toBe(true);
    // fabrikam's jobs API id is 2-part, its events' jobId 3-part: equality would fail.
    expect(
      rest.some(
        (e) =>
          e.jobId !== DEMO_JOB_IDS.fabrikamProvisioning &&
          e.jobId.startsWith(DEMO_JOB_IDS.fabrikamProvisioning),
      ),
    ).toBe(true);
    expect(events.every((e) => e.tenantId === DEMO_TENANT_ID)).toBe(true);
  });

  it('exercises every documented payload quirk', () => {
    const seen = (f: (e: ProvisioningObjectSummary) => unknown) => new Set(dayEvents.map(f));
    expect(seen((e) => (Array.isArray(e.servicePrincipal) ? 'array' : 'object'))).toEqual(
      new Set(['array', 'object']),
    );
    expect(
      seen((e) =>
        Object.keys([e.servicePrincipal].flat()[0] ?? {})
          .sort()
          .join(),
      ),
    ).toEqual(new Set(['displayName,id', 'id,name']));
    expect(seen((e) => Object.keys(e.provisioningStatusInfo).sort().join())).toEqual(
      new Set(['errorInformation,status', 'errorInfo,status']),
    );
    expect(seen((e) => e.provisioningSteps[0]?.provisioningStepType)).toEqual(new Set(['Import', 'import']));
    expect(seen((e) => Object.keys(e.initiatedBy).sort().join())).toEqual(
      new Set(['displayName,id,initiatorType', 'displayName,id,initiatingType']),
    );
    expect(seen((e) => e.provisioningStatusInfo.status)).toEqual(
      new Set(['success', 'failure', 'skipped', 'warning']),
    );
    expect(seen((e) => e.provisioningAction)).toEqual(
      new Set(['create', 'update', 'delete', 'disable', 'other', 'stagedDelete', 'stageddelete']),
    );
    expect(dayEvents.some((e) => e.initiatedBy['initiatorType'] === 'user')).toBe(true);
    expect(
      dayEvents.filter((e) => errorOf(e)?.errorCode && e.provisioningStatusInfo['errorInfo'] !== undefined)
        .length,
    ).toBeGreaterThan(0);
  });

  it('has errors of every category, some persisting across many cycles until fixed', () => {
    const codes = new Set(dayEvents.map((e) => errorOf(e)?.errorCode).filter(Boolean));
    expect(codes).toEqual(
      new Set([
        'AzureDirectoryServiceAttributeValueMustBeUnique',
        'AzureDirectoryServiceInvalidSoftMatch',
        'AzureDirectoryServiceDataValidationFailed',
        'AzureDirectoryServiceLargeObject',
        'AzureDirectoryServiceFederatedDomainChangeError',
        'InternalError',
        'QuarantinedAttributeValueMustBeUnique',
        'EntryConflict',
      ]),
    );
    const adele = dayEvents.filter(
      (e) =>
        e.sourceIdentity.displayName === 'Adele Vance' &&
        e.jobId.startsWith(DEMO_JOB_IDS.contosoProvisioning),
    );
    const failures = adele.filter((e) => e.provisioningStatusInfo.status === 'failure');
    expect(failures.length).toBeGreaterThan(50);
    expect(new Set(failures.map((e) => e.cycleId)).size).toBe(failures.length);
    const lastFailure = failures.at(-1)!.activityDateTime;
    expect(lastFailure < at(10, 40).toISOString()).toBe(true);
    const fix = adele.find((e) => e.activityDateTime > lastFailure)!;
    expect(fix.provisioningStatusInfo.status).toBe('success');
    expect(errorOf(failures[0]!)?.errorCategory).toBe('nonServiceFailure');
  });
});

interface Body extends Partial<SynchronizationJob> {
  '@odata.context'?: string;
  value: SynchronizationJob[];
  error: { code: string; message: string };
}

describe('the demo day over HTTPS', () => {
  let tenant: DemoTenant;
  let clock: VirtualClock;
  beforeAll(async () => {
    clock = virtualClock(at(10));
    tenant = await startDemoTenant({ clock, tls: testCertificate(), scenario, reportsRateLimit: false });
  });
  afterAll(() => tenant.close());
  const get = async (path: string) => {
    const response = await fetch(`${tenant.baseUrl}${path}`, { headers: { authorization: 'Bearer t' } });
    return { status: response.status, body: (await response.json()) as Body };
  };

  it('shows fabrikam.local quarantined for TooManyDeletes at 10:00', async () => {
    const { status, body } = await get(
      `/beta/servicePrincipals/${FABRIKAM.servicePrincipalId}/synchronization/jobs`,
    );
    expect(status).toBe(200);
    expect(body['@odata.context']).toBe(
      `${tenant.baseUrl}/beta/$metadata#servicePrincipals('${FABRIKAM.servicePrincipalId}')/synchronization/jobs`,
    );
    expect(body.value[0]).toMatchObject({
      id: DEMO_JOB_IDS.fabrikamProvisioning,
      status: { code: 'Quarantine', quarantine: { reason: 'TooManyDeletes' } },
    });
    const single = await get(
      `/v1.0/servicePrincipals/${FABRIKAM.servicePrincipalId}/synchronization/jobs/${DEMO_JOB_IDS.fabrikamProvisioning}`,
    );
    expect(single.body.status?.code).toBe('Quarantine');
  });

  it('answers 503 from the reporting API during the 21:00-21:30 outage only', async () => {
    clock.set(at(21, 10));
    const outage = await get('/v1.0/auditLogs/provisioning');
    expect(outage.status).toBe(503);
    expect(outage.body.error.code).toBe('ServiceUnavailable');
    expect(
      (await get(`/v1.0/servicePrincipals/${CONTOSO.servicePrincipalId}/synchronization/jobs`)).status,
    ).toBe(200);
    clock.set(at(21, 30));
    expect((await get('/v1.0/auditLogs/provisioning')).status).toBe(200);
  });

  it('defaults to yesterday when no scenario is given', async () => {
    expect(startOfYesterdayUtc(new Date('2026-03-01T05:00:00Z')).toISOString()).toBe(
      '2026-02-28T00:00:00.000Z',
    );
    const defaulted = await startDemoTenant({ clock: virtualClock(at(30)), tls: testCertificate() });
    try {
      expect(defaulted.tenantId).toBe(DEMO_TENANT_ID);
      const response = await fetch(
        `${defaulted.baseUrl}/v1.0/auditLogs/provisioning?$filter=activityDateTime ge ${at(24).toISOString()}&$top=1`,
        { headers: { authorization: 'Bearer t' } },
      );
      expect(((await response.json()) as { value: unknown[] }).value).toHaveLength(1);
    } finally {
      await defaulted.close();
    }
  });
});
