import {
  DELETION_ACTION_OPEN,
  DELETION_ACTION_RESOLVED,
  GAP_ACTION,
  INITIAL_SYNC_PAUSED_ACTION,
  QUARANTINE_ACTION,
  agentAction,
  codeHint,
  objectErrorHint,
} from './hints.js';
import type {
  AgentDigest,
  AlertLine,
  ConfigurationDigest,
  Coverage,
  JobDigest,
  JobIncident,
  Period,
  Problem,
  ProblemKind,
} from '../domain/digestModel.js';
import { deletesAfter } from './deletesAfter.js';
import { deletionEnded } from './resolvedLines.js';
import { jobKey } from '../domain/jobId.js';
import { plural } from '../domain/text.js';
import type { HourRollup } from './rollupSchema.js';
import { clockTime, dayMonth, duration, periodText, timeInWindow } from '../domain/timeText.js';

/**
 * The day's problems, worst first: what a manager reads in the first lines and an engineer acts on.
 * Derived from what the collect runs observed (job spans, agents, failing objects, coverage), not from
 * alert transitions, so the digest is right even where alerting is switched off.
 */

const KIND_RANK: Readonly<Record<ProblemKind, number>> = {
  'deletion-threshold': 0,
  'job-quarantined': 1,
  'initial-sync-paused': 2,
  'no-active-agent': 3,
  'monitoring-gap': 4,
  'job-stalled': 5,
  'job-failing': 6,
  'agent-inactive': 7,
  'sync-errors': 8,
  'job-paused': 9,
  'job-not-running': 10,
};
const HOUR = 3600_000;

interface Context {
  readonly hours: readonly HourRollup[];
  readonly windowStart: number;
  readonly windowEnd: number;
  /** The day's resolved alert lines: a deletion trip's RESOLVED message counted the deletes it let through. */
  readonly resolved: readonly AlertLine[];
}

type Draft = { -readonly [K in keyof Problem]: Problem[K] } & { facts: string[]; periods: Period[] };

export function buildProblems(
  input: Context & {
    readonly configurations: readonly ConfigurationDigest[];
    readonly agents: readonly AgentDigest[];
    readonly coverage: Coverage;
  },
): Problem[] {
  const problems: Draft[] = [];
  for (const configuration of input.configurations)
    for (const job of configuration.jobs)
      problems.push(...jobProblems(job, input), ...syncErrorProblems(job, input));
  problems.push(...agentProblems(input.agents, problems, input));
  const gap = gapProblem(input.coverage, input);
  if (gap) problems.push(gap);
  return problems.sort(worstFirst);
}

export function worstFirst(a: Problem, b: Problem): number {
  return (
    Number(b.severity === 'critical') - Number(a.severity === 'critical') ||
    Number(b.ongoing) - Number(a.ongoing) ||
    KIND_RANK[a.kind] - KIND_RANK[b.kind] ||
    (a.periods[0]?.from ?? '').localeCompare(b.periods[0]?.from ?? '') ||
    a.id.localeCompare(b.id)
  );
}

const where = (job: JobDigest) => `${job.configurationName} ${job.label.split(' (')[0]!.toLowerCase()}`;

