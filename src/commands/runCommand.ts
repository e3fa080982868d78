import { runMonitor } from '../app/monitorRun.js';
import { offsetClock, systemClock } from '../clock.js';
import type { Settings } from '../config.js';
import type { Logger } from '../log.js';
import { createMonitorDependencies } from '../wiring.js';
import { summariseRun } from './format.js';

/**
 * `cloudsync-monitor run`: one monitor run against the configured tenant (collect, alerts, notify).
 * Exit 0 unless the run failed.
 */
export async function runCommand(
  settings: Settings,
  log: Logger,
  options: { now?: Date; print: (line: string) => void },
): Promise<number> {
  const clock = options.now ? offsetClock(options.now) : systemClock;
  const deps = await createMonitorDependencies(settings, clock, log);
  const { collect: result, transitions, delivery } = await runMonitor(deps, { trigger: 'cli' });
  for (const line of summariseRun(result)) options.print(line);
  for (const t of transitions)
    options.print(`  alert ${t.transition}: [${t.alert.severity}] ${t.alert.kind}: ${t.alert.summary}`);
  for (const [messageId, reports] of delivery?.reports ?? []) {
    const channels = reports.map((c) => `${c.channel} ${c.outcome} (${c.transport})`).join(', ');
    options.print(`  notified ${messageId}: ${channels}`);
  }
  if (!settings.logsIngestion) options.print(`  records: ${settings.dataDir}/tables/<Table>.ndjson`);
  return result.outcome === 'failed' ? 1 : 0;
}
