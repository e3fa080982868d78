import { formatDuration } from '../domain/duration.js';
import { jobPurpose as templatePurpose } from '../domain/jobTemplates.js';

/**
 * Formatting shared by every renderer (Alertmanager's idea: format once, render per channel): times in
 * UTC with an explicit zone, since an alert is read by people in several time zones and compared with
 * portal and log timestamps, which are UTC; durations in the largest sensible units (src/domain/duration.ts).
 */

/** `2026-03-01 02:14 UTC`; the input unchanged when it is not a time. */
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return 'unknown';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `2026-03-01 02:14 UTC (3 h 12 min ago)`, relative to when the message was generated. */
export function formatSince(iso: string | null | undefined, generatedAt: Date): string {
  if (!iso) return 'unknown';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const delta = generatedAt.getTime() - ms;
  if (delta < 60_000 && delta > -60_000) return `${formatInstant(iso)} (just now)`;
  return delta > 0
    ? `${formatInstant(iso)} (${formatDuration(delta)} ago)`
    : `${formatInstant(iso)} (in ${formatDuration(-delta)})`;
}

/** What a job does, in words, from its templateId (or the job id's prefix). */
export function jobPurpose(templateId: string | null | undefined, jobId?: string | null): string | undefined {
  const template = templateId ?? jobId?.split('.')[0];
  return template ? templatePurpose(template) : undefined;
}
