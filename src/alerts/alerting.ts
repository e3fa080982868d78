import type { Clock } from '../clock.js';
import { issueFrom, type RunIssue } from '../collect/runErrors.js';
import { evaluateRules } from '../rules/index.js';
import type { Observations } from '../rules/observations.js';
import type { RecordSink } from '../sinks/sink.js';
import { StateConflictError, type StateStore, type WriteCondition } from '../state/store.js';
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
import type { Alert, AlertCandidate, Transition } from '../domain/alertModel.js';
import { transitionRow } from './rows.js';
import type { AlertSettings } from './settings.js';
import { readStoredState } from '../state/storedState.js';

export interface AlertingDependencies {
  readonly state: StateStore;
  readonly sink: RecordSink;
  readonly clock: Clock;
  readonly tenantId: string;
  readonly settings: AlertSettings;
  /** The channels this run's notifications will go to, for the rows' Channels column; unknown: null. */
  readonly channels?: readonly string[];
}

export interface AlertingResult {
  /** Every transition of this run, most severe first. Notify those without `recordOnly`. */
  readonly transitions: readonly Transition[];
  /** The CloudSyncAlert_CL rows of these transitions (already written, or kept for the next run). */
  readonly rows: readonly AlertRecord[];
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
 * commit the book (the commit point: conditional on the ETag, so of two racing runs exactly one commits
 * and the other throws AlertBookConflictError before anything is sent), then write the transitions' rows.
 *
 * The rows are committed in the book as pending before they go to the sink, and cleared once the sink
 * took them: a sink failure or a crash in between loses no row (it is written next run), at the price
 * of a rare duplicate row when the clearing write itself fails.
 */
export async function runAlerting(
  deps: AlertingDependencies,
  observations: Observations,
): Promise<AlertingResult> {
  const { state, sink, clock, tenantId, settings } = deps;
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
    case 'corrupt':
      // Open alerts are lost: what fires now is `new` again. Better than never alerting again.
      previous = emptyAlertBook();
      condition = stored.etag ? { ifMatch: stored.etag } : { unconditional: true };
      issues.push({
        signal: 'state',
        severity: 'warning',
        code: 'CorruptState',
        message: `${stored.reason.slice(0, 300)}; replaced by an empty alert book`,
        target: ALERT_BOOK_KEY,
      });
      break;
  }

  const evaluation = evaluateRules(observations, previous.memory, now, settings);
  const { book: advanced, transitions } = advance(
    previous,
    evaluation.candidates,
    evaluation.coverage,
    now,
    settings,
  );
  const rows = transitions.map((t) => transitionRow(t, deps.channels));
  const committed = compactBook({
    ...advanced,
    memory: evaluation.memory,
    pendingRows: [...previous.pendingRows, ...rows].slice(-PENDING_ROWS_MAX),
    updatedAt: now.toISOString(),
  });

  let etag: string;
  try {
    etag = await state.write(key, committed, condition);
  } catch (error) {
    if (error instanceof StateConflictError) throw new AlertBookConflictError(tenantId);
    throw error;
  }

  if (committed.pendingRows.length > 0) {
    try {
      await sink.write('CloudSyncAlert_CL', committed.pendingRows as unknown as AlertRecord[]);
      try {
        await state.write(key, { ...committed, pendingRows: [] }, { ifMatch: etag });
      } catch (error) {
        // The rows are written; if the book moved on meanwhile, the next run may write them once more.
        issues.push({ ...issueFrom('state', error, ALERT_BOOK_KEY), severity: 'warning' });
      }
    } catch (error) {
      issues.push(issueFrom('sink', error, 'CloudSyncAlert_CL'));
    }
  }

  return {
    transitions,
    rows,
    active: activeAlerts(committed),
    candidates: evaluation.candidates,
    issues,
  };
}
