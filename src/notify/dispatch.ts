import type { TokenCredential } from '@azure/identity';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { setAside } from '../state/setAside.js';
import { deleteIfUnchanged, writeIfUnchanged } from '../state/conditionalWrite.js';
import { StateDecodeError, type StateStore } from '../state/store.js';
import type { Channel, ChannelName } from './channel.js';
import { channelAddresses } from './channelAddress.js';
import { channelsFor, channelsForMessage } from './channels.js';
import { claimMs, deliverClaimed, type ChannelReport, type DeliveryContext } from './delivery.js';
import { failingSinceByChannel } from './deliveryHealthStore.js';
import { findInLedger, recordInLedger } from './ledger.js';
import type { OutboundMessage } from './message.js';
import { NOTIFY_STATE_SCOPE, notifyKey } from './notifyState.js';
import { PENDING_PREFIX, newPendingEntry, pendingName, readPending, type PendingEntry } from './pending.js';
import { describeError, secretsOf } from './redact.js';
import { finishSettled } from './settle.js';
import type { NotifySettings } from './settings.js';
import type { TenantIdentity } from './tenantIdentity.js';

/**
 * Delivery of notifications through every channel, reliably: nothing lost (failures wait in the pending
 * queue and `retryPending` tries again on the next run), nothing sent twice (the delivered-ids ledger and
 * the pending entry as a claim), no more email than ACS allows (quota in the state store). A run calls
 * `retryPending` first, then `dispatch` for its own message.
 */
export interface NotifyDependencies {
  readonly state: StateStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly settings: NotifySettings;
  readonly dataDir: string;
  /** LOCAL_RETENTION_DAYS: outbox files older than this are deleted (default 14). */
  readonly localRetentionDays?: number;
  /** For ACS with ALERT_EMAIL_ENDPOINT; default DefaultAzureCredential (managed identity). */
  readonly credential?: TokenCredential;
  /** No attempt starts that could not end before this instant (the run's hard limit). */
  readonly deadline?: Date;
  /** Replaces the channel built from settings, by receiver channel name (tests). */
  readonly channels?: Readonly<Record<ChannelName, Channel>>;
  /**
   * Fleet mode: the tenant these messages are about (its name in every message, its routing label for
   * its routes, its digest to its receivers); absent for one tenant and for the MSP's own messages.
   */
  readonly tenant?: TenantIdentity;
}

export interface DispatchReport {
  readonly messageId: string;
  readonly channels: readonly ChannelReport[];
}

export interface RetryReport {
  /** One entry per pending message that was due and tried in this call. */
  readonly results: readonly ChannelReport[];
  /** Messages still waiting after this call (not due yet, in progress elsewhere, or failed again). */
  readonly stillPending: number;
}

/**
 * Sends `message` on `only` these receiver channels (the others already settled it, or wait), or else on
 * the channels its kind goes to: the digest receivers' for a digest, the default receiver's otherwise
 * (without routing: every channel).
 */
export async function dispatch(
  message: OutboundMessage,
  deps: NotifyDependencies,
  only?: readonly ChannelName[],
): Promise<DispatchReport> {
  const { ctx, channels } = await prepareWithHealth(deps);
  const names = only ?? channelsForMessage(deps.settings, message.kind, deps.tenant);
  // Listed once per call; a listing the store refuses defers each channel below, like any state trouble.
  const waiting = waitingChannels(deps).then(
    (byChannel) => ({ ok: true, byChannel }) as const,
    (error: unknown) => ({ ok: false, error }) as const,
  );
  // Channels are independent (own ledger, quota and pending entries): a slow email does not hold Teams.
  const reports = await Promise.all(
    names.map(async (name): Promise<ChannelReport> => {
      const channel = channels[name];
      if (!channel) throw new RangeError(`no receiver channel named ${name}`);
      try {
        const listed = await waiting;
        if (!listed.ok) throw listed.error;
        return await dispatchOne(channel, message, ctx, listed.byChannel.get(name));
      } catch (error) {
        // State trouble (storage down) before anything was sent: no delivery outcome. The message may
        // be queued nowhere, so the caller offers it again (the outbox keeps it, in order; a webhook
        // fails for its sender to retry); the ledger and the pending entry keep that from sending twice.
        const text = describeError(error, ctx.secrets);
        deps.log.error('notification dispatch deferred: the state store failed', {
          messageId: message.id,
          channel: name,
          error: text,
        });
        return {
          messageId: message.id,
          channel: name,
          transport: channel.transport,
          outcome: 'deferred',
          attempts: 0,
          reason: 'state',
          error: text,
        };
      }
    }),
  );
  return { messageId: message.id, channels: reports };
}

