import { scopeSection } from './digestScope.js';
import { latencySection } from './digestLatency.js';
import type { DigestModel, HourCell, JobDigest } from '../domain/digestModel.js';
import { conditionLabel as stateLabel } from '../domain/jobCondition.js';
import { dayMonth, periodText, timeInWindow } from '../domain/timeText.js';
import {
  LEVEL_WORD,
  actionSummary,
  collectedLateText,
  eventsCounted,
  formatCount,
  plural,
  resolvedNote,
  windowText,
} from './digestFormat.js';
import { breakLinks, capText } from './escape.js';
import type { DigestRenderOptions } from './digestEmail.js';
import { cloudSyncPortalUrl, provisioningLogQueryUrl, workbookAlertUrl } from './links.js';

/**
 * The plain-text part of the digest email: the same content as the HTML, worst first, for clients that
 * show text only and for people who prefer it. Directory data is capped and stripped of control
 * characters (a display name must not be able to forge lines of the report).
 */

const MAX_PROBLEMS = 10;
const clean = (value: string | null | undefined, max = 200): string =>
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  breakLinks(capText((value ?? '').replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' '), max));

/** One character per hour: # ok, ~ degraded, ! critical, . not observed. */
const STRIP_CHARS = { ok: '#', warning: '~', critical: '!', none: '.' } as const;
const strip = (cells: readonly HourCell[]): string => `[${cells.map((c) => STRIP_CHARS[c.state]).join('')}]`;

export function renderDigestText(model: DigestModel, options: DigestRenderOptions = {}): string {
  const out: string[] = [];
  const windowStart = Date.parse(model.windowStart);
  const windowEnd = Date.parse(model.windowEnd);
  const t = model.totals;
  out.push(`CLOUD SYNC DAILY DIGEST — ${clean(model.tenantLabel, 60)} tenant`, windowText(model), '');
  out.push(
    `${LEVEL_WORD[model.verdict.level].toUpperCase()}${model.verdict.fullyObserved || model.verdict.level === 'unknown' ? '' : ' (not fully observed)'}: ${clean(model.verdict.headline, 400)}`,
  );
  out.push(
    `${plural(t.jobs, 'job')} (${t.jobsOkNow} active now) · ${eventsCounted(t.events, t.collectedLate, windowStart)} · ${plural(t.failingObjectsAtEnd, 'object')} failing now · ${t.agents ? `${t.agentsActiveNow} of ${plural(t.agents, 'agent')} active now` : 'agents not observed'} · ${t.observedPct}% of hours observed`,
    '',
  );

  for (const problem of model.problems.slice(0, MAX_PROBLEMS)) {
    out.push(
      `== ${problem.severity.toUpperCase()} (${problem.ongoing ? 'still ongoing' : 'resolved'}): ${clean(problem.title)}`,
    );
    for (const fact of problem.facts.slice(0, 8)) out.push(`   - ${clean(fact, 300)}`);
    if (problem.action) out.push(`   What to do: ${clean(problem.action, 500)}`);
    out.push('');
  }
  if (model.problems.length > MAX_PROBLEMS) {
    out.push(`== ${model.problems.length - MAX_PROBLEMS} more problems:`);
    for (const problem of model.problems.slice(MAX_PROBLEMS))
      out.push(`   - ${problem.severity}: ${clean(problem.title)}`);
    out.push('');
  }

  out.push('SYNC JOBS (one character per hour: # healthy, ~ degraded, ! critical, . not observed)');
  if (model.configurations.length === 0) out.push('  No Cloud Sync job was observed in this window.');
  const portal = cloudSyncPortalUrl(options.portalUrl);
  for (const configuration of model.configurations) {
    out.push(`  ${clean(configuration.name, 120)}`);
    // Links we built (links.ts), never directory data: printed whole.
    if (portal) out.push(`    Entra admin center (Cloud sync): ${portal}`);
    const log = configuration.servicePrincipalId
      ? provisioningLogQueryUrl(configuration.servicePrincipalId, model.windowStart, model.windowEnd)
      : undefined;
    if (log) out.push(`    Provisioning log of the day: ${log}`);
    for (const job of configuration.jobs) out.push(...jobLines(job, windowStart));
  }
  out.push('');

  // Scope coverage and sync latency: a title, a summary and lines each.
  for (const section of [scopeSection(model), latencySection(model)]) {
    if (!section) continue;
    out.push(
      section.title.toUpperCase(),
      `  ${clean(section.summary, 400)}`,
      ...section.lines.map((l) => `  - ${clean(l, 400)}`),
      '',
    );
  }

  out.push('PROVISIONING AGENTS');
  if (model.agents.list.length === 0) out.push(`  ${clean(model.agents.note ?? 'No agents observed.', 400)}`);
  for (const agent of model.agents.list) {
    out.push(
      `  ${clean(agent.machineName, 100)} (${clean(agent.groups.join(', ') || 'group not known', 150)}): ${clean(agent.statusNow, 30)} now, ` +
        `${agent.availabilityPct === null ? 'availability n/a' : `${agent.availabilityPct}% available`} ${strip(agent.hourly)}`,
    );
    for (const period of agent.inactive)
      out.push(`    inactive ${periodText(period, windowStart, windowEnd)}`);
  }
  out.push('');

  if (model.alerts.recorded) {
    out.push('ALERTS');
    const a = model.alerts;
    out.push(`  opened ${a.opened.length}, still open ${a.stillOpen.length}, resolved ${a.resolved.length}`);
    const workbook = workbookAlertUrl(options.workbookUrl);
    if (workbook) out.push(`  Each alert by its id in the workbook (Alerts > Alert history): ${workbook}`);
    for (const l of a.stillOpen.slice(0, 10))
      out.push(
        `  open: [${clean(l.severity, 20)}] ${clean(l.summary)}${(l.since ?? l.openedAt) ? ` (since ${timeInWindow((l.since ?? l.openedAt)!, windowStart)})` : ''}${l.silencedBy ? ` silenced (${clean(l.silencedBy, 80)})` : ''}; alert ${clean(l.alertId, 80)}`,
      );
    for (const l of a.resolved.slice(0, 10))
      out.push(
        `  resolved: [${clean(l.severity, 20)}] ${clean(l.summary)} (${clean(resolvedNote(l, windowStart))}); alert ${clean(l.alertId, 80)}`,
      );
    out.push('');
  }

  out.push('COMPARED WITH THE PREVIOUS DAY');
  if (!model.change.previousObserved) out.push('  The previous day was not observed: no comparison.');
  else
    for (const r of model.change.rows) {
      const delta = r.today - (r.previous ?? 0);
      out.push(
        `  ${r.label}: ${formatCount(r.today)} (previous day ${formatCount(r.previous ?? 0)}${delta ? `, ${delta > 0 ? '+' : '−'}${formatCount(Math.abs(delta))}` : ''})`,
      );
    }
  out.push('');

  const c = model.coverage;
  out.push('MONITORING COVERAGE');
  out.push(
    `  ${c.fullyObserved ? 'Fully observed' : 'NOT fully observed'}: ${formatCount(c.runs)} of about ${formatCount(c.expectedRuns)} expected collect runs ` +
      `(${c.partialRuns} partial, ${c.failedRuns} failed) ${strip(c.hourly)}`,
  );
  for (const g of c.gaps)
    out.push(
      `  ${g.kind === 'missed' ? 'no collect run' : 'collect runs failed'} ${periodText({ from: g.from, to: g.ongoing ? null : g.to }, windowStart, windowEnd)}`,
    );
  for (const x of c.partial)
    out.push(
      `  ${x.signals.join(', ')} not read ${timeInWindow(x.from, windowStart)} – ${timeInWindow(x.to, windowStart)}${x.lost ? ' (not observed)' : x.caughtUp ? ' (caught up later)' : ''}`,
    );
  out.push('', `Times are UTC. Tenant ${model.tenantId}. Cloud Sync Monitor.`);
  return `${out.join('\n')}\n`;
}

