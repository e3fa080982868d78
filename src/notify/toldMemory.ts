import { z } from 'zod';
import type { StateStore } from '../state/store.js';
import { updateState } from '../state/update.js';
import { pruneTold, type ToldMemory } from './routing.js';

/**
 * Per tenant, when each receiver was last told of each alert (routing.ts, per-route repeat intervals).
 * Kept only with a routing document; alerts not told of for a month are forgotten.
 */
export const TOLD_KEY = 'routing-told';
const KEEP_MS = 31 * 24 * 3600_000;

const toldSchema = z.object({
  told: z.record(z.string(), z.record(z.string(), z.array(z.iso.datetime()))),
});

/**
 * Runs `decide` on the stored memory and keeps the memory it returns (written only when it changed),
 * so the decisions and the memory they rest on are stored before anything is sent.
 */
export async function withToldMemory<R>(
  state: StateStore,
  tenantId: string,
  now: Date,
  decide: (told: ToldMemory) => { readonly told: ToldMemory; readonly result: R },
): Promise<R> {
  return updateState(
    state,
    { tenantId, name: TOLD_KEY },
    toldSchema,
    (current) => {
      const before = current?.told ?? {};
      const { told, result } = decide(before);
      const next = pruneTold(told, now, KEEP_MS);
      return JSON.stringify(next) === JSON.stringify(before) ? { result } : { value: { told: next }, result };
    },
    { now },
  );
}
