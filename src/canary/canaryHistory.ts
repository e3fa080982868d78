import { z } from 'zod';
import type { StateStore } from '../state/store.js';
import { readStoredState } from '../state/storedState.js';
import { updateState } from '../state/update.js';

/**
 * The canary's round trips of the last two days, for the daily digest's sync latency (which reads
 * state, never Graph or Log Analytics): one small sample per attempt. Bounded by age and count, so a
 * 5-minute interval with 20 canary objects (5,760 attempts a day) still fits one state value.
 */
export const CANARY_HISTORY_KEY = 'canary-history';
const KEEP_MS = 48 * 3600_000;
const KEEP_MAX = 12_000;

const sampleSchema = z.object({
  /** Service principal (lower case) and configuration name. */
  sp: z.string(),
  name: z.string().nullable(),
  at: z.string(),
  outcome: z.enum(['success', 'failure', 'error', 'throttled']),
  ms: z.number(),
});
export type CanarySample = z.infer<typeof sampleSchema>;

const historySchema = z.object({ v: z.literal(1), samples: z.array(sampleSchema) });

export async function appendCanaryHistory(
  store: StateStore,
  tenantId: string,
  samples: readonly CanarySample[],
  now: Date,
): Promise<void> {
  if (samples.length === 0) return;
  const from = new Date(now.getTime() - KEEP_MS).toISOString();
  await updateState(
    store,
    { tenantId, name: CANARY_HISTORY_KEY },
    historySchema,
    (current) => {
      const kept = [...(current?.samples ?? []), ...samples].filter((s) => s.at >= from).slice(-KEEP_MAX);
      return { value: { v: 1 as const, samples: kept }, result: undefined };
    },
    { now },
  );
}

/** The samples in [from, to); empty when none, or when the history cannot be read (the digest goes on). */
export async function readCanaryHistory(
  store: StateStore,
  tenantId: string,
  from: Date,
  to: Date,
): Promise<CanarySample[]> {
  const stored = await readStoredState(store, { tenantId, name: CANARY_HISTORY_KEY }, historySchema);
  if (stored.kind !== 'found') return [];
  const [a, b] = [from.toISOString(), to.toISOString()];
  return stored.value.samples.filter((s) => s.at >= a && s.at < b);
}
