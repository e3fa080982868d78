import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAlerting, writeAlertRows } from '../../src/alerts/alerting.js';
import { ALERT_BOOK_KEY } from '../../src/alerts/book.js';
import { acceptAzureMonitorAlert } from '../../src/app/azureMonitorAlert.js';
import { deliverOutbox, type OutboxDelivery } from '../../src/app/deliverOutbox.js';
import { sendDailyDigest } from '../../src/app/digest.js';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import { loadSettings } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { notifyChannels } from '../../src/notify/channels.js';
import { retryPending, type NotifyDependencies } from '../../src/notify/dispatch.js';
import { NdjsonSink } from '../../src/sinks/ndjsonSink.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import { StateConflictError } from '../../src/state/store.js';
import { MIN, TENANT, at, job, observations, quarantinedJob, settings } from '../rules/fixtures.js';
import { readTable } from '../support/collectHarness.js';
import { AcsEmailServer } from '../support/acsEmailServer.js';
import { FaultyStateStore } from '../support/faultyStateStore.js';
import { azureMonitorFired } from '../support/azureMonitorFired.js';
import { TeamsWebhookServer } from '../support/teamsWebhookServer.js';

/**
 * A brief state-store failure while the outbox is delivered is not a delivery outcome: the message
 * stays in the outbox and goes out once, in commit order (NEW before RESOLVED); a message that was
 * sent but whose ledger write failed is not sent again and is delivered on its alert row. Real local
 * state store, the Teams and ACS stand-ins over HTTPS; the failures are injected into the store.
 */
let dir: string;
let teams: TeamsWebhookServer;
let acs: AcsEmailServer;
let clock: VirtualClock;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'state-trouble-'));
  clock = virtualClock(at(0));
  teams = await TeamsWebhookServer.start();
  acs = await AcsEmailServer.start({ now: () => clock.now() });
});
afterEach(async () => {
  await teams.close();
  await acs.close();
  await rm(dir, { recursive: true, force: true });
});

const quarantined = quarantinedJob();

/** A monitor run's notify part, in its order: pending messages, rules, the outbox, the alert rows. */
function world(env: Record<string, string>) {
  const state = new FaultyStateStore(new FileStateStore(path.join(dir, 'state')));
  const sink = new NdjsonSink(dir);
  const all = loadSettings({}, { DATA_DIR: dir, ...env });
  const notify: NotifyDependencies = { state, clock, log: silentLogger, settings: all.notify, dataDir: dir };
  const channels = notifyChannels(all.notify).map((c) => c.id);
  const alerting = { state, sink, clock, tenantId: TENANT, settings: settings(), channels };
  let runs = 0;
  return {
    state,
    settings: all,
    notify,
    azureMonitor: { tenantId: TENANT, state, sink, clock, log: silentLogger, notify },
    async run(firing: boolean): Promise<OutboxDelivery> {
      runs++;
      await retryPending(notify);
      const recent = new Date(clock.now().getTime() - 2 * MIN).toISOString();
      const healthy = job({ LastExecutionEnded: recent, LastSuccessfulExecutionEnded: recent });
      const book = await runAlerting(alerting, observations({ jobs: [firing ? quarantined : healthy] }), {
        id: `m-run${runs}`,
        createdAt: clock.now().toISOString(),
      });
      const delivery = await deliverOutbox({ tenantId: TENANT, notify, ack: all.alerts.ack }, book.outbox);
      await writeAlertRows({ state, sink, tenantId: TENANT }, delivery.rowDelivery);
      return delivery;
    },
    async outboxIds(): Promise<string[]> {
      const book = (await state.read({ tenantId: TENANT, name: ALERT_BOOK_KEY }))?.value as
        { outbox: { id: string }[] } | undefined;
      return (book?.outbox ?? []).map((e) => e.id);
    },
  };
}

const whatTeamsGot = () =>
  teams.accepted.map((p) => {
    const text = JSON.stringify(p.body);
    return /RESOLVED/.test(text) ? 'RESOLVED' : /quarantin/i.test(text) ? 'NEW' : 'other';
  });

const whatEmailGot = () =>
  acs.sends.map((s) => (/RESOLVED/.test(JSON.stringify(s.message)) ? 'RESOLVED' : 'NEW'));

