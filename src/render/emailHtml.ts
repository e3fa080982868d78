import { breakLinks, escapeHtml } from './escape.js';
import { catchUpText } from './catchUpNote.js';
import { formatInstant } from './format.js';
import { groupsLeftOut } from './groupsLeftOut.js';
import { countsText } from './subject.js';
import type { AlertView, ItemGroup, RenderContext, Step } from './view.js';

/**
 * The alert email as HTML that survives Outlook (Word rendering engine) as well as web and mobile
 * clients: tables for layout, inline styles only, no scripts, no external images or fonts, no CSS that
 * Outlook drops silently for meaning (colour is never the only signal: every badge also says its word).
 * Every text goes through `t()` (escape + break auto-links); only URLs we built go into href attributes.
 */
export const EMAIL_LIMITS = { groups: 10, itemsPerGroup: 15, steps: 12 } as const;
/**
 * Detailed alert blocks stop here (the overview still lists every alert): a run with a hundred
 * transitions must still give a mail that opens quickly and fits the pending queue's state entry.
 */
export const EMAIL_HTML_BUDGET_BYTES = 300_000;
/** The overview lists this many alerts, then counts the rest. */
export const OVERVIEW_MAX = 100;

const FONT = "font-family:'Segoe UI',Helvetica,Arial,sans-serif;";
const MONO = "font-family:Consolas,'Courier New',monospace;";
/** Long unbroken directory values (a 10 KB display name) must wrap, not widen the message. */
const WRAP = 'word-wrap:break-word;overflow-wrap:anywhere;word-break:break-word;';

export const COLORS = {
  critical: '#b10e1c',
  warning: '#bc4b09',
  resolved: '#107c10',
  acknowledged: '#616161',
  link: '#0f6cbd',
} as const;

/** Escaped, with auto-linkable URLs broken: for every piece of text (ours and the directory's). */
const t = (value: string): string => escapeHtml(breakLinks(value));
/** For a URL we built (href): escaped only. */
const u = (url: string): string => escapeHtml(url);

export function colorOf(view: Pick<AlertView, 'severity' | 'transition'>): string {
  if (view.transition === 'resolved') return COLORS.resolved;
  if (view.transition === 'acknowledged') return COLORS.acknowledged;
  return view.severity === 'critical' ? COLORS.critical : COLORS.warning;
}

export function renderEmailHtml(views: readonly AlertView[], ctx: RenderContext, subject: string): string {
  const headerColor = views[0] ? colorOf(views[0]) : COLORS.acknowledged;
  const tenant = ctx.tenantName ? `${ctx.tenantName} (${ctx.tenantId})` : ctx.tenantId;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="x-apple-disable-message-reformatting">',
    `<title>${t(subject)}</title></head>`,
    `<body style="margin:0;padding:0;background-color:#f3f2f1;${FONT}color:#242424;">`,
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f3f2f1;">',
    '<tr><td align="center" style="padding:16px 8px;">',
    `<table role="presentation" width="680" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:680px;table-layout:fixed;background-color:#ffffff;border:1px solid #e1dfdd;${WRAP}">`,
    `<tr><td style="background-color:${headerColor};padding:16px 20px;color:#ffffff;${FONT}">`,
    `<div style="font-size:12px;letter-spacing:0.5px;">CLOUD SYNC MONITOR &middot; ${t(tenant)}</div>`,
    `<div style="font-size:22px;font-weight:bold;line-height:28px;padding-top:4px;">${t(countsText(views) || 'No alert changes')}</div>`,
    `<div style="font-size:12px;padding-top:4px;">Generated ${t(formatInstant(ctx.generatedAt.toISOString()))}</div>`,
    '</td></tr>',
    ctx.catchUp
      ? `<tr><td style="padding:16px 20px 0;font-size:14px;font-weight:bold;${FONT}">${t(catchUpText(ctx.catchUp))}</td></tr>`
      : '',
    views.length > 1 ? overview(views) : '',
    ...detailBlocks(views),
    footer(),
    '</table>',
    '</td></tr></table>',
    '</body></html>',
  ].join('\n');
}

