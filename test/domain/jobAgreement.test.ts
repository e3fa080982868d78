import { describe, expect, it } from 'vitest';
import { advance } from '../../src/alerts/advance.js';
import { emptyAlertBook } from '../../src/alerts/book.js';
import { assessHealth } from '../../src/commands/health.js';
import type { AlertKind } from '../../src/domain/alertModel.js';
import { conditionLabel, type JobConditionState } from '../../src/domain/jobCondition.js';
import { jobsNow } from '../../src/digest/jobsNow.js';
import { mergeRun } from '../../src/digest/rollupMerge.js';
import { emptyRollup } from '../../src/digest/rollupSchema.js';
import { ProvisioningTally } from '../../src/digest/tally.js';
import { evaluateRules } from '../../src/rules/index.js';
import { emptyRuleMemory } from '../../src/rules/memory.js';
import type { JobStatusRecord } from '../../src/tables/definitions.js';
import { HOUR, MIN, SP, TENANT, at, iso, job, observations, settings } from '../rules/fixtures.js';

/**
 * One table of job states, and the three places that name them: the alerts (the rules' candidates),
 * `status` (Graph now, the rules' thresholds) and the digest and /health (the run's snapshot and its
 * alert transitions). Where they disagreed before the domain classifier, its verdict is the row's.
 */
interface Case {
  readonly title: string;
  readonly job: Partial<JobStatusRecord>;
  readonly condition: JobConditionState;
  /** Alert kinds the rules raise for the job (in a first run, empty memory). */
  readonly alerts: readonly AlertKind[];
  /** status' finding for the job; null: none (healthy). */
  readonly status: 'warning' | 'critical' | null;
}

const failed = (count: number, code = 'AzureDirectoryServiceServerBusy'): Partial<JobStatusRecord> => ({
  LastExecutionState: 'Failed',
  LastErrorCode: code,
  SuccessiveCompleteFailures: count,
});
const quarantine = (reason: string, code: string | null = null): Partial<JobStatusRecord> => ({
  StatusCode: 'Quarantine',
  QuarantineReason: reason,
  QuarantineSince: iso(-HOUR),
  QuarantineSeriesBegan: iso(-HOUR),
  QuarantineErrorCode: code,
});
const lastSuccess = (minutesAgo: number): Partial<JobStatusRecord> => ({
  LastExecutionState: null,
  LastExecutionEnded: iso(-minutesAgo * MIN),
  LastSuccessfulExecutionEnded: iso(-minutesAgo * MIN),
});

const CASES: readonly Case[] = [
  { title: 'a healthy job', job: {}, condition: 'healthy', alerts: [], status: null },
  {
    // Before: the digest said "Cycles failing" and status warned; the rules wait for 3 in a row.
    title: 'one failed cycle is no problem yet',
    job: failed(1, 'TimeOut'),
    condition: 'healthy',
    alerts: [],
    status: null,
  },
  {
    title: 'three failed cycles in a row',
    job: failed(3),
    condition: 'failing',
    alerts: ['job-failing'],
    status: 'warning',
  },
  {
    // Before: the digest had no "stalled" and showed the job as Active.
    title: 'no successful cycle for 45 minutes',
    job: lastSuccess(45),
    condition: 'stalled',
    alerts: ['sync-stalled'],
    status: 'warning',
  },
  {
    // Before: status used a fixed 30 minutes; the rules wait 3 schedule intervals (here 3 x 40 min).
    title: 'no successful cycle for 45 minutes on a 40-minute schedule',
    job: { ...lastSuccess(45), ScheduleInterval: 'PT40M' },
    condition: 'healthy',
    alerts: [],
    status: null,
  },
  {
    title: 'failing long enough to stall',
    job: { ...lastSuccess(45), ...failed(12) },
    condition: 'stalled',
    alerts: ['job-failing', 'sync-stalled'],
    status: 'warning',
  },
  {
    title: 'quarantined',
    job: quarantine('EncounteredQuarantineException'),
    condition: 'quarantined',
    alerts: ['job-quarantined'],
    status: 'critical',
  },
  {
    title: 'quarantined for too many deletes',
    job: quarantine('TooManyDeletes'),
    condition: 'deletion-threshold',
    alerts: ['deletion-threshold'],
    status: 'critical',
  },
  {
    // Before: the digest saw "no agent" only for Active jobs whose last cycle failed.
    title: 'no active agent',
    job: failed(1, 'HybridIdentityServiceNoActiveAgents'),
    condition: 'no-agent',
    alerts: ['agent-offline'],
    status: 'critical',
  },
  {
    title: 'quarantined because no agent answers',
    job: quarantine('EncounteredQuarantineException', 'HybridIdentityServiceNoActiveAgents'),
    condition: 'no-agent',
    alerts: ['agent-offline', 'job-quarantined'],
    status: 'critical',
  },
  {
    title: 'paused for an hour',
    job: { StatusCode: 'Paused', LastExecutionEnded: iso(-HOUR) },
    condition: 'paused',
    alerts: [],
    status: 'warning',
  },
  {
    title: 'paused for a day',
    job: { StatusCode: 'Paused', LastExecutionEnded: iso(-25 * HOUR) },
    condition: 'paused',
    alerts: ['sync-stalled'],
    status: 'warning',
  },
  {
    // Before: status said nothing about a job that does not run.
    title: 'never started',
    job: { StatusCode: 'NotRun', LastSuccessfulExecutionEnded: null },
    condition: 'unknown',
    alerts: [],
    status: 'warning',
  },
];

