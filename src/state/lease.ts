import { z } from 'zod';
import type { SetAside } from './setAside.js';
import { StateConflictError, type StateKey, type StateStore, type WriteCondition } from './store.js';
import { updateVersioned } from './update.js';

/**
 * A run lease on top of any StateStore, so that two runs racing on one tenant (a timer firing while a
 * manual run is going, two instances of the Functions host, a CLI run next to Azure) never both collect.
 *
 * Every transition is a conditional write: creating a lease uses ifNoneMatch, taking over an expired one
 * or renewing uses ifMatch on the etag that was read, releasing is a delete with ifMatch. So of two
 * racers exactly one wins each step, and nobody ever deletes or overwrites a lease they did not read.
 *
 * Expiry is judged with the caller's clock (`now`), which lets replays and tests drive it; a lease
 * written by a replay far in the past is simply seen as expired by a real-time run.
 *
 * A stored lease that cannot be read back (damaged file or entity, wrong shape) is set aside and the
 * lease taken: it names no holder and no expiry, so honouring it would block every run for good. The
 * acquired Lease says so in `setAside`, for the caller to log and report as a CorruptState issue.
 */
export interface LeaseRequest {
  /** Identifies one run (e.g. the Functions invocation id). The same owner acquiring again renews. */
  readonly owner: string;
  readonly now: Date;
  readonly ttlMs: number;
}

export interface Lease {
  readonly key: StateKey;
  readonly owner: string;
  /** The etag of the stored lease as we wrote it; proves ownership for renew and release. */
  readonly etag: string;
  readonly acquiredAt: Date;
  readonly expiresAt: Date;
  /** Set when a damaged stored lease was set aside to acquire this one. */
  readonly setAside?: SetAside;
}

export class LeaseHeldError extends Error {
  constructor(
    readonly key: StateKey,
    readonly holder: string,
    readonly expiresAt: Date,
  ) {
    super(`lease ${key.tenantId}/${key.name} is held by ${holder} until ${expiresAt.toISOString()}`);
    this.name = 'LeaseHeldError';
  }
}

/** Renewing failed because the lease expired and someone else took it over (or removed it). */
export class LeaseLostError extends Error {
  constructor(
    readonly key: StateKey,
    readonly owner: string,
  ) {
    super(`lease ${key.tenantId}/${key.name} is no longer held by ${owner}`);
    this.name = 'LeaseLostError';
  }
}

export const storedLeaseSchema = z.object({
  owner: z.string().min(1),
  acquiredAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
});
export type StoredLease = z.infer<typeof storedLeaseSchema>;

/** Each lost race means someone else wrote a lease just now, so a handful of rounds always settles it. */
const MAX_ROUNDS = 5;

/** Takes the lease, or throws LeaseHeldError when another owner holds an unexpired one. */
export async function acquireLease(store: StateStore, key: StateKey, request: LeaseRequest): Promise<Lease> {
  validateRequest(request);
  const { owner, now, ttlMs } = request;
  // Usually no lease is stored (the last run released it): one create-if-absent takes it without a
  // read first. Anything stored (held, expired, ours, damaged) makes it fail, and the read below judges.
  const created = await createLease(store, key, request);
  if (created) return created;
  // The one read-modify-write (src/state/update.ts): a lost race reads again and judges the winner's
  // lease; a damaged stored lease is set aside and the lease taken.
  const { result, etag } = await updateVersioned(
    store,
    key,
    storedLeaseSchema,
    (current, { corrupt }) => {
      if (current && current.owner !== owner && Date.parse(current.expiresAt) > now.getTime()) {
        throw new LeaseHeldError(key, current.owner, new Date(current.expiresAt));
      }
      const renewing = current?.owner === owner;
      const acquiredAt = renewing ? new Date(current.acquiredAt) : now;
      const expiresAt = new Date(now.getTime() + ttlMs);
      return {
        value: { owner, acquiredAt: acquiredAt.toISOString(), expiresAt: expiresAt.toISOString() },
        result: { acquiredAt, expiresAt, corrupt },
      };
    },
    { now, maxRounds: MAX_ROUNDS, backoff: () => Promise.resolve() },
  );
  if (etag === undefined) throw new Error(`lease ${key.tenantId}/${key.name}: nothing was written`);
  const { acquiredAt, expiresAt, corrupt } = result;
  return { key, owner, etag, acquiredAt, expiresAt, ...(corrupt ? { setAside: corrupt } : {}) };
}

async function createLease(
  store: StateStore,
  key: StateKey,
  request: LeaseRequest,
): Promise<Lease | undefined> {
  const lease = { key, owner: request.owner, etag: '', acquiredAt: request.now, expiresAt: request.now };
  const written = await writeLease(store, lease, request, { ifNoneMatch: '*' });
  return written === 'conflict' ? undefined : written;
}

/** Extends a lease we hold. Throws LeaseLostError if it was taken over or released meanwhile. */
export async function renewLease(
  store: StateStore,
  lease: Lease,
  request: Pick<LeaseRequest, 'now' | 'ttlMs'>,
): Promise<Lease> {
  validateRequest({ owner: lease.owner, ...request });
  const written = await writeLease(store, lease, request, { ifMatch: lease.etag });
  if (written === 'conflict') throw new LeaseLostError(lease.key, lease.owner);
  return written;
}

/** Stores `lease` as expiring `ttlMs` from `now`, under `condition`; 'conflict' when it does not hold. */
async function writeLease(
  store: StateStore,
  lease: Lease,
  request: Pick<LeaseRequest, 'now' | 'ttlMs'>,
  condition: WriteCondition,
): Promise<Lease | 'conflict'> {
  const expiresAt = new Date(request.now.getTime() + request.ttlMs);
  const record: StoredLease = {
    owner: lease.owner,
    acquiredAt: lease.acquiredAt.toISOString(),
    expiresAt: expiresAt.toISOString(),
  };
  try {
    const etag = await store.write(lease.key, record, condition);
    return { ...lease, etag, expiresAt };
  } catch (error) {
    if (error instanceof StateConflictError) return 'conflict';
    throw error;
  }
}

/**
 * Gives the lease up. Returns false, and deletes nothing, when the lease is no longer ours (it expired
 * and another run took it over): that run's lease must survive our late release.
 */
export async function releaseLease(store: StateStore, lease: Lease): Promise<boolean> {
  try {
    await store.delete(lease.key, { ifMatch: lease.etag });
    return true;
  } catch (error) {
    if (error instanceof StateConflictError) return false;
    throw error;
  }
}

function validateRequest(request: LeaseRequest): void {
  if (request.owner.length === 0) throw new TypeError('a lease owner must not be empty');
  if (!Number.isFinite(request.ttlMs) || request.ttlMs <= 0)
    throw new RangeError('a lease ttl must be positive');
  if (Number.isNaN(request.now.getTime())) throw new RangeError('lease time is not a valid date');
}
