import { deleteIfUnchanged, writeIfUnchanged } from '../state/conditionalWrite.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { StateStore } from '../state/store.js';
import type { ChannelName } from './channel.js';
import { recordInLedger, type LedgerEntry } from './ledger.js';
import { notifyKey } from './notifyState.js';
import type { PendingEntry } from './pending.js';
import { describeError } from './redact.js';

/**
 * Recording what became of a message that was sent (delivered, unconfirmed) or given up on (failed):
 * the ledger says so for good, then the pending entry goes. The state store failing at this point must
 * neither send the message again nor pass for a failed delivery. So the ledger write is tried again;
 * if it still fails, the pending entry (its own small entity, held by this run's claim) is marked
 * `settled`, which keeps every later run from sending it, and `retryPending` finishes the record later.
 * Only when both fail (the store is down) can the message go out again, once its claim has expired:
 * the warning says so. A crash between the send and these writes has the same effect (the send cannot
 * be asked whether it happened); everything after the ledger write is cleanup.
 */
const WAITS_MS = [500, 2_000];

/** What of a DeliveryContext this needs (delivery.ts imports this module, not the other way round). */
export interface SettleContext {
  readonly state: StateStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly delivery: { readonly ledgerRetentionMs: number };
  readonly secrets: readonly string[];
  /** Where each receiver channel delivers now (channelAddress.ts): what the ledger entry records. */
  readonly addresses?: ReadonlyMap<ChannelName, string>;
}

export interface Settled {
  /** Secret-free: why the outcome could not be recorded as it should (the report's warning). */
  readonly warning?: string;
}

export async function recordOutcome(
  ctx: SettleContext,
  channel: ChannelName,
  name: string,
  claimed: { readonly value: PendingEntry; readonly etag: string },
  outcome: LedgerEntry,
): Promise<Settled> {
  const options = { now: ctx.clock.now(), retentionMs: ctx.delivery.ledgerRetentionMs };
  // Where it was sent (or given up): the channel's address now, which after a URL replaced in place is
  // not the one it was queued for.
  const where = ctx.addresses?.get(channel) ?? claimed.value.address;
  const recorded: LedgerEntry = where ? { ...outcome, address: where } : outcome;
  const ledger = await persistently(ctx, () => recordInLedger(ctx.state, channel, recorded, options));
  if (ledger.ok) {
    await removeQuietly(ctx, name, claimed.etag);
    return {};
  }
  const { id: _id, ...settled } = recorded;
  const marked: PendingEntry = { ...claimed.value, settled, claimedUntil: undefined };
  const mark = await persistently(ctx, () =>
    writeIfUnchanged(ctx.state, notifyKey(name), marked, { ifMatch: claimed.etag }),
  );
  const why = `the ledger could not be written (${ledger.error})`;
  const warning = !mark.ok
    ? `${why}, nor its pending entry (${mark.error}): it may be sent again after ${claimed.value.claimedUntil ?? 'its claim'}`
    : mark.value === undefined
      ? `${why}, and another run took its pending entry over: it may be sent again`
      : `${why}; its pending entry keeps it from being sent again, and a later run records it`;
  ctx.log.error('notification outcome not recorded in the ledger', {
    messageId: outcome.id,
    channel,
    outcome: outcome.outcome,
    warning,
  });
  return { warning };
}

/**
 * An entry marked `settled` (see above): its outcome goes to the ledger and the entry goes. Nothing is
 * sent and nothing needs claiming: whoever does this, the result is the same.
 */
export async function finishSettled(
  ctx: SettleContext,
  entry: { readonly name: string; readonly value: PendingEntry; readonly etag: string },
): Promise<void> {
  const { settled, message, channel } = entry.value;
  if (!settled) return;
  const now = ctx.clock.now();
  await recordInLedger(
    ctx.state,
    channel,
    { id: message.id, ...settled },
    { now, retentionMs: ctx.delivery.ledgerRetentionMs },
  );
  await deleteIfUnchanged(ctx.state, notifyKey(entry.name), entry.etag);
  ctx.log.info('notification outcome recorded late', { messageId: message.id, channel });
}

/** The entry is done with; failing to remove it is harmless (its id is in the ledger: cleaned up later). */
export async function removeQuietly(ctx: SettleContext, name: string, etag: string): Promise<void> {
  try {
    // false: taken over meanwhile; the other run finds the id in the ledger and removes the entry.
    await deleteIfUnchanged(ctx.state, notifyKey(name), etag);
  } catch (error) {
    ctx.log.warn('settled pending notification not removed; a later run removes it', {
      entry: name,
      error: describeError(error, ctx.secrets),
    });
  }
}

type Tried<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** A brief storage blip passes: tried again after WAITS_MS (on the injected clock). */
async function persistently<T>(ctx: SettleContext, write: () => Promise<T>): Promise<Tried<T>> {
  for (let attempt = 0; ; attempt++) {
    try {
      return { ok: true, value: await write() };
    } catch (error) {
      const wait = WAITS_MS[attempt];
      if (wait === undefined) return { ok: false, error: describeError(error, ctx.secrets) };
      await ctx.clock.sleep(wait);
    }
  }
}
