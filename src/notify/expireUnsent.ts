import type { ChannelName } from './channel.js';
import type { ChannelReport } from './delivery.js';
import { prepare, type NotifyDependencies } from './dispatch.js';
import { recordInLedger, type LedgerEntry } from './ledger.js';
import { pendingName, readPending } from './pending.js';
import { describeError } from './redact.js';
import { recordOutcome } from './settle.js';

/**
 * Gives a message up on channels without trying it: the channel gave up on an earlier message after
 * NOTIFY_PENDING_MAX_HOURS in this very call (trying each message queued behind it costs a request, up
 * to every attempt of a timeout, and ends the same way), or the channel's backlog is over its bound.
 * Recorded as failed in the channel's ledger, so nothing sends it later, and its pending entry, if an
 * earlier call left one, goes: it must not arrive after the messages that follow it. An entry another
 * run holds right now is left to that run (`in-progress`).
 */
export async function expireUnsent(
  messageId: string,
  names: readonly ChannelName[],
  why: { readonly error: string; readonly waitingSince?: string },
  deps: NotifyDependencies,
): Promise<ChannelReport[]> {
  const { ctx, channels } = prepare(deps);
  const now = ctx.clock.now();
  return Promise.all(
    names.map(async (name): Promise<ChannelReport> => {
      const base = {
        messageId,
        channel: name,
        transport: channels[name]?.transport ?? 'outbox',
        attempts: 0,
      } as const;
      const entryName = pendingName(name, messageId);
      const given: LedgerEntry = {
        id: messageId,
        at: now.toISOString(),
        outcome: 'failed',
        error: why.error.slice(0, 300),
        ...(ctx.addresses?.get(name) ? { address: ctx.addresses.get(name)! } : {}),
      };
      let warning: string | undefined;
      try {
        const pending = await readPending(ctx.state, entryName);
        if (pending?.value.claimedUntil && Date.parse(pending.value.claimedUntil) > now.getTime()) {
          return { ...base, outcome: 'in-progress' };
        }
        if (pending) {
          // As for a message given up after its attempts (settle.ts): a ledger that cannot be written
          // leaves the entry marked settled, so no run sends it.
          ({ warning } = await recordOutcome(ctx, name, entryName, pending, given));
        } else {
          await recordInLedger(ctx.state, name, given, {
            now,
            retentionMs: ctx.delivery.ledgerRetentionMs,
          });
        }
      } catch (error) {
        // The state store failed, not the channel: nothing is given up and nothing said about the
        // channel (reason 'state' is no delivery outcome). The message stays in the outbox, offered again.
        const text = describeError(error, ctx.secrets);
        ctx.log.error('notification not given up: the state store failed', {
          messageId,
          channel: name,
          error: text,
        });
        return { ...base, outcome: 'deferred', reason: 'state', error: text };
      }
      ctx.log.error('notification given up unsent', { messageId, channel: name, error: why.error });
      return {
        ...base,
        outcome: 'failed',
        reason: 'expired',
        error: why.error,
        ...(why.waitingSince ? { waitingSince: why.waitingSince } : {}),
        ...(warning ? { warning } : {}),
      };
    }),
  );
}
