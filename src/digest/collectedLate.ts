import type { CollectedLate } from '../domain/digestModel.js';
import { hourLabel, type HourRollup, type ProvisioningHour } from './rollupSchema.js';

/**
 * The digest counts events by the hour of the run that collected them (a rollup per run hour), so an
 * event collected after its own hour is counted in the window it was collected in. That loses nothing,
 * but after a gap in collection the catch-up puts hours of the day before into today's numbers; the
 * digest then says how many of its events happened before its window, and how old the oldest is.
 */

/**
 * Below this, events from before the window are the logs' ordinary reach back: the collector re-reads
 * the last 15 minutes and, by default, sweeps up to 2 h 30 min back for events Graph publishes late
 * (PROVISIONING_LATENESS_MINUTES + PROVISIONING_LATE_SWEEP_MINUTES). Not worth a line every day; older
 * ones mean a gap in collection (or a lateness set higher), which the reader should know of.
 */
export const LATE_NOTE_AFTER_MS = 3 * 3600_000;

/** The window's events of one job that happened before `windowStart` (hour-aligned, as the window is). */
export function collectedLate(
  provisioning: readonly ProvisioningHour[],
  windowStart: number,
): CollectedLate | null {
  return worthTelling(beforeWindow(provisioning, windowStart), windowStart);
}

/**
 * The day's figure: every job's events from before the window (also the jobs whose own are too few
 * hours old to be told), told when the oldest of them is worth it.
 */
export function dayCollectedLate(hours: readonly HourRollup[], windowStart: number): CollectedLate | null {
  return worthTelling(
    beforeWindow(
      hours.flatMap((h) => Object.values(h.provisioning)),
      windowStart,
    ),
    windowStart,
  );
}

function beforeWindow(provisioning: readonly ProvisioningHour[], windowStart: number): CollectedLate | null {
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
  return oldest === null ? null : { events, oldest };
}

function worthTelling(late: CollectedLate | null, windowStart: number): CollectedLate | null {
  return late && Date.parse(late.oldest) < windowStart - LATE_NOTE_AFTER_MS ? late : null;
}
