import { app, type InvocationContext, type Timer } from '@azure/functions';
import { systemClock } from '../src/clock.js';
import { loadSettings } from '../src/config.js';
import { loggerFor } from '../src/log.js';

/**
 * Timer (fleet mode): the fleet digest for the MSP at DIGEST_SCHEDULE: every tenant's worst problem of
 * the day in one message, worst first. Off (single tenant), it does nothing.
 */
export async function fleetDigest(_timer: Timer, context: InvocationContext): Promise<void> {
  const settings = loadSettings();
  if (!settings.fleet.enabled) return;
  const [{ sendFleetDigest }, wiring, { notifyDependencies }] = await Promise.all([
    import('../src/fleet/sendFleetDigest.js'),
    import('../src/fleet/fleetWiring.js'),
    import('../src/wiring.js'),
  ]);
  const log = loggerFor(context, settings.logLevel);
  const adapters = wiring.createFleetAdapters(settings, systemClock, log);
  const base = { state: adapters.state, clock: systemClock, log };
  const { model } = await sendFleetDigest({
    registry: adapters.registry,
    state: adapters.state,
    now: systemClock.now(),
    settings,
    notify: notifyDependencies(
      settings,
      base,
      adapters.credential ? { credential: adapters.credential } : {},
    ),
  });
  log.info(`fleet digest ${model.date}: ${model.rows.length} tenants`);
}

app.timer('fleetDigest', { schedule: '%DIGEST_SCHEDULE%', runOnStartup: false, handler: fleetDigest });
