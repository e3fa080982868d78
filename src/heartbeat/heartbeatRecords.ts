import { readValidated, type StateStore } from '../state/store.js';
import type { AgentRecord } from '../tables/definitions.js';
import { heartbeatBook, heartbeatRecord, HEARTBEATS_KEY } from './recordHeartbeat.js';

/** The latest heartbeat of every agent host, as CloudSyncAgent_CL-shaped records for the rules. */
export async function readHeartbeatRecords(state: StateStore, tenantId: string): Promise<AgentRecord[]> {
  const found = await readValidated(state, { tenantId, name: HEARTBEATS_KEY }, heartbeatBook);
  return Object.entries(found?.value.hosts ?? {}).map(([host, entry]) =>
    heartbeatRecord(tenantId, host, entry),
  );
}
