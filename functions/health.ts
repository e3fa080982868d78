import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { systemClock } from '../src/clock.js';
import { loadSettings } from '../src/config.js';
import { healthReport } from '../src/health/healthReport.js';
import { loggerFor } from '../src/log.js';
import { createWebhookDependencies } from '../src/wiring.js';

/**
 * HTTP GET (function key): the monitor's own status: last run, last success, open alerts, the jobs as
 * its last run saw them. 200 while runs succeed, 503 when no run succeeded recently, for uptime probes.
 */
export async function health(_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const settings = loadSettings();
  const deps = await createWebhookDependencies(settings, systemClock, loggerFor(context, settings.logLevel));
  const report = await healthReport({
    state: deps.state,
    tenantId: deps.tenantId,
    now: systemClock.now(),
    collectSchedule: settings.collectSchedule,
  });
  return {
    status: report.httpStatus,
    // warnings: what the settings leave off (e.g. email without recipients), also in every run row.
    jsonBody: { ...report.body, warnings: settings.notify.warnings },
    headers: { 'cache-control': 'no-store' },
  };
}

app.http('health', { methods: ['GET'], authLevel: 'function', handler: health });
