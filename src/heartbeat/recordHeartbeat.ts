import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { RecordSink } from '../sinks/sink.js';
import { readValidated, StateConflictError, type StateStore } from '../state/store.js';
import type { AgentRecord } from '../tables/definitions.js';
import { PROVISIONING_AGENT_SERVICE, type HeartbeatBody } from './heartbeatBody.js';

/**
 * The latest heartbeat of every agent host, kept in the StateStore: the collect run reads it to judge
 * agent health where Graph's agents API is closed to app-only identities.
 */
export const HEARTBEATS_KEY = 'agent-heartbeats';

const hostEntry = z.object({
  machineName: z.string(),
  sentAt: z.string(),
  receivedAt: z.string(),
  status: z.string(),
  agentVersion: z.string().nullable(),
  lastTraceLogAt: z.string().nullable(),
  services: z.array(z.object({ name: z.string(), status: z.string(), startType: z.string().nullable() })),
});
export const heartbeatBook = z.object({ hosts: z.record(z.string(), hostEntry) });
export type HeartbeatBook = z.infer<typeof heartbeatBook>;
export type HostHeartbeat = z.infer<typeof hostEntry>;

/** How far a host's clock may be off, and how old a heartbeat may be when it arrives. */
const MAX_SKEW_MS = 15 * 60_000;

export class HeartbeatRejected extends Error {
  constructor(
    message: string,
    readonly status: 400 | 409,
  ) {
    super(message);
    this.name = 'HeartbeatRejected';
  }
}

/** active when the provisioning agent service runs; the trace log time goes along for the rules. */
export function heartbeatStatus(body: Pick<HeartbeatBody, 'services'>): 'active' | 'inactive' {
  const agent = body.services.find((s) => s.name.toLowerCase() === PROVISIONING_AGENT_SERVICE.toLowerCase());
  return agent?.status === 'Running' ? 'active' : 'inactive';
}

/**
 * Stores one heartbeat: a CloudSyncAgent_CL row (Source 'heartbeat') and the host's entry in the
 * heartbeat book. A replay (the same or an older `sentAt` than already recorded for the host) or a
 * heartbeat outside the clock-skew window is rejected and nothing is stored.
 */
export async function recordHeartbeat(
  deps: { sink: RecordSink; state: StateStore; clock: Clock; tenantId: string },
  body: HeartbeatBody,
): Promise<{ record: AgentRecord }> {
  const now = deps.clock.now();
  if (body.tenantId && body.tenantId.toLowerCase() !== deps.tenantId.toLowerCase()) {
    throw new HeartbeatRejected(
      `heartbeat is for tenant ${body.tenantId}, this monitor watches ${deps.tenantId}`,
      400,
    );
  }
  const sentAt = Date.parse(body.sentAt);
  if (Math.abs(now.getTime() - sentAt) > MAX_SKEW_MS) {
    throw new HeartbeatRejected(
      `sentAt ${body.sentAt} is more than ${MAX_SKEW_MS / 60_000} minutes from the receive time ${now.toISOString()}: stale, replayed or a wrong host clock`,
      409,
    );
  }
  const key = { tenantId: deps.tenantId, name: HEARTBEATS_KEY };
  const host = body.machineName.toLowerCase();
  const status = heartbeatStatus(body);

  // Compare-and-swap on the book; a concurrent heartbeat of another host just means one more try.
  for (let attempt = 0; ; attempt += 1) {
    const found = await readValidated(deps.state, key, heartbeatBook);
    const previous = found?.value.hosts[host];
    if (previous && Date.parse(previous.sentAt) >= sentAt) {
      throw new HeartbeatRejected(
        `heartbeat of ${body.machineName} sent at ${body.sentAt} was already received`,
        409,
      );
    }
    const entry: HostHeartbeat = {
      machineName: body.machineName,
      sentAt: new Date(sentAt).toISOString(),
      receivedAt: now.toISOString(),
      status,
      agentVersion: body.agentVersion,
      lastTraceLogAt: body.lastTraceLogAt,
      services: body.services.map((s) => ({ name: s.name, status: s.status, startType: s.startType })),
    };
    const book: HeartbeatBook = { hosts: { ...(found?.value.hosts ?? {}), [host]: entry } };
    try {
      await deps.state.write(key, book, found ? { ifMatch: found.etag } : { ifNoneMatch: '*' });
      break;
    } catch (error) {
      if (!(error instanceof StateConflictError) || attempt >= 4) throw error;
    }
  }

  const record = heartbeatRecord(deps.tenantId, host, {
    machineName: body.machineName,
    receivedAt: now.toISOString(),
    status,
    agentVersion: body.agentVersion,
    lastTraceLogAt: body.lastTraceLogAt,
    services: body.services.map((s) => ({ name: s.name, status: s.status, startType: s.startType })),
    sentAt: body.sentAt,
  });
  await deps.sink.write('CloudSyncAgent_CL', [record]);
  return { record };
}

/** A heartbeat as a CloudSyncAgent_CL row. Heartbeats have no Graph agent id: the host name stands in. */
export function heartbeatRecord(
  tenantId: string,
  host: string,
  entry: HostHeartbeat,
  runId = 'heartbeat',
): AgentRecord {
  return {
    TimeGenerated: entry.receivedAt,
    AADTenantId: tenantId,
    RunId: runId,
    AgentId: `heartbeat:${host}`,
    MachineName: entry.machineName,
    ExternalIp: null,
    Status: entry.status,
    AgentGroups: null,
    Source: 'heartbeat',
    LastSeenActive: entry.status === 'active' ? entry.receivedAt : null,
    AgentVersion: entry.agentVersion,
    ServiceStates: { services: entry.services, lastTraceLogAt: entry.lastTraceLogAt },
  };
}
