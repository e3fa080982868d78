import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { dispatch, type NotifyDependencies } from '../notify/dispatch.js';
import type { OutboundMessage } from '../notify/message.js';
import { renderAzureMonitorAlert } from '../render/azureMonitorAlert.js';
import type { RecordSink } from '../sinks/sink.js';
import type { SetAside } from '../state/setAside.js';
import type { StateStore } from '../state/store.js';
import { readStoredState } from '../state/storedState.js';
import { updateState } from '../state/update.js';
import type { AlertRecord } from '../tables/definitions.js';
import type { CommonAlert } from './commonAlertSchema.js';

const SEEN_KEY = 'azure-monitor-alerts-seen';
const KEEP_MS = 30 * 24 * 3600_000;
const KEEP_MAX = 1_000;

const entries = z.array(z.tuple([z.string(), z.iso.datetime()]));
/**
 * `seen`: notifications fully handled (row written, message queued or delivered): a repeat is a replay.
 * `stored`: notifications whose row is written but whose message was not confirmed queued yet: a retry
 * of one of these sends the message without writing the row again. (Books written before `stored`
 * existed have none.)
 */
const seenBook = z.object({ seen: entries, stored: entries.default([]) });
type SeenBook = z.infer<typeof seenBook>;

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
 * of a notification already handled is rejected as a replay and nothing is stored or sent again.
 *
 * It is marked as seen last, after its row is written and its message is queued or delivered on every
 * channel: when the sink or the state store fails, the call fails (500) and Azure Monitor's retry
 * does the work, instead of being rejected as a replay of an alert that went nowhere. In between, the
 * book remembers that the row was written, so the retry does not write it twice; the message itself is
 * de-duplicated by dispatch (its ledger and pending entries are keyed by the message id).
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
  const key = { tenantId: deps.tenantId, name: SEEN_KEY };

  // A damaged book reads as empty here; the first update below sets it aside.
  const before = await readStoredState(deps.state, key, seenBook);
  if (before.kind === 'unavailable') throw before.error;
  const book = before.kind === 'found' ? before.value : undefined;
  if (has(book?.seen, messageId)) throw new AlertReplayed(messageId);

  const corrupt: SetAside[] = [];
  if (!has(book?.stored, messageId)) {
    await deps.sink.write('CloudSyncAlert_CL', [alertRow(deps.tenantId, alert, now)]);
    corrupt.push(...(await mark(deps.state, key, messageId, now, 'stored')));
  }
  const message: OutboundMessage = {
    id: messageId,
    tenantId: deps.tenantId,
    kind: 'alerts',
    createdAt: now.toISOString(),
    ...renderAzureMonitorAlert(alert),
  };
  const report = await dispatch(message, deps.notify);
  // A failure without a delivery reason is the state store failing: the message is neither delivered
  // nor queued anywhere, so it must not be marked seen. (A channel that refused it for good is final.)
  const unqueued = report.channels.filter((c) => c.outcome === 'failed' && c.reason === undefined);
  if (unqueued.length > 0) {
    throw new Error(
      `Azure Monitor alert ${messageId} could not be queued on ${unqueued.map((c) => c.channel).join(', ')}: ${unqueued[0]?.error ?? 'state store failure'}`,
    );
  }
  corrupt.push(...(await mark(deps.state, key, messageId, now, 'seen')));
  for (const aside of corrupt) {
    deps.log.warn(`Azure Monitor seen-book: ${aside.message}`, { code: 'CorruptState', copy: aside.copy });
  }
  return { messageId };
}

function alertRow(tenantId: string, alert: CommonAlert, now: Date): AlertRecord {
  const e = alert.data.essentials;
  const resolved = e.monitorCondition === 'Resolved';
  return {
    TimeGenerated: now.toISOString(),
    AADTenantId: tenantId,
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
}

const has = (list: SeenBook['seen'] | undefined, id: string): boolean =>
  (list ?? []).some(([seenId]) => seenId === id);

/** Records a phase of `id` in the seen-book; returns what was set aside on the way (a damaged book). */
async function mark(
  state: StateStore,
  key: { tenantId: string; name: string },
  id: string,
  now: Date,
  phase: 'stored' | 'seen',
): Promise<SetAside[]> {
  const fresh = ([, at]: [string, string]) => now.getTime() - Date.parse(at) < KEEP_MS;
  return updateState(
    state,
    key,
    seenBook,
    (current, { corrupt }) => {
      const seen = (current?.seen ?? []).filter(fresh);
      const stored = (current?.stored ?? []).filter(fresh).filter(([storedId]) => storedId !== id);
      const entry: [string, string] = [id, now.toISOString()];
      const next: SeenBook =
        phase === 'seen'
          ? { seen: has(seen, id) ? seen : [...seen, entry].slice(-KEEP_MAX), stored }
          : { seen, stored: has(seen, id) ? stored : [...stored, entry].slice(-KEEP_MAX) };
      return { value: next, result: corrupt ? [corrupt] : [] };
    },
    { now },
  );
}
