import { escapeHtml } from './escape.js';

/**
 * The acknowledge link's pages. The GET only shows this form; the acknowledgement happens on its POST,
 * because mail scanners (Safe Links and the like) open every link in an email.
 */
export const ACK_DURATIONS = {
  resolve: 'until it resolves',
  '4h': 'for 4 hours',
  '24h': 'for 24 hours',
  '7d': 'for 7 days',
} as const;
export type AckDuration = keyof typeof ACK_DURATIONS;

/** How long a silence made from the page lasts (Alertmanager's silences are always for a time). */
export const SILENCE_DURATIONS = {
  '1h': { label: 'for 1 hour', ms: 3600_000 },
  '4h': { label: 'for 4 hours', ms: 4 * 3600_000 },
  '24h': { label: 'for 24 hours', ms: 24 * 3600_000 },
  '7d': { label: 'for 7 days', ms: 7 * 24 * 3600_000 },
} as const;
export type SilenceDuration = keyof typeof SILENCE_DURATIONS;

/** One label of the alert the silence form offers to match on, prefilled with the alert's value. */
export interface SilenceLabelChoice {
  readonly label: string;
  readonly value: string;
  readonly checked: boolean;
}

/** The layout every ack-link page shares (the remediation pages too): title and escaped heading. */
export const ackPageLayout = (title: string, body: string) =>
  [
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family:Segoe UI,Arial,sans-serif;max-width:560px;margin:40px auto;padding:0 16px;color:#201f1e;">',
    `<h1 style="font-size:20px;">${escapeHtml(title)}</h1>`,
    body,
    '</body></html>',
  ].join('');

export function ackFormPage(input: {
  token: string;
  alertSummary: string;
  kind: string;
  severity: string;
  /** The alert's labels: the page then also offers "silence alerts like this one". */
  silenceLabels?: readonly SilenceLabelChoice[];
  /** Opt-in remediation (src/ack/remediationPages.ts): the "fix it" section, already escaped HTML. */
  remediationHtml?: string;
}): string {
  const options = Object.entries(ACK_DURATIONS)
    .map(
      ([value, label], i) =>
        `<label style="display:block;margin:6px 0;"><input type="radio" name="until" value="${escapeHtml(value)}"${i === 0 ? ' checked' : ''}> Silence ${escapeHtml(label)}</label>`,
    )
    .join('');
  return ackPageLayout(
    'Acknowledge Cloud Sync alert',
    [
      `<p><strong>${escapeHtml(input.severity.toUpperCase())}</strong> ${escapeHtml(input.kind)}</p>`,
      `<p>${escapeHtml(input.alertSummary)}</p>`,
      '<form method="post">',
      `<input type="hidden" name="token" value="${escapeHtml(input.token)}">`,
      options,
      '<label style="display:block;margin:12px 0;">Your name (optional): <input type="text" name="by" maxlength="100"></label>',
      '<button type="submit" style="padding:8px 16px;">Acknowledge</button>',
      '</form>',
      '<p style="color:#605e5c;font-size:13px;">Acknowledged alerts send no reminders or updates; they still notify when they escalate or resolve.</p>',
      input.silenceLabels ? silenceForm(input.token, input.silenceLabels) : '',
      input.remediationHtml ?? '',
    ].join(''),
  );
}

/**
 * "Silence for ...": a silence over the chosen labels of this alert (their values come from the alert
 * the signed token names, never from the form), for a time, with who and why. Silenced alerts record
 * everything and notify nobody until the silence ends; alerts that still fire then are told.
 */
function silenceForm(token: string, labels: readonly SilenceLabelChoice[]): string {
  const boxes = labels
    .map(
      (l) =>
        `<label style="display:block;margin:4px 0;"><input type="checkbox" name="match" value="${escapeHtml(l.label)}"${l.checked ? ' checked' : ''}> ${escapeHtml(l.label)} = <code>${escapeHtml(l.value)}</code></label>`,
    )
    .join('');
  const durations = Object.entries(SILENCE_DURATIONS)
    .map(
      ([value, d], i) =>
        `<option value="${escapeHtml(value)}"${i === 1 ? ' selected' : ''}>${escapeHtml(d.label)}</option>`,
    )
    .join('');
  return [
    '<h2 style="font-size:16px;margin-top:32px;">Or silence alerts like this one</h2>',
    '<form method="post">',
    `<input type="hidden" name="token" value="${escapeHtml(token)}">`,
    '<input type="hidden" name="action" value="silence">',
    `<fieldset style="border:1px solid #c8c6c4;margin:8px 0;"><legend>Alerts whose</legend>${boxes}</fieldset>`,
    `<label style="display:block;margin:8px 0;">Silence <select name="for">${durations}</select></label>`,
    '<label style="display:block;margin:8px 0;">Your name: <input type="text" name="by" maxlength="100" required></label>',
    '<label style="display:block;margin:8px 0;">Why: <input type="text" name="comment" maxlength="300" required></label>',
    '<button type="submit" style="padding:8px 16px;">Silence</button>',
    '</form>',
    '<p style="color:#605e5c;font-size:13px;">Silenced alerts are still recorded and shown in status and the digest, but notify nobody; those still firing when the silence ends are told then.</p>',
  ].join('');
}

/** `moreHtml`: already escaped markup after the message (the remediation buttons of an acknowledged alert). */
export function ackResultPage(title: string, message: string, moreHtml = ''): string {
  return ackPageLayout(title, `<p>${escapeHtml(message)}</p>${moreHtml}`);
}
