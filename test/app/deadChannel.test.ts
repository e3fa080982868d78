import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAlerting, writeAlertRows } from '../../src/alerts/alerting.js';
import { deliverOutbox } from '../../src/app/deliverOutbox.js';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import { loadSettings } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { deliveryOutcomes, recordDeliveryHealth } from '../../src/notify/deliveryHealthStore.js';
import { retryPending, type NotifyDependencies } from '../../src/notify/dispatch.js';
import { NdjsonSink } from '../../src/sinks/ndjsonSink.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import { HOUR, MIN, TENANT, at, iso, job, observations, settings } from '../rules/fixtures.js';
import { readTable } from '../support/collectHarness.js';
import { AcsEmailServer } from '../support/acsEmailServer.js';
import { TeamsWebhookServer } from '../support/teamsWebhookServer.js';

/**
 * A deleted Teams workflow (404 to every post) while a job keeps changing (a quarantine whose reason
 * changes): the stages of a monitor run in their order (deliver pending, evaluate and commit, notify,
 * write alert rows, with delivery health recorded after each delivery step), through the Teams and ACS
 * stand-ins and a file state store, on the virtual clock. Before: Teams drained one message every
 * NOTIFY_PENDING_MAX_HOURS (each message queued behind the first got a fresh 48 hours once tried),
 * the outbox grew with every run, and after ~580 messages no commit fit the state store: no email, no
 * row, ever again. Now a channel's messages expire with the channel, and no channel keeps more than a
 * bounded backlog: email goes on, and Teams, once fixed, gets the news of now, not of days ago.
 */
const REASONS = [
  'EncounteredQuarantineException',
  'QuarantinedOnDemand',
  'Unknown',
  'EncounteredEscrowProportionThreshold',
];

let teams: TeamsWebhookServer;
let acs: AcsEmailServer;
let clock: VirtualClock;

beforeEach(async () => {
  clock = virtualClock(at(0));
  teams = await TeamsWebhookServer.start();
  acs = await AcsEmailServer.start({ now: () => clock.now() });
});
afterEach(async () => {
  await Promise.all([teams.close(), acs.close()]);
});

async function setUp() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dead-channel-'));
  const state = new FileStateStore(path.join(dir, 'state'));
  const sink = new NdjsonSink(dir);
  const all = loadSettings(
    {},
    {
      DATA_DIR: dir,
      TEAMS_WEBHOOK_URL: teams.webhookUrl,
      ALERT_EMAIL_CONNECTION_STRING: acs.connectionString,
      ALERT_EMAIL_SENDER: 'DoNotReply@contoso.example',
      ALERT_EMAIL_TO: 'ops@contoso.example',
      EMAIL_MAX_PER_HOUR: '100000',
      EMAIL_MAX_PER_MINUTE: '10000',
    },
  );
  const notify: NotifyDependencies = { state, clock, log: silentLogger, settings: all.notify, dataDir: dir };
  const alerting = {
    state,
    sink,
    clock,
    tenantId: TENANT,
    settings: settings(),
    channels: ['email', 'teams'],
  };
  let runs = 0;
  /** One run; `reason` set: the job is quarantined for it, else it is healthy again. Throws what the commit throws. */
  async function run(reason: string | undefined) {
    runs++;
    const retried = await retryPending(notify);
    let health = await recordDeliveryHealth(state, deliveryOutcomes(retried.results), clock.now());
    const now = clock.now().getTime();
    const recent = new Date(now - 2 * MIN).toISOString();
    const observed = reason
      ? job({
          StatusCode: 'Quarantine',
          QuarantineReason: reason,
          QuarantineSince: iso(-HOUR),
          QuarantineSeriesBegan: iso(-HOUR),
        })
      : job({ LastExecutionEnded: recent, LastSuccessfulExecutionEnded: recent });
    const committed = await runAlerting(
      alerting,
      observations({ jobs: [observed], deliveryHealth: health, collectedAt: clock.now().toISOString() }),
      { id: `alerts-run-${runs}`, createdAt: clock.now().toISOString() },
    );
    const delivered = await deliverOutbox(
      { tenantId: TENANT, notify, ack: all.alerts.ack },
      committed.outbox,
    );
    health = await recordDeliveryHealth(
      state,
      deliveryOutcomes([...delivered.reports.values()].flat()),
      clock.now(),
    );
    await writeAlertRows(alerting, delivered.rowDelivery);
    return { committed, health };
  }
  return { dir, run };
}

