import { issueFrom, type RunIssue } from '../collect/runErrors.js';
import { corruptStateIssue, type SetAside } from '../state/setAside.js';
import type { StateKey, StateStore } from '../state/store.js';
import { readStoredState } from '../state/storedState.js';
import { updateVersioned, type HeldValue } from '../state/update.js';
import type { ProvisioningObservation } from '../tables/definitions.js';
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

/** What the run read at load: a version to write against, none stored, or undefined: read afresh at save. */
type Base = { readonly etag: string } | { readonly absent: true } | undefined;

/**
 * The incremental per-object provisioning status behind `sync-errors`, persisted per tenant.
 *
 * Fed with every batch the collector writes (`record`), then saved once (`save`). The run's events are
 * kept (reduced, in an ObjectEventLog) until the save, so when the save loses an ETag race, or the load
 * had failed, the stored status is read again and the run's events are replayed onto it: latest-event-wins
 * makes that replay safe, and no run's evidence is lost to another run's write.
 */
export class ObjectStatusTracker {
  private readonly events = new ObjectEventLog();
  private health: ObjectStatusHealth = 'ok';
  private readonly issues: RunIssue[] = [];

  private constructor(
    private readonly key: StateKey,
    private readonly limits: ObjectStatusLimits,
    private state: ObjectStatusState,
    private base: Base,
  ) {}

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
      case 'corrupt':
        // Knowledge starts afresh (`since` is now: see the sync-errors coverage); the save sets the
        // damaged value aside and reports it.
        return new ObjectStatusTracker(key, limits, emptyObjectStatus(now), undefined);
      case 'unavailable': {
        const tracker = new ObjectStatusTracker(key, limits, emptyObjectStatus(now), undefined);
        tracker.health = 'unavailable';
        tracker.issues.push({ ...issueFrom('state', stored.error, OBJECT_STATUS_KEY), severity: 'warning' });
        return tracker;
      }
    }
  }

  /** Feed with each batch of provisioning records as it is written (the collect stage's onProvisioningWritten). */
  record(records: readonly ProvisioningObservation[]): void {
    const events = toObjectEvents(records);
    this.events.add(events);
    applyObjectEvents(this.state, events, this.limits);
  }

  /**
   * Saves the status with the run's events applied. `provisioningRead`: this run read the provisioning
   * log without error, so objects not heard of for SYNC_ERRORS_STALE_HOURS may be forgotten (an outage
   * must never pass for silence). Returns the issues of loading and saving (signal `state`); never throws.
   *
   * The write is the one update-with-ETag (src/state/update.ts), holding what was loaded: when it loses
   * the race (or the load had failed, or found a corrupt value, which is set aside), the status is read
   * afresh and this run's events are replayed onto it.
   */
  async save(store: StateStore, options: { now: Date; provisioningRead: boolean }): Promise<RunIssue[]> {
    const issues = [...this.issues];
    let dropped = 0;
    let corrupt: SetAside | undefined;
    try {
      const { etag } = await updateVersioned(
        store,
        this.key,
        objectStatusState,
        (current, context) => {
          corrupt = context.corrupt;
          if (!context.held) {
            this.state = current ?? emptyObjectStatus(options.now);
            applyObjectEvents(this.state, this.events, this.limits);
          }
          pruneObjectStatus(this.state, options.now, this.limits, { forgetStale: options.provisioningRead });
          dropped = shrinkObjectStatus(this.state, MAX_STATE_BYTES);
          return { value: this.state, result: undefined };
        },
        { now: options.now, maxRounds: SAVE_ROUNDS, held: this.held() },
      );
      this.base = etag === undefined ? undefined : { etag };
      this.health = 'ok';
      this.events.clear();
    } catch (error) {
      this.health = 'unavailable';
      issues.push(issueFrom('state', error, OBJECT_STATUS_KEY));
    }
    if (corrupt) issues.push(corruptStateIssue(corrupt));
    if (dropped > 0) {
      issues.push({
        signal: 'state',
        severity: 'warning',
        code: 'ObjectStatusTruncated',
        message: `${dropped} untracked failing objects were dropped to keep the object status under ${MAX_STATE_BYTES} bytes`,
        target: OBJECT_STATUS_KEY,
      });
    }
    return issues;
  }

  snapshot(): ObjectStatusSnapshot {
    return { health: this.health, state: this.state };
  }

  /** The loaded status with this run's events in it, with the version it was read at. */
  private held(): HeldValue<ObjectStatusState> | undefined {
    if (this.base === undefined) return undefined;
    return 'absent' in this.base ? this.base : { value: this.state, etag: this.base.etag };
  }
}
