import { app, type InvocationContext } from '@azure/functions';
import { systemClock } from '../src/clock.js';
import { fleetModeEnabled, loadSettings } from '../src/config.js';
import { loggerFor } from '../src/log.js';
import type { FleetAdapterOptions } from '../src/fleet/fleetWiring.js';

/**
 * Queue trigger (fleet mode): one tenant's monitor run per message of the work queue. A failed run
 * throws, so the host retries it and, after FLEET_MAX_DEQUEUE_COUNT attempts (host.json
 * queues.maxDequeueCount, kept equal), moves it to `<queue>-poison`, which fleetPoison alerts on.
 * `options` are the adapters' seams (tests give each demo tenant its token, as the bench does).
 */
export function fleetRunHandler(
  options: FleetAdapterOptions = {},
): (message: unknown, context: InvocationContext) => Promise<void> {
  return async (message, context) => {
    const [{ runTenantMessage }, wiring] = await Promise.all([
      import('../src/fleet/tenantRun.js'),
      import('../src/fleet/fleetWiring.js'),
    ]);
    const settings = loadSettings();
    const log = loggerFor(context, settings.logLevel);
    const adapters = wiring.createFleetAdapters(settings, systemClock, log, options);
    const outcome = await runTenantMessage(wiring.tenantRunDependencies(adapters), messageText(message));
    log.info(`fleet: tenant ${outcome.tenantId}: ${outcome.kind}`, {
      dequeueCount: context.triggerMetadata?.dequeueCount,
    });
  };
}

/** The registered handler: each tenant signs in with its registry entry's credential. */
export const fleetRun = fleetRunHandler();

/** The Node worker hands a JSON message over parsed; the core takes the text. */
export function messageText(message: unknown): string {
  return typeof message === 'string' ? message : JSON.stringify(message);
}

// Registered only in fleet mode: the trigger needs the FLEET_QUEUE connection to exist.
if (fleetModeEnabled()) {
  app.storageQueue('fleetRun', {
    queueName: '%FLEET_QUEUE_NAME%',
    connection: 'FLEET_QUEUE',
    handler: fleetRun,
  });
}
