import { formatInstant } from './format.js';
import type { CatchUpContext } from './view.js';

/**
 * The first thing a catch-up message says (src/alerts/catchUp.ts), in the email and the card alike:
 * why a channel gets reminders at once after a silence, and where to read what resolved meanwhile.
 * Our wording only (times and counts): renderers still escape it for their format.
 */
export function catchUpText(note: CatchUpContext): string {
  const messages = `${note.givenUp} alert message${note.givenUp === 1 ? ' was' : 's were'}`;
  const resolved =
    note.resolved > 0
      ? ` ${note.resolved} more ${note.resolved === 1 ? 'was' : 'were'} resolved meanwhile (the workbook's alert history has ${note.resolved === 1 ? 'it' : 'them'}).`
      : '';
  return (
    `Catch-up: ${messages} given up on this channel since ${formatInstant(note.since)} ` +
    '(it could not be reached, or too many were waiting). The alerts below were in them and are still ' +
    `open.${resolved}`
  );
}

/** The subject's word for a catch-up, where a reminder says "(reminder)". */
export const CATCH_UP_LABEL = ' (catch-up)';
