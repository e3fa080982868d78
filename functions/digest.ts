import { app, type InvocationContext, type Timer } from '@azure/functions';
import { systemClock } from '../src/clock.js';
import { loadSettings } from '../src/config.js';
import { loggerFor } from '../src/log.js';

/**
 * Timer: the daily sync-health digest to email and Teams, at DIGEST_SCHEDULE (UTC; Flex Consumption
 * timers are UTC only). Sent once per day even if the timer fires twice.
 */
export async function digest(timer: Timer, context: InvocationContext): Promise<void> {
  // Loaded with the first digest, not with the worker (see functions/collect.ts).
  const [{ sendDailyDigest }, { createMonitorDependencies }] = await Promise.all([
    import('../src/app/digest.js'),
    import('../src/wiring.js'),
  ]);
  const settings = loadSettings();
  const log = loggerFor(context, settings.logLevel);
  if (timer.isPastDue)
    log.warn('digest is running late (isPastDue): it still covers the 24 hours before now');
  const deps = await createMonitorDependencies(settings, systemClock, log);
  const sent = await sendDailyDigest({ ...deps, now: systemClock.now(), settings });
  log.info(
    sent.report
      ? `digest ${sent.digest.message.id} sent: ${sent.report.channels.map((c) => `${c.channel} ${c.outcome}`).join(', ')}`
      : `digest ${sent.digest.message.id} was already sent at ${sent.digest.sentAt ?? '?'}`,
  );
}

app.timer('digest', { schedule: '%DIGEST_SCHEDULE%', runOnStartup: false, handler: digest });
