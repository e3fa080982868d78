import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { acceptAzureMonitorAlert } from '../src/app/azureMonitorAlert.js';
import { commonAlert } from '../src/azureMonitor/commonAlertSchema.js';
import { systemClock } from '../src/clock.js';
import { loadSettings } from '../src/config.js';
import { readJsonBody } from '../src/http/jsonBody.js';
import { loggerFor } from '../src/log.js';
import { createWebhookDependencies, notifyDependencies } from '../src/wiring.js';

/** Common-schema payloads are a few KB; Azure Monitor caps webhook bodies well below this. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * HTTP POST (function key): Azure Monitor alerts in the common alert schema, such as the monitor's own
 * "no successful run" rule, routed through the same email and Teams channels as our alerts.
 */
export async function azureMonitorAlert(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const settings = loadSettings();
  const log = loggerFor(context, settings.logLevel);
  const body = await readJsonBody(request, commonAlert, MAX_BODY_BYTES);
  if (!body.ok) {
    log.warn(`Azure Monitor alert rejected: ${body.message}`);
    return { status: body.status, jsonBody: { error: body.message } };
  }
  const deps = await createWebhookDependencies(settings, systemClock, log);
  const outcome = await acceptAzureMonitorAlert(
    { ...deps, notify: notifyDependencies(settings, deps) },
    body.value,
  );
  return outcome.accepted
    ? { status: 202, jsonBody: { accepted: true, messageId: outcome.messageId } }
    : { status: outcome.status, jsonBody: { error: outcome.error } };
}

app.http('azureMonitorAlert', { methods: ['POST'], authLevel: 'function', handler: azureMonitorAlert });
