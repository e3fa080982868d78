import { ackLink } from '../alerts/ackToken.js';
import { rowKey } from '../alerts/alerting.js';
import { ALERT_BOOK_KEY, alertBook, type OutboxEntry } from '../alerts/book.js';
import { noteHeard, queueCatchUps, withMissed, type Heard } from '../alerts/catchUp.js';
import type { Transition } from '../domain/alertModel.js';
import type { ChannelName } from '../notify/channel.js';
import { channelAddresses } from '../notify/channelAddress.js';
import { notifyChannels, routingIn } from '../notify/channels.js';
import { recordedOutcome, type ChannelReport } from '../notify/delivery.js';
import { dispatch, type NotifyDependencies } from '../notify/dispatch.js';
import { expireUnsent } from '../notify/expireUnsent.js';
import type { OutboundMessage } from '../notify/message.js';
import { routeAlert, routeTransitions, type ToldMemory } from '../notify/routing.js';
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
 * A channel that gives up on a message (NOTIFY_PENDING_MAX_HOURS since it began failing) gives up on
 * the messages queued behind it too, and no channel keeps more than OUTBOX_BACKLOG_MAX waiting.
 * What a channel had given up on it is noted in the book, and told to it alone once it takes messages
 * again (src/alerts/catchUp.ts).
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
  committed: readonly OutboxEntry[],
): Promise<OutboxDelivery> {
  const channels = notifyChannels(deps.notify.settings);
  const all = channels.map((c) => c.id);
  const addresses = channelAddresses(deps.notify.settings);
  const outbox = committed.map((entry) => withDoneByAddress(entry, addresses));
  const plans = await planOutbox(deps, outbox);
  const reports = new Map<string, ChannelReport[]>();
  const rowDelivery = new Map<string, Record<string, string>>();
  const settled = new Map<string, Set<ChannelName>>();
  const blocked = new Set<ChannelName>();
  const heard: Heard[] = [];
  // Per entry and channel: has it now (told), or waits for it (pending); recorded with addresses (seenBy).
  const seen = new Map<string, Map<ChannelName, boolean>>();
  const overBound = backlogOverBound(outbox, all);
  // Channels that gave up on a message in this call: what is queued behind it is given up with it.
  const expiring = new Map<ChannelName, { error: string; waitingSince?: string }>();
  for (const [index, entry] of outbox.entries()) {
    const plan = plans[index]!;
    const done = new Set<ChannelName>(entry.done);
    // Given up for the bound even behind a blocked channel: it is not sent, so it overtakes nothing.
    const due = all.filter((c) => !done.has(c) && (!blocked.has(c) || overBound.get(c)?.has(index)));
    // Held behind an earlier message: its rows say so for those channels (not sent, not failed).
    if (!entry.catchUp) {
      for (const channel of all.filter((c) => !done.has(c) && !due.includes(c))) {
        for (const t of plan.get(channel) ?? []) {
          const key = rowKey(t.alert.id, t.transition, t.at);
          rowDelivery.set(key, { ...rowDelivery.get(key), [channel]: 'queued' });
        }
      }
    }
    const entryReports: ChannelReport[] = [];
    for (const { transitions, channels: group } of variants(plan, due)) {
      // Nothing of this message is for these channels (routed elsewhere, a failing channel's own
      // alert): settled unsent.
      if (transitions.length === 0) {
        for (const c of group) done.add(c);
        continue;
      }
      const giveUp = group.filter((c) => expiring.has(c) || overBound.get(c)?.has(index));
      const send = group.filter((c) => !giveUp.includes(c));
      const reports: ChannelReport[] = [];
      for (const c of giveUp) {
        const why = expiring.get(c) ?? boundReason(c, outbox);
        reports.push(...(await expireUnsent(entry.id, [c], why, deps.notify)));
      }
      if (send.length > 0) {
        const variant = { ...entry, transitions };
        const message = alertMessage(
          deps.tenantId,
          variant,
          deps.ack,
          deps.workbookUrl,
          deps.notify.tenant?.displayName,
        );
        const sent = (await dispatch(message, deps.notify, send)).channels;
        for (const report of sent) {
          if (report.outcome !== 'failed' || report.reason !== 'expired') continue;
          expiring.set(report.channel, {
            error: `given up unsent: ${report.channel} gave up on an earlier message (${report.error ?? 'expired'})`,
            ...(report.waitingSince ? { waitingSince: report.waitingSince } : {}),
          });
        }
        reports.push(...sent);
      }
      entryReports.push(...reports);
      for (const report of reports) {
        const waits = report.outcome === 'pending' || report.outcome === 'in-progress';
        const outcome = heardAs(report);
        if (outcome === 'told' || waits) {
          const byChannel = seen.get(entry.id) ?? new Map<ChannelName, boolean>();
          byChannel.set(report.channel, outcome === 'told' || byChannel.get(report.channel) === true);
          seen.set(entry.id, byChannel);
        }
        if (!outcome) continue;
        const alertIds = transitions.map((t) => t.alert.id);
        heard.push({ channel: report.channel, outcome, alertIds, createdAt: entry.createdAt });
      }
      for (const channel of reports) {
        if (SETTLED.has(channel.outcome)) done.add(channel.channel);
        else blocked.add(channel.channel);
      }
      // A catch-up tells no transition: it has no alert row.
      if (entry.catchUp) continue;
      for (const t of transitions) {
        const key = rowKey(t.alert.id, t.transition, t.at);
        const outcomes = Object.fromEntries(reports.map((c) => [c.channel, rowOutcome(c)]));
        rowDelivery.set(key, { ...rowDelivery.get(key), ...outcomes });
      }
    }
    // A transition the routes send to nobody (digest only): its row says so, with no channel.
    const told = new Set([...plan.values()].flat());
    for (const t of entry.transitions) {
      const key = rowKey(t.alert.id, t.transition, t.at);
      if (!told.has(t) && entry.done.length === 0 && !rowDelivery.has(key) && !entry.catchUp)
        rowDelivery.set(key, {});
    }
    if (entryReports.length > 0) reports.set(entry.id, entryReports);
    // Channels blocked by an earlier message wait, whatever this one's state.
    settled.set(entry.id, done);
  }
  const up = new Set(heard.filter((h) => h.outcome === 'told').map((h) => h.channel));
  const waiting = await settleOutbox(
    deps.notify,
    deps.tenantId,
    { settled, seen, renamed: new Map(outbox.map((e, i) => [e.id, undone(committed[i]!, e)])) },
    { all, addresses },
    { heard, up },
  );
  return { reports, rowDelivery, waiting };
}

