import type {
  CellState,
  CodeDigest,
  ConfigurationDigest,
  FailingCodeDigest,
  HourCell,
  JobDigest,
  JobIncident,
} from '../domain/digestModel.js';
import { asErrorCategory, ERROR_CATEGORIES } from '../domain/errorCategory.js';
import {
  conditionSeverity,
  type ConditionSeverity,
  isJobCondition,
  type JobConditionState,
} from '../domain/jobCondition.js';
import { jobTitle, templateRank } from '../domain/jobTemplates.js';
import { timeToDisable } from '../domain/quarantineOutlook.js';
import type { HourRollup, JobSnapshot, Span } from './rollupSchema.js';
import { collectedLate } from './collectedLate.js';
import { jobNow } from './jobsNow.js';
import { joinSpans } from './spans.js';
import {
  DIGEST_ACTIONS,
  DIGEST_RESULTS,
  type DigestAction,
  type DigestResult,
} from '../domain/digestVocabulary.js';

/** Per configuration and job: status now, the day's incidents, cycles, events by action, failures. */

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** Microsoft disables a job after about four weeks in a quarantine series. */
export const QUARANTINE_DISABLE_MS = 28 * DAY;
const TOP_CODES = 10;
const FAILING_EXAMPLES = 3;

export interface JobsInput {
  /** The window's hours, oldest first. */
  readonly hours: readonly HourRollup[];
  readonly windowStart: number;
  readonly windowEnd: number;
}

export function buildConfigurations(input: JobsInput): ConfigurationDigest[] {
  const { hours } = input;
  const ids = new Set<string>();
  for (const h of hours) {
    for (const id of Object.keys(h.jobs)) ids.add(id);
    for (const id of Object.keys(h.provisioning)) ids.add(id);
  }
  const jobs = [...ids].map((id) => buildJob(id, input));

  const configurations = new Map<
    string,
    { name: string; servicePrincipalId: string | null; jobs: JobDigest[] }
  >();
  const keyOf = (spId: string | null, name: string) => (spId ?? `name:${name}`).toLowerCase();
  for (const c of hours.at(-1)?.configurations ?? [])
    configurations.set(keyOf(c.servicePrincipalId, c.name), {
      name: c.name,
      servicePrincipalId: c.servicePrincipalId,
      jobs: [],
    });
  for (const job of jobs) {
    const key = keyOf(job.servicePrincipalId, job.configurationName);
    const entry = configurations.get(key) ?? {
      name: job.configurationName,
      servicePrincipalId: job.servicePrincipalId,
      jobs: [],
    };
    entry.jobs.push(job);
    configurations.set(key, entry);
  }
  return [...configurations.values()]
    .map((c) => {
      const sorted = [...c.jobs].sort(
        (a, b) =>
          severityRank(cellSeverity(b.worst)) - severityRank(cellSeverity(a.worst)) ||
          templateRank(a.templateId) - templateRank(b.templateId),
      );
      const worst = sorted.reduce<CellState>((w, j) => worseCell(w, j.worst), sorted.length ? 'ok' : 'none');
      return { name: c.name, servicePrincipalId: c.servicePrincipalId, worst, jobs: sorted };
    })
    .sort((a, b) => cellRank(b.worst) - cellRank(a.worst) || a.name.localeCompare(b.name));
}

const severityRank = (s: ConditionSeverity | 'none'): number =>
  s === 'critical' ? 3 : s === 'warning' ? 2 : s === 'ok' ? 1 : 0;

const cellSeverity = (c: CellState): ConditionSeverity | 'none' => (c === 'none' ? 'none' : c);
export const cellRank = (c: CellState): number =>
  c === 'critical' ? 3 : c === 'warning' ? 2 : c === 'ok' ? 1 : 0;
export const worseCell = (a: CellState, b: CellState): CellState => (cellRank(b) > cellRank(a) ? b : a);

