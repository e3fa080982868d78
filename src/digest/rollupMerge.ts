import type { Transition } from '../domain/alertModel.js';
import type { CollectResult } from '../collect/collectRun.js';
import { jobIdsMatch } from '../domain/jobId.js';
import { classifyJob } from '../domain/jobCondition.js';
import { jobKey } from '../domain/jobId.js';
import { capText } from '../domain/text.js';
import { deletionOutcomeSchema } from '../domain/alertDetails.js';
import type { AgentRecord, JobStatusRecord, MonitorRunRecord } from '../tables/definitions.js';
import { DIGEST_WINDOW_MS, hourLabel } from './rollupSchema.js';
import type {
  AgentHour,
  FailingJob,
  HourRollup,
  JobSnapshot,
  ProvisioningHour,
  TransitionEntry,
} from './rollupSchema.js';
import { addObservation } from './spans.js';
import {
  MAX_EXAMPLES_PER_CODE,
  MAX_NAME_CHARS,
  MAX_OBJECTS_PER_CODE,
  outcomeAt,
  type JobTally,
  type ProvisioningTally,
} from './tally.js';
import { DIGEST_ACTIONS, DIGEST_RESULTS } from '../domain/digestVocabulary.js';

/**
 * Pure merging of what one collect run (or one heartbeat) saw into the rollup of its hour. recordRun
 * re-applies these to a freshly read rollup whenever an ETag conflict forces a retry, so they must not
 * depend on anything but their arguments; and a run merged twice changes nothing (its runId is kept).
 */

/** The parts of a collect run the digest keeps. A full CollectResult fits. */
export type RunFacts = Pick<
  CollectResult,
  'runId' | 'startedAt' | 'outcome' | 'configurations' | 'jobs' | 'agents' | 'agentsApi' | 'issues'
> & {
  readonly provisioning: Pick<CollectResult['provisioning'], 'written' | 'backlogRemaining'>;
  readonly run?: Pick<MonitorRunRecord, 'Trigger'>;
};

export interface RunObservation {
  readonly result: RunFacts;
  readonly provisioning: ProvisioningTally;
  readonly transitions: readonly Transition[];
}

/**
 * How long a failing object not seen again is remembered: the rules' SYNC_ERRORS_STALE_HOURS
 * (RuleSettings.syncErrors.staleMs), so the digest and the sync-errors alert forget it together.
 */
export interface FailingMemory {
  readonly failingForgetMs: number;
}

const MAX_RUNS = 120;
const MAX_SPANS = 30;
const MAX_CODES_PER_JOB = 25;
const OTHER_CODES = '(other error codes)';
const MAX_CYCLES_PER_HOUR = 300;
export const MAX_FAILING_PER_JOB = 1_000;
const MAX_TRANSITIONS = 300;
const MAX_GROUPS = 10;

export function mergeRun(rollup: HourRollup, observation: RunObservation, memory: FailingMemory): HourRollup {
  const { result } = observation;
  if (rollup.runs.some((r) => r.runId === result.runId)) return rollup;
  const at = result.startedAt.toISOString();
  const next: HourRollup = structuredClone(rollup);
  const truncated = new Set(next.truncated);

  next.runs.push({
    at,
    runId: result.runId,
    outcome: result.outcome,
    trigger: result.run?.Trigger ?? 'unknown',
    failedSignals: [...new Set(result.issues.filter((i) => i.severity === 'error').map((i) => i.signal))],
    errorCodes: [...new Set(result.issues.filter((i) => i.severity === 'error').map((i) => i.code))].slice(
      0,
      3,
    ),
    events: result.provisioning.written,
    backlogRemaining: result.provisioning.backlogRemaining,
    agentsApi: result.agentsApi,
  });
  next.runs.sort((a, b) => a.at.localeCompare(b.at));
  if (next.runs.length > MAX_RUNS) {
    next.runs.splice(0, next.runs.length - MAX_RUNS);
    truncated.add('runs');
  }

  if (result.configurations.length > 0) {
    next.configurations = result.configurations.map((c) => ({
      servicePrincipalId: c.servicePrincipalId,
      name: c.name,
    }));
  }
  // Alerts first: a job's condition in this run takes this run's alert verdicts into account.
  mergeOpenJobAlerts(next, observation.transitions);
  for (const job of result.jobs) mergeJob(next, job, truncated);
  for (const agent of result.agents) mergeAgent(next, agent, at, truncated);
  mergeProvisioning(next, observation.provisioning, result.jobs, truncated);
  forgetStaleFailing(next, at, memory);
  mergeTransitions(next, observation.transitions, truncated);

  next.truncated = [...truncated].sort();
  return next;
}

