import { scopeSection } from './digestScope.js';
import { latencySection } from './digestLatency.js';
import type {
  AgentDigest,
  AlertLine,
  ConfigurationDigest,
  DigestModel,
  HourCell,
  JobDigest,
  Problem,
} from '../domain/digestModel.js';
import { conditionLabel as stateLabel, conditionSeverity } from '../domain/jobCondition.js';
import { dayMonth, periodText, timeInWindow } from '../domain/timeText.js';
import {
  CELL_COLOURS,
  CELL_WORDS,
  LEVEL_COLOURS,
  LEVEL_WORD,
  SEVERITY_LEVEL,
  actionSummary,
  digestSubject,
  formatCount,
  plural,
  collectedLateText,
  eventsCounted,
  resolvedNote,
  windowText,
} from './digestFormat.js';
import { breakLinks, capText, escapeHtml } from './escape.js';
import { cloudSyncPortalUrl, provisioningLogQueryUrl, workbookAlertUrl } from './links.js';

/**
 * The digest as an HTML email that survives Outlook for Windows (Word's renderer): layout with tables
 * only, inline styles, bgcolor attributes next to background colours, no scripts, no images (bars and
 * hour strips are table cells), system fonts. Worst first: the first section heading is the worst problem.
 * Every string from the model passes through `esc`, which caps and escapes it.
 */

const FONT =
  "font-family:'Segoe UI',-apple-system,BlinkMacSystemFont,Roboto,'Helvetica Neue',Arial,sans-serif;";
/**
 * Long unbroken words (error codes such as AzureDirectoryServiceAttributeValueMustBeUnique, job ids,
 * machine names) wrap anywhere rather than push the email wider than a 400 px phone screen.
 */
const WRAP = 'overflow-wrap:anywhere;word-wrap:break-word;word-break:break-word;';
const TEXT = `${FONT}font-size:14px;line-height:20px;color:#242424;${WRAP}`;
const SMALL = `${FONT}font-size:12px;line-height:16px;color:#616161;${WRAP}`;
/** Problems shown in full; the rest are listed by title. */
const MAX_PROBLEMS = 10;
const MAX_CODES = 5;
const MAX_ALERTS = 10;

export interface DigestRenderOptions {
  readonly workbookUrl?: string | undefined;
  /** Entra admin center base (sovereign clouds differ); default https://entra.microsoft.com/. */
  readonly portalUrl?: string | undefined;
}

/** Directory data to HTML: capped, escaped, and with URL schemes broken so clients do not link them. */
const esc = (value: string | null | undefined, max = 200): string =>
  breakLinks(escapeHtml(capText(value ?? '', max)));

