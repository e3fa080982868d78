import {
  classifyJob,
  type JobCondition,
  type JobConditionState,
  type JobPolicy,
} from '../domain/jobCondition.js';
import { failedCycles } from '../domain/jobStatus.js';
import type { AgentRecord, JobStatusRecord } from '../tables/definitions.js';

/**
 * The instant health verdict of `cloudsync-monitor status`, Nagios style: a quick look from a terminal,
 * computed from what Graph says right now. Jobs are judged by the domain classifier with the alert
 * rules' thresholds, so `status`, the alerts and the digest name a job's state alike.
 */
export type Health = 'ok' | 'warning' | 'critical' | 'unknown';

export const EXIT_CODE: Readonly<Record<Health, number>> = { ok: 0, warning: 1, critical: 2, unknown: 3 };

export interface Finding {
  readonly health: Exclude<Health, 'ok'>;
  readonly subject: string;
  readonly message: string;
}

/** Each job's condition as the domain classifier names it (also in `status --json`). */
export interface JobVerdict {
  readonly subject: string;
  readonly jobId: string | null;
  readonly condition: JobConditionState;
  readonly detail: string | null;
}

export function assessHealth(input: {
  now: Date;
  jobs: readonly JobStatusRecord[];
  agents: readonly AgentRecord[];
  agentsReadable: boolean;
  couldNotRead: readonly string[];
  /** SYNC_STALLED_MINUTES and JOB_FAILING_MIN_FAILURES, as the alert rules apply them. */
  policy: Omit<JobPolicy, 'now'>;
  /** Alerts the monitor's runs keep open: they count at their severity. */
  openAlerts?: readonly { kind: string; severity: string; summary: string }[];
  /** The monitor's own runs: stale when none succeeded recently (src/health/staleness.ts). */
  monitor?: {
    readonly verdict: string;
    readonly lastSuccessAt: string | null;
    readonly staleAfterMinutes: number;
  };
}): { health: Health; findings: Finding[]; jobs: JobVerdict[] } {
  const findings: Finding[] = input.couldNotRead.map((what) => ({
    health: 'unknown' as const,
    subject: 'monitor',
    message: what,
  }));
  if (input.monitor?.verdict === 'stale') {
    findings.push({
      health: 'warning',
      subject: 'monitor',
      message: `no successful monitor run since ${input.monitor.lastSuccessAt ?? 'ever'} (stale after ${input.monitor.staleAfterMinutes} min at COLLECT_SCHEDULE): alerts may be out of date`,
    });
  }
  for (const alert of input.openAlerts ?? []) {
    findings.push({
      health: alert.severity === 'critical' ? 'critical' : 'warning',
      subject: `alert ${alert.kind}`,
      message: alert.summary,
    });
  }
  const policy: JobPolicy = { ...input.policy, now: input.now.getTime() };
  const jobs: JobVerdict[] = [];
  for (const job of input.jobs) {
    const condition = classifyJob(job, { policy });
    const subject = `${job.ConfigurationName}/${job.TemplateId}`;
    jobs.push({ subject, jobId: job.JobId, condition: condition.state, detail: condition.detail });
    const finding = jobFinding(job, condition);
    if (finding) findings.push({ ...finding, subject });
  }
  if (input.agentsReadable && input.agents.length > 0) {
    const inactive = input.agents.filter((a) => a.Status !== 'active');
    if (inactive.length === input.agents.length) {
      findings.push({ health: 'critical', subject: 'agents', message: 'no provisioning agent is active' });
    } else {
      for (const agent of inactive)
        findings.push({
          health: 'warning',
          subject: `agent ${agent.MachineName ?? agent.AgentId}`,
          message: 'inactive',
        });
    }
  }
  const rank: Record<Health, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };
  const health = findings.reduce<Health>(
    (worst, f) => (rank[f.health] > rank[worst] ? f.health : worst),
    'ok',
  );
  return { health, findings: findings.sort((a, b) => rank[b.health] - rank[a.health]), jobs };
}

/** What `status` says about a job in each condition; nothing while it is healthy. */
function jobFinding(job: JobStatusRecord, condition: JobCondition): Omit<Finding, 'subject'> | undefined {
  const code = job.LastErrorCode ? ` (${job.LastErrorCode})` : '';
  switch (condition.state) {
    case 'deletion-threshold':
      return {
        health: 'critical',
        message: `quarantined (TooManyDeletes) since ${job.QuarantineSince ?? '?'}: accidental-deletion threshold exceeded`,
      };
    case 'quarantined':
      return {
        health: 'critical',
        message: `quarantined (${condition.detail ?? 'unknown reason'}) since ${job.QuarantineSince ?? '?'}`,
      };
    case 'no-agent':
      return { health: 'critical', message: `no active provisioning agent (${condition.detail ?? '?'})` };
    case 'initial-sync-paused':
      return {
        health: 'critical',
        message: 'paused after its initial sync (errors pruned): fix the failed objects, then start the job',
      };
    case 'paused':
      return { health: 'warning', message: 'paused' };
    case 'unknown':
      return { health: 'warning', message: `status ${job.StatusCode ?? 'unknown'}: not synchronising` };
    case 'stalled':
      return {
        health: 'warning',
        message: `stalled: no successful cycle since ${job.LastSuccessfulExecutionEnded ?? '?'}${code}`,
      };
    case 'failing':
      return { health: 'warning', message: `cycles failing: ${failedCycles(job)} in a row${code}` };
    case 'healthy':
      return undefined;
  }
}
