import { ackLink } from '../alerts/ackToken.js';
import { rowKey } from '../alerts/alerting.js';
import { ALERT_BOOK_KEY, alertBook, emptyAlertBook, type OutboxEntry } from '../alerts/book.js';
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
  deps: { readonly tenantId: string; readonly notify: NotifyDependencies; readonly ack: AckSettings },
  outbox: readonly OutboxEntry[],
): Promise<OutboxDelivery> {
  const reports = new Map<string, ChannelReport[]>();
  const rowDelivery = new Map<string, Record<string, string>>();
  const settled = new Map<string, Set<ChannelName>>();
  const blocked = new Set<ChannelName>();
  for (const entry of outbox) {
    const done = new Set<ChannelName>(entry.done);
    const due = CHANNEL_NAMES.filter((c) => !done.has(c) && !blocked.has(c));
    if (due.length > 0) {
      const report = await dispatch(alertMessage(deps.tenantId, entry, deps.ack), deps.notify, due);
      reports.set(entry.id, [...report.channels]);
      for (const channel of report.channels) {
        if (SETTLED.has(channel.outcome)) done.add(channel.channel);
        else blocked.add(channel.channel);
      }
      const outcomes = Object.fromEntries(report.channels.map((c) => [c.channel, c.outcome]));
      for (const t of entry.transitions) rowDelivery.set(rowKey(t.alert.id, t.transition, t.at), outcomes);
    }
    // Channels blocked by an earlier message wait, whatever this one's state.
    settled.set(entry.id, done);
  }
  const waiting = await settleOutbox(deps.notify, deps.tenantId, settled);
  return { reports, rowDelivery, waiting };
}

/** The message an outbox entry stands for: rendered from its transitions, the same every time. */
export function alertMessage(tenantId: string, entry: OutboxEntry, ack: AckSettings): OutboundMessage {
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
    if (!stored)
      return { value: { ...emptyAlertBook(), alerts: [], outbox: [], pendingRows: [] }, result: 0 };
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
