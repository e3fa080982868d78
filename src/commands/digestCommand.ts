import { sendDailyDigest } from '../app/digest.js';
import { offsetClock, systemClock } from '../clock.js';
import type { Settings } from '../config.js';
import type { Logger } from '../log.js';
import { notifyDependencies } from '../wiring.js';
import { openLocalState } from './localState.js';

/**
 * `cloudsync-monitor digest [--now ISO]`: builds the sync-health digest of the 24 hours before now
 * from what the runs recorded and sends it (to the outbox when no channel is configured), once a day.
 * It reads the rollups in the state store, never Graph, so it needs no Graph credentials.
 */
export async function digestCommand(
  settings: Settings,
  log: Logger,
  options: { now?: Date; print: (line: string) => void },
): Promise<number> {
  const clock = options.now ? offsetClock(options.now) : systemClock;
  const { tenantId, state } = await openLocalState(settings, clock, log, { orAskGraph: true });
  const notify = notifyDependencies(settings, { state, clock, log });
  const sent = await sendDailyDigest({ tenantId, state, notify, now: clock.now(), settings });
  const { model, message } = sent.digest;
  options.print(message.email.subject);
  options.print(`  window: ${model.windowStart} to ${model.windowEnd}; verdict ${model.verdict.level}`);
  options.print(`  html: ${sent.htmlPath}`);
  if (!sent.report) {
    options.print(`  already sent at ${sent.digest.sentAt ?? 'an earlier run'}: not sent again`);
  } else {
    for (const c of sent.report.channels) options.print(`  ${c.channel}: ${c.outcome} (${c.transport})`);
  }
  return 0;
}
