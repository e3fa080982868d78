import { longestDailyIntervalMs, parseNcrontab } from './ncrontab.js';

const DEFAULT_RUN_INTERVAL_MS = 5 * 60_000;

/**
 * How often the collect timer fires (its longest pause in a day, as a business-hours schedule pauses
 * overnight); 5 minutes if the schedule is not NCRONTAB. The digest tells a missed run from a normal
 * pause by it, and /health and `status` derive "stale" from it (src/health/staleness.ts).
 */
export function expectedRunIntervalMs(collectSchedule: string): number {
  const parsed = parseNcrontab(collectSchedule);
  return parsed.ok ? longestDailyIntervalMs(parsed.schedule) : DEFAULT_RUN_INTERVAL_MS;
}
