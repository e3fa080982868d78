import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMonitor } from '../../src/app/monitorRun.js';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import { localStatus } from '../../src/commands/localStatus.js';
import type { DemoTenant } from '../../src/demo/server.js';
import { syntheticScenario } from '../../src/demo/scenario.js';
import { healthReport } from '../../src/health/healthReport.js';
import { silentLogger } from '../../src/log.js';
import { AcsEmailServer } from '../support/acsEmailServer.js';
import { FaultyStateStore } from '../support/faultyStateStore.js';
import {
  dependencies,
  readTable,
  settingsFor,
  startTestTenant,
  tempDataDir,
} from '../support/collectHarness.js';
import { TeamsWebhookServer } from '../support/teamsWebhookServer.js';

/**
 * Issue 11 item 1: a dead channel is an alert. Through the real channels' local servers: a Teams
 * webhook answering 401 for a day of runs opens one notification-failing alert, told by email only;
 * the run rows say degraded, `status` says warning, /health shows the channel; once the webhook works
 * again the held messages arrive in order and the alert resolves. The same with email failing.
 */
const MIN = 60_000;
const HOUR = 60 * MIN;
const START = new Date('2026-11-22T08:00:00Z');

let teams: TeamsWebhookServer;
let acs: AcsEmailServer;
let tenant: DemoTenant;
let clock: VirtualClock;

beforeEach(async () => {
  clock = virtualClock(START);
  teams = await TeamsWebhookServer.start();
  acs = await AcsEmailServer.start({ now: () => clock.now() });
  tenant = await startTestTenant({
    clock,
    scenario: syntheticScenario({ start: new Date(START.getTime() - 2 * HOUR), events: 300, spanMs: HOUR }),
  });
});
afterEach(async () => {
  await Promise.all([teams.close(), acs.close(), tenant.close()]);
});

async function setUp(overrides: Parameters<typeof settingsFor>[2] = {}) {
  const dataDir = await tempDataDir();
  const settings = settingsFor(tenant, dataDir, {
    TEAMS_WEBHOOK_URL: teams.webhookUrl,
    ALERT_EMAIL_CONNECTION_STRING: acs.connectionString,
    ALERT_EMAIL_SENDER: 'DoNotReply@contoso.example',
    ALERT_EMAIL_TO: 'ops@contoso.example',
    ...overrides,
  });
  const deps = await dependencies(settings, clock);
  return { dataDir, settings, deps };
}

const emailText = (): string[] => acs.sends.map((s) => JSON.stringify(s.message));
const teamsText = (): string[] => teams.accepted.map((p) => JSON.stringify(p.body));

