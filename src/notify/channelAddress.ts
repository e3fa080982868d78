import { createHash } from 'node:crypto';
import type { ChannelName } from './channel.js';
import { notifyChannels } from './channels.js';
import type { ReceiverChannel } from './routing.js';
import type { NotifySettings } from './settings.js';

/**
 * Where a receiver channel delivers, as a short fingerprint: its kind and webhook URL, or its
 * recipients. A channel's name is its place in the routing (`ops.teams`, `ops.teams-2`), so removing a
 * receiver's first webhook gives the second one the first one's name; state kept under a name (the
 * outbox's settled channels, pending messages, what a channel missed) is checked against this, so it
 * is not taken for the other destination's. 12 hex digits of SHA-256: the webhook URL, a secret, cannot
 * be read back from it.
 */
export function channelAddress(channel: Pick<ReceiverChannel, 'kind' | 'to' | 'webhookUrl'>): string {
  const where =
    channel.kind === 'teams'
      ? (channel.webhookUrl ?? '')
      : [...(channel.to ?? [])]
          .map((to) => to.toLowerCase())
          .sort()
          .join(',');
  return createHash('sha256').update(`${channel.kind}|${where}`).digest('hex').slice(0, 12);
}

/** Each receiver channel of a deployment with its address. */
export function channelAddresses(settings: NotifySettings): ReadonlyMap<ChannelName, string> {
  return new Map(notifyChannels(settings).map((c) => [c.id, channelAddress(c)]));
}
