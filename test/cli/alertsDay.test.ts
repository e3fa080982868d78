import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_KINDS } from '../../src/domain/alertModel.js';
import { runMonitor } from '../../src/app/monitorRun.js';
import { virtualClock } from '../../src/clock.js';
import { loadSettings } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { createMonitorDependencies } from '../../src/wiring.js';
import type { DemoTenant } from '../../src/demo/server.js';
import { demoDayScenario } from '../../src/demo/scenario.js';
import { readTable, startTestTenant, tempDataDir } from '../support/collectHarness.js';
import { buildProject } from '../support/buildProject.js';

const exec = promisify(execFile);
const DAY = new Date('2026-11-20T00:00:00Z');
const STEP_MS = 10 * 60_000;
/** The built project (shared by the test files that run it as a process: see buildProject). */
let buildDir: string;
/** The runs of the last hour go through the CLI. */
const CLI_RUNS = 6;

/**
 * The whole demo day as a user runs it: a monitor run every 10 minutes, the demo tenant standing at T.
 * Most runs go through the staged run in this process (the same code the CLI calls, at a fraction of
 * the cost of 144 processes on a 2-core machine); the last hours and the digest go through real
 * `cloudsync-monitor` processes on the same data dir, so the CLI's wiring is proven on the same day.
 */
describe('alerts end to end through the CLI over the demo day', () => {
  const clock = virtualClock(DAY);
  let tenant: DemoTenant;
  let dataDir: string;
  let lastInstant: string;
  const env = () => ({
    ...process.env,
    GRAPH_BASE_URL: tenant.baseUrl,
    GRAPH_ACCESS_TOKEN: 'cli-day-token',
    TENANT_ID: tenant.tenantId,
    DATA_DIR: dataDir,
    // At this test's 10-minute cadence the 30-minute reporting outage is seen by three runs only, which
    // is monitor-degraded's own threshold: a hold-down on top would swallow it. The hold-down is tested
    // at the demo's 5-minute cadence (test/alerts/demoDay.test.ts) and in test/alerts/advance.test.ts.
    ALERT_HOLD_DOWN_MINUTES: '0',
  });
  const runInProcess = async (instant: Date) => {
    clock.set(instant);
    const settings = loadSettings(env());
    const deps = await createMonitorDependencies(settings, clock, silentLogger);
    await runMonitor(deps, { trigger: 'test' });
  };
  const runAt = async (instant: Date) => {
    clock.set(instant);
    const { stdout } = await exec(
      process.execPath,
      [path.join(buildDir, 'src/cli.js'), 'run', '--now', instant.toISOString()],
      {
        env: env(),
        timeout: 60_000,
      },
    );
    return stdout;
  };

  beforeAll(async () => {
    buildDir = buildProject();
    tenant = await startTestTenant({
      clock,
      scenario: demoDayScenario({ dayStart: DAY }),
      reportsRateLimit: false,
    });
    dataDir = await tempDataDir();
    const end = DAY.getTime() + 24 * 3600_000;
    for (let at = DAY.getTime() + STEP_MS; at <= end; at += STEP_MS) {
      lastInstant = new Date(at).toISOString();
      if (at > end - CLI_RUNS * STEP_MS) await runAt(new Date(at));
      else await runInProcess(new Date(at));
    }
  }, 600_000);
  afterAll(() => tenant.close());

  it('fires every kind, each incident once, and resolves each once', async () => {
    const rows = await readTable(dataDir, 'CloudSyncAlert_CL');
    const kindsFired = new Set(rows.filter((r) => r.Transition === 'new').map((r) => r.Kind));
    // notification-failing needs a failing channel: test/app/deliveryHealth.test.ts (the demo uses the outbox).
    // coverage-gap needs a week past a configuration's first cycle (COVERAGE_GRACE_DAYS): one demo day
    // cannot show it without adding an incident to the demo day; test/coverage/coverageGap.test.ts shows it.
    const excluded = new Set(['notification-failing', 'coverage-gap']);
    expect(ALERT_KINDS.filter((k) => !excluded.has(k) && !kindsFired.has(k))).toEqual([]);
    const byAlert = new Map<string, string[]>();
    for (const r of rows)
      byAlert.set(r.AlertId as string, [...(byAlert.get(r.AlertId as string) ?? []), r.Transition as string]);
    for (const [id, transitions] of byAlert) {
      expect(
        transitions.filter((t) => t === 'new'),
        id,
      ).toHaveLength(1);
      expect(transitions.filter((t) => t === 'resolved').length, id).toBeLessThanOrEqual(1);
      expect(transitions[0], id).toBe('new');
    }
    // Every incident of the day is over by midnight but the never-fixed object of contoso.com.
    const stillOpen = [...byAlert].filter(([, t]) => !t.includes('resolved'));
    expect(stillOpen.map(([id]) => rows.find((r) => r.AlertId === id)?.Kind)).toEqual(['sync-errors']);
  });

  it('repeats a still-firing alert only after the 4-hour interval', async () => {
    const rows = await readTable(dataDir, 'CloudSyncAlert_CL');
    const notified = new Map<string, number>();
    for (const r of rows) {
      const at = Date.parse(r.TimeGenerated as string);
      if (r.Transition === 'repeat') {
        expect(at - (notified.get(r.AlertId as string) ?? 0)).toBeGreaterThanOrEqual(4 * 3600_000);
      }
      // Rows recorded without a notification (numbers that changed) do not restart the interval.
      if ((r.Details as { notified?: boolean }).notified !== false) notified.set(r.AlertId as string, at);
    }
    expect(rows.some((r) => r.Transition === 'repeat')).toBe(true);
  });

  it('sends one notification per run with transitions, to the outbox, email and Teams payloads alike', async () => {
    const files = await readdir(path.join(dataDir, 'outbox'));
    const email = files.filter((f) => f.includes('-email-'));
    const teams = files.filter((f) => f.includes('-teams-'));
    expect(email.length).toBeGreaterThan(10);
    // The demo day's budget (issue 10): at most 14 messages per channel.
    expect(email.length).toBeLessThanOrEqual(14);
    expect(teams).toHaveLength(email.length);
  });

  it('changes nothing when run again at the same instant', async () => {
    const rowsBefore = (await readTable(dataDir, 'CloudSyncAlert_CL')).length;
    const eventsBefore = (await readTable(dataDir, 'CloudSyncProvisioning_CL')).length;
    const outboxBefore = (await readdir(path.join(dataDir, 'outbox'))).length;
    await runAt(new Date(lastInstant));
    expect((await readTable(dataDir, 'CloudSyncAlert_CL')).length).toBe(rowsBefore);
    expect((await readTable(dataDir, 'CloudSyncProvisioning_CL')).length).toBe(eventsBefore);
    expect((await readdir(path.join(dataDir, 'outbox'))).length).toBe(outboxBefore);
  });

  it('builds the digest of the day from what the runs recorded, once', async () => {
    const now = new Date(DAY.getTime() + 24 * 3600_000).toISOString();
    const first = await exec(process.execPath, [path.join(buildDir, 'src/cli.js'), 'digest', '--now', now], {
      env: env(),
    });
    // The state now, then the day's worst: every critical incident of the demo day was resolved.
    expect(first.stdout).toMatch(
      /Cloud Sync daily digest: (all clear|\d+ warnings? open) now, worst today \d+ critical \(resolved\)/,
    );
    expect(first.stdout).toMatch(/email: delivered \(outbox\)/);
    const second = await exec(process.execPath, [path.join(buildDir, 'src/cli.js'), 'digest', '--now', now], {
      env: env(),
    });
    expect(second.stdout).toContain('already sent');
  });
});
