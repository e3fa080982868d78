import { createHash } from 'node:crypto';
import { z } from 'zod';
import { deleteIfUnchanged } from '../state/conditionalWrite.js';
import type { StateKey, StateStore } from '../state/store.js';
import type { ChannelName } from './channel.js';
import { notifyKey } from './notifyState.js';
import { updateState } from '../state/update.js';
import { setAside } from '../state/setAside.js';
import { readStoredState } from '../state/storedState.js';

/**
 * The delivered-ids ledger: per channel, which message ids were delivered (or given up on) and when.
 * A message id found here is never sent again on that channel, so dispatching the same message twice,
 * a retried run or a replay sends nothing new. Entries are kept `retentionMs` (30 days by default).
 *
 * Sharded by a hash of the message id (`ledger-<channel>-<NN>`): every tenant of a fleet delivers through
 * the same channels, and one entity per channel (up to 4000 entries, hundreds of KB) made each delivery
 * rewrite that value against everyone else's: with 3000 entries stored, 16 concurrent deliveries lost 6
 * ETag races for good, and those messages went out twice. An id is always recorded and looked up in the
 * same shard; each shard stays small (at most MAX_SHARD_ENTRIES), and concurrent deliveries rarely meet.
 *
 * `ledger-<channel>`, where versions before the shards recorded everything, is still read (never
 * written), so nothing recorded before an upgrade is sent again; it is deleted once every id in it is
 * past retention. Legacy names end in `email` or `teams`, shard names in two digits: they cannot meet.
 */
export const LEDGER_SHARDS = 32;
/** Per shard: 32,000 ids a month per channel in all, each shard far below the store's value limit. */
export const MAX_SHARD_ENTRIES = 1000;

export const ledgerEntrySchema = z.object({
  id: z.string(),
  at: z.iso.datetime(),
  outcome: z.enum(['delivered', 'failed', 'unconfirmed']),
  error: z.string().optional(),
  /** Where the channel delivered (channelAddress.ts); absent in older entries and when not known. */
  address: z.string().optional(),
});
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;

/**
 * The entry stands for the channel's destination now: it was recorded for the same address, or
 * either address is not known. A name that now stands for another destination (a receiver's webhooks
 * removed or reordered) has its predecessor's entries, which say nothing of the new destination.
 */
function forDestination(entry: LedgerEntry, address: string | undefined): boolean {
  return entry.address === undefined || address === undefined || entry.address === address;
}

const ledgerSchema = z.object({ entries: z.array(ledgerEntrySchema) });

export interface LedgerOptions {
  readonly now: Date;
  readonly retentionMs: number;
}

/** Where `id` is recorded on `channel`: the same shard for every run and process. */
export function ledgerKey(channel: ChannelName, id: string): StateKey {
  const shard = createHash('sha256').update(id).digest().readUInt32BE(0) % LEDGER_SHARDS;
  return notifyKey(`ledger-${channel}-${String(shard).padStart(2, '0')}`);
}

/** The single ledger of versions before the shards: read only. */
export const legacyLedgerKey = (channel: ChannelName): StateKey => notifyKey(`ledger-${channel}`);

export async function findInLedger(
  store: StateStore,
  channel: ChannelName,
  id: string,
  options: LedgerOptions,
  /** Where the channel delivers now (channelAddress.ts): an entry recorded for another is not its. */
  address?: string,
): Promise<LedgerEntry | undefined> {
  const [sharded, legacy] = await Promise.all([
    readLedger(store, ledgerKey(channel, id), options.now),
    readLedger(store, legacyLedgerKey(channel), options.now),
  ]);
  if (legacy) await forgetExpiredLegacy(store, channel, legacy, options);
  const found = (stored: typeof sharded) =>
    stored?.value.entries.find((entry) => entry.id === id && forDestination(entry, address));
  return found(sharded) ?? found(legacy);
}

/** Records the outcome in the id's shard (first outcome wins), dropping entries past retention. */
export async function recordInLedger(
  store: StateStore,
  channel: ChannelName,
  entry: LedgerEntry,
  options: LedgerOptions,
): Promise<void> {
  const cutoff = options.now.getTime() - options.retentionMs;
  await updateState(
    store,
    ledgerKey(channel, entry.id),
    ledgerSchema,
    (current) => {
      const kept = (current?.entries ?? []).filter((e) => Date.parse(e.at) >= cutoff);
      if (!kept.some((e) => e.id === entry.id)) kept.push(entry);
      return { value: { entries: kept.slice(-MAX_SHARD_ENTRIES) }, result: undefined };
    },
    { now: options.now },
  );
}

type StoredLedger = { readonly value: z.infer<typeof ledgerSchema>; readonly etag: string };

async function readLedger(store: StateStore, key: StateKey, now: Date): Promise<StoredLedger | undefined> {
  const stored = await readStoredState(store, key, ledgerSchema);
  if (stored.kind === 'unavailable') throw stored.error;
  if (stored.kind === 'corrupt') {
    // Set aside (the next run reports it): a corrupt ledger must not stop every later message.
    await setAside(store, key, stored.reason, stored.etag, { now });
    return undefined;
  }
  return stored.kind === 'found' ? stored : undefined;
}

/** Housekeeping: nothing writes the legacy ledger any more, so once all of it is past retention it goes. */
async function forgetExpiredLegacy(
  store: StateStore,
  channel: ChannelName,
  legacy: StoredLedger,
  options: LedgerOptions,
): Promise<void> {
  const cutoff = options.now.getTime() - options.retentionMs;
  if (legacy.value.entries.some((e) => Date.parse(e.at) >= cutoff)) return;
  await deleteIfUnchanged(store, legacyLedgerKey(channel), legacy.etag).catch(() => false);
}
