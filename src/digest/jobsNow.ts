import { classifyJob, type JobCondition } from '../domain/jobCondition.js';
import { jobKey } from '../domain/jobId.js';
import type { JobStatusFacts } from '../domain/jobStatus.js';
import type { HourRollup, JobSnapshot } from './rollupSchema.js';

/**
 * A job as the last run that saw it left it: its latest snapshot in the given hours, classified with
 * the job alerts open at the end of that snapshot's hour (the rules' verdicts on stalled and failing).
 * The digest's "status now" and /health's job list both read it here.
 */
export interface JobNow {
  readonly snapshot: JobSnapshot;
  readonly condition: JobCondition;
}

export function jobNow(jobId: string, hours: readonly HourRollup[]): JobNow | undefined {
  let latest: JobSnapshot | undefined;
  let openAlerts: readonly string[] = [];
  for (const h of hours) {
    const seen = h.jobs[jobId]?.latest;
    if (seen && (!latest || seen.at >= latest.at)) {
      latest = seen;
      openAlerts = h.openJobAlerts?.[jobKey(jobId)] ?? [];
    }
  }
  return latest ? { snapshot: latest, condition: classifyJob(statusOf(latest), { openAlerts }) } : undefined;
}

/** Every job of the hours, as the last run that saw it left it. */
export function jobsNow(hours: readonly HourRollup[]): JobNow[] {
  const ids = new Set(hours.flatMap((h) => Object.keys(h.jobs)));
  return [...ids].flatMap((id) => jobNow(id, hours) ?? []);
}

/** A snapshot as the classifier reads job status (the columns of CloudSyncJobStatus_CL). */
export function statusOf(s: JobSnapshot): JobStatusFacts {
  return {
    StatusCode: s.statusCode,
    QuarantineReason: s.quarantineReason,
    QuarantineSince: s.quarantineSince,
    QuarantineErrorCode: s.quarantineErrorCode,
    ScheduleState: s.scheduleState,
    ScheduleInterval: s.scheduleInterval,
    LastExecutionState: s.lastExecutionState,
    LastErrorCode: s.lastErrorCode,
    LastSuccessfulExecutionEnded: s.lastSuccessfulExecutionEnded,
    SuccessiveCompleteFailures: s.successiveFailures,
    EscrowsPruned: s.escrowsPruned,
  };
}
