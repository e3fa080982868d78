import { createHash } from 'node:crypto';
import { z } from 'zod';
import { readValidated, type StateStore, type Versioned } from '../state/store.js';
import type { ChannelName } from './channel.js';
import { ledgerEntrySchema } from './ledger.js';
import { channelKindOf } from './routing.js';
import type { OutboundMessage } from './message.js';
import { notifyKey } from './notifyState.js';

/**
 * The pending queue: one state entry per (channel, message) that is being sent or waits for a later run.
 * The entry is created with ifNoneMatch before the first attempt, which doubles as a claim: of two runs
 * dispatching the same message only one creates it and sends. A claim expires (`claimedUntil`) so a run
 * that crashed mid-send does not block the message forever; every later change is an ifMatch write on the
 * etag the claimer holds.
 */
export const PENDING_PREFIX = 'pending-';

const messageSchema = z.object({
  id: z.string().min(1),
  tenantId: z.string(),
  kind: z.enum(['alerts', 'digest']),
  createdAt: z.string(),
  email: z.object({ subject: z.string(), html: z.string(), plainText: z.string() }),
  teams: z.object({ card: z.record(z.string(), z.unknown()) }),
  fromOutbox: z.boolean().optional(),
});

export const pendingSchema = z.object({
  /** The receiver channel (`email`, `teams`, `<receiver>.email`, ...). */
  channel: z.string().min(1),
  /** Where that channel delivered when it was queued (channelAddress.ts); absent in older entries. */
  address: z.string().optional(),
  message: messageSchema,
  firstQueuedAt: z.iso.datetime(),
  /** Attempts over all runs. */
  attempts: z.number().int().nonnegative(),
  /** Runs that ended without delivering; drives the between-runs backoff. */
  failedRuns: z.number().int().nonnegative(),
  nextAttemptAt: z.iso.datetime(),
  claimedUntil: z.iso.datetime().optional(),
  lastError: z.string().optional(),
  /**
   * What became of it (sent, or given up on) when the ledger could not be written: the entry itself
   * then says so, so no run sends it again; `retryPending` records it in the ledger and removes it.
   */
  settled: ledgerEntrySchema.omit({ id: true }).optional(),
});
export type PendingEntry = z.infer<typeof pendingSchema>;

/** Hashed, so any message id (length, characters) makes a valid key in files and Table Storage. */
export function pendingName(channel: ChannelName, messageId: string): string {
  const digest = createHash('sha256').update(messageId).digest('hex').slice(0, 40);
  return `${PENDING_PREFIX}${channel}-${digest}`;
}

export function pendingKey(channel: ChannelName, messageId: string) {
  return notifyKey(pendingName(channel, messageId));
}

export async function readPending(
  store: StateStore,
  name: string,
): Promise<Versioned<PendingEntry> | undefined> {
  return readValidated(store, notifyKey(name), pendingSchema);
}

export function newPendingEntry(
  channel: ChannelName,
  message: OutboundMessage,
  now: Date,
  claimMs: number,
  address?: string,
): PendingEntry {
  return {
    channel,
    ...(address ? { address } : {}),
    message: channelPart(message, channel),
    firstQueuedAt: now.toISOString(),
    attempts: 0,
    failedRuns: 0,
    nextAttemptAt: now.toISOString(),
    claimedUntil: new Date(now.getTime() + claimMs).toISOString(),
  };
}

/** Between runs: about every run at first, then less often, at most hourly (runs are 5 minutes apart). */
export function nextRunBackoffMs(failedRuns: number): number {
  return Math.min(3600_000, 60_000 * 2 ** Math.max(0, failedRuns - 1));
}

/**
 * The message as one channel needs it: the other channel's payload is left out, which keeps a pending
 * entry well inside the state store's value limit (the email HTML is by far the largest part).
 */
function channelPart(message: OutboundMessage, channel: ChannelName): OutboundMessage {
  return channelKindOf(channel) === 'email'
    ? { ...message, teams: { card: {} } }
    : { ...message, email: { subject: message.email.subject, html: '', plainText: '' } };
}
