import type { z } from 'zod';
import { StateDecodeError, readValidated, type StateKey, type StateStore } from './store.js';

/**
 * Reading a state value, telling apart what the caller must treat differently:
 * - `found`: the value and its etag;
 * - `absent`: nothing stored yet, create it (ifNoneMatch);
 * - `corrupt`: something is stored but it cannot be trusted (undecodable, or not the expected shape):
 *   set it aside (`setAside`) or replace it with ifMatch on `etag`, and start knowledge afresh;
 * - `unavailable`: the store could not be read (network, throttling): change nothing, write nothing.
 */
export type StoredState<T> =
  | { readonly kind: 'found'; readonly value: T; readonly etag: string }
  | { readonly kind: 'absent' }
  | { readonly kind: 'corrupt'; readonly etag: string | undefined; readonly reason: string }
  | { readonly kind: 'unavailable'; readonly error: unknown };

/** Never throws: every failure is one of the kinds above, told apart by StateDecodeError's type. */
export async function readStoredState<S extends z.ZodType>(
  store: StateStore,
  key: StateKey,
  schema: S,
): Promise<StoredState<z.infer<S>>> {
  try {
    const found = await readValidated(store, key, schema);
    return found ? { kind: 'found', value: found.value, etag: found.etag } : { kind: 'absent' };
  } catch (error) {
    if (error instanceof StateDecodeError)
      return { kind: 'corrupt', etag: error.etag, reason: error.message };
    return { kind: 'unavailable', error };
  }
}