describe('one job classifier: the alerts, status and the digest agree', () => {
  const now = at(0);
  // The status and the digest tell the job's condition now; the alert rule waits for codes Entra
  // retries by itself to persist (noise control, tested in jobRules.test.ts). Here: the condition itself.
  // The digest learns alert-backed states from transitions, so the hold-down is off too (one run here).
  const alertSettings = { ...settings({ transientPersistMs: 0 }), holdDownMs: 0 };

  it.each(CASES)('$title', (c) => {
    const record = job(c.job);

    // The alerts: every rule over this run's observations.
    const evaluation = evaluateRules(observations({ jobs: [record] }), emptyRuleMemory(), now, alertSettings);
    const kinds = [...new Set(evaluation.candidates.map((a) => a.kind))].sort();
    expect(kinds).toEqual([...c.alerts].sort());

    // status: Graph now, judged with the rules' thresholds.
    const status = assessHealth({
      now,
      jobs: [record],
      agents: [],
      agentsReadable: false,
      couldNotRead: [],
      policy: {
        stalledMs: alertSettings.syncStalledMs,
        failingMinFailures: alertSettings.jobFailingMinFailures,
      },
    });
    expect(status.jobs.map((j) => j.condition)).toEqual([c.condition]);
    expect(status.findings.find((f) => f.subject.startsWith('contoso.com/'))?.health ?? null).toBe(c.status);

    // The digest and /health: the run's snapshot and the transitions the lifecycle made of the candidates.
    const { transitions } = advance(
      emptyAlertBook(),
      evaluation.candidates,
      evaluation.coverage,
      now,
      alertSettings,
    );
    const rollup = mergeRun(
      emptyRollup(TENANT, now),
      {
        result: {
          runId: 'run-1',
          startedAt: now,
          outcome: 'success',
          configurations: [{ servicePrincipalId: SP, name: 'contoso.com' }],
          jobs: [record],
          agents: [],
          agentsApi: 'unavailable',
          issues: [],
          provisioning: { written: 0, backlogRemaining: false },
        },
        provisioning: new ProvisioningTally(),
        transitions,
      },
      { failingForgetMs: alertSettings.syncErrors.staleMs },
    );
    const [digestJob] = jobsNow([rollup]);
    expect(digestJob?.condition.state).toBe(c.condition);
    expect(rollup.jobs[record.JobId!]?.spans.map((s) => s.state)).toEqual([c.condition]);
    // "a job with an open sync-stalled condition shows 'stalled' in the digest, not Active"
    if (c.condition !== 'healthy') expect(conditionLabel(c.condition)).not.toBe('Active');
  });
});
