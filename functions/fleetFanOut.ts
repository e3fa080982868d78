import { app, type InvocationContext, type Timer } from '@azure/functions';
import { systemClock } from '../src/clock.js';
import { loadSettings } from '../src/config.js';
import { loggerFor } from '../src/log.js';

/**
 * Timer (fleet mode, FLEET_MODE=on): one message per due tenant of the registry on the work queue, on
 * the collect schedule; fleetRun runs each. Off (the default), it does nothing: `collect` runs the one
 * configured tenant.
 */
export async function fleetFanOut(timer: Timer, context: InvocationContext): Promise<void> {
  const settings = loadSettings();
  if (!settings.fleet.enabled) return;
  const [{ fanOut }, wiring, { expectedRunIntervalMs }] = await Promise.all([
    import('../src/fleet/fanOut.js'),
    import('../src/fleet/fleetWiring.js'),
    import('../src/digest/collectInterval.js'),
  ]);
  const log = loggerFor(context, settings.logLevel);
  if (timer.isPastDue) log.warn('fleet fan-out is running late (isPastDue)');
  const adapters = wiring.createFleetAdapters(settings, systemClock, log);
  const { work } = wiring.fleetQueues(adapters);
  const result = await fanOut(wiring.fanOutDependencies(adapters, work), {
    intervalMs: expectedRunIntervalMs(settings.collectSchedule),
  });
  log.info(
    `fleet: ${result.enqueued.length} tenants enqueued, ${result.skipped.length} still running or queued, ${result.failed.length} failed`,
  );
  if (result.failed.length > 0 && result.enqueued.length === 0) {
    throw new Error(`fleet fan-out enqueued nothing: ${result.failed[0]?.error ?? ''}`);
  }
}

app.timer('fleetFanOut', { schedule: '%COLLECT_SCHEDULE%', runOnStartup: false, handler: fleetFanOut });
