import { routeAzureMonitorAlert, AlertReplayed } from '../azureMonitor/routeAzureMonitorAlert.js';
import type { Clock } from '../clock.js';
import type { CommonAlert } from '../domain/commonAlert.js';
import type { Logger } from '../log.js';
import type { NotifyDependencies } from '../notify/dispatch.js';
import type { RecordSink } from '../sinks/sink.js';
import type { StateStore } from '../state/store.js';
import { finishDispatch } from './dispatchRecord.js';
import type { TenantRegistry } from './registry.js';
import { parseTenantMessage } from './tenantMessage.js';
import type { TenantEntry } from './tenantEntry.js';

/**
 * A message the Functions host gave up on (it failed maxDequeueCount times and was moved to
 * `<queue>-poison`): the tenant was not monitored this interval, and will not be until whatever fails
 * (consent withdrawn, app secret expired, Graph refusing) is fixed. That is told through the alert
 * channels as the monitor's own alert (one CloudSyncAlert_CL row, kind monitor-degraded, and one
 * message), the same path as Azure Monitor alerts; the tenant's dispatch is closed so the next
 * interval enqueues it again. A redelivered poison message alerts once (the seen-book).
 */
export interface PoisonDependencies {
  readonly registry: TenantRegistry;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly log: Logger;
  /**
   * The alert row's sink and the channels for this tenant (undefined: a message naming no tenant), given
   * its registry entry as already read (undefined: not registered, or unreadable).
   */
  readonly alertTargets: (
    tenantId: string | undefined,
    entry: TenantEntry | undefined,
  ) => Promise<{
    readonly tenantId: string;
    readonly sink: RecordSink;
    readonly notify: NotifyDependencies;
  }>;
}

export interface PoisonedMessage {
  readonly messageId: string;
  readonly text: string;
  /** How often the host tried it before giving up: maxDequeueCount (the poison copy's own count starts again). */
  readonly attempts: number;
  readonly insertedOn?: Date | undefined;
  readonly queueName: string;
}

export async function handlePoisonedMessage(
  deps: PoisonDependencies,
  poisoned: PoisonedMessage,
): Promise<{ alerted: boolean; tenantId: string | undefined }> {
  const parsed = parseTenantMessage(poisoned.text);
  const tenantId = 'error' in parsed ? undefined : parsed.tenantId;
  const entry = tenantId ? await deps.registry.get(tenantId).catch(() => undefined) : undefined;
  const now = deps.clock.now();
  const who = entry ? `${entry.displayName} (${entry.tenantId})` : (tenantId ?? 'an unreadable message');
  const alert: CommonAlert = {
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        alertId: `fleet-poison/${poisoned.queueName}/${poisoned.messageId}`,
        alertRule: `Fleet: monitor run of ${who} failed ${poisoned.attempts} times`,
        severity: 'Sev2',
        signalType: 'Log',
        monitorCondition: 'Fired',
        monitoringService: 'Cloud Sync Monitor fleet',
        // Stable across redeliveries of the poison message, so the seen-book tells it once.
        firedDateTime: 'error' in parsed ? (poisoned.insertedOn ?? now).toISOString() : parsed.enqueuedAt,
        description: [
          `The queued monitor run of ${who} failed on every attempt and was moved to ${poisoned.queueName}.`,
          'This tenant is not being monitored until the cause is fixed. Look at the run rows',
          '(CloudSyncMonitorRun_CL, Outcome failed) for the error; check admin consent and the app credential',
          'with `cloudsync-monitor tenants test`. The next interval enqueues the tenant again.',
          'error' in parsed ? `The message itself could not be read: ${parsed.error}.` : '',
        ]
          .filter(Boolean)
          .join(' '),
      },
    },
  };
  const targets = await deps.alertTargets(tenantId, entry);
  let alerted = true;
  try {
    await routeAzureMonitorAlert({ ...targets, state: deps.state, clock: deps.clock, log: deps.log }, alert);
  } catch (error) {
    if (!(error instanceof AlertReplayed)) throw error;
    alerted = false;
  }
  if (!('error' in parsed)) {
    await finishDispatch(deps.state, parsed.tenantId, parsed.slot, now, 'poisoned');
  }
  deps.log.error(`fleet: poisoned message ${poisoned.messageId} for ${who}`);
  return { alerted, tenantId };
}