export function renderDigestHtml(model: DigestModel, options: DigestRenderOptions = {}): string {
  const healthy = model.verdict.level === 'healthy';
  const sections = [
    header(model),
    verdict(model),
    ...problems(model),
    configurations(model, healthy, options),
    agents(model, healthy),
    alerts(model, options),
    change(model, healthy),
    scope(model),
    latency(model),
    coverage(model),
    footer(model, options),
  ].filter((s) => s !== '');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light only"><title>${esc(digestSubject(model), 300)}</title></head>
<body style="margin:0;padding:0;background-color:#F5F5F5;">
<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${esc(model.verdict.headline, 300)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#F5F5F5" style="background-color:#F5F5F5;">
<tr><td align="center" style="padding:16px 4px;">
<!--[if mso]><table role="presentation" width="680" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#FFFFFF" style="width:100%;max-width:680px;background-color:#FFFFFF;border:1px solid #E0E0E0;">
${sections.join('\n')}
</table>
<!--[if mso]></td></tr></table><![endif]-->
</td></tr></table>
</body></html>
`;
}

const row = (content: string, padding = '0 16px 16px 16px'): string =>
  `<tr><td style="padding:${padding};${TEXT}">${content}</td></tr>`;

const h2 = (text: string, colour = '#242424'): string =>
  `<h2 style="margin:0 0 8px 0;${FONT}font-size:17px;line-height:22px;font-weight:600;color:${colour};">${text}</h2>`;

const p = (content: string, style = TEXT, margin = '0 0 6px 0'): string =>
  `<p style="margin:${margin};${style}">${content}</p>`;

function chip(text: string, level: keyof typeof LEVEL_COLOURS): string {
  const c = LEVEL_COLOURS[level];
  return `<span style="display:inline-block;white-space:nowrap;padding:1px 8px;border:1px solid ${c.bar};background-color:${c.background};color:${c.text};${FONT}font-size:12px;line-height:18px;font-weight:600;">${text}</span>`;
}

function header(model: DigestModel): string {
  return row(
    `<h1 style="margin:0;${FONT}font-size:22px;line-height:28px;font-weight:600;color:#242424;">Cloud Sync daily digest</h1>` +
      p(`${esc(model.tenantLabel, 60)} tenant · ${esc(windowText(model))}`, SMALL, '4px 0 0 0'),
    '20px 16px 12px 16px',
  );
}

function verdict(model: DigestModel): string {
  const c = LEVEL_COLOURS[model.verdict.level];
  const t = model.totals;
  const facts = [
    plural(t.jobs, 'job') + (t.jobs ? `, ${formatCount(t.jobsOkNow)} active now` : ''),
    eventsCounted(t.events, t.collectedLate, Date.parse(model.windowStart)),
    plural(t.failingObjectsAtEnd, 'object') + ' failing now',
    t.agents
      ? `${formatCount(t.agentsActiveNow)} of ${plural(t.agents, 'agent')} active now`
      : 'agents not observed',
    `${t.observedPct}% of hours observed`,
  ];
  return row(
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>` +
      `<td width="6" bgcolor="${c.bar}" style="width:6px;background-color:${c.bar};">&nbsp;</td>` +
      `<td bgcolor="${c.background}" style="padding:12px 16px;background-color:${c.background};${TEXT}">` +
      p(
        `<strong style="color:${c.text};font-size:18px;line-height:24px;">${esc(LEVEL_WORD[model.verdict.level])}</strong>` +
          (model.verdict.fullyObserved || model.verdict.level === 'unknown'
            ? ''
            : ` <span style="color:${c.text};">· not fully observed</span>`),
        TEXT,
        '0 0 4px 0',
      ) +
      p(esc(model.verdict.headline, 400), TEXT, '0 0 6px 0') +
      p(esc(facts.join(' · '), 400), SMALL, '0') +
      `</td></tr></table>`,
  );
}

function problems(model: DigestModel): string[] {
  const shown = model.problems.slice(0, MAX_PROBLEMS).map((problem) => problemSection(problem, model));
  const rest = model.problems.slice(MAX_PROBLEMS);
  if (rest.length > 0) {
    shown.push(
      row(
        h2(`${rest.length} more problem${rest.length === 1 ? '' : 's'}`) +
          rest.map((r) => p(`${esc(r.severity.toUpperCase())} · ${esc(r.title)}`)).join(''),
      ),
    );
  }
  return shown;
}

function problemSection(problem: Problem, model: DigestModel): string {
  const level = SEVERITY_LEVEL[problem.severity];
  const c = LEVEL_COLOURS[level];
  const ended = problem.periods
    .map((x) => x.to)
    .filter((t): t is string => t !== null)
    .sort()
    .at(-1);
  const state = problem.ongoing
    ? 'still ongoing'
    : ended
      ? `resolved ${timeInWindow(ended, Date.parse(model.windowStart))}`
      : 'resolved';
  return row(
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr>` +
      `<td width="4" bgcolor="${c.bar}" style="width:4px;background-color:${c.bar};">&nbsp;</td>` +
      `<td style="padding:10px 14px;border:1px solid #E0E0E0;border-left:0;${TEXT}">` +
      p(
        `<strong style="color:${c.text};letter-spacing:0.5px;">${esc(problem.severity.toUpperCase())}</strong> · ${esc(state)}`,
        `${FONT}font-size:12px;line-height:16px;color:#616161;`,
        '0 0 4px 0',
      ) +
      h2(esc(problem.title, 200)) +
      problem.facts
        .slice(0, 8)
        .map((f) => p(`• ${esc(f, 300)}`))
        .join('') +
      (problem.action
        ? p(`<strong>What to do:</strong> ${esc(problem.action, 500)}`, TEXT, '8px 0 0 0')
        : '') +
      `</td></tr></table>`,
  );
}