/**
 * What a report says the channel heard: told (it has the message, sent now or before), missed (given
 * up on it, now or before), or nothing yet (pending, deferred, another run's).
 */
function heardAs(report: ChannelReport): Heard['outcome'] | undefined {
  if (report.outcome === 'delivered' || report.outcome === 'unconfirmed') return 'told';
  if (report.outcome === 'failed') return 'missed';
  if (report.outcome === 'duplicate') return report.previously === 'failed' ? 'missed' : 'told';
  return undefined;
}

/**
 * The most alert messages one receiver channel may have waiting in the outbox. A channel that takes
 * nothing (a 404 webhook, a Retry-After of hours) holds every later message of its own, and each run
 * with transitions adds one: about 1.5 KB each, the alert book reached the state store's limit after
 * some 580, and from then on no run could commit anything, on any channel. Beyond the bound, the
 * messages queued behind the oldest (which is being tried) are given up, oldest first, so the channel
 * keeps its newest news.
 */
export const OUTBOX_BACKLOG_MAX = 50;

/** Per channel, the outbox indices given up for the bound. */
function backlogOverBound(
  outbox: readonly OutboxEntry[],
  all: readonly ChannelName[],
): Map<ChannelName, Set<number>> {
  const over = new Map<ChannelName, Set<number>>();
  for (const channel of all) {
    const waiting = [...outbox.keys()].filter((i) => !outbox[i]!.done.includes(channel));
    if (waiting.length <= OUTBOX_BACKLOG_MAX) continue;
    over.set(channel, new Set(waiting.slice(1, waiting.length - (OUTBOX_BACKLOG_MAX - 1))));
  }
  return over;
}

function boundReason(
  channel: ChannelName,
  outbox: readonly OutboxEntry[],
): { error: string; waitingSince?: string } {
  const waiting = outbox.filter((e) => !e.done.includes(channel));
  return {
    error:
      `given up unsent: ${waiting.length} messages waited for ${channel} since ${waiting[0]?.createdAt ?? '?'}, ` +
      `over the ${OUTBOX_BACKLOG_MAX} kept (the oldest, still being tried, and the newest)`,
    ...(waiting[0] ? { waitingSince: waiting[0].createdAt } : {}),
  };
}

/**
 * A row's Details.delivery says `expired` for a message given up on, `failed` for one refused, and for
 * a duplicate what the ledger knew of it (recordedOutcome).
 */
