/**
 * How far off Entra's disable of a quarantined job is, in words, and the firing-time prediction a
 * quarantine alert's summary ends with ("; Entra disables the job in 12 days"). Written here once, so
 * the alert, its headline, the digest and what must leave the prediction out of a resolved line (the
 * digest) agree on the words. Hours under two days: "in 0 days" was said of a disable 23 h away, and
 * "1 days overdue" of one due 2 h ago.
 */
const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** The time left until `expectedAtMs` in words ("6 days", "23 h", "under 1 h"); undefined once due. */
export function timeToDisable(expectedAtMs: number, nowMs: number): string | undefined {
  const left = expectedAtMs - nowMs;
  if (!(left > 0)) return undefined;
  if (left < HOUR) return 'under 1 h';
  if (left < 2 * DAY) return `${Math.floor(left / HOUR)} h`;
  return `${Math.floor(left / DAY)} days`;
}

/** The summary's prediction for a disable expected at `expectedAt` (ISO), seen at `now`. */
export function disableOutlook(expectedAt: string | null, now: Date): string {
  if (expectedAt === null) return '';
  const left = timeToDisable(Date.parse(expectedAt), now.getTime());
  return left ? `; Entra disables the job in ${left}` : '; Entra may disable the job any time now';
}

// Also the words of earlier versions ("in 1 day"), found in alerts stored by them.
const OUTLOOK =
  /; Entra (?:disables the job in (?:\d+ (?:days?|h)|under 1 h)|may disable the job any time now)$/;

/** The summary without its prediction, for a line about an alert that has ended. */
export const withoutOutlook = (summary: string): string => summary.replace(OUTLOOK, '');
