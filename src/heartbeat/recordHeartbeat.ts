import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { RecordSink } from '../sinks/sink.js';
import type { StateStore } from '../state/store.js';
import { readStoredState } from '../state/storedState.js';
import { updateState } from '../state/update.js';
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
 *
 * The row goes to the sink first and the book, which is also what recognises a replay, is written
 * last: when either fails the caller answers 500 and the host's next post is taken, not rejected as
 * already received. (A failure of the book write after the row was written means that post's row is
 * written again on the retry: at least once, never lost.) A damaged book is set aside, logged, and
 * started afresh, so it cannot make every later heartbeat fail.
 */
export async function recordHeartbeat(
  deps: { sink: RecordSink; state: StateStore; clock: Clock; tenantId: string; log: Logger },
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
  const entry: HostHeartbeat = {
    machineName: body.machineName,
    sentAt: new Date(sentAt).toISOString(),
    receivedAt: now.toISOString(),
    status: heartbeatStatus(body),
    agentVersion: body.agentVersion,
    lastTraceLogAt: body.lastTraceLogAt,
    services: body.services.map((s) => ({ name: s.name, status: s.status, startType: s.startType })),
  };
  const replayOf = (book: HeartbeatBook | undefined): HeartbeatRejected | undefined => {
    const previous = book?.hosts[host];
    if (!previous || Date.parse(previous.sentAt) < sentAt) return undefined;
    return new HeartbeatRejected(
      `heartbeat of ${body.machineName} sent at ${body.sentAt} was already received`,
      409,
    );
  };

  // Reject a replay before writing its row; a damaged book is dealt with by the update below.
  const before = await readStoredState(deps.state, key, heartbeatBook);
  if (before.kind === 'unavailable') throw before.error;
  const replay = replayOf(before.kind === 'found' ? before.value : undefined);
  if (replay) throw replay;

  const record = heartbeatRecord(deps.tenantId, host, entry);
  await deps.sink.write('CloudSyncAgent_CL', [record]);

  const corrupt = await updateState(
    deps.state,
    key,
    heartbeatBook,
    (book, { corrupt }) => {
      // A concurrent post of the same heartbeat got in first: its row is written, nothing more to do.
      if (replayOf(book)) return { result: corrupt };
      return { value: { hosts: { ...(book?.hosts ?? {}), [host]: entry } }, result: corrupt };
    },
    { now },
  );
  if (corrupt)
    deps.log.warn(`heartbeat book: ${corrupt.message}`, { code: 'CorruptState', copy: corrupt.copy });
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
