import { alertBook, ALERT_BOOK_KEY } from '../alerts/book.js';
import { addSilence, type SilenceMatchers } from '../alerts/silences.js';
import type { Clock } from '../clock.js';
import { alertLabels, MATCHER_LABELS, type MatcherLabel } from '../domain/alertLabels.js';
import type { Alert } from '../domain/alertModel.js';
import type { Logger } from '../log.js';
import {
  ackResultPage,
  SILENCE_DURATIONS,
  type SilenceDuration,
  type SilenceLabelChoice,
} from '../render/ackPage.js';
import { readValidated, type StateStore } from '../state/store.js';

/**
 * "Silence for ..." from the acknowledge page (issue 11 item 3). The form names which of the alert's
 * labels to match on; the values are the alert's own, looked up from the alert the signed token names,
 * so a link for one alert can silence alerts like it and nothing else. The token is checked by
 * handleAck (constant-time, expiry, tenant) before this runs.
 */
export interface SilenceFromAckDependencies {
  readonly tenantId: string;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface SilenceForm {
  readonly match: readonly string[];
  readonly for: string | null;
  readonly by: string | null;
  readonly comment: string | null;
}

/** Labels the page offers, prefilled from the alert: kind and configuration checked (else the alert). */
export function silenceChoices(alert: Alert): SilenceLabelChoice[] {
  const labels = alertLabels(alert);
  const preferred: readonly MatcherLabel[] = labels.configuration ? ['kind', 'configuration'] : ['alertId'];
  return MATCHER_LABELS.flatMap((label) => {
    const value = labels[label];
    return value ? [{ label, value, checked: preferred.includes(label) }] : [];
  });
}

export async function silenceFromAck(
  deps: SilenceFromAckDependencies,
  alertId: string,
  form: SilenceForm,
): Promise<{ status: number; html: string }> {
  const book = await readValidated(deps.state, { tenantId: deps.tenantId, name: ALERT_BOOK_KEY }, alertBook);
  const alert = book?.value.alerts.find((a) => a.id === alertId);
  if (!alert || alert.state === 'resolved')
    return { status: 404, html: ackResultPage('Nothing to silence', 'This alert is no longer open.') };
  const labels = alertLabels(alert);
  const chosen = MATCHER_LABELS.filter((l) => form.match.includes(l) && labels[l] !== undefined);
  if (chosen.length === 0)
    return { status: 400, html: ackResultPage('Invalid request', 'Choose at least one label to match.') };
  const duration = form.for ?? '';
  if (!Object.hasOwn(SILENCE_DURATIONS, duration))
    return { status: 400, html: ackResultPage('Invalid request', 'Choose how long to silence.') };
  const by = (form.by ?? '').trim();
  const comment = (form.comment ?? '').trim();
  if (!by || !comment)
    return { status: 400, html: ackResultPage('Invalid request', 'Say who you are and why you silence.') };
  const now = deps.clock.now();
  const matchers = Object.fromEntries(chosen.map((l) => [l, labels[l]])) as SilenceMatchers;
  const { label, ms } = SILENCE_DURATIONS[duration as SilenceDuration];
  const silence = await addSilence(
    deps.state,
    deps.tenantId,
    {
      matchers,
      startsAt: now.toISOString(),
      endsAt: new Date(now.getTime() + ms).toISOString(),
      createdBy: by,
      comment,
    },
    now,
  );
  const what = chosen.map((l) => `${l}=${labels[l]}`).join(', ');
  deps.log.info(`silence ${silence.id} created from the acknowledge page: ${what} ${label}`);
  return {
    status: 200,
    html: ackResultPage(
      'Silenced',
      `Alerts with ${what} are silenced ${label} (until ${silence.endsAt}) by ${silence.createdBy}: ${silence.comment}. Silence ${silence.id}; end it early with cloudsync-monitor silence expire ${silence.id}.`,
    ),
  };
}
