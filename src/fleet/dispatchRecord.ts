import { z } from 'zod';
import { readStoredState } from '../state/storedState.js';
import type { StateStore } from '../state/store.js';
import { updateState } from '../state/update.js';

/**
 * Per tenant (in the tenant's own partition): the last message the fan-out put on the queue and
 * whether its run ended. It is what keeps a tenant from being enqueued twice while its message waits
 * in the queue or its run works (the run lease covers the run itself), and what tells a redelivered
 * message of a finished run from a new one.
 */
export const DISPATCH_NAME = 'fleet-dispatch';

export const dispatchRecordSchema = z.object({
  slot: z.iso.datetime(),
  enqueuedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().optional(),
  outcome: z.string().optional(),
});
export type DispatchRecord = z.infer<typeof dispatchRecordSchema>;

const keyOf = (tenantId: string) => ({ tenantId, name: DISPATCH_NAME });

/** A record as read, with the version it was read at (so that finishing it needs no second read). */
export interface DispatchSeen {
  readonly record: DispatchRecord;
  readonly etag: string;
}

export async function readDispatch(state: StateStore, tenantId: string): Promise<DispatchRecord | undefined> {
  return (await readDispatchSeen(state, tenantId))?.record;
}

export async function readDispatchSeen(
  state: StateStore,
  tenantId: string,
): Promise<DispatchSeen | undefined> {
  const stored = await readStoredState(state, keyOf(tenantId), dispatchRecordSchema);
  if (stored.kind === 'unavailable') throw stored.error;
  // A damaged record is as good as none: the tenant is enqueued again, its run lease still guards it.
  return stored.kind === 'found' ? { record: stored.value, etag: stored.etag } : undefined;
}

/** Claims the slot for a new message; false when a message of this tenant is still in flight. */
export async function claimDispatch(
  state: StateStore,
  tenantId: string,
  slot: Date,
  now: Date,
  inFlightForMs: number,
): Promise<boolean> {
  return updateState(
    state,
    keyOf(tenantId),
    dispatchRecordSchema,
    (current) => {
      if (current && inFlight(current, now, inFlightForMs)) return { result: false };
      if (current?.slot === slot.toISOString()) return { result: false };
      return {
        value: { slot: slot.toISOString(), enqueuedAt: now.toISOString() },
        result: true,
      };
    },
    { now },
  );
}

/**
 * In flight: enqueued, not finished, and not so long ago that the message must have been lost
 * (expired, deleted by hand): after `inFlightForMs` the tenant is enqueued again.
 */
export function inFlight(record: DispatchRecord, now: Date, inFlightForMs: number): boolean {
  return record.finishedAt === undefined && now.getTime() - Date.parse(record.enqueuedAt) < inFlightForMs;
}

/**
 * Marks the slot's run as ended (whatever its outcome): the next interval may enqueue the tenant.
 * `seen`: the record as the run read it when it began; while nobody changed it since (the usual case:
 * the fan-out leaves an in-flight record alone), one conditional write finishes it without reading it
 * again, and a changed record is read and judged afresh.
 */
export async function finishDispatch(
  state: StateStore,
  tenantId: string,
  slot: string,
  now: Date,
  outcome: string,
  seen?: DispatchSeen,
): Promise<void> {
  await updateState(
    state,
    keyOf(tenantId),
    dispatchRecordSchema,
    (current) =>
      current && current.slot === slot
        ? { value: { ...current, finishedAt: now.toISOString(), outcome }, result: undefined }
        : { result: undefined },
    { now, held: seen?.record.slot === slot ? { value: seen.record, etag: seen.etag } : undefined },
  );
}