describe('delivery health: a failing channel is reported through the others', () => {
  it('Teams answering 401 for a day: one notification-failing by email, runs degraded, status warning; fixed: resolved', async () => {
    const { dataDir, settings, deps } = await setUp();
    teams.failNext(100_000, { status: 401 });

    // A day of runs, every 30 minutes.
    for (let i = 0; i < 48; i++) {
      await runMonitor(deps, { trigger: 'test' });
      clock.advance(30 * MIN);
    }

    const alertRows = await readTable(dataDir, 'CloudSyncAlert_CL');
    const failing = alertRows.filter((r) => r.Kind === 'notification-failing');
    expect(failing.filter((r) => r.Transition === 'new')).toHaveLength(1);
    expect(new Set(failing.map((r) => r.AlertId)).size).toBe(1);
    // Told by email (the NEW once; reminders at most every ALERT_REPEAT_HOURS), never posted to Teams.
    const told = emailText().filter((t) => /Notifications through teams/.test(t));
    expect(told.length).toBeGreaterThanOrEqual(1);
    expect(told.length).toBeLessThanOrEqual(1 + 24 / 4);
    expect(teams.accepted).toHaveLength(0);
    expect(told[0]).toMatch(/401/);

    const runs = await readTable(dataDir, 'CloudSyncMonitorRun_CL');
    expect(runs).toHaveLength(48);
    // The first run found out; every later one is degraded and names the channel.
    expect(runs.slice(1).every((r) => r.Outcome === 'degraded')).toBe(true);
    expect(runs.at(-1)).toMatchObject({ ChannelsFailing: ['teams'] });
    expect(runs.reduce((n, r) => n + Number(r.NotificationsFailed), 0)).toBeGreaterThan(0);

    const status = await localStatus(settings, clock, silentLogger, clock.now());
    expect(status.health).toBe('warning');
    expect(status.openAlerts.some((a) => a.kind === 'notification-failing')).toBe(true);
    const health = await healthReport({
      state: deps.state,
      tenantId: tenant.tenantId,
      now: new Date(clock.now().getTime() - 29 * MIN), // just after the last run
      collectSchedule: settings.collectSchedule,
    });
    expect(health.body.verdict).toBe('degraded');
    expect(health.body.delivery).toContainEqual(
      expect.objectContaining({ channel: 'teams', status: 'failing' }),
    );

    // Fixed: the held messages arrive (oldest first) and the alert resolves, told by email.
    teams.clearFaults();
    for (let i = 0; i < 3; i++) {
      clock.advance(30 * MIN);
      await runMonitor(deps, { trigger: 'test' });
    }
    expect(teams.accepted.length).toBeGreaterThan(0);
    expect(teamsText().some((t) => /Notifications through teams/.test(t))).toBe(false);
    const after = (await readTable(dataDir, 'CloudSyncAlert_CL')).filter(
      (r) => r.Kind === 'notification-failing',
    );
    expect(after.filter((r) => r.Transition === 'resolved')).toHaveLength(1);
    expect(emailText().some((t) => /RESOLVED/.test(t) && /Notifications through teams/.test(t))).toBe(true);
    const lastRuns = (await readTable(dataDir, 'CloudSyncMonitorRun_CL')).slice(-2);
    expect(lastRuns.map((r) => r.Outcome)).toEqual(['success', 'success']);
    expect((await localStatus(settings, clock, silentLogger, clock.now())).openAlerts).not.toContainEqual(
      expect.objectContaining({ kind: 'notification-failing' }),
    );
  }, 240_000);

  it('email failing (401 from ACS): Teams carries notification-failing; fixed: resolved', async () => {
    const { dataDir, settings, deps } = await setUp();
    acs.failNext(100_000, { status: 401 });

    for (let i = 0; i < 12; i++) {
      await runMonitor(deps, { trigger: 'test' });
      clock.advance(30 * MIN);
    }
    expect(acs.sends).toHaveLength(0);
    const cards = teamsText().filter((t) => /Notifications through email/.test(t));
    expect(cards.length).toBeGreaterThanOrEqual(1);
    const rows = (await readTable(dataDir, 'CloudSyncAlert_CL')).filter(
      (r) => r.Kind === 'notification-failing',
    );
    expect(rows.filter((r) => r.Transition === 'new')).toHaveLength(1);
    const runs = await readTable(dataDir, 'CloudSyncMonitorRun_CL');
    expect(runs.at(-1)).toMatchObject({ Outcome: 'degraded', ChannelsFailing: ['email'] });
    expect((await localStatus(settings, clock, silentLogger, clock.now())).health).toBe('warning');

    acs.clearFaults();
    for (let i = 0; i < 3; i++) {
      clock.advance(30 * MIN);
      await runMonitor(deps, { trigger: 'test' });
    }
    expect(acs.sends.length).toBeGreaterThan(0);
    const after = (await readTable(dataDir, 'CloudSyncAlert_CL')).filter(
      (r) => r.Kind === 'notification-failing',
    );
    expect(after.filter((r) => r.Transition === 'resolved')).toHaveLength(1);
    expect(teamsText().some((t) => /RESOLVED/.test(t) && /Notifications through email/.test(t))).toBe(true);
  }, 240_000);

  it('a storage blip while a delivered post is recorded: delivered, the channel healthy, never posted twice', async () => {
    // No hold-down: the first run opens its alerts and sends them.
    const { dataDir, settings, deps: real } = await setUp({ ALERT_HOLD_DOWN_MINUTES: '0' });
    const state = new FaultyStateStore(real.state);
    const deps = { ...real, state, notify: { ...real.notify, state } };
    // The first message's ledger write on Teams fails, every attempt; the store works again afterwards.
    state.fail({ op: 'write', prefix: 'ledger-teams', times: 3 });

    // Runs 6 minutes apart: the send's claim (300 s) has expired at each.
    for (let i = 0; i < 6; i++) {
      await runMonitor(deps, { trigger: 'test' });
      clock.advance(6 * MIN);
    }
    expect(state.failed).toHaveLength(3);
    expect(teams.accepted).toHaveLength(1);

    const alertRows = await readTable(dataDir, 'CloudSyncAlert_CL');
    expect(alertRows.filter((r) => r.Kind === 'notification-failing')).toEqual([]);
    const opened = alertRows.filter((r) => r.Transition === 'new');
    expect(opened.length).toBeGreaterThan(0);
    for (const row of opened) {
      expect(row.Channels).toEqual(expect.arrayContaining(['teams']));
      expect((row.Details as { delivery?: unknown }).delivery).toMatchObject({ teams: 'delivered' });
    }
    const [first, ...later] = await readTable(dataDir, 'CloudSyncMonitorRun_CL');
    const errors = JSON.stringify(first?.Errors);
    expect(errors).toContain('DeliveryNotRecorded');
    expect(errors).not.toContain('DeliveryFailed');
    expect(first).toMatchObject({ NotificationsFailed: 0 });
    expect(later.every((r) => r.ChannelsFailing === null || JSON.stringify(r.ChannelsFailing) === '[]')).toBe(
      true,
    );
    const health = await healthReport({
      state: deps.state,
      tenantId: tenant.tenantId,
      now: new Date(clock.now().getTime() - 5 * MIN),
      collectSchedule: settings.collectSchedule,
    });
    expect(health.body.delivery).toContainEqual(expect.objectContaining({ channel: 'teams', status: 'ok' }));
  }, 240_000);
});
