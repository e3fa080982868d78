import type { DisableCountdown, QuarantineFacts } from '../domain/alertDetails.js';
import type { RuleSettings } from './settings.js';
import type { JobStatusRecord } from '../tables/definitions.js';
import { capFlat } from '../domain/text.js';
import { instant, iso } from '../domain/time.js';

const DAY = 24 * 3600_000;

/**
 * Entra disables a job that has stayed in quarantine for about four weeks from `seriesBegan`. The alert
 * says when, and re-notifies as that day approaches: the reminder stage reached (e.g. 7, then 1 day
 * left) is part of the quarantine alerts' material key.
 */
export function disableCountdown(
  job: JobStatusRecord,
  now: Date,
  settings: RuleSettings['quarantine'],
): DisableCountdown {
  const began = instant(job.QuarantineSeriesBegan) ?? instant(job.QuarantineSince);
  if (began === undefined) return { expectedAt: null, daysLeft: null, remindStage: null };
  const expected = began + settings.disableDays * DAY;
  const left = expected - now.getTime();
  const reached = settings.remindDaysLeft.filter((days) => left <= days * DAY);
  return {
    expectedAt: iso(expected),
    daysLeft: Math.floor(left / DAY),
    remindStage: reached.length > 0 ? Math.min(...reached) : null,
  };
}

export function quarantineFacts(
  job: JobStatusRecord,
  now: Date,
  settings: RuleSettings['quarantine'],
): QuarantineFacts {
  return {
    reason: job.QuarantineReason,
    quarantineSince: job.QuarantineSince,
    seriesBegan: job.QuarantineSeriesBegan,
    nextAttempt: job.QuarantineNextAttempt,
    errorCode: job.QuarantineErrorCode ?? job.LastErrorCode,
    errorMessage: capFlat(job.LastErrorMessage),
    disable: disableCountdown(job, now, settings),
  };
}

/** The part of a quarantine alert's material key that moves as the disable approaches. */
export function disableStageKey(countdown: DisableCountdown): string {
  if (countdown.remindStage === null) return '';
  return countdown.remindStage === 0
    ? '; job disable due now'
    : `; job disabled in ${countdown.remindStage} ${countdown.remindStage === 1 ? 'day' : 'days'} or less`;
}

/** When the quarantine began, as well as the job says. */
export function quarantineSince(job: JobStatusRecord, now: Date): string {
  const began =
    instant(job.QuarantineSince) ?? instant(job.QuarantineSeriesBegan) ?? instant(job.LastExecutionEnded);
  return iso(began ?? now.getTime());
}
