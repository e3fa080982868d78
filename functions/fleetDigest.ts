import { app, type InvocationContext, type Timer } from '@azure/functions';
import { systemClock } from '../src/clock.js';
import { loadSettings } from '../src/config.js';
import { loggerFor } from '../src/log.js';

/**
 * Timer (fleet mode) at DIGEST_SCHEDULE: each tenant's own daily digest to that tenant's receivers (its
 * routes), then the fleet digest for the MSP: every tenant's worst problem of the day in one message,
 * worst first. A tenant whose digest failed twice is named and fails the invocation (after the others
 * and the fleet digest went out). Off (single tenant), it does nothing: `digest` sends the one digest.
 */
export async function fleetDigest(_timer: Timer, context: InvocationContext): Promise<void> {
  const settings = loadSettings();
  if (!settings.fleet.enabled) return;
  const [{ sendFleetDigests }, wiring] = await Promise.all([
    import('../src/fleet/sendFleetDigest.js'),
    import('../src/fleet/fleetWiring.js'),
  ]);
  const log = loggerFor(context, settings.logLevel);
  const adapters = wiring.createFleetAdapters(settings, systemClock, log);
  const { model, tenants } = await sendFleetDigests(wiring.fleetDigestsDependencies(adapters));
  const count = (outcome: string) => tenants.filter((t) => t.outcome === outcome).length;
  log.info(
    `fleet digest ${model.date}: ${model.rows.length} tenants; tenant digests ${count('sent')} sent, ${count('already-sent')} already sent, ${count('failed')} failed`,
  );
  const failed = tenants.filter((t) => t.outcome === 'failed');
  if (failed.length > 0) {
    throw new Error(
      `fleet digest: the digest of ${failed.map((t) => `${t.displayName} (${t.tenantId})`).join(', ')} could not be built or sent: ${failed[0]?.error ?? ''}`,
    );
  }
}

app.timer('fleetDigest', { schedule: '%DIGEST_SCHEDULE%', runOnStartup: false, handler: fleetDigest });