async function dispatchOne(
  channel: Channel,
  message: OutboundMessage,
  ctx: DeliveryContext,
  /** Names of the pending entries waiting on this channel when the call began. */
  waiting: ReadonlySet<string> | undefined,
): Promise<ChannelReport> {
  const base = { messageId: message.id, channel: channel.name, transport: channel.transport } as const;
  const ledger = { now: ctx.clock.now(), retentionMs: ctx.delivery.ledgerRetentionMs };
  const address = ctx.addresses?.get(channel.name);
  const handled = await findInLedger(ctx.state, channel.name, message.id, ledger, address);
  if (handled) {
    ctx.log.debug('notification already handled; not sent again', base);
    return { ...base, outcome: 'duplicate', attempts: 0, previously: handled.outcome };
  }
  const name = pendingName(channel.name, message.id);
  const now = ctx.clock.now();
  // Earlier messages still wait on this channel (a Retry-After, a dead webhook): this one goes behind
  // them, unclaimed, and retryPending sends the channel's queue in order. Sent now, an Azure Monitor
  // RESOLVED reached Teams before the FIRED that was waiting out a 429.
  const others = [...(waiting ?? [])].filter((other) => other !== name);
  const behind = others.length > 0 && (await waitsBehind(ctx, message, others, now));
  const entry = behind
    ? { ...newPendingEntry(channel.name, message, now, 0, address), claimedUntil: undefined }
    : newPendingEntry(channel.name, message, now, claimMs(ctx.delivery), address);
  const etag = await writeIfUnchanged(ctx.state, notifyKey(name), entry, { ifNoneMatch: '*' });
  // Already queued or being sent by another run: that run (or retryPending) owns it.
  if (etag === undefined) return { ...base, outcome: 'in-progress', attempts: 0 };
  if (behind) {
    ctx.log.info('notification queued behind earlier messages on its channel', base);
    return { ...base, outcome: 'pending', attempts: 0, reason: 'queued', nextAttemptAt: entry.nextAttemptAt };
  }
  return deliverClaimed(channel, name, { value: entry, etag }, ctx);
}

/**
 * Whether one of these pending entries holds an earlier message of the same tenant that the channel
 * has not taken and that waits for a later attempt: after a failed one (a Retry-After, a dead webhook),
 * queued behind another, or left by a run that stopped (its claim expired). Commit order is per tenant
 * (each has its own alert book and webhooks), and a message another call is sending for the first time
 * right now holds nothing: waiting for either held most messages of a fleet-wide event for a run
 * (48 tenants at once: 69-76 of 96 queued) although nothing held the channel. A settled entry is sent by
 * nobody, and an unreadable one is set aside by retryPending: neither holds anything.
 */
async function waitsBehind(
  ctx: DeliveryContext,
  message: OutboundMessage,
  names: readonly string[],
  now: Date,
): Promise<boolean> {
  const entries = await Promise.all(
    names.map((name) =>
      readPending(ctx.state, name).catch((error: unknown) => {
        if (error instanceof StateDecodeError) return undefined;
        throw error;
      }),
    ),
  );
  return entries.some((found) => {
    if (!found || found.value.settled) return false;
    if (found.value.message.tenantId !== message.tenantId) return false;
    const { attempts, claimedUntil } = found.value;
    const firstSend =
      attempts === 0 && claimedUntil !== undefined && Date.parse(claimedUntil) > now.getTime();
    return !firstSend;
  });
}

