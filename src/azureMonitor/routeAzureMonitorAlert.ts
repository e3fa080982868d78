import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { isConfirmed, recordedOutcome, type ChannelReport } from '../notify/delivery.js';
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
 * `seen`: notifications fully handled (message queued or delivered, row written): a repeat is a replay.
 * `stored`: written by versions that wrote the row before the message: notifications whose row is
 * written but whose message was not confirmed queued yet. A retry of one sends the message without
 * writing the row again; nothing adds to it now, and entries leave it when seen or after KEEP_MS.
 */
const seenBook = z.object({ seen: entries, stored: entries.default([]) });
type SeenBook = z.infer<typeof seenBook>;

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 24);

/** One message per alert and condition (fired, resolved): Azure Monitor's retries of a call get the same. */
export function azureMonitorMessageId(alert: CommonAlert): string {
  const e = alert.data.essentials;
  return `azmon-${shortHash(`${e.alertId}|${e.monitorCondition}|${e.firedDateTime}`)}`;
}

export class AlertReplayed extends Error {
  constructor(readonly id: string) {
    super(`Azure Monitor alert notification ${id} was already received`);
    this.name = 'AlertReplayed';
  }
}

/**
 * Routes an Azure Monitor alert (common alert schema) through our channels: one message and one
 * CloudSyncAlert_CL row. Azure Monitor retries webhooks, so each (alert, condition) is taken once: a repeat
 * of a notification already handled is rejected as a replay and nothing is stored or sent again.
 *
 * The message goes first, the row after it, so the row names the channels that confirmed it (Channels)
 * and what became of it on each (Details.delivery), as a monitor run's alert rows do; a row written first
 * could only guess, and it named email and Teams whatever the routing sent where. The notification is marked
 * as seen last: when the state store or the sink fails, the call fails (500) and Azure Monitor's retry does
 * the work, instead of being rejected as a replay of an alert that went nowhere. The retry does not send
 * twice (dispatch de-duplicates by message id: its ledger answers `duplicate`, which counts as confirmed).
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
  const now = deps.clock.now();
  const messageId = azureMonitorMessageId(alert);
  const key = { tenantId: deps.tenantId, name: SEEN_KEY };

  // A damaged book reads as empty here; the first update below sets it aside.
  const before = await readStoredState(deps.state, key, seenBook);
  if (before.kind === 'unavailable') throw before.error;
  const book = before.kind === 'found' ? before.value : undefined;
  if (has(book?.seen, messageId)) throw new AlertReplayed(messageId);

  const message: OutboundMessage = {
    id: messageId,
    tenantId: deps.tenantId,
    kind: 'alerts',
    createdAt: now.toISOString(),
    ...renderAzureMonitorAlert(alert),
  };
  const report = await dispatch(message, deps.notify);
  // Deferred: the state store failed before the message was queued anywhere, so it must not be marked
  // seen: Azure Monitor's retry offers it again. (A channel that refused it for good is final.)
  const unqueued = report.channels.filter((c) => c.outcome === 'deferred');
  if (unqueued.length > 0) {
    throw new Error(
      `Azure Monitor alert ${messageId} could not be queued on ${unqueued.map((c) => c.channel).join(', ')}: ${unqueued[0]?.error ?? 'state store failure'}`,
    );
  }
  // A book from before the message went first may say the row is written already.
  if (!has(book?.stored, messageId)) {
    await deps.sink.write('CloudSyncAlert_CL', [alertRow(deps.tenantId, alert, now, report.channels)]);
  }
  const corrupt = await markSeen(deps.state, key, messageId, now);
  for (const aside of corrupt) {
    deps.log.warn(`Azure Monitor seen-book: ${aside.message}`, { code: 'CorruptState', copy: aside.copy });
  }
  return { messageId };
}

function alertRow(
  tenantId: string,
  alert: CommonAlert,
  now: Date,
  delivery: readonly ChannelReport[],
): AlertRecord {
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
      delivery: Object.fromEntries(delivery.map((c) => [c.channel, recordedOutcome(c)])),
    },
    Channels: delivery.filter((c) => isConfirmed(recordedOutcome(c))).map((c) => c.channel),
  };
}

const has = (list: SeenBook['seen'] | undefined, id: string): boolean =>
  (list ?? []).some(([seenId]) => seenId === id);

/** Marks `id` seen (and no longer only stored); returns what was set aside on the way (a damaged book). */
async function markSeen(
  state: StateStore,
  key: { tenantId: string; name: string },
  id: string,
  now: Date,
): Promise<SetAside[]> {
  const fresh = ([, at]: [string, string]) => now.getTime() - Date.parse(at) < KEEP_MS;
  return updateState(
    state,
    key,
    seenBook,
    (current, { corrupt }) => {
      const seen = (current?.seen ?? []).filter(fresh);
      const stored = (current?.stored ?? []).filter(fresh).filter(([storedId]) => storedId !== id);
      const next: SeenBook = {
        seen: has(seen, id) ? seen : [...seen, [id, now.toISOString()] as [string, string]].slice(-KEEP_MAX),
        stored,
      };
      return { value: next, result: corrupt ? [corrupt] : [] };
    },
    { now },
  );
}
