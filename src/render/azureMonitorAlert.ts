import type { CommonAlert } from '../domain/commonAlert.js';
import { capText, cardText, escapeHtml } from './escape.js';

/**
 * An Azure Monitor alert (e.g. the monitor's own dead-man's switch) rendered for the same channels as
 * our alerts. Rule names and descriptions come from whoever can edit alert rules: escaped like directory data.
 */
export function renderAzureMonitorAlert(alert: CommonAlert): {
  email: { subject: string; html: string; plainText: string };
  teams: { card: Record<string, unknown> };
} {
  const e = alert.data.essentials;
  const resolved = e.monitorCondition === 'Resolved';
  const critical = e.severity === 'Sev0' || e.severity === 'Sev1';
  const state = resolved ? 'RESOLVED' : critical ? 'CRITICAL' : 'WARNING';
  const rule = capText(e.alertRule, 160);
  const description = capText(e.description ?? '', 1_000);
  const when = resolved ? (e.resolvedDateTime ?? e.firedDateTime) : e.firedDateTime;
  const subject = `[${state}] Azure Monitor: ${rule}`;
  const what = resolved
    ? 'The condition of this Azure Monitor alert rule has cleared.'
    : 'An Azure Monitor alert rule watching Cloud Sync Monitor fired. If it is the "no successful run" rule, the monitor itself is not collecting: check the function app (Application Insights failures, the collect function, its managed identity and Graph permissions).';
  const facts: [string, string][] = [
    ['Rule', rule],
    ['Severity', e.severity],
    ['Condition', e.monitorCondition],
    [resolved ? 'Resolved' : 'Fired', when],
    ['Service', capText(e.monitoringService ?? 'Azure Monitor', 80)],
  ];
  const colour = resolved ? '#107c10' : critical ? '#a4262c' : '#8a6d00';
  const html = [
    '<!DOCTYPE html><html><body style="margin:0;padding:16px;font-family:Segoe UI,Arial,sans-serif;color:#201f1e;">',
    `<table role="presentation" cellpadding="0" cellspacing="0" width="100%" style="max-width:640px;border-left:6px solid ${colour};">`,
    `<tr><td style="padding:12px 16px;"><div style="font-size:18px;font-weight:600;">${escapeHtml(subject)}</div>`,
    `<p style="font-size:14px;">${escapeHtml(what)}</p>`,
    description ? `<p style="font-size:14px;">${escapeHtml(description)}</p>` : '',
    '<table role="presentation" cellpadding="4" cellspacing="0" style="font-size:13px;">',
    ...facts.map(
      ([k, v]) => `<tr><td style="color:#605e5c;">${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`,
    ),
    '</table></td></tr></table></body></html>',
  ].join('');
  const plainText = [subject, '', what, description, '', ...facts.map(([k, v]) => `${k}: ${v}`)]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body: [
      {
        type: 'TextBlock',
        text: cardText(subject),
        weight: 'Bolder',
        size: 'Medium',
        wrap: true,
        color: resolved ? 'Good' : 'Attention',
      },
      { type: 'TextBlock', text: cardText(what), wrap: true },
      ...(description
        ? [{ type: 'TextBlock', text: cardText(description), wrap: true, isSubtle: true }]
        : []),
      {
        type: 'FactSet',
        facts: facts.map(([title, value]) => ({ title: cardText(title), value: cardText(value) })),
      },
    ],
  };
  return { email: { subject, html, plainText }, teams: { card } };
}