/**
 * 24 table cells, one per hour, coloured by the worst state seen in that hour, with the clock time under
 * every sixth cell. Cells carry a non-breaking space: Outlook collapses empty cells.
 */
function strip(cells: readonly HourCell[], label: string): string {
  // Fluid: 24 cells of about 4% each, at most 22 px wide (528 px) on a wide screen, narrower on a phone.
  const tds = cells
    .map(
      (cell) =>
        `<td width="4%" height="12" bgcolor="${CELL_COLOURS[cell.state]}" title="${esc(`${cell.hour.slice(11, 16)} ${CELL_WORDS[cell.state]}`)}" style="height:12px;background-color:${CELL_COLOURS[cell.state]};border-right:2px solid #FFFFFF;font-size:1px;line-height:1px;">&nbsp;</td>`,
    )
    .join('');
  const ticks = cells
    .filter((_, i) => i % 6 === 0)
    .map(
      (cell) =>
        `<td colspan="6" style="${FONT}font-size:11px;line-height:14px;color:#757575;padding:2px 0 0 0;">${esc(cell.hour.slice(11, 16))}</td>`,
    )
    .join('');
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:528px;table-layout:fixed;margin:4px 0 6px 0;" aria-label="${esc(label)}"><tr>${tds}</tr><tr>${ticks}</tr></table>`;
}

function legend(): string {
  const key = (state: keyof typeof CELL_COLOURS) =>
    `<span style="display:inline-block;width:10px;height:10px;background-color:${CELL_COLOURS[state]};">&nbsp;</span>&nbsp;${CELL_WORDS[state]}`;
  return p(
    `One cell per hour (UTC): ${key('ok')} &nbsp;${key('warning')} &nbsp;${key('critical')} &nbsp;${key('none')}. Status on the right is the status now.`,
    SMALL,
    '0 0 4px 0',
  );
}

/** A horizontal bar drawn with two cells; `pct` 0-100. */
function bar(pct: number, colour: string, width = 160): string {
  const filled = Math.max(0, Math.min(width, Math.round((pct / 100) * width)));
  const cells = [
    filled > 0
      ? `<td width="${filled}" height="10" bgcolor="${colour}" style="width:${filled}px;height:10px;background-color:${colour};font-size:1px;line-height:1px;">&nbsp;</td>`
      : '',
    filled < width
      ? `<td width="${width - filled}" height="10" bgcolor="#EDEBE9" style="width:${width - filled}px;height:10px;background-color:#EDEBE9;font-size:1px;line-height:1px;">&nbsp;</td>`
      : '',
  ].join('');
  return `<table role="presentation" cellpadding="0" cellspacing="0" border="0" width="${width}" style="width:${width}px;"><tr>${cells}</tr></table>`;
}

function configurations(model: DigestModel, compact: boolean, options: DigestRenderOptions): string {
  if (model.configurations.length === 0)
    return row(h2('Sync jobs') + p('No Cloud Sync job was observed in this window.'));
  return row(
    h2('Sync jobs') +
      legend() +
      model.configurations.map((c) => configuration(c, model, compact, options)).join(''),
  );
}

/** A link we built (links.ts checked it); its text is ours, its URL escaped for the attribute. */
const link = (url: string, text: string): string =>
  `<a href="${escapeHtml(url)}" style="color:#0F6CBD;text-decoration:underline;">${escapeHtml(text)}</a>`;

/** Where to look at a configuration: its page in the Entra admin center, its provisioning log of the window. */
function configurationLinks(
  config: ConfigurationDigest,
  model: DigestModel,
  options: DigestRenderOptions,
): string {
  const portal = cloudSyncPortalUrl(options.portalUrl);
  const log = config.servicePrincipalId
    ? provisioningLogQueryUrl(config.servicePrincipalId, model.windowStart, model.windowEnd)
    : undefined;
  const links = [
    portal ? link(portal, 'Entra admin center (Cloud sync)') : '',
    log ? link(log, 'Provisioning log of the day') : '',
  ].filter(Boolean);
  return links.length ? p(links.join(' · '), SMALL, '0 0 6px 0') : '';
}