describe('a brief state-store failure during delivery', () => {
  it('reading the ledger fails once: NEW stays in the outbox and goes out, then RESOLVED', async () => {
    const w = world({ TEAMS_WEBHOOK_URL: teams.webhookUrl });
    w.state.fail({
      op: 'read',
      prefix: 'ledger-teams',
      times: 1,
      error: () => new Error('connect ETIMEDOUT'),
    });

    const first = await w.run(true);
    expect(w.state.failed).toHaveLength(1);
    expect(teams.accepted).toHaveLength(0);
    expect(await w.outboxIds()).toEqual(['m-run1']);

    clock.advance(5 * MIN);
    await w.run(false);
    clock.advance(5 * MIN);
    await w.run(false);

    expect(whatTeamsGot()).toEqual(['NEW', 'RESOLVED']);
    expect(await w.outboxIds()).toEqual([]);
    // Not a failed delivery: deferred, which settles nothing.
    expect(first.reports.get('m-run1')?.find((r) => r.channel === 'teams')).toMatchObject({
      outcome: 'deferred',
      reason: 'state',
    });
  });

  it('the ledger write after a successful post fails: delivered on its row, and never posted again', async () => {
    const w = world({ TEAMS_WEBHOOK_URL: teams.webhookUrl });
    // Every attempt of that one write fails; the store works again afterwards.
    w.state.fail({ op: 'write', prefix: 'ledger-teams', times: 3 });

    const first = await w.run(true);
    const [row] = (await readTable(dir, 'CloudSyncAlert_CL')).filter((r) => r.Transition === 'new');
    expect(row).toMatchObject({ Channels: expect.arrayContaining(['teams']) });
    expect((row?.Details as { delivery?: unknown }).delivery).toMatchObject({ teams: 'delivered' });

    // Runs after the send's claim (300 s) expired: the message is not posted again.
    clock.advance(6 * MIN);
    await w.run(true);
    for (let i = 0; i < 3; i++) {
      clock.advance(6 * MIN);
      await w.run(false);
    }
    expect(whatTeamsGot()).toEqual(['NEW', 'RESOLVED']);
    const report = first.reports.get('m-run1')?.find((r) => r.channel === 'teams');
    expect(report).toMatchObject({ outcome: 'delivered' });
    expect(report?.warning).toMatch(/ledger could not be written/);
  });

  it('creating the pending entry reports an error although it was made: NEW still goes before RESOLVED', async () => {
    const w = world({ TEAMS_WEBHOOK_URL: teams.webhookUrl });
    w.state.fail({ op: 'write', prefix: 'pending-teams', times: 1, afterWriting: true });

    await w.run(true);
    expect(teams.accepted).toHaveLength(0);
    expect(await w.outboxIds()).toEqual(['m-run1']);

    // The next run comes while the entry made by the failed call is still claimed: RESOLVED waits.
    clock.advance(2 * MIN);
    await w.run(false);
    expect(teams.accepted).toHaveLength(0);
    for (let i = 0; i < 3; i++) {
      clock.advance(5 * MIN);
      await w.run(false);
    }
    expect(whatTeamsGot()).toEqual(['NEW', 'RESOLVED']);
    expect(await w.outboxIds()).toEqual([]);
  });

  it('the email quota loses its ETag races: the message stays queued, in order', async () => {
    const w = world({
      ALERT_EMAIL_CONNECTION_STRING: acs.connectionString,
      ALERT_EMAIL_SENDER: 'DoNotReply@contoso.example',
      ALERT_EMAIL_TO: 'ops@contoso.example',
    });
    // Others take every slot write of this run (more rounds than updateState makes).
    w.state.fail({
      op: 'write',
      prefix: 'quota-email',
      times: 100,
      error: (key) => new StateConflictError(key),
    });

    const first = await w.run(true);
    expect(acs.sends).toHaveLength(0);
    expect(await w.outboxIds()).toEqual(['m-run1']);
    w.state.heal();

    // The next run comes within the claim of the failed send (300 s): RESOLVED goes after NEW.
    clock.advance(2 * MIN);
    await w.run(false);
    clock.advance(5 * MIN);
    await w.run(false);
    expect(whatEmailGot()).toEqual(['NEW', 'RESOLVED']);
    expect(first.reports.get('m-run1')?.find((r) => r.channel === 'email')).toMatchObject({
      outcome: 'pending',
      reason: 'state',
    });
  });

  it('an Azure Monitor alert meets a failing ledger read: the call fails, its retry posts it once', async () => {
    const w = world({ TEAMS_WEBHOOK_URL: teams.webhookUrl });
    w.state.fail({ op: 'read', prefix: 'ledger-teams', times: 1 });
    const alert = azureMonitorFired(clock.now());
    // Not marked seen: a 500, and Azure Monitor calls again.
    await expect(acceptAzureMonitorAlert(w.azureMonitor, alert)).rejects.toThrow(
      /could not be queued on teams/,
    );
    expect(teams.accepted).toHaveLength(0);
    clock.advance(MIN);
    expect(await acceptAzureMonitorAlert(w.azureMonitor, alert)).toMatchObject({ accepted: true });
    expect(await acceptAzureMonitorAlert(w.azureMonitor, alert)).toMatchObject({ status: 409 });

    expect(teams.accepted).toHaveLength(1);
    const rows = await readTable(dir, 'CloudSyncAlert_CL');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ Channels: expect.arrayContaining(['teams']) });
  });

  it('an Azure Monitor alert meets a failing listing of the queue: the call fails, its retry posts it once', async () => {
    const w = world({ TEAMS_WEBHOOK_URL: teams.webhookUrl });
    // dispatch lists what waits on each channel (to queue behind it): the state store's trouble, not Teams'.
    w.state.fail({ op: 'list', prefix: 'pending-', times: 1 });
    const alert = azureMonitorFired(clock.now());
    await expect(acceptAzureMonitorAlert(w.azureMonitor, alert)).rejects.toThrow(
      /could not be queued on email, teams: 503 ServerBusy/,
    );
    expect(teams.accepted).toHaveLength(0);
    clock.advance(MIN);
    expect(await acceptAzureMonitorAlert(w.azureMonitor, alert)).toMatchObject({ accepted: true });
    expect(teams.accepted).toHaveLength(1);
  });

  it('the daily digest meets a failing ledger read: not marked sent, and the next call posts it once', async () => {
    const w = world({ TEAMS_WEBHOOK_URL: teams.webhookUrl });
    w.state.fail({ op: 'read', prefix: 'ledger-teams', times: 1 });
    const input = {
      state: w.state,
      tenantId: TENANT,
      now: clock.now(),
      settings: w.settings,
      notify: w.notify,
    };

    await expect(sendDailyDigest(input)).rejects.toThrow(/could not be queued on teams/);
    expect(teams.accepted).toHaveLength(0);
    const again = await sendDailyDigest(input);
    expect(again.report?.channels.map((c) => c.outcome)).toEqual(
      expect.arrayContaining(['delivered', 'duplicate']),
    );
    expect((await sendDailyDigest(input)).report).toBeUndefined();
    expect(teams.accepted).toHaveLength(1);
  });
});
