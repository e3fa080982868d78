import { z } from 'zod';
import type { StateStore } from '../state/store.js';
import type { ChannelName } from './channel.js';
import { notifyKey } from './notifyState.js';
import { updateState } from '../state/update.js';
import { setAside } from '../state/setAside.js';
import { readStoredState } from '../state/storedState.js';

/**
 * The delivered-ids ledger: per channel, which message ids were delivered (or given up on) and when.
 * A message id found here is never sent again on that channel, so dispatching the same message twice,
 * a retried run or a replay sends nothing new. Entries are kept `retentionMs` (30 days by default) and
 * at most MAX_ENTRIES, which keeps the value far below the state store's size limit.
 */
export const MAX_LEDGER_ENTRIES = 4000;

const entrySchema = z.object({
  id: z.string(),
  at: z.iso.datetime(),
  outcome: z.enum(['delivered', 'failed', 'unconfirmed']),
  error: z.string().optional(),
});
export type LedgerEntry = z.infer<typeof entrySchema>;

const ledgerSchema = z.object({ entries: z.array(entrySchema) });

const keyOf = (channel: ChannelName) => notifyKey(`ledger-${channel}`);

export async function findInLedger(
  store: StateStore,
  channel: ChannelName,
  id: string,
  now: Date,
): Promise<LedgerEntry | undefined> {
  const stored = await readStoredState(store, keyOf(channel), ledgerSchema);
  if (stored.kind === 'unavailable') throw stored.error;
  if (stored.kind === 'corrupt') {
    // Set aside (the next run reports it): a corrupt ledger must not stop every later message.
    await setAside(store, keyOf(channel), stored.reason, stored.etag, { now });
    return undefined;
  }
  return stored.kind === 'found' ? stored.value.entries.find((entry) => entry.id === id) : undefined;
}

/** Records the outcome (first outcome wins), dropping entries past retention. */
export async function recordInLedger(
  store: StateStore,
  channel: ChannelName,
  entry: LedgerEntry,
  options: { now: Date; retentionMs: number },
): Promise<void> {
  const cutoff = options.now.getTime() - options.retentionMs;
  await updateState(
    store,
    keyOf(channel),
    ledgerSchema,
    (current) => {
      const kept = (current?.entries ?? []).filter((e) => Date.parse(e.at) >= cutoff);
      if (!kept.some((e) => e.id === entry.id)) kept.push(entry);
      return { value: { entries: kept.slice(-MAX_LEDGER_ENTRIES) }, result: undefined };
    },
    { now: options.now },
  );
}
