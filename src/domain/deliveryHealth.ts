import { z } from 'zod';

/**
 * Delivery health (issue 11 item 1): per channel, what became of each message lately and whether the
 * channel itself is failing. A channel that answers 401/403/404/410 (the webhook was deleted, the ACS key
 * rotated) or that gave up on a message after retrying for NOTIFY_PENDING_MAX_HOURS is `failing` until it
 * delivers a message again: that opens `notification-failing`, told through the other channels. Pure.
 */
export const DELIVERY_OUTCOMES = [
  'delivered',
  'duplicate',
  'pending',
  'in-progress',
  'failed',
  'unconfirmed',
] as const;
export type DeliveryOutcomeName = (typeof DELIVERY_OUTCOMES)[number];

/** What one channel did with one message in one run (a ChannelReport, reduced to what health needs). */
export interface DeliveryOutcome {
  readonly channel: string;
  readonly messageId: string;
  readonly outcome: DeliveryOutcomeName;
  readonly reason?: string | undefined;
  readonly error?: string | undefined;
  readonly status?: number | undefined;
  /** The channel refused the monitor itself (401/403/404/410): the message is kept, the channel is failing. */
  readonly channelDown?: boolean | undefined;
  /**
   * An expired message: since when the channel had not taken it (or the message before it). The channel
   * has been failing since then, not since the run that gave up: that is the clock later messages on the
   * channel expire by (src/notify/delivery.ts).
   */
  readonly waitingSince?: string | undefined;
}

const time = z.iso.datetime();

const recentOutcome = z.object({
  messageId: z.string(),
  at: time,
  outcome: z.enum(DELIVERY_OUTCOMES),
  reason: z.string().optional(),
});

export const channelHealthSchema = z.object({
  status: z.enum(['ok', 'failing']),
  /** First run that saw the channel failing, or when the message it gave up on began waiting (cleared when it delivers again). */
  failingSince: time.optional(),
  /** Why: the last failure's reason (auth, client-error, expired) and its secret-free text. */
  reason: z.string().optional(),
  lastError: z.string().optional(),
  lastStatus: z.number().int().optional(),
  lastAttemptAt: time.optional(),
  lastDeliveredAt: time.optional(),
  /** The latest outcomes, newest last (at most RECENT_MAX): what `status` and /health show. */
  recent: z.array(recentOutcome).default([]),
});
export type ChannelHealth = z.infer<typeof channelHealthSchema>;

export const deliveryHealthSchema = z.object({
  channels: z.record(z.string(), channelHealthSchema).default({}),
  updatedAt: time.optional(),
});
export type DeliveryHealth = z.infer<typeof deliveryHealthSchema>;

export const emptyDeliveryHealth = (): DeliveryHealth => ({ channels: {} });

const RECENT_MAX = 20;
const ERROR_MAX = 300;

/** A failure that says the channel, not this message, is broken (or retrying did not help for days). */
export function failsChannel(o: DeliveryOutcome): boolean {
  return o.channelDown === true || o.outcome === 'failed';
}

/**
 * The health after this run's outcomes, in the order they happened. `delivered` heals a channel;
 * a channel failure marks it failing (since the first one; an expired message since it began waiting); retrying (429/5xx, quota), duplicates and
 * in-progress change nothing: they say nothing about whether the channel works.
 */
export function applyOutcomes(
  health: DeliveryHealth,
  outcomes: readonly DeliveryOutcome[],
  now: Date,
): DeliveryHealth {
  const at = now.toISOString();
  const channels: Record<string, ChannelHealth> = { ...health.channels };
  for (const o of outcomes) {
    const before: ChannelHealth = channels[o.channel] ?? { status: 'ok', recent: [] };
    const recent = [
      ...before.recent,
      { messageId: o.messageId, at, outcome: o.outcome, ...(o.reason ? { reason: o.reason } : {}) },
    ].slice(-RECENT_MAX);
    let next: ChannelHealth = { ...before, recent, lastAttemptAt: at };
    if (o.outcome === 'delivered') {
      next = withoutFailure({ ...next, status: 'ok', lastDeliveredAt: at });
    } else if (failsChannel(o)) {
      const since = o.waitingSince !== undefined && o.waitingSince < at ? o.waitingSince : at;
      next = {
        ...next,
        status: 'failing',
        failingSince: before.status === 'failing' ? (before.failingSince ?? since) : since,
        ...(o.reason ? { reason: o.reason } : {}),
        ...(o.error ? { lastError: o.error.slice(0, ERROR_MAX) } : {}),
        ...(o.status !== undefined ? { lastStatus: o.status } : {}),
      };
    }
    channels[o.channel] = next;
  }
  return { channels, updatedAt: at };
}

function withoutFailure(health: ChannelHealth): ChannelHealth {
  const { failingSince: _s, reason: _r, lastError: _e, lastStatus: _t, ...rest } = health;
  return rest;
}

/** Channels failing now, oldest failure first. */
export function failingChannels(
  health: DeliveryHealth | undefined,
): { readonly channel: string; readonly health: ChannelHealth }[] {
  return Object.entries(health?.channels ?? {})
    .filter(([, h]) => h.status === 'failing')
    .map(([channel, h]) => ({ channel, health: h }))
    .sort((a, b) => (a.health.failingSince ?? '').localeCompare(b.health.failingSince ?? ''));
}

/** Delivery figures of one run, for its CloudSyncMonitorRun_CL row. */
export interface RunDeliveryFigures {
  readonly delivered: number;
  readonly failed: number;
  readonly pending: number;
  readonly channelsFailing: readonly string[];
}

export function deliveryFigures(
  outcomes: readonly DeliveryOutcome[],
  health: DeliveryHealth | undefined,
): RunDeliveryFigures {
  return {
    delivered: outcomes.filter((o) => o.outcome === 'delivered').length,
    failed: outcomes.filter((o) => o.outcome === 'failed' || o.channelDown === true).length,
    pending: outcomes.filter((o) => o.outcome === 'pending' && o.channelDown !== true).length,
    channelsFailing: failingChannels(health).map((c) => c.channel),
  };
}
