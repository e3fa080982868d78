import { userInfo } from 'node:os';
import { acknowledgeAlert } from '../app/ack.js';
import { isSilenced, silencedText } from '../alerts/ack.js';
import { ALERT_BOOK_KEY, activeAlerts, alertBook } from '../alerts/book.js';
import type { Alert } from '../domain/alertModel.js';
import { systemClock } from '../clock.js';
import type { Settings } from '../config.js';
import type { Logger } from '../log.js';
import { readValidated } from '../state/store.js';
import { openLocalState } from './localState.js';

/**
 * `cloudsync-monitor ack <alertId> [--until resolve|ISO] [--by NAME]`: silences an open alert from a
 * terminal, exactly as the signed link does (one `acknowledged` transition row). A second ack of an
 * alert that is still silenced changes nothing. Only the state store and sink are touched: no Graph.
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
  const local = await openLocalState(settings, systemClock, log, { orAskGraph: true });
  const by = options.by ?? `cli:${userInfo().username}`;
  const outcome = await acknowledgeAlert(local, { alertId: options.alertId, until, by, now });
  if (!outcome.acknowledged) {
    options.print(outcome.message);
    return 0;
  }
  const { alert } = outcome.transition;
  options.print(
    `acknowledged ${alert.kind} ${alert.id}: ${alert.summary} (silenced ${silencedText(alert.silencedUntil)})`,
  );
  return 0;
}

/** `cloudsync-monitor ack --list`: the open alerts, acknowledged ones first, with who and until when. */
export async function ackListCommand(
  settings: Settings,
  log: Logger,
  options: { print: (line: string) => void },
): Promise<number> {
  const now = systemClock.now();
  const local = await openLocalState(settings, systemClock, log, { orAskGraph: true });
  const book = await readValidated(
    local.state,
    { tenantId: local.tenantId, name: ALERT_BOOK_KEY },
    alertBook,
  );
  const open = book ? activeAlerts(book.value) : [];
  const silenced = open.filter((a) => isSilenced(a, now));
  const notSilenced = open.filter((a) => !isSilenced(a, now));
  const print = options.print;
  print(
    `tenant ${local.tenantId}: ${open.length} open alert${open.length === 1 ? '' : 's'}, ${silenced.length} acknowledged`,
  );
  if (silenced.length > 0) print('acknowledged (silenced):');
  for (const a of silenced)
    print(`  ${a.id}  ${line(a)}  by ${a.acknowledgedBy ?? 'someone'} ${silencedText(a.silencedUntil)}`);
  if (notSilenced.length > 0) print('open, not acknowledged (cloudsync-monitor ack ALERT_ID):');
  for (const a of notSilenced) print(`  ${a.id}  ${line(a)}  since ${a.since}`);
  return 0;
}

function line(a: Alert): string {
  return `[${a.severity}] ${a.kind}: ${a.summary}`;
}
