import { alertLabels, labelMatches, type MatcherLabel } from '../domain/alertLabels.js';
import type { Alert, Severity, Transition } from '../domain/alertModel.js';
import type { ChannelKind, ChannelName } from './channel.js';
import { tenantMatchValues, type TenantIdentity } from './tenantIdentity.js';

/**
 * Routing, as in Alertmanager: receivers (who: email recipient lists, Teams webhooks) and routes (which
 * alerts: matchers over the alert's labels, src/domain/alertLabels.ts). Routes are tried in order; the
 * first that matches decides, unless it says `continue`, then the next matching ones add their receivers;
 * an alert no route matched goes to the default receiver. The digest goes to its own receivers. Pure.
 *
 * Fleet mode: a `tenant` matcher accepts the tenant id or the tenant's routing label (the registry's
 * `--routing-tenant`, default its display name), and each tenant's own daily digest is routed by the
 * routes that match on `tenant` alone (routeDigest).
 *
 * Deliveries are per receiver channel: `<receiver>.email`, `<receiver>.teams` (`.teams-2`, ... for more
 * webhooks). Each has its own ledger, pending queue, commit order and delivery health. Without a routing
 * document there is one implicit receiver whose channels keep today's names, `email` and `teams`.
 */
export interface Receiver {
  readonly name: string;
  readonly email: readonly string[];
  /** Workflows webhook URLs: secrets. */
  readonly teams: readonly string[];
}

export interface Route {
  /** Label -> accepted values (any of them, exact, any case); every given label must match. */
  readonly match: Partial<Record<MatcherLabel, readonly string[]>>;
  readonly receivers: readonly string[];
  readonly continue: boolean;
  /** Reminders (`repeat`) to these receivers at most this often; absent: ALERT_REPEAT_HOURS (critical), ALERT_REPEAT_WARNING_HOURS (warning). */
  readonly repeatMs?: number;
}

export interface Routing {
  readonly receivers: readonly Receiver[];
  readonly routes: readonly Route[];
  readonly defaultReceiver: string;
  readonly digestReceivers: readonly string[];
}

/** One channel of one receiver: what dispatch builds a channel for. */
export interface ReceiverChannel {
  readonly id: ChannelName;
  readonly receiver: string;
  readonly kind: ChannelKind;
  /** Email: the recipients. */
  readonly to?: readonly string[];
  /** Teams: the webhook URL (secret). */
  readonly webhookUrl?: string;
}

export function receiverChannels(routing: Routing): ReceiverChannel[] {
  return routing.receivers.flatMap((r) => [
    ...(r.email.length > 0
      ? [{ id: `${r.name}.email`, receiver: r.name, kind: 'email' as const, to: r.email }]
      : []),
    ...r.teams.map((webhookUrl, i) => ({
      id: `${r.name}.teams${i === 0 ? '' : `-${i + 1}`}`,
      receiver: r.name,
      kind: 'teams' as const,
      webhookUrl,
    })),
  ]);
}

/** The channel kind of a receiver channel id (`email`, `ops.email`, `ops.teams-2`). */
export function channelKindOf(id: ChannelName): ChannelKind {
  const last = id.slice(id.lastIndexOf('.') + 1);
  return last.startsWith('teams') ? 'teams' : 'email';
}

/** Where one alert goes: each receiver once, with the repeat interval of the first route that sent it. */
export function routeAlert(
  routing: Routing,
  alert: Alert,
  tenant?: TenantIdentity,
): { readonly receiver: string; readonly repeatMs?: number }[] {
  const labels = alertLabels(alert);
  const tenantValues = tenantMatchValues(labels.tenant, tenant);
  const hits = (label: MatcherLabel, wanted: string): boolean =>
    label === 'tenant'
      ? tenantValues.some((v) => labelMatches(v, wanted))
      : labelMatches(labels[label], wanted);
  const walked = walkRoutes(routing, (route) =>
    Object.entries(route.match).every(([label, wanted]) =>
      (wanted ?? []).some((w) => hits(label as MatcherLabel, w)),
    ),
  );
  return walked.matched ? walked.targets : [{ receiver: routing.defaultReceiver }];
}

/**
 * Where one tenant's daily digest goes in fleet mode: the digest is routed like an alert that carries
 * only its tenant, by the routes whose one matcher is `tenant` (a route that also asks for a severity or a
 * kind is about alerts, and a route without matchers is the alerts' catch-all); in order, the first that
 * matches decides unless it says `continue` (an empty receiver list: this tenant's digest to nobody).
 * No such route: the digest receivers, as for one tenant.
 */
export function routeDigest(routing: Routing, tenant: TenantIdentity): string[] {
  const values = tenantMatchValues(tenant.tenantId, tenant);
  const walked = walkRoutes(
    routing,
    (route) =>
      Object.keys(route.match).length === 1 &&
      (route.match.tenant ?? []).some((w) => values.some((v) => labelMatches(v, w))),
  );
  return walked.matched ? walked.targets.map((t) => t.receiver) : [...routing.digestReceivers];
}

