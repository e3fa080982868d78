import { expectedRunIntervalMs } from '../digest/collectInterval.js';

/**
 * When the monitor itself counts as down: no successful run for four collect intervals (three missed
 * runs plus the one that may still be running), at least 20 minutes, at most two days. Derived from
 * COLLECT_SCHEDULE, so a monitor collecting hourly is not "stale" after 20 minutes and one collecting
 * every minute is not trusted for 20. infra/main.bicep computes the watcher alert's threshold the same
 * way from the same setting; /health and `status` use this.
 */
export const STALE_AFTER_INTERVALS = 4;
export const STALE_AFTER_MIN_MS = 20 * 60_000;
export const STALE_AFTER_MAX_MS = 48 * 3600_000;
export function staleAfterMs(collectSchedule: string): number {
  const derived = STALE_AFTER_INTERVALS * expectedRunIntervalMs(collectSchedule);
  return Math.min(STALE_AFTER_MAX_MS, Math.max(STALE_AFTER_MIN_MS, derived));
}
