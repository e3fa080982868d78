import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { writeIfUnchanged } from '../state/conditionalWrite.js';
import type { StateStore } from '../state/store.js';
import type { Channel, ChannelName, FailureReason, Transport } from './channel.js';
import { findInLedger } from './ledger.js';
import { channelKindOf } from './routing.js';
import { notifyKey } from './notifyState.js';
import { nextRunBackoffMs, readPending, type PendingEntry } from './pending.js';
import { takeQuotaSlot } from './quota.js';
import { describeError } from './redact.js';
import { sendWithRetry } from './retry.js';
import { recordOutcome, removeQuietly } from './settle.js';
import type { DeliverySettings } from './settings.js';

/**
 * What happens to one message on one channel once this run holds its pending entry (the claim):
 * quota, attempts, then exactly one of delivered (ledger, entry removed), failed for good (ledger, entry
 * removed) or still pending (entry updated, claim released). The ledger is written before the entry is
 * removed, so a crash in between leaves an entry whose id the ledger already knows: it is cleaned up, not
 * sent again (settle.ts: what happens when the ledger cannot be written).
 *
 * `deferred`: the state store failed before anything was sent and the message may not be queued
 * anywhere (dispatch.ts): no delivery outcome at all. The caller must offer it again (the alert book's
 * outbox keeps it; a webhook fails so that its sender retries).
 */
export type ChannelOutcome =
  'delivered' | 'duplicate' | 'pending' | 'in-progress' | 'failed' | 'unconfirmed' | 'deferred';

/** The message reached the channel: sent now, or before (a duplicate the ledger knew as delivered). */
export function isConfirmed(outcome: string): boolean {
  return outcome === 'delivered' || outcome === 'duplicate';
}

/**
 * What became of the message, as a row's Details.delivery says it: a duplicate of a message the ledger
 * knew as given up or unconfirmed says that (it is no delivery), not `duplicate`.
 */
export function recordedOutcome(report: Pick<ChannelReport, 'outcome' | 'previously'>): string {
  const earlier = report.outcome === 'duplicate' ? report.previously : undefined;
  return earlier && earlier !== 'delivered' ? earlier : report.outcome;
}

export interface ChannelReport {
  readonly messageId: string;
  readonly channel: ChannelName;
  readonly transport: Transport;
  readonly outcome: ChannelOutcome;
  /** Attempts made in this call. */
  readonly attempts: number;
  /**
   * Why it is pending, failed or deferred: a delivery failure reason, 'quota', 'expired' (given up
   * after NOTIFY_PENDING_MAX_HOURS), 'queued' (behind earlier messages still waiting on the channel) or
   * 'state' (the state store failed: nothing was sent, and nothing is known about the channel).
   */
  readonly reason?: FailureReason | 'quota' | 'expired' | 'queued' | 'state';
  /** Secret-free. */
  readonly error?: string;
  readonly nextAttemptAt?: string;
  /** The HTTP status of the last failed attempt, when there was one. */
  readonly status?: number;
  /**
   * The channel refused the monitor itself (401/403/404/410: a deleted workflow, a rotated key): the
   * message is kept and tried again each run like a throttled one, so nothing is lost and the channel is
   * probed with real content until it works again; its delivery health is `failing` meanwhile.
   */
  readonly channelDown?: boolean;
  /**
   * A duplicate: what the ledger says happened to it before (delivered, or given up: a duplicate of a
   * message given up is no news told).
   */
  readonly previously?: 'delivered' | 'failed' | 'unconfirmed';
  /** Expired: since when the channel had not taken it (see expiryClock). */
  readonly waitingSince?: string;
  /**
   * The outcome stands but could not be recorded as it should (the ledger write failed): secret-free,
   * for the run's issues. A delivered message stays delivered.
   */
  readonly warning?: string;
}

/** The state store's trouble, not the channel's: says nothing about whether the channel works. */
export function isStateTrouble(report: Pick<ChannelReport, 'reason'>): boolean {
  return report.reason === 'state';
}

/** Statuses that mean the endpoint or its credential is gone, not that this message is wrong. */
const CHANNEL_DOWN_STATUSES: ReadonlySet<number> = new Set([401, 403, 404, 410]);

export interface DeliveryContext {
  readonly state: StateStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly delivery: DeliverySettings;
  readonly secrets: readonly string[];
  /** No attempt starts that could not end before this instant. */
  readonly deadline?: Date;
  /** Since when each failing channel has been failing (delivery health), read once per call. */
  readonly failingSince?: ReadonlyMap<ChannelName, string>;
  /** Where each receiver channel delivers now (channelAddress.ts). */
  readonly addresses?: ReadonlyMap<ChannelName, string>;
}

/**
 * When a message's NOTIFY_PENDING_MAX_HOURS began: when it was first queued, or when its channel began
 * failing if that is earlier. Per channel, not per message: a dead webhook otherwise gave every
 * message queued behind the first one a fresh 48 hours once it was finally tried, and drained one
 * message every 48 hours while each run with transitions added one.
 */
