import { asDetails } from '../domain/alertDetails.js';
import type { AlertCandidate } from '../domain/alertModel.js';
import type { Rule } from './context.js';
import { isQuarantined, isTooManyDeletes } from '../domain/jobStatus.js';
import { jobLabel, jobRef, jobSubject } from './jobFacts.js';
import { disableOutlook } from '../domain/quarantineOutlook.js';
import { disableStageKey, quarantineFacts, quarantineSince } from './quarantineFacts.js';

/**
 * `job-quarantined`: a job in quarantine for any reason but TooManyDeletes (that one is
 * `deletion-threshold`). Critical. A changed reason is material (re-notified, like Microsoft's own
 * email, but also resolved when the quarantine ends), and so is each reminder stage before Entra
 * disables the job about four weeks into the quarantine series.
 */
export const jobQuarantinedRule: Rule = ({ observations, now, settings }) => {
  const candidates: AlertCandidate[] = [];
  for (const job of observations.jobs) {
    if (!job.JobId || !isQuarantined(job) || isTooManyDeletes(job)) continue;
    const quarantine = quarantineFacts(job, now, settings.quarantine);
    const reason = job.QuarantineReason ?? 'Unknown';
    const disable = quarantine.disable;
    const due = disableOutlook(disable.expectedAt, now);
    candidates.push({
      kind: 'job-quarantined',
      subject: jobSubject(observations.tenantId, job),
      severity: 'critical',
      summary: `${jobLabel(job)} is in quarantine (${reason}${quarantine.errorCode ? `, ${quarantine.errorCode}` : ''})${due}`,
      since: quarantineSince(job, now),
      materialKey: `quarantine reason ${reason}${disableStageKey(disable)}`,
      details: asDetails('job-quarantined', { job: jobRef(job), quarantine, statusCode: job.StatusCode }),
    });
  }
  return { candidates };
};
