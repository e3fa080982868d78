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
import { dispatch, retryPending } from '../../src/notify/dispatch.js';
import { NdjsonSink } from '../../src/sinks/ndjsonSink.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import type { JobStatusRecord } from '../../src/tables/definitions.js';
import {
  HOUR,
  JOB2,
  MIN,
  SP2,
  TENANT,
  at,
  observations,
  settings,
  quarantinedFor,
} from '../rules/fixtures.js';
import { TeamsWebhookServer } from '../support/teamsWebhookServer.js';

/**
 * Channel names follow the routing's order, so editing a receiver's webhooks changes what a name
 * stands for. Each case was reproduced by a review helper against the first version of the channel
 * addresses (src/notify/channelAddress.ts): a webhook URL replaced in place (the usual fix for a dead
 * Teams workflow) lost the channel's catch-up and a digest waiting out a 429; removing or reordering
 * webhooks while the second waited out a Retry-After kept it from ever getting the NEW, because
 * `done` and the ledger were kept by name. Now they are matched by destination.
 */
let dir: string;
let clock: VirtualClock;
let a: TeamsWebhookServer;
let b: TeamsWebhookServer;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'channel-address-'));
  clock = virtualClock(at(0));
  [a, b] = await Promise.all([TeamsWebhookServer.start(), TeamsWebhookServer.start()]);
});
afterEach(async () => {
  await Promise.all([a.close(), b.close()]);
  await rm(dir, { recursive: true, force: true });
});

function notifyWith(webhooks: string[], plain = false) {
  const all = loadSettings(
    {},
    {
      DATA_DIR: dir,
      NOTIFY_PENDING_MAX_HOURS: '1',
      ...(plain
        ? { TEAMS_WEBHOOK_URL: webhooks[0]! }
        : {
            ALERT_ROUTES: JSON.stringify({
              receivers: [{ name: 'ops', teams: webhooks }],
              defaultReceiver: 'ops',
            }),
          }),
    },
  );
  const state = new FileStateStore(path.join(dir, 'state'));
  return { all, state, notify: { state, clock, log: silentLogger, settings: all.notify, dataDir: dir } };
}

let runs = 0;
async function runJobs(webhooks: string[], jobs: JobStatusRecord[], plain = false) {
  const { all, state, notify } = notifyWith(webhooks, plain);
  const channels = notifyChannels(all.notify).map((c) => c.id);
  await retryPending(notify);
  const book = await runAlerting(
    {
      state,
      sink: new NdjsonSink(dir),
      clock,
      tenantId: TENANT,
      settings: settings({ repeatMs: 100 * HOUR }),
      channels,
    },
    observations({ jobs, collectedAt: clock.now().toISOString() }),
    { id: `alerts-run-${++runs}`, createdAt: clock.now().toISOString() },
  );
  return deliverOutbox({ tenantId: TENANT, notify, ack: all.alerts.ack }, book.outbox);
}
const quarantined = quarantinedFor;
const fabrikam = { JobId: JOB2, ServicePrincipalId: SP2, ConfigurationName: 'fabrikam.local' };
const REASONS = [
  'EncounteredQuarantineException',
  'QuarantinedOnDemand',
  'Unknown',
  'EncounteredEscrowProportionThreshold',
];
const firingCards = (s: TeamsWebhookServer) =>
  s.accepted.filter((p) => !/RESOLVED/.test(JSON.stringify(p.body)));

// 1. A webhook rotated in place (the usual fix for a dead Teams workflow: a new URL, same Teams channel).
for (const rotate of [false, true]) {
  it(`dead webhook fixed ${rotate ? 'by rotating its URL' : 'in place (same URL)'}: the channel is caught up`, async () => {
    a.failNext(100_000, { status: 404 });
    for (let h = 0; h < 5; h++) {
      await runJobs(
        [a.webhookUrl],
        [quarantined(REASONS[h % 4]!), ...(h >= 1 ? [quarantined('Unknown', fabrikam)] : [])],
        true,
      );
      clock.advance(HOUR);
    }
    expect(a.accepted).toHaveLength(0);
    a.clearFaults();
    const target = rotate ? b : a;
    await runJobs(
      [target.webhookUrl],
      [quarantined('QuarantinedOnDemand'), quarantined('Unknown', fabrikam)],
      true,
    );
    for (let i = 0; i < 3; i++) {
      clock.advance(5 * MIN);
      await runJobs(
        [target.webhookUrl],
        [quarantined('QuarantinedOnDemand'), quarantined('Unknown', fabrikam)],
        true,
      );
    }
    const texts = target.accepted.map((p) => JSON.stringify(p.body));
    expect(texts.some((t) => /Catch-up/.test(t) && /fabrikam\.local/.test(t))).toBe(true);
  }, 60_000);
}

// 2. A digest waiting out a 429 when the webhook URL is rotated in place.
it('a digest pending on a webhook whose URL is rotated reaches the new URL, once', async () => {
  a.failNext(1, { status: 429, retryAfterSeconds: 600 });
  const message = {
    id: 'digest-2026-03-02',
    tenantId: TENANT,
    kind: 'digest' as const,
    createdAt: clock.now().toISOString(),
    email: { subject: 'Daily digest', html: '<p>digest</p>', plainText: 'digest' },
    teams: {
      card: { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'daily digest' }] },
    },
  };
  const first = await dispatch(message, notifyWith([a.webhookUrl]).notify);
  expect(first.channels.map((c) => c.outcome)).toEqual(['pending']);
  clock.advance(15 * MIN);
  await retryPending(notifyWith([b.webhookUrl]).notify); // same Teams channel, new URL
  clock.advance(15 * MIN);
  await retryPending(notifyWith([b.webhookUrl]).notify);
  expect(a.accepted.length + b.accepted.length).toBe(1);
  // The ledger says where it went: dispatched again (a digest run retried), it is a duplicate.
  const again = await dispatch(message, notifyWith([b.webhookUrl]).notify);
  expect(again.channels.map((c) => c.outcome)).toEqual(['duplicate']);
  expect(b.accepted).toHaveLength(1);
});

// 3. Removing (or reordering) webhooks while the second one is waiting: `done` is kept by name.
for (const change of ['remove the first', 'swap the two'] as const) {
  it(`${change} while B waits out a 429: B still gets the NEW`, async () => {
    b.failNext(1, { status: 429, retryAfterSeconds: 3600 });
    await runJobs([a.webhookUrl, b.webhookUrl], [quarantined('Unknown')]); // NEW: A has it, B pending
    expect(firingCards(a)).toHaveLength(1);
    expect(b.accepted).toHaveLength(0);
    clock.advance(90 * MIN);
    const after = change === 'remove the first' ? [b.webhookUrl] : [b.webhookUrl, a.webhookUrl];
    await runJobs(after, [quarantined('Unknown')]);
    clock.advance(5 * MIN);
    await runJobs(after, [quarantined('Unknown')]);
    expect(firingCards(b)).toHaveLength(1);
    expect(firingCards(a)).toHaveLength(1);
  }, 60_000);
}
