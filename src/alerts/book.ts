import { z } from 'zod';
import { ruleMemory, emptyRuleMemory } from '../rules/memory.js';
import { alertTable } from '../tables/definitions.js';
import { ALERT_KINDS, TRANSITIONS, type Alert, type Transition } from '../domain/alertModel.js';

/**
 * The alert book: every open (or acknowledged) alert of a tenant, the resolved ones still inside the
 * flap window, the rules' memory, and alert rows not yet confirmed written to the sink. One state value
 * per tenant, written with its ETag, so two racing runs cannot both commit transitions.
 */
export const ALERT_BOOK_KEY = 'alerts-book';

const time = z.iso.datetime();

const subject = z.object({
  tenantId: z.string(),
  servicePrincipalId: z.string().optional(),
  configurationName: z.string().optional(),
  jobId: z.string().optional(),
  templateId: z.string().optional(),
  agentId: z.string().optional(),
  machineName: z.string().optional(),
  signal: z.string().optional(),
  channel: z.string().optional(),
});

export const storedAlert = z.object({
  id: z.string().min(1),
  kind: z.enum(ALERT_KINDS),
  subject,
  severity: z.enum(['warning', 'critical']),
  summary: z.string(),
  since: time,
  materialKey: z.string(),
  materialItems: z.array(z.string()).optional(),
  trackedKey: z.string().optional(),
  details: z.record(z.string(), z.unknown()),
  state: z.enum(['open', 'acknowledged', 'resolved']),
  openedAt: time,
  lastChangedAt: time,
  lastNotifiedAt: time,
  silencedUntil: z.union([z.literal('resolve'), time]).optional(),
  acknowledgedBy: z.string().optional(),
  resolvedAt: time.optional(),
  clearedAt: time.optional(),
  reopenCount: z.number().int().nonnegative().optional(),
  inhibitedBy: z.string().optional(),
  silencedBy: z.string().optional(),
  heldBack: z.enum(TRANSITIONS).optional(),
  resolution: z.object({ summary: z.string(), details: z.record(z.string(), z.unknown()) }).optional(),
  resolvingSince: time.optional(),
  remediations: z
    .array(
      z.object({
        at: time,
        action: z.string(),
        outcome: z.enum(['performed', 'refused', 'failed']),
        by: z.string(),
        via: z.enum(['ack-page', 'cli']),
        reason: z.string().optional(),
      }),
    )
    .optional(),
});

const storedTransition = z.object({
  transition: z.enum(TRANSITIONS),
  at: time,
  alert: storedAlert,
  previousSeverity: z.enum(['warning', 'critical']).optional(),
  changes: z.array(z.string()).optional(),
  recordOnly: z.boolean().optional(),
  silencedBy: z.string().optional(),
});

/**
 * The transactional outbox: a notification committed in the same write as the transitions it tells,
 * so a crash after the commit loses no message (the next run delivers it) and a run whose commit lost
 * the race sends nothing. `done`: the channels that settled it (delivered, or failed for good). An entry
 * leaves the outbox once every channel is done.
 */
export const outboxEntry = z.object({
  id: z.string().min(1),
  createdAt: time,
  transitions: z.array(storedTransition),
  /** Receiver channels (src/notify/routing.ts): `email`, `teams`, or `<receiver>.<channel>`. */
  done: z.array(z.string()).default([]),
  /**
   * Where it went under each channel name (src/notify/channelAddress.ts): `has` once the destination
   * has it, false while it waits there. Channel names follow the routing's order, so a destination
   * renamed (a receiver's first webhook removed, or the list reordered) is matched by its address:
   * done under its new name if it had it, offered again if it never did.
   */
  seenBy: z.array(z.object({ channel: z.string(), address: z.string(), has: z.boolean() })).optional(),
  /** A catch-up (src/alerts/catchUp.ts): for this one channel, what it missed that is still open. */
  catchUp: z
    .object({
      channel: z.string(),
      /** When the first message it missed was committed. */
      since: time,
      /** Messages given up on it. */
      givenUp: z.number().int().nonnegative(),
      /** Alerts of those messages resolved (or gone) since. */
      resolved: z.number().int().nonnegative(),
    })
    .optional(),
});
export type CatchUpNote = NonNullable<z.infer<typeof outboxEntry>['catchUp']>;

/** Per receiver channel: the alerts whose news was given up on it, since the first such message. */
export const missedOnChannel = z.object({
  since: time,
  givenUp: z.number().int().nonnegative(),
  alertIds: z.array(z.string()),
});
export type MissedOnChannel = z.infer<typeof missedOnChannel>;
export type OutboxEntry = Omit<z.infer<typeof outboxEntry>, 'transitions'> & {
  readonly transitions: readonly Transition[];
};

/** A CloudSyncAlert_CL row kept until the sink confirmed it (JSON, the table's columns). */
const pendingRow = z.object(
  Object.fromEntries(Object.keys(alertTable.columns).map((column) => [column, z.unknown()])),
);

