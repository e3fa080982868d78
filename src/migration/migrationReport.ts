import { OBJECT_TYPES } from '../coverage/directoryItems.js';
import { conditionText } from '../domain/jobCondition.js';
import { plural } from '../domain/text.js';
import { breakLinks, capText, escapeHtml } from '../render/escape.js';
import { formatInstant } from '../render/format.js';
import type { TypeCounts } from './migrationState.js';
import {
  domainLabel,
  jobLabel,
  type MigrationView,
  type ObjectAccounting,
  type ObjectLine,
  typeTotal,
} from './migrationView.js';

/**
 * The migration report (issue 15 item 2): one HTML document an admin attaches to the change ticket.
 * Outlook-safe: tables for layout, inline styles only (the one <style> block is print CSS, which mail
 * clients may drop without loss), no scripts, no external CSS, no images. Printable: A4 margins, page
 * breaks before the full lists, table headers repeated on each page. Every object is accounted for:
 * counts of those in scope and covered, and every object not covered or gone since the baseline is
 * listed (the first EXAMPLES in the body, all of them in the appendix, up to APPENDIX_MAX, and always in
 * the CSV beside the report). Directory data (names, OUs, domains, error codes) is escaped.
 */
const EXAMPLES = 25;
export const APPENDIX_MAX = 5_000;
const FONT = "font-family:'Segoe UI',Arial,sans-serif;";
const TEXT = `${FONT}font-size:13px;line-height:18px;color:#242424;`;
const SMALL = `${FONT}font-size:12px;line-height:16px;color:#616161;`;
const CELL = `${TEXT}padding:4px 8px;border-bottom:1px solid #e0e0e0;vertical-align:top;text-align:left;`;
const HEAD = `${CELL}font-weight:600;background-color:#f3f3f3;border-bottom:1px solid #c8c8c8;`;
const COLOURS = {
  ok: { bar: '#107c10', bg: '#dff6dd', text: '#0e5c0e' },
  warning: { bar: '#c19c00', bg: '#fff4ce', text: '#6d5700' },
  critical: { bar: '#c50f1f', bg: '#fde7e9', text: '#a4262c' },
} as const;

const esc = (value: string | null | undefined, max = 300): string =>
  value == null || value === '' ? '' : escapeHtml(breakLinks(capText(value, max)));

function chip(text: string, level: keyof typeof COLOURS): string {
  const c = COLOURS[level];
  return `<span style="display:inline-block;padding:1px 8px;border:1px solid ${c.bar};background-color:${c.bg};color:${c.text};${FONT}font-size:12px;line-height:18px;font-weight:600;">${escapeHtml(text)}</span>`;
}

const h2 = (text: string, pageBreak = false): string =>
  `<h2 style="${FONT}font-size:17px;line-height:24px;font-weight:600;color:#242424;margin:24px 0 8px 0;${pageBreak ? 'page-break-before:always;break-before:page;' : ''}">${escapeHtml(text)}</h2>`;
const p = (html: string, style = TEXT): string => `<p style="margin:0 0 8px 0;${style}">${html}</p>`;

