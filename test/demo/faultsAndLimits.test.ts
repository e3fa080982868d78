import { Client, GraphError, RetryHandlerOptions } from '@microsoft/microsoft-graph-client';
import { afterEach, describe, expect, it } from 'vitest';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import { syntheticScenario } from '../../src/demo/scenario.js';
import { startDemoTenant, type DemoTenant, type DemoTenantOptions } from '../../src/demo/server.js';
import { testCertificate } from '../support/tls.js';

const START = new Date('2026-11-22T06:00:00Z');
const HOUR = 3600_000;
const tenants: DemoTenant[] = [];

afterEach(async () => {
  await Promise.all(tenants.splice(0).map((t) => t.close()));
});

async function tenantWith(
  options: Partial<DemoTenantOptions> = {},
): Promise<{ tenant: DemoTenant; clock: VirtualClock }> {
  const clock = virtualClock(new Date(START.getTime() + 2 * HOUR));
  const tenant = await startDemoTenant({
    clock,
    tls: testCertificate(),
    scenario: syntheticScenario({ start: START, events: 500, spanMs: HOUR }),
    ...options,
  });
  tenants.push(tenant);
  return { tenant, clock };
}

const auth = { authorization: 'Bearer token' };

interface ErrorBody {
  error: { code: string; message: string; innerError: Record<string, string> };
}
interface Page {
  value: { id?: string; activityDateTime: string }[];
  '@odata.nextLink'?: string;
}
const provisioning = (tenant: DemoTenant, query = '$top=50') =>
  `${tenant.baseUrl}/v1.0/auditLogs/provisioning?${query}`;

describe('reporting API rate limit (on the scenario clock)', () => {
  it('answers the 6th request within 10 s with 429 TooManyRequests and a Retry-After in whole seconds', async () => {
    const { tenant, clock } = await tenantWith();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await fetch(provisioning(tenant), { headers: auth })).status);
      clock.advance(1_000);
    }
    const throttled = await fetch(provisioning(tenant), { headers: auth });
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(throttled.status).toBe(429);
    // The oldest admitted request was 5 s ago: 5 s to wait.
    expect(throttled.headers.get('retry-after')).toBe('5');
    const body = (await throttled.json()) as ErrorBody;
    expect(body.error.code).toBe('TooManyRequests');
    expect(body.error.innerError).toMatchObject({ date: '2026-11-22T08:00:05' });
    expect(tenant.stats.throttled).toBe(1);

    clock.advance(5_000);
    expect((await fetch(provisioning(tenant), { headers: auth })).status).toBe(200);
  });

  it('limits only the reporting API, and can be switched off', async () => {
    const { tenant } = await tenantWith();
    for (let i = 0; i < 8; i++) {
      expect((await fetch(`${tenant.baseUrl}/v1.0/servicePrincipals?$top=5`, { headers: auth })).status).toBe(
        200,
      );
    }
    const { tenant: unlimited } = await tenantWith({ reportsRateLimit: false });
    for (let i = 0; i < 8; i++)
      expect((await fetch(provisioning(unlimited), { headers: auth })).status).toBe(200);
    expect(unlimited.stats.throttled).toBe(0);
  });

  it('honours a custom limit', async () => {
    const { tenant, clock } = await tenantWith({ reportsRateLimit: { requests: 2, windowMs: 1_000 } });
    expect((await fetch(provisioning(tenant), { headers: auth })).status).toBe(200);
    expect((await fetch(provisioning(tenant), { headers: auth })).status).toBe(200);
    const third = await fetch(provisioning(tenant), { headers: auth });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    clock.advance(1_000);
    expect((await fetch(provisioning(tenant), { headers: auth })).status).toBe(200);
  });
});

