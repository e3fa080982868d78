import type { RemediationNote } from '../domain/alertModel.js';
import { capFlat } from '../domain/text.js';
import { ALERT_BOOK_KEY, alertBook } from '../alerts/book.js';
import type { StateStore } from '../state/store.js';
import { updateState } from '../state/update.js';

/**
 * Every remediation attempt, performed, refused or failed, is recorded twice: a CloudSyncRemediation_CL
 * row (the audit trail, with the exact Graph request) and a note on the alert itself, so the alert's
 * next message says who did what when (src/render/alertView.ts shows the latest).
 */
const NOTES_KEPT = 10;

/** Adds the note to the alert in the book (retried on a racing run); nothing when the alert is gone. */
export async function noteOnAlert(
  state: StateStore,
  tenantId: string,
  alertId: string,
  note: RemediationNote,
  now: Date,
): Promise<void> {
  const kept: RemediationNote = {
    ...note,
    by: capFlat(note.by, 200) ?? 'unknown',
    ...(note.reason ? { reason: capFlat(note.reason, 300) ?? '' } : {}),
  };
  await updateState(
    state,
    { tenantId, name: ALERT_BOOK_KEY },
    alertBook,
    (book) => {
      const alert = book?.alerts.find((a) => a.id === alertId);
      if (!book || !alert) return { result: undefined };
      const remediations = [...(alert.remediations ?? []), kept].slice(-NOTES_KEPT);
      return {
        value: { ...book, alerts: book.alerts.map((a) => (a.id === alertId ? { ...a, remediations } : a)) },
        result: undefined,
      };
    },
    { now },
  );
}
