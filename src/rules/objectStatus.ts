import { readStoredState } from '../state/storedState.js';
import { issueFrom, type RunIssue } from '../collect/runErrors.js';
import { StateConflictError, type StateKey, type StateStore, type WriteCondition } from '../state/store.js';
import type { ProvisioningRecord } from '../tables/definitions.js';
import {
  applyObjectEvents,
  emptyObjectStatus,
  objectStatusState,
  pruneObjectStatus,
  shrinkObjectStatus,
  toObjectEvents,
  type ObjectStatusLimits,
  type ObjectStatusState,
} from './objectStatusState.js';
import { ObjectEventLog } from './objectEventLog.js';

export const OBJECT_STATUS_KEY = 'rules-object-status';

/** Leaves room under STATE_VALUE_MAX_BYTES for the envelope a store adds. */
const MAX_STATE_BYTES = 800_000;
const SAVE_ROUNDS = 4;

/**
 * How far the tracker's knowledge can be trusted this run:
 * - `ok`: read from storage (or there was none yet, or it was corrupt and replaced) and saved;
 * - `unavailable`: the stored status could not be read or saved, so what it says may lack earlier
 *   evidence: no sync-errors alert may resolve on it.
 */
export type ObjectStatusHealth = 'ok' | 'unavailable';

/** What the rules see: the per-job failing objects, and how far that knowledge reaches back (`state.since`). */
export interface ObjectStatusSnapshot {
  readonly health: ObjectStatusHealth;
  readonly state: ObjectStatusState;
}

type Base = { etag: string } | { absent: true } | { replace: string | undefined } | { unknown: true };

/**
 * The incremental per-object provisioning status behind `sync-errors`, persisted per tenant.
 *
 * Fed with every batch the collector writes (`record`), then saved once (`save`). The run's events are
 * kept (reduced, in an ObjectEventLog) until the save, so when the save loses an ETag race, or the load had failed, the stored
 * status is read again and the run's events are replayed onto it: latest-event-wins makes that replay
 * safe, and no run's evidence is lost to another run's write.
 */
export class ObjectStatusTracker {
  private readonly events = new ObjectEventLog();
  private health: ObjectStatusHealth;
  private readonly issues: RunIssue[] = [];

  private constructor(
    private readonly key: StateKey,
    private readonly limits: ObjectStatusLimits,
    private state: ObjectStatusState,
    private base: Base,
  ) {
    this.health = 'unknown' in base ? 'unavailable' : 'ok';
  }

  /** Never throws: an unreadable status is reported as an issue (see `save`), and the run goes on. */
  static async load(
    store: StateStore,
    tenantId: string,
    limits: ObjectStatusLimits,
    now: Date,
  ): Promise<ObjectStatusTracker> {
    const key = { tenantId, name: OBJECT_STATUS_KEY };
    const stored = await readStoredState(store, key, objectStatusState);
    switch (stored.kind) {
      case 'found':
        return new ObjectStatusTracker(key, limits, stored.value, { etag: stored.etag });
      case 'absent':
        return new ObjectStatusTracker(key, limits, emptyObjectStatus(now), { absent: true });
      case 'corrupt': {
        const tracker = new ObjectStatusTracker(key, limits, emptyObjectStatus(now), {
          replace: stored.etag,
        });
        tracker.issues.push(corruptIssue(stored.reason));
        return tracker;
      }
      case 'unavailable': {
        const tracker = new ObjectStatusTracker(key, limits, emptyObjectStatus(now), { unknown: true });
        tracker.issues.push({ ...issueFrom('state', stored.error, OBJECT_STATUS_KEY), severity: 'warning' });
        return tracker;
      }
    }
  }

  /** Feed with each batch of provisioning records as it is written (the collect stage's onProvisioningWritten). */
  record(records: readonly ProvisioningRecord[]): void {
    const events = toObjectEvents(records);
    this.events.add(events);
    applyObjectEvents(this.state, events, this.limits);
  }

  /**
   * Saves the status with the run's events applied. `provisioningRead`: this run read the provisioning
   * log without error, so objects not heard of for SYNC_ERRORS_STALE_HOURS may be forgotten (an outage
   * must never pass for silence). Returns the issues of loading and saving (signal `state`); never throws.
   */
  async save(store: StateStore, options: { now: Date; provisioningRead: boolean }): Promise<RunIssue[]> {
    const issues = [...this.issues];
    for (let round = 0; round < SAVE_ROUNDS; round++) {
      if (round > 0 || 'unknown' in this.base) {
        const failure = await this.reread(store, options.now, issues);
        if (failure) {
          this.health = 'unavailable';
          issues.push(failure);
          return issues;
        }
      }
      pruneObjectStatus(this.state, options.now, this.limits, { forgetStale: options.provisioningRead });
      const dropped = shrinkObjectStatus(this.state, MAX_STATE_BYTES);
      if (dropped > 0) {
        issues.push({
          signal: 'state',
          severity: 'warning',
          code: 'ObjectStatusTruncated',
          message: `${dropped} untracked failing objects were dropped to keep the object status under ${MAX_STATE_BYTES} bytes`,
          target: OBJECT_STATUS_KEY,
        });
      }
      try {
        const etag = await store.write(this.key, this.state, this.condition());
        this.base = { etag };
        this.health = 'ok';
        this.events.clear();
        return issues;
      } catch (error) {
        if (error instanceof StateConflictError) continue;
        this.health = 'unavailable';
        issues.push(issueFrom('state', error, OBJECT_STATUS_KEY));
        return issues;
      }
    }
    this.health = 'unavailable';
    issues.push({
      signal: 'state',
      severity: 'error',
      code: 'StateConflict',
      message: `${OBJECT_STATUS_KEY}: still contended after ${SAVE_ROUNDS} rounds`,
      target: OBJECT_STATUS_KEY,
    });
    return issues;
  }

  snapshot(): ObjectStatusSnapshot {
    return { health: this.health, state: this.state };
  }

  private condition(): WriteCondition {
    if ('etag' in this.base) return { ifMatch: this.base.etag };
    if ('replace' in this.base)
      return this.base.replace ? { ifMatch: this.base.replace } : { unconditional: true };
    return { ifNoneMatch: '*' };
  }

  /** Reads the stored status again and replays this run's events onto it; returns an issue on failure. */
  private async reread(store: StateStore, now: Date, issues: RunIssue[]): Promise<RunIssue | undefined> {
    const stored = await readStoredState(store, this.key, objectStatusState);
    switch (stored.kind) {
      case 'unavailable':
        return issueFrom('state', stored.error, OBJECT_STATUS_KEY);
      case 'found':
        this.state = stored.value;
        this.base = { etag: stored.etag };
        break;
      case 'absent':
        this.state = emptyObjectStatus(now);
        this.base = { absent: true };
        break;
      case 'corrupt':
        // Replaced by what this run knows; `since` starts again (see the sync-errors coverage).
        this.state = emptyObjectStatus(now);
        this.base = { replace: stored.etag };
        issues.push(corruptIssue(stored.reason));
        break;
    }
    applyObjectEvents(this.state, this.events, this.limits);
    return undefined;
  }
}

function corruptIssue(reason: string): RunIssue {
  return {
    signal: 'state',
    severity: 'warning',
    code: 'CorruptState',
    message: `${reason.slice(0, 300)}; replaced, failing objects are tracked afresh`,
    target: OBJECT_STATUS_KEY,
  };
}
