import { z } from 'zod';
import type { StateStore } from '../state/store.js';
import type { ChannelName, RateQuota } from './channel.js';
import { notifyKey } from './notifyState.js';
import { updateState } from '../state/update.js';

/**
 * A sliding-window send quota kept in the state store, so every run and every function instance of a
 * deployment counts against the same ACS limits (per minute and per hour). A send takes a slot before it
 * starts; with no slot left the message waits in the pending queue until the oldest slot in the window
 * expires. Counting before sending errs on the safe side: a failed send still used a slot.
 */
const HOUR_MS = 3600_000;
const MINUTE_MS = 60_000;

const quotaSchema = z.object({ sends: z.array(z.iso.datetime()) });

export type QuotaDecision = { readonly granted: true } | { readonly granted: false; readonly retryAt: Date };

export async function takeQuotaSlot(
  store: StateStore,
  channel: ChannelName,
  quota: RateQuota,
  now: Date,
): Promise<QuotaDecision> {
  const t = now.getTime();
  return updateState<typeof quotaSchema, QuotaDecision>(
    store,
    notifyKey(`quota-${channel}`),
    quotaSchema,
    (current) => {
      const sends = (current?.sends ?? [])
        .map((s) => Date.parse(s))
        .filter((s) => s > t - HOUR_MS && s <= t)
        .sort((a, b) => a - b);
      const lastMinute = sends.filter((s) => s > t - MINUTE_MS);
      const value = (times: number[]) => ({ sends: times.map((s) => new Date(s).toISOString()) });
      if (lastMinute.length >= quota.perMinute) {
        const oldest = lastMinute[lastMinute.length - quota.perMinute] ?? t;
        return { value: value(sends), result: { granted: false, retryAt: new Date(oldest + MINUTE_MS) } };
      }
      if (sends.length >= quota.perHour) {
        const oldest = sends[sends.length - quota.perHour] ?? t;
        return { value: value(sends), result: { granted: false, retryAt: new Date(oldest + HOUR_MS) } };
      }
      return { value: value([...sends, t]), result: { granted: true } };
    },
    // One value for every email send of the deployment (a fleet's tenants at once), but a small one:
    // more rounds than the default before giving up. Giving up is no loss: the message stays queued.
    { now, maxRounds: 24 },
  );
}
