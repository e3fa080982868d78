import type { z } from 'zod';
import { StateConflictError, readValidated, type StateKey, type StateStore } from '../state/store.js';

/**
 * Delivery state is kept per deployment, not per tenant: the ACS quota belongs to the subscription,
 * and `retryPending` must find every waiting message without knowing which tenants sent them. The
 * messages themselves carry their tenant id.
 */
export const NOTIFY_STATE_SCOPE = '_notify';

export function notifyKey(name: string): StateKey {
  return { tenantId: NOTIFY_STATE_SCOPE, name };
}

/** Each lost race means another writer just succeeded, so a few rounds always settle. */
const MAX_ROUNDS = 8;

/**
 * Read-modify-write with ETag concurrency: `change` gets the current value (undefined when none) and
 * returns the new one; on a conflict the value is read again and `change` runs again.
 */
export async function updateState<S extends z.ZodType, R>(
  store: StateStore,
  key: StateKey,
  schema: S,
  change: (current: z.infer<S> | undefined) => { value: z.infer<S>; result: R },
): Promise<R> {
  for (let round = 0; ; round++) {
    const current = await readValidated(store, key, schema);
    const { value, result } = change(current?.value);
    try {
      await store.write(key, value, current ? { ifMatch: current.etag } : { ifNoneMatch: '*' });
      return result;
    } catch (error) {
      if (!(error instanceof StateConflictError) || round >= MAX_ROUNDS) throw error;
    }
  }
}
