import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/alerts/fingerprint.js';
import type { OutboxEntry } from '../../src/alerts/book.js';
import { deliverOutbox } from '../../src/app/deliverOutbox.js';
import { runMonitor } from '../../src/app/monitorRun.js';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import { loadSettings, type Settings } from '../../src/config.js';
import type { DemoTenant } from '../../src/demo/server.js';
import { syntheticScenario } from '../../src/demo/scenario.js';
import type { Alert, AlertKind, Severity, Transition, TransitionKind } from '../../src/domain/alertModel.js';
import { silentLogger } from '../../src/log.js';
import { dispatch, retryPending, type NotifyDependencies } from '../../src/notify/dispatch.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import { AcsEmailServer } from '../support/acsEmailServer.js';
import {
  dependencies,
  readTable,
  settingsFor,
  startTestTenant,
  tempDataDir,
} from '../support/collectHarness.js';
import { TeamsWebhookServer } from '../support/teamsWebhookServer.js';
import { message } from '../notify/helpers.js';

/**
 * Issue 11 item 2: routing, through the real channels' local servers (ACS email with the real SDK,
 * Teams Workflows webhooks). Per-domain receivers, `continue`, the default receiver, per-route repeat
 * intervals, digest receivers; and a receiver channel that refuses the monitor is named in
 * notification-failing, which reaches the others.
 */
const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = new Date('2026-11-23T08:00:00.000Z');
const TENANT = '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d';
const SP = 'c0a1d2e3-4b5c-4d6e-8f70-8192a3b4c5d6';

let dir: string;
let clock: VirtualClock;
let acs: AcsEmailServer;
let contosoTeams: TeamsWebhookServer;
let fabrikamTeams: TeamsWebhookServer;
let oncallTeams: TeamsWebhookServer;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'routing-'));
  clock = virtualClock(T0);
  acs = await AcsEmailServer.start({ now: () => clock.now() });
  [contosoTeams, fabrikamTeams, oncallTeams] = await Promise.all([
    TeamsWebhookServer.start(),
    TeamsWebhookServer.start(),
    TeamsWebhookServer.start(),
  ]);
});
afterEach(async () => {
  await Promise.all([acs.close(), contosoTeams.close(), fabrikamTeams.close(), oncallTeams.close()]);
  await rm(dir, { recursive: true, force: true });
});

/** Per-domain teams, critical also to on-call (continue, hourly reminders), the rest to ops. */
function routes() {
  return {
    receivers: [
      { name: 'ops', email: ['ops@contoso.example'] },
      { name: 'contoso', email: ['identity@contoso.example'], teams: [contosoTeams.webhookUrl] },
      { name: 'fabrikam', teams: fabrikamTeams.webhookUrl },
      { name: 'oncall', teams: [oncallTeams.webhookUrl] },
    ],
    routes: [
      { match: { severity: 'critical' }, receivers: ['oncall'], continue: true, repeatIntervalHours: 1 },
      { match: { configuration: 'contoso.com' }, receivers: ['contoso'] },
      { match: { configuration: ['fabrikam.local', 'fabrikam.com'] }, receivers: ['fabrikam'] },
    ],
    defaultReceiver: 'ops',
    digestReceivers: ['ops', 'contoso'],
  };
}

function settingsWith(document: unknown, extra: Record<string, string> = {}): Settings {
  return loadSettings(
    {},
    {
      DATA_DIR: dir,
      ALERT_EMAIL_CONNECTION_STRING: acs.connectionString,
      ALERT_EMAIL_SENDER: 'DoNotReply@contoso.example',
      ALERT_ROUTES: JSON.stringify(document),
      NOTIFY_TIMEOUT_SECONDS: '5',
      ...extra,
    },
  );
}

function notifyDeps(settings: Settings): NotifyDependencies {
  const state = new FileStateStore(path.join(dir, 'state'));
  return { state, clock, log: silentLogger, settings: settings.notify, dataDir: dir };
}