export function expiryClock(entry: PendingEntry, channel: ChannelName, ctx: DeliveryContext): number {
  const own = Date.parse(entry.firstQueuedAt);
  const since = ctx.failingSince?.get(channel);
  return since === undefined ? own : Math.min(own, Date.parse(since));
}

/** How long a claim protects a message: enough for every attempt of one run, plus slack. */
export function claimMs(delivery: DeliverySettings): number {
  return delivery.maxAttempts * (delivery.timeoutMs + delivery.maxRetryWaitMs) + 60_000;
}

export async function deliverClaimed(
  channel: Channel,
  name: string,
  claimedAtFirst: Claimed,
  ctx: DeliveryContext,
): Promise<ChannelReport> {
  // The entry as last written by this call: waiting for a retry rewrites it (see markRetrying).
  let claimed = claimedAtFirst;
  const entry = claimed.value;
  const message = entry.message;
  const base = { messageId: message.id, channel: channel.name, transport: channel.transport } as const;
  const logProps = { ...base, tenantId: message.tenantId, kind: message.kind };

  const held = await mayStillSend(channel, name, claimed, ctx);
  if (held) return held;

  const result = await sendWithRetry(channel, message, ctx.delivery, ctx, async (failed) => {
    claimed = await markRetrying(ctx, name, claimed, entry.attempts + failed);
  });
  const now = ctx.clock.now();
  if (!result.ok && result.error.reason === 'unconfirmed') {
    // The service may have it: sending again could post it twice, and there is no way to ask. Settled
    // as unconfirmed (never sent again), and said so in the run row.
    const { warning } = await recordOutcome(ctx, channel.name, name, claimed, {
      id: message.id,
      at: now.toISOString(),
      outcome: 'unconfirmed',
      error: result.error.message.slice(0, 300),
    });
    ctx.log.warn('notification outcome unknown; not sent again', {
      ...logProps,
      error: result.error.message,
    });
    return {
      ...base,
      outcome: 'unconfirmed',
      attempts: result.attempts,
      reason: 'unconfirmed',
      error: result.error.message,
      ...(warning ? { warning } : {}),
    };
  }
  if (result.ok) {
    // Delivered whatever the ledger write does next: a recording problem is a warning, never a failure.
    const { warning } = await recordOutcome(ctx, channel.name, name, claimed, {
      id: message.id,
      at: now.toISOString(),
      outcome: 'delivered',
    });
    ctx.log.info('notification delivered', { ...logProps, attempts: result.attempts });
    return { ...base, outcome: 'delivered', attempts: result.attempts, ...(warning ? { warning } : {}) };
  }

  const { error } = result;
  const clock = expiryClock(entry, channel.name, ctx);
  const expired = now.getTime() - clock >= ctx.delivery.pendingMaxAgeMs;
  const channelDown =
    error.reason === 'auth' || (error.status !== undefined && CHANNEL_DOWN_STATUSES.has(error.status));
  if ((!error.retryable && !channelDown) || expired) {
    const reason = error.retryable || channelDown ? 'expired' : error.reason;
    const waitingSince = new Date(clock).toISOString();
    const retried = expired && (error.retryable || channelDown);
    const text = !retried
      ? error.message
      : clock < Date.parse(entry.firstQueuedAt)
        ? `gave up: ${channel.name} has not delivered since ${waitingSince}: ${error.message}`
        : `gave up after retrying: ${error.message}`;
    const { warning } = await recordOutcome(ctx, channel.name, name, claimed, {
      id: message.id,
      at: now.toISOString(),
      outcome: 'failed',
      error: text.slice(0, 300),
    });
    ctx.log.error('notification failed and will not be retried', {
      ...logProps,
      attempts: result.attempts,
      reason,
      ...(error.status !== undefined ? { status: error.status } : {}),
      error: text,
    });
    return {
      ...base,
      outcome: 'failed',
      attempts: result.attempts,
      reason,
      error: text,
      ...(error.status !== undefined ? { status: error.status } : {}),
      ...(retried ? { waitingSince } : {}),
      ...(warning ? { warning } : {}),
    };
  }

  const failedRuns = entry.failedRuns + 1;
  const wait = Math.max(error.retryAfterMs ?? 0, nextRunBackoffMs(failedRuns));
  const nextAttemptAt = new Date(now.getTime() + wait).toISOString();
  await saveEntry(ctx, name, claimed.etag, {
    ...entry,
    attempts: entry.attempts + result.attempts,
    failedRuns,
    nextAttemptAt,
    claimedUntil: undefined,
    lastError: error.message,
  });
  const log = channelDown ? ctx.log.error.bind(ctx.log) : ctx.log.warn.bind(ctx.log);
  log(
    channelDown
      ? 'notification channel refuses the monitor; message kept for a later run'
      : 'notification not delivered yet; kept for a later run',
    {
      ...logProps,
      attempts: result.attempts,
      reason: error.reason,
      ...(error.status !== undefined ? { status: error.status } : {}),
      nextAttemptAt,
      error: error.message,
    },
  );
  return {
    ...base,
    outcome: 'pending',
    attempts: result.attempts,
    reason: error.reason,
    error: error.message,
    nextAttemptAt,
    ...(error.status !== undefined ? { status: error.status } : {}),
    ...(channelDown ? { channelDown: true } : {}),
  };
}

