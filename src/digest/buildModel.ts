import { buildAgents } from './agentAvailability.js';
import { buildAlerts } from './alertActivity.js';
import { buildCoverage, runsIn } from './coverage.js';
import { buildConfigurations } from './jobs.js';
import { jobKey } from '../domain/jobId.js';
import { jobName } from '../domain/jobTemplates.js';
import type {
  AlertLine,
  AlertsDigest,
  ChangeDigest,
  ChangeRow,
  ConfigurationDigest,
  DayTotals,
  DigestLevel,
  DigestModel,
  JobDigest,
  Problem,
  Verdict,
} from '../domain/digestModel.js';
import { buildProblems } from './problems.js';
import { withResolvedOutcomes } from './resolvedLines.js';
import { dayCollectedLate } from './collectedLate.js';
import { DIGEST_WINDOW_MS, type HourRollup } from './rollupSchema.js';
import { timeInWindow } from '../domain/timeText.js';

/**
 * The digest model of the 24 hours before `windowEnd`, from the hourly rollups of that window and of the
 * day before (for the comparison, for alerts still open from yesterday, and to tell whether the window
 * began inside a gap). Pure: same rollups, same digest.
 */

const DAY = DIGEST_WINDOW_MS;

export interface DigestModelInput {
  readonly tenantId: string;
  readonly windowEnd: Date;
  /** The rollups of the 24 h window, any order. */
  readonly hours: readonly HourRollup[];
  /** The rollups of the 24 h before the window. */
  readonly previousDay: readonly HourRollup[];
  /** How often the collect timer is meant to run; no run for more than twice this is a gap. */
  readonly expectedRunIntervalMs: number;
  /** Rollups that exist but could not be read back (their hours are not observed). */
  readonly unreadableHours?: readonly string[];
  /** Overrides the name derived from the configurations for the subject line. */
  readonly tenantLabel?: string;
}

export function buildDigestModel(input: DigestModelInput): DigestModel {
  const windowEnd = input.windowEnd.getTime();
  const windowStart = windowEnd - DAY;
  const inRange = (from: number, to: number) => (h: HourRollup) => {
    const t = Date.parse(h.hour);
    return t >= from - 3600_000 + 1 && t < to;
  };
  const hours = sortHours(input.hours.filter(inRange(windowStart, windowEnd)));
  const previous = sortHours(input.previousDay.filter(inRange(windowStart - DAY, windowStart)));

  const today = buildDay({
    hours,
    previous,
    windowStart,
    windowEnd,
    interval: input.expectedRunIntervalMs,
    unreadable: input.unreadableHours ?? [],
  });
  const yesterday =
    previous.length > 0
      ? buildDay({
          hours: previous,
          previous: [],
          windowStart: windowStart - DAY,
          windowEnd: windowStart,
          interval: input.expectedRunIntervalMs,
          unreadable: [],
        })
      : undefined;

  return {
    tenantId: input.tenantId,
    tenantLabel: input.tenantLabel ?? tenantLabelOf(input.tenantId, [...hours, ...previous]),
    windowStart: new Date(windowStart).toISOString(),
    windowEnd: new Date(windowEnd).toISOString(),
    date: new Date(windowEnd).toISOString().slice(0, 10),
    ...today,
    change: changeOf(today.totals, yesterday?.totals),
  };
}

function sortHours(hours: readonly HourRollup[]): HourRollup[] {
  return [...hours].sort((a, b) => a.hour.localeCompare(b.hour));
}

function buildDay(d: {
  hours: readonly HourRollup[];
  previous: readonly HourRollup[];
  windowStart: number;
  windowEnd: number;
  interval: number;
  unreadable: readonly string[];
}): Omit<DigestModel, 'tenantId' | 'tenantLabel' | 'windowStart' | 'windowEnd' | 'date' | 'change'> {
  const { hours, windowStart, windowEnd } = d;
  const coverage = buildCoverage({
    hours,
    before: runsIn(d.previous, windowStart - DAY, windowStart),
    windowStart,
    windowEnd,
    expectedIntervalMs: d.interval,
    unreadableHours: d.unreadable,
  });
  const unordered = buildConfigurations({ hours, windowStart, windowEnd });
  const agents = buildAgents(hours, runsIn(hours, windowStart, windowEnd), windowStart);
  const unorderedAlerts = buildAlerts(hours, d.previous, windowStart, windowEnd);
  const problems = buildProblems({
    hours,
    windowStart,
    windowEnd,
    configurations: unordered,
    agents: agents.list,
    coverage,
    resolved: unorderedAlerts.resolved,
  });
  const configurations = byFirstProblem(unordered, problems);
  const verdict = verdictOf(
    problems,
    coverage.fullyObserved,
    configurations.flatMap((c) => c.jobs).length,
    coverage.runs,
    windowEnd,
  );
  const jobs = configurations.flatMap((c) => c.jobs);
  const alerts = withResolvedOutcomes(withCurrentCounts(unorderedAlerts, jobs), jobs, hours);
  const totals: DayTotals = {
    events: jobs.reduce((n, j) => n + j.eventTotal, 0),
    collectedLate: dayCollectedLate(hours, windowStart),
    failedEvents: jobs.reduce((n, j) => n + j.failures.events, 0),
    failingObjectsAtEnd: jobs.reduce((n, j) => n + j.stillFailing.objects, 0),
    stagedDeletes: jobs.reduce((n, j) => n + j.stagedDeletes, 0),
    jobs: jobs.length,
    jobsOkNow: jobs.filter((j) => j.now?.state === 'healthy').length,
    agents: agents.list.length,
    agentsActiveNow: agents.list.filter((a) => a.statusNow === 'active').length,
    alertsOpened: alerts.opened.length,
    critical: verdict.critical,
    warnings: verdict.warnings,
    observedPct: observedPct(coverage.hourly.map((c) => c.state)),
  };
  return { verdict, problems, configurations, agents, alerts, coverage, totals };
}

