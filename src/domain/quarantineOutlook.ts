/**
 * The firing-time prediction a quarantine alert's summary ends with ("; Entra disables the job in 12
 * days"). Written here once, so what writes it (the rule) and what must leave it out of a resolved
 * line (the digest) agree on its words: a prediction is only true while the alert fires.
 */
export function disableOutlook(daysLeft: number | null): string {
  if (daysLeft === null) return '';
  if (daysLeft < 0) return '; Entra may disable the job any time now';
  return `; Entra disables the job in ${daysLeft} ${daysLeft === 1 ? 'day' : 'days'}`;
}

const OUTLOOK = /; Entra (?:disables the job in \d+ days?|may disable the job any time now)$/;

/** The summary without its prediction, for a line about an alert that has ended. */
export const withoutOutlook = (summary: string): string => summary.replace(OUTLOOK, '');