function rowOutcome(report: ChannelReport): string {
  return report.outcome === 'failed' && report.reason === 'expired' ? 'expired' : recordedOutcome(report);
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
      // A catch-up is for its channel alone: of its alerts, those the routes still send its receiver
      // (a route changed, or an alert moved to another route since it was missed), reminders or not.
      if (entry.catchUp) {
        const channel = channels.find((c) => c.id === entry.catchUp?.channel);
        if (!channel || !due.includes(channel.id)) return new Map();
        const routed = entry.transitions.filter((t) =>
          routeAlert(routing, t.alert, deps.notify.tenant).some((r) => r.receiver === channel.receiver),
        );
        return new Map([[channel.id, routed]]);
      }
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
    fromOutbox: true,
    ...renderAlertMessage({
      tenantId,
      ...(tenantName ? { tenantName } : {}),
      generatedAt: createdAt,
      transitions: entry.transitions,
      ackUrlFor: (alert) =>
        ackLink(ack, { tenantId, alertId: alert.id, alertVersion: alertVersion(alert) }, createdAt),
      workbookUrl,
      ...(entry.catchUp ? { catchUp: entry.catchUp } : {}),
    }),
  };
}

/**
 * The entry with its done channels matched by destination, not by name. A channel whose destination
 * had it under another name that no longer stands for that destination (a rename, not two receivers
 * mailing one list) is done; a done channel whose destination came from another name and never had it
 * (the second webhook, waiting out a Retry-After when the first was removed) is offered it again. A
 * URL replaced in place (an address seen under no other name) changes nothing.
 */
function withDoneByAddress(entry: OutboxEntry, addresses: ReadonlyMap<ChannelName, string>): OutboxEntry {
  const seen = entry.seenBy ?? [];
  if (seen.length === 0) return entry;
  const elsewhere = (c: ChannelName, a: string) =>
    seen.filter((s) => s.address === a && s.channel !== c && addresses.get(s.channel) !== a);
  const done = new Set(entry.done);
  for (const [c, a] of addresses) {
    const movedHere = elsewhere(c, a);
    if (movedHere.some((s) => s.has)) done.add(c);
    else if (movedHere.length > 0 && !seen.some((s) => s.channel === c && s.address === a && s.has))
      done.delete(c);
  }
  const same = done.size === entry.done.length && entry.done.every((c) => done.has(c));
  return same ? entry : { ...entry, done: [...done] };
}

/** The channels the entry was done for by name that withDoneByAddress offers again. */
function undone(stored: OutboxEntry, matched: OutboxEntry): Set<ChannelName> {
  return new Set(stored.done.filter((c) => !matched.done.includes(c)));
}

/**
 * Records what settled where; entries every receiver channel settled leave the outbox. In the same
 * write: what each channel missed is noted, and a channel up again with nothing waiting gets its
 * catch-up queued (delivered by the next run, behind anything committed meanwhile).
 */
async function settleOutbox(
  notify: NotifyDependencies,
  tenantId: string,
  outcomes: {
    readonly settled: ReadonlyMap<string, ReadonlySet<ChannelName>>;
    readonly seen: ReadonlyMap<string, ReadonlyMap<ChannelName, boolean>>;
    readonly renamed: ReadonlyMap<string, ReadonlySet<ChannelName>>;
  },
  channels: { readonly all: readonly ChannelName[]; readonly addresses: ReadonlyMap<ChannelName, string> },
  heard: { readonly heard: readonly Heard[]; readonly up: ReadonlySet<ChannelName> },
): Promise<number> {
  const { all, addresses } = channels;
  if (outcomes.settled.size === 0) return 0;
  return updateState(
    notify.state,
    { tenantId, name: ALERT_BOOK_KEY },
    alertBook,
    (stored) => {
      if (!stored) return { result: 0 }; // no book, nothing to settle: write nothing
      const book = stored;
      const outbox = book.outbox
        .map((entry) => {
          const done = outcomes.settled.get(entry.id);
          if (!done) return entry;
          const offeredAgain = outcomes.renamed.get(entry.id);
          const now = all.filter((c) => done.has(c) || (entry.done.includes(c) && !offeredAgain?.has(c)));
          const seenBy = [...(entry.seenBy ?? [])];
          for (const [channel, has] of outcomes.seen.get(entry.id) ?? []) {
            const address = addresses.get(channel);
            if (address === undefined) continue;
            const known = seenBy.findIndex((s) => s.channel === channel && s.address === address);
            if (known < 0) seenBy.push({ channel, address, has });
            else if (has) seenBy[known] = { channel, address, has };
          }
          return { ...entry, done: now, ...(seenBy.length > 0 ? { seenBy } : {}) };
        })
        .filter((entry) => !all.every((c) => entry.done.includes(c)));
      const noted = withMissed({ ...book, outbox }, noteHeard(book.missed, heard.heard));
      const value = queueCatchUps(noted, heard.up, all, notify.clock.now());
      return { value, result: value.outbox.length };
    },
    { now: notify.clock.now() },
  );
}
