import { jobName } from '../domain/jobTemplates.js';
import { jobsNow } from '../digest/jobsNow.js';
import { readRollups } from '../digest/rollup.js';
import type { StateStore } from '../state/store.js';
import { healthVerdict, readMonitorStatus, type HealthVerdict, type MonitorStatus } from './monitorStatus.js';
import { staleAfterMs } from './staleness.js';

/** A job as the monitor's last run left it, classified like the digest and `status` do. */
export interface JobHealth {
  readonly jobId: string;
  readonly name: string;
  readonly condition: string;
  readonly detail: string | null;
  readonly severity: string;
  readonly observedAt: string;
}

export interface HealthReport {
  /** 200 while runs succeed (also partly), 503 when none succeeded recently or none ever ran: for uptime probes. */
  readonly httpStatus: 200 | 503;
  readonly body: {
    readonly tenantId: string;
    readonly verdict: HealthVerdict;
    readonly staleAfterMinutes: number;
    readonly jobs: readonly JobHealth[];
  } & Partial<MonitorStatus>;
}

/**
 * The `health` function's answer: the monitor's own status (last run, last success, open alerts), stale
 * after staleAfterMs(COLLECT_SCHEDULE), and the Cloud Sync jobs as its last runs saw them.
 */
export async function healthReport(input: {
  readonly state: StateStore;
  readonly tenantId: string;
  readonly now: Date;
  readonly collectSchedule: string;
}): Promise<HealthReport> {
  const { state, tenantId, now } = input;
  const status = await readMonitorStatus(state, tenantId);
  const staleAfter = staleAfterMs(input.collectSchedule);
  const verdict = healthVerdict(status, now, staleAfter);
  // The current and the previous hour hold every job the last run saw.
  const { hours } = await readRollups(state, tenantId, new Date(now.getTime() - 3600_000), now);
  const jobs = jobsNow(hours).map(({ snapshot, condition }) => ({
    jobId: snapshot.jobId,
    name: jobName(snapshot.configurationName, snapshot.templateId ?? snapshot.jobId.split('.')[0]),
    condition: condition.state,
    detail: condition.detail,
    severity: condition.severity,
    observedAt: snapshot.at,
  }));
  return {
    httpStatus: verdict === 'ok' || verdict === 'degraded' ? 200 : 503,
    body: { tenantId, verdict, staleAfterMinutes: Math.round(staleAfter / 60_000), jobs, ...(status ?? {}) },
  };
}