/** Heartbeats posted by agent hosts: the agent half of a run, for tenants where Graph cannot list agents. */
export function mergeAgentRecords(rollup: HourRollup, records: readonly AgentRecord[]): HourRollup {
  const next: HourRollup = structuredClone(rollup);
  const truncated = new Set(next.truncated);
  for (const record of records) mergeAgent(next, record, record.TimeGenerated, truncated);
  next.truncated = [...truncated].sort();
  return next;
}

function snapshotOf(job: JobStatusRecord): JobSnapshot {
  return {
    at: job.TimeGenerated,
    servicePrincipalId: job.ServicePrincipalId,
    configurationName: job.ConfigurationName,
    jobId: job.JobId ?? 'unknown',
    templateId: job.TemplateId,
    statusCode: job.StatusCode,
    quarantineReason: job.QuarantineReason,
    quarantineSince: job.QuarantineSince,
    quarantineSeriesBegan: job.QuarantineSeriesBegan,
    lastExecutionState: job.LastExecutionState,
    lastExecutionEnded: job.LastExecutionEnded,
    lastSuccessfulExecutionEnded: job.LastSuccessfulExecutionEnded,
    lastErrorCode: job.LastErrorCode,
    quarantineErrorCode: job.QuarantineErrorCode,
    scheduleState: job.ScheduleState,
    scheduleInterval: job.ScheduleInterval,
    successiveFailures: job.SuccessiveCompleteFailures,
    escrowsPruned: job.EscrowsPruned,
    deleteThreshold: job.DeleteThreshold,
  };
}

function mergeJob(rollup: HourRollup, job: JobStatusRecord, truncated: Set<string>): void {
  const snapshot = snapshotOf(job);
  const condition = classifyJob(job, { openAlerts: rollup.openJobAlerts?.[jobKey(snapshot.jobId)] ?? [] });
  const existing = rollup.jobs[snapshot.jobId];
  const spans = addObservation(existing?.spans ?? [], snapshot.at, condition.state, condition.detail);
  // A stall's span begins when its alert opened; the job says since when no cycle succeeded.
  const span = spans.find((s) => s.from <= snapshot.at && snapshot.at <= s.to);
  const lastSuccess = snapshot.lastSuccessfulExecutionEnded;
  if (span?.state === 'stalled' && span.lastSuccess === undefined && lastSuccess && lastSuccess < span.from) {
    span.lastSuccess = lastSuccess;
  }
  if (spans.length > MAX_SPANS) {
    // A flapping job: keep the first and the latest spans, the digest says the timeline is incomplete.
    spans.splice(1, spans.length - MAX_SPANS);
    truncated.add(`job-spans:${snapshot.jobId}`);
  }
  rollup.jobs[snapshot.jobId] = {
    latest: existing && existing.latest.at > snapshot.at ? existing.latest : snapshot,
    spans,
  };
}

/** Job alert kinds whose verdict the digest shows as the job's condition (see classifyJob). */
const CONDITION_ALERTS = new Set<string>(['sync-stalled', 'job-failing']);

/** Opens and closes the job alerts this run's transitions tell of; every other transition keeps one open. */
function mergeOpenJobAlerts(rollup: HourRollup, transitions: readonly Transition[]): void {
  const open: Record<string, string[]> = structuredClone(rollup.openJobAlerts ?? {});
  for (const t of [...transitions].sort((a, b) => a.at.localeCompare(b.at))) {
    const { kind, subject } = t.alert;
    if (!CONDITION_ALERTS.has(kind) || !subject.jobId) continue;
    const key = jobKey(subject.jobId);
    const kinds = new Set(open[key] ?? []);
    if (t.transition === 'resolved') kinds.delete(kind);
    else kinds.add(kind);
    if (kinds.size > 0) open[key] = [...kinds].sort();
    else delete open[key];
  }
  if (Object.keys(open).length > 0 || rollup.openJobAlerts) rollup.openJobAlerts = open;
}

function groupNames(groups: unknown): string[] {
  if (!Array.isArray(groups)) return [];
  const names: string[] = [];
  for (const g of groups as unknown[]) {
    if (typeof g !== 'object' || g === null) continue;
    const { displayName, id } = g as { displayName?: unknown; id?: unknown };
    const name = typeof displayName === 'string' ? displayName : typeof id === 'string' ? id : undefined;
    if (name) names.push(capText(name, MAX_NAME_CHARS));
  }
  return [...new Set(names)].slice(0, MAX_GROUPS);
}

