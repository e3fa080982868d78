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
import type { JobStatusRecord } from '../../src/tables/definitions.js';
import {
  HOUR,
  JOB2,
  MIN,
  PHS_JOB,
  SP2,
  TENANT,
  at,
  job,
  observations,
  settings,
  quarantinedFor,
} from '../rules/fixtures.js';
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
  const run = (reason: string | undefined) => runJobs([reason ? quarantined(reason) : healthy()]);
  /** One run that observes these jobs. */
  async function runJobs(jobs: JobStatusRecord[]) {
    runs++;
    const retried = await retryPending(notify);
    let health = await recordDeliveryHealth(state, deliveryOutcomes(retried.results), clock.now());
    const committed = await runAlerting(
      alerting,
      observations({ jobs, deliveryHealth: health, collectedAt: clock.now().toISOString() }),
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
  const quarantined = quarantinedFor;
  /** The job (or another) healthy, as of the clock's now. */
  const healthy = (overrides: Partial<JobStatusRecord> = {}) => {
    const recent = new Date(clock.now().getTime() - 2 * MIN).toISOString();
    return job({ LastExecutionEnded: recent, LastSuccessfulExecutionEnded: recent, ...overrides });
  };
  return { dir, run, runJobs, quarantined, healthy };
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

  it('once it takes messages again, Teams alone is caught up on what it missed that is still open', async () => {
    const { runJobs, quarantined, healthy } = await setUp();
    teams.failNext(100_000, { status: 404 });
    const fabrikam = { JobId: JOB2, ServicePrincipalId: SP2, ConfigurationName: 'fabrikam.local' };
    const phs = { JobId: PHS_JOB, TemplateId: 'AD2AADPasswordHash' };
    // Three days down. The main job is quarantined throughout (a new reason every 3 hours); password
    // hash sync is quarantined from hour 20 to 40 (resolved while Teams was down); fabrikam's job is
    // quarantined from hour 50 on and never changes again (its NEW is given up on Teams at once).
    for (let h = 0; h < 72; h++) {
      await runJobs([
        quarantined(REASONS[Math.floor(h / 3) % REASONS.length]!),
        h >= 20 && h < 40 ? quarantined('QuarantinedOnDemand', phs) : healthy(phs),
        h >= 50 ? quarantined('EncounteredQuarantineException', fabrikam) : healthy(fabrikam),
      ]);
      clock.advance(HOUR);
    }
    expect(teams.accepted).toHaveLength(0);
    const fabrikamOnEmail = acs.sends.filter((s) => /fabrikam\.local/.test(JSON.stringify(s.message)));
    expect(fabrikamOnEmail.length).toBeGreaterThan(0);

    // Fixed; the next message (a new reason for the main job) reaches Teams.
    teams.clearFaults();
    const still = () => [
      quarantined('QuarantinedOnDemand'),
      healthy(phs),
      quarantined('EncounteredQuarantineException', fabrikam),
    ];
    await runJobs(still());
    expect(teams.accepted).toHaveLength(1);
    expect(cardTexts()[0]).not.toMatch(/fabrikam/);
    const emails = acs.sends.length;

    // The next run, with no news of the jobs: Teams gets the catch-up, email none (it was told).
    clock.advance(5 * MIN);
    await runJobs(still());
    expect(teams.accepted).toHaveLength(2);
    // Teams is healthy again: email hears that notification-failing resolved, nothing else.
    expect(emailSubjects().slice(emails)).toEqual([
      expect.stringMatching(/^\[RESOLVED\] Notifications through teams/),
    ]);
    const catchUp = cardTexts()[1]!;
    expect(catchUp).toMatch(
      /Catch-up: \d+ alert messages were given up on this channel since 2026-03-02 12:00 UTC/,
    );
    expect(catchUp).toMatch(/1 more was resolved meanwhile/);
    expect(catchUp).toMatch(/STILL FIRING/);
    expect(catchUp).toMatch(/fabrikam\.local/);
    // The main job was told by the first message after the fix: not again.
    expect(catchUp).not.toMatch(/contoso\.com/);

    // Caught up: no second catch-up.
    clock.advance(5 * MIN);
    await runJobs(still());
    expect(teams.accepted).toHaveLength(2);
  }, 180_000);
});
