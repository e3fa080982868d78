import type { CollectedLate } from '../domain/digestModel.js';
import { hourLabel, type ProvisioningHour } from './rollupSchema.js';

/**
 * The digest counts events by the hour of the run that collected them (a rollup per run hour), so an
 * event collected after its own hour is counted in the window it was collected in. That loses nothing,
 * but after a gap in collection the catch-up puts hours of the day before into today's numbers; the
 * digest then says how many of its events happened before its window, and how old the oldest is.
 */

/**
 * Below this, events from before the window are the logs' ordinary delay (the collector re-reads the
 * last 15 minutes and sweeps back for events Graph publishes late): not worth a line every day.
 */
export const LATE_NOTE_AFTER_MS = 3600_000;

/** The window's events of one job that happened before `windowStart` (hour-aligned, as the window is). */
export function collectedLate(
  provisioning: readonly ProvisioningHour[],
  windowStart: number,
): CollectedLate | null {
  const start = hourLabel(new Date(windowStart));
  let events = 0;
  let oldest: string | null = null;
  for (const p of provisioning) {
    if (!p.earlier) continue;
    let before = 0;
    for (const [label, n] of Object.entries(p.earlier.byEventHour)) if (label < start) before += n;
    if (before === 0) continue;
    events += before;
    if (oldest === null || p.earlier.oldest < oldest) oldest = p.earlier.oldest;
  }
  return worthTelling(events, oldest, windowStart);
}

/** The day's figure: the jobs' together. */
export function sumCollectedLate(
  lates: readonly (CollectedLate | null)[],
  windowStart: number,
): CollectedLate | null {
  let events = 0;
  let oldest: string | null = null;
  for (const late of lates) {
    if (!late) continue;
    events += late.events;
    if (oldest === null || late.oldest < oldest) oldest = late.oldest;
  }
  return worthTelling(events, oldest, windowStart);
}

function worthTelling(events: number, oldest: string | null, windowStart: number): CollectedLate | null {
  if (events === 0 || oldest === null) return null;
  return Date.parse(oldest) < windowStart - LATE_NOTE_AFTER_MS ? { events, oldest } : null;
}
