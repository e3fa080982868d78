import type { JobStatusRecord } from '../tables/definitions.js';
import { isoDurationMs } from './duration.js';
import { noAgentCode } from './noAgentCodes.js';

/**
 * What a job's status says, read one way for everyone: the rules, the digest, `status` and /health all
 * ask these questions of Graph's synchronizationJob.status (as CloudSyncJobStatus_CL keeps it).
 */
export type JobStatusFacts = Pick<
  JobStatusRecord,
  | 'StatusCode'
  | 'QuarantineReason'
  | 'QuarantineSince'
  | 'QuarantineErrorCode'
  | 'ScheduleState'
  | 'ScheduleInterval'
  | 'LastExecutionState'
  | 'LastErrorCode'
  | 'LastSuccessfulExecutionEnded'
  | 'SuccessiveCompleteFailures'
> &
  // Optional: snapshots stored before the column existed do not have it.
  Partial<Pick<JobStatusRecord, 'EscrowsPruned'>>;

const lower = (value: string | null | undefined): string => (value ?? '').toLowerCase();

/** Graph's quarantine object is set only while the job is quarantined; the status code says so too. */
export const isQuarantined = (job: JobStatusFacts): boolean =>
  lower(job.StatusCode) === 'quarantine' || (job.QuarantineReason !== null && job.QuarantineSince !== null);

export const isTooManyDeletes = (job: JobStatusFacts): boolean =>
  lower(job.QuarantineReason) === 'toomanydeletes';

/** Paused by an admin, or its schedule disabled: no cycle runs either way. */
export const isPaused = (job: JobStatusFacts): boolean =>
  lower(job.StatusCode) === 'paused' || ['paused', 'disabled'].includes(lower(job.ScheduleState));

/**
 * Paused after an initial sync whose errors were pruned (status.escrowsPruned): instead of quarantining
 * the job, the service cleared its errors, finished the initial sync and paused the job "to wait for the
 * customer to clean up the errors" (Graph synchronizationStatus; reference/cloud-sync-2026.md 2.2). It
 * stays paused until someone fixes the objects and starts it again: sync of the job has stopped.
 */
export const isInitialSyncPaused = (job: JobStatusFacts): boolean =>
  job.EscrowsPruned === true && lower(job.StatusCode) === 'paused';

export const isActive = (job: JobStatusFacts): boolean => lower(job.StatusCode) === 'active';

/** The no-agent code the job reports (last cycle or quarantine), in its documented spelling. */
export const jobNoAgentCode = (job: JobStatusFacts): string | undefined =>
  noAgentCode(job.LastErrorCode) ?? noAgentCode(job.QuarantineErrorCode);

/** Complete failures in a row: Graph's counter, and at least 1 when the last cycle failed. */
export function failedCycles(job: JobStatusFacts): number {
  const failed = lower(job.LastExecutionState) === 'failed';
  return Math.max(job.SuccessiveCompleteFailures ?? 0, failed ? 1 : 0);
}

/** A job on a long schedule is not stalled after one missed interval: at least this many intervals. */
export const INTERVALS_BEFORE_STALLED = 3;

/** How long an Active job may go without a successful cycle: SYNC_STALLED_MINUTES, and 3 of its intervals. */
export function stalledAfterMs(job: Pick<JobStatusFacts, 'ScheduleInterval'>, stalledMs: number): number {
  return Math.max(stalledMs, INTERVALS_BEFORE_STALLED * (isoDurationMs(job.ScheduleInterval) ?? 0));
}
