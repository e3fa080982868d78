import type { DigestLevel } from '../domain/digestModel.js';
import { payloadBytes, workflowsBody } from '../notify/teamsPayload.js';
import { LEVEL_WORD } from './digestFormat.js';
import { capText, cardText, escapeHtml } from './escape.js';

/**
 * The fleet digest (src/fleet/fleetDigest.ts) for the MSP, as email HTML, plain text and a Teams card:
 * one line per tenant, worst first, with that tenant's worst problem. Tenant names and problem titles
 * come from the registry and the directory: escaped in HTML, neutralised in the card, capped.
 * Typed structurally so the renderer needs nothing from the app layer.
 */
export interface FleetDigestView {
  readonly date: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly counts: Readonly<Record<DigestLevel, number>>;
  readonly rows: readonly {
    readonly tenantId: string;
    readonly displayName: string;
    readonly level: DigestLevel;
    readonly headline: string;
    readonly worst:
      { readonly title: string; readonly severity: string; readonly action?: string } | undefined;
    readonly critical: number;
    readonly warnings: number;
  }[];
}

const COLOUR: Readonly<Record<DigestLevel, string>> = {
  critical: '#a4262c',
  degraded: '#8a6d00',
  unknown: '#605e5c',
  healthy: '#107c10',
};
const CARD_COLOUR = {
  critical: 'Attention',
  degraded: 'Warning',
  unknown: 'Default',
  healthy: 'Good',
} as const;
const CARD_MAX_BYTES = 24_000;

export function fleetDigestSubject(view: FleetDigestView): string {
  const { critical, degraded, unknown, healthy } = view.counts;
  const parts = [
    critical ? `${critical} critical` : '',
    degraded ? `${degraded} degraded` : '',
    unknown ? `${unknown} not fully observed` : '',
    `${healthy} healthy`,
  ].filter(Boolean);
  return `Cloud Sync fleet ${view.date}: ${parts.join(', ')} of ${view.rows.length} tenants`;
}

const what = (row: FleetDigestView['rows'][number]): string => row.worst?.title ?? row.headline;

export function renderFleetDigestText(view: FleetDigestView): string {
  const lines = [fleetDigestSubject(view), `${view.windowStart} to ${view.windowEnd}`, ''];
  for (const row of view.rows) {
    lines.push(
      `${LEVEL_WORD[row.level].padEnd(18)} ${capText(row.displayName, 60)}: ${capText(what(row), 200)}`,
    );
    if (row.worst?.action) lines.push(`${''.padEnd(19)}${capText(row.worst.action, 200)}`);
  }
  return lines.join('\n');
}

export function renderFleetDigestHtml(view: FleetDigestView): string {
  const rows = view.rows
    .map(
      (row) =>
        `<tr><td style="padding:4px 8px;border-left:6px solid ${COLOUR[row.level]};white-space:nowrap;">${escapeHtml(LEVEL_WORD[row.level])}</td>` +
        `<td style="padding:4px 8px;font-weight:600;">${escapeHtml(capText(row.displayName, 80))}</td>` +
        `<td style="padding:4px 8px;">${escapeHtml(capText(what(row), 240))}` +
        (row.worst?.action
          ? `<div style="color:#605e5c;font-size:12px;">${escapeHtml(capText(row.worst.action, 240))}</div>`
          : '') +
        `</td><td style="padding:4px 8px;color:#605e5c;white-space:nowrap;">${row.critical} critical, ${row.warnings} warnings</td></tr>`,
    )
    .join('');
  return [
    '<!DOCTYPE html><html><body style="margin:0;padding:16px;font-family:Segoe UI,Arial,sans-serif;color:#201f1e;">',
    `<div style="font-size:18px;font-weight:600;">${escapeHtml(fleetDigestSubject(view))}</div>`,
    `<p style="font-size:13px;color:#605e5c;">${escapeHtml(view.windowStart)} to ${escapeHtml(view.windowEnd)}; each tenant's worst problem, worst tenant first.</p>`,
    `<table role="presentation" cellpadding="0" cellspacing="0" style="font-size:13px;border-collapse:collapse;">${rows}</table>`,
    '</body></html>',
  ].join('');
}

export function renderFleetDigestCard(view: FleetDigestView): Record<string, unknown> {
  // As many tenants as fit the Workflows limit, worst first; the rest are counted.
  for (const shown of [view.rows.length, 100, 50, 25, 10]) {
    const card = buildCard(view, Math.min(shown, view.rows.length));
    if (payloadBytes(workflowsBody(card)) <= CARD_MAX_BYTES) return card;
  }
  return buildCard(view, 5);
}

function buildCard(view: FleetDigestView, shown: number): Record<string, unknown> {
  const rows = view.rows.slice(0, shown).map((row) => ({
    type: 'ColumnSet',
    columns: [
      {
        type: 'Column',
        width: 'auto',
        items: [
          { type: 'TextBlock', text: LEVEL_WORD[row.level], color: CARD_COLOUR[row.level], weight: 'Bolder' },
        ],
      },
      {
        type: 'Column',
        width: 'stretch',
        items: [
          { type: 'TextBlock', text: cardText(capText(row.displayName, 60)), weight: 'Bolder', wrap: true },
          { type: 'TextBlock', text: cardText(capText(what(row), 160)), wrap: true, spacing: 'None' },
        ],
      },
    ],
  }));
  const rest = view.rows.length - shown;
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.4',
    body: [
      {
        type: 'TextBlock',
        text: cardText(fleetDigestSubject(view)),
        weight: 'Bolder',
        size: 'Medium',
        wrap: true,
      },
      ...rows,
      ...(rest > 0
        ? [
            {
              type: 'TextBlock',
              text: `and ${rest} more tenants (see the email or the workbook)`,
              wrap: true,
            },
          ]
        : []),
    ],
  };
}
