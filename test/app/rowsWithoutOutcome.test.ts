import { afterEach, beforeEach, expect, it } from 'vitest';
import { runMonitor } from '../../src/app/monitorRun.js';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import type { DemoTenant } from '../../src/demo/server.js';
import { syntheticScenario } from '../../src/demo/scenario.js';
import { AcsEmailServer } from '../support/acsEmailServer.js';
import {
  dependencies,
  readTable,
  settingsFor,
  startTestTenant,
  tempDataDir,
} from '../support/collectHarness.js';
import { FaultyStateStore } from '../support/faultyStateStore.js';
import { TeamsWebhookServer } from '../support/teamsWebhookServer.js';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAlerting, writeAlertRows } from '../../src/alerts/alerting.js';
import { deliverOutbox } from '../../src/app/deliverOutbox.js';
import { loadSettings } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { notifyChannels } from '../../src/notify/channels.js';
import { retryPending } from '../../src/notify/dispatch.js';
import { NdjsonSink } from '../../src/sinks/ndjsonSink.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import {
  MIN,
  TENANT,
  job,
  observations,
  quarantinedJob,
  settings as alertSettings,
} from '../rules/fixtures.js';

/**
 * A CloudSyncAlert_CL row's Channels are the receiver channels that confirmed delivery. Before, a row
 * the notify stage gave no outcome for (the stage failed on a state blip, or the transition was held
 * behind an earlier message) kept the commit's list of every receiver channel: it read as delivered
 * everywhere while nobody had it. (Found by a review helper.)
 */
const HOUR = 3600_000;
const T0 = new Date('2026-11-23T08:00:00.000Z');
let clock: VirtualClock;
let acs: AcsEmailServer;
let teams: TeamsWebhookServer;
let tenant: DemoTenant;
beforeEach(async () => {
  clock = virtualClock(T0);
  acs = await AcsEmailServer.start({ now: () => clock.now() });
  teams = await TeamsWebhookServer.start();
  tenant = await startTestTenant({
    clock,
    scenario: syntheticScenario({ start: new Date(T0.getTime() - 2 * HOUR), events: 300, spanMs: HOUR }),
  });
});
afterEach(async () => {
  await Promise.all([acs.close(), teams.close(), tenant.close()]);
});

async function setUp(env: Record<string, string>) {
  const dataDir = await tempDataDir();
  const settings = settingsFor(tenant, dataDir, {
    ALERT_EMAIL_CONNECTION_STRING: acs.connectionString,
    ALERT_EMAIL_SENDER: 'DoNotReply@contoso.example',
    ALERT_EMAIL_TO: 'ops@contoso.example',
    ALERT_HOLD_DOWN_MINUTES: '0',
    ...env,
  });
  const deps = await dependencies(settings, clock);
  const faulty = new FaultyStateStore(deps.state);
  return { dataDir, faulty, deps: { ...deps, state: faulty, notify: { ...deps.notify, state: faulty } } };
}

it('routing: a state blip while the routes are decided sends nothing, and no row says a channel confirmed it', async () => {
  const { dataDir, faulty, deps } = await setUp({
    ALERT_ROUTES: JSON.stringify({
      receivers: [
        { name: 'ops', email: ['ops@contoso.example'] },
        { name: 'team', teams: [teams.webhookUrl] },
      ],
      routes: [{ match: { kind: 'monitor-degraded' }, receivers: ['team'] }],
      defaultReceiver: 'ops',
    }),
  });
  // The per-route repeat memory cannot be written once (a 503 from Table Storage).
  faulty.fail({ op: 'write', prefix: 'routing-told', times: 1 });
  const first = await runMonitor(deps, { trigger: 'test' });
  expect(first.transitions.length).toBeGreaterThan(0);
  expect(acs.sends).toHaveLength(0);
  expect(teams.accepted).toHaveLength(0);
  const rows = (await readTable(dataDir, 'CloudSyncAlert_CL')).filter(
    (r) => r.Details && (r.Details as { notified?: boolean }).notified,
  );
  expect(rows.length).toBeGreaterThan(0);
  // Nothing was delivered: no row may name a channel as having confirmed it.
  expect(rows.map((r) => r.Channels)).toEqual(rows.map(() => []));
}, 120_000);

