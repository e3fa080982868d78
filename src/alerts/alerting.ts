import type { Clock } from '../clock.js';
import { issueFrom, type RunIssue } from '../collect/runErrors.js';
import { isConfirmed } from '../notify/delivery.js';
import { evaluateRules } from '../rules/index.js';
import type { Observations } from '../rules/observations.js';
import { alertRowKey, rowIdentity } from '../tables/rowIdentity.js';
import { SinkError, unstoredRows, type RecordSink } from '../sinks/sink.js';
import { writeIfUnchanged } from '../state/conditionalWrite.js';
import type { StateStore, WriteCondition } from '../state/store.js';
import type { AlertRecord } from '../tables/definitions.js';
import { advance } from './advance.js';
import {
  ALERT_BOOK_KEY,
  PENDING_ROWS_MAX,
  activeAlerts,
  alertBook,
  compactBook,
  emptyAlertBook,
  type AlertBook,
} from './book.js';
import { bySeverity, type Alert, type AlertCandidate, type Transition } from '../domain/alertModel.js';
import { transitionRow } from './rows.js';
import type { AlertSettings } from './settings.js';
import { corruptStateIssue, setAside } from '../state/setAside.js';
import { readStoredState } from '../state/storedState.js';
import { applySilences, type Silence } from './silences.js';

export interface AlertingDependencies {
  readonly state: StateStore;
  readonly sink: RecordSink;
  readonly clock: Clock;
  readonly tenantId: string;
  readonly settings: AlertSettings;
  /** The channels this run's notifications will go to, for the rows' Channels column; unknown: null. */
  readonly channels?: readonly string[];
  /** Silences and maintenance windows (active or not: applySilences picks); none when absent. */
  readonly silences?: readonly Silence[];
}

/** Names the notification of this run's transitions, committed in the book's outbox with them. */
export interface OutboxMessage {
  readonly id: string;
  readonly createdAt: string;
}

export interface AlertingResult {
  /** Every transition of this run, most severe first. Notify those without `recordOnly`. */
  readonly transitions: readonly Transition[];
  /** The CloudSyncAlert_CL rows of these transitions, committed in the book until `writeAlertRows`. */
  readonly rows: readonly AlertRecord[];
  /** Every notification committed and not yet settled, oldest first (this run's last, if it has one). */
  readonly outbox: AlertBook['outbox'];
  /** The book's etag after the commit. */
  readonly etag: string;
  /** Open and acknowledged alerts after this run (status, health, digest). */
  readonly active: readonly Alert[];
  /** What the rules raised this run (before inhibition and dedup), for logs and the demo. */
  readonly candidates: readonly AlertCandidate[];
  /** Sink failures (the rows are kept and written next run) and a replaced corrupt book. */
  readonly issues: readonly RunIssue[];
}

/** Another run committed alert transitions between our read and our write: this run must notify nothing. */
export class AlertBookConflictError extends Error {
  constructor(readonly tenantId: string) {
    super(
      `the alert book of tenant ${tenantId} was changed by another run at the same time; ` +
        'this run committed no transitions and must send no notifications (the other run sends them)',
    );
    this.name = 'AlertBookConflictError';
  }
}

/** The alert book could not be read: nothing can be decided, nothing is written or sent. */
export class AlertBookUnavailableError extends Error {
  constructor(
    readonly tenantId: string,
    options: { cause: unknown },
  ) {
    super(`the alert book of tenant ${tenantId} could not be read: no alerts evaluated this run`, options);
    this.name = 'AlertBookUnavailableError';
  }
}

/**
 * One alerting step of a run: read the book with its ETag, evaluate the rules, advance the lifecycle,
 * and commit the book (the commit point: conditional on the ETag, so of two racing runs exactly one
 * commits and the other throws AlertBookConflictError before anything is sent). The commit carries the
 * transitions' rows and, when `message` is given and something is to be told, the notification in the
 * outbox: transitions, rows and message are committed together or not at all. Rows go to the sink
 * later (`writeAlertRows`), once the run knows which channels took the message.
 */
