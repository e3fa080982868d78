import { asDetails } from '../domain/alertDetails.js';
import type { AlertCandidate } from '../domain/alertModel.js';
import type { Rule } from './context.js';
import { failedCycles, isQuarantined } from '../domain/jobStatus.js';
import { jobLabel, jobRef, jobSubject } from './jobFacts.js';
import { capFlat } from '../domain/text.js';
import { isRetriedAutomatically } from '../domain/errorCategory.js';
import { instant, iso } from '../domain/time.js';

/**
 * `job-failing` (warning): sync cycles fail as a whole (lastExecution.state Failed,
 * countSuccessiveCompleteFailures) before the job is quarantined. One failed cycle is usually a blip
 * that the next one (2 minutes later) fixes, so JOB_FAILING_MIN_FAILURES in a row are needed (3 by
 * default; 1 alerts on every failed cycle). A changed error code is material. Failures with a code
 * Entra retries by itself (server busy, timeouts) count only once the job has failed for
 * TRANSIENT_ERRORS_PERSIST_MINUTES: a busy directory usually clears within a few cycles.
 */
export const jobFailingRule: Rule = ({ observations, now, settings }) => {
  const candidates: AlertCandidate[] = [];
  for (const job of observations.jobs) {
    if (!job.JobId || isQuarantined(job)) continue;
    const failures = failedCycles(job);
    if (failures === 0 || failures < settings.jobFailingMinFailures) continue;
    const code = job.LastErrorCode ?? 'unknown error';
    const since =
      instant(job.LastSuccessfulExecutionEnded) ?? instant(job.LastExecutionBegan) ?? now.getTime();
    if (isRetriedAutomatically(job.LastErrorCode) && now.getTime() - since < settings.transientPersistMs)
      continue;
    candidates.push({
      kind: 'job-failing',
      subject: jobSubject(observations.tenantId, job),
      severity: 'warning',
      summary: `${jobLabel(job)}: sync cycles failing (${failures} in a row, ${code})`,
      since: iso(since),
      materialKey: `error ${code}`,
      details: asDetails('job-failing', {
        job: jobRef(job),
        lastExecutionState: job.LastExecutionState,
        lastErrorCode: job.LastErrorCode,
        lastErrorMessage: capFlat(job.LastErrorMessage),
        successiveFailures: job.SuccessiveCompleteFailures,
        lastExecutionEnded: job.LastExecutionEnded,
        lastSuccessfulExecutionEnded: job.LastSuccessfulExecutionEnded,
        threshold: settings.jobFailingMinFailures,
      }),
    });
  }
  return { candidates };
};