/** The configuration of the worst problem comes first, so the job sections follow the problem list. */
function byFirstProblem(
  configurations: readonly ConfigurationDigest[],
  problems: readonly Problem[],
): ConfigurationDigest[] {
  const rank = (c: ConfigurationDigest) => {
    const i = problems.findIndex((p) => p.configurationName === c.name);
    return i < 0 ? problems.length : i;
  };
  // Array.prototype.sort is stable: configurations without problems keep their worst-first, by-name order.
  return [...configurations].sort((a, b) => rank(a) - rank(b));
}

function observedPct(cells: readonly string[]): number {
  if (cells.length === 0) return 0;
  return Math.round((100 * cells.filter((c) => c !== 'none').length) / cells.length);
}

function verdictOf(
  problems: readonly Problem[],
  fullyObserved: boolean,
  jobCount: number,
  runs: number,
  windowEnd: number,
): Verdict {
  const critical = problems.filter((p) => p.severity === 'critical').length;
  const warnings = problems.length - critical;
  const worst = problems[0];
  let level: DigestLevel = critical > 0 ? 'critical' : warnings > 0 ? 'degraded' : 'healthy';
  // Only gaps in observation and nothing else wrong: we cannot say healthy, we do not know.
  if (!fullyObserved && problems.every((p) => p.kind === 'monitoring-gap')) level = 'unknown';
  let headline: string;
  if (level === 'healthy') {
    headline = `All ${jobCount} sync job${jobCount === 1 ? '' : 's'} healthy all day, fully observed: no quarantine, no failing objects, agents available.`;
  } else if (level === 'unknown') {
    headline =
      runs === 0
        ? 'Not observed: no collect run recorded in the last 24 hours, so nothing can be said about sync health.'
        : `Not fully observed: no problem seen, but ${worst?.title.replace(/^Not fully observed: /, '') ?? 'part of the day was not observed'}.`;
  } else {
    const more = problems.length - 1;
    const state = worst!.ongoing ? 'still ongoing' : `resolved ${resolvedAt(worst!, windowEnd - DAY)}`;
    headline = `${worst!.title} (${state})${more > 0 ? `; ${more} more problem${more === 1 ? '' : 's'}` : ''}${fullyObserved ? '' : '; not fully observed'}.`;
  }
  return { level, fullyObserved, headline, critical, warnings };
}

function resolvedAt(problem: Problem, windowStart: number): string {
  const last = problem.periods
    .map((p) => p.to)
    .filter((t): t is string => t !== null)
    .sort()
    .at(-1);
  return last ? `at ${timeInWindow(last, windowStart)}` : '';
}

function changeOf(today: DayTotals, previous: DayTotals | undefined): ChangeDigest {
  const row = (metric: ChangeRow['metric'], label: string, direction: ChangeRow['direction']): ChangeRow => ({
    metric,
    label,
    today: today[metric],
    previous: previous ? previous[metric] : null,
    direction,
  });
  return {
    previousObserved: previous !== undefined,
    rows: [
      row('critical', 'Critical problems', 'up-is-bad'),
      row('warnings', 'Warnings', 'up-is-bad'),
      row('failedEvents', 'Failed provisioning events', 'up-is-bad'),
      row('failingObjectsAtEnd', 'Objects still failing at the end', 'up-is-bad'),
      row('alertsOpened', 'Alerts opened', 'up-is-bad'),
      row('events', 'Provisioning events', 'neutral'),
      row('observedPct', 'Hours observed (%)', 'up-is-good'),
    ],
  };
}

/**
 * An open sync-errors alert carries the count of its last transition; the job section and the verdict
 * count the objects failing at the end of the window. Both are told from the object status, but at
 * different instants (and the alert leaves out what Entra retries by itself), so the digest would say
 * "2 objects failing" next to "1 object failing now" for the same job. The digest's own count wins:
 * an open alert line says how many objects of its job fail at the end of the window.
 */
function withCurrentCounts(alerts: AlertsDigest, jobs: readonly JobDigest[]): AlertsDigest {
  const byKey = new Map(jobs.map((j) => [jobKey(j.jobId), j]));
  const current = (line: AlertLine): AlertLine => {
    if (line.kind !== 'sync-errors' || line.lastTransition === 'resolved' || !line.jobId) return line;
    const job = byKey.get(jobKey(line.jobId));
    if (!job) return line;
    const n = job.stillFailing.objects;
    const name = jobName(job.configurationName, job.templateId);
    const summary =
      n === 0
        ? `${name}: no object failing any more at the end of the window (the alert resolves with the next run)`
        : `${name}: ${n}${job.stillFailing.atLeast ? '+' : ''} object${n === 1 ? '' : 's'} failing to sync at the end of the window`;
    return { ...line, summary };
  };
  return { ...alerts, opened: alerts.opened.map(current), stillOpen: alerts.stillOpen.map(current) };
}

/** "contoso" for a tenant whose configurations are contoso.com and fabrikam.local: short, for a subject line. */
function tenantLabelOf(tenantId: string, hours: readonly HourRollup[]): string {
  const names = [...new Set(hours.flatMap((h) => h.configurations.map((c) => c.name)))].sort();
  const first = names[0]?.split('.')[0]?.trim();
  return first && first.length > 0 ? first : tenantId.slice(0, 8);
}
