import { ALERT_BOOK_KEY, alertBook, type AlertBook } from '../alerts/book.js';
import { silencesAt, silenceView, type Silence } from '../alerts/silences.js';
import type { Clock } from '../clock.js';
import type { Settings } from '../config.js';
import { readMonitorStatus, type MonitorStatus } from '../health/monitorStatus.js';
import { staleAfterMs } from '../health/staleness.js';
import type { Logger } from '../log.js';
import { readValidated, type StateStore } from '../state/store.js';
import { assessHealth } from './health.js';
import { localTenants, openLocalState } from './localState.js';
import { ago, lastRunView, undecided, type OpenAlertView, type StatusReport } from './statusReport.js';

/**
 * `status` without --live: the health the last run left in the state store (its monitor status and
 * the alert book). No Graph call, so it needs neither credentials nor network. Evidence that is old,
 * or a run that could not read everything, is "unknown" rather than "ok": could not check is not clear.
 */
export async function localStatus(
  settings: Settings,
  clock: Clock,
  log: Logger,
  now: Date,
): Promise<StatusReport> {
  const { tenantId, state } = await openLocalState(settings, clock, log);
  const monitor = await readMonitorStatus(state, tenantId);
  if (!monitor) {
    const others = (await localTenants(settings)).filter((t) => t !== tenantId);
    return undecided(
      'local',
      now,
      `no local run yet for tenant ${tenantId} in ${settings.stateTable ? 'the state table' : settings.dataDir}` +
        `${others.length ? ` (it holds runs of ${others.join(', ')}: set TENANT_ID)` : ''}. ` +
        'Run `cloudsync-monitor run` (or `cloudsync-monitor demo`) first, or use --live to ask Graph now',
      tenantId,
    );
  }
  const book = await readBook(state, tenantId, log);
  const silences = await silencesAt(state, tenantId, settings.alerts.maintenanceWindows, now).catch(
    (error: unknown): Silence[] => {
      log.warn(`silences unreadable, not shown: ${String(error)}`);
      return [];
    },
  );
  const openAlerts = monitor.openAlerts.map((a) => withSilence(withAcknowledgement(a, book), silences));
  const verdict = assessHealth({
    now,
    jobs: [],
    agents: [],
    agentsReadable: false,
    couldNotRead: doubts(monitor, now, staleAfterMs(settings.collectSchedule)),
    openAlerts,
    policy: {
      stalledMs: settings.alerts.syncStalledMs,
      failingMinFailures: settings.alerts.jobFailingMinFailures,
    },
  });
  return {
    health: verdict.health,
    source: 'local',
    tenantId,
    checkedAt: now.toISOString(),
    findings: verdict.findings,
    openAlerts,
    lastRun: lastRunView(monitor),
  };
}

/** Why the last run's word is not the whole truth: it is old, or it could not read every signal. */
function doubts(monitor: MonitorStatus, now: Date, staleAfter: number): string[] {
  const out: string[] = [];
  const success = monitor.lastSuccessAt;
  if (!success) out.push('no run has fully succeeded yet');
  else if (now.getTime() - Date.parse(success) > staleAfter)
    out.push(`the last fully successful run was ${ago(success, now)} (${success}): health is as of then`);
  if (monitor.lastOutcome === 'failed') out.push(`the last run (${monitor.lastRunAt}) failed`);
  if (monitor.lastOutcome === 'partial')
    out.push(
      `the last run (${monitor.lastRunAt}) could not read every signal (see its CloudSyncMonitorRun_CL row)`,
    );
  return out;
}

async function readBook(state: StateStore, tenantId: string, log: Logger): Promise<AlertBook | undefined> {
  try {
    return (await readValidated(state, { tenantId, name: ALERT_BOOK_KEY }, alertBook))?.value;
  } catch (error) {
    // The acknowledgements are a detail here: health comes from the monitor status.
    log.warn(`alert book unreadable, acknowledgements not shown: ${String(error)}`);
    return undefined;
  }
}

/** A silenced alert says by whom, until when and why (the silence the last run found muting it). */
function withSilence(
  alert: OpenAlertView & { silencedBy?: string },
  silences: readonly Silence[],
): OpenAlertView {
  const silenced = silenceView(alert.silencedBy, silences);
  return silenced ? { ...alert, silenced } : alert;
}

function withAcknowledgement(
  alert: MonitorStatus['openAlerts'][number],
  book: AlertBook | undefined,
): OpenAlertView {
  const stored = book?.alerts.find((a) => a.id === alert.id);
  if (stored?.state !== 'acknowledged') return alert;
  return {
    ...alert,
    acknowledged: {
      by: stored.acknowledgedBy ?? 'someone',
      until: stored.silencedUntil ?? 'resolve',
    },
  };
}
