import type { z } from 'zod';
import type { StateKey, StateStore } from './store.js';

/**
 * Reading state that this module owns, telling apart what the caller must treat differently:
 * - `absent`: nothing stored yet, create it (ifNoneMatch);
 * - `corrupt`: something is stored but it is not ours to trust (bad JSON, wrong shape): replace it
 *   (ifMatch on its etag when known, else unconditionally) and start knowledge afresh;
 * - `unavailable`: the store could not be read (network, throttling): change nothing, write nothing.
 */
export type StoredState<T> =
  | { readonly kind: 'found'; readonly value: T; readonly etag: string }
  | { readonly kind: 'absent' }
  | { readonly kind: 'corrupt'; readonly etag: string | undefined; readonly reason: string }
  | { readonly kind: 'unavailable'; readonly error: unknown };

/**
 * The stores throw plain Errors when a stored value cannot be decoded (file: "is not valid JSON",
 * "has no etag/value"; Table Storage: "no valid chunk count", "unknown encoding", "missing chunk",
 * "is not valid ... JSON"); everything else they throw is a transport failure.
 */
const DECODE_FAILURE =
  /not valid .*JSON|has no etag|non-string etag|no valid chunk|unknown encoding|missing chunk/i;

export async function readStoredState<S extends z.ZodType>(
  store: StateStore,
  key: StateKey,
  schema: S,
): Promise<StoredState<z.infer<S>>> {
  let found;
  try {
    found = await store.read(key);
  } catch (error) {
    if (error instanceof Error && DECODE_FAILURE.test(error.message)) {
      return { kind: 'corrupt', etag: undefined, reason: error.message };
    }
    return { kind: 'unavailable', error };
  }
  if (!found) return { kind: 'absent' };
  const parsed = schema.safeParse(found.value);
  if (!parsed.success) {
    return {
      kind: 'corrupt',
      etag: found.etag,
      reason: `stored state ${key.tenantId}/${key.name} is invalid: ${parsed.error.message.slice(0, 500)}`,
    };
  }
  return { kind: 'found', value: parsed.data, etag: found.etag };
}
