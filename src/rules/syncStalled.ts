import { asDetails } from '../domain/alertDetails.js';
import type { AlertCandidate } from '../domain/alertModel.js';
import type { JobStatusRecord } from '../tables/definitions.js';
import type { Rule } from './context.js';
import { isActive, isPaused, isQuarantined, stalledAfterMs } from '../domain/jobStatus.js';
import { jobLabel, jobRef, jobSubject } from './jobFacts.js';
import { formatMinutes } from '../domain/duration.js';
import { jobKey } from '../domain/jobId.js';
import { instant, iso, minutesBetween } from '../domain/time.js';

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
    if (nowMs - since >= threshold) {
      candidates.push(stalled(observations.tenantId, job, 'not-completing', since, threshold, nowMs));
    }
  }
  return { candidates, memory: { pausedSince, noSuccessSince, heldSeenAt } };
};

function stalled(
  tenantId: string,
  job: JobStatusRecord,
  mode: 'not-completing' | 'paused',
  since: number,
  thresholdMs: number,
  nowMs: number,
): AlertCandidate {
  const minutes = minutesBetween(since, nowMs);
  const error = job.LastErrorCode ? ` (last error ${job.LastErrorCode})` : '';
  return {
    kind: 'sync-stalled',
    subject: jobSubject(tenantId, job),
    severity: 'warning',
    summary:
      mode === 'paused'
        ? `${jobLabel(job)} has been paused for ${formatMinutes(minutes)}: nothing is synchronised`
        : `${jobLabel(job)}: no successful sync cycle for ${formatMinutes(minutes)}${error}`,
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
    }),
  };
}