function detailBlocks(views: readonly AlertView[]): string[] {
  const blocks: string[] = [];
  let bytes = 0;
  for (const [index, view] of views.entries()) {
    const block = alertBlock(view, index);
    bytes += Buffer.byteLength(block, 'utf8');
    if (bytes > EMAIL_HTML_BUDGET_BYTES && blocks.length > 0) {
      const rest = views.length - index;
      blocks.push(
        `<tr><td style="padding:16px 20px;border-top:1px solid #e1dfdd;font-size:14px;font-weight:bold;${FONT}">` +
          `&hellip; and ${rest} more alert change${rest === 1 ? '' : 's'} not shown in detail, to keep this email small.</td></tr>`,
      );
      break;
    }
    blocks.push(block);
  }
  return blocks;
}

function overview(views: readonly AlertView[]): string {
  const hidden = views.length - OVERVIEW_MAX;
  const rows = views
    .slice(0, OVERVIEW_MAX)
    .map(
      (v, i) =>
        `<tr><td style="padding:3px 8px 3px 0;vertical-align:top;white-space:nowrap;">${badge(v)}</td>` +
        `<td style="padding:3px 0;vertical-align:top;font-size:14px;"><a href="#alert-${i + 1}" style="color:#242424;text-decoration:none;">${t(v.title)}</a></td></tr>`,
    )
    .join('');
  const more =
    hidden > 0
      ? `<tr><td></td><td style="padding:3px 0;font-size:14px;font-style:italic;">&hellip; and ${hidden} more</td></tr>`
      : '';
  return (
    `<tr><td style="padding:16px 20px 8px;${FONT}">` +
    '<div style="font-size:13px;font-weight:bold;color:#605e5c;padding-bottom:6px;">IN THIS MESSAGE</div>' +
    `<table role="presentation" cellpadding="0" cellspacing="0" border="0">${rows}${more}</table></td></tr>`
  );
}

function badge(view: AlertView): string {
  const color = colorOf(view);
  const word = view.transition === 'resolved' ? 'RESOLVED' : view.severity.toUpperCase();
  const status = view.transition === 'resolved' ? '' : ` &middot; ${t(view.status)}`;
  return `<span style="display:inline-block;background-color:${color};color:#ffffff;font-size:11px;font-weight:bold;padding:2px 6px;border-radius:3px;${FONT}">${t(word)}${status}</span>`;
}

function alertBlock(view: AlertView, index: number): string {
  const color = colorOf(view);
  const parts: string[] = [
    `<div>${badge(view)}</div>`,
    `<h2 style="margin:8px 0 4px;font-size:18px;line-height:24px;color:#242424;${FONT}">${t(view.title)}</h2>`,
  ];
  if (view.summary && view.summary !== view.title) {
    parts.push(`<p style="margin:0 0 8px;font-size:14px;color:#424242;">${t(view.summary)}</p>`);
  }
  parts.push(facts(view));
  if (view.impact) {
    parts.push(
      `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:10px 0;"><tr>` +
        `<td style="background-color:#faf9f8;border:1px solid #e1dfdd;padding:8px 10px;font-size:14px;${FONT}"><strong>Impact:</strong> ${t(view.impact)}</td></tr></table>`,
    );
  }
  if (view.changes.length > 0) {
    parts.push(heading('What changed'));
    parts.push(
      list(
        view.changes.map((c) => t(c)),
        'ul',
      ),
    );
  }
  const groups = view.groups.slice(0, EMAIL_LIMITS.groups);
  for (const group of groups) parts.push(groupBlock(group));
  const left = groupsLeftOut(view, groups.length);
  if (left.groups > 0) {
    parts.push(
      `<p style="margin:6px 0;font-size:13px;font-style:italic;">&hellip; and ${left.groups} more groups (${left.items} more items)</p>`,
    );
  }
  if (view.steps.length > 0) {
    parts.push(heading('What to do'));
    parts.push(list(view.steps.slice(0, EMAIL_LIMITS.steps).map(stepHtml), 'ol'));
  }
  parts.push(actions(view));

  return (
    `<tr><td id="alert-${index + 1}" style="padding:16px 20px;border-top:1px solid #e1dfdd;${FONT}">` +
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>' +
    `<td width="4" style="width:4px;background-color:${color};font-size:1px;line-height:1px;">&nbsp;</td>` +
    `<td style="padding-left:14px;vertical-align:top;${FONT}${WRAP}">${parts.join('\n')}</td>` +
    '</tr></table></td></tr>'
  );
}

