import { asDetails, type StagedDeleteFacts } from '../domain/alertDetails.js';
import type { AlertCandidate } from '../domain/alertModel.js';
import type { JobStatusRecord } from '../tables/definitions.js';
import type { Rule } from './context.js';
import { isQuarantined, isTooManyDeletes } from '../domain/jobStatus.js';
import { jobLabel, jobRef, jobSubject } from './jobFacts.js';
import { jobKey } from '../domain/jobId.js';
import type { StagedDeleteCycle } from './objectStatusState.js';
import { disableStageKey, quarantineFacts, quarantineSince } from './quarantineFacts.js';
import { instant } from '../domain/time.js';

/**
 * StagedDelete events of the cycle that tripped the threshold come shortly before the quarantine began;
 * retries during the quarantine stage them again. Cycles ending from this long before the quarantine
 * series began count as this quarantine's.
 */
const STAGED_LOOKBACK_MS = 2 * 3600_000;

/**
 * `deletion-threshold`: a job quarantined with reason TooManyDeletes. Sync has stopped until someone
 * allows or rejects the deletions, so it is critical, and it says how many deletions are staged and how
 * to do either.
 */
export const deletionThresholdRule: Rule = ({ observations, now, settings }) => {
  const candidates: AlertCandidate[] = [];
  for (const job of observations.jobs) {
    if (!job.JobId || !isQuarantined(job) || !isTooManyDeletes(job)) continue;
    const cycles = observations.objectStatus.state.jobs[jobKey(job.JobId)]?.stagedDeletes ?? [];
    const staged = stagedDeletes(job, cycles, observations.provisioningComplete, now);
    const quarantine = quarantineFacts(job, now, settings.quarantine);
    const ref = jobRef(job);
    const restartPath = `/servicePrincipals/${ref.servicePrincipalId ?? '{servicePrincipalId}'}/synchronization/jobs/${ref.jobId}/restart`;
    const threshold = job.DeleteThreshold;
    candidates.push({
      kind: 'deletion-threshold',
      subject: jobSubject(observations.tenantId, job),
      severity: 'critical',
      summary:
        `${jobLabel(job)}: sync stopped, accidental-deletion threshold exceeded` +
        ` (${staged.count} deletions staged${threshold !== null ? `, threshold ${threshold}` : ''})`,
      since: quarantineSince(job, now),
      materialKey: `quarantine reason TooManyDeletes${disableStageKey(quarantine.disable)}`,
      // The count grows while the cycle is retried (540 -> 600): the alert's text and row follow it.
      trackedKey: `${staged.count} deletions staged`,
      details: asDetails('deletion-threshold', {
        job: ref,
        quarantine,
        threshold,
        stagedDeletes: staged,
        allow: {
          portalAction: 'Allow deletes',
          restart: { method: 'POST', path: restartPath, body: { criteria: { resetScope: 'ForceDeletes' } } },
        },
        reject: { portalAction: 'Restart sync', restartPath },
      }),
    });
  }
  return { candidates };
};

function stagedDeletes(
  job: JobStatusRecord,
  cycles: readonly StagedDeleteCycle[],
  complete: boolean,
  now: Date,
): StagedDeleteFacts {
  const began =
    instant(job.QuarantineSeriesBegan) ??
    instant(job.QuarantineSince) ??
    instant(job.LastExecutionBegan) ??
    now.getTime();
  const relevant = cycles.filter((c) => Date.parse(c.lastAt) >= began - STAGED_LOOKBACK_MS);
  return {
    count: relevant.reduce((max, c) => Math.max(max, c.count), 0),
    events: relevant.reduce((sum, c) => sum + c.count, 0),
    cycles: relevant.length,
    firstAt: relevant.map((c) => c.firstAt).sort()[0] ?? null,
    lastAt:
      relevant
        .map((c) => c.lastAt)
        .sort()
        .at(-1) ?? null,
    complete,
  };
}
