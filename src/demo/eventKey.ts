import type { EventKey } from './scenario.js';

/** Compares two provisioning events in log order: activityDateTime, then id. */
export function compareEventKeys(a: EventKey, b: EventKey): number {
  if (a.timeMs !== b.timeMs) return a.timeMs - b.timeMs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
