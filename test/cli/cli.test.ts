import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { virtualClock } from '../../src/clock.js';
import type { DemoTenant } from '../../src/demo/server.js';
import { demoDayScenario } from '../../src/demo/scenario.js';
import { duplicatesOf, readTable, startTestTenant, tempDataDir } from '../support/collectHarness.js';
import { cli } from './cliProcess.js';

const DAY = new Date('2026-11-21T00:00:00Z');

describe('cloudsync-monitor CLI', () => {
  let tenant: DemoTenant;
  beforeAll(async () => {
    // The tenant stands still at 10:00 of its demo day (the CLI's --now says the same instant), so two
    // runs see the same data. Its rate limit is measured on that frozen clock, so it is off here.
    tenant = await startTestTenant({
      clock: virtualClock(new Date(DAY.getTime() + 10 * 3600_000)),
      scenario: demoDayScenario({ dayStart: DAY }),
      reportsRateLimit: false,
    });
  });
  afterAll(() => tenant.close());

  const envFor = (dataDir: string) => ({
    GRAPH_BASE_URL: tenant.baseUrl,
    GRAPH_ACCESS_TOKEN: 'cli-test-token',
    DATA_DIR: dataDir,
    TENANT_ID: tenant.tenantId,
  });

  it('run --now collects into DATA_DIR/tables, and a second run at the same instant adds no event', async () => {
    const dataDir = await tempDataDir();
    const first = await cli(['run', '--now', '2026-11-21T10:00:00Z'], envFor(dataDir));
    expect(first.stderr).not.toContain('cli-test-token');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('fabrikam.local');
    const events = await readTable(dataDir, 'CloudSyncProvisioning_CL');
    expect(events.length).toBeGreaterThan(500);
    expect(events.some((e) => e.ProvisioningAction === 'StagedDelete')).toBe(true);
    const jobs = await readTable(dataDir, 'CloudSyncJobStatus_CL');
    expect(jobs.find((j) => j.ConfigurationName === 'fabrikam.local')).toMatchObject({
      StatusCode: 'Quarantine',
      QuarantineReason: 'TooManyDeletes',
    });

    const second = await cli(['run', '--now', '2026-11-21T10:00:00Z'], envFor(dataDir));
    expect(second.code).toBe(0);
    const after = await readTable(dataDir, 'CloudSyncProvisioning_CL');
    expect(after).toHaveLength(events.length);
    expect(duplicatesOf(after.map((e) => e.EventId))).toEqual([]);
    expect(await readTable(dataDir, 'CloudSyncMonitorRun_CL')).toHaveLength(2);
  });

  it('status --live exits 2 (critical) while a job is quarantined, with --json for machines', async () => {
    const dataDir = await tempDataDir();
    const result = await cli(
      ['status', '--live', '--json', '--now', '2026-11-21T10:00:00Z'],
      envFor(dataDir),
    );
    expect(result.code).toBe(2);
    const body = JSON.parse(result.stdout) as {
      health: string;
      findings: { subject: string; message: string }[];
    };
    expect(body.health).toBe('critical');
    expect(
      body.findings.some((f) => f.subject.startsWith('fabrikam.local') && /quarantined/.test(f.message)),
    ).toBe(true);
  });
});
