import { ackLink } from '../alerts/ackToken.js';
import { rowKey } from '../alerts/alerting.js';
import { ALERT_BOOK_KEY, alertBook, type OutboxEntry } from '../alerts/book.js';
import { CHANNEL_NAMES, type ChannelName } from '../notify/channel.js';
import type { ChannelReport } from '../notify/delivery.js';
import { dispatch, type NotifyDependencies } from '../notify/dispatch.js';
import type { OutboundMessage } from '../notify/message.js';
import { updateState } from '../state/update.js';
import { renderAlertMessage } from '../render/alertMessage.js';

/**
 * Delivers the alert book's outbox (the notifications committed with their transitions), per channel in
 * commit order: while a channel has not settled a message (it waits for a Retry-After, say), no later
 * message goes out on that channel, so nobody reads RESOLVED before NEW. A message settles on a channel
 * when it is delivered, found in the channel's ledger (delivered before), or failed for good; once every
 * channel settled it, it leaves the outbox. The other channels go on: a dead Teams webhook holds no email.
 */
export interface OutboxDelivery {
  /** The reports of this call, per message id. */
  readonly reports: ReadonlyMap<string, readonly ChannelReport[]>;
  /** Per alert row key (see rowKey): what each channel did with the message that told it. */
  readonly rowDelivery: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Messages still in the outbox afterwards. */
  readonly waiting: number;
}

type AckSettings = Parameters<typeof ackLink>[0];

const SETTLED = new Set(['delivered', 'duplicate', 'failed', 'unconfirmed']);

export async function deliverOutbox(
  deps: {
    readonly tenantId: string;
    readonly notify: NotifyDependencies;
    readonly ack: AckSettings;
    /** The monitor's workbook (DIGEST_WORKBOOK_URL), linked from every alert. */
    readonly workbookUrl?: string | undefined;
  },
  outbox: readonly OutboxEntry[],
): Promise<OutboxDelivery> {
  const reports = new Map<string, ChannelReport[]>();
  const rowDelivery = new Map<string, Record<string, string>>();
  const settled = new Map<string, Set<ChannelName>>();
  const blocked = new Set<ChannelName>();
  for (const entry of outbox) {
    const done = new Set<ChannelName>(entry.done);
    const due = CHANNEL_NAMES.filter((c) => !done.has(c) && !blocked.has(c));
    const entryReports: ChannelReport[] = [];
    for (const { transitions, channels } of variants(entry, due)) {
      // Nothing of this message is for these channels (a failing channel's own alert): settled unsent.
      if (transitions.length === 0) {
        for (const c of channels) done.add(c);
        continue;
      }
      const variant = { ...entry, transitions };
      const report = await dispatch(
        alertMessage(deps.tenantId, variant, deps.ack, deps.workbookUrl),
        deps.notify,
        channels,
      );
      entryReports.push(...report.channels);
      for (const channel of report.channels) {
        if (SETTLED.has(channel.outcome)) done.add(channel.channel);
        else blocked.add(channel.channel);
      }
      for (const t of transitions) {
        const key = rowKey(t.alert.id, t.transition, t.at);
        const outcomes = Object.fromEntries(report.channels.map((c) => [c.channel, c.outcome]));
        rowDelivery.set(key, { ...rowDelivery.get(key), ...outcomes });
      }
    }
    if (entryReports.length > 0) reports.set(entry.id, entryReports);
    // Channels blocked by an earlier message wait, whatever this one's state.
    settled.set(entry.id, done);
  }
  const waiting = await settleOutbox(deps.notify, deps.tenantId, settled);
  return { reports, rowDelivery, waiting };
}

/**
 * What each channel gets of an entry: all of it, except that `notification-failing` about a channel is
 * told through the others only (the failing channel would refuse it, and holding it there would hold
 * every later message). Channels that get the same transitions share one dispatch.
 */
function variants(
  entry: OutboxEntry,
  channels: readonly ChannelName[],
): { transitions: OutboxEntry['transitions']; channels: ChannelName[] }[] {
  const groups = new Map<string, { transitions: OutboxEntry['transitions']; channels: ChannelName[] }>();
  for (const channel of channels) {
    const transitions = entry.transitions.filter(
      (t) => !(t.alert.kind === 'notification-failing' && t.alert.subject.channel === channel),
    );
    const key = transitions.map((t) => `${t.alert.id}|${t.transition}`).join(',');
    const group = groups.get(key) ?? { transitions, channels: [] };
    group.channels.push(channel);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** The message an outbox entry stands for: rendered from its transitions, the same every time. */
export function alertMessage(
  tenantId: string,
  entry: OutboxEntry,
  ack: AckSettings,
  workbookUrl?: string,
): OutboundMessage {
  const createdAt = new Date(entry.createdAt);
  return {
    id: entry.id,
    tenantId,
    kind: 'alerts',
    createdAt: entry.createdAt,
    ...renderAlertMessage({
      tenantId,
      generatedAt: createdAt,
      transitions: entry.transitions,
      ackUrlFor: (alert) => ackLink(ack, { tenantId, alertId: alert.id }, createdAt),
      workbookUrl,
    }),
  };
}

/** Records what settled where; entries every channel settled leave the outbox. */
async function settleOutbox(
  notify: NotifyDependencies,
  tenantId: string,
  settled: ReadonlyMap<string, ReadonlySet<ChannelName>>,
): Promise<number> {
  if (settled.size === 0) return 0;
  return updateState(notify.state, { tenantId, name: ALERT_BOOK_KEY }, alertBook, (stored) => {
    if (!stored) return { result: 0 }; // no book, nothing to settle: write nothing
    const book = stored;
    const outbox = book.outbox
      .map((entry) => {
        const done = settled.get(entry.id);
        return done
          ? { ...entry, done: CHANNEL_NAMES.filter((c) => done.has(c) || entry.done.includes(c)) }
          : entry;
      })
      .filter((entry) => entry.done.length < CHANNEL_NAMES.length);
    return { value: { ...book, outbox }, result: outbox.length };
  });
}
