import { systemClock } from '../clock.js';
import type { Settings } from '../config.js';
import type { Logger } from '../log.js';
import { explainFailure } from './failure.js';
import { describeJob } from './format.js';
import { EXIT_CODE } from './health.js';
import { liveStatus } from './liveStatus.js';
import { localStatus } from './localStatus.js';
import { NoLocalTenantError } from './localState.js';
import { statusLines, undecided, type StatusReport } from './statusReport.js';

/**
 * `cloudsync-monitor status [--json] [--live]`: the health from the last local run, or from Graph now
 * with --live. Never throws: whatever goes wrong (settings, credentials, network, no run yet) becomes
 * "unknown" with the reason, so a Nagios check always gets an exit code and, with --json, one document.
 * Exit 0 ok, 1 warning, 2 critical, 3 unknown.
 */
export async function statusCommand(options: {
  json: boolean;
  live: boolean;
  now?: Date;
  settings: () => Settings;
  logger: (settings: Settings) => Logger;
  print: (line: string) => void;
}): Promise<number> {
  const now = options.now ?? systemClock.now();
  const source = options.live ? 'live' : 'local';
  let report: StatusReport;
  try {
    const settings = options.settings();
    const log = options.logger(settings);
    report = options.live
      ? await liveStatus(settings, systemClock, log, now)
      : await localStatus(settings, systemClock, log, now);
  } catch (error) {
    const reason =
      error instanceof NoLocalTenantError
        ? `${error.message}${error.noLocalRun ? ', or use --live to ask Graph now' : ''}`
        : explainFailure(error).message;
    report = undecided(source, now, reason);
  }
  printStatus(report, options.json, options.print);
  return EXIT_CODE[report.health];
}

export function printStatus(report: StatusReport, json: boolean, print: (line: string) => void): void {
  if (json) {
    print(JSON.stringify(report));
    return;
  }
  for (const line of statusLines(report)) print(line);
  for (const job of report.jobs ?? [])
    print(`  job ${job.ConfigurationName}/${job.TemplateId}: ${describeJob(job)}`);
  if (report.source !== 'live' || report.reason) return;
  if (report.agentsApi === 'available') {
    for (const a of report.agents ?? [])
      print(`  agent ${a.MachineName ?? a.AgentId}: ${a.Status ?? 'unknown'}`);
  } else {
    print(
      `  agents: ${report.agentsApi === 'unavailable' ? 'agent API unavailable in app-only mode' : `not read (${report.agentsApi ?? 'unknown'})`}`,
    );
  }
}
