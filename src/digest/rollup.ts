import { readValidated, type StateStore } from '../state/store.js';
import { updateState } from '../state/update.js';
import type { AgentRecord } from '../tables/definitions.js';
import { boundRollup } from './rollupBounds.js';
import {
  carryFailing,
  mergeAgentRecords,
  mergeRun,
  type FailingMemory,
  type RunObservation,
} from './rollupMerge.js';
import {
  ROLLUP_PREFIX,
  emptyRollup,
  hourOfRollupName,
  hourRollupSchema,
  hourStart,
  rollupName,
  type HourRollup,
} from './rollupSchema.js';

/**
 * The digest's data source: hourly rollups that every collect run updates, so the daily digest reads
 * at most 48 small state values instead of 24 hours of provisioning logs. Writes are compare-and-swap on
 * the ETag and retried on conflict (a heartbeat can land while a run writes), so no observation is lost.
 */

export const ROLLUP_RETENTION_MS = 8 * 24 * 3600_000;
const MAX_ATTEMPTS = 10;

export interface RecordResult {
  readonly name: string;
  /** Writes attempted: more than 1 means another writer got in between and the merge was redone. */
  readonly attempts: number;
  /** This call started the hour's rollup (and so also pruned old ones). */
  readonly created: boolean;
  /** The stored hour could not be read back (corrupt) and was started afresh. */
  readonly replacedCorrupt: boolean;
  readonly pruned: readonly string[];
}

export interface RecordOptions extends FailingMemory {
  readonly retentionMs?: number;
  /** Waits between conflicting attempts; injectable so tests need not sleep. */
  readonly backoff?: (attempt: number) => Promise<void>;
}

/**
 * Records one collect run into the rollup of its UTC hour. Called by the collect run after each run with
 * the run's result, the tally fed by `onProvisioningWritten`, and the run's alert transitions.
 * Recording the same run twice changes nothing.
 */
export function recordRun(
  state: StateStore,
  tenantId: string,
  observation: RunObservation,
  options: RecordOptions,
): Promise<RecordResult> {
  return updateHour(
    state,
    tenantId,
    observation.result.startedAt,
    (r) => mergeRun(r, observation, options),
    options,
  );
}

/** Records agent observations that did not come from a run (heartbeats posted by the agent hosts). */
export function recordAgentObservations(
  state: StateStore,
  tenantId: string,
  at: Date,
  records: readonly AgentRecord[],
  options: RecordOptions,
): Promise<RecordResult> {
  return updateHour(state, tenantId, at, (r) => mergeAgentRecords(r, records), options);
}

async function updateHour(
  state: StateStore,
  tenantId: string,
  at: Date,
  merge: (rollup: HourRollup) => HourRollup,
  options: RecordOptions,
): Promise<RecordResult> {
  const key = { tenantId, name: rollupName(at) };
  let earlier: Promise<HourRollup | undefined> | undefined; // looked up once, and only for a new hour
  let attempts = 0;
  const outcome = await updateState(
    state,
    key,
    hourRollupSchema,
    async (found, { corrupt }) => {
      attempts++;
      // A damaged hour is set aside by updateState and started afresh: it must not block every later run.
      const base =
        found ??
        carryFailing(
          await (earlier ??= latestEarlier(state, tenantId, at)),
          emptyRollup(tenantId, at),
          options,
        );
      const next = boundRollup(merge(base));
      const result = { created: !found, replacedCorrupt: corrupt !== undefined };
      return found && next === found
        ? { result: { ...result, written: false } }
        : { value: next, result: { ...result, written: true } };
    },
    { maxRounds: MAX_ATTEMPTS, now: at, ...(options.backoff ? { backoff: options.backoff } : {}) },
  );
  const pruned =
    outcome.written && outcome.created
      ? await pruneRollups(state, tenantId, at, options.retentionMs ?? ROLLUP_RETENTION_MS)
      : [];
  return {
    name: key.name,
    attempts,
    created: outcome.written && outcome.created,
    replacedCorrupt: outcome.replacedCorrupt,
    pruned,
  };
}

/** The most recent rollup before `at`'s hour, for carrying the failing objects into a new hour. */
async function latestEarlier(state: StateStore, tenantId: string, at: Date): Promise<HourRollup | undefined> {
  const current = rollupName(at);
  const names = (await state.list(tenantId, ROLLUP_PREFIX))
    .filter((n) => hourOfRollupName(n) && n < current)
    .sort();
  for (const name of names.reverse().slice(0, 3)) {
    try {
      const found = await readValidated(state, { tenantId, name }, hourRollupSchema);
      if (found) return found.value;
    } catch {
      // unreadable: try the hour before
    }
  }
  return undefined;
}

/** Deletes rollups older than the retention (8 days: the digest reads 2). Never fails the caller. */
export async function pruneRollups(
  state: StateStore,
  tenantId: string,
  now: Date,
  retentionMs = ROLLUP_RETENTION_MS,
): Promise<string[]> {
  const cutoff = hourStart(new Date(now.getTime() - retentionMs)).getTime();
  const pruned: string[] = [];
  try {
    for (const name of await state.list(tenantId, ROLLUP_PREFIX)) {
      const hour = hourOfRollupName(name);
      if (!hour || hour.getTime() >= cutoff) continue;
      await state.delete({ tenantId, name });
      pruned.push(name);
    }
  } catch {
    // Pruning is housekeeping: the next new hour tries again.
  }
  return pruned;
}

export interface RollupRead {
  /** The hours that exist, oldest first. Hours with no rollup are simply absent (the model calls them gaps). */
  readonly hours: readonly HourRollup[];
  /** Hours whose rollup exists but could not be read back. */
  readonly unreadable: readonly string[];
}

/** Reads the hourly rollups of [from, to): one read per hour, no listing. */
export async function readRollups(
  state: StateStore,
  tenantId: string,
  from: Date,
  to: Date,
): Promise<RollupRead> {
  const names: string[] = [];
  for (let t = hourStart(from).getTime(); t < to.getTime(); t += 3600_000)
    names.push(rollupName(new Date(t)));
  const results = await Promise.all(
    names.map(async (name) => {
      try {
        return { name, found: await readValidated(state, { tenantId, name }, hourRollupSchema) };
      } catch {
        return { name, found: undefined, unreadable: true };
      }
    }),
  );
  return {
    hours: results.flatMap((r) => (r.found ? [r.found.value] : [])),
    unreadable: results.filter((r) => 'unreadable' in r).map((r) => r.name),
  };
}