function configuration(
  config: ConfigurationDigest,
  model: DigestModel,
  compact: boolean,
  options: DigestRenderOptions,
): string {
  return (
    `<h3 style="margin:12px 0 6px 0;${FONT}font-size:15px;line-height:20px;font-weight:600;color:#242424;">${esc(config.name, 120)}</h3>` +
    configurationLinks(config, model, options) +
    (config.jobs.length === 0
      ? p('No jobs observed.', SMALL)
      : config.jobs.map((j) => job(j, model, compact)).join(''))
  );
}

function statusChip(job: JobDigest): string {
  if (!job.now) return chip('status not observed', 'unknown');
  const severity = conditionSeverity(job.now.state);
  const level = severity === 'ok' ? 'healthy' : severity === 'critical' ? 'critical' : 'degraded';
  return chip(esc(`${stateLabel(job.now.state)}${job.now.detail ? ` (${job.now.detail})` : ''}`, 100), level);
}

function job(job: JobDigest, model: DigestModel, compact: boolean): string {
  const windowStart = Date.parse(model.windowStart);
  const parts: string[] = [
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 4px 0;"><tr>` +
      `<td style="${TEXT}font-weight:600;">${esc(job.label)}</td>` +
      `<td align="right" style="${TEXT}">${statusChip(job)}</td></tr></table>`,
    strip(job.hourly, `${job.label} status by hour`),
    p(
      job.eventTotal === 0
        ? 'No provisioning events.'
        : `${esc(plural(job.cycles, 'cycle'))} with changes · ${esc(plural(job.eventTotal, 'event'))}: ${esc(actionSummary(job.events), 400)}`,
      SMALL,
    ),
  ];
  if (job.collectedLate) parts.push(p(esc(collectedLateText(job.collectedLate, windowStart)), SMALL));
  if (job.quarantine) {
    const q = job.quarantine;
    parts.push(
      p(
        esc(
          `Quarantined${q.reason ? ` (${q.reason})` : ''} since ${q.since ? timeInWindow(q.since, windowStart) : 'unknown'}` +
            (q.disableAround
              ? `; Microsoft disables the job around ${dayMonth(q.disableAround)} (${q.disableIn})`
              : ''),
          300,
        ),
        `${TEXT}color:${LEVEL_COLOURS.critical.text};`,
      ),
    );
  }
  if (job.now?.lastSuccessfulSync && job.now.state !== 'healthy')
    parts.push(
      p(`Last successful cycle: ${esc(timeInWindow(job.now.lastSuccessfulSync, windowStart))}`, SMALL),
    );
  if (job.failures.events > 0 || (!compact && job.eventTotal > 0)) parts.push(failures(job));
  return `<div style="margin:0 0 14px 0;padding:0 0 10px 0;border-bottom:1px solid #EDEBE9;">${parts.join('')}</div>`;
}