function mergeAgent(rollup: HourRollup, record: AgentRecord, at: string, truncated: Set<string>): void {
  const id = record.AgentId ?? record.MachineName;
  if (!id) return;
  const status = (record.Status ?? 'unknown').toLowerCase();
  const existing: AgentHour | undefined = rollup.agents[id];
  const spans = addObservation(existing?.spans ?? [], at, status, null);
  if (spans.length > MAX_SPANS) {
    spans.splice(1, spans.length - MAX_SPANS);
    truncated.add(`agent-spans:${id}`);
  }
  const newer = !existing || existing.latestAt <= at;
  const groups = groupNames(record.AgentGroups);
  rollup.agents[id] = {
    machineName: (newer ? record.MachineName : existing.machineName) ?? existing?.machineName ?? null,
    groups: groups.length > 0 ? groups : (existing?.groups ?? []),
    latestStatus: newer ? status : existing.latestStatus,
    latestAt: newer ? at : existing.latestAt,
    source: newer ? (record.Source ?? 'graph') : existing.source,
    active: (existing?.active ?? 0) + (status === 'active' ? 1 : 0),
    total: (existing?.total ?? 0) + 1,
    spans,
  };
}

function emptyProvisioningHour(
  servicePrincipalId: string | null,
  configurationName: string | null,
): ProvisioningHour {
  return {
    servicePrincipalId,
    configurationName,
    byAction: Object.fromEntries(
      DIGEST_ACTIONS.map((a) => [a, Object.fromEntries(DIGEST_RESULTS.map((r) => [r, 0]))]),
    ),
    cycles: [],
    cyclesOverflow: 0,
    failures: {},
  };
}

/** Events carry 3-part job ids, the jobs API lists their prefixes: store under the listed id when one matches. */
function listedJobKey(eventJobKey: string, listed: readonly string[]): string {
  return listed.find((id) => jobIdsMatch(id, eventJobKey)) ?? eventJobKey;
}

/**
 * Keeps the count of this run's events that happened before the rollup's hour, by their own hour, so
 * the digest can say how many of its window's events happened before the window began.
 */
function mergeEarlier(hour: ProvisioningHour, job: JobTally, rollupHour: string): void {
  const own = hourLabel(new Date(rollupHour));
  const foldBefore = hourLabel(new Date(Date.parse(rollupHour) - DIGEST_WINDOW_MS));
  const earlier = hour.earlier ?? { byEventHour: {}, oldest: '' };
  let added = false;
  for (const [label, n] of job.byEventHour) {
    if (label >= own) continue;
    earlier.byEventHour[label] = (earlier.byEventHour[label] ?? 0) + n;
    added = true;
  }
  if (!added) return;
  if (job.firstAt !== null && (earlier.oldest === '' || job.firstAt < earlier.oldest))
    earlier.oldest = job.firstAt;
  // Hours more than a day back: before every window that reads this hour, so one entry says it.
  const old = Object.keys(earlier.byEventHour)
    .filter((label) => label < foldBefore)
    .sort();
  for (const label of old.slice(1)) {
    earlier.byEventHour[old[0]!]! += earlier.byEventHour[label]!;
    delete earlier.byEventHour[label];
  }
  hour.earlier = earlier;
}

function mergeProvisioning(
  rollup: HourRollup,
  tally: ProvisioningTally,
  jobs: readonly JobStatusRecord[],
  truncated: Set<string>,
): void {
  const listed = [
    ...new Set([...jobs.map((j) => j.JobId ?? ''), ...Object.keys(rollup.jobs)].filter(Boolean)),
  ];
  for (const job of tally.byJob()) {
    const key = listedJobKey(job.jobKey, listed);
    const hour =
      rollup.provisioning[key] ?? emptyProvisioningHour(job.servicePrincipalId, job.configurationName);
    rollup.provisioning[key] = hour;
    hour.servicePrincipalId ??= job.servicePrincipalId;
    hour.configurationName ??= job.configurationName;
    for (const [action, results] of Object.entries(job.byAction)) {
      const target = (hour.byAction[action] ??= {});
      for (const [result, n] of Object.entries(results)) target[result] = (target[result] ?? 0) + n;
    }
    const cycles = new Set(hour.cycles);
    for (const cycle of job.cycles) {
      if (cycles.has(cycle)) continue;
      if (cycles.size < MAX_CYCLES_PER_HOUR) cycles.add(cycle);
      else hour.cyclesOverflow += 1;
    }
    hour.cycles = [...cycles];
    mergeEarlier(hour, job, rollup.hour);

    for (const [rawCode, tallied] of job.failures) {
      const known = rawCode in hour.failures;
      const code = known || Object.keys(hour.failures).length < MAX_CODES_PER_JOB ? rawCode : OTHER_CODES;
      if (code === OTHER_CODES) truncated.add(`codes:${key}`);
      const entry = (hour.failures[code] ??= {
        category: code === OTHER_CODES ? 'Other' : tallied.category,
        events: 0,
        objects: [],
        objectsOverflow: 0,
        examples: [],
      });
      entry.events += tallied.events;
      const objects = new Set(entry.objects);
      for (const object of tallied.objects) {
        if (objects.has(object)) continue;
        if (objects.size < MAX_OBJECTS_PER_CODE) objects.add(object);
        else entry.objectsOverflow += 1;
      }
      entry.objects = [...objects];
      entry.objectsOverflow += tallied.objectsOverflow;
      for (const example of tallied.examples)
        if (entry.examples.length < MAX_EXAMPLES_PER_CODE && !entry.examples.includes(example))
          entry.examples.push(example);
    }

    const failing: FailingJob = rollup.failing[key] ?? { objects: {}, overflow: 0 };
    rollup.failing[key] = failing;
    for (const [objectKey, outcome] of job.lastByObject) {
      const current = failing.objects[objectKey];
      if (current && current.lastAt > outcomeAt(outcome)) continue;
      if (typeof outcome === 'string') {
        delete failing.objects[objectKey];
        continue;
      }
      if (!current && Object.keys(failing.objects).length >= MAX_FAILING_PER_JOB) {
        failing.overflow += 1;
        truncated.add(`failing:${key}`);
        continue;
      }
      failing.objects[objectKey] = {
        name: capText(outcome.name, MAX_NAME_CHARS),
        code: outcome.code,
        category: outcome.category,
        since: current?.since ?? outcome.at,
        lastAt: outcome.at,
      };
    }
  }
}

