import { ingestionLatencyMs } from './ingestionLatency.js';
import { buildProvisioningEvent, type ProvisioningEventInput } from './provisioningEvent.js';
import { compareEventKeys } from './eventKey.js';
import type { EventKey, ProvisioningLog } from './scenario.js';

export type LoggedEvent = Omit<ProvisioningEventInput, 'ordinal'>;

/**
 * A provisioning log held in memory: right for a scenario of a few thousand events (the demo day).
 * Events are sorted once by (activityDateTime, id); the wire shape is built per request.
 */
export function materializedLog(events: LoggedEvent[]): ProvisioningLog {
  const sorted = [...events].sort((a, b) => compareEventKeys(key(a), key(b)));
  const eventAt = (index: number): LoggedEvent => {
    const event = sorted[index];
    if (!event) throw new RangeError(`provisioning event index ${index} out of range`);
    return event;
  };
  return {
    count: sorted.length,
    keyAt: (index) => key(eventAt(index)),
    visibleAtMs: (index) => {
      const event = eventAt(index);
      return event.timeMs + ingestionLatencyMs(event.id);
    },
    // The log position drives the quirks, so any stretch of the log shows every variant.
    eventAt: (index) => buildProvisioningEvent({ ...eventAt(index), ordinal: index }),
  };
}

function key(event: LoggedEvent): EventKey {
  return { timeMs: event.timeMs, id: event.id };
}
