import { capText as cap, cardText } from './escape.js';
import { catchUpText } from './catchUpNote.js';
import { formatInstant } from './format.js';
import { groupsLeftOut } from './groupsLeftOut.js';
import { countsText } from './subject.js';
import type { AlertView, ItemGroup, RenderContext } from './view.js';

/**
 * The alert message as an Adaptive Card 1.4 for the Teams Workflows webhook: TextBlock, FactSet and
 * Action.OpenUrl (in Containers and ActionSets for layout), nothing Teams or the Workflows "Post card"
 * action might not render. Every text goes through cardText (markdown and links neutralised); the only
 * markdown in a card is ours (bold labels, list markers). Teams rejects messages over ~28 KB, so alerts are
 * added while they fit a byte budget, each at full detail or, if large, compacted; the rest is summarised
 * as "and N more" pointing to the email.
 */
export const CARD_VERSION = '1.4';
/** The card alone; the Workflows envelope adds ~150 bytes and the channel enforces 28,000 for the whole. */
export const CARD_BUDGET_BYTES = 24_000;

type Element = Record<string, unknown>;

interface Caps {
  readonly facts: number;
  readonly groups: number;
  readonly items: number;
  readonly itemChars: number;
  readonly steps: number;
  readonly details: boolean;
  readonly factChars: number;
}
const FULL: Caps = {
  facts: 10,
  groups: 3,
  items: 5,
  itemChars: 160,
  steps: 5,
  details: true,
  factChars: 300,
};
const COMPACT: Caps = {
  facts: 5,
  groups: 2,
  items: 3,
  itemChars: 100,
  steps: 3,
  details: false,
  factChars: 160,
};
/**
 * Facts the card leaves out: the header names the tenant, the label says the severity (unless it
 * changed), and ids nobody acts on at 3 a.m. are in the email.
 */
const CARD_SKIPS_FACTS = new Set(['Tenant', 'Service principal', 'Provisioning log filter']);
/** For resolved and acknowledged items: where, and the lifecycle facts; the problem details are history. */
const QUIET_FACTS = new Set([
  'Configuration',
  'Agent',
  'Since',
  'Resolved',
  'Lasted',
  'Acknowledged by',
  'Silenced',
  // What `cloudsync-monitor ack` takes, and what ties the card to its CloudSyncAlert_CL row.
  'Alert id',
]);
/** An alert bigger than this at full detail is shown compacted, so one alert cannot crowd out the rest. */
const ALERT_MAX_BYTES = 9_000;

const text = (value: string, extra: Element = {}): Element => ({
  type: 'TextBlock',
  text: value,
  wrap: true,
  ...extra,
});

export function renderAlertCard(
  views: readonly AlertView[],
  ctx: RenderContext,
  budgetBytes = CARD_BUDGET_BYTES,
): Record<string, unknown> {
  const tenant = ctx.tenantName ? `${ctx.tenantName} (${ctx.tenantId})` : ctx.tenantId;
  const header: Element = {
    type: 'Container',
    style: 'emphasis',
    bleed: true,
    items: [
      text(cardText(`Cloud Sync Monitor · ${tenant}`), { size: 'Small', isSubtle: true }),
      text(cardText(countsText(views) || 'No alert changes'), {
        size: 'Large',
        weight: 'Bolder',
        color: views[0] ? colorOf(views[0]) : 'Default',
        spacing: 'None',
      }),
      text(cardText(`Generated ${formatInstant(ctx.generatedAt.toISOString())}`), {
        size: 'Small',
        isSubtle: true,
        spacing: 'None',
      }),
    ],
  };
  const footer = text(
    cardText('Cloud Sync Monitor only reads your tenant. Acknowledge links open a confirmation page first.'),
    { size: 'Small', isSubtle: true, separator: true },
  );
  const actions = ctx.portalUrl
    ? [{ type: 'Action.OpenUrl', title: 'Open Entra admin center', url: ctx.portalUrl }]
    : [];
  const card = (body: Element[]): Record<string, unknown> => ({
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    msteams: { width: 'Full' },
    body,
    ...(actions.length > 0 ? { actions } : {}),
  });

  const body: Element[] = [header];
  if (ctx.catchUp) body.push(text(cardText(catchUpText(ctx.catchUp)), { weight: 'Bolder' }));
  let shown = 0;
  for (const view of views) {
    // Resolved and acknowledged items need no detail: keep them short so the open problems get the room.
    const quiet = view.transition === 'resolved' || view.transition === 'acknowledged';
    let block = alertContainer(view, quiet ? COMPACT : FULL, ctx);
    if (bytes(block) > ALERT_MAX_BYTES) block = alertContainer(view, COMPACT, ctx);
    const note = moreNote(views.length - shown - 1);
    if (bytes(card([...body, block, ...(note ? [note] : []), footer])) > budgetBytes) break;
    body.push(block);
    shown++;
  }
  const note = moreNote(views.length - shown);
  if (note) body.push(note);
  body.push(footer);
  return card(body);
}

function moreNote(hidden: number): Element | undefined {
  if (hidden <= 0) return undefined;
  return text(
    cardText(
      `… and ${hidden} more alert change${hidden === 1 ? '' : 's'} not shown here (Teams limits a message to 28 KB): see the email.`,
    ),
    { weight: 'Bolder', separator: true },
  );
}

