import { z } from 'zod';
import type { Clock } from '../clock.js';
import { SlidingWindowPacer } from '../graph/pacer.js';
import { readStoredState } from '../state/storedState.js';
import type { StateStore } from '../state/store.js';

/**
 * The reporting API limit (5 requests per 10 s per app per tenant) held across workers.
 *
 * Within a run, the run's own pacer holds it; and only one run of a tenant works at a time, whatever the
 * number of workers, because every run holds the tenant's run lease (and the fan-out never enqueues a
 * tenant whose message is in flight). What one-run-at-a-time does not cover is the hand-over: a run
 * that ends (or fails and is redelivered to another worker at once) may have sent its last requests a
 * moment ago. So each run leaves the times of the requests still inside the window in the tenant's
 * state, and the next run, in whichever process, starts its pacer from them.
 */
export const PACING_NAME = 'fleet-pacing';

const pacingSchema = z.object({ recent: z.array(z.number()).max(1_000) });

export interface PacingLimit {
  readonly requests: number;
  readonly windowMs: number;
}

export async function pacerFor(
  state: StateStore,
  tenantId: string,
  clock: Clock,
  limit: PacingLimit,
): Promise<SlidingWindowPacer> {
  const stored = await readStoredState(state, { tenantId, name: PACING_NAME }, pacingSchema);
  // Unreadable or damaged: start empty (at worst one window's worth of requests may meet a 429, which
  // the retry handler waits out); the next save replaces it.
  const seed = stored.kind === 'found' ? stored.value.recent : [];
  return new SlidingWindowPacer(clock, limit.requests, limit.windowMs, seed);
}

/**
 * Leaves the requests still inside the window for the next run. None left (the run's last request is a
 * window ago): nothing to write, since whatever is stored is older still, so the next pacer drops it.
 */
export async function savePacer(
  state: StateStore,
  tenantId: string,
  pacer: SlidingWindowPacer,
): Promise<void> {
  const recent = pacer.recent();
  if (recent.length === 0) return;
  await state.write({ tenantId, name: PACING_NAME }, { recent }, { unconditional: true });
}