function facts(view: AlertView): string {
  const rows = view.facts
    .map(
      (f) =>
        `<tr><td style="padding:2px 14px 2px 0;vertical-align:top;color:#605e5c;font-size:13px;white-space:nowrap;${FONT}">${t(f.label)}</td>` +
        `<td style="padding:2px 0;vertical-align:top;font-size:13px;${WRAP}${FONT}">${t(f.value)}</td></tr>`,
    )
    .join('');
  return `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:6px 0;">${rows}</table>`;
}

function heading(text: string): string {
  return `<p style="margin:14px 0 4px;font-size:14px;font-weight:bold;color:#242424;">${t(text)}</p>`;
}

function list(itemsHtml: readonly string[], tag: 'ul' | 'ol'): string {
  const items = itemsHtml.map(
    (html) => `<li style="margin:0 0 4px;font-size:14px;line-height:20px;${WRAP}">${html}</li>`,
  );
  return `<${tag} style="margin:4px 0 0 22px;padding:0;">${items.join('')}</${tag}>`;
}

function groupBlock(group: ItemGroup): string {
  const shown = group.items.slice(0, EMAIL_LIMITS.itemsPerGroup);
  const more = group.more + (group.items.length - shown.length);
  const items = shown.map((item) => t(item));
  if (more > 0) items.push(`<em>&hellip; and ${more.toLocaleString('en-US')} more</em>`);
  const detail =
    (group.detail ?? [])
      .map((line) => `<p style="margin:2px 0;font-size:13px;color:#605e5c;">${t(line)}</p>`)
      .join('') +
    (group.advice
      ? `<p style="margin:4px 0 2px;font-size:13px;"><strong>How to fix:</strong> ${t(group.advice)}</p>`
      : '');
  return (
    `<p style="margin:14px 0 2px;font-size:14px;font-weight:bold;color:#242424;">${t(group.title)}</p>` +
    detail +
    (items.length > 0 ? list(items, 'ul') : '')
  );
}

function stepHtml(step: Step): string {
  const code = step.code
    ? `<div style="margin:4px 0 2px;padding:6px 8px;background-color:#f5f5f5;border:1px solid #e0e0e0;${MONO}font-size:12px;line-height:17px;color:#242424;overflow-wrap:anywhere;word-break:break-word;">` +
      step.code
        .split('\n')
        .map((line) => escapeHtml(line))
        .join('<br>') +
      '</div>'
    : '';
  return `${t(step.text)}${code}`;
}

function actions(view: AlertView): string {
  const buttons: string[] = [];
  if (view.ackUrl) {
    buttons.push(
      `<td style="background-color:${COLORS.link};border-radius:4px;padding:0;"><a href="${u(view.ackUrl)}" style="display:inline-block;padding:8px 14px;color:#ffffff;text-decoration:none;font-size:14px;font-weight:bold;${FONT}">Acknowledge / silence</a></td>`,
    );
  }
  const links = view.links
    .map((l) => `<a href="${u(l.url)}" style="color:${COLORS.link};font-size:13px;">${t(l.title)}</a>`)
    .join(' &nbsp;&middot;&nbsp; ');
  const buttonRow = buttons.length
    ? `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:12px 0 4px;"><tr>${buttons.join('<td width="8">&nbsp;</td>')}</tr></table>`
    : '';
  return `${buttonRow}${links ? `<p style="margin:8px 0 0;">${links}</p>` : ''}`;
}

function footer(): string {
  return (
    `<tr><td style="padding:14px 20px;border-top:1px solid #e1dfdd;background-color:#faf9f8;font-size:12px;color:#605e5c;${FONT}">` +
    'Sent by Cloud Sync Monitor, which only reads your tenant. Acknowledge links open a confirmation page first; nothing changes until you confirm there. ' +
    'Names and error texts come from your directory and are shown as plain text.' +
    '</td></tr>'
  );
}