/** Alertmanager's walk: routes in order, the first match decides unless it says `continue`. */
function walkRoutes(
  routing: Routing,
  matches: (route: Route) => boolean,
): { matched: boolean; targets: { readonly receiver: string; readonly repeatMs?: number }[] } {
  const out = new Map<string, number | undefined>();
  let matched = false;
  for (const route of routing.routes) {
    if (!matches(route)) continue;
    matched = true;
    for (const receiver of route.receivers) if (!out.has(receiver)) out.set(receiver, route.repeatMs);
    if (!route.continue) break;
  }
  const targets = [...out].map(([receiver, repeatMs]) => ({
    receiver,
    ...(repeatMs !== undefined ? { repeatMs } : {}),
  }));
  return { matched, targets };
}

/** Reminder intervals by severity (ALERT_REPEAT_HOURS, ALERT_REPEAT_WARNING_HOURS). */
export type RepeatIntervals = Readonly<Record<Severity, number>>;

/** The shortest repeat interval a route asks for: the lifecycle must remind at least that often. */
export function shortestRouteRepeatMs(routing: Routing | undefined): number | undefined {
  const all = (routing?.routes ?? []).flatMap((r) => (r.repeatMs !== undefined ? [r.repeatMs] : []));
  return all.length > 0 ? Math.min(...all) : undefined;
}

/* ------------------------------------------------------------------ per-route repeat */

/**
 * When each receiver was last told of each alert (transition times, newest last), per tenant: what
 * makes a route's repeat interval hold per receiver. Decisions are idempotent: a transition already
 * recorded is due again (a retried delivery), so deciding twice never loses or doubles a message.
 */
export type ToldMemory = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
const TOLD_KEEP = 5;

export interface RoutedTransitions {
  /** Receiver channel id -> the transitions it gets of this message (possibly none). */
  readonly byChannel: ReadonlyMap<ChannelName, readonly Transition[]>;
  readonly told: ToldMemory;
}

/**
 * What each due receiver channel gets of one message's transitions. `notification-failing` about a
 * channel never goes to that channel (it would refuse it, and holding it there would hold every later
 * message); if its routes leave it nowhere else to go, it goes to every other channel: a failing channel
 * must be heard of. A `repeat` reaches a receiver only once its interval passed since it was last told.
 */
export function routeTransitions(
  routing: Routing,
  channels: readonly ReceiverChannel[],
  due: readonly ChannelName[],
  transitions: readonly Transition[],
  told: ToldMemory,
  /** For routes without their own interval; undefined: the lifecycle's reminders go out as they come. */
  defaultRepeat: RepeatIntervals | undefined,
  /** Fleet mode: the tenant whose alerts these are (its routing label). */
  tenant?: TenantIdentity,
): RoutedTransitions {
  const memory: Record<string, Record<string, string[]>> = Object.fromEntries(
    Object.entries(told).map(([id, byReceiver]) => [
      id,
      Object.fromEntries(Object.entries(byReceiver).map(([r, times]) => [r, [...times]])),
    ]),
  );
  const byChannel = new Map<ChannelName, Transition[]>(due.map((id) => [id, []]));
  const dueSet = new Set(due);
  for (const t of transitions) {
    let targets = routeAlert(routing, t.alert, tenant);
    const failingChannel = t.alert.kind === 'notification-failing' ? t.alert.subject.channel : undefined;
    if (failingChannel !== undefined) {
      const others = (names: readonly string[]) =>
        channels.some((c) => names.includes(c.receiver) && c.id !== failingChannel);
      if (!others(targets.map((x) => x.receiver)))
        targets = routing.receivers.map((r) => ({ receiver: r.name }));
    }
    for (const { receiver, repeatMs } of targets) {
      const times = (memory[t.alert.id] ??= {})[receiver] ?? [];
      const interval = repeatMs ?? defaultRepeat?.[t.alert.severity];
      if (t.transition === 'repeat' && interval !== undefined && !repeatDue(times, t.at, interval)) continue;
      if (!times.includes(t.at)) memory[t.alert.id]![receiver] = [...times, t.at].sort().slice(-TOLD_KEEP);
      for (const c of channels) {
        if (c.receiver !== receiver || c.id === failingChannel || !dueSet.has(c.id)) continue;
        byChannel.get(c.id)!.push(t);
      }
    }
  }
  return { byChannel, told: memory };
}

function repeatDue(times: readonly string[], at: string, intervalMs: number): boolean {
  if (times.includes(at)) return true;
  const last = times.at(-1);
  if (last === undefined) return true;
  return last < at && Date.parse(at) - Date.parse(last) >= intervalMs;
}

/** Keeps the memory of alerts still in play (the rest is forgotten after `keepMs`). */
export function pruneTold(told: ToldMemory, now: Date, keepMs: number): ToldMemory {
  const cutoff = now.getTime() - keepMs;
  return Object.fromEntries(
    Object.entries(told).filter(([, byReceiver]) =>
      Object.values(byReceiver).some((times) => Date.parse(times.at(-1) ?? '') >= cutoff),
    ),
  );
}
