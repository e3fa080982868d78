import { StateConflictError, type StateKey, type StateStore, type WriteCondition } from './store.js';

/**
 * One conditional write whose lost race is an answer, not an error: for a claim (create a pending entry
 * only if none exists, take it over only if it is still the version read) or a commit point where
 * losing means "stand down". Retrying belongs in `updateState` (src/state/update.ts), never here.
 * Returns the new etag, or undefined when the condition no longer held (someone else wrote first).
 * Any other failure of the store is thrown.
 */
export async function writeIfUnchanged(
  store: StateStore,
  key: StateKey,
  value: unknown,
  condition: WriteCondition,
): Promise<string | undefined> {
  try {
    return await store.write(key, value, condition);
  } catch (error) {
    if (error instanceof StateConflictError) return undefined;
    throw error;
  }
}

/** Deletes `key` if it is still at `ifMatch`; false when it changed meanwhile (left to its new writer). */
export async function deleteIfUnchanged(store: StateStore, key: StateKey, ifMatch: string): Promise<boolean> {
  try {
    await store.delete(key, { ifMatch });
    return true;
  } catch (error) {
    if (error instanceof StateConflictError) return false;
    throw error;
  }
}