function failures(job: JobDigest): string {
  const f = job.failures;
  if (f.events === 0) return p('No failed provisioning events.', SMALL);
  const atLeast = f.objectsAtLeast ? '+' : '';
  const maxObjects = Math.max(1, ...f.byCategory.map((c) => c.objects));
  const categories = f.byCategory
    .map(
      (c) =>
        `<tr><td style="${SMALL}padding:2px 8px 2px 0;">${esc(c.category)}</td>` +
        `<td style="padding:2px 8px 2px 0;">${bar((100 * c.objects) / maxObjects, LEVEL_COLOURS.critical.bar, 80)}</td>` +
        `<td style="${SMALL}padding:2px 0;">${esc(plural(c.objects, 'object'))}, ${esc(plural(c.events, 'event'))}</td></tr>`,
    )
    .join('');
  // One block per error code rather than a five-column table: it reads the same on a phone.
  const codes = f.topCodes
    .slice(0, MAX_CODES)
    .map(
      (c) =>
        `<tr><td valign="top" style="${SMALL}color:#242424;padding:4px 0;border-bottom:1px solid #F0F0F0;">` +
        `<strong>${esc(c.code, 80)}</strong> <span style="color:#616161;">(${esc(c.category)})</span><br>` +
        `${esc(`${plural(c.objects, 'object')}${c.objectsAtLeast ? ' or more' : ''}, ${plural(c.events, 'event')}`)}` +
        `${c.examples.length ? `<span style="color:#616161;"> · e.g. ${esc(c.examples.join(', '), 200)}</span>` : ''}</td></tr>`,
    )
    .join('');
  const still = job.stillFailing.objects;
  return (
    p(
      `<strong>Failures:</strong> ${esc(`${formatCount(f.events)} failed events on ${formatCount(f.objects)}${atLeast} objects; ${formatCount(still)}${job.stillFailing.atLeast ? '+' : ''} still failing at the end of the window`)}`,
      TEXT,
      '6px 0 4px 0',
    ) +
    `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 6px 0;">${categories}</table>` +
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 4px 0;">${codes}</table>` +
    (f.codes > MAX_CODES ? p(esc(`and ${f.codes - MAX_CODES} more error codes`), SMALL) : '')
  );
}

function agents(model: DigestModel, compact: boolean): string {
  const a = model.agents;
  if (a.list.length === 0)
    return row(h2('Provisioning agents') + p(esc(a.note ?? 'No agents observed.', 400), SMALL));
  const windowStart = Date.parse(model.windowStart);
  const windowEnd = Date.parse(model.windowEnd);
  const rows = a.list.map((agent) => agentRow(agent, windowStart, windowEnd, compact)).join('');
  return row(
    h2('Provisioning agents') +
      `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">${rows}</table>` +
      p(
        esc(
          `Availability: share of ${a.observedBy.join(' and ')} observations in which the agent was active.`,
        ),
        SMALL,
        '4px 0 0 0',
      ),
  );
}

function agentRow(agent: AgentDigest, windowStart: number, windowEnd: number, compact: boolean): string {
  const pct = agent.availabilityPct ?? 0;
  const level = agent.statusNow === 'active' ? 'healthy' : 'critical';
  const availability = LEVEL_COLOURS[pct >= 99.5 ? 'healthy' : pct >= 90 ? 'degraded' : 'critical'].text;
  const inactive = agent.inactive.map((x) => periodText(x, windowStart, windowEnd)).join('; ');
  return (
    `<tr><td valign="top" style="${TEXT}padding:6px 8px 0 0;"><strong>${esc(agent.machineName, 100)}</strong><br><span style="${SMALL}">${esc(agent.groups.join(', ') || 'group not known', 150)}</span></td>` +
    `<td valign="top" style="padding:8px 8px 0 0;">${chip(esc(agent.statusNow, 30), level)}</td>` +
    // The availability as a number (coloured like the bar it replaced): a bar did not fit a phone's width.
    `<td valign="top" align="right" style="${TEXT}padding:6px 0 0 0;white-space:nowrap;color:${availability};font-weight:600;">${agent.availabilityPct === null ? 'n/a' : `${agent.availabilityPct}%`}</td></tr>` +
    (compact && agent.inactive.length === 0
      ? ''
      : `<tr><td colspan="3" style="padding:0 0 6px 0;border-bottom:1px solid #F0F0F0;">${strip(agent.hourly, `${agent.machineName} by hour`)}${inactive ? p(esc(`Inactive ${inactive}`, 300), SMALL) : ''}</td></tr>`)
  );
}

