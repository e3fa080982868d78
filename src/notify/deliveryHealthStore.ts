import {
  applyOutcomes,
  deliveryHealthSchema,
  emptyDeliveryHealth,
  type DeliveryHealth,
  type DeliveryOutcome,
} from '../domain/deliveryHealth.js';
import { readValidated, type StateStore } from '../state/store.js';
import { updateState } from '../state/update.js';
import { isStateTrouble, type ChannelReport } from './delivery.js';
import { notifyKey } from './notifyState.js';

/**
 * Delivery health is kept with the rest of the delivery state (per deployment: a dead webhook is dead
 * for every tenant it serves). Runs read it to raise `notification-failing` and write it after each
 * delivery step.
 */
export const DELIVERY_HEALTH_KEY = notifyKey('delivery-health');

export async function readDeliveryHealth(state: StateStore): Promise<DeliveryHealth> {
  return (
    (await readValidated(state, DELIVERY_HEALTH_KEY, deliveryHealthSchema))?.value ?? emptyDeliveryHealth()
  );
}

export async function recordDeliveryHealth(
  state: StateStore,
  outcomes: readonly DeliveryOutcome[],
  now: Date,
): Promise<DeliveryHealth> {
  return updateState(
    state,
    DELIVERY_HEALTH_KEY,
    deliveryHealthSchema,
    (current) => {
      const next = applyOutcomes(current ?? emptyDeliveryHealth(), outcomes, now);
      return { value: next, result: next };
    },
    { now },
  );
}

/**
 * Since when each failing channel has been failing: the clock its waiting messages expire by. Best
 * effort: unreadable health leaves each message its own clock, as before channels had one.
 */
export async function failingSinceByChannel(state: StateStore): Promise<ReadonlyMap<string, string>> {
  try {
    const health = await readDeliveryHealth(state);
    return new Map(
      Object.entries(health.channels).flatMap(([channel, h]) =>
        h.status === 'failing' && h.failingSince ? [[channel, h.failingSince] as const] : [],
      ),
    );
  } catch {
    return new Map();
  }
}

/**
 * What the reports say about the channels. A report of state-store trouble says nothing about its channel
 * (nothing was sent): it is left out, so a storage blip can never make a channel `failing`.
 */
export function deliveryOutcomes(reports: readonly ChannelReport[]): DeliveryOutcome[] {
  return reports.flatMap((report) =>
    report.outcome === 'deferred' || isStateTrouble(report)
      ? []
      : [
          {
            channel: report.channel,
            messageId: report.messageId,
            outcome: report.outcome,
            reason: report.reason,
            error: report.error,
            status: report.status,
            channelDown: report.channelDown,
            waitingSince: report.waitingSince,
          },
        ],
  );
}
