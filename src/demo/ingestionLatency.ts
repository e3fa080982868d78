import { hash32 } from './prng.js';

/**
 * Provisioning events reach the reporting API some time after they happen. The demo delays each event by
 * 0-4 minutes (fixed per event id), so a collector that only asks for "after my last event" misses
 * events that arrive late: it needs an overlap window and de-duplication by id, as against real Graph.
 */
export const MAX_INGESTION_LATENCY_MS = 4 * 60_000;

export function ingestionLatencyMs(eventId: string): number {
  return hash32(eventId, 'ingestion-latency') % (MAX_INGESTION_LATENCY_MS + 1);
}