function alert(kind: AlertKind, severity: Severity, configurationName?: string, summary = `${kind}`): Alert {
  const subject = {
    tenantId: TENANT,
    servicePrincipalId: SP,
    ...(configurationName ? { configurationName } : {}),
    jobId: `AD2AADProvisioning.${configurationName ?? 'monitor'}`,
    templateId: 'AD2AADProvisioning',
  };
  return {
    id: fingerprint(kind, subject),
    kind,
    subject,
    severity,
    summary,
    since: T0.toISOString(),
    materialKey: 'k',
    details: {},
    state: 'open',
    openedAt: T0.toISOString(),
    lastChangedAt: T0.toISOString(),
    lastNotifiedAt: T0.toISOString(),
  };
}

const transition = (t: TransitionKind, a: Alert, at = clock.now()): Transition => ({
  transition: t,
  at: at.toISOString(),
  alert: a,
});

function entry(id: string, transitions: Transition[]): OutboxEntry {
  return { id, createdAt: clock.now().toISOString(), transitions, done: [] };
}

const emailsTo = (address: string): string[] =>
  acs.sends
    .filter((s) => JSON.stringify(s.message.recipients).includes(address))
    .map((s) => String((s.message.content as { plainText: string }).plainText));
const cards = (server: TeamsWebhookServer): string[] => server.accepted.map((p) => JSON.stringify(p.body));

