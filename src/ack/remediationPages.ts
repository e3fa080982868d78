import type { Alert } from '../domain/alertModel.js';
import { ackPageLayout } from '../render/ackPage.js';
import { escapeHtml } from '../render/escape.js';
import { ACTION_LABELS, type AlertObject, type RemediationPlan } from '../remediation/plan.js';
import type { RemediationAction } from '../remediation/settings.js';

/**
 * The remediation pages of the ack link (issue 15 item 4). The ack page offers a button per action that
 * fits the alert; each leads (GET, which never acts) to a confirmation page that shows exactly the Graph
 * request the monitor will send; only that page's POST, with the signed token, a name and the typed
 * confirmation, sends it. Directory data (display names, summaries, distinguished names) is escaped.
 */
const MUTED = 'color:#605e5c;font-size:13px;';
const BUTTON = 'padding:8px 16px;';

/** The "fix it" section of the ack page: one GET form per action, or why there is none. */
export function remediationSection(input: {
  readonly token: string;
  readonly applicable: readonly RemediationAction[];
  readonly allowed: readonly RemediationAction[];
}): string {
  if (input.applicable.length === 0) return '';
  const heading = '<h2 style="font-size:16px;margin-top:32px;">Or fix it from here</h2>';
  if (input.allowed.length === 0)
    return `${heading}<p style="${MUTED}">Remediation is off (setting REMEDIATION): the monitor sends nothing to the tenant. Fix it in the Microsoft Entra admin center, or ask an administrator to turn it on.</p>`;
  const buttons = input.applicable
    .map((action) =>
      input.allowed.includes(action)
        ? [
            '<form method="get" style="display:inline-block;margin:4px 8px 4px 0;">',
            `<input type="hidden" name="token" value="${escapeHtml(input.token)}">`,
            `<input type="hidden" name="remediate" value="${escapeHtml(action)}">`,
            `<button type="submit" style="${BUTTON}">${escapeHtml(ACTION_LABELS[action])}\u2026</button>`,
            '</form>',
          ].join('')
        : `<p style="${MUTED}">${escapeHtml(ACTION_LABELS[action])}: not among the allowed actions (REMEDIATION).</p>`,
    )
    .join('');
  return `${heading}${buttons}<p style="${MUTED}">Each button first shows the exact request it will send, and asks you to confirm.</p>`;
}

function alertLines(alert: Alert): string {
  return [
    `<p><strong>${escapeHtml(alert.severity.toUpperCase())}</strong> ${escapeHtml(alert.kind)}</p>`,
    `<p>${escapeHtml(alert.summary)}</p>`,
  ].join('');
}

/** The confirmation page: what happens, the exact request, and the POST form that sends it. */
export function confirmationPage(input: {
  readonly token: string;
  readonly alert: Alert;
  readonly plan: RemediationPlan;
  readonly url: string;
}): string {
  const { plan } = input;
  const request = `${plan.method} ${input.url}\nContent-Type: application/json\n\n${JSON.stringify(plan.body, null, 2)}`;
  const hidden = (name: string, value: string) =>
    `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
  return ackPageLayout(
    `Confirm: ${ACTION_LABELS[plan.action]}`,
    [
      alertLines(input.alert),
      `<p>${escapeHtml(plan.effect)}</p>`,
      '<p>The monitor will send exactly this request to Microsoft Graph:</p>',
      `<pre style="background:#f3f2f1;border:1px solid #c8c6c4;padding:10px;white-space:pre-wrap;word-break:break-all;font-size:13px;">${escapeHtml(request)}</pre>`,
      '<form method="post">',
      hidden('token', input.token),
      hidden('action', 'remediate'),
      hidden('remediate', plan.action),
      plan.object ? hidden('object', plan.object.sourceId) + hidden('dn', plan.object.dn) : '',
      '<label style="display:block;margin:12px 0;">Your name: <input type="text" name="by" maxlength="100" required></label>',
      `<label style="display:block;margin:12px 0;">Type <code>${escapeHtml(plan.confirmWord)}</code> to confirm: <input type="text" name="confirm" maxlength="200" required autocomplete="off"></label>`,
      `<button type="submit" style="${BUTTON}background:#a4262c;color:#fff;border:0;">Send the request</button>`,
      '</form>',
      `<p style="${MUTED}">Nothing has been sent yet: opening this page changes nothing. The attempt, whatever its outcome, is recorded (CloudSyncRemediation_CL) and told in the alert\u2019s next message.</p>`,
    ].join(''),
  );
}

/** provision: which of the alert's failing objects, and its distinguished name (a GET: still nothing sent). */
export function chooseObjectPage(input: {
  readonly token: string;
  readonly alert: Alert;
  readonly objects: readonly AlertObject[];
  readonly problem?: string;
}): string {
  const options = input.objects
    .map(
      (o) =>
        `<option value="${escapeHtml(o.sourceId)}">${escapeHtml(o.displayName ?? o.sourceId)} (${escapeHtml(o.objectType ?? 'object')}, ${escapeHtml(o.sourceId)})</option>`,
    )
    .join('');
  return ackPageLayout(
    `${ACTION_LABELS.provision}`,
    [
      alertLines(input.alert),
      input.problem ? `<p style="color:#a4262c;">${escapeHtml(input.problem)}</p>` : '',
      '<form method="get">',
      `<input type="hidden" name="token" value="${escapeHtml(input.token)}">`,
      '<input type="hidden" name="remediate" value="provision">',
      `<label style="display:block;margin:12px 0;">Object: <select name="object">${options}</select></label>`,
      '<label style="display:block;margin:12px 0;">Its distinguished name in AD: <input type="text" name="dn" maxlength="400" size="50" placeholder="CN=Name,OU=Users,DC=contoso,DC=com" required></label>',
      `<button type="submit" style="${BUTTON}">Show the request</button>`,
      '</form>',
      `<p style="${MUTED}">provisionOnDemand takes the object\u2019s distinguished name; the provisioning log names it only by its objectGUID.</p>`,
    ].join(''),
  );
}
