import { ackLink } from './alerts/ackToken.js';
import { AlertBookConflictError, runAlerting, type AlertingResult } from './alerts/alerting.js';
import type { Transition } from './domain/alertModel.js';
import {
  collectSignals,
  finishRun,
  underRunLease,
  type CollectDependencies,
  type CollectResult,
} from './collect/collectRun.js';
import { issueFrom, type RunIssue } from './collect/runErrors.js';
import { recordRun } from './digest/rollup.js';
import { ProvisioningTally } from './digest/tally.js';
import { readHeartbeatRecords } from './heartbeat/heartbeatRecords.js';
import { readMonitorStatus, writeMonitorStatus } from './health/monitorStatus.js';
import { dispatch, retryPending, type DispatchReport, type NotifyDependencies } from './notify/dispatch.js';
import type { OutboundMessage } from './notify/message.js';
import { renderAlertMessage } from './render/alertMessage.js';
import type { ProvisioningRecord } from './tables/definitions.js';
import { buildObservations, ObjectStatusTracker, provisioningReadFully } from './rules/index.js';

export interface MonitorDependencies extends CollectDependencies {
  readonly notify: NotifyDependencies;
}

export interface MonitorResult {
  readonly collect: CollectResult;
  /** Every alert transition of this run, most severe first (recordOnly ones included). */
  readonly transitions: readonly Transition[];
  readonly alerting: AlertingResult | undefined;
  /** The run's alert notification, when it had transitions to tell. */
  readonly notification: { readonly message: OutboundMessage; readonly report: DispatchReport } | undefined;
}

/**
 * One run of the monitor (design section 6, `collect`): under the tenant's run lease, deliver what
 * earlier runs could not, collect every signal, evaluate the rules and advance the alert lifecycle,
 * send one notification per channel with every transition, roll the run up for the daily digest,
 * and write the run's own row and status. Each step after collection reports trouble as a run issue
 * instead of failing the run: collected data is never lost because a notification failed.
 */
export async function runMonitor(
  deps: MonitorDependencies,
  options: { trigger: string; onProvisioningWritten?: (records: readonly ProvisioningRecord[]) => void },
): Promise<MonitorResult> {
  const { state, tenantId, clock, settings, log } = deps;
  return underRunLease(deps, options.trigger, async (run) => {
    const issues: RunIssue[] = [];
    const attempt = async <T>(signal: RunIssue['signal'], step: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await step();
      } catch (error) {
        issues.push(issueFrom(signal, error));
        return undefined;
      }
    };

    const retried = await attempt('notify', () => retryPending(deps.notify));
    for (const failed of retried?.results.filter((r) => r.outcome === 'pending' || r.outcome === 'failed') ??
      []) {
      issues.push({
        signal: 'notify',
        severity: 'warning',
        code: 'DeliveryPending',
        message: describeDelivery(failed),
      });
    }

    const tracker = await ObjectStatusTracker.load(state, tenantId, settings.alerts.syncErrors, clock.now());
    const tally = new ProvisioningTally();
    const collected = await collectSignals(deps, run, (rows) => {
      tracker.record(rows);
      tally.add(rows);
      options.onProvisioningWritten?.(rows);
    });
    const trackerIssues = await tracker.save(state, {
      now: clock.now(),
      provisioningRead: provisioningReadFully(collected),
    });
    const heartbeats = await attempt('agents', () => readHeartbeatRecords(state, tenantId));

    let alerting: AlertingResult | undefined;
    try {
      alerting = await runAlerting(
        { state, sink: deps.sink, clock, tenantId, settings: settings.alerts, channels: ['email', 'teams'] },
        buildObservations({
          collect: collected,
          objectStatus: tracker.snapshot(),
          ...(heartbeats ? { heartbeats } : {}),
          extraIssues: [...trackerIssues, ...issues],
        }),
      );
      issues.push(...alerting.issues);
    } catch (error) {
      // A conflict means another run committed (and notifies) these transitions; this one stays quiet.
      issues.push({
        ...issueFrom('alerts', error),
        severity: error instanceof AlertBookConflictError ? 'warning' : 'error',
      });
    }
    issues.push(...trackerIssues);

    const transitions = alerting?.transitions ?? [];
    const toSend = transitions.filter((t) => !t.recordOnly);
    let notification: MonitorResult['notification'];
    if (toSend.length > 0) {
      const now = clock.now();
      const message: OutboundMessage = {
        id: `alerts-${tenantId}-${run.runId}`,
        tenantId,
        kind: 'alerts',
        createdAt: run.startedAt.toISOString(),
        ...renderAlertMessage({
          tenantId,
          generatedAt: run.startedAt,
          transitions: toSend,
          ackUrlFor: (alert) => ackLink(settings.alerts.ack, { tenantId, alertId: alert.id }, now),
        }),
      };
      const report = await attempt('notify', () => dispatch(message, deps.notify));
      if (report) {
        notification = { message, report };
        for (const channel of report.channels.filter(
          (c) => c.outcome === 'pending' || c.outcome === 'failed',
        )) {
          issues.push({
            signal: 'notify',
            severity: 'warning',
            code: 'DeliveryPending',
            message: describeDelivery(channel),
          });
        }
      }
    }

    await attempt('state', () =>
      recordRun(state, tenantId, { result: collected, provisioning: tally, transitions }),
    );
    const finished = await finishRun(deps, collected, issues);
    const previous = await readMonitorStatus(state, tenantId).catch(() => undefined);
    await attempt('state', () =>
      writeMonitorStatus(state, tenantId, {
        lastRunId: finished.runId,
        lastRunAt: finished.startedAt.toISOString(),
        lastOutcome: finished.outcome,
        lastSuccessAt:
          finished.outcome === 'success'
            ? finished.startedAt.toISOString()
            : (previous?.lastSuccessAt ?? null),
        openAlerts: (alerting?.active ?? []).map((a) => ({
          id: a.id,
          kind: a.kind,
          severity: a.severity,
          summary: a.summary,
          since: a.since,
        })),
      }),
    );
    log.debug('monitor run done', { runId: run.runId, transitions: transitions.length });
    return { collect: finished, transitions, alerting, notification };
  });
}

function describeDelivery(report: {
  channel: string;
  outcome: string;
  messageId: string;
  error?: string;
}): string {
  return `${report.channel} delivery of ${report.messageId}: ${report.outcome}${report.error ? ` (${report.error})` : ''}`;
}
