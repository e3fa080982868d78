import { ackLink } from '../alerts/ackToken.js';
import { rowKey } from '../alerts/alerting.js';
import { ALERT_BOOK_KEY, alertBook, type OutboxEntry } from '../alerts/book.js';
import type { Transition } from '../domain/alertModel.js';
import type { ChannelName } from '../notify/channel.js';
import { notifyChannels, routingIn } from '../notify/channels.js';
import type { ChannelReport } from '../notify/delivery.js';
import { dispatch, type NotifyDependencies } from '../notify/dispatch.js';
import type { OutboundMessage } from '../notify/message.js';
import { routeTransitions, type ToldMemory } from '../notify/routing.js';
import { withToldMemory } from '../notify/toldMemory.js';
import { updateState } from '../state/update.js';
import { renderAlertMessage } from '../render/alertMessage.js';
import { alertVersion } from '../remediation/alertVersion.js';

/**
 * Delivers the alert book's outbox (the notifications committed with their transitions), per receiver
 * channel in commit order: while a channel has not settled a message (it waits for a Retry-After, say),
 * no later message goes out on that channel, so nobody reads RESOLVED before NEW. A message settles on
 * a channel when it is delivered, found in the channel's ledger (delivered before), failed for good, or
 * has nothing for that channel (the routes send it elsewhere); once every channel settled it, it leaves
 * the outbox. The other channels go on: a dead Teams webhook holds no email, one team's holds no other's.
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
type Plan = ReadonlyMap<ChannelName, readonly Transition[]>;

/**
 * Outcomes that settle a message on a channel. Not `pending` or `in-progress` (it is still on its way),
 * nor `deferred` (the state store failed before it was queued): the message stays in the outbox, is
 * offered again by the next run and holds the channel's later messages behind it.
 */
const SETTLED: ReadonlySet<string> = new Set(['delivered', 'duplicate', 'failed', 'unconfirmed']);

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
  const channels = notifyChannels(deps.notify.settings);
  const all = channels.map((c) => c.id);
  const plans = await planOutbox(deps, outbox);
  const reports = new Map<string, ChannelReport[]>();
  const rowDelivery = new Map<string, Record<string, string>>();
  const settled = new Map<string, Set<ChannelName>>();
  const blocked = new Set<ChannelName>();
  for (const [index, entry] of outbox.entries()) {
    const plan = plans[index]!;
    const done = new Set<ChannelName>(entry.done);
    const due = all.filter((c) => !done.has(c) && !blocked.has(c));
    const entryReports: ChannelReport[] = [];
    for (const { transitions, channels: group } of variants(plan, due)) {
      // Nothing of this message is for these channels (routed elsewhere, a failing channel's own
      // alert): settled unsent.
      if (transitions.length === 0) {
        for (const c of group) done.add(c);
        continue;
      }
      const variant = { ...entry, transitions };
      const report = await dispatch(
        alertMessage(deps.tenantId, variant, deps.ack, deps.workbookUrl, deps.notify.tenant?.displayName),
        deps.notify,
        group,
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
    // A transition the routes send to nobody (digest only): its row says so, with no channel.
    const told = new Set([...plan.values()].flat());
    for (const t of entry.transitions) {
      const key = rowKey(t.alert.id, t.transition, t.at);
      if (!told.has(t) && entry.done.length === 0 && !rowDelivery.has(key)) rowDelivery.set(key, {});
    }
    if (entryReports.length > 0) reports.set(entry.id, entryReports);
    // Channels blocked by an earlier message wait, whatever this one's state.
    settled.set(entry.id, done);
  }
  const waiting = await settleOutbox(deps.notify, deps.tenantId, settled, all);
  return { reports, rowDelivery, waiting };
}

/**
 * What each receiver channel gets of each entry, decided before anything is sent. With a routing
 * document the decisions rest on when each receiver was last told of each alert (per-route repeat
 * intervals), stored first: deciding again after a crash gives the same answer.
 */
async function planOutbox(
  deps: { readonly tenantId: string; readonly notify: NotifyDependencies },
  outbox: readonly OutboxEntry[],
): Promise<Plan[]> {
  const { settings } = deps.notify;
  const routing = routingIn(settings);
  const channels = notifyChannels(settings);
  const decide = (told: ToldMemory) => {
    let memory = told;
    const plans = outbox.map((entry) => {
      const due = channels.map((c) => c.id).filter((c) => !entry.done.includes(c));
      const routed = routeTransitions(
        routing,
        channels,
        due,
        entry.transitions,
        memory,
        settings.routing ? settings.defaultRepeat : undefined,
        deps.notify.tenant,
      );
      memory = routed.told;
      return routed.byChannel;
    });
    return { told: memory, result: plans };
  };
  if (!settings.routing || outbox.length === 0) return decide({}).result;
  return withToldMemory(deps.notify.state, deps.tenantId, deps.notify.clock.now(), decide);
}

/** Due channels that get the same transitions share one dispatch (one rendering, one message id). */
function variants(
  plan: Plan,
  due: readonly ChannelName[],
): { transitions: readonly Transition[]; channels: ChannelName[] }[] {
  const groups = new Map<string, { transitions: readonly Transition[]; channels: ChannelName[] }>();
  for (const channel of due) {
    const transitions = plan.get(channel) ?? [];
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
  /** Fleet mode: the tenant's display name, in the subject and body next to its id. */
  tenantName?: string,
): OutboundMessage {
  const createdAt = new Date(entry.createdAt);
  return {
    id: entry.id,
    tenantId,
    kind: 'alerts',
    createdAt: entry.createdAt,
    ...renderAlertMessage({
      tenantId,
      ...(tenantName ? { tenantName } : {}),
      generatedAt: createdAt,
      transitions: entry.transitions,
      ackUrlFor: (alert) =>
        ackLink(ack, { tenantId, alertId: alert.id, alertVersion: alertVersion(alert) }, createdAt),
      workbookUrl,
    }),
  };
}

/** Records what settled where; entries every receiver channel settled leave the outbox. */
async function settleOutbox(
  notify: NotifyDependencies,
  tenantId: string,
  settled: ReadonlyMap<string, ReadonlySet<ChannelName>>,
  all: readonly ChannelName[],
): Promise<number> {
  if (settled.size === 0) return 0;
  return updateState(
    notify.state,
    { tenantId, name: ALERT_BOOK_KEY },
    alertBook,
    (stored) => {
      if (!stored) return { result: 0 }; // no book, nothing to settle: write nothing
      const book = stored;
      const outbox = book.outbox
        .map((entry) => {
          const done = settled.get(entry.id);
          return done ? { ...entry, done: all.filter((c) => done.has(c) || entry.done.includes(c)) } : entry;
        })
        .filter((entry) => !all.every((c) => entry.done.includes(c)));
      return { value: { ...book, outbox }, result: outbox.length };
    },
    { now: notify.clock.now() },
  );
}
