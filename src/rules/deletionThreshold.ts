import { asDetails, type DeletionOutcome, type StagedDeleteFacts } from '../domain/alertDetails.js';
import type { AlertCandidate, ResolutionNote } from '../domain/alertModel.js';
import { syncDirection } from '../domain/jobTemplates.js';
import { plural } from '../domain/text.js';
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
  const resolutions: ResolutionNote[] = [];
  for (const job of observations.jobs) {
    if (!job.JobId) continue;
    if (!isQuarantined(job) || !isTooManyDeletes(job)) {
      const note = tripOutcome(observations.tenantId, job, observations, now);
      if (note) resolutions.push(note);
      continue;
    }
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
  return { candidates, resolutions };
};

/** A finished cycle after the trip this recent still tells the outcome (older: the job status is stale). */
const OUTCOME_CYCLE_MS = 60 * 60_000;
/**
 * The deleting cycle is over when a cycle began this long after the last delete seen: events of one
 * cycle are written over a minute or two, and the log publishes them a little late.
 */
const DELETES_SETTLE_MS = 2 * 60_000;

/**
 * How a trip ended, for a job out of its TooManyDeletes quarantine: the deletes were allowed when the job
 * deleted objects after the staged ones (ForceDeletes), rejected when it did not. The outcome is
 * settled once a cycle began well after the last delete (the deleting cycle is over) or, with nothing deleted,
 * once a cycle after the trip has finished; until then the alert waits (RESOLUTION_WAIT_MS at most).
 * Only read by the lifecycle when a deletion-threshold alert of this job is open.
 */
function tripOutcome(
  tenantId: string,
  job: JobStatusRecord,
  observations: Parameters<Rule>[0]['observations'],
  now: Date,
): ResolutionNote | undefined {
  const status = observations.objectStatus.state.jobs[jobKey(job.JobId ?? '')];
  const staged = status?.stagedDeletes ?? [];
  if (staged.length === 0) return undefined;
  const stagedLast =
    staged
      .map((c) => c.lastAt)
      .sort()
      .at(-1) ?? '';
  const held = staged.reduce((max, c) => (c.lastAt >= stagedLast ? Math.max(max, c.count) : max), 0);
  const deletes = (status?.deletes ?? []).filter((c) => c.lastAt > stagedLast);
  const deleted = deletes.reduce((n, c) => n + c.count, 0);
  const firstDeleteAt = deletes.map((c) => c.firstAt).sort()[0] ?? null;
  const lastDeleteAt =
    deletes
      .map((c) => c.lastAt)
      .sort()
      .at(-1) ?? null;
  const began = instant(job.LastExecutionBegan);
  const ended = instant(job.LastExecutionEnded);
  const complete = observations.provisioningComplete;
  const settled =
    complete &&
    (deleted > 0
      ? began !== undefined && lastDeleteAt !== null && began - Date.parse(lastDeleteAt) >= DELETES_SETTLE_MS
      : began !== undefined &&
        ended !== undefined &&
        began > Date.parse(stagedLast) &&
        ended >= began &&
        now.getTime() - ended < OUTCOME_CYCLE_MS);
  const target =
    syncDirection(job.TemplateId ?? job.JobId) === 'Entra ID to AD' ? 'Active Directory' : 'Entra ID';
  const outcome: DeletionOutcome = {
    outcome: deleted > 0 ? 'allowed' : 'rejected',
    deleted,
    held,
    firstDeleteAt,
    lastDeleteAt,
    target,
    complete: settled,
  };
  return {
    kind: 'deletion-threshold',
    subject: jobSubject(tenantId, job),
    settled,
    resolution: {
      summary:
        deleted > 0
          ? `Deletes allowed: ${plural(deleted, 'object')} deleted in ${target}`
          : `Deletes rejected: sync restarted without deleting them (0 deleted)`,
      details: { ...outcome },
    },
  };
}

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
