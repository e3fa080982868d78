import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runAlerting } from '../../src/alerts/alerting.js';
import { deliverOutbox } from '../../src/app/deliverOutbox.js';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import { loadSettings } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { notifyChannels } from '../../src/notify/channels.js';
import { retryPending } from '../../src/notify/dispatch.js';
import { NdjsonSink } from '../../src/sinks/ndjsonSink.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import { MIN, TENANT, at, job, observations, quarantinedJob, settings } from '../rules/fixtures.js';
import { TeamsWebhookServer } from '../support/teamsWebhookServer.js';

/**
 * A receiver's Teams channels are named by their place in its list (`ops.teams`, `ops.teams-2`).
 * Before, removing the first (dead) webhook gave the second its name, and with it the first one's
 * pending queue and the outbox's "not done" marks: the working webhook got NEW and RESOLVED a second
 * time. Now state kept under a name is checked against where the channel delivers
 * (src/notify/channelAddress.ts). (Found by a review helper.)
 */
let dir: string;
let clock: VirtualClock;
let dead: TeamsWebhookServer;
let good: TeamsWebhookServer;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'channel-rename-'));
  clock = virtualClock(at(0));
  [dead, good] = await Promise.all([TeamsWebhookServer.start(), TeamsWebhookServer.start()]);
});
afterEach(async () => {
  await Promise.all([dead.close(), good.close()]);
  await rm(dir, { recursive: true, force: true });
});

/** A monitor run's notify part (deliver pending, evaluate and commit, notify) with these ops webhooks. */
let runs = 0;
async function run(webhooks: string[], firing: boolean) {
  const all = loadSettings(
    {},
    {
      DATA_DIR: dir,
      ALERT_ROUTES: JSON.stringify({ receivers: [{ name: 'ops', teams: webhooks }], defaultReceiver: 'ops' }),
    },
  );
  const state = new FileStateStore(path.join(dir, 'state'));
  const notify = { state, clock, log: silentLogger, settings: all.notify, dataDir: dir };
  const channels = notifyChannels(all.notify).map((c) => c.id);
  await retryPending(notify);
  const recent = new Date(clock.now().getTime() - 2 * MIN).toISOString();
  const observed = firing
    ? quarantinedJob()
    : job({ LastExecutionEnded: recent, LastSuccessfulExecutionEnded: recent });
  const book = await runAlerting(
    { state, sink: new NdjsonSink(dir), clock, tenantId: TENANT, settings: settings(), channels },
    observations({ jobs: [observed] }),
    { id: `alerts-run-${++runs}`, createdAt: clock.now().toISOString() },
  );
  return deliverOutbox({ tenantId: TENANT, notify, ack: all.alerts.ack }, book.outbox);
}

it('removing a dead webhook from a receiver: the remaining one, renamed, does not get NEW and RESOLVED again', async () => {
  // ops has two Teams webhooks: the first (ops.teams) was deleted (404), the second (ops.teams-2) works.
  dead.failNext(1000, { status: 404 });
  await run([dead.webhookUrl, good.webhookUrl], true); // NEW
  clock.advance(5 * MIN);
  await run([dead.webhookUrl, good.webhookUrl], false); // RESOLVED
  const shown = () =>
    good.accepted.map((p) => (/RESOLVED/.test(JSON.stringify(p.body)) ? 'RESOLVED' : 'NEW'));
  expect(shown()).toEqual(['NEW', 'RESOLVED']);

  // The admin removes the dead webhook (the fix the notification-failing alert asks for); the next runs.
  clock.advance(2 * 60 * MIN);
  await run([good.webhookUrl], false);
  clock.advance(5 * MIN);
  await run([good.webhookUrl], false);
  // The working webhook had both already: it must not read "firing" again, then RESOLVED again.
  expect(shown()).toEqual(['NEW', 'RESOLVED']);
});

it('removing webhook A while A and B both hold the NEW: B, renamed, still gets it once', async () => {
  dead.failNext(1000, { status: 503 });
  good.failNext(1, { status: 429, retryAfterSeconds: 3600 });
  await run([dead.webhookUrl, good.webhookUrl], true); // NEW: pending on both
  expect(good.accepted).toHaveLength(0);
  clock.advance(90 * MIN);
  await run([good.webhookUrl], true); // A removed: B is ops.teams now
  clock.advance(5 * MIN);
  await run([good.webhookUrl], true);
  // A's pending entry is dropped without a 'failed' under the name B took, so the outbox offers B the NEW.
  expect(good.accepted.filter((p) => /FIRING|quarantin/i.test(JSON.stringify(p.body)))).toHaveLength(1);
}, 60_000);
