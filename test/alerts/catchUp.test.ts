import { describe, expect, it } from 'vitest';
import { alertBook, emptyAlertBook, type AlertBook } from '../../src/alerts/book.js';
import { MISSED_ALERTS_MAX, noteHeard, queueCatchUps, type Heard } from '../../src/alerts/catchUp.js';
import type { Alert } from '../../src/domain/alertModel.js';
import { HOUR, at, iso, storedAlert } from '../rules/fixtures.js';

/**
 * The notes of what each receiver channel missed, and the catch-up they turn into. The whole path (a
 * dead Teams webhook, then fixed) is in test/app/deadChannel.test.ts; these are the edges.
 */
const missed = (channel: string, alertIds: string[], createdAt = iso(0)): Heard => ({
  channel,
  outcome: 'missed',
  alertIds,
  createdAt,
});
const told = (channel: string, alertIds: string[], createdAt = iso(HOUR)): Heard => ({
  channel,
  outcome: 'told',
  alertIds,
  createdAt,
});
const book = (alerts: Alert[], notes: AlertBook['missed'], outbox: AlertBook['outbox'] = []): AlertBook => ({
  ...emptyAlertBook(),
  alerts,
  outbox,
  ...(notes ? { missed: notes } : {}),
});
const ALL = ['email', 'teams'];

describe('what a channel missed', () => {
  it('is noted per channel from the first message given up, and forgotten as a later message tells it', () => {
    const notes = noteHeard(undefined, [
      missed('teams', ['a', 'b'], iso(0)),
      told('email', ['a', 'b'], iso(0)),
      missed('teams', ['b', 'c'], iso(HOUR)),
      told('teams', ['a'], iso(2 * HOUR)),
    ]);
    expect(notes).toEqual({ teams: { since: iso(0), givenUp: 2, alertIds: ['b', 'c'] } });
    // Stored and read back as the book's own.
    expect(alertBook.parse(book([], notes)).missed).toEqual(notes);
  });

  it('keeps the newest alerts when a channel misses more than it may note', () => {
    const ids = Array.from({ length: MISSED_ALERTS_MAX + 20 }, (_, i) => `a${i}`);
    const notes = noteHeard(undefined, [missed('teams', ids)]);
    expect(notes.teams!.alertIds).toHaveLength(MISSED_ALERTS_MAX);
    expect(notes.teams!.alertIds[0]).toBe('a20');
  });
});

describe('the catch-up', () => {
  const notes = {
    teams: { since: iso(0), givenUp: 7, alertIds: ['open', 'acked', 'gone', 'done', 'muted'] },
  };
  const alerts = [
    storedAlert('open'),
    storedAlert('acked', 'acked', { state: 'acknowledged' }),
    storedAlert('done', 'done', { state: 'resolved' }),
    storedAlert('muted', 'muted', { inhibitedBy: 'open' }),
  ];

  it('goes to the channel alone once it is up with nothing waiting: the open alerts, as reminders', () => {
    const after = queueCatchUps(book(alerts, notes), new Set(['teams']), ALL, at(3 * HOUR));
    expect(after.missed).toBeUndefined();
    expect(after.outbox).toHaveLength(1);
    const entry = after.outbox[0]!;
    expect(entry.done).toEqual(['email']);
    expect(entry.transitions.map((t) => [t.transition, t.alert.id, t.at])).toEqual([
      ['repeat', 'open', iso(3 * HOUR)],
    ]);
    // Resolved, or gone from the book: counted, not told. Acknowledged and muted: neither.
    expect(entry.catchUp).toEqual({ channel: 'teams', since: iso(0), givenUp: 7, resolved: 2 });
    expect(alertBook.parse(after).outbox[0]!.catchUp).toEqual(entry.catchUp);
  });

  it('waits while the channel is not up, or still has messages waiting', () => {
    const waiting = [{ id: 'm1', createdAt: iso(HOUR), transitions: [], done: ['email'] }];
    for (const [up, outbox] of [
      [new Set<string>(), []],
      [new Set(['email']), []],
      [new Set(['teams']), waiting],
    ] as const) {
      const after = queueCatchUps(book(alerts, notes, outbox), up, ALL, at(3 * HOUR));
      expect(after.missed).toEqual(notes);
      expect(after.outbox).toEqual(outbox);
    }
  });

  it('is not sent when nothing it missed is still open, and a channel no longer configured is forgotten', () => {
    const resolvedOnly = { teams: { since: iso(0), givenUp: 1, alertIds: ['done'] } };
    const quiet = queueCatchUps(book(alerts, resolvedOnly), new Set(['teams']), ALL, at(3 * HOUR));
    expect(quiet.outbox).toEqual([]);
    expect(quiet.missed).toBeUndefined();
    const removed = queueCatchUps(book(alerts, notes), new Set(['teams']), ['email'], at(3 * HOUR));
    expect(removed.outbox).toEqual([]);
    expect(removed.missed).toBeUndefined();
  });
});
