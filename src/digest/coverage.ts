import type { Coverage, Gap, HourCell, PartialPeriod } from '../domain/digestModel.js';
import type { HourRollup, RunEntry } from './rollupSchema.js';

/**
 * How well the monitor saw the day. "Could not check" is not "clear": an hour without collect runs, or
 * with runs that read nothing, is a gap, and a day with a gap is never called healthy.
 */

const HOUR = 3600_000;
/** Signals whose misses a later run cannot make up: a job's status or an agent's state at that moment is gone. */
const UNRECOVERABLE = new Set(['jobs', 'discovery', 'tenant']);

export interface CoverageInput {
  readonly hours: readonly HourRollup[];
  /** Runs before the window (the previous day), to tell whether the window began inside a gap. */
  readonly before: readonly RunEntry[];
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly expectedIntervalMs: number;
  readonly unreadableHours: readonly string[];
}

export function runsIn(hours: readonly HourRollup[], from: number, to: number): RunEntry[] {
  return hours
    .flatMap((h) => h.runs)
    .filter((r) => {
      const t = Date.parse(r.at);
      return t >= from && t < to;
    })
    .sort((a, b) => a.at.localeCompare(b.at));
}

export function buildCoverage(input: CoverageInput): Coverage {
  const { windowStart, windowEnd, expectedIntervalMs: interval } = input;
  const runs = runsIn(input.hours, windowStart, windowEnd);
  const gaps = [
    ...missedGaps(runs, input.before, windowStart, windowEnd, interval),
    ...failedGaps(runs, windowEnd, interval),
  ].sort((a, b) => a.from.localeCompare(b.from));
  const partial = partialPeriods(runs, interval);
  const fullyObserved =
    runs.length > 0 &&
    gaps.length === 0 &&
    partial.every((p) => !p.lost) &&
    input.unreadableHours.length === 0;
  return {
    expectedIntervalMs: interval,
    runs: runs.length,
    expectedRuns: Math.round((windowEnd - windowStart) / interval),
    failedRuns: runs.filter((r) => r.outcome === 'failed').length,
    partialRuns: runs.filter((r) => r.outcome === 'partial').length,
    gaps,
    partial,
    unreadableHours: input.unreadableHours,
    fullyObserved,
    hourly: coverageStrip(runs, gaps, windowStart, interval),
    truncated: [...new Set(input.hours.flatMap((h) => h.truncated))].sort(),
  };
}

/** Stretches with no run at all for more than twice the expected interval. */
function missedGaps(
  runs: readonly RunEntry[],
  before: readonly RunEntry[],
  windowStart: number,
  windowEnd: number,
  interval: number,
): Gap[] {
  const gaps: Gap[] = [];
  const anchor = before.filter((r) => Date.parse(r.at) < windowStart).at(-1);
  let previous = anchor ? Date.parse(anchor.at) : windowStart;
  const times = [...runs.map((r) => Date.parse(r.at)), windowEnd];
  for (const [i, time] of times.entries()) {
    const isEnd = i === times.length - 1;
    if (time - previous > 2 * interval) {
      const from = Math.max(previous, windowStart);
      const to = time;
      gaps.push({
        kind: 'missed',
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        durationMs: to - from,
        runs: Math.max(1, Math.round((to - from) / interval) - (isEnd ? 0 : 1)),
        codes: [],
        ongoing: isEnd,
      });
    }
    previous = time;
  }
  return gaps;
}

/** Consecutive failed runs: the monitor ran but read nothing. */
function failedGaps(runs: readonly RunEntry[], windowEnd: number, interval: number): Gap[] {
  const gaps: Gap[] = [];
  let current: { from: number; to: number; runs: number; codes: Set<string> } | undefined;
  const close = (next: RunEntry | undefined) => {
    if (!current) return;
    const to = next ? Date.parse(next.at) : Math.min(windowEnd, current.to + interval);
    gaps.push({
      kind: 'failed',
      from: new Date(current.from).toISOString(),
      to: new Date(to).toISOString(),
      durationMs: to - current.from,
      runs: current.runs,
      codes: [...current.codes],
      ongoing: !next,
    });
    current = undefined;
  };
  for (const run of runs) {
    if (run.outcome !== 'failed') {
      close(run);
      continue;
    }
    const t = Date.parse(run.at);
    current ??= { from: t, to: t, runs: 0, codes: new Set() };
    current.to = t;
    current.runs += 1;
    for (const code of run.errorCodes) current.codes.add(code);
  }
  close(undefined);
  return gaps;
}

/** Consecutive partial runs, with what they could not read and whether a later run made up for it. */
function partialPeriods(runs: readonly RunEntry[], interval: number): PartialPeriod[] {
  const periods: PartialPeriod[] = [];
  let start = -1;
  const flush = (end: number) => {
    if (start < 0) return;
    const group = runs.slice(start, end);
    const signals = [...new Set(group.flatMap((r) => r.failedSignals))].sort();
    const later = runs.slice(end);
    // The provisioning watermark only moves past what was written, so a later complete run reads the backlog.
    const caughtUp = later.some((r) => r.outcome === 'success' && !r.backlogRemaining);
    const lost = signals.some((s) => UNRECOVERABLE.has(s)) || (signals.includes('provisioning') && !caughtUp);
    const first = group[0]!;
    const last = group[group.length - 1]!;
    periods.push({
      from: first.at,
      to: runs[end]?.at ?? new Date(Date.parse(last.at) + interval).toISOString(),
      runs: group.length,
      signals,
      codes: [...new Set(group.flatMap((r) => r.errorCodes))],
      caughtUp,
      lost,
    });
    start = -1;
  };
  for (const [i, run] of runs.entries()) {
    if (run.outcome === 'partial') {
      if (start < 0) start = i;
    } else flush(i);
  }
  flush(runs.length);
  return periods;
}

function coverageStrip(
  runs: readonly RunEntry[],
  gaps: readonly Gap[],
  windowStart: number,
  interval: number,
): HourCell[] {
  const cells: HourCell[] = [];
  for (let i = 0; i < 24; i++) {
    const from = windowStart + i * HOUR;
    const to = from + HOUR;
    const inHour = runs.filter((r) => {
      const t = Date.parse(r.at);
      return t >= from && t < to;
    });
    const readable = inHour.filter((r) => r.outcome !== 'failed');
    const overlapsGap = gaps.some(
      (g) => Date.parse(g.from) < to && Date.parse(g.to) > from && g.durationMs > 0,
    );
    const expected = Math.max(1, Math.floor(HOUR / interval));
    const state =
      readable.length === 0
        ? 'none'
        : overlapsGap || readable.some((r) => r.outcome === 'partial') || readable.length < expected / 2
          ? 'warning'
          : 'ok';
    cells.push({ hour: new Date(from).toISOString(), state });
  }
  return cells;
}
