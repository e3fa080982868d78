import { mkdtemp } from 'node:fs/promises';
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
import { MIN, TENANT, at, observations, quarantinedJob, settings } from '../rules/fixtures.js';
import { AcsEmailServer } from '../support/acsEmailServer.js';
import { FaultyStateStore } from '../support/faultyStateStore.js';

/**
 * Two receivers whose email channels share recipients (an MSP: each team's receiver also mails the
 * NOC) have the same channelAddress. Sharing an address is no rename: a message one of them settled
 * unsent (its routes send it nothing) is still offered to the other. Before the fix (found by a review
 * helper), doneBy recorded the address of every channel that settled a message, and the NEW deferred
 * by a state blip on one channel was never sent to it.
 */
let clock: VirtualClock;
let acs: AcsEmailServer;
beforeEach(async () => {
  clock = virtualClock(at(0));
  acs = await AcsEmailServer.start({ now: () => clock.now() });
});
afterEach(async () => acs.close());

it('same recipients on two receivers: a NEW deferred by a state blip on one is never sent to it', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shared-address-'));
  const state = new FaultyStateStore(new FileStateStore(path.join(dir, 'state')));
  const all = loadSettings(
    {},
    {
      DATA_DIR: dir,
      ALERT_EMAIL_CONNECTION_STRING: acs.connectionString,
      ALERT_EMAIL_SENDER: 'DoNotReply@contoso.example',
      EMAIL_MAX_PER_HOUR: '100000',
      EMAIL_MAX_PER_MINUTE: '10000',
      ALERT_ROUTES: JSON.stringify({
        receivers: [
          { name: 'sync', email: ['noc@msp.example'] },
          { name: 'other', email: ['noc@msp.example'] },
        ],
        routes: [{ match: { kind: 'job-quarantined' }, receivers: ['sync'] }],
        defaultReceiver: 'other',
      }),
    },
  );
  const notify = { state, clock, log: silentLogger, settings: all.notify, dataDir: dir };
  const channels = notifyChannels(all.notify).map((c) => c.id);
  const alerting = {
    state,
    sink: new NdjsonSink(dir),
    clock,
    tenantId: TENANT,
    settings: settings(),
    channels,
  };
  let n = 0;
  const run = async () => {
    await retryPending(notify);
    const book = await runAlerting(alerting, observations({ jobs: [quarantinedJob()] }), {
      id: `m-${++n}`,
      createdAt: clock.now().toISOString(),
    });
    return deliverOutbox({ tenantId: TENANT, notify, ack: all.alerts.ack }, book.outbox);
  };

  // The pending entry for sync.email cannot be written once (a 503): dispatch defers, the outbox keeps it.
  state.fail({ op: 'write', prefix: 'pending-sync.email', times: 1 });
  const first = await run();
  expect([...first.reports.values()].flat().map((r) => [r.channel, r.outcome])).toEqual([
    ['sync.email', 'deferred'],
  ]);
  for (let i = 0; i < 3; i++) {
    clock.advance(5 * MIN);
    await run();
  }
  // The next run offers it again: the NOC gets the FIRING email once.
  expect(acs.sends.map((s) => JSON.stringify(s.message)).filter((m) => /quarantined/i.test(m))).toHaveLength(
    1,
  );
}, 60_000);
