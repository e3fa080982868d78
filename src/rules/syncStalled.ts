import { asDetails } from '../domain/alertDetails.js';
import type { AlertCandidate } from '../domain/alertModel.js';
import type { JobStatusRecord } from '../tables/definitions.js';
import type { Rule } from './context.js';
import { isActive, isPaused, isQuarantined, stalledAfterMs } from '../domain/jobStatus.js';
import { jobLabel, jobRef, jobSubject } from './jobFacts.js';
import { formatMinutes } from '../domain/duration.js';
import { jobKey } from '../domain/jobId.js';
import { instant, iso, minutesBetween } from '../domain/time.js';
import { canaryStallVerdict } from '../domain/jobCondition.js';
import type { CanaryEvidence } from '../domain/directoryCoverage.js';
import { capFlat } from '../domain/text.js';

/** How long a release from quarantine or pause is remembered (well beyond any stall threshold in use). */
const HELD_MEMORY_MS = 7 * 24 * 3600_000;

/**
 * `sync-stalled` (warning), the "provisioning silently stopped" alert:
 * - an Active job without a successful cycle (lastSuccessfulExecution.timeEnded) for SYNC_STALLED_MINUTES
 *   (and at least three schedule intervals; the normal cycle is 2 minutes);
 * - a job paused, or its schedule disabled, for PAUSED_ALERT_HOURS: a forgotten pause stops sync silently.
 * Quarantined jobs have their own alerts. When Graph gives no time (never succeeded, pause time unknown)
 * the first run that saw it stands in, remembered across runs; a pause is dated no later than the end
 * of the last cycle before it. A job released from quarantine or pause is measured from the last run
 * that saw it held: its last success is from before the hold, and no cycle could run during it.
 * The canary (opt-in) is first-class evidence (src/domain/jobCondition.ts canaryStallVerdict): a canary
 * that failed, or did not round-trip within the stall window, raises it even while the job status looks
 * healthy; one that succeeded recently holds it back, whatever the last-success time says.
 */
export const syncStalledRule: Rule = ({ observations, memory, now, settings }) => {
  const nowMs = now.getTime();
  const candidates: AlertCandidate[] = [];
  const pausedSince: Record<string, string> = {};
  const noSuccessSince: Record<string, string> = {};
  const heldSeenAt: Record<string, string> = {};
  for (const [key, seen] of Object.entries(memory.heldSeenAt)) {
    if (nowMs - Date.parse(seen) < HELD_MEMORY_MS) heldSeenAt[key] = seen;
  }
  const listed = new Set(observations.jobs.map((j) => jobKey(j.JobId ?? '')));
  // Jobs this run could not see keep what was remembered about them.
  for (const [section, next] of [
    [memory.pausedSince, pausedSince],
    [memory.noSuccessSince, noSuccessSince],
  ] as const) {
    for (const [key, since] of Object.entries(section)) if (!listed.has(key)) next[key] = since;
  }

  for (const job of observations.jobs) {
    if (!job.JobId) continue;
    const key = jobKey(job.JobId);
    if (isQuarantined(job)) {
      heldSeenAt[key] = iso(nowMs);
      continue;
    }
    if (isPaused(job)) {
      heldSeenAt[key] = iso(nowMs);
      const remembered = instant(memory.pausedSince[key]) ?? nowMs;
      pausedSince[key] = iso(remembered);
      const since = Math.min(remembered, instant(job.LastExecutionEnded) ?? remembered);
      if (nowMs - since >= settings.pausedMs) {
        candidates.push(stalled(observations.tenantId, job, 'paused', since, settings.pausedMs, nowMs));
      }
      continue;
    }
    if (!isActive(job)) continue;
    let since = instant(job.LastSuccessfulExecutionEnded);
    if (since === undefined) {
      since = instant(memory.noSuccessSince[key]) ?? nowMs;
      noSuccessSince[key] = iso(since);
    }
    since = Math.max(since, instant(heldSeenAt[key]) ?? since);
    const threshold = stalledAfterMs(job, settings.syncStalledMs);
    const canary = canaryOf(observations.canary, job.JobId);
    const seen = canaryStallVerdict(canary, nowMs, threshold);
    if (seen === 'flowing') continue;
    const evidence = seen === 'stalled' ? canary : undefined;
    if (nowMs - since >= threshold) {
      candidates.push(
        stalled(observations.tenantId, job, 'not-completing', since, threshold, nowMs, evidence),
      );
    } else if (evidence) {
      const at = instant(evidence.at) ?? nowMs;
      candidates.push(stalled(observations.tenantId, job, 'canary-failing', at, threshold, nowMs, evidence));
    }
  }
  return { candidates, memory: { pausedSince, noSuccessSince, heldSeenAt } };
};

