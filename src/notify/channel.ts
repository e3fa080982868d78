import type { OutboundMessage } from './message.js';

/**
 * One Notifier interface for every channel (Alertmanager's Notifier, openstatus' per-provider senders):
 * a channel sends a message once and either returns or throws a DeliveryError that says whether trying
 * again can help. Retrying, queueing, de-duplication and quotas live in dispatch, not in channels.
 */
export type ChannelKind = 'email' | 'teams';
/**
 * A receiver channel: `email` and `teams` without routing, `<receiver>.email`, `<receiver>.teams` with it
 * (src/notify/routing.ts). Ledger, pending queue, commit order and delivery health are kept per name.
 */
export type ChannelName = string;

/** How a channel delivers: ACS email, the Teams Workflows webhook, or files in the local outbox. */
export type Transport = 'acs' | 'webhook' | 'outbox';

/** A sending quota the channel's service enforces (ACS: per minute and per hour). */
export interface RateQuota {
  readonly perMinute: number;
  readonly perHour: number;
}

export interface Channel {
  readonly name: ChannelName;
  readonly transport: Transport;
  readonly quota?: RateQuota;
  /** Sends once. Rejects with DeliveryError, whose message never contains a secret. */
  send(message: OutboundMessage): Promise<void>;
}

/**
 * `unconfirmed`: the request reached the service but no answer came back, so it may have been taken;
 * a channel says so only when it can tell this apart from "never reached" (see teams.ts).
 */
export type FailureReason =
  | 'rate-limited'
  | 'server-error'
  | 'timeout'
  | 'network'
  | 'auth'
  | 'client-error'
  | 'rejected'
  | 'unconfirmed'
  | 'deadline';

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly reason: FailureReason,
    readonly retryable: boolean,
    readonly status?: number,
    /** From a Retry-After header, when the service sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/**
 * HTTP status -> retry decision, in one place (Alertmanager's Retrier.Check): 5xx and 408 are
 * transient, 429 is throttling (Teams and ACS both document it), every other 4xx is permanent:
 * sending the same request again would fail the same way.
 */
export function classifyStatus(status: number): { reason: FailureReason; retryable: boolean } {
  if (status === 429) return { reason: 'rate-limited', retryable: true };
  if (status === 408) return { reason: 'timeout', retryable: true };
  if (status >= 500) return { reason: 'server-error', retryable: true };
  if (status === 401 || status === 403) return { reason: 'auth', retryable: false };
  return { reason: 'client-error', retryable: false };
}

/** Retry-After as seconds or an HTTP date, in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