function alerts(model: DigestModel, options: DigestRenderOptions): string {
  const a = model.alerts;
  if (!a.recorded) return '';
  const workbook = workbookAlertUrl(options.workbookUrl);
  // The alert id is how the workbook (Alerts > Alert history) and the CloudSyncAlert_CL table find it.
  const where = (l: AlertLine) =>
    ` <span style="color:#616161;">· alert ${esc(l.alertId, 80)}${workbook ? ` (${link(workbook, 'in the workbook')})` : ''}</span>`;
  const windowStart = Date.parse(model.windowStart);
  const list = (title: string, lines: readonly AlertLine[], when: (l: AlertLine) => string) =>
    lines.length === 0
      ? ''
      : p(`<strong>${esc(title)} (${lines.length})</strong>`, TEXT, '6px 0 2px 0') +
        lines
          .slice(0, MAX_ALERTS)
          .map((l) =>
            p(
              `${chip(esc(l.severity, 20), l.severity === 'critical' ? 'critical' : 'degraded')} ${esc(l.summary, 200)}${l.subject ? ` <span style="color:#616161;">· ${esc(l.subject, 120)}</span>` : ''} <span style="color:#616161;">· ${esc(when(l))}</span>${where(l)}`,
              TEXT,
              '0 0 4px 0',
            ),
          )
          .join('') +
        (lines.length > MAX_ALERTS ? p(esc(`and ${lines.length - MAX_ALERTS} more`), SMALL) : '');
  const body =
    list('Opened', a.opened, (l) => `opened ${l.openedAt ? timeInWindow(l.openedAt, windowStart) : ''}`) +
    list(
      'Still open',
      a.stillOpen,
      (l) =>
        // Since the condition began, as the alert's own messages say (opened later by a hold-down).
        ((l.since ?? l.openedAt)
          ? `open since ${timeInWindow((l.since ?? l.openedAt)!, windowStart)}`
          : `last ${l.lastTransition} ${timeInWindow(l.lastAt, windowStart)}`) +
        (l.silencedBy ? ` · silenced (${l.silencedBy})` : ''),
    ) +
    list('Resolved', a.resolved, (l) => resolvedNote(l, windowStart));
  return row(h2('Alerts') + (body || p('No alert opened, open or resolved in this window.', SMALL)));
}

function change(model: DigestModel, compact: boolean): string {
  const c = model.change;
  if (!c.previousObserved)
    return row(
      h2('Compared with the previous day') + p('The previous day was not observed: no comparison.', SMALL),
    );
  const moved = c.rows.filter(
    (r) => r.previous !== null && r.direction !== 'neutral' && r.today !== r.previous,
  );
  if (compact && moved.length === 0) {
    const events = c.rows.find((r) => r.metric === 'events');
    return row(
      h2('Compared with the previous day') +
        p(
          esc(
            `No change in problems or failures. Provisioning events: ${formatCount(events?.today ?? 0)} (previous day ${formatCount(events?.previous ?? 0)}).`,
          ),
          SMALL,
        ),
    );
  }
  const th = (t: string, align = 'left') =>
    `<th align="${align}" style="${SMALL}font-weight:600;padding:4px 12px 4px 0;border-bottom:1px solid #E0E0E0;">${t}</th>`;
  const rows = c.rows
    .map((r) => {
      const delta = r.previous === null ? 0 : r.today - r.previous;
      const worse = (r.direction === 'up-is-bad' && delta > 0) || (r.direction === 'up-is-good' && delta < 0);
      const better =
        (r.direction === 'up-is-bad' && delta < 0) || (r.direction === 'up-is-good' && delta > 0);
      const colour = worse ? LEVEL_COLOURS.critical.text : better ? LEVEL_COLOURS.healthy.text : '#616161';
      const sign =
        delta > 0 ? `▲ +${formatCount(delta)}` : delta < 0 ? `▼ −${formatCount(-delta)}` : 'no change';
      return (
        `<tr><td style="${TEXT}padding:3px 12px 3px 0;">${esc(r.label)}</td>` +
        `<td align="right" style="${TEXT}padding:3px 12px 3px 0;font-weight:600;">${esc(formatCount(r.today))}</td>` +
        `<td align="right" style="${TEXT}padding:3px 12px 3px 0;color:#616161;">${esc(formatCount(r.previous ?? 0))}</td>` +
        `<td style="${TEXT}padding:3px 0;color:${colour};white-space:nowrap;">${esc(sign)}</td></tr>`
      );
    })
    .join('');
  return row(
    h2('Compared with the previous day') +
      `<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>${th('')}${th('Today', 'right')}${th('Previous day', 'right')}${th('Change')}</tr>${rows}</table>`,
  );
}