export async function runAlerting(
  deps: AlertingDependencies,
  observations: Observations,
  message?: OutboxMessage,
): Promise<AlertingResult> {
  const { state, clock, tenantId, settings } = deps;
  const key = { tenantId, name: ALERT_BOOK_KEY };
  const now = clock.now();
  const issues: RunIssue[] = [];

  const stored = await readStoredState(state, key, alertBook);
  let previous: AlertBook;
  let condition: WriteCondition;
  switch (stored.kind) {
    case 'unavailable':
      throw new AlertBookUnavailableError(tenantId, { cause: stored.error });
    case 'found':
      previous = stored.value;
      condition = { ifMatch: stored.etag };
      break;
    case 'absent':
      previous = emptyAlertBook();
      condition = { ifNoneMatch: '*' };
      break;
    case 'corrupt': {
      // Set aside (the one policy, src/state/setAside.ts): open alerts are lost and what fires now is
      // `new` again. Better than never alerting again. A writer that replaced it meanwhile wins the
      // commit below (ifNoneMatch), and this run stands down as for any lost race.
      const aside = await setAside(state, key, stored.reason, stored.etag, { now });
      previous = emptyAlertBook();
      condition = { ifNoneMatch: '*' };
      issues.push(corruptStateIssue(aside));
      break;
    }
  }

  const evaluation = evaluateRules(observations, previous.memory, now, settings);
  const lifecycle = advance(
    previous,
    evaluation.candidates,
    evaluation.coverage,
    now,
    settings,
    evaluation.resolutions,
  );
  const silenced = applySilences(lifecycle.book.alerts, lifecycle.transitions, deps.silences ?? [], now);
  const advanced = { ...lifecycle.book, alerts: silenced.alerts };
  const transitions = silenced.transitions.sort(bySeverity);
  const rows = transitions.map((t) => transitionRow(t, deps.channels));
  const toSend = transitions.filter((t) => !t.recordOnly);
  const outbox =
    message && toSend.length > 0
      ? [...previous.outbox, { id: message.id, createdAt: message.createdAt, transitions: toSend, done: [] }]
      : previous.outbox;
  const committed = compactBook({
    ...advanced,
    memory: evaluation.memory,
    pendingRows: [...previous.pendingRows, ...rows].slice(-PENDING_ROWS_MAX),
    outbox,
    updatedAt: now.toISOString(),
  });

  const kept = new Set(committed.outbox.map((entry) => entry.id));
  const dropped = outbox.filter((entry) => !kept.has(entry.id));
  if (dropped.length > 0) issues.push(outboxTrimmedIssue(dropped));

  const etag = await writeIfUnchanged(state, key, committed, condition);
  if (etag === undefined) throw new AlertBookConflictError(tenantId);

  return {
    transitions,
    rows,
    outbox: committed.outbox,
    etag,
    active: activeAlerts(committed),
    candidates: evaluation.candidates,
    issues,
  };
}

/** Messages the book could not keep (see compactBook): said in the run row, not lost silently. */
function outboxTrimmedIssue(dropped: readonly AlertBook['outbox'][number][]): RunIssue {
  return {
    signal: 'notify',
    severity: 'warning',
    code: 'OutboxTrimmed',
    message:
      `${dropped.length} alert messages waiting since ${dropped[0]!.createdAt} were given up unsent on the ` +
      `channels that had not taken them, to keep the alert book storable (${dropped
        .slice(0, 3)
        .map((e) => e.id)
        .join(', ')}${dropped.length > 3 ? ', ...' : ''})`,
    target: ALERT_BOOK_KEY,
  };
}

/**
 * Writes the rows the book holds to the sink and clears them: a sink failure or a crash in between
 * loses no row (it is written next run), at the price of a rare duplicate row when the clearing write
 * itself fails. `delivery` says, per alert row key (see `rowKey`), which channels confirmed the message.
 */
