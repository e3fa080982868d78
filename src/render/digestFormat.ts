import type {
  AlertLine,
  CellState,
  CollectedLate,
  DigestLevel,
  DigestModel,
  ProblemSeverity,
} from '../domain/digestModel.js';
import { dayMonth, duration, timeInWindow } from '../domain/timeText.js';
import { capText } from './escape.js';

/** What the three digest renderings (HTML, plain text, Teams card) share: words, colours, the subject. */

export const LEVEL_WORD: Readonly<Record<DigestLevel, string>> = {
  critical: 'Critical',
  degraded: 'Degraded',
  healthy: 'Healthy',
  unknown: 'Not fully observed',
};

/** Fluent UI colours; text colours meet WCAG AA on their backgrounds. */
export const LEVEL_COLOURS: Readonly<Record<DigestLevel, { bar: string; background: string; text: string }>> =
  {
    critical: { bar: '#C50F1F', background: '#FDF3F4', text: '#A4262C' },
    degraded: { bar: '#C19C00', background: '#FFF9E6', text: '#6B4B00' },
    healthy: { bar: '#107C10', background: '#F1FAF1', text: '#0B5A0B' },
    unknown: { bar: '#605E5C', background: '#F3F2F1', text: '#3B3A39' },
  };

export const SEVERITY_LEVEL: Readonly<Record<ProblemSeverity, DigestLevel>> = {
  critical: 'critical',
  warning: 'degraded',
};

export const CELL_COLOURS: Readonly<Record<CellState, string>> = {
  ok: '#6BB700',
  warning: '#EAA300',
  critical: '#D13438',
  none: '#D2D0CE',
};

export const CELL_WORDS: Readonly<Record<CellState, string>> = {
  ok: 'healthy',
  warning: 'degraded',
  critical: 'critical',
  none: 'not observed',
};

export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** Strips what must never reach a mail header (line breaks would inject headers) and caps directory data. */
export function headerText(value: string, max = 60): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  return capText(value.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim(), max);
}

/** The day a digest is about: the date of the last instant of its window ("23 Nov" for a 07:00 digest). */
export const digestDay = (model: DigestModel): string => dayMonth(new Date(Date.parse(model.windowEnd) - 1));

/**
 * The subject tells the state now and the day's worst, in that order, so a morning when everything was
 * resolved does not read like an outage in progress:
 * - "Cloud Sync daily digest: healthy — contoso tenant, 22 Nov"
 * - "Cloud Sync daily digest: all clear now, worst today 3 critical (resolved) — contoso tenant, 22 Nov"
 * - "Cloud Sync daily digest: 1 warning open now, worst today 4 critical (resolved) — …"
 * - "Cloud Sync daily digest: 1 critical, 2 warnings open now — …" (the worst is still open)
 */
export function digestSubject(model: DigestModel): string {
  const { verdict } = model;
  const tail = ` — ${headerText(model.tenantLabel, 40)} tenant, ${digestDay(model)}`;
  if (verdict.level === 'healthy') return `Cloud Sync daily digest: healthy${tail}`;
  if (verdict.level === 'unknown' || model.problems.length === 0)
    return `Cloud Sync daily digest: not fully observed${tail}`;
  const count = (problems: readonly { severity: string }[]) => {
    const critical = problems.filter((p) => p.severity === 'critical').length;
    const warnings = problems.length - critical;
    return [
      critical ? `${critical} critical` : '',
      warnings ? `${warnings} warning${warnings === 1 ? '' : 's'}` : '',
    ]
      .filter(Boolean)
      .join(', ');
  };
  const open = model.problems.filter((p) => p.ongoing);
  const now = open.length ? `${count(open)} open now` : 'all clear now';
  const worstSeverity = model.problems.some((p) => p.severity === 'critical') ? 'critical' : 'warning';
  const worst = model.problems.filter((p) => p.severity === worstSeverity);
  const worstOpen = worst.filter((p) => p.ongoing).length;
  // Said only when the day was worse than now: the worst ones (some or all) are over.
  const worstToday =
    worstOpen === worst.length
      ? ''
      : `, worst today ${count(worst)} (${worstOpen === 0 ? 'resolved' : `${worst.length - worstOpen} resolved`})`;
  return `Cloud Sync daily digest: ${now}${worstToday}${tail}`;
}

/** "22 Nov 07:00": an instant with its day, as the digest's window is told. */
const dayAndTime = (iso: string): string => `${dayMonth(iso)} ${iso.slice(11, 16)}`;

/** "22 Nov 07:00 – 23 Nov 07:00 UTC". */
export function windowText(model: DigestModel): string {
  return `${dayAndTime(model.windowStart)} – ${dayAndTime(model.windowEnd)} UTC`;
}

export const plural = (n: number, word: string, many = `${word}s`): string =>
  `${formatCount(n)} ${n === 1 ? word : many}`;

/** "create 96 (175 failed), update 996 (290 failed), delete 640" — only actions that happened. */
export function actionSummary(
  events: DigestModel['configurations'][number]['jobs'][number]['events'],
): string {
  const parts: string[] = [];
  for (const [action, results] of Object.entries(events)) {
    const total = Object.values(results).reduce((n, x) => n + x, 0);
    if (total === 0) continue;
    const notes: string[] = [];
    if (results.failure) notes.push(`${formatCount(results.failure)} failed`);
    if (results.skipped && action !== 'other') notes.push(`${formatCount(results.skipped)} skipped`);
    if (results.warning) notes.push(`${formatCount(results.warning)} with warnings`);
    parts.push(`${action} ${formatCount(total)}${notes.length ? ` (${notes.join(', ')})` : ''}`);
  }
  return parts.length ? parts.join(' · ') : 'no provisioning events';
}

/** When the window began, with its day (the reader may not have the header in view). */
const windowBegan = (windowStart: number): string => dayAndTime(new Date(windowStart).toISOString());

/**
 * "412 of these events happened before 22 Nov 00:00 (the oldest 21 Nov 22:04) and were collected after
 * it: no earlier digest counted them." Said where a job's events are counted.
 */
export function collectedLateText(late: CollectedLate, windowStart: number): string {
  return (
    `${formatCount(late.events)} of these events happened before ${windowBegan(windowStart)} (the oldest ` +
    `${timeInWindow(late.oldest, windowStart)}) and were collected after it: no earlier digest counted them.`
  );
}

/** "3,032 provisioning events (412 from before 22 Nov 00:00)": the short form of collectedLateText. */
export function eventsCounted(
  events: number,
  late: CollectedLate | null,
  windowStart: number,
  word = 'provisioning event',
): string {
  return `${plural(events, word)}${late ? ` (${formatCount(late.events)} from before ${windowBegan(windowStart)})` : ''}`;
}

/** "resolved 14:30 after 1 h 30 min; ended: the job's state then: Active": a resolved alert line's end. */
export function resolvedNote(line: AlertLine, windowStart: number): string {
  return (
    `resolved${line.resolvedAt ? ` ${timeInWindow(line.resolvedAt, windowStart)}` : ''}` +
    (line.lastedMs ? ` after ${duration(line.lastedMs)}` : '') +
    (line.ended ? `; ended: ${line.ended}` : '')
  );
}