/** Drops failing objects with no event for `failingForgetMs`: nothing will ever tell us they were fixed. */
function forgetStaleFailing(rollup: HourRollup, at: string, memory: FailingMemory): void {
  const cutoff = new Date(Date.parse(at) - memory.failingForgetMs).toISOString();
  for (const failing of Object.values(rollup.failing))
    for (const [key, object] of Object.entries(failing.objects))
      if (object.lastAt < cutoff) delete failing.objects[key];
}

function mergeTransitions(
  rollup: HourRollup,
  transitions: readonly Transition[],
  truncated: Set<string>,
): void {
  const seen = new Set(rollup.transitions.map((t) => `${t.alertId}|${t.transition}|${t.at}`));
  for (const t of transitions) {
    const key = `${t.alert.id}|${t.transition}|${t.at}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const s = t.alert.subject;
    const deletion =
      t.transition === 'resolved' && t.alert.kind === 'deletion-threshold'
        ? deletionOutcomeSchema.safeParse(t.alert.resolution?.details)
        : undefined;
    const entry: TransitionEntry = {
      at: t.at,
      alertId: t.alert.id,
      kind: t.alert.kind,
      severity: t.alert.severity,
      transition: t.transition,
      summary: capText(t.alert.summary, 300),
      ...(t.alert.since ? { since: t.alert.since } : {}),
      ...(s.configurationName ? { configurationName: capText(s.configurationName, MAX_NAME_CHARS) } : {}),
      ...(s.jobId ? { jobId: s.jobId } : {}),
      ...(s.templateId ? { templateId: s.templateId } : {}),
      ...(s.machineName ? { machineName: capText(s.machineName, MAX_NAME_CHARS) } : {}),
      ...(s.agentId ? { agentId: s.agentId } : {}),
      ...(t.transition === 'resolved' && t.alert.clearedAt && t.alert.clearedAt < t.at
        ? { clearedAt: t.alert.clearedAt }
        : {}),
      ...(t.silencedBy ? { silencedBy: t.silencedBy } : {}),
      ...(deletion?.success
        ? {
            deletion: {
              outcome: deletion.data.outcome,
              deleted: deletion.data.deleted,
              target: deletion.data.target,
              complete: deletion.data.complete,
            },
          }
        : {}),
    };
    rollup.transitions.push(entry);
  }
  rollup.transitions.sort((a, b) => a.at.localeCompare(b.at));
  if (rollup.transitions.length > MAX_TRANSITIONS) {
    rollup.transitions.splice(0, rollup.transitions.length - MAX_TRANSITIONS);
    truncated.add('transitions');
  }
}

/**
 * A new hour starts with the failing objects of the latest earlier hour: "still failing" is a state, not
 * an event count, and it has to survive hours in which the object had no event.
 */
export function carryFailing(
  from: HourRollup | undefined,
  into: HourRollup,
  memory: FailingMemory,
): HourRollup {
  if (!from) return into;
  const next = structuredClone(into);
  next.failing = structuredClone(from.failing);
  if (from.openJobAlerts) next.openJobAlerts = structuredClone(from.openJobAlerts);
  forgetStaleFailing(next, next.hour, memory);
  return next;
}