describe('injected faults', () => {
  it('fires a status fault after `afterMatching` matching requests, `times` times, with Retry-After', async () => {
    const { tenant } = await tenantWith({ reportsRateLimit: false });
    tenant.injectFault({
      kind: 'status',
      route: 'provisioning',
      status: 503,
      retryAfterSeconds: 2,
      times: 2,
      afterMatching: 1,
    });
    tenant.injectFault({ kind: 'status', route: 'provisioning', status: 429 });
    // Requests on other routes do not count.
    expect((await fetch(`${tenant.baseUrl}/v1.0/organization`, { headers: auth })).status).toBe(200);
    const sequence: (string | number)[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await fetch(provisioning(tenant), { headers: auth });
      sequence.push(response.status);
      if (response.status === 503) sequence.push(`retry-after=${response.headers.get('retry-after')}`);
    }
    expect(sequence).toEqual([200, 503, 'retry-after=2', 503, 'retry-after=2', 429, 200]);
    expect(tenant.stats.throttled).toBe(1);
    expect(tenant.stats.faultsApplied).toBe(3);
  });

  it('lets the Graph client retry an injected 429 and succeed', async () => {
    const { tenant } = await tenantWith({ reportsRateLimit: false });
    tenant.injectFault({ kind: 'status', route: 'jobs', status: 429, retryAfterSeconds: 1 });
    const client = Client.init({
      baseUrl: tenant.baseUrl,
      customHosts: new Set(['127.0.0.1']),
      authProvider: (done) => done(null, 'token'),
    });
    const began = Date.now();
    const jobs = await client
      .api('/servicePrincipals/6b7c8d9e-0f1a-4b2c-9d3e-4f5a6b7c8d9e/synchronization/jobs')
      .middlewareOptions([new RetryHandlerOptions(0, 1)])
      .get();
    expect(Date.now() - began).toBeGreaterThanOrEqual(1_000);
    expect(jobs.value).toHaveLength(1);
    expect(tenant.stats.byRoute.jobs).toBe(2);
  });

  it('hangs a request on a timeout fault until the client gives up, and close() drops it', async () => {
    const { tenant } = await tenantWith();
    tenant.injectFault({ kind: 'timeout', route: 'organization' });
    const hung = await fetch(`${tenant.baseUrl}/v1.0/organization`, {
      headers: auth,
      signal: AbortSignal.timeout(300),
    }).catch((e: unknown) => e);
    expect((hung as Error).name).toBe('TimeoutError');
    expect((await fetch(`${tenant.baseUrl}/v1.0/organization`, { headers: auth })).status).toBe(200);

    tenant.injectFault({ kind: 'timeout', route: 'organization' });
    const pending = fetch(`${tenant.baseUrl}/v1.0/organization`, { headers: auth }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await tenant.close();
    expect(await pending).toBeInstanceOf(Error);
  });

  it('cuts a page mid-JSON on a truncatedPage fault', async () => {
    const { tenant } = await tenantWith({ reportsRateLimit: false });
    tenant.injectFault({ kind: 'truncatedPage', route: 'provisioning' });
    const response = await fetch(provisioning(tenant), { headers: auth });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.startsWith('{"@odata.context"')).toBe(true);
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
    const next = await fetch(provisioning(tenant), { headers: auth });
    expect(JSON.parse(await next.text())).toHaveProperty('value');
  });

  it('puts one malformed record among the valid ones of the next page', async () => {
    const { tenant } = await tenantWith({ reportsRateLimit: false });
    tenant.injectFault({ kind: 'malformedRecord', afterMatching: 1 });
    const first = (await (await fetch(provisioning(tenant), { headers: auth })).json()) as Page;
    const second = (await (await fetch(first['@odata.nextLink']!, { headers: auth })).json()) as Page;
    const bad = (page: Page) => page.value.filter((e) => Number.isNaN(Date.parse(e.activityDateTime)));
    expect(bad(first)).toHaveLength(0);
    expect(bad(second)).toHaveLength(1);
    expect(bad(second)[0]!.id).toBeUndefined();
    expect(second.value).toHaveLength(51);
    expect(tenant.stats.provisioningEventsServed).toBe(100);
  });

  it('validates faults', async () => {
    const { tenant } = await tenantWith();
    expect(() => tenant.injectFault({ kind: 'status', route: 'jobs', status: 200 })).toThrow(RangeError);
    expect(() => tenant.injectFault({ kind: 'timeout', route: 'jobs', times: 0 })).toThrow(RangeError);
    expect(() => tenant.injectFault({ kind: 'malformedRecord', afterMatching: -1 })).toThrow(RangeError);
  });
});

describe('authentication, unknown resources and the agents API', () => {
  it('requires a bearer token', async () => {
    const { tenant } = await tenantWith();
    const response = await fetch(`${tenant.baseUrl}/v1.0/organization`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as ErrorBody).error.code).toBe('InvalidAuthenticationToken');
  });

  it('answers 404 with a Graph error body for anything else, without echoing the token', async () => {
    const { tenant } = await tenantWith();
    for (const path of ['/v1.0/users', '/v1.0/onPremisesPublishingProfiles/provisioning/agents', '/']) {
      const response = await fetch(`${tenant.baseUrl}${path}`, {
        headers: { authorization: 'Bearer super-secret' },
      });
      expect(response.status).toBe(404);
      const text = await response.text();
      expect(JSON.parse(text).error.code).toBe('Request_ResourceNotFound');
      expect(text).not.toContain('super-secret');
    }
    const post = await fetch(`${tenant.baseUrl}/v1.0/organization`, { method: 'POST', headers: auth });
    expect(post.status).toBe(404);
    expect(tenant.stats.byRoute.unmatched).toBe(4);
  });

  it("answers the agents API with 403 Authorization_RequestDenied when it is 'forbidden'", async () => {
    const { tenant } = await tenantWith({ agentsApi: 'forbidden' });
    const client = Client.init({
      baseUrl: tenant.baseUrl,
      customHosts: new Set(['127.0.0.1']),
      authProvider: (done) => done(null, 'app-only-token'),
    });
    const error = await client
      .api("/onPremisesPublishingProfiles('provisioning')/agents")
      .version('beta')
      .expand('agentGroups')
      .get()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    expect((error as GraphError).statusCode).toBe(403);
    expect((error as GraphError).code).toBe('Authorization_RequestDenied');
  });
});