const emailSubjects = () =>
  acs.sends.map((s) => String((s.message as { content?: { subject?: string } }).content?.subject));
const cardTexts = () => teams.accepted.map((p) => JSON.stringify(p.body));

describe('a dead Teams channel', () => {
  it('expires what waits behind it with the channel: fixed after 6 days, Teams gets the news of now; email was never held', async () => {
    const { dir, run } = await setUp();
    teams.failNext(100_000, { status: 404 });
    // Six days of hourly runs; the quarantine reason changes every 3 hours (an `updated` each time).
    for (let h = 0; h < 6 * 24; h++) {
      await run(REASONS[Math.floor(h / 3) % REASONS.length]);
      clock.advance(HOUR);
    }
    expect(teams.accepted).toHaveLength(0);
    // Email got every message: the updates, and notification-failing about Teams.
    expect(emailSubjects().length).toBeGreaterThanOrEqual(6 * 8);
    expect(acs.sends.some((s) => /Notifications through teams/.test(JSON.stringify(s.message)))).toBe(true);

    // Rows of the transitions told once Teams had failed for 48 hours say it gave up on Teams.
    const rows = await readTable(dir, 'CloudSyncAlert_CL');
    const late = rows.filter(
      (r) => r.Kind === 'job-quarantined' && Date.parse(String(r.TimeGenerated)) > at(50 * HOUR).getTime(),
    );
    expect(late.length).toBeGreaterThan(0);
    for (const row of late) {
      expect(row.Channels).toEqual(['email']);
      expect((row.Details as { delivery?: Record<string, string> }).delivery).toMatchObject({
        email: 'delivered',
        teams: 'expired',
      });
    }

    // Fixed: Teams gets what happens now, not a backlog of cards from days ago.
    teams.clearFaults();
    await run(REASONS[1]);
    clock.advance(HOUR);
    await run(undefined);
    const cards = cardTexts();
    expect(cards.length).toBeGreaterThan(0);
    expect(cards.length).toBeLessThanOrEqual(3);
    expect(cards.some((c) => /RESOLVED/.test(c))).toBe(true);
  }, 120_000);

  it('a backlog never outgrows the state store: 50 hours of a change every 5-minute run, email to the last run', async () => {
    const { run } = await setUp();
    teams.failNext(100_000, { status: 404 });
    const runs = (50 * HOUR) / (5 * MIN);
    let committed = 0;
    for (let i = 0; i < runs; i++) {
      // Before: from run 582 (48.5 hours) every commit threw StateTooLargeError, on every later run.
      const sent = acs.sends.length;
      await run(REASONS[i % REASONS.length]);
      expect(acs.sends.length).toBe(sent + 1);
      committed++;
      clock.advance(5 * MIN);
    }
    expect(committed).toBe(runs);
    const sentBefore = acs.sends.length;
    await run(REASONS[0]);
    expect(acs.sends.length).toBe(sentBefore + 1);

    // Fixed, and the job healthy: both channels hear the RESOLVED, Teams without 50 hours of backlog.
    teams.clearFaults();
    clock.advance(5 * MIN);
    await run(undefined);
    expect(emailSubjects().at(-1)).toMatch(/RESOLVED/);
    expect(cardTexts().some((c) => /RESOLVED/.test(c))).toBe(true);
    expect(teams.accepted.length).toBeLessThanOrEqual(2);
  }, 180_000);
});
