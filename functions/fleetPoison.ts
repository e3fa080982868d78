import { app, type InvocationContext } from '@azure/functions';
import { systemClock } from '../src/clock.js';
import { fleetModeEnabled, loadSettings } from '../src/config.js';
import { loggerFor } from '../src/log.js';
import { messageText } from './fleetRun.js';

/**
 * Queue trigger on `<queue>-poison` (fleet mode): a tenant's run failed on every attempt; alert through
 * the channels (and close its dispatch so the next interval tries it again).
 */
export async function fleetPoison(message: unknown, context: InvocationContext): Promise<void> {
  const [{ handlePoisonedMessage }, wiring, { poisonQueueName }] = await Promise.all([
    import('../src/fleet/poison.js'),
    import('../src/fleet/fleetWiring.js'),
    import('../src/fleet/settings.js'),
  ]);
  const settings = loadSettings();
  const log = loggerFor(context, settings.logLevel);
  const adapters = wiring.createFleetAdapters(settings, systemClock, log);
  const meta = context.triggerMetadata ?? {};
  await handlePoisonedMessage(wiring.poisonDependencies(adapters), {
    messageId: typeof meta.id === 'string' ? meta.id : context.invocationId,
    text: messageText(message),
    attempts: settings.fleet.maxDequeueCount,
    ...(typeof meta.insertionTime === 'string' ? { insertedOn: new Date(meta.insertionTime) } : {}),
    queueName: poisonQueueName(settings.fleet.queueName),
  });
}

if (fleetModeEnabled()) {
  app.storageQueue('fleetPoison', {
    queueName: '%FLEET_QUEUE_NAME%-poison',
    connection: 'FLEET_QUEUE',
    handler: fleetPoison,
  });
}
