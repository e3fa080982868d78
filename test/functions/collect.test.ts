import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { offsetClock } from '../../src/clock.js';
import type { DemoTenant } from '../../src/demo/server.js';
import { syntheticScenario } from '../../src/demo/scenario.js';
import { readTable, startTestTenant, tempDataDir } from '../support/collectHarness.js';

const START = new Date('2026-11-22T06:00:00Z');
const timer = (isPastDue = false): Timer => ({
  isPastDue,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: '', next: '', lastUpdated: '' },
});

function context() {
  const lines: string[] = [];
  const ctx = new InvocationContext({
    functionName: 'collect',
    invocationId: 'test-invocation',
    logHandler: (level, ...args) => lines.push(`${level}: ${args.map(String).join(' ')}`),
  });
  return { ctx, lines };
}

describe('functions/collect (timer handler invoked directly)', () => {
  let tenant: DemoTenant;
  const saved = { ...process.env };

  beforeAll(async () => {
    // The tenant runs in real time, with its synthetic hour already in the past.
    tenant = await startTestTenant({
      clock: offsetClock(new Date(START.getTime() + 2 * 3600_000)),
      scenario: syntheticScenario({ start: START, events: 250, spanMs: 3600_000 }),
    });
  });
  afterAll(() => tenant.close());
  afterEach(() => {
    process.env = { ...saved };
  });

  it('runs one collection from app settings and writes the records', async () => {
    const dataDir = await tempDataDir();
    Object.assign(process.env, {
      GRAPH_BASE_URL: tenant.baseUrl,
      GRAPH_ACCESS_TOKEN: 'function-test-token',
      TENANT_ID: tenant.tenantId,
      DATA_DIR: dataDir,
      PROVISIONING_LOOKBACK_HOURS: '720',
    });
    const { collect } = await import('../../functions/collect.js');
    const { ctx, lines } = context();

    await collect(timer(true), ctx);

    expect(lines.some((l) => l.startsWith('warning') && l.includes('isPastDue'))).toBe(true);
    expect(await readTable(dataDir, 'CloudSyncProvisioning_CL')).toHaveLength(250);
    const [runRow] = await readTable(dataDir, 'CloudSyncMonitorRun_CL');
    expect(runRow).toMatchObject({ Trigger: 'timer', Outcome: 'success', AADTenantId: tenant.tenantId });
    expect(lines.join('\n')).not.toContain('function-test-token');
  });

  it('fails the invocation with a clear message when a setting is bad, writing nothing', async () => {
    const dataDir = await tempDataDir();
    Object.assign(process.env, {
      GRAPH_BASE_URL: 'http://insecure.example',
      DATA_DIR: dataDir,
      PROVISIONING_PAGE_SIZE: 'lots',
    });
    const { collect } = await import('../../functions/collect.js');
    const { ctx } = context();

    await expect(collect(timer(), ctx)).rejects.toThrow(/GRAPH_BASE_URL[\s\S]*PROVISIONING_PAGE_SIZE/);
    expect(await readTable(dataDir, 'CloudSyncMonitorRun_CL')).toHaveLength(0);
  });
});