export function colorOf(view: Pick<AlertView, 'severity' | 'transition'>): string {
  if (view.transition === 'resolved') return 'Good';
  if (view.transition === 'acknowledged') return 'Default';
  return view.severity === 'critical' ? 'Attention' : 'Warning';
}

function alertContainer(view: AlertView, caps: Caps, ctx: RenderContext): Element {
  const label =
    view.transition === 'resolved' ? 'RESOLVED' : `${view.severity.toUpperCase()} · ${view.status}`;
  const items: Element[] = [
    text(cardText(label), { size: 'Small', weight: 'Bolder', color: colorOf(view) }),
    text(cardText(view.title), { size: 'Medium', weight: 'Bolder', spacing: 'None' }),
  ];
  if (view.summary && view.summary !== view.title)
    items.push(text(cardText(view.summary), { spacing: 'Small' }));
  const quiet = view.transition === 'resolved' || view.transition === 'acknowledged';
  const facts = view.facts
    .filter((f) => (quiet ? QUIET_FACTS.has(f.label) : !CARD_SKIPS_FACTS.has(f.label)))
    .filter((f) => !(f.label === 'Severity' && !f.value.includes('was')))
    .slice(0, caps.facts);
  if (facts.length > 0) {
    items.push({
      type: 'FactSet',
      facts: facts.map((f) => ({ title: cardText(f.label), value: cardText(cap(f.value, caps.factChars)) })),
    });
  }
  if (view.impact) items.push(text(`**Impact:** ${cardText(view.impact)}`));
  if (view.changes.length > 0) {
    items.push(
      text(
        `**What changed:**\r${view.changes
          .slice(0, 5)
          .map((c) => `- ${cardText(cap(c, caps.itemChars))}`)
          .join('\r')}`,
      ),
    );
  }
  const groups = view.groups.slice(0, caps.groups);
  for (const group of groups) items.push(...groupElements(group, caps));
  const left = groupsLeftOut(view, groups.length);
  if (left.groups > 0) {
    items.push(
      text(cardText(`… and ${left.groups} more groups (${left.items} more items); the email shows more.`), {
        isSubtle: true,
      }),
    );
  }
  if (view.steps.length > 0) {
    items.push(text('**What to do**', { spacing: 'Medium' }));
    view.steps.slice(0, caps.steps).forEach((step, i) => {
      // Bold number, not a markdown list: a lone "2." block would restart numbering at 1 in some clients.
      items.push(text(`**${i + 1}.** ${cardText(step.text)}`, { spacing: 'Small' }));
      if (step.code && caps.details) items.push(codeBlock(step.code));
    });
    if (view.steps.length > caps.steps || (!caps.details && view.steps.some((s) => s.code))) {
      items.push(
        text(cardText('More steps and commands: see the email.'), { isSubtle: true, size: 'Small' }),
      );
    }
  }
  const actions: Element[] = [];
  if (view.ackUrl) actions.push({ type: 'Action.OpenUrl', title: 'Acknowledge / silence', url: view.ackUrl });
  // The portal is the card's own action; per alert, the most specific links.
  for (const link of view.links.filter((l) => l.url !== ctx.portalUrl).slice(0, 2)) {
    actions.push({ type: 'Action.OpenUrl', title: link.title, url: link.url });
  }
  if (actions.length > 0) items.push({ type: 'ActionSet', actions });
  return { type: 'Container', separator: true, spacing: 'Large', items };
}

/**
 * A command as a RichTextBlock of monospace TextRuns, one per line: TextRuns are plain text (no
 * markdown), so the command needs no escaping and no link breaking and reads exactly as it must be
 * typed. Our own text only (src/render/command.ts keeps directory values out of commands); control
 * characters still go.
 */
function codeBlock(code: string): Element {
  const lines = code.split('\n');
  return {
    type: 'RichTextBlock',
    spacing: 'None',
    inlines: lines.map((line, i) => ({
      type: 'TextRun',
      // eslint-disable-next-line no-control-regex -- stripping control characters is the point
      text: `${line.replace(/[\u0000-\u001f\u007f]/g, ' ')}${i < lines.length - 1 ? '\n' : ''}`,
      fontType: 'Monospace',
      size: 'Small',
    })),
  };
}

function groupElements(group: ItemGroup, caps: Caps): Element[] {
  const elements: Element[] = [text(`**${cardText(group.title)}**`, { spacing: 'Medium' })];
  const explanation = group.advice ? `How to fix: ${group.advice}` : group.detail?.[0];
  if (caps.details && explanation) {
    elements.push(text(cardText(cap(explanation, 300)), { isSubtle: true, size: 'Small', spacing: 'None' }));
  }
  const shown = group.items.slice(0, caps.items);
  const more = group.more + group.items.length - shown.length;
  const lines = shown.map((item) => `- ${cardText(cap(item, caps.itemChars))}`);
  if (more > 0) lines.push(`- ${cardText(`… and ${more.toLocaleString('en-US')} more`)}`);
  if (lines.length > 0) elements.push(text(lines.join('\r'), { spacing: 'Small' }));
  return elements;
}

function bytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