function jobLines(job: JobDigest, windowStart: number): string[] {
  const status = job.now
    ? `${stateLabel(job.now.state)}${job.now.detail ? ` (${clean(job.now.detail, 80)})` : ''}`
    : 'status not observed';
  const lines = [
    `    ${job.label}: ${status} ${strip(job.hourly)}`,
    `      ${plural(job.cycles, 'cycle')} with changes, ${plural(job.eventTotal, 'event')}: ${actionSummary(job.events)}`,
  ];
  if (job.collectedLate) lines.push(`      ${collectedLateText(job.collectedLate, windowStart)}`);
  if (job.quarantine?.disableAround)
    lines.push(
      `      quarantined since ${job.quarantine.since ? timeInWindow(job.quarantine.since, windowStart) : '?'}; disabled around ${dayMonth(job.quarantine.disableAround)} (${job.quarantine.disableIn})`,
    );
  if (job.failures.events > 0) {
    lines.push(
      `      failures: ${formatCount(job.failures.events)} events on ${formatCount(job.failures.objects)}${job.failures.objectsAtLeast ? '+' : ''} objects; ${formatCount(job.stillFailing.objects)} still failing`,
    );
    for (const code of job.failures.topCodes.slice(0, 5))
      lines.push(
        `        ${clean(code.code, 80)} (${code.category}): ${plural(code.objects, 'object')}, ${plural(code.events, 'event')}${code.examples.length ? `; e.g. ${code.examples.map((e) => clean(e, 64)).join(', ')}` : ''}`,
      );
  }
  return lines;
}