export async function writeAlertRows(
  deps: Pick<AlertingDependencies, 'state' | 'sink' | 'tenantId'>,
  delivery: ReadonlyMap<string, Readonly<Record<string, string>>>,
): Promise<RunIssue[]> {
  const table = 'CloudSyncAlert_CL';
  const key = { tenantId: deps.tenantId, name: ALERT_BOOK_KEY };
  const issues: RunIssue[] = [];
  const stored = await readStoredState(deps.state, key, alertBook);
  if (stored.kind !== 'found' || stored.value.pendingRows.length === 0) return issues;
  let book = stored.value;
  let etag = stored.etag;
  const { sink } = deps;
  // A run that died after writing these rows but before clearing them: the sink says which it holds.
  if (book.rowsAt !== undefined && sink.heldSince) {
    const keys = new Set(book.pendingRows.flatMap((row) => rowIdentity(table, row) ?? []));
    const held = await sink.heldSince(table, book.rowsAt, keys);
    book = {
      ...book,
      pendingRows: book.pendingRows.filter((row) => !held.has(rowIdentity(table, row) ?? '')),
    };
  }
  try {
    if (sink.position && book.pendingRows.length > 0) {
      // Where the rows start, recorded before they go: what makes the recovery above possible.
      book = { ...book, rowsAt: await sink.position(table) };
      etag = await deps.state.write(key, book, { ifMatch: etag });
    }
  } catch (error) {
    issues.push({ ...issueFrom('state', error, ALERT_BOOK_KEY), severity: 'warning' });
    return issues;
  }
  const rows = book.pendingRows.map((row) => withDelivery(row, delivery));
  let left: typeof book.pendingRows = [];
  try {
    if (rows.length > 0) await sink.write(table, rows as unknown as AlertRecord[]);
  } catch (error) {
    issues.push(issueFrom('sink', error, table));
    if (!(error instanceof SinkError) || !error.rejected) {
      // Kept with what this run knew of their delivery, for the run that writes them.
      await deps.state.write(key, { ...book, pendingRows: rows }, { ifMatch: etag }).catch(() => undefined);
      return issues;
    }
    // Some rows were taken: keep only the others for the next run.
    left = unstoredRows(rows, error);
  }
  try {
    const { rowsAt: _written, ...rest } = book;
    await deps.state.write(key, { ...rest, pendingRows: left }, { ifMatch: etag });
  } catch (error) {
    // The rows are written; if the book moved on meanwhile, the next run may write them once more.
    issues.push({ ...issueFrom('state', error, ALERT_BOOK_KEY), severity: 'warning' });
  }
  return issues;
}

/** Identifies a transition's row (one definition: src/tables/rowIdentity.ts). */
export const rowKey = alertRowKey;

/**
 * A row's Channels as confirmed: the channels that delivered the message; the others and what became
 * of them (pending, queued, failed, unconfirmed) in Details.delivery. A row this run's notify stage
 * said nothing of (it failed, or the row waited for the sink since an earlier run) keeps what an
 * earlier write attempt knew, else says `unknown` for each channel and confirms none: before, it kept
 * the commit's list of every receiver channel, which read as delivered everywhere.
 */
function withDelivery(
  row: Readonly<Record<string, unknown>>,
  delivery: ReadonlyMap<string, Readonly<Record<string, string>>>,
): Record<string, unknown> {
  if (!Array.isArray(row.Channels) || row.Channels.length === 0) return { ...row };
  const details = (typeof row.Details === 'object' && row.Details !== null ? row.Details : {}) as Record<
    string,
    unknown
  >;
  const known = details.delivery;
  let outcomes = delivery.get(rowKey(row.AlertId, row.Transition, row.TimeGenerated));
  if (!outcomes) {
    if (typeof known === 'object' && known !== null) return { ...row };
    outcomes = Object.fromEntries(row.Channels.map((channel) => [String(channel), 'unknown']));
  }
  const confirmed = Object.entries(outcomes)
    .filter(([, outcome]) => isConfirmed(outcome))
    .map(([channel]) => channel);
  return { ...row, Channels: confirmed, Details: { ...details, delivery: outcomes } };
}
