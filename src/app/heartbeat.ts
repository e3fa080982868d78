import type { HeartbeatBody } from '../heartbeat/heartbeatBody.js';
import { HeartbeatRejected, recordHeartbeat } from '../heartbeat/recordHeartbeat.js';
import type { AgentRecord } from '../tables/definitions.js';
import type { WebhookDependencies } from './webhook.js';

export type HeartbeatOutcome =
  | { readonly accepted: true; readonly record: AgentRecord }
  /** 400: another tenant's; 409: stale, replayed or from a host with a wrong clock. Nothing was stored. */
  | { readonly accepted: false; readonly status: 400 | 409; readonly error: string };

/**
 * The heartbeat use case (functions/heartbeat.ts): an agent host's heartbeat, already validated, becomes
 * a CloudSyncAgent_CL row and the host's entry in the heartbeat book, or is turned away with the reason.
 * A sink or state store failure throws: the caller answers 500 and the host's next post is taken.
 */
export async function acceptHeartbeat(
  deps: WebhookDependencies,
  body: HeartbeatBody,
): Promise<HeartbeatOutcome> {
  try {
    const { record } = await recordHeartbeat(deps, body);
    return { accepted: true, record };
  } catch (error) {
    if (!(error instanceof HeartbeatRejected)) throw error;
    deps.log.warn(`heartbeat of ${body.machineName} rejected: ${error.message}`);
    return { accepted: false, status: error.status, error: error.message };
  }
}
