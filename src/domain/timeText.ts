import { formatDuration } from './duration.js';

/**
 * Times and durations as the digest writes them: UTC, 24-hour clock. Inside the 24-hour window "09:02" is
 * unambiguous (each clock time occurs once); instants before the window carry their date.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function dayMonth(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()] ?? ''}`;
}

export function clockTime(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return d.toISOString().slice(11, 16);
}

/** "09:02" inside the window, "20 Nov 14:00" before it. */
export function timeInWindow(iso: string, windowStart: number): string {
  return Date.parse(iso) < windowStart ? `${dayMonth(iso)} ${clockTime(iso)}` : clockTime(iso);
}

/** "2 h 28 min", "45 min", "3 d 4 h": the compact duration of src/domain/duration.ts. */
export const duration = formatDuration;

/** "09:02 – 11:30 (2 h 28 min)" or "since 09:02 (15 h so far)". */
export function periodText(
  period: { from: string; to: string | null },
  windowStart: number,
  windowEnd: number,
): string {
  const from = timeInWindow(period.from, windowStart);
  if (period.to === null) return `since ${from} (${duration(windowEnd - Date.parse(period.from))} so far)`;
  const to = Date.parse(period.to) >= windowEnd ? 'end of window' : timeInWindow(period.to, windowStart);
  return `${from} – ${to} (${duration(Date.parse(period.to) - Date.parse(period.from))})`;
}