function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: ReadonlySet<number> = new Set(),
): string {
  const th = headers
    .map((h, i) => `<th style="${HEAD}${numeric.has(i) ? 'text-align:right;' : ''}">${escapeHtml(h)}</th>`)
    .join('');
  const body = rows
    .map(
      (r) =>
        `<tr style="page-break-inside:avoid;">${r.map((cell, i) => `<td style="${CELL}${numeric.has(i) ? 'text-align:right;' : ''}">${cell}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" style="border-collapse:collapse;width:100%;margin:0 0 12px 0;"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

const count = (c: TypeCounts | null, t: (typeof OBJECT_TYPES)[number] | 'total'): number | null =>
  c === null ? null : t === 'total' ? typeTotal(c) : c[t];

/** 2026-11-04T09:05:00.000Z -> 2026-11-04 09:05 UTC: short enough for a table cell. */
const when = (iso: string | null | undefined): string =>
  iso ? escapeHtml(capText(formatInstant(iso), 40)) : '–';

/**
 * A distinguished name that may break after each comma (a zero-width space, which Outlook's Word engine
 * honours too, unlike <wbr>), so long OUs wrap instead of widening the page.
 */
const dn = (value: string | null): string => (value ? esc(value, 300).replace(/,/g, ',\u200b') : '–');

function objectRows(list: readonly ObjectLine[]): string[][] {
  return list.map((o) => [
    esc(o.name ?? '(no name)', 120),
    esc(o.type),
    esc(o.domain ?? 'no domain'),
    dn(o.ou),
    `<span style="${SMALL}">${esc(o.id)}</span>`,
    when(o.lastSync),
  ]);
}
const OBJECT_HEADERS = ['Object', 'Type', 'Domain', 'OU', 'Object id', 'Last on-premises sync'];

function objectList(title: string, list: readonly ObjectLine[], limit: number, csvName: string): string {
  if (list.length === 0) return '';
  const shown = list.slice(0, limit);
  const rest = list.length - shown.length;
  return (
    p(`<strong>${escapeHtml(title)}</strong>`) +
    table(OBJECT_HEADERS, objectRows(shown)) +
    (rest > 0
      ? p(
          `and ${plural(rest, 'more object')}: every one is in the appendix and in ${escapeHtml(csvName)}.`,
          SMALL,
        )
      : '')
  );
}

export interface MigrationReportInput {
  readonly view: MigrationView;
  readonly objects: ObjectAccounting | undefined;
  /** The CSV file written beside the report (its name, for the text). */
  readonly csvName: string;
}

export function renderMigrationReport({ view, objects, csvName }: MigrationReportInput): string {
  const m = view.migration;
  const level =
    view.findings.length === 0
      ? 'ok'
      : m.coexistence || view.findings.some((f) => /fewer|Writeback/.test(f))
        ? 'critical'
        : 'warning';
  const verdict =
    view.findings.length === 0
      ? 'Every object synced from on-premises is provisioned by Cloud Sync, no object left scope, and every job was healthy.'
      : `${plural(view.findings.length, 'finding')} to review before closing the change.`;
  const phase =
    view.phase === 'validating'
      ? `validation period: ${plural(view.daysLeft, 'day')} left (ends ${when(m.validationEndsAt)})`
      : `validation period over (ended ${when(m.validationEndsAt)})`;

  const parts: string[] = [];
  parts.push(
    `<h1 style="${FONT}font-size:22px;line-height:28px;font-weight:600;color:#242424;margin:0 0 4px 0;">Connect Sync to Cloud Sync migration: validation report</h1>`,
    p(
      `Tenant ${esc(view.tenantId)} · migration started ${when(m.startedAt)} by ${esc(m.startedBy, 80)} · ${phase} · report of ${when(view.generatedAt)}`,
      SMALL,
    ),
    p(
      `${chip(level === 'ok' ? 'validated' : level === 'warning' ? 'review' : 'action needed', level)} ${escapeHtml(verdict)}`,
    ),
  );
  if (view.findings.length > 0)
    parts.push(
      `<ul style="margin:0 0 8px 20px;padding:0;">${view.findings.map((f) => `<li style="${TEXT}margin:0 0 4px 0;">${esc(f, 600)}</li>`).join('')}</ul>`,
    );
  parts.push(
    p(
      `Microsoft's migration tool validates an aggregate object count and job health only; it does not validate individual users, groups, memberships or writeback. This report covers those: ${plural(m.runs, 'monitor run')} and ${plural(m.coverageChecks, 'coverage check')} since the migration started${m.lastRunAt ? `, the last at ${when(m.lastRunAt)}` : ''}.`,
      SMALL,
    ),
  );

  // Counts per domain, before and now.
  parts.push(h2('Objects synced from on-premises, per domain'));
  if (!m.baseline)
    parts.push(p('No baseline yet: the first run whose coverage check reads the whole directory takes it.'));
  parts.push(
    p(
      `Baseline ${m.baseline ? `of ${when(m.baseline.takenAt)}: ${plural(m.baseline.objects, 'object')}` : 'not taken'}; now ${m.current ? `(${when(m.current.at)}): ${plural(m.current.objects, 'object')}` : 'not counted yet'}.`,
      SMALL,
    ),
    table(
      ['Domain', 'Objects', 'Before', 'Now', 'Change'],
      view.domains.flatMap((d) =>
        [...OBJECT_TYPES, 'total' as const].map((t, i) => {
          const before = count(d.before, t);
          const now = count(d.now, t);
          const change = before === null || now === null ? null : now - before;
          return [
            i === 0 ? `<strong>${esc(domainLabel(d.domain))}</strong>` : '',
            t === 'total' ? '<strong>all</strong>' : `${t}s`,
            before === null ? '–' : String(before),
            now === null ? '–' : String(now),
            change === null
              ? '–'
              : change < 0
                ? `<strong style="color:#a4262c;">${change}</strong>`
                : change > 0
                  ? `+${change}`
                  : '0',
          ];
        }),
      ),
      new Set([2, 3, 4]),
    ),
  );

  // Every object accounted for.
  parts.push(h2('Every object accounted for'));
  if (!objects) {
    parts.push(
      p(
        'The coverage index could not be read: no object list. Run the monitor, then write the report again.',
      ),
    );
  } else {
    parts.push(
      table(
        ['', 'Objects'],
        [
          ['In scope now (synced from on-premises)', String(objects.inScope)],
          ['Provisioned by Cloud Sync (covered)', String(objects.covered)],
          ['Not provisioned by Cloud Sync: listed below', String(objects.notCovered.length)],
          [
            'In the baseline, gone now (deleted, or no longer synced from on-premises): listed below',
            objects.baselineKnown ? String(objects.leftScope.length) : 'no baseline objects',
          ],
          ['New since the baseline', objects.baselineKnown ? String(objects.added) : '–'],
        ],
        new Set([1]),
      ),
      objectList('Not provisioned by Cloud Sync', objects.notCovered, EXAMPLES, csvName),
      objectList('Left scope since the baseline', objects.leftScope, EXAMPLES, csvName),
    );
    if (objects.notCovered.length === 0 && objects.leftScope.length === 0)
      parts.push(p('Every object in scope is provisioned by Cloud Sync, and none left scope.'));
  }
  if (view.scope?.groups.length)
    parts.push(
      p('<strong>Coverage gaps by domain and OU</strong> (past the grace period)'),
      table(
        ['Domain', 'OU', 'Configuration', 'Objects'],
        view.scope.groups.map((g) => [
          esc(g.domain ?? 'no domain'),
          esc(g.organizationalUnit ?? '–'),
          esc(g.configurationName ?? 'none for this domain'),
          String(g.objectCount),
        ]),
        new Set([3]),
      ),
    );

  // Jobs, writeback first.
  parts.push(h2('Job and writeback health over the window'));
  const writeback = view.jobs.filter((j) => j.writeback);
  parts.push(
    p(
      writeback.length === 0
        ? 'No writeback job (Entra ID to AD: AAD2AD*, Entra2AD*) was seen during the migration.'
        : `${plural(writeback.length, 'writeback job')} (Entra ID to AD), which Microsoft's tool does not validate: first in the table.`,
      SMALL,
    ),
  );
  if (view.jobs.length > 0)
    parts.push(
      table(
        ['Job', 'Now', 'Not healthy', 'Errors seen (runs)', 'Last not healthy'],
        view.jobs.map((j) => {
          const now = conditionText(j.lastCondition);
          const errors = Object.entries(j.errorCodes).map(([c, n]) => `${c} (${n})`);
          return [
            `${esc(jobLabel(j))}<br><span style="${SMALL}">${esc(j.templateId ?? j.jobId)}${j.writeback ? ' · <strong>writeback</strong>' : ''}</span>`,
            j.lastCondition === 'healthy' ? chip(now, 'ok') : chip(now, 'warning'),
            `${j.unhealthyRuns > 0 ? `<strong style="color:#a4262c;">${j.unhealthyRuns}</strong>` : '0'} of ${plural(j.runs, 'run')}`,
            errors.length ? esc(errors.join(', '), 400) : '–',
            when(j.lastUnhealthyAt),
          ];
        }),
        new Set<number>(),
      ),
    );
  if (view.missingJobs.length > 0)
    parts.push(
      p(
        `Jobs of the baseline no run has seen since: ${view.missingJobs.map((j) => esc(jobLabel(j))).join(', ')}.`,
      ),
    );

  parts.push(h2('Coexistence with Connect Sync'));
  parts.push(
    p(
      m.coexistence
        ? `${chip('found', 'critical')} Connect Sync exported objects that Cloud Sync provisions (${plural(m.coexistence.cloudSyncObjects, 'object')}; organization last synced ${when(m.coexistence.organizationLastSyncAt)}; seen ${when(m.coexistence.firstSeenAt)} to ${when(m.coexistence.lastSeenAt)}${m.coexistence.syncAccounts.length ? `; accounts ${m.coexistence.syncAccounts.map((a) => esc(a, 120)).join(', ')}` : ''}). Running both engines on the same objects is unsupported: put Connect Sync in staging mode.`
        : `${chip('none', 'ok')} No coverage check during the migration saw Connect Sync exporting objects that Cloud Sync provisions.`,
    ),
  );

  // The appendix: every object that needs attention, whole (up to APPENDIX_MAX; the CSV always has all).
  const attention = objects
    ? [
        ...objects.notCovered.map((o) => ['not provisioned', o] as const),
        ...objects.leftScope.map((o) => ['left scope', o] as const),
      ]
    : [];
  if (attention.length > EXAMPLES) {
    const shown = attention.slice(0, APPENDIX_MAX);
    parts.push(
      h2('Appendix: every object that needs attention', true),
      p(
        `${plural(attention.length, 'object')}${attention.length > shown.length ? `; the first ${shown.length} here, every one in ${escapeHtml(csvName)}` : `; also in ${escapeHtml(csvName)}`}.`,
        SMALL,
      ),
      table(
        ['Finding', ...OBJECT_HEADERS],
        shown.map(([finding, o]) => [escapeHtml(finding), ...objectRows([o])[0]!]),
      ),
    );
  }

  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Cloud Sync migration validation: ${esc(view.tenantId)}</title>`,
    // Print only: mail clients that drop <style> lose nothing on screen.
    '<style>@media print { @page { size: A4; margin: 14mm; } body, table { background-color: #ffffff !important; } table[width] { border: 0 !important; } thead { display: table-header-group; } tr { page-break-inside: avoid; } }</style>',
    '</head>',
    `<body style="margin:0;padding:0;background-color:#f5f5f5;">`,
    `<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" style="background-color:#f5f5f5;"><tr><td align="center" style="padding:16px 8px;">`,
    `<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%" style="max-width:960px;background-color:#ffffff;border:1px solid #e0e0e0;"><tr><td style="padding:20px 24px;${TEXT}">`,
    parts.join('\n'),
    p(
      'Cloud Sync Monitor · read-only against the tenant · generated from the monitor runs since the migration started.',
      SMALL,
    ),
    '</td></tr></table></td></tr></table></body></html>',
  ].join('\n');
}

/** Every object that needs attention, as CSV (RFC 4180 quoting; cells that start a formula are defused). */
export function migrationCsv(objects: ObjectAccounting | undefined): string {
  const cell = (v: string | null): string => {
    const text = v ?? '';
    const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const rows = [
    [
      'Finding',
      'DisplayName',
      'ObjectType',
      'Domain',
      'OrganizationalUnit',
      'ObjectId',
      'OnPremisesLastSyncDateTime',
    ],
  ];
  for (const [finding, list] of [
    ['not provisioned', objects?.notCovered ?? []],
    ['left scope', objects?.leftScope ?? []],
  ] as const) {
    for (const o of list)
      rows.push([finding, o.name ?? '', o.type, o.domain ?? '', o.ou ?? '', o.id, o.lastSync ?? '']);
  }
  return `${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}
