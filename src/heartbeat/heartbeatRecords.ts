import { setAside, type SetAside } from '../state/setAside.js';
import type { StateStore } from '../state/store.js';
import { readStoredState } from '../state/storedState.js';
import type { AgentRecord } from '../tables/definitions.js';
import { heartbeatBook, heartbeatRecord, HEARTBEATS_KEY } from './recordHeartbeat.js';

/**
 * The latest heartbeat of every agent host, as CloudSyncAgent_CL-shaped records for the rules. A damaged
 * book is set aside (the next heartbeats start it afresh) and returned as `setAside` for the run to
 * report; a store that cannot be read throws.
 */
export async function loadHeartbeatRecords(
  state: StateStore,
  tenantId: string,
  now: Date,
): Promise<{ records: AgentRecord[]; setAside?: SetAside }> {
  const key = { tenantId, name: HEARTBEATS_KEY };
  const stored = await readStoredState(state, key, heartbeatBook);
  switch (stored.kind) {
    case 'unavailable':
      throw stored.error;
    case 'absent':
      return { records: [] };
    case 'corrupt':
      return { records: [], setAside: await setAside(state, key, stored.reason, stored.etag, { now }) };
    case 'found':
      return {
        records: Object.entries(stored.value.hosts).map(([host, entry]) =>
          heartbeatRecord(tenantId, host, entry),
        ),
      };
  }
}

/** A damaged heartbeat book, already set aside: the run reports it (code CorruptState) and goes on. */
export class CorruptHeartbeatBookError extends Error {
  constructor(readonly aside: SetAside) {
    super(aside.message);
    this.name = 'CorruptState';
  }
}

/**
 * As `loadHeartbeatRecords`, for callers that report failures by catching: a damaged book is set aside
 * and then thrown as CorruptHeartbeatBookError, so this run says so and the next one reads a fresh book.
 */
export async function readHeartbeatRecords(
  state: StateStore,
  tenantId: string,
  now: Date,
): Promise<AgentRecord[]> {
  const loaded = await loadHeartbeatRecords(state, tenantId, now);
  if (loaded.setAside) throw new CorruptHeartbeatBookError(loaded.setAside);
  return loaded.records;
}