type Claimed = { readonly value: PendingEntry; readonly etag: string };

/**
 * Before waiting to retry a message this call is sending, its entry says it has been tried (claim
 * kept): a message of the same tenant dispatched meanwhile then queues behind it (dispatch's
 * waitsBehind) instead of overtaking it while it waits, as an Azure Monitor RESOLVED overtook its
 * FIRED during a Teams Retry-After of a few seconds. Best effort: if the write is refused or loses a
 * race, the entry stays as it was (the later message may then go first, as before) and the send goes
 * on; if its answer is lost, the entry is read back to learn which it was.
 */
async function markRetrying(
  ctx: DeliveryContext,
  name: string,
  claimed: Claimed,
  attempts: number,
): Promise<Claimed> {
  const value = { ...claimed.value, attempts };
  try {
    const etag = await writeIfUnchanged(ctx.state, notifyKey(name), value, { ifMatch: claimed.etag });
    if (etag !== undefined) return { value, etag };
    ctx.log.warn('pending notification was taken over by another run', { entry: name });
    return claimed;
  } catch (error) {
    ctx.log.warn('could not mark a notification as being retried; later messages may overtake it', {
      entry: name,
      error: describeError(error, ctx.secrets),
    });
  }
  // The write may have been made and only its answer lost: then the entry has a new ETag, and every
  // later write of this call (the outcome, the next attempt's time) would fail against the old one.
  // What is stored decides: our value (claim and attempts) means the write was made.
  try {
    const found = await readPending(ctx.state, name);
    if (found && found.value.attempts === attempts && found.value.claimedUntil === value.claimedUntil)
      return { value: found.value, etag: found.etag };
  } catch {
    // Unknown: the old ETag stands (a later write that fails is logged where it fails).
  }
  return claimed;
}

/** Best effort: losing this race means another run took the entry over after our claim expired. */
async function saveEntry(
  ctx: DeliveryContext,
  name: string,
  etag: string,
  entry: PendingEntry,
): Promise<void> {
  // JSON drops an undefined claimedUntil: the claim is released.
  if ((await writeIfUnchanged(ctx.state, notifyKey(name), entry, { ifMatch: etag })) === undefined) {
    ctx.log.warn('pending notification was taken over by another run', { entry: name });
  }
}

/**
 * The checks before a send that read or write state: delivered meanwhile by someone else (the ledger),
 * and the email quota. A state-store failure here is no delivery outcome: the claim is released and the
 * message stays queued, due at once, so the next run sends it (and the outbox keeps later messages of
 * the channel behind it). Only if even that write fails does the error go up (the entry's claim then
 * expires by itself).
 */
async function mayStillSend(
  channel: Channel,
  name: string,
  claimed: Claimed,
  ctx: DeliveryContext,
): Promise<ChannelReport | undefined> {
  const entry = claimed.value;
  const message = entry.message;
  const base = { messageId: message.id, channel: channel.name, transport: channel.transport } as const;
  const logProps = { ...base, tenantId: message.tenantId, kind: message.kind };
  const now = ctx.clock.now();
  try {
    // Someone may have delivered it between our ledger check and our claim.
    const options = { now, retentionMs: ctx.delivery.ledgerRetentionMs };
    const handled = await findInLedger(ctx.state, channel.name, message.id, options, entry.address);
    if (handled) {
      await removeQuietly(ctx, name, claimed.etag);
      return { ...base, outcome: 'duplicate', attempts: 0, previously: handled.outcome };
    }
    if (!channel.quota) return undefined;
    // One ACS resource sends for every receiver: one quota, counted under `email` as before routing.
    const slot = await takeQuotaSlot(ctx.state, channelKindOf(channel.name), channel.quota, now);
    if (slot.granted) return undefined;
    const nextAttemptAt = slot.retryAt.toISOString();
    await saveEntry(ctx, name, claimed.etag, { ...entry, nextAttemptAt, claimedUntil: undefined });
    ctx.log.warn('notification waits for the email quota', { ...logProps, nextAttemptAt });
    return { ...base, outcome: 'pending', attempts: 0, reason: 'quota', nextAttemptAt };
  } catch (thrown) {
    const error = describeError(thrown, ctx.secrets);
    const nextAttemptAt = now.toISOString();
    await saveEntry(ctx, name, claimed.etag, { ...entry, nextAttemptAt, claimedUntil: undefined });
    ctx.log.warn('notification not sent: the state store failed; kept for the next run', {
      ...logProps,
      error,
    });
    return { ...base, outcome: 'pending', attempts: 0, reason: 'state', error, nextAttemptAt };
  }
}