function buildJob(jobId: string, input: JobsInput): JobDigest {
  const { hours, windowStart, windowEnd } = input;
  const current = jobNow(jobId, hours);
  const latest = current?.snapshot;
  const condition = current?.condition;
  const provisioning = hours.map((h) => h.provisioning[jobId]).filter((p) => p !== undefined);
  const spans = joinSpans(hours.map((h) => h.jobs[jobId]?.spans ?? []));

  const incidents: JobIncident[] = [];
  for (const [i, span] of spans.entries()) {
    const state = jobState(span.state);
    if (state === 'healthy') continue;
    const severity = conditionSeverity(state);
    incidents.push({
      state,
      detail: span.detail,
      severity: severity === 'critical' ? 'critical' : 'warning',
      from: incidentBegan(jobId, hours, span, spans[i - 1], BEGAN_BY[state]),
      to: spans[i + 1]?.from ?? null,
      observations: span.observations,
      ...(state === 'stalled' && span.lastSuccess ? { lastSuccess: span.lastSuccess } : {}),
    });
  }

  const events = emptyEvents();
  const cycles = new Set<string>();
  let cyclesOverflow = 0;
  const codes = new Map<
    string,
    { category: string; events: number; objects: Set<string>; overflow: number; examples: string[] }
  >();
  for (const p of provisioning) {
    for (const [action, results] of Object.entries(p.byAction)) {
      const a = (DIGEST_ACTIONS as readonly string[]).includes(action) ? (action as DigestAction) : 'other';
      for (const [result, n] of Object.entries(results)) {
        const r = (DIGEST_RESULTS as readonly string[]).includes(result) ? (result as DigestResult) : 'other';
        events[a][r] += n;
      }
    }
    for (const c of p.cycles) cycles.add(c);
    cyclesOverflow += p.cyclesOverflow;
    for (const [code, f] of Object.entries(p.failures)) {
      const entry = codes.get(code) ?? {
        category: f.category,
        events: 0,
        objects: new Set<string>(),
        overflow: 0,
        examples: [],
      };
      entry.events += f.events;
      for (const o of f.objects) entry.objects.add(o);
      entry.overflow += f.objectsOverflow;
      for (const e of f.examples)
        if (entry.examples.length < 3 && !entry.examples.includes(e)) entry.examples.push(e);
      codes.set(code, entry);
    }
  }
  const topCodes: CodeDigest[] = [...codes]
    .map(([code, c]) => ({
      code,
      category: c.category,
      events: c.events,
      objects: c.objects.size + c.overflow,
      objectsAtLeast: c.overflow > 0,
      examples: c.examples,
    }))
    .sort((a, b) => b.objects - a.objects || b.events - a.events || a.code.localeCompare(b.code));
  const allObjects = new Set<string>();
  for (const c of codes.values()) for (const o of c.objects) allObjects.add(o);
  const overflow = [...codes.values()].reduce((n, c) => n + c.overflow, 0);
  const byCategory = ERROR_CATEGORIES.map((category) => {
    const inCategory = [...codes.values()].filter((c) => normaliseCategory(c.category) === category);
    const objects = new Set<string>();
    for (const c of inCategory) for (const o of c.objects) objects.add(o);
    return {
      category,
      events: inCategory.reduce((n, c) => n + c.events, 0),
      objects: objects.size + inCategory.reduce((n, c) => n + c.overflow, 0),
    };
  }).filter((c) => c.events > 0);

  // The last hour of the window holds the failing objects as of the end of the window (carried hour to hour).
  const failing = hours.at(-1)?.failing[jobId];
  const failingObjects = Object.values(failing?.objects ?? {});
  const byCode = new Map<string, { category: string; objects: { name: string; since: string }[] }>();
  for (const o of failingObjects) {
    const entry = byCode.get(o.code) ?? { category: o.category, objects: [] };
    entry.objects.push({ name: o.name, since: o.since });
    byCode.set(o.code, entry);
  }
  const failingByCode: FailingCodeDigest[] = [...byCode]
    .map(([code, e]) => ({
      code,
      category: e.category,
      objects: e.objects.length,
      examples: e.objects
        .sort((a, b) => a.since.localeCompare(b.since) || a.name.localeCompare(b.name))
        .slice(0, FAILING_EXAMPLES),
    }))
    .sort((a, b) => b.objects - a.objects || a.code.localeCompare(b.code));
  const stillFailingCount = failingObjects.length + (failing?.overflow ?? 0);
  // Failed in the window and not failing at its end. Not known when the end's failing objects
  // overflowed their cap: one that is not itemised there may still fail.
  const fixed =
    (failing?.overflow ?? 0) > 0
      ? null
      : {
          objects: [...allObjects].filter((o) => !failing || !Object.hasOwn(failing.objects, o)).length,
          atLeast: overflow > 0,
        };

  const quarantined = condition?.state === 'quarantined' || condition?.state === 'deletion-threshold';
  const quarantine = latest && quarantined ? quarantineOf(latest, windowEnd) : null;
  const hourly = jobStrip(jobId, hours, windowStart);
  let worst: CellState = latest ? 'ok' : provisioning.length > 0 ? 'ok' : 'none';
  for (const incident of incidents) worst = worseCell(worst, incident.severity);
  if (stillFailingCount > 0) worst = worseCell(worst, 'warning');

  const firstProvisioning = provisioning[0];
  return {
    jobId,
    templateId: latest?.templateId ?? jobId.split('.')[0] ?? null,
    label: jobTitle(latest?.templateId ?? jobId.split('.')[0] ?? jobId),
    configurationName:
      latest?.configurationName ?? firstProvisioning?.configurationName ?? 'Unknown configuration',
    servicePrincipalId: latest?.servicePrincipalId ?? firstProvisioning?.servicePrincipalId ?? null,
    now:
      latest && condition
        ? {
            statusCode: latest.statusCode,
            state: condition.state,
            detail: condition.detail,
            observedAt: latest.at,
            lastExecutionState: latest.lastExecutionState,
            lastSuccessfulSync: latest.lastSuccessfulExecutionEnded,
            successiveFailures: latest.successiveFailures,
          }
        : null,
    worst,
    quarantine,
    incidents,
    hourly,
    cycles: cycles.size + cyclesOverflow,
    events,
    eventTotal: Object.values(events).reduce((n, r) => n + Object.values(r).reduce((m, x) => m + x, 0), 0),
    collectedLate: collectedLate(provisioning, windowStart),
    failures: {
      events: topCodes.reduce((n, c) => n + c.events, 0),
      objects: allObjects.size + overflow,
      objectsAtLeast: overflow > 0,
      byCategory,
      topCodes: topCodes.slice(0, TOP_CODES),
      codes: topCodes.length,
      fixed,
    },
    stillFailing: {
      objects: stillFailingCount,
      atLeast: (failing?.overflow ?? 0) > 0,
      byCode: failingByCode,
    },
    deleteThreshold: latest?.deleteThreshold ?? null,
    stagedDeletes: Object.values(events.StagedDelete).reduce((n, x) => n + x, 0),
  };
}

