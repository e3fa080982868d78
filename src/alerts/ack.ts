import { StateConflictError, type StateStore } from '../state/store.js';
import type { AlertRecord } from '../tables/definitions.js';
import { ALERT_BOOK_KEY, alertBook, type AlertBook } from './book.js';
import type { Alert, Transition } from '../domain/alertModel.js';
import { transitionRow } from './rows.js';
import { readStoredState } from '../state/storedState.js';

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
    readonly reason: 'unknown' | 'resolved',
  ) {
    super(
      reason === 'resolved'
        ? `alert ${alertId} has already resolved: nothing to acknowledge`
        : `alert ${alertId} is not open (unknown id, or resolved and forgotten)`,
    );
    this.name = 'AlertNotFoundError';
  }
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
  const key = { tenantId: input.tenantId, name: ALERT_BOOK_KEY };
  for (let round = 0; round < ROUNDS; round++) {
    const stored = await readStoredState(state, key, alertBook);
    if (stored.kind === 'unavailable') throw stored.error;
    if (stored.kind !== 'found') throw new AlertNotFoundError(input.alertId, 'unknown');
    const { book, transition } = applyAcknowledgement(stored.value, input);
    try {
      await state.write(key, book, { ifMatch: stored.etag });
      return { transition, row: transitionRow(transition, options.channels) };
    } catch (error) {
      if (!(error instanceof StateConflictError)) throw error;
    }
  }
  throw new Error(`acknowledging alert ${input.alertId}: the alert book kept changing, try again`);
}
