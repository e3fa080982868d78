/**
 * NCRONTAB, the six-field cron dialect of Azure Functions timers:
 * `{second} {minute} {hour} {day} {month} {day-of-week}`, always UTC on Flex Consumption.
 * Parsed here for two reasons: a bad DIGEST_SCHEDULE should fail at start-up with a clear message rather
 * than as a host error, and the digest needs to know how often the collect timer is meant to fire to
 * tell a missed run from a normal pause.
 */

const FIELDS = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  { name: 'day-of-week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
] as const;

export interface Schedule {
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly days: readonly number[];
  readonly months: readonly number[];
  readonly daysOfWeek: readonly number[];
}

export type ParsedSchedule = { ok: true; schedule: Schedule } | { ok: false; error: string };

export function parseNcrontab(expression: string): ParsedSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 6) {
    return {
      ok: false,
      error: `needs 6 fields (second minute hour day month day-of-week), has ${parts.length}`,
    };
  }
  const values: number[][] = [];
  for (const [i, field] of FIELDS.entries()) {
    const parsed = parseField(parts[i] ?? '', field);
    if (typeof parsed === 'string')
      return { ok: false, error: `${field.name} field "${parts[i]}": ${parsed}` };
    values.push(parsed);
  }
  const [seconds = [], minutes = [], hours = [], days = [], months = [], daysOfWeek = []] = values;
  return { ok: true, schedule: { seconds, minutes, hours, days, months, daysOfWeek } };
}

interface FieldSpec {
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

/** One field: `*`, `n`, `a-b`, any of them with `/step`, comma-separated. Returns the sorted values or an error. */
function parseField(text: string, field: FieldSpec): number[] | string {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const match = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(item);
    if (!match) return `"${item}" is not *, a value, a range or a step`;
    const [, range = '', stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) return `step "${stepText}" must be a positive whole number`;
    let from = field.min;
    let to = field.max;
    if (range !== '*') {
      const [a = '', b] = range.split('-');
      const start = valueOf(a, field);
      const end = b === undefined ? (stepText === undefined ? start : field.max) : valueOf(b, field);
      if (typeof start === 'string') return start;
      if (typeof end === 'string') return end;
      if (end < start) return `range ${range} runs backwards`;
      from = start;
      to = end;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return [...out].sort((x, y) => x - y);
}

function valueOf(text: string, field: FieldSpec): number | string {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return field.min + named;
  if (!/^\d+$/.test(text)) return `"${text}" is not a number${field.names ? ' or a name' : ''}`;
  const value = Number(text);
  if (value < field.min || value > field.max) return `${value} is outside ${field.min}-${field.max}`;
  return value;
}

/**
 * The longest wait between two firings of a schedule within a day (wrapping past midnight), looking
 * only at the time-of-day fields. Day, month and weekday restrictions are ignored on purpose: a collect
 * schedule that skips weekends would otherwise turn every weekend into a "gap" the digest reports.
 */
export function longestDailyIntervalMs(schedule: Schedule): number {
  const firings: number[] = [];
  for (const h of schedule.hours)
    for (const m of schedule.minutes) for (const s of schedule.seconds) firings.push((h * 60 + m) * 60 + s);
  firings.sort((a, b) => a - b);
  const first = firings[0];
  const last = firings[firings.length - 1];
  if (first === undefined || last === undefined) return 24 * 3600_000;
  let longest = first + 86_400 - last;
  for (let i = 1; i < firings.length; i++) longest = Math.max(longest, firings[i]! - firings[i - 1]!);
  return longest * 1000;
}

/**
 * A setting holding an NCRONTAB schedule, checked as the Functions host would: undefined when it is
 * fine, else a plain sentence ("must be ...") for the settings error. The example matters because the
 * usual mistake is a five-field Unix cron, which the host rejects only when the function starts.
 */
export function ncrontabProblem(expression: string): string | undefined {
  const parsed = parseNcrontab(expression);
  if (parsed.ok) return undefined;
  return `must be a 6-field NCRONTAB expression (UTC, e.g. "0 */5 * * * *" for every 5 minutes): ${parsed.error}`;
}
