import { silencedText } from '../alerts/ack.js';
import type { SilenceView } from '../alerts/silences.js';
import type { MonitorStatus } from '../health/monitorStatus.js';
import type { AgentRecord, JobStatusRecord } from '../tables/definitions.js';
import type { Finding, Health } from './health.js';

/**
 * What `status` found, as printed: one JSON document with --json (also when it could not decide:
 * health "unknown" and the reason), else a Nagios-style first line and details.
 */
export interface OpenAlertView {
  readonly id: string;
  readonly kind: string;
  readonly severity: string;
  readonly summary: string;
  readonly since: string;
  /** Set while someone has acknowledged (silenced) it; `until` is "resolve" or an instant. */
  readonly acknowledged?: { readonly by: string; readonly until: string };
  /** Set while a silence or maintenance window mutes it: recorded, told to nobody. */
  readonly silenced?: SilenceView;
}

export interface LastRunView {
  readonly runId: string;
  readonly at: string;
  readonly outcome: string;
  readonly lastSuccessAt: string | null;
}

export interface StatusReport {
  readonly health: Health;
  /** Why it could not decide: only on a report without findings to decide from. */
  readonly reason?: string;
  readonly source: 'local' | 'live';
  readonly tenantId?: string;
  readonly checkedAt: string;
  readonly findings: readonly Finding[];
  readonly openAlerts: readonly OpenAlertView[];
  readonly lastRun: LastRunView | null;
  /** --live only: what Graph says now. */
  readonly jobs?: readonly JobStatusRecord[];
  readonly agents?: readonly AgentRecord[];
  readonly agentsApi?: string;
}

export function lastRunView(monitor: MonitorStatus): LastRunView {
  return {
    runId: monitor.lastRunId,
    at: monitor.lastRunAt,
    outcome: monitor.lastOutcome,
    lastSuccessAt: monitor.lastSuccessAt,
  };
}

export function undecided(
  source: StatusReport['source'],
  now: Date,
  reason: string,
  tenantId?: string,
): StatusReport {
  return {
    health: 'unknown',
    reason,
    source,
    ...(tenantId ? { tenantId } : {}),
    checkedAt: now.toISOString(),
    findings: [],
    openAlerts: [],
    lastRun: null,
  };
}

/** "5 min ago", "3 h ago", "2 days ago": how old the evidence is, at a glance. */
export function ago(iso: string, now: Date): string {
  const minutes = Math.round((now.getTime() - Date.parse(iso)) / 60_000);
  if (minutes < 0) return 'in the future';
  if (minutes < 90) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`;
}

export function statusLines(report: StatusReport): string[] {
  const head = report.health.toUpperCase();
  if (report.reason) return [`${head}: ${report.reason}`];
  const now = new Date(report.checkedAt);
  const where = `Cloud Sync in tenant ${report.tenantId ?? '?'}`;
  const from =
    report.source === 'live'
      ? `asked Graph at ${report.checkedAt}`
      : report.lastRun
        ? `last local run at ${report.lastRun.at}, ${ago(report.lastRun.at, now)}: ${report.lastRun.outcome}`
        : 'no local run';
  const alerts = report.openAlerts.length;
  const lines = [`${head}: ${where}: ${alerts} open alert${alerts === 1 ? '' : 's'} (${from})`];
  // Open alerts are listed with their ids below; the other findings say what else counts.
  for (const f of report.findings.filter((f) => !f.subject.startsWith('alert ')))
    lines.push(`  ${f.health}: ${f.subject}: ${f.message}`);
  for (const a of report.openAlerts) {
    const ack = a.acknowledged
      ? ` (acknowledged by ${a.acknowledged.by} ${silencedText(a.acknowledged.until)})`
      : '';
    const silenced = a.silenced
      ? ` (silenced by ${a.silenced.by} until ${a.silenced.until}${a.silenced.comment ? `: ${a.silenced.comment}` : ''}; silence ${a.silenced.id})`
      : '';
    lines.push(
      `  open alert ${a.id} [${a.severity}] ${a.kind} since ${a.since}: ${a.summary}${ack}${silenced}`,
    );
  }
  if (report.source === 'live' && report.lastRun)
    lines.push(
      `  last monitor run ${report.lastRun.at} (${ago(report.lastRun.at, now)}): ${report.lastRun.outcome}`,
    );
  return lines;
}
