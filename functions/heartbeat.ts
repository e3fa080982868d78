import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { systemClock } from '../src/clock.js';
import { loadSettings } from '../src/config.js';
import { acceptHeartbeat } from '../src/app/heartbeat.js';
import { heartbeatBody } from '../src/heartbeat/heartbeatBody.js';
import { readJsonBody } from '../src/http/jsonBody.js';
import { loggerFor } from '../src/log.js';
import { createWebhookDependencies } from '../src/wiring.js';

/** Heartbeats are a few hundred bytes; anything much larger is not from our script. */
const MAX_BODY_BYTES = 8 * 1024;

/**
 * HTTP POST (function key): an agent host's heartbeat (agent-heartbeat/README.md). Becomes a
 * CloudSyncAgent_CL row and the host's entry in the heartbeat book the agent-offline rule reads.
 */
export async function heartbeat(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const settings = loadSettings();
  const log = loggerFor(context, settings.logLevel);
  const body = await readJsonBody(request, heartbeatBody, MAX_BODY_BYTES);
  if (!body.ok) {
    log.warn(`heartbeat rejected: ${body.message}`);
    return { status: body.status, jsonBody: { error: body.message } };
  }
  const outcome = await acceptHeartbeat(
    await createWebhookDependencies(settings, systemClock, log),
    body.value,
  );
  return outcome.accepted
    ? { status: 202, jsonBody: { accepted: true } }
    : { status: outcome.status, jsonBody: { error: outcome.error } };
}

app.http('heartbeat', { methods: ['POST'], authLevel: 'function', handler: heartbeat });
