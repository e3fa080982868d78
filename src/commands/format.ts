import type { CollectResult } from '../collect/collectRun.js';
import type { JobStatusRecord } from '../tables/definitions.js';

/** Human-readable pieces shared by the CLI commands. */

export const hhmm = (iso: string | null | undefined): string => (iso ? iso.slice(11, 16) : '--:--');

export function describeJob(job: JobStatusRecord): string {
  const parts = [`${job.StatusCode ?? 'unknown'}`];
  if (job.QuarantineReason)
    parts.push(
      `quarantined: ${job.QuarantineReason}${job.QuarantineErrorCode ? ` (${job.QuarantineErrorCode})` : ''}`,
    );
  if (job.LastExecutionState)
    parts.push(`last cycle ${job.LastExecutionState} ${hhmm(job.LastExecutionEnded)}`);
  if (job.LastErrorCode) parts.push(`error ${job.LastErrorCode}`);
  return parts.join(', ');
}

export function summariseRun(result: CollectResult): string[] {
  const lines = [
    `run ${result.runId} for tenant ${result.tenantId}: ${result.outcome} in ${result.run.DurationMs ?? 0} ms`,
    `  configurations: ${result.configurations.length}${result.configurations.length ? ` (${result.configurations.map((c) => c.name).join(', ')})` : ''}`,
  ];
  for (const job of result.jobs)
    lines.push(`  job ${job.ConfigurationName}/${job.TemplateId}: ${describeJob(job)}`);
  const active = result.agents.filter((a) => a.Status === 'active').length;
  lines.push(
    result.agentsApi === 'unavailable' || result.agentsApi === 'skipped'
      ? '  agents: agent API unavailable in app-only mode (agent health inferred from job errors and heartbeats)'
      : result.agentsApi === 'off'
        ? '  agents: not read (AGENTS_API=off)'
        : result.agentsApi === 'failed'
          ? '  agents: could not be read this run'
          : `  agents: ${result.agents.length} (${active} active, ${result.agents.length - active} inactive)`,
  );
  const p = result.provisioning;
  lines.push(
    `  provisioning: ${p.written} events written, ${p.duplicates} already written, ${p.invalid} malformed, ${p.ignored} not Cloud Sync; ` +
      `watermark ${p.watermark}${p.backlogRemaining ? ' (backlog remains: continues next run)' : ''}`,
  );
  for (const line of issueLines(result.issues)) lines.push(line);
  return lines;
}

/**
 * One line per distinct problem: missing credentials or an unreachable Graph fail every signal the
 * same way, and three copies of the same sentence hide that it is one thing to fix.
 */
function issueLines(issues: CollectResult['issues']): string[] {
  const groups = new Map<string, { severity: string; signals: string[]; message: string }>();
  for (const issue of issues) {
    const cause = issue.message.replace(/^Graph request \S+ failed: /, '');
    const key = `${issue.severity}\n${cause}`;
    const group = groups.get(key);
    if (group) {
      group.signals.push(issue.signal);
      group.message = `Graph requests failed: ${cause}`;
    } else groups.set(key, { severity: issue.severity, signals: [issue.signal], message: issue.message });
  }
  return [...groups.values()].map((g) => `  ${g.severity}: [${g.signals.join(', ')}] ${g.message}`);
}
