import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ALERT_BOOK_KEY, emptyAlertBook, type AlertBook } from '../../src/alerts/book.js';
import { deliverOutbox } from '../../src/app/deliverOutbox.js';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import { loadSettings } from '../../src/config.js';
import type { Alert } from '../../src/domain/alertModel.js';
import { silentLogger } from '../../src/log.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import { HOUR, MIN, TENANT, at, iso, storedAlert } from '../rules/fixtures.js';
import { TeamsWebhookServer } from '../support/teamsWebhookServer.js';

/**
 * oncall gets critical alerts only (routes). An alert whose NEW was given up on oncall.teams and was
 * lowered to a warning since is no longer routed to oncall: its catch-up must not tell it there. Before
 * the fix (found by a review helper), planOutbox gave a catch-up's transitions to its channel without
 * asking the routes, and the warning arrived as STILL FIRING.
 */
let clock: VirtualClock;
let oncall: TeamsWebhookServer;
beforeEach(async () => {
  clock = virtualClock(at(0));
  oncall = await TeamsWebhookServer.start();
});
afterEach(async () => oncall.close());

it('a catch-up does not tell a channel an alert its routes no longer send it', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'catchup-routes-'));
  const state = new FileStateStore(path.join(dir, 'state'));
  const all = loadSettings(
    {},
    {
      DATA_DIR: dir,
      NOTIFY_PENDING_MAX_HOURS: '1',
      ALERT_ROUTES: JSON.stringify({
        receivers: [
          { name: 'oncall', teams: [oncall.webhookUrl] },
          { name: 'ops', email: ['ops@contoso.example'] },
        ],
        routes: [{ match: { severity: 'critical' }, receivers: ['oncall'] }],
        defaultReceiver: 'ops',
      }),
    },
  );
  const notify = { state, clock, log: silentLogger, settings: all.notify, dataDir: dir };
  const key = { tenantId: TENANT, name: ALERT_BOOK_KEY };
  const read = async () => (await state.read(key))!.value as AlertBook;
  const commit = async (alerts: Alert[], transitions: AlertBook['outbox'][number]['transitions']) => {
    const stored = await state.read(key);
    const book = (stored?.value as AlertBook | undefined) ?? emptyAlertBook();
    const entry = {
      id: `m-${clock.now().getTime()}`,
      createdAt: clock.now().toISOString(),
      transitions,
      done: [],
    };
    const next = { ...book, alerts, outbox: [...book.outbox, entry] };
    await state.write(key, next, stored ? { ifMatch: stored.etag } : { ifNoneMatch: '*' });
    return next.outbox;
  };
  const deliver = async (outbox: AlertBook['outbox']) =>
    deliverOutbox({ tenantId: TENANT, notify, ack: all.alerts.ack }, outbox);

  // X (critical) fires while oncall's webhook is down: its NEW is given up on oncall.teams.
  oncall.failNext(1000, { status: 400 });
  const x = storedAlert('x', 'job-x');
  await deliver(await commit([x], [{ transition: 'new', at: iso(0), alert: x }]));
  clock.advance(2 * HOUR);
  await deliver(await read().then((b) => b.outbox));
  expect((await read()).missed?.['oncall.teams']?.alertIds).toEqual(['x']);

  // X is lowered to a warning (routed to ops only); oncall's webhook works again and a critical Y fires.
  oncall.clearFaults();
  clock.advance(5 * MIN);
  const xWarning = { ...x, severity: 'warning' as const, lastChangedAt: clock.now().toISOString() };
  const y = storedAlert('y', 'job-y', { openedAt: clock.now().toISOString() });
  await deliver(
    await commit(
      [xWarning, y],
      [
        { transition: 'updated', at: clock.now().toISOString(), alert: xWarning },
        { transition: 'new', at: clock.now().toISOString(), alert: y },
      ],
    ),
  );
  clock.advance(5 * MIN);
  await deliver((await read()).outbox);
  const cards = oncall.accepted.map((p) => JSON.stringify(p.body));
  // oncall's routes send it criticals only: X, a warning now, is not for it.
  expect(cards.filter((c) => /job-x/.test(c))).toEqual([]);
}, 60_000);
