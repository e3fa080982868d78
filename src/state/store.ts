import type { z } from 'zod';

/**
 * Durable state (watermarks, discovery cache, open alerts, ...) with optimistic concurrency.
 * Every key carries the tenant id so one deployment can watch many tenants.
 * Values are JSON; a store accepts values up to STATE_VALUE_MAX_BYTES of serialised JSON.
 */
export interface StateKey {
  readonly tenantId: string;
  readonly name: string;
}

export interface Versioned<T> {
  readonly value: T;
  readonly etag: string;
}

export type WriteCondition =
  /** Succeeds only if the stored etag is still this one. */
  | { readonly ifMatch: string }
  /** Succeeds only if nothing is stored under the key yet. */
  | { readonly ifNoneMatch: '*' }
  /** Unconditional upsert. */
  | { readonly unconditional: true };

export interface StateStore {
  read(key: StateKey): Promise<Versioned<unknown> | undefined>;
  /** Returns the new etag. Rejects with StateConflictError when the condition does not hold. */
  write(key: StateKey, value: unknown, condition: WriteCondition): Promise<string>;
  /** Rejects with StateConflictError when `ifMatch` is given and no longer holds. Deleting a missing key is fine. */
  delete(key: StateKey, condition?: { readonly ifMatch: string }): Promise<void>;
  /** Names stored for a tenant, optionally only those starting with `prefix`. */
  list(tenantId: string, prefix?: string): Promise<string[]>;
}

export const STATE_VALUE_MAX_BYTES = 900_000;

export class StateConflictError extends Error {
  constructor(readonly key: StateKey) {
    super(`state ${key.tenantId}/${key.name} was changed by someone else (etag conflict)`);
    this.name = 'StateConflictError';
  }
}

export class StateTooLargeError extends Error {
  constructor(
    readonly key: StateKey,
    readonly bytes: number,
  ) {
    super(
      `state ${key.tenantId}/${key.name} is ${bytes} bytes, over the ${STATE_VALUE_MAX_BYTES} byte limit`,
    );
    this.name = 'StateTooLargeError';
  }
}

/** State read back from storage is a boundary too: validate it. A corrupt value is reported, not trusted. */
export async function readValidated<S extends z.ZodType>(
  store: StateStore,
  key: StateKey,
  schema: S,
): Promise<Versioned<z.infer<S>> | undefined> {
  const found = await store.read(key);
  if (!found) return undefined;
  const parsed = schema.safeParse(found.value);
  if (!parsed.success) {
    throw new Error(`stored state ${key.tenantId}/${key.name} is invalid: ${parsed.error.message}`);
  }
  return { value: parsed.data, etag: found.etag };
}
