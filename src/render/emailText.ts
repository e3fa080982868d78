import { breakLinks } from './escape.js';
import { catchUpText } from './catchUpNote.js';
import { formatInstant } from './format.js';
import { groupsLeftOut } from './groupsLeftOut.js';
import { countsText } from './subject.js';
import { EMAIL_LIMITS, OVERVIEW_MAX } from './emailHtml.js';
import type { AlertView, RenderContext } from './view.js';

/**
 * The plain-text part of the alert email: the same content as the HTML, for clients and people that
 * read text only (and for the eyes of spam filters). Directory text gets its URLs broken so clients do
 * not auto-link it; our own links are printed in full on their own lines.
 */
const RULE = '='.repeat(72);
/** Like the HTML part: detailed blocks up to this size, every alert in the overview. */
const TEXT_BUDGET_BYTES = 100_000;

export function renderEmailText(views: readonly AlertView[], ctx: RenderContext): string {
  const tenant = ctx.tenantName ? `${ctx.tenantName} (${ctx.tenantId})` : ctx.tenantId;
  const out: string[] = [
    `Cloud Sync Monitor · ${b(tenant)}`,
    `${countsText(views) || 'No alert changes'} · generated ${formatInstant(ctx.generatedAt.toISOString())}`,
    '',
  ];
  if (ctx.catchUp) out.push(b(catchUpText(ctx.catchUp)), '');
  if (views.length > 1) {
    out.push('In this message:');
    views.slice(0, OVERVIEW_MAX).forEach((v, i) => out.push(`  ${i + 1}. ${label(v)} ${b(v.title)}`));
    if (views.length > OVERVIEW_MAX) out.push(`  ... and ${views.length - OVERVIEW_MAX} more`);
    out.push('');
  }
  let bytes = 0;
  for (const [index, view] of views.entries()) {
    const block = alertText(view, index);
    bytes += Buffer.byteLength(block.join('\n'), 'utf8');
    if (bytes > TEXT_BUDGET_BYTES && index > 0) {
      const rest = views.length - index;
      out.push(
        `... and ${rest} more alert change${rest === 1 ? '' : 's'} not shown in detail, to keep this email small.`,
        '',
      );
      break;
    }
    out.push(...block);
  }
  out.push(
    '-- ',
    'Sent by Cloud Sync Monitor, which only reads your tenant. Acknowledge links open a confirmation page',
    'first; nothing changes until you confirm there.',
  );
  return out.join('\n');
}

function b(value: string): string {
  return breakLinks(value);
}

function label(view: AlertView): string {
  return view.transition === 'resolved' ? '[RESOLVED]' : `[${view.severity.toUpperCase()} · ${view.status}]`;
}

function alertText(view: AlertView, index: number): string[] {
  const out: string[] = [RULE, `${index + 1}. ${label(view)} ${b(view.title)}`, RULE];
  if (view.summary && view.summary !== view.title) out.push(b(view.summary));
  out.push('');
  const width = Math.min(26, Math.max(...view.facts.map((f) => f.label.length), 0) + 1);
  for (const fact of view.facts) out.push(`  ${`${b(fact.label)}:`.padEnd(width + 1)} ${b(fact.value)}`);
  if (view.impact) out.push('', `Impact: ${b(view.impact)}`);
  if (view.changes.length > 0) {
    out.push('', 'What changed:');
    for (const change of view.changes) out.push(`  - ${b(change)}`);
  }
  const groups = view.groups.slice(0, EMAIL_LIMITS.groups);
  for (const group of groups) {
    out.push('', b(group.title));
    for (const line of group.detail ?? []) out.push(`  ${b(line)}`);
    if (group.advice) out.push(`  How to fix: ${b(group.advice)}`);
    const shown = group.items.slice(0, EMAIL_LIMITS.itemsPerGroup);
    for (const item of shown) out.push(`  - ${b(item)}`);
    const more = group.more + group.items.length - shown.length;
    if (more > 0) out.push(`  - ... and ${more.toLocaleString('en-US')} more`);
  }
  const left = groupsLeftOut(view, groups.length);
  if (left.groups > 0) out.push('', `... and ${left.groups} more groups (${left.items} more items)`);
  if (view.steps.length > 0) {
    out.push('', 'What to do:');
    view.steps.slice(0, EMAIL_LIMITS.steps).forEach((step, i) => {
      out.push(`  ${i + 1}. ${b(step.text)}`);
      for (const line of step.code?.split('\n') ?? []) out.push(`       ${line}`);
    });
  }
  const links = [
    ...(view.ackUrl ? [{ title: 'Acknowledge / silence', url: view.ackUrl }] : []),
    ...view.links,
  ];
  if (links.length > 0) {
    out.push('', 'Links:');
    for (const link of links) out.push(`  ${link.title}: ${link.url}`);
  }
  out.push('');
  return out;
}
