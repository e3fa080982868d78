import type { z } from 'zod';
import { setAside, type SetAside } from './setAside.js';
import { StateConflictError, type StateKey, type StateStore } from './store.js';
import { readStoredState, type StoredState } from './storedState.js';

/**
 * The one read-modify-write with ETag concurrency. `change` gets the current value (undefined when
 * none) and returns either `{ value, result }` to write `value` and return `result`, or `{ result }` to
 * write nothing. On a conflict the value is read again and `change` runs again, so `change` must
 * decide from what it is given (it may look up other things, and it may throw to abort: nothing is
 * written then).
 *
 * A stored value that cannot be used (undecodable, or not matching `schema`) is set aside (`setAside`)
 * and `change` runs as for an absent value, with `context.corrupt` telling what was set aside (in that
 * round and every later round of this call), so the caller can log it and raise a `CorruptState` issue.
 * A store that cannot be read throws its error: nothing is changed then.
 *
 * A caller that read the value earlier and changed its own copy as it went (the object status, fed
 * batch by batch through a run) passes that copy as `held`: the first round writes against the etag it
 * was read with, without reading again, and `change` gets the copy with `context.held` true. Only when
 * that write loses the race is the value read afresh, and `change` (with `context.held` false) replays
 * the caller's changes onto the fresh value.
 */
export interface UpdateContext {
  readonly corrupt: SetAside | undefined;
  /** `current` is the caller's `held` copy (first round only), not a fresh read: its changes are in it. */
  readonly held: boolean;
}

/** What the caller holds: a value read with `etag` (and changed since), or knowledge that none was stored. */
export type HeldValue<T> = { readonly value: T; readonly etag: string } | { readonly absent: true };

export type StateChange<T, R> = { readonly value: T; readonly result: R } | { readonly result: R };

export interface UpdateOptions {
  /** The caller's clock (time is injected): names and dates a set-aside copy. */
  readonly now: Date;
  /** Rounds before giving up; each lost round means another writer just succeeded. Default 8. */
  readonly maxRounds?: number;
  /** Waits between conflicting rounds (default: a few jittered milliseconds); injectable for tests. */
  readonly backoff?: (round: number) => Promise<void>;
}

const DEFAULT_ROUNDS = 8;

/** The options of one call: `held` is typed by the value it holds. */
export type UpdateCall<T> = UpdateOptions & { readonly held?: HeldValue<T> | undefined };

type Change<S extends z.ZodType, R> = (
  current: z.infer<S> | undefined,
  context: UpdateContext,
) => StateChange<z.infer<S>, R> | Promise<StateChange<z.infer<S>, R>>;

export async function updateState<S extends z.ZodType, R>(
  store: StateStore,
  key: StateKey,
  schema: S,
  change: Change<S, R>,
  options: UpdateCall<z.infer<S>>,
): Promise<R> {
  return (await updateVersioned(store, key, schema, change, options)).result;
}

/**
 * As updateState, and also the etag of what it wrote (undefined when `change` wrote nothing), for a
 * caller whose next write must prove it still holds that version (a lease).
 */
export async function updateVersioned<S extends z.ZodType, R>(
  store: StateStore,
  key: StateKey,
  schema: S,
  change: Change<S, R>,
  options: UpdateCall<z.infer<S>>,
): Promise<{ readonly result: R; readonly etag: string | undefined }> {
  const rounds = options.maxRounds ?? DEFAULT_ROUNDS;
  const backoff = options.backoff ?? jitter;
  let corrupt: SetAside | undefined;
  let held = options.held;
  for (let round = 1; round <= rounds; round++) {
    const fromHeld = held !== undefined;
    const stored: StoredState<z.infer<S>> = held
      ? 'absent' in held
        ? { kind: 'absent' }
        : { kind: 'found', value: held.value, etag: held.etag }
      : await readStoredState(store, key, schema);
    held = undefined; // a lost round reads afresh
    if (stored.kind === 'unavailable') throw stored.error;
    if (stored.kind === 'corrupt') {
      corrupt = await setAside(store, key, stored.reason, stored.etag, { now: options.now });
      continue; // read again: absent now, or whatever another writer put there meanwhile
    }
    const outcome = await change(stored.kind === 'found' ? stored.value : undefined, {
      corrupt,
      held: fromHeld,
    });
    if (!('value' in outcome)) return { result: outcome.result, etag: undefined };
    try {
      const etag = await store.write(
        key,
        outcome.value,
        stored.kind === 'found' ? { ifMatch: stored.etag } : { ifNoneMatch: '*' },
      );
      return { result: outcome.result, etag };
    } catch (error) {
      if (!(error instanceof StateConflictError)) throw error;
    }
    if (round < rounds) await backoff(round);
  }
  throw new StateConflictError(key);
}

const jitter = (round: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * round));