function jobProblems(job: JobDigest, ctx: Context): Draft[] {
  const groups = new Map<string, JobIncident[]>();
  for (const incident of job.incidents) {
    const key = `${incident.state}|${incident.detail ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), incident]);
  }
  const drafts: Draft[] = [];
  for (const incidents of groups.values()) {
    const first = incidents[0]!;
    const ongoing = incidents.some((i) => i.to === null);
    const periods = incidents.map((i) => ({ from: i.from, to: i.to }));
    const totalMs = periods.reduce(
      (n, p) => n + (Date.parse(p.to ?? new Date(ctx.windowEnd).toISOString()) - Date.parse(p.from)),
      0,
    );
    const when = periods.map((p) => periodText(p, ctx.windowStart, ctx.windowEnd));
    const codes = errorCodesDuring(job.jobId, periods, ctx).filter((c) => c !== first.detail);
    const base = {
      configurationName: job.configurationName,
      jobLabel: job.label,
      ongoing,
      periods,
    };
    switch (first.state) {
      case 'deletion-threshold':
      case 'quarantined': {
        const deletes = first.state === 'deletion-threshold';
        const facts = [
          ...when.map((w) => `Quarantined ${w}`),
          ...(deletes
            ? [
                // The day's StagedDelete events: a held cycle that the service retries stages the same
                // objects again, so this is not how many objects are held (the alert says that, per cycle).
                `${plural(job.stagedDeletes, 'deletion')} staged (StagedDelete events) today, each retry of a held cycle counted again; the threshold is ${(job.deleteThreshold ?? 500).toLocaleString('en-US')} per cycle.`,
                ...(ongoing ? [] : [deleteEventsAfter(job, periods, ctx)]),
              ]
            : [
                `Reason: ${first.detail ?? 'not given'}${codes.length ? `; error ${codes.join(', ')}` : ''}.`,
              ]),
          ...(ongoing && job.quarantine?.disableAround
            ? [
                `Microsoft disables a job about 4 weeks into quarantine: around ${dayMonth(job.quarantine.disableAround)} (${job.quarantine.disableIn}).`,
              ]
            : []),
        ];
        const hint = codes.map(codeHint).find(Boolean);
        drafts.push({
          ...base,
          id: `${deletes ? 'deletion-threshold' : 'job-quarantined'}:${job.jobId}:${first.detail ?? ''}`,
          kind: deletes ? 'deletion-threshold' : 'job-quarantined',
          severity: 'critical',
          title: deletes
            ? `Accidental-deletion threshold tripped: ${where(job)} ${ongoing ? 'is stopped' : 'was stopped'}`
            : `${where(job)} ${ongoing ? 'is' : 'was'} quarantined${first.detail ? ` (${first.detail})` : ''}`,
          facts,
          action: deletes
            ? ongoing
              ? DELETION_ACTION_OPEN
              : DELETION_ACTION_RESOLVED
            : ongoing
              ? (hint ?? QUARANTINE_ACTION)
              : hint,
        });
        break;
      }
      case 'no-agent':
        drafts.push({
          ...base,
          id: `no-active-agent:${job.jobId}`,
          kind: 'no-active-agent',
          severity: 'critical',
          title: `No active agent: ${where(job)} ${ongoing ? 'is not synchronising' : 'stopped synchronising'}`,
          facts: [...when.map((w) => `Cycles failed with ${first.detail ?? 'an agent error'} ${w}`)],
          action: codeHint(first.detail) ?? agentAction(),
        });
        break;
      case 'stalled':
        drafts.push({
          ...base,
          id: `job-stalled:${job.jobId}`,
          kind: 'job-stalled',
          severity: 'warning',
          title: `Sync ${ongoing ? 'is stalled' : 'stalled'}: ${where(job)}${first.detail ? ` (${first.detail})` : ''}`,
          // From the last success the job reported, as the alert says it, not from when the alert opened.
          facts: incidents.map(
            (i) =>
              `No successful sync cycle ${periodText({ from: i.lastSuccess ?? i.from, to: i.to }, ctx.windowStart, ctx.windowEnd)}`,
          ),
          ...(codeHint(first.detail) ? { action: codeHint(first.detail) } : {}),
        });
        break;
      case 'failing': {
        // One failed cycle that the next one fixed is noise for a daily report; the alert already covered it.
        if (!ongoing && incidents.every((i) => i.observations < 2)) break;
        drafts.push({
          ...base,
          id: `job-failing:${job.jobId}:${first.detail ?? ''}`,
          kind: 'job-failing',
          severity: 'warning',
          title: `Sync cycles ${ongoing ? 'are failing' : 'failed'}: ${where(job)}${first.detail ? ` (${first.detail})` : ''}`,
          facts: [
            ...when.map((w) => `Failing ${w}`),
            ...(ongoing && job.now?.successiveFailures
              ? [`${job.now.successiveFailures} successive complete failures so far.`]
              : []),
          ],
          ...(codeHint(first.detail) ? { action: codeHint(first.detail) } : {}),
        });
        break;
      }
      case 'initial-sync-paused':
        drafts.push({
          ...base,
          id: `initial-sync-paused:${job.jobId}`,
          kind: 'initial-sync-paused',
          severity: 'critical',
          title: `${where(job)} ${ongoing ? 'is paused' : 'was paused'} after its initial sync: errors to clean up`,
          facts: when.map(
            (w) =>
              `Paused ${w}: too many objects failed during the initial sync, their errors were cleared (escrowsPruned) and the job waits for them to be fixed.`,
          ),
          ...(ongoing ? { action: INITIAL_SYNC_PAUSED_ACTION } : {}),
        });
        break;
      case 'paused':
        if (!ongoing && totalMs < HOUR) break;
        drafts.push({
          ...base,
          id: `job-paused:${job.jobId}`,
          kind: 'job-paused',
          severity: 'warning',
          title: `${where(job)} ${ongoing ? 'is paused' : 'was paused'}`,
          facts: when.map((w) => `Paused ${w}: nothing synchronises while a job is paused.`),
          ...(ongoing
            ? {
                action:
                  'Resume the job if the pause is not intended (a forgotten pause silently stops sync).',
              }
            : {}),
        });
        break;
      case 'healthy':
        break;
      case 'unknown':
        if (!ongoing) break;
        drafts.push({
          ...base,
          id: `job-not-running:${job.jobId}`,
          kind: 'job-not-running',
          severity: 'warning',
          title: `${where(job)} is not running (${first.detail ?? first.state})`,
          facts: when.map((w) => `Status ${first.detail ?? first.state} ${w}`),
        });
    }
  }
  return drafts;
}

/**
 * What became of the staged deletions once the quarantine ended. The RESOLVED message's own count when
 * it was recorded (the deletes the trip held back): the hour-grained rollup counts every Delete event from
 * that hour to the end of the window, ordinary later deletes included, so it is only the fallback, said as
 * such.
 */
function deleteEventsAfter(job: JobDigest, periods: readonly Period[], ctx: Context): string {
  const end = periods
    .map((p) => p.to)
    .filter((t): t is string => t !== null)
    .sort()
    .at(-1);
  if (!end) return '';
  const told = ctx.resolved
    .filter(
      (l) =>
        l.kind === 'deletion-threshold' &&
        l.deletion !== undefined &&
        l.jobId &&
        jobKey(l.jobId) === jobKey(job.jobId) &&
        l.resolvedAt !== null &&
        l.resolvedAt >= end,
    )
    .sort((a, b) => (a.resolvedAt ?? '').localeCompare(b.resolvedAt ?? ''))[0];
  if (told?.deletion) return `After the quarantine ended, ${deletionEnded(told.deletion)}.`;
  const { deletes, fromHour } = deletesAfter(job.jobId, end, ctx.hours);
  return deletes === 0
    ? `No Delete event after the quarantine ended (${clockTime(end)}).`
    : `${deletes} Delete event${deletes === 1 ? '' : 's'} from ${clockTime(fromHour)} on, any later deletes included (the quarantine ended ${clockTime(end)}).`;
}

/** Error codes the job's snapshots reported during the periods (quarantine reason alone rarely says why). */
function errorCodesDuring(jobId: string, periods: readonly Period[], ctx: Context): string[] {
  const codes = new Set<string>();
  for (const h of ctx.hours) {
    const latest = h.jobs[jobId]?.latest;
    if (!latest?.lastErrorCode) continue;
    const t = latest.at;
    if (periods.some((p) => p.from <= t && (p.to === null || t < p.to))) codes.add(latest.lastErrorCode);
  }
  return [...codes];
}

function syncErrorProblems(job: JobDigest, ctx: Context): Draft[] {
  const failing = job.stillFailing;
  if (failing.objects === 0) return [];
  const count = `${failing.objects}${failing.atLeast ? '+' : ''}`;
  const facts = failing.byCode.slice(0, 3).map((c) => {
    const examples = c.examples
      .map((e) => `${e.name} (since ${timeInWindow(e.since, ctx.windowStart)})`)
      .join(', ');
    return `${c.code} (${c.category}): ${c.objects} object${c.objects === 1 ? '' : 's'}${examples ? `, e.g. ${examples}` : ''}`;
  });
  if (failing.byCode.length > 3) facts.push(`and ${failing.byCode.length - 3} more error codes`);
  const fixed = job.failures.fixed;
  if (fixed && fixed.objects > 0) {
    const one = fixed.objects === 1 && !fixed.atLeast;
    facts.push(
      `${fixed.objects}${fixed.atLeast ? '+' : ''} other object${one ? '' : 's'} failed today and ${one ? 'was' : 'were'} fixed since.`,
    );
  }
  const oldest = failing.byCode.flatMap((c) => c.examples.map((e) => e.since)).sort()[0];
  const top = failing.byCode[0];
  return [
    {
      id: `sync-errors:${job.jobId}`,
      kind: 'sync-errors',
      severity: 'warning',
      title: `${count} object${failing.objects === 1 ? '' : 's'} failing to sync: ${where(job)}`,
      configurationName: job.configurationName,
      jobLabel: job.label,
      ongoing: true,
      periods: oldest ? [{ from: oldest, to: null }] : [],
      facts,
      ...(top ? { action: objectErrorHint(top.category, top.code) } : {}),
    },
  ];
}

function agentProblems(agents: readonly AgentDigest[], jobDrafts: Draft[], ctx: Context): Draft[] {
  const drafts: Draft[] = [];
  for (const agent of agents) {
    if (agent.inactive.length === 0) continue;
    const partners = agents.filter((a) => a !== agent && a.groups.some((g) => agent.groups.includes(g)));
    const covered = (p: Period) =>
      partners.filter(
        (b) =>
          b.observations > 0 &&
          !b.inactive.some((q) => q.from < (p.to ?? '9999') && (q.to ?? '9999') > p.from),
      );
    const uncovered = agent.inactive.filter((p) => covered(p).length === 0);
    const ongoing = agent.inactive.some((p) => p.to === null);
    const when = agent.inactive.map((p) => periodText(p, ctx.windowStart, ctx.windowEnd));
    const facts = when.map((w) => `${agent.machineName} inactive ${w}`);
    const stayed = [...new Set(agent.inactive.flatMap((p) => covered(p).map((b) => b.machineName)))];
    if (agent.groups.length > 0 && uncovered.length > 0) {
      facts.push(`No other agent of ${agent.groups.join(', ')} was active meanwhile: sync stopped.`);
      // The job already says "no active agent" for this configuration: add the agent's side to it.
      const jobProblem = jobDrafts.find(
        (d) => d.kind === 'no-active-agent' && agent.groups.includes(d.configurationName ?? ''),
      );
      if (jobProblem) {
        jobProblem.facts.push(...facts);
        jobProblem.machineName = agent.machineName;
        continue;
      }
      drafts.push({
        id: `no-active-agent:agent:${agent.agentId}`,
        kind: 'no-active-agent',
        severity: 'critical',
        title: `No active agent for ${agent.groups.join(', ')}: ${agent.machineName} ${ongoing ? 'is' : 'was'} down`,
        machineName: agent.machineName,
        ongoing,
        periods: [...agent.inactive],
        facts,
        action: agentAction(agent.machineName),
      });
      continue;
    }
    if (stayed.length > 0)
      facts.push(`${stayed.join(', ')} stayed active: sync continued, without a standby.`);
    else if (agent.groups.length === 0)
      facts.push('The agent’s group is not known, so whether sync continued is not known.');
    drafts.push({
      id: `agent-inactive:${agent.agentId}`,
      kind: 'agent-inactive',
      severity: 'warning',
      title: `Agent ${agent.machineName} ${ongoing ? 'is inactive' : 'was inactive'}${stayed.length ? ' (high availability degraded)' : ''}`,
      machineName: agent.machineName,
      ongoing,
      periods: [...agent.inactive],
      facts,
      action: agentAction(agent.machineName),
    });
  }
  return drafts;
}

function gapProblem(coverage: Coverage, ctx: Context): Draft | undefined {
  if (coverage.fullyObserved) return undefined;
  const facts: string[] = [];
  const periods: Period[] = [];
  let unobservedMs = 0;
  for (const gap of coverage.gaps) {
    const span = periodText(
      { from: gap.from, to: gap.ongoing ? null : gap.to },
      ctx.windowStart,
      ctx.windowEnd,
    );
    periods.push({ from: gap.from, to: gap.ongoing ? null : gap.to });
    unobservedMs += gap.durationMs;
    facts.push(
      gap.kind === 'missed'
        ? `No collect run ${span}: about ${gap.runs} run${gap.runs === 1 ? '' : 's'} missed.`
        : `Collect runs failed ${span}: ${gap.runs} run${gap.runs === 1 ? '' : 's'}${gap.codes.length ? ` (${gap.codes.join(', ')})` : ''}.`,
    );
  }
  for (const p of coverage.partial.filter((x) => x.lost)) {
    periods.push({ from: p.from, to: p.to });
    facts.push(
      `${p.signals.join(', ')} could not be read ${timeInWindow(p.from, ctx.windowStart)} – ${clockTime(p.to)} (${p.runs} run${p.runs === 1 ? '' : 's'}${p.codes.length ? `: ${p.codes.join(', ')}` : ''})${p.signals.includes('provisioning') && !p.caughtUp ? '; provisioning events not caught up yet' : ''}.`,
    );
  }
  if (coverage.unreadableHours.length > 0)
    facts.push(`${coverage.unreadableHours.length} hour(s) of recorded data could not be read back.`);
  if (coverage.runs === 0) facts.splice(0, facts.length, 'No collect run at all in the last 24 hours.');
  const ongoing = coverage.runs === 0 || coverage.gaps.some((g) => g.ongoing);
  return {
    id: 'monitoring-gap',
    kind: 'monitoring-gap',
    severity: 'warning',
    title:
      coverage.runs === 0
        ? 'Not observed: the monitor recorded no collect run in 24 hours'
        : `Not fully observed: the monitor missed ${unobservedMs > 0 ? duration(unobservedMs) : 'part'} of the day`,
    ongoing,
    periods: periods.sort((a, b) => a.from.localeCompare(b.from)),
    facts,
    action: GAP_ACTION,
  };
}
