import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { virtualClock } from '../../src/clock.js';
import { syntheticScenario } from '../../src/demo/scenario.js';
import type { SynchronizationJob } from '../../src/demo/graphTypes.js';
import { startDemoTenant, type DemoTenant } from '../../src/demo/server.js';
import { SYNTHETIC_CONFIGURATION, SYNTHETIC_TENANT_ID } from '../../src/demo/syntheticScenario.js';
import { testCertificate } from '../support/tls.js';

const START = new Date('2026-11-20T00:00:00Z');
const DAY = 24 * 3600_000;
const EVENTS = 200_000;

interface Collection<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

describe('the synthetic scenario', () => {
  const scenario = syntheticScenario({ start: START, events: EVENTS });
  let tenant: DemoTenant;
  beforeAll(async () => {
    tenant = await startDemoTenant({
      clock: virtualClock(new Date(START.getTime() + DAY + 5 * 60_000)),
      tls: testCertificate(),
      scenario,
      reportsRateLimit: false,
    });
  });
  afterAll(() => tenant.close());

  it('builds 200,000 events lazily: creating the scenario materialises nothing', () => {
    const began = performance.now();
    const big = syntheticScenario({ start: START, events: 10_000_000, spanMs: 30 * DAY });
    expect(performance.now() - began).toBeLessThan(50);
    expect(big.provisioning.count).toBe(10_000_000);
    expect(big.provisioning.eventAt(9_999_999).id).toBe(big.provisioning.keyAt(9_999_999).id);
  });

  it('orders events by strictly increasing activityDateTime within the span', () => {
    const log = scenario.provisioning;
    let previous = -Infinity;
    for (let i = 0; i < EVENTS; i += 997) {
      const { timeMs } = log.keyAt(i);
      expect(timeMs).toBeGreaterThan(previous);
      previous = timeMs;
    }
    expect(log.keyAt(0).timeMs).toBeGreaterThanOrEqual(START.getTime());
    expect(log.keyAt(EVENTS - 1).timeMs).toBeLessThan(START.getTime() + DAY);
    expect(() => syntheticScenario({ start: START, events: 10, spanMs: 5 })).toThrow(RangeError);
  });

  it('serves any stretch of the log by filter without walking it', async () => {
    const target = scenario.provisioning.keyAt(150_000);
    const began = performance.now();
    const response = await fetch(
      `${tenant.baseUrl}/v1.0/auditLogs/provisioning?$orderby=activityDateTime asc&$top=1000&$filter=activityDateTime ge ${new Date(target.timeMs).toISOString()}`,
      { headers: { authorization: 'Bearer t' } },
    );
    const page = (await response.json()) as Collection<{ id: string }>;
    expect(page.value).toHaveLength(1000);
    expect(page.value[0]!.id).toBe(target.id);
    const next = (await (
      await fetch(page['@odata.nextLink']!, { headers: { authorization: 'Bearer t' } })
    ).json()) as Collection<{ id: string }>;
    expect(next.value[0]!.id).toBe(scenario.provisioning.keyAt(151_000).id);
    expect(performance.now() - began).toBeLessThan(2_000);
  });

  it('has one healthy configuration whose events all belong to its job, with mixed results', async () => {
    const jobs = (await (
      await fetch(
        `${tenant.baseUrl}/v1.0/servicePrincipals/${SYNTHETIC_CONFIGURATION.servicePrincipalId}/synchronization/jobs`,
        {
          headers: { authorization: 'Bearer t' },
        },
      )
    ).json()) as Collection<SynchronizationJob>;
    expect(jobs.value).toHaveLength(1);
    const job = jobs.value[0]!;
    expect(job.status.code).toBe('Active');
    const statuses = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const event = scenario.provisioning.eventAt(i);
      expect(event.jobId.startsWith(job.id)).toBe(true);
      expect(event.tenantId).toBe(SYNTHETIC_TENANT_ID);
      statuses.add(event.provisioningStatusInfo.status);
    }
    expect(statuses).toEqual(new Set(['success', 'failure', 'skipped', 'warning']));
  });

  it('reports per-cycle counts that match the events of the cycle', () => {
    const small = syntheticScenario({ start: START, events: 3_000, spanMs: 3600_000 });
    const job = small.jobs(
      SYNTHETIC_CONFIGURATION.servicePrincipalId,
      new Date(START.getTime() + 30 * 60_000),
    )![0]!;
    const execution = job.status.lastExecution!;
    const began = Date.parse(execution.timeBegan);
    let inCycle = 0;
    for (let i = 0; i < small.provisioning.count; i++) {
      const { timeMs } = small.provisioning.keyAt(i);
      if (timeMs >= began && timeMs < began + 120_000) inCycle++;
    }
    expect(execution.countImported).toBe(inCycle);
    expect(small.provisioning.eventAt(0).cycleId).toBe(small.provisioning.eventAt(1).cycleId);
  });
});