/**
 * A quarantine began before the run that first saw it: Graph's quarantine.currentBegan says when. Used
 * unless an earlier observation of this window contradicts it (the job was seen healthy after that time).
 */
/**
 * When an incident began by the same evidence its alert dates it from, so the digest's "from – to
 * (duration)" and the alert's "lasted" give one number: a quarantine from Graph's quarantine start, an
 * initial-sync pause from the end of the job's last cycle (src/rules/initialSyncPaused.ts). Other
 * conditions begin with the first run that saw them.
 */
const BEGAN_BY: Partial<Record<JobConditionState, (s: JobSnapshot) => string | null>> = {
  quarantined: (s) => s.quarantineSince,
  'deletion-threshold': (s) => s.quarantineSince,
  'initial-sync-paused': (s) => s.lastExecutionEnded,
};

/** The earliest such evidence seen during the span that is after the span before it; else the span's start. */
function incidentBegan(
  jobId: string,
  hours: readonly HourRollup[],
  span: Span,
  before: Span | undefined,
  evidence: ((s: JobSnapshot) => string | null) | undefined,
): string {
  if (!evidence) return span.from;
  let began = span.from;
  for (const h of hours) {
    const s = h.jobs[jobId]?.latest;
    if (!s || s.at < span.from || s.at > span.to) continue;
    const since = evidence(s);
    if (since && since < began && (!before || since > before.to)) began = since;
  }
  return began;
}

const normaliseCategory = asErrorCategory;

/** Spans store the condition as a string (rollupSchema upgrades older names); anything else is unknown. */
const jobState = (state: string): JobConditionState => (isJobCondition(state) ? state : 'unknown');

function emptyEvents(): Record<DigestAction, Record<DigestResult, number>> {
  return Object.fromEntries(
    DIGEST_ACTIONS.map((a) => [a, Object.fromEntries(DIGEST_RESULTS.map((r) => [r, 0]))]),
  ) as Record<DigestAction, Record<DigestResult, number>>;
}

/** "in 6 days", "in 23 h", or "due: it may be disabled already" (one wording: domain/quarantineOutlook). */
function disableInWords(disableMs: number, at: number): string {
  const left = timeToDisable(disableMs, at);
  return left ? `in ${left}` : 'due: it may be disabled already';
}

export function quarantineOf(latest: JobSnapshot, at: number) {
  const began = latest.quarantineSeriesBegan ?? latest.quarantineSince;
  const disable = began ? Date.parse(began) + QUARANTINE_DISABLE_MS : NaN;
  return {
    reason: latest.quarantineReason,
    since: latest.quarantineSince,
    seriesBegan: latest.quarantineSeriesBegan,
    disableAround: Number.isNaN(disable) ? null : new Date(disable).toISOString(),
    disableIn: Number.isNaN(disable) ? null : disableInWords(disable, at),
  };
}

function jobStrip(jobId: string, hours: readonly HourRollup[], windowStart: number): HourCell[] {
  const byHour = new Map(hours.map((h) => [Date.parse(h.hour), h]));
  const cells: HourCell[] = [];
  for (let i = 0; i < 24; i++) {
    const t = Math.floor((windowStart + i * HOUR) / HOUR) * HOUR;
    const spans = byHour.get(t)?.jobs[jobId]?.spans ?? [];
    let state: CellState = 'none';
    for (const s of spans) state = worseCell(state, conditionSeverity(jobState(s.state)));
    cells.push({ hour: new Date(t).toISOString(), state });
  }
  return cells;
}