/** A warning raised but not held long enough to notify (hold-down): no alert, no row yet. */
const pendingAlert = z.object({
  id: z.string().min(1),
  kind: z.enum(ALERT_KINDS),
  subject,
  firstSeenAt: time,
});
export type PendingAlert = z.infer<typeof pendingAlert>;

export const alertBook = z.object({
  version: z.literal(1),
  alerts: z.array(storedAlert),
  pending: z.array(pendingAlert).default([]),
  memory: ruleMemory,
  pendingRows: z.array(pendingRow).default([]),
  /** The sink's position before the pending rows went to it (see writeAlertRows). */
  rowsAt: z.union([z.string(), z.number()]).optional(),
  outbox: z.array(outboxEntry).default([]),
  missed: z.record(z.string(), missedOnChannel).optional(),
  updatedAt: time.optional(),
});

export interface AlertBook {
  readonly version: 1;
  readonly alerts: readonly Alert[];
  /** Warnings in their hold-down (ALERT_HOLD_DOWN_MINUTES): raised, not yet alerts. Absent: none. */
  readonly pending?: readonly PendingAlert[];
  readonly memory: z.infer<typeof ruleMemory>;
  /** Rows of committed transitions the sink has not confirmed yet: written first thing next run. */
  readonly pendingRows: readonly Readonly<Record<string, unknown>>[];
  /** The sink's position before the pending rows went to it (see writeAlertRows). */
  readonly rowsAt?: string | number;
  /** Notifications committed but not settled on every channel yet, oldest first. */
  readonly outbox: readonly OutboxEntry[];
  /** Per receiver channel, what was given up on it and not told since (src/alerts/catchUp.ts). */
  readonly missed?: Readonly<Record<string, MissedOnChannel>>;
  readonly updatedAt?: string;
}

export const emptyAlertBook = (): AlertBook => ({
  version: 1,
  alerts: [],
  memory: emptyRuleMemory(),
  pendingRows: [],
  outbox: [],
});

/** Open and acknowledged alerts: what is firing now (for status, digest, health). */
export const activeAlerts = (book: AlertBook): Alert[] => book.alerts.filter((a) => a.state !== 'resolved');

/** Leaves room under STATE_VALUE_MAX_BYTES for the store's envelope. */
export const ALERT_BOOK_MAX_BYTES = 800_000;
/** Unconfirmed rows kept at most (a sink down for days must not grow the book without bound). */
export const PENDING_ROWS_MAX = 500;

/**
 * Messages the outbox holds at most, whatever the channels. The notify stage keeps each channel's
 * backlog far below (src/app/deliverOutbox.ts); this holds when it cannot run, so that a commit never
 * makes a book the state store refuses: then no run could commit again, and nothing would be told.
 */
export const OUTBOX_MAX = 200;

/**
 * Keeps a very large book storable: the outbox to OUTBOX_MAX messages, then the stored copies of object
 * lists and material items are cut (the transitions of this run already carry them in full, and the
 * next run's candidates bring them back), then the oldest unconfirmed rows go, and last the oldest
 * waiting messages (the caller says which in a run issue). Open alerts themselves are never dropped.
 */
export function compactBook(book: AlertBook, maxBytes = ALERT_BOOK_MAX_BYTES): AlertBook {
  const size = (b: AlertBook) => Buffer.byteLength(JSON.stringify(b));
  const bounded =
    book.outbox.length > OUTBOX_MAX ? { ...book, outbox: book.outbox.slice(-OUTBOX_MAX) } : book;
  if (size(bounded) <= maxBytes) return bounded;
  let compacted: AlertBook = {
    ...bounded,
    alerts: book.alerts.map(compactAlert),
    // Waiting messages keep their transitions, with the long object lists cut like the alerts'.
    outbox: bounded.outbox.map((entry) => ({
      ...entry,
      transitions: entry.transitions.map((t) => ({ ...t, alert: compactAlert(t.alert) })),
    })),
  };
  while (size(compacted) > maxBytes && compacted.pendingRows.length > 0) {
    compacted = {
      ...compacted,
      pendingRows: compacted.pendingRows.slice(Math.ceil(compacted.pendingRows.length / 4)),
    };
  }
  while (size(compacted) > maxBytes && compacted.outbox.length > 1) {
    compacted = { ...compacted, outbox: compacted.outbox.slice(Math.ceil(compacted.outbox.length / 4)) };
  }
  return compacted;
}

function compactAlert(alert: Alert): Alert {
  return {
    ...alert,
    ...(alert.materialItems ? { materialItems: alert.materialItems.slice(0, 50) } : {}),
    details: alert.kind === 'sync-errors' ? withoutObjectLists(alert.details) : alert.details,
  };
}

function withoutObjectLists(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const groups = Array.isArray(details.groups) ? (details.groups as Record<string, unknown>[]) : [];
  return {
    ...details,
    groups: groups.map((g) => ({
      ...g,
      objects: [],
      moreObjects: typeof g.objectCount === 'number' ? g.objectCount : g.moreObjects,
    })),
  };
}
