import { collectOnce } from '../collect/collectRun.js';
import { offsetClock, systemClock } from '../clock.js';
import type { Settings } from '../config.js';
import type { Logger } from '../log.js';
import { createCollectDependencies } from '../wiring.js';
import { summariseRun } from './format.js';

/** `cloudsync-monitor run`: one collect run against the configured tenant. Exit 0 unless the run failed. */
export async function runCommand(
  settings: Settings,
  log: Logger,
  options: { now?: Date; print: (line: string) => void },
): Promise<number> {
  const clock = options.now ? offsetClock(options.now) : systemClock;
  const deps = await createCollectDependencies(settings, clock, log);
  const result = await collectOnce(deps, { trigger: 'cli' });
  for (const line of summariseRun(result)) options.print(line);
  if (!settings.logsIngestion) options.print(`  records: ${settings.dataDir}/tables/<Table>.ndjson`);
  return result.outcome === 'failed' ? 1 : 0;
}