describe('routing through the real channels', () => {
  it('per-domain receivers, continue to on-call, the rest to the default receiver; each once', async () => {
    const settings = settingsWith(routes());
    const notify = notifyDeps(settings);
    const contosoErrors = alert('sync-errors', 'warning', 'contoso.com', 'contoso objects failing');
    const fabrikamQuarantine = alert('job-quarantined', 'critical', 'fabrikam.local', 'fabrikam quarantined');
    const monitor = alert('monitor-degraded', 'warning', undefined, 'monitor cannot read agents');
    const outbox = [
      entry('alerts-1', [
        transition('new', fabrikamQuarantine),
        transition('new', contosoErrors),
        transition('new', monitor),
      ]),
    ];

    const delivered = await deliverOutbox({ tenantId: TENANT, notify, ack: settings.alerts.ack }, outbox);
    // Again, as a re-run after a crash would: the ledger per receiver channel sends nothing twice.
    await deliverOutbox({ tenantId: TENANT, notify, ack: settings.alerts.ack }, outbox);

    expect(emailsTo('identity@contoso.example')).toHaveLength(1);
    expect(emailsTo('identity@contoso.example')[0]).toMatch(/contoso objects failing/);
    expect(emailsTo('identity@contoso.example')[0]).not.toMatch(/fabrikam|monitor cannot/);
    expect(cards(contosoTeams)).toHaveLength(1);
    expect(cards(contosoTeams)[0]).toMatch(/contoso objects failing/);

    expect(cards(fabrikamTeams)).toHaveLength(1);
    expect(cards(fabrikamTeams)[0]).toMatch(/fabrikam quarantined/);
    expect(cards(fabrikamTeams)[0]).not.toMatch(/contoso objects|monitor cannot/);
    // continue: the critical one also reached on-call, and only it.
    expect(cards(oncallTeams)).toHaveLength(1);
    expect(cards(oncallTeams)[0]).toMatch(/fabrikam quarantined/);
    expect(cards(oncallTeams)[0]).not.toMatch(/contoso objects/);
    // No route matched the monitor's own alert: the default receiver.
    expect(emailsTo('ops@contoso.example')).toHaveLength(1);
    expect(emailsTo('ops@contoso.example')[0]).toMatch(/monitor cannot read agents/);
    expect(emailsTo('ops@contoso.example')[0]).not.toMatch(/contoso objects|fabrikam/);

    // The rows say which receiver channels confirmed each transition.
    const outcomes = [...delivered.rowDelivery.values()].map((o) => Object.keys(o).sort());
    expect(outcomes).toEqual(
      expect.arrayContaining([
        ['fabrikam.teams', 'oncall.teams'],
        ['contoso.email', 'contoso.teams'],
        ['ops.email'],
      ]),
    );
    // The lifecycle reminds hourly, as the on-call route asks.
    expect(settings.alerts.repeatMs).toBe(HOUR);
  });

  it('a route repeat interval holds per receiver: on-call hourly, the domain team every ALERT_REPEAT_HOURS', async () => {
    const settings = settingsWith(routes());
    const notify = notifyDeps(settings);
    const quarantine = alert('job-quarantined', 'critical', 'contoso.com', 'contoso quarantined');
    const stalled = alert('sync-stalled', 'warning', 'fabrikam.local', 'fabrikam stalled');
    const deps = { tenantId: TENANT, notify, ack: settings.alerts.ack };
    await deliverOutbox(deps, [
      entry('alerts-0', [transition('new', quarantine), transition('new', stalled)]),
    ]);
    for (let hour = 1; hour <= 8; hour++) {
      clock.set(new Date(T0.getTime() + hour * HOUR + 5 * MIN));
      await deliverOutbox(deps, [
        entry(`alerts-${hour}`, [transition('repeat', quarantine), transition('repeat', stalled)]),
      ]);
    }
    // The lifecycle reminds hourly, warnings too, as the on-call route asks.
    expect(settings.alerts.repeatMs).toBe(HOUR);
    expect(settings.alerts.repeatWarningMs).toBe(HOUR);
    // A warning's team without a route interval: ALERT_REPEAT_WARNING_HOURS (24), so only the NEW.
    expect(cards(fabrikamTeams)).toHaveLength(1);
    expect(cards(oncallTeams).every((c) => !/fabrikam stalled/.test(c))).toBe(true);
    // On-call: the NEW and every hourly reminder.
    expect(cards(oncallTeams)).toHaveLength(9);
    // The domain team: the NEW and a reminder every 4 hours (ALERT_REPEAT_HOURS), by email and Teams.
    expect(cards(contosoTeams)).toHaveLength(3);
    expect(emailsTo('identity@contoso.example')).toHaveLength(3);
    expect(emailsTo('ops@contoso.example')).toHaveLength(0);
  });

  it('the digest goes to the digest receivers only', async () => {
    const settings = settingsWith(routes());
    const report = await dispatch(message('digest-2026-11-23', { kind: 'digest' }), notifyDeps(settings));
    expect(report.channels.map((c) => `${c.channel} ${c.outcome}`).sort()).toEqual([
      'contoso.email delivered',
      'contoso.teams delivered',
      'ops.email delivered',
    ]);
    expect(emailsTo('ops@contoso.example')).toHaveLength(1);
    expect(emailsTo('identity@contoso.example')).toHaveLength(1);
    expect(cards(contosoTeams)).toHaveLength(1);
    expect(fabrikamTeams.posts).toHaveLength(0);
    expect(oncallTeams.posts).toHaveLength(0);
  });

  it('one receiver channel waiting (Retry-After) holds only its own later messages, in order', async () => {
    const settings = settingsWith(routes());
    const notify = notifyDeps(settings);
    const deps = { tenantId: TENANT, notify, ack: settings.alerts.ack };
    const fabrikam = alert('sync-stalled', 'warning', 'fabrikam.local', 'fabrikam stalled');
    const contoso = alert('sync-stalled', 'warning', 'contoso.com', 'contoso stalled');
    fabrikamTeams.failNext(1, { status: 429, retryAfterSeconds: 2 * 3600 });
    const first = entry('alerts-a', [transition('new', fabrikam), transition('new', contoso)]);
    await deliverOutbox(deps, [first]);
    clock.advance(30 * MIN);
    const second = entry('alerts-b', [
      transition('resolved', { ...fabrikam, state: 'resolved' }),
      transition('resolved', { ...contoso, state: 'resolved' }),
    ]);
    const waiting = await deliverOutbox(deps, [
      { ...first, done: ['contoso.email', 'contoso.teams'] },
      second,
    ]);
    expect(fabrikamTeams.accepted).toHaveLength(0);
    // Contoso's team is not held by Fabrikam's webhook.
    expect(cards(contosoTeams)).toHaveLength(2);
    expect(cards(contosoTeams)[1]).toMatch(/RESOLVED/);
    expect(waiting.reports.get('alerts-b')?.some((r) => r.channel === 'fabrikam.teams')).toBe(false);

    clock.advance(2 * HOUR);
    // The deliver-pending stage of the next run sends what waited, then the outbox goes on.
    await retryPending(notify);
    await deliverOutbox(deps, [
      { ...first, done: ['contoso.email', 'contoso.teams', 'oncall.teams', 'ops.email'] },
      { ...second, done: ['contoso.email', 'contoso.teams', 'oncall.teams', 'ops.email'] },
    ]);
    expect(cards(fabrikamTeams)).toHaveLength(2);
    expect(cards(fabrikamTeams)[0]).not.toMatch(/RESOLVED/);
    expect(cards(fabrikamTeams)[1]).toMatch(/RESOLVED/);
  });
  it('a message waiting for a receiver channel that the routing no longer has is dropped, said in the log', async () => {
    const before = settingsWith(routes());
    fabrikamTeams.failNext(1, { status: 429, retryAfterSeconds: 2 * 3600 });
    await dispatch(message('alerts-x'), { ...notifyDeps(before) }, ['fabrikam.teams']);
    const { fabrikam: _gone, ...rest } = Object.fromEntries(routes().receivers.map((r) => [r.name, r]));
    const after = settingsWith({
      ...routes(),
      receivers: Object.values(rest),
      routes: routes().routes.filter((r) => !r.receivers.includes('fabrikam')),
    });
    const lines: string[] = [];
    const log = {
      ...silentLogger,
      error: (m: string, p?: Record<string, unknown>) => void lines.push(`${m} ${JSON.stringify(p)}`),
    };
    clock.advance(3 * HOUR);
    const retried = await retryPending({ ...notifyDeps(after), log });
    expect(retried).toEqual({ results: [], stillPending: 0 });
    expect(fabrikamTeams.accepted).toHaveLength(0);
    expect(lines.join('\n')).toMatch(/fabrikam\.teams is no longer in the routing/);
    // Gone for good: a second retry finds nothing.
    expect((await retryPending(notifyDeps(after))).stillPending).toBe(0);
  });
});

