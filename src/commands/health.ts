import { NO_AGENT_CODES as RULE_NO_AGENT_CODES } from '../rules/agentOffline.js';
import type { AgentRecord, JobStatusRecord } from '../tables/definitions.js';

/**
 * The instant health verdict of `cloudsync-monitor status`, Nagios style: a quick look from a terminal,
 * computed from what Graph says right now.
 */
export type Health = 'ok' | 'warning' | 'critical' | 'unknown';

export const EXIT_CODE: Readonly<Record<Health, number>> = { ok: 0, warning: 1, critical: 2, unknown: 3 };

const NO_AGENT_CODES = new Set(RULE_NO_AGENT_CODES.map((code) => code.toLowerCase()));

export interface Finding {
  readonly health: Exclude<Health, 'ok'>;
  readonly subject: string;
  readonly message: string;
}

const STALE_MS = 30 * 60_000;

export function assessHealth(input: {
  now: Date;
  jobs: readonly JobStatusRecord[];
  agents: readonly AgentRecord[];
  agentsReadable: boolean;
  couldNotRead: readonly string[];
  /** Alerts the monitor's runs keep open: they count at their severity. */
  openAlerts?: readonly { kind: string; severity: string; summary: string }[];
}): { health: Health; findings: Finding[] } {
  const findings: Finding[] = input.couldNotRead.map((what) => ({
    health: 'unknown' as const,
    subject: 'monitor',
    message: what,
  }));
  for (const alert of input.openAlerts ?? []) {
    findings.push({
      health: alert.severity === 'critical' ? 'critical' : 'warning',
      subject: `alert ${alert.kind}`,
      message: alert.summary,
    });
  }
  for (const job of input.jobs) {
    const subject = `${job.ConfigurationName}/${job.TemplateId}`;
    if (job.StatusCode === 'Quarantine') {
      findings.push({
        health: 'critical',
        subject,
        message: `quarantined (${job.QuarantineReason ?? 'unknown reason'}) since ${job.QuarantineSince ?? '?'}`,
      });
    }
    if (job.LastErrorCode && NO_AGENT_CODES.has(job.LastErrorCode.toLowerCase())) {
      findings.push({
        health: 'critical',
        subject,
        message: `no active provisioning agent (${job.LastErrorCode})`,
      });
    } else if (job.LastExecutionState === 'Failed') {
      findings.push({
        health: 'warning',
        subject,
        message: `last cycle failed${job.LastErrorCode ? ` (${job.LastErrorCode})` : ''}`,
      });
    }
    if (job.StatusCode === 'Paused') findings.push({ health: 'warning', subject, message: 'paused' });
    const lastSuccess = job.LastSuccessfulExecutionEnded
      ? Date.parse(job.LastSuccessfulExecutionEnded)
      : undefined;
    if (
      job.StatusCode === 'Active' &&
      lastSuccess !== undefined &&
      input.now.getTime() - lastSuccess > STALE_MS
    ) {
      findings.push({
        health: 'warning',
        subject,
        message: `no successful cycle since ${job.LastSuccessfulExecutionEnded}`,
      });
    }
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
  return { health, findings: findings.sort((a, b) => rank[b.health] - rank[a.health]) };
}
