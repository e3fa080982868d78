import type { StateStore } from '../state/store.js';
import { updateState } from '../state/update.js';
import type { AlertRecord } from '../tables/definitions.js';
import { ALERT_BOOK_KEY, alertBook, type AlertBook } from './book.js';
import type { Alert, Transition } from '../domain/alertModel.js';
import { transitionRow } from './rows.js';

export {
  AckTokenError,
  ackLink,
  ackUrl,
  signAckToken,
  verifyAckToken,
  type AckPayload,
  type AckTokenProblem,
  type AckVerification,
} from './ackToken.js';

/**
 * Acknowledge / silence (design section 5): an acknowledged alert sends no repeat and no updated
 * notification until it resolves (`until: 'resolve'`) or until the given time; escalation and
 * resolution still notify. Applied to the same ETag'd alert book the runs use, so an acknowledgement
 * and a run cannot overwrite each other.
 */
export interface AcknowledgeInput {
  readonly tenantId: string;
  readonly alertId: string;
  readonly until: 'resolve' | Date;
  /** Who: a name or address from the confirmation form, "ack link", "cli:<user>". Capped, stored as text. */
  readonly by: string;
  readonly now: Date;
}

export class AlertNotFoundError extends Error {
  constructor(
    readonly alertId: string,
    readonly reason: 'unknown' | 'resolved' | 'acknowledged',
  ) {
    super(
      reason === 'resolved'
        ? `alert ${alertId} has already resolved: nothing to acknowledge`
        : `alert ${alertId} is not open (unknown id, or resolved and forgotten)`,
    );
    this.name = 'AlertNotFoundError';
  }
}

/**
 * A second acknowledgement of an alert that is still silenced: nothing changes, no row is written.
 * A subclass of AlertNotFoundError so callers that treat every "nothing to acknowledge" alike stay
 * correct without knowing it; the CLI tells it apart to say who acknowledged it and until when.
 */
export class AlreadyAcknowledgedError extends AlertNotFoundError {
  constructor(readonly alert: Alert) {
    super(alert.id, 'acknowledged');
    this.message = `alert ${alert.id} is already acknowledged by ${alert.acknowledgedBy ?? 'someone'} ${silencedText(alert.silencedUntil)}: nothing changed`;
    this.name = 'AlreadyAcknowledgedError';
  }
}

/** "until it resolves" or "until 2026-11-23T07:00:00.000Z". */
export function silencedText(silencedUntil: string | undefined): string {
  return !silencedUntil || silencedUntil === 'resolve' ? 'until it resolves' : `until ${silencedUntil}`;
}

/** Acknowledged and still silenced: an acknowledgement whose time has passed no longer counts. */
export function isSilenced(alert: Alert, now: Date): boolean {
  if (alert.state !== 'acknowledged') return false;
  if (!alert.silencedUntil || alert.silencedUntil === 'resolve') return true;
  return Date.parse(alert.silencedUntil) > now.getTime();
}

const BY_MAX = 200;
const ROUNDS = 4;

/** Pure: the book with the alert acknowledged, and the `acknowledged` transition. */
export function applyAcknowledgement(
  book: AlertBook,
  input: Omit<AcknowledgeInput, 'tenantId'>,
): { book: AlertBook; transition: Transition } {
  const { alertId, until, now } = input;
  if (until !== 'resolve' && !(until.getTime() > now.getTime())) {
    throw new RangeError('an acknowledgement must last until the alert resolves or until a future time');
  }
  const found = book.alerts.find((a) => a.id === alertId);
  if (!found) throw new AlertNotFoundError(alertId, 'unknown');
  if (found.state === 'resolved') throw new AlertNotFoundError(alertId, 'resolved');
  // Idempotent: a repeated click or command must not write a second row or move `lastChangedAt`.
  if (isSilenced(found, now)) throw new AlreadyAcknowledgedError(found);
  const at = now.toISOString();
  const by = input.by.replace(/\s+/g, ' ').trim().slice(0, BY_MAX) || 'unknown';
  const alert: Alert = {
    ...found,
    state: 'acknowledged',
    silencedUntil: until === 'resolve' ? 'resolve' : until.toISOString(),
    acknowledgedBy: by,
    lastChangedAt: at,
  };
  return {
    book: { ...book, alerts: book.alerts.map((a) => (a.id === alertId ? alert : a)) },
    transition: { transition: 'acknowledged', at, alert },
  };
}

/**
 * Acknowledges an open alert in the stored book. Retries when a run commits in between (the
 * acknowledgement is re-applied to what that run wrote). Returns the transition and its
 * CloudSyncAlert_CL row: the caller writes the row (and may notify the channels).
 */
export async function acknowledge(
  state: StateStore,
  input: AcknowledgeInput,
  options: { readonly channels?: readonly string[] } = {},
): Promise<{ transition: Transition; row: AlertRecord }> {
  // A damaged book is set aside (the next run starts a fresh one): nothing in it can be acknowledged.
  const transition = await updateState(
    state,
    { tenantId: input.tenantId, name: ALERT_BOOK_KEY },
    alertBook,
    (current) => {
      if (!current) throw new AlertNotFoundError(input.alertId, 'unknown');
      const applied = applyAcknowledgement(current, input);
      // An acknowledgement is a notifying transition (one short message: who, until when), committed
      // in the book's outbox with it, so the next run tells every channel, in order after what it
      // already told them. A second acknowledgement throws above: nothing is committed or sent.
      const message = {
        id: `ack-${input.alertId}-${applied.transition.at}`,
        createdAt: applied.transition.at,
        transitions: [applied.transition],
        done: [],
      };
      return {
        value: { ...applied.book, outbox: [...applied.book.outbox, message] },
        result: applied.transition,
      };
    },
    { now: input.now, maxRounds: ROUNDS },
  );
  return { transition, row: transitionRow(transition, options.channels) };
}
