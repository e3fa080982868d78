import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { systemClock } from '../src/clock.js';
import { loadSettings } from '../src/config.js';
import { healthVerdict, readMonitorStatus } from '../src/health/monitorStatus.js';
import { loggerFor } from '../src/log.js';
import { createWebhookDependencies } from '../src/wiring.js';

/**
 * HTTP GET (function key): the monitor's own status: last run, last success, open alerts.
 * 200 while runs succeed, 503 when no run succeeded recently, for uptime probes.
 */
export async function health(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const settings = loadSettings();
  const deps = await createWebhookDependencies(settings, systemClock, loggerFor(context, settings.logLevel));
  const status = await readMonitorStatus(deps.state, deps.tenantId);
  const verdict = healthVerdict(status, systemClock.now());
  return {
    status: verdict === 'ok' || verdict === 'degraded' ? 200 : 503,
    // warnings: what the settings leave off (e.g. email without recipients), also in every run row.
    jsonBody: { tenantId: deps.tenantId, verdict, warnings: settings.notify.warnings, ...(status ?? {}) },
    headers: { 'cache-control': 'no-store' },
  };
}

app.http('health', { methods: ['GET'], authLevel: 'function', handler: health });