/**
 * The pending entries per receiver channel, from their names (`pending-<channel>-<40 hex>`): one
 * listing per call. A channel name may be another's prefix (`ops.teams`, `ops.teams-2`), hence the
 * exact shape of the rest.
 */
async function waitingChannels(deps: NotifyDependencies): Promise<Map<ChannelName, Set<string>>> {
  const names = await deps.state.list(NOTIFY_STATE_SCOPE, PENDING_PREFIX);
  const byChannel = new Map<ChannelName, Set<string>>();
  for (const name of names) {
    const channel = channelOfPending(name);
    if (channel !== undefined) byChannel.set(channel, (byChannel.get(channel) ?? new Set()).add(name));
  }
  return byChannel;
}

/** The receiver channel a pending entry's name (`pending-<channel>-<40 hex>`) is for, if it is one. */
function channelOfPending(name: string): ChannelName | undefined {
  return /^(.+)-[0-9a-f]{40}$/.exec(name.slice(PENDING_PREFIX.length))?.[1];
}

/**
 * Tries every pending message that is due, oldest first, each channel's in queue order: once a
 * channel's message is not settled (not due yet, failed again, claimed by another run, or not readable
 * from the state store), its later messages wait for the next call.
 */
export async function retryPending(deps: NotifyDependencies): Promise<RetryReport> {
  const { ctx, channels } = await prepareWithHealth(deps);
  const names = await deps.state.list(NOTIFY_STATE_SCOPE, PENDING_PREFIX);
  const entries: { name: string; value: PendingEntry; etag: string }[] = [];
  // A channel with an entry that could not be read (storage trouble) sends nothing this call: that
  // entry may be its earliest message, and a later one must not overtake it.
  const held = new Set<ChannelName>();
  let stillPending = 0;
  for (const name of names) {
    try {
      const found = await readPending(deps.state, name);
      if (found) entries.push({ name, ...found });
    } catch (error) {
      if (error instanceof StateDecodeError) {
        // Set aside, so it neither blocks its channel's later messages nor is tried for ever; a message
        // of the alert book's outbox is queued afresh by the notify stage. The next run reports it.
        const aside = await setAside(deps.state, notifyKey(name), error.message, error.etag, {
          now: deps.clock.now(),
        });
        deps.log.error(aside.message, { entry: name });
        continue;
      }
      deps.log.error('unreadable pending notification left in place; its channel waits for the next run', {
        entry: name,
        error: describeError(error, ctx.secrets),
      });
      const channel = channelOfPending(name);
      if (channel !== undefined) held.add(channel);
      stillPending++;
    }
  }
  entries.sort((a, b) => a.value.firstQueuedAt.localeCompare(b.value.firstQueuedAt));

  const results: ChannelReport[] = [];
  for (const entry of entries) {
    if (entry.value.settled) {
      // Sent (or given up on) already; only its record is missing. Never sent again.
      if (!(await finishQuietly(entry, ctx))) stillPending++;
      continue;
    }
    const channel = channels[entry.value.channel];
    const address = ctx.addresses?.get(entry.value.channel);
    // An outbox message queued for a destination the name no longer stands for (a webhook removed,
    // reordered or its URL replaced): dropped, and the outbox offers it to the name's destination unless
    // that destination had it under another name (doneBy). Any other message goes to the name's new
    // destination: nothing else would offer it again.
    const moved =
      entry.value.message.fromOutbox === true &&
      entry.value.address !== undefined &&
      address !== undefined &&
      entry.value.address !== address;
    if (!channel || moved) {
      await dropUnrouted(entry, ctx, moved);
      continue;
    }
    if (held.has(channel.name)) {
      stillPending++;
      continue;
    }
    const report = await retryOne(channel, entry, ctx);
    if (report) results.push(report);
    if (!report || report.outcome === 'pending' || report.outcome === 'in-progress') {
      stillPending++;
      held.add(channel.name);
    }
  }
  return { results, stillPending };
}