/** Scope coverage of on-premises objects (src/render/digestScope.ts builds the lines). */
function scope(model: DigestModel): string {
  const section = scopeSection(model);
  if (!section) return '';
  const label =
    section.level === 'healthy' ? 'covered' : section.level === 'warning' ? 'gaps' : 'not fully checked';
  return linesSection(section, label);
}

/** A section of a title, a chip and a summary, and escaped lines (scope coverage, sync latency). */
function linesSection(
  section: {
    title: string;
    level: 'healthy' | 'warning' | 'unknown';
    summary: string;
    lines: readonly string[];
  },
  label: string,
): string {
  return row(
    h2(section.title) +
      p(
        `${chip(label, section.level === 'warning' ? 'degraded' : section.level)} ${esc(section.summary, 400)}`,
      ) +
      section.lines.map((l) => p(`• ${esc(l, 400)}`, SMALL)).join(''),
  );
}

/** Sync latency from the canary's round trips (src/render/digestLatency.ts builds the lines). */
function latency(model: DigestModel): string {
  const section = latencySection(model);
  return section ? linesSection(section, section.level === 'healthy' ? 'canary ok' : 'canary failed') : '';
}

function coverage(model: DigestModel): string {
  const c = model.coverage;
  const windowStart = Date.parse(model.windowStart);
  const windowEnd = Date.parse(model.windowEnd);
  const minutes = Math.round(c.expectedIntervalMs / 60_000);
  const summary =
    `${formatCount(c.runs)} of about ${formatCount(c.expectedRuns)} expected collect runs (every ${minutes} min)` +
    `${c.partialRuns ? `, ${c.partialRuns} partial` : ''}${c.failedRuns ? `, ${c.failedRuns} failed` : ''}.`;
  const lines: string[] = [];
  for (const g of c.gaps)
    lines.push(
      `${g.kind === 'missed' ? 'No collect run' : 'Collect runs failed'} ${periodText({ from: g.from, to: g.ongoing ? null : g.to }, windowStart, windowEnd)}` +
        (g.codes.length ? ` (${g.codes.join(', ')})` : ''),
    );
  for (const x of c.partial)
    lines.push(
      `${x.signals.join(', ') || 'part of the signals'} could not be read ${timeInWindow(x.from, windowStart)} – ${timeInWindow(x.to, windowStart)} (${plural(x.runs, 'run')}${x.codes.length ? `: ${x.codes.join(', ')}` : ''})` +
        (x.lost ? ': not observed' : x.caughtUp ? ': caught up by a later run, nothing lost' : ''),
    );
  if (c.truncated.length > 0)
    lines.push(
      `Some numbers are lower bounds: the hourly records hit their size caps (${c.truncated.slice(0, 5).join(', ')}).`,
    );
  return row(
    h2('Monitoring coverage') +
      p(
        `${chip(c.fullyObserved ? 'fully observed' : 'not fully observed', c.fullyObserved ? 'healthy' : 'unknown')} ${esc(summary)}`,
        TEXT,
      ) +
      strip(c.hourly, 'collect runs by hour') +
      lines.map((l) => p(`• ${esc(l, 300)}`, SMALL)).join(''),
  );
}

function footer(model: DigestModel, options: DigestRenderOptions): string {
  const link = options.workbookUrl
    ? `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 12px 0;"><tr><td bgcolor="#0F6CBD" style="background-color:#0F6CBD;padding:8px 16px;"><a href="${escapeHtml(options.workbookUrl)}" style="${FONT}font-size:14px;font-weight:600;color:#FFFFFF;text-decoration:none;">Open the Cloud Sync workbook</a></td></tr></table>`
    : '';
  return row(
    link +
      p(
        esc(
          `Times are UTC. Tenant ${model.tenantId}. Sent by Cloud Sync Monitor from what its collect runs recorded; every hour is either observed or listed as a gap.`,
          400,
        ),
        SMALL,
        '0',
      ),
    '8px 16px 20px 16px',
  );
}
