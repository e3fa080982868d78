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

/**
 * Something is stored under `key` but it cannot be used: the store could not decode it (bad JSON, no
 * envelope, missing chunks) or it does not match the schema its reader expects. One type for all of
 * them, so callers tell "corrupt" from "storage unavailable" by type, never by message text.
 *
 * `etag` is the stored version as the store reports it (for an undecodable local file: a hash of its
 * content), so the value can be replaced or removed with ifMatch without anyone decoding it first.
 * `raw` is whatever could be read (file text, entity properties, or the decoded value), for `setAside`.
 */
export class StateDecodeError extends Error {
  readonly raw: unknown;

  constructor(
    readonly key: StateKey,
    readonly reason: string,
    readonly etag: string | undefined,
    options: { readonly raw?: unknown; readonly cause?: unknown } = {},
  ) {
    super(`stored state ${key.tenantId}/${key.name} ${reason}`, { cause: options.cause });
    this.name = 'StateDecodeError';
    this.raw = options.raw;
  }
}

/**
 * State read back from storage is a boundary too: validate it. A value that fails the schema throws
 * StateDecodeError (with its etag), like one the store could not decode.
 */
export async function readValidated<S extends z.ZodType>(
  store: StateStore,
  key: StateKey,
  schema: S,
): Promise<Versioned<z.infer<S>> | undefined> {
  const found = await store.read(key);
  if (!found) return undefined;
  const parsed = schema.safeParse(found.value);
  if (!parsed.success) {
    throw new StateDecodeError(key, `is invalid: ${describeIssues(parsed.error)}`, found.etag, {
      raw: found.value,
    });
  }
  return { value: parsed.data, etag: found.etag };
}

/** One line for logs and run rows: the first few problems with where they are. */
function describeIssues(error: z.ZodError): string {
  const shown = error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(value)'}: ${issue.message}`);
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : '';
  return `${shown.join('; ')}${more}`.slice(0, 500);
}