async function retryOne(
  channel: Channel,
  entry: { name: string; value: PendingEntry; etag: string },
  ctx: DeliveryContext,
): Promise<ChannelReport | undefined> {
  const now = ctx.clock.now();
  const { value } = entry;
  if (value.claimedUntil && Date.parse(value.claimedUntil) > now.getTime()) return undefined;
  if (Date.parse(value.nextAttemptAt) > now.getTime()) return undefined;
  const claimed: PendingEntry = {
    ...value,
    claimedUntil: new Date(now.getTime() + claimMs(ctx.delivery)).toISOString(),
  };
  const etag = await writeIfUnchanged(ctx.state, notifyKey(entry.name), claimed, { ifMatch: entry.etag });
  if (etag === undefined) return undefined; // another run claimed it first
  try {
    return await deliverClaimed(channel, entry.name, { value: claimed, etag }, ctx);
  } catch (error) {
    const text = describeError(error, ctx.secrets);
    ctx.log.error('pending notification could not be retried', { messageId: value.message.id, error: text });
    return {
      messageId: value.message.id,
      channel: channel.name,
      transport: channel.transport,
      outcome: 'in-progress',
      attempts: 0,
      error: text,
    };
  }
}

async function finishQuietly(
  entry: { name: string; value: PendingEntry; etag: string },
  ctx: DeliveryContext,
): Promise<boolean> {
  try {
    await finishSettled(ctx, entry);
    return true;
  } catch (error) {
    ctx.log.warn('settled notification not recorded yet; a later run tries again', {
      entry: entry.name,
      error: describeError(error, ctx.secrets),
    });
    return false;
  }
}

/**
 * A waiting message whose receiver channel the routing no longer has (renamed or removed): nobody can
 * get it there. Recorded as failed in that channel's ledger and dropped, said in the log (not in the
 * delivery health: a channel that is gone cannot be failing).
 */
async function dropUnrouted(
  entry: { name: string; value: PendingEntry; etag: string },
  ctx: DeliveryContext,
  moved = false,
): Promise<void> {
  const { message, channel } = entry.value;
  const now = ctx.clock.now();
  // Moved: the name now stands for another destination, whose own ledger it is; nothing is recorded
  // under it (a 'failed' there would keep the outbox from offering that destination the message).
  const error = moved
    ? `receiver channel ${channel} now delivers elsewhere (the routing changed); message dropped for its old destination`
    : `receiver channel ${channel} is no longer in the routing; message dropped`;
  if (!moved) {
    await recordInLedger(
      ctx.state,
      channel,
      { id: message.id, at: now.toISOString(), outcome: 'failed', error },
      { now, retentionMs: ctx.delivery.ledgerRetentionMs },
    );
  }
  await deleteIfUnchanged(ctx.state, notifyKey(entry.name), entry.etag);
  ctx.log.error('pending notification dropped', { messageId: message.id, channel, error });
}

/** As prepare, with each failing channel's clock (see expiryClock). */
async function prepareWithHealth(
  deps: NotifyDependencies,
): Promise<{ ctx: DeliveryContext; channels: Record<ChannelName, Channel> }> {
  const prepared = prepare(deps);
  const failingSince = await failingSinceByChannel(deps.state);
  return { ...prepared, ctx: { ...prepared.ctx, failingSince } };
}

export function prepare(deps: NotifyDependencies): {
  ctx: DeliveryContext;
  channels: Record<ChannelName, Channel>;
} {
  const secrets = secretsOf(deps.settings);
  const channels = channelsFor(deps.settings, {
    dataDir: deps.dataDir,
    ...(deps.localRetentionDays !== undefined ? { retentionDays: deps.localRetentionDays } : {}),
    clock: deps.clock,
    secrets,
    ...(deps.credential ? { credential: deps.credential } : {}),
    ...(deps.channels ? { overrides: deps.channels } : {}),
  });
  return {
    ctx: {
      state: deps.state,
      clock: deps.clock,
      log: deps.log,
      delivery: deps.settings.delivery,
      secrets,
      ...(deps.deadline ? { deadline: deps.deadline } : {}),
      addresses: channelAddresses(deps.settings),
    },
    channels,
  };
}
