import type { Alert, Transition } from '../domain/alertModel.js';
import type { AlertBook, MissedOnChannel, OutboxEntry } from './book.js';

/**
 * Catching a receiver channel up on what it missed. A channel that stays down has messages given up
 * on it (NOTIFY_PENDING_MAX_HOURS after it began failing, its backlog over OUTBOX_BACKLOG_MAX, the
 * book's outbox cut to OUTBOX_MAX, a refusal for good) while the other channels go on, so it never
 * hears what they were told. Each alert of a message given up on a channel is noted against that
 * channel and forgotten once a later message tells the channel of it. When the channel takes messages
 * again and has nothing left waiting, one message goes to it alone: the noted alerts still open, as
 * reminders, with a note of since when and how much it missed. Before, such an alert reached that
 * channel at its next reminder (ALERT_REPEAT_HOURS; for warnings ALERT_REPEAT_WARNING_HOURS), and one
 * that only changed in silence never did.
 */

/** What one delivery did with one message on one receiver channel. */
export interface Heard {
  readonly channel: string;
  /** `told`: the channel has the message (now or before); `missed`: the message was given up on it. */
  readonly outcome: 'told' | 'missed';
  readonly alertIds: readonly string[];
  /** When the message was committed. */
  readonly createdAt: string;
}

/** Alerts noted per channel at most: the newest are kept (the oldest are the likeliest resolved). */
export const MISSED_ALERTS_MAX = 500;

/** The notes after these deliveries, taken in outbox order (a later message's word wins). */
export function noteHeard(
  missed: Readonly<Record<string, MissedOnChannel>> | undefined,
  heard: readonly Heard[],
): Record<string, MissedOnChannel> {
  const notes = new Map(Object.entries(missed ?? {}).map(([c, note]) => [c, { ...note }]));
  for (const { channel, outcome, alertIds, createdAt } of heard) {
    const note = notes.get(channel);
    if (outcome === 'told') {
      if (note) note.alertIds = note.alertIds.filter((id) => !alertIds.includes(id));
      continue;
    }
    const ids = [...(note?.alertIds ?? []).filter((id) => !alertIds.includes(id)), ...alertIds];
    notes.set(channel, {
      since: note && note.since < createdAt ? note.since : createdAt,
      givenUp: (note?.givenUp ?? 0) + 1,
      alertIds: ids.slice(-MISSED_ALERTS_MAX),
    });
  }
  return Object.fromEntries(notes);
}

/**
 * The book with a catch-up message queued for each channel that is up again (took a message in this
 * delivery) and has nothing left waiting, and those channels' notes cleared. A note whose alerts are
 * all resolved is cleared with no message: there is nothing left to act on, and the digest has them.
 * Notes of channels the deployment no longer has are dropped. A note is kept when the channel's
 * address changed: that is most often the fix (a new workflow URL for the same Teams channel).
 */
export function queueCatchUps(
  book: AlertBook,
  up: ReadonlySet<string>,
  all: readonly string[],
  now: Date,
): AlertBook {
  if (!book.missed) return book;
  const byId = new Map(book.alerts.map((alert) => [alert.id, alert]));
  const missed: Record<string, MissedOnChannel> = {};
  const entries: OutboxEntry[] = [];
  for (const [channel, note] of Object.entries(book.missed)) {
    if (!all.includes(channel)) continue;
    const waiting = book.outbox.some((entry) => !entry.done.includes(channel));
    if (!up.has(channel) || waiting) {
      missed[channel] = note;
      continue;
    }
    const alerts = note.alertIds.map((id) => byId.get(id));
    const open = alerts.filter((alert): alert is Alert => alert !== undefined && stillToTell(alert));
    if (open.length === 0) continue;
    const at = now.toISOString();
    entries.push({
      id: `catch-up-${channel}-${at}`,
      createdAt: at,
      transitions: open.map((alert): Transition => ({ transition: 'repeat', at, alert })),
      done: all.filter((c) => c !== channel),
      catchUp: {
        channel,
        since: note.since,
        givenUp: note.givenUp,
        resolved: alerts.filter((alert) => alert === undefined || alert.state === 'resolved').length,
      },
    });
  }
  return withMissed({ ...book, outbox: [...book.outbox, ...entries] }, missed);
}

/** The book with these notes (none: no `missed` field, as a book that never missed anything). */
export function withMissed(book: AlertBook, missed: Readonly<Record<string, MissedOnChannel>>): AlertBook {
  const { missed: _, ...rest } = book;
  return Object.keys(missed).length > 0 ? { ...rest, missed } : rest;
}

/** Open and told as such: not acknowledged, silenced or muted by another alert (those would not remind). */
function stillToTell(alert: Alert): boolean {
  return alert.state === 'open' && !alert.silencedBy && !alert.inhibitedBy;
}
