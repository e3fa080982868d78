import { userInfo } from 'node:os';
import { acknowledge } from '../alerts/ack.js';
import { systemClock } from '../clock.js';
import type { Settings } from '../config.js';
import type { Logger } from '../log.js';
import { createMonitorDependencies } from '../wiring.js';

/**
 * `cloudsync-monitor ack <alertId> [--until resolve|ISO] [--by NAME]`: silences an open alert from a
 * terminal, exactly as the signed link does (one `acknowledged` transition row).
 */
export async function ackCommand(
  settings: Settings,
  log: Logger,
  options: { alertId: string; until?: string; by?: string; print: (line: string) => void },
): Promise<number> {
  const now = systemClock.now();
  let until: 'resolve' | Date = 'resolve';
  if (options.until && options.until !== 'resolve') {
    const ms = Date.parse(options.until);
    if (Number.isNaN(ms) || ms <= now.getTime()) {
      options.print('--until takes "resolve" or a future ISO 8601 instant');
      return 2;
    }
    until = new Date(ms);
  }
  const deps = await createMonitorDependencies(settings, systemClock, log);
  const by = options.by ?? `cli:${userInfo().username}`;
  const { transition, row } = await acknowledge(deps.state, {
    tenantId: deps.tenantId,
    alertId: options.alertId,
    until,
    by,
    now,
  });
  await deps.sink.write('CloudSyncAlert_CL', [row]);
  options.print(
    `acknowledged ${transition.alert.kind} ${transition.alert.id}: ${transition.alert.summary} (silenced ${until === 'resolve' ? 'until it resolves' : `until ${until.toISOString()}`})`,
  );
  return 0;
}
