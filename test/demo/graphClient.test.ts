import { Client, GraphError, PageIterator } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { virtualClock } from '../../src/clock.js';
import { CONTOSO, DEMO_JOB_IDS, FABRIKAM, SAAS_APP } from '../../src/demo/demoDayTimeline.js';
import type {
  OnPremisesAgent,
  ProvisioningObjectSummary,
  ServicePrincipal,
  SynchronizationJob,
} from '../../src/demo/graphTypes.js';
import { demoDayScenario } from '../../src/demo/scenario.js';
import { startDemoTenant, type DemoTenant } from '../../src/demo/server.js';
import { testCertificate } from '../support/tls.js';

const DAY = new Date('2026-11-22T00:00:00Z');
const HOUR = 3600_000;

let tenant: DemoTenant;
let client: Client;

beforeAll(async () => {
  tenant = await startDemoTenant({
    clock: virtualClock(new Date(DAY.getTime() + 24 * HOUR)),
    tls: testCertificate(),
    scenario: demoDayScenario({ dayStart: DAY }),
    reportsRateLimit: false,
  });
  client = Client.init({
    baseUrl: tenant.baseUrl,
    customHosts: new Set(['127.0.0.1']),
    authProvider: (done) => done(null, 'token'),
  });
});
afterAll(() => tenant.close());

interface Collection<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

async function iterate<T>(first: Collection<T>): Promise<T[]> {
  const items: T[] = [];
  const iterator = new PageIterator(client, first, (item) => {
    items.push(item as T);
    return true;
  });
  await iterator.iterate();
  return items;
}

describe('the real @microsoft/microsoft-graph-client against the demo tenant', () => {
  it('reads the organization', async () => {
    const organization: Collection<{ id: string }> = await client.api('/organization').select('id').get();
    expect(organization.value).toEqual([{ id: tenant.tenantId }]);
  });

  it('pages the service principals with $select and finds the two Cloud Sync configurations', async () => {
    const first: Collection<ServicePrincipal> = await client
      .api('/servicePrincipals')
      .select(['id', 'displayName', 'appDisplayName', 'applicationTemplateId'])
      .top(999)
      .get();
    expect(first.value).toHaveLength(999);
    expect(Object.keys(first.value[0]!).sort()).toEqual([
      'appDisplayName',
      'applicationTemplateId',
      'displayName',
      'id',
    ]);
    const all = await iterate(first);
    expect(all).toHaveLength(1_503);
    const cloudSync = all.filter(
      (sp) => sp.appDisplayName === 'Active Directory to Azure Active Directory Provisioning',
    );
    expect(cloudSync.map((sp) => [sp.id, sp.displayName, sp.applicationTemplateId])).toEqual([
      [CONTOSO.servicePrincipalId, 'contoso.com', '1a4721b3-e57f-4451-ae87-ef078703ec94'],
      [FABRIKAM.servicePrincipalId, 'fabrikam.local', null],
    ]);
  });

  it('filters service principals on appDisplayName and applicationTemplateId', async () => {
    const byApp: Collection<ServicePrincipal> = await client
      .api('/servicePrincipals')
      .filter("appDisplayName eq 'Active Directory to Azure Active Directory Provisioning'")
      .select('id')
      .get();
    expect(byApp.value.map((sp: { id: string }) => sp.id)).toEqual([
      CONTOSO.servicePrincipalId,
      FABRIKAM.servicePrincipalId,
    ]);
    const byTemplate: Collection<ServicePrincipal> = await client
      .api('/servicePrincipals')
      .filter("applicationTemplateId eq '1a4721b3-e57f-4451-ae87-ef078703ec94'")
      .get();
    expect(byTemplate.value).toHaveLength(1);
    expect(byTemplate.value[0]!.servicePrincipalNames).toContain(
      'http://adapplicationregistry.onmicrosoft.com/adprovisioningtoaad/primary',
    );
  });

  it('reads synchronization jobs in v1.0 and beta, and gets a GraphError for an unknown service principal', async () => {
    const v1: Collection<SynchronizationJob> = await client
      .api(`/servicePrincipals/${CONTOSO.servicePrincipalId}/synchronization/jobs`)
      .get();
    expect(v1.value.map((job: { id: string; templateId: string }) => [job.id, job.templateId])).toEqual([
      [DEMO_JOB_IDS.contosoProvisioning, 'AD2AADProvisioning'],
      [DEMO_JOB_IDS.contosoPasswordHash, 'AD2AADPasswordHash'],
      [DEMO_JOB_IDS.contosoDeviceSync, 'AD2AADDeviceSync'],
    ]);
    const beta: Collection<SynchronizationJob> = await client
      .api(`/servicePrincipals/${SAAS_APP.servicePrincipalId}/synchronization/jobs`)
      .version('beta')
      .get();
    expect(beta.value[0]!.templateId).toBe('aws');
    const error = await client
      .api('/servicePrincipals/00000000-0000-4000-8000-000000000000/synchronization/jobs')
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    expect((error as GraphError).statusCode).toBe(404);
    expect((error as GraphError).code).toBe('Request_ResourceNotFound');
  });

  it('reads the beta provisioning agents with their groups', async () => {
    const agents: Collection<OnPremisesAgent> = await client
      .api("/onPremisesPublishingProfiles('provisioning')/agents")
      .version('beta')
      .expand('agentGroups')
      .get();
    expect(
      agents.value.map((a: { machineName: string; status: string }) => [a.machineName, a.status]),
    ).toEqual([
      ['CSYNC01.contoso.com', 'Active'],
      ['CSYNC02.contoso.com', 'active'],
      ['FABSYNC01.fabrikam.local', 'active'],
    ]);
    expect(agents.value[2]!.agentGroups).toEqual([
      {
        id: 'b0c9d8e7-f6a5-4b4c-9d3e-2f1a0b9c8d7e',
        displayName: 'fabrikam.local',
        isDefault: false,
        publishingType: 'provisioning',
      },
    ]);
    const plain: Collection<Partial<OnPremisesAgent>> = await client
      .api('/onPremisesPublishingProfiles/provisioning/agents')
      .version('beta')
      .get();
    expect(plain.value[0]!.agentGroups).toBeUndefined();
  });

  it('follows provisioning nextLinks over the whole day with a time filter', async () => {
    const from = new Date(DAY.getTime() + 9 * HOUR).toISOString();
    const to = new Date(DAY.getTime() + 9 * HOUR + 5 * 60_000).toISOString();
    const first: Collection<ProvisioningObjectSummary> = await client
      .api('/auditLogs/provisioning')
      .filter(`activityDateTime ge ${from} and activityDateTime lt ${to}`)
      .orderby('activityDateTime asc')
      .top(250)
      .get();
    const events = await iterate(first);
    const staged = events.filter((e) => e.provisioningAction.toLowerCase() === 'stageddelete');
    expect(staged).toHaveLength(600);
    expect(new Set(staged.map((e) => e.jobId))).toEqual(
      new Set([`AD2AADProvisioning.${FABRIKAM.servicePrincipalId.replaceAll('-', '')}.${tenant.tenantId}`]),
    );
    expect(tenant.stats.provisioningEventsServed).toBeGreaterThanOrEqual(events.length);
  });
});