describe('a failing receiver channel is named and told through the others', () => {
  let tenant: DemoTenant;
  beforeEach(async () => {
    tenant = await startTestTenant({
      clock,
      scenario: syntheticScenario({ start: new Date(T0.getTime() - 2 * HOUR), events: 300, spanMs: HOUR }),
    });
  });
  afterEach(() => tenant.close());

  it('team.teams answering 401: notification-failing names it and reaches ops by email; never posted to it', async () => {
    const dataDir = await tempDataDir();
    const document = {
      receivers: [
        { name: 'team', teams: [contosoTeams.webhookUrl] },
        { name: 'ops', email: ['ops@contoso.example'] },
      ],
      routes: [{ match: { kind: 'notification-failing' }, receivers: ['team'] }],
      defaultReceiver: 'team',
    };
    const settings = settingsFor(tenant, dataDir, {
      ALERT_EMAIL_CONNECTION_STRING: acs.connectionString,
      ALERT_EMAIL_SENDER: 'DoNotReply@contoso.example',
      ALERT_ROUTES: JSON.stringify(document),
      ALERT_HOLD_DOWN_MINUTES: '0',
    });
    const deps = await dependencies(settings, clock);
    contosoTeams.failNext(100_000, { status: 401 });
    for (let i = 0; i < 6; i++) {
      await runMonitor(deps, { trigger: 'test' });
      clock.advance(30 * MIN);
    }
    expect(contosoTeams.accepted).toHaveLength(0);
    const told = emailsTo('ops@contoso.example');
    // Its routes lead only to the failing channel, so it goes to every other one: ops, once (NEW).
    expect(told.filter((t) => /team\.teams/.test(t) && /NEW|new/.test(t)).length).toBeGreaterThanOrEqual(1);
    // What to do names the receiver and the Teams fix, not the email one.
    expect(told.some((t) => /Power Automate/.test(t) && /receiver team of ALERT_ROUTES/.test(t))).toBe(true);
    const rows = (await readTable(dataDir, 'CloudSyncAlert_CL')).filter(
      (r) => r.Kind === 'notification-failing',
    );
    expect(rows.filter((r) => r.Transition === 'new')).toHaveLength(1);
    // Its row names the receiver channel that confirmed it.
    expect(rows.find((r) => r.Transition === 'new')).toMatchObject({ Channels: ['ops.email'] });
    const runs = await readTable(dataDir, 'CloudSyncMonitorRun_CL');
    expect(runs.at(-1)).toMatchObject({ Outcome: 'degraded', ChannelsFailing: ['team.teams'] });
    // The webhook URL (a secret) is in no row.
    expect(JSON.stringify(rows)).not.toContain(contosoTeams.signature);
  }, 120_000);
});