it('no routing: the outbox settle write fails after Teams answered 429: the NEW row does not say Teams confirmed it', async () => {
  const { dataDir, faulty, deps } = await setUp({ TEAMS_WEBHOOK_URL: teams.webhookUrl });
  teams.failNext(1, { status: 429, retryAfterSeconds: 7200 });
  // The write that records what settled where (the alert book, after the sends) fails once.
  let commits = 0;
  faulty.fail({
    op: 'write',
    prefix: 'alerts-book',
    times: 1,
    writing: (v) => Array.isArray((v as { outbox?: unknown[] }).outbox) && ++commits === 2,
  });
  const first = await runMonitor(deps, { trigger: 'test' });
  expect(first.transitions.length).toBeGreaterThan(0);
  expect(first.delivery).toBeUndefined(); // deliverOutbox threw (its settle write failed)
  expect(faulty.failed).toContain('write alerts-book');
  expect(teams.accepted).toHaveLength(0);
  const rows = (await readTable(dataDir, 'CloudSyncAlert_CL')).filter((r) => r.Transition === 'new');
  expect(rows.length).toBeGreaterThan(0);
  // Teams has not got it (it waits for its Retry-After): its rows must not say Teams confirmed it.
  for (const r of rows) expect(r.Channels).not.toContain('teams');
}, 120_000);

it('a RESOLVED held behind its NEW (Teams Retry-After) is written with no channel confirmed, queued on Teams', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rows-held-'));
  const state = new FileStateStore(path.join(dir, 'state'));
  const sink = new NdjsonSink(dir);
  const all = loadSettings(
    {},
    {
      DATA_DIR: dir,
      ALERT_ROUTES: JSON.stringify({
        receivers: [
          { name: 'ops', teams: [teams.webhookUrl] },
          { name: 'audit', email: ['audit@contoso.example'] },
        ],
        routes: [{ match: { kind: 'coverage-gap' }, receivers: ['audit'] }],
        defaultReceiver: 'ops',
      }),
    },
  );
  const notify = { state, clock, log: silentLogger, settings: all.notify, dataDir: dir };
  const channels = notifyChannels(all.notify).map((c) => c.id);
  const alerting = { state, sink, clock, tenantId: TENANT, settings: alertSettings(), channels };
  teams.failNext(1, { status: 429, retryAfterSeconds: 7200 });
  let n = 0;
  const run = async (firing: boolean) => {
    await retryPending(notify);
    const recent = new Date(clock.now().getTime() - 2 * MIN).toISOString();
    const observed = firing
      ? quarantinedJob()
      : job({ LastExecutionEnded: recent, LastSuccessfulExecutionEnded: recent });
    const book = await runAlerting(alerting, observations({ jobs: [observed] }), {
      id: `m-${++n}`,
      createdAt: clock.now().toISOString(),
    });
    const delivery = await deliverOutbox({ tenantId: TENANT, notify, ack: all.alerts.ack }, book.outbox);
    await writeAlertRows(alerting, delivery.rowDelivery);
  };
  await run(true); // NEW: Teams says 429, retry in 2 h
  clock.advance(5 * MIN);
  await run(false); // RESOLVED: held behind NEW on ops.teams, sent nowhere yet
  expect(teams.accepted).toHaveLength(0);
  const resolved = (await readTable(dir, 'CloudSyncAlert_CL')).find((r) => r.Transition === 'resolved');
  // Nobody has it (ops.teams holds it behind NEW; audit.email is not even routed to): none confirmed.
  expect(resolved?.Channels).toEqual([]);
  expect((resolved?.Details as { delivery?: unknown }).delivery).toEqual({ 'ops.teams': 'queued' });
});