/**
 * The job's canary evidence: of its canary objects' latest attempts, a failure wins (one object that
 * cannot be provisioned is a stall of the path), else the latest.
 */
function canaryOf(all: readonly CanaryEvidence[] | undefined, jobId: string): CanaryEvidence | undefined {
  const mine = (all ?? []).filter((c) => jobKey(c.jobId) === jobKey(jobId));
  const byTime = [...mine].sort((a, b) => b.at.localeCompare(a.at));
  return byTime.find((c) => c.outcome === 'failure') ?? byTime[0];
}

/** What the canary saw, in words for the alert text. */
function canaryText(c: CanaryEvidence): string {
  const object = capFlat(c.objectId, 120) ?? 'its canary object';
  if (c.outcome === 'failure') {
    const where = [c.failedStep ? `at step ${c.failedStep}` : '', c.errorCode ? `(${c.errorCode})` : '']
      .filter(Boolean)
      .join(' ');
    return `the canary could not provision ${object} on demand at ${c.at}${where ? ` ${where}` : ''}`;
  }
  return `the canary's round trip for ${object} at ${c.at} took ${formatMinutes(Math.round(c.roundTripMs / 60_000))}`;
}

function stalled(
  tenantId: string,
  job: JobStatusRecord,
  mode: 'not-completing' | 'paused' | 'canary-failing',
  since: number,
  thresholdMs: number,
  nowMs: number,
  canary?: CanaryEvidence,
): AlertCandidate {
  const minutes = minutesBetween(since, nowMs);
  const error = job.LastErrorCode ? ` (last error ${job.LastErrorCode})` : '';
  const canarySaw = canary ? `; ${canaryText(canary)}` : '';
  return {
    kind: 'sync-stalled',
    subject: jobSubject(tenantId, job),
    severity: 'warning',
    summary:
      mode === 'paused'
        ? `${jobLabel(job)} has been paused for ${formatMinutes(minutes)}: nothing is synchronised`
        : mode === 'canary-failing'
          ? `${jobLabel(job)} looks healthy, but ${canary ? canaryText(canary) : 'its canary failed'}: provisioning does not complete`
          : `${jobLabel(job)}: no successful sync cycle for ${formatMinutes(minutes)}${error}${canarySaw}`,
    since: iso(since),
    materialKey: mode === 'paused' ? 'paused' : 'not completing',
    details: asDetails('sync-stalled', {
      job: jobRef(job),
      mode,
      statusCode: job.StatusCode,
      scheduleState: job.ScheduleState,
      scheduleInterval: job.ScheduleInterval,
      lastSuccessfulExecutionEnded: job.LastSuccessfulExecutionEnded,
      lastExecutionEnded: job.LastExecutionEnded,
      lastExecutionState: job.LastExecutionState,
      lastErrorCode: job.LastErrorCode,
      minutes,
      thresholdMinutes: Math.round(thresholdMs / 60_000),
      canary: canary
        ? {
            at: canary.at,
            outcome: canary.outcome,
            objectId: capFlat(canary.objectId, 200),
            errorCode: canary.errorCode,
            failedStep: canary.failedStep,
            roundTripMs: canary.roundTripMs,
          }
        : null,
    }),
  };
}
