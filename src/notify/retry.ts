import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { DeliveryError, type Channel } from './channel.js';
import type { OutboundMessage } from './message.js';
import { describeError } from './redact.js';

/**
 * Attempts within one run: bounded exponential backoff (1 s, 2 s, 4 s, ... capped by `maxRetryWaitMs`),
 * a Retry-After from the service wins over the computed delay. A Retry-After longer than the run may wait
 * ends the attempts at once: the message waits in the pending queue for a later run instead of holding
 * the run (a Functions timer run has a time budget). Sleeping goes through the injected clock, so tests
 * and replays do not wait for real.
 */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly maxRetryWaitMs: number;
  readonly baseDelayMs?: number;
  /** One attempt's timeout: no attempt starts unless it can end before the deadline. */
  readonly timeoutMs?: number;
}

export type AttemptResult =
  | { readonly ok: true; readonly attempts: number }
  | { readonly ok: false; readonly attempts: number; readonly error: DeliveryError };

export async function sendWithRetry(
  channel: Channel,
  message: OutboundMessage,
  policy: RetryPolicy,
  deps: { clock: Clock; log: Logger; secrets: readonly string[]; deadline?: Date },
  /** Called once an attempt has failed and another will follow after a wait (`failed` attempts so far). */
  beforeWait?: (failed: number) => Promise<void>,
): Promise<AttemptResult> {
  const base = policy.baseDelayMs ?? 1000;
  const fits = (waitMs: number) =>
    !deps.deadline ||
    deps.clock.now().getTime() + waitMs + (policy.timeoutMs ?? 0) <= deps.deadline.getTime();
  for (let attempt = 1; ; attempt++) {
    if (!fits(0)) {
      // Past the run's hard limit: the message waits for the next run instead of outliving the lease.
      const error = new DeliveryError('the run is out of time; left for the next run', 'deadline', true);
      return { ok: false, attempts: attempt - 1, error };
    }
    let error: DeliveryError;
    try {
      await channel.send(message);
      return { ok: true, attempts: attempt };
    } catch (thrown) {
      error = asDeliveryError(thrown, deps.secrets);
    }
    const props = {
      messageId: message.id,
      channel: channel.name,
      transport: channel.transport,
      attempt,
      reason: error.reason,
      ...(error.status !== undefined ? { status: error.status } : {}),
    };
    if (!error.retryable || error.reason === 'unconfirmed' || attempt >= policy.maxAttempts)
      return { ok: false, attempts: attempt, error };
    const backoff = Math.min(policy.maxRetryWaitMs, base * 2 ** (attempt - 1));
    const wait = error.retryAfterMs ?? backoff;
    if (wait > policy.maxRetryWaitMs || !fits(wait)) {
      deps.log.info('notification deferred to a later run (Retry-After beyond this run)', {
        ...props,
        retryAfterMs: wait,
      });
      return { ok: false, attempts: attempt, error };
    }
    deps.log.info('notification attempt failed, retrying', { ...props, waitMs: wait });
    await beforeWait?.(attempt);
    await deps.clock.sleep(wait);
  }
}

/** Anything a channel throws, as a DeliveryError; unknown errors count as transient network trouble. */
export function asDeliveryError(thrown: unknown, secrets: readonly string[]): DeliveryError {
  if (thrown instanceof DeliveryError) {
    // Channels already scrub their messages; scrubbing again is cheap insurance.
    return new DeliveryError(
      describeError(thrown, secrets),
      thrown.reason,
      thrown.retryable,
      thrown.status,
      thrown.retryAfterMs,
    );
  }
  return new DeliveryError(describeError(thrown, secrets), 'network', true);
}
