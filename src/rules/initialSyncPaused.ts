import { asDetails } from '../domain/alertDetails.js';
import type { AlertCandidate } from '../domain/alertModel.js';
import { isInitialSyncPaused } from '../domain/jobStatus.js';
import { iso } from '../domain/time.js';
import type { Rule } from './context.js';
import { jobLabel, jobRef, jobSubject } from './jobFacts.js';

/**
 * `initial-sync-paused` (critical, at once): a job Paused with status.escrowsPruned. Its initial sync
 * hit the error threshold that would normally quarantine it; instead the service cleared the errors,
 * finished the initial sync and paused the job "to wait for the customer to clean up the errors"
 * (Graph synchronizationStatus). Nothing resumes it by itself, so this is not a "forgotten pause"
 * (sync-stalled, after PAUSED_ALERT_HOURS): sync of the job has stopped now, and an admin must act.
 * It resolves when the job is no longer paused or Graph no longer reports the pruning.
 */
export const initialSyncPausedRule: Rule = ({ observations, now }) => {
  const candidates: AlertCandidate[] = [];
  for (const job of observations.jobs) {
    if (!job.JobId || !isInitialSyncPaused(job)) continue;
    const ref = jobRef(job);
    const startPath = `/servicePrincipals/${ref.servicePrincipalId ?? '{servicePrincipalId}'}/synchronization/jobs/${ref.jobId}/start`;
    const escrowed = job.CountEscrowed ?? null;
    candidates.push({
      kind: 'initial-sync-paused',
      subject: jobSubject(observations.tenantId, job),
      severity: 'critical',
      summary: `${jobLabel(job)} is paused after its initial sync: too many objects failed, their errors were cleared and the job waits for them to be fixed`,
      // Paused at the end of the initial sync: its last cycle's end, else the first run that saw it.
      since: job.LastExecutionEnded ?? iso(now.getTime()),
      materialKey: 'paused, escrows pruned',
      details: asDetails('initial-sync-paused', {
        job: ref,
        statusCode: job.StatusCode,
        lastExecutionEnded: job.LastExecutionEnded,
        lastExecutionState: job.LastExecutionState,
        lastErrorCode: job.LastErrorCode,
        countEscrowed: escrowed,
        startPath,
      }),
    });
  }
  return { candidates };
};
