import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { dispatch, type NotifyDependencies } from '../notify/dispatch.js';
import type { OutboundMessage } from '../notify/message.js';
import { renderAzureMonitorAlert } from '../render/azureMonitorAlert.js';
import type { RecordSink } from '../sinks/sink.js';
import { readValidated, StateConflictError, type StateStore } from '../state/store.js';
import type { AlertRecord } from '../tables/definitions.js';
import type { CommonAlert } from './commonAlertSchema.js';

const SEEN_KEY = 'azure-monitor-alerts-seen';
const KEEP_MS = 30 * 24 * 3600_000;
const KEEP_MAX = 1_000;

const seenBook = z.object({ seen: z.array(z.tuple([z.string(), z.iso.datetime()])) });

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 24);

export class AlertReplayed extends Error {
  constructor(readonly id: string) {
    super(`Azure Monitor alert notification ${id} was already received`);
    this.name = 'AlertReplayed';
  }
}

/**
 * Routes an Azure Monitor alert (common alert schema) through our channels: one CloudSyncAlert_CL row
 * and one message. Azure Monitor retries webhooks, so each (alert, condition) is taken once: a repeat
 * is rejected as a replay and nothing is stored or sent again.
 */
export async function routeAzureMonitorAlert(
  deps: {
    tenantId: string;
    sink: RecordSink;
    state: StateStore;
    clock: Clock;
    log: Logger;
    notify: NotifyDependencies;
  },
  alert: CommonAlert,
): Promise<{ messageId: string }> {
  const e = alert.data.essentials;
  const now = deps.clock.now();
  const messageId = `azmon-${shortHash(`${e.alertId}|${e.monitorCondition}|${e.firedDateTime}`)}`;
  await markSeen(deps.state, deps.tenantId, messageId, now);

  const resolved = e.monitorCondition === 'Resolved';
  const row: AlertRecord = {
    TimeGenerated: now.toISOString(),
    AADTenantId: deps.tenantId,
    AlertId: `azmon-${shortHash(e.alertId)}`,
    Kind: 'monitor-degraded',
    Severity: e.severity === 'Sev0' || e.severity === 'Sev1' ? 'critical' : 'warning',
    State: resolved ? 'resolved' : 'open',
    Transition: resolved ? 'resolved' : 'new',
    Summary: `Azure Monitor: ${e.alertRule}`.slice(0, 300),
    ServicePrincipalId: null,
    JobId: null,
    AgentId: null,
    Details: {
      source: 'azureMonitor',
      alertId: e.alertId,
      rule: e.alertRule,
      severity: e.severity,
      firedDateTime: e.firedDateTime,
    },
    Channels: ['email', 'teams'],
  };
  await deps.sink.write('CloudSyncAlert_CL', [row]);
  const message: OutboundMessage = {
    id: messageId,
    tenantId: deps.tenantId,
    kind: 'alerts',
    createdAt: now.toISOString(),
    ...renderAzureMonitorAlert(alert),
  };
  await dispatch(message, deps.notify);
  return { messageId };
}

async function markSeen(state: StateStore, tenantId: string, id: string, now: Date): Promise<void> {
  const key = { tenantId, name: SEEN_KEY };
  for (let attempt = 0; ; attempt += 1) {
    const found = await readValidated(state, key, seenBook);
    const seen = (found?.value.seen ?? []).filter(([, at]) => now.getTime() - Date.parse(at) < KEEP_MS);
    if (seen.some(([seenId]) => seenId === id)) throw new AlertReplayed(id);
    const next = [...seen, [id, now.toISOString()] as [string, string]].slice(-KEEP_MAX);
    try {
      await state.write(key, { seen: next }, found ? { ifMatch: found.etag } : { ifNoneMatch: '*' });
      return;
    } catch (error) {
      if (!(error instanceof StateConflictError) || attempt >= 4) throw error;
    }
  }
}
