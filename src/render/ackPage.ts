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

const page = (title: string, body: string) =>
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
}): string {
  const options = Object.entries(ACK_DURATIONS)
    .map(
      ([value, label], i) =>
        `<label style="display:block;margin:6px 0;"><input type="radio" name="until" value="${escapeHtml(value)}"${i === 0 ? ' checked' : ''}> Silence ${escapeHtml(label)}</label>`,
    )
    .join('');
  return page(
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
    ].join(''),
  );
}

export function ackResultPage(title: string, message: string): string {
  return page(title, `<p>${escapeHtml(message)}</p>`);
}
