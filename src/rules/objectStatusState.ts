import { createHash } from 'node:crypto';
import { z } from 'zod';
import { errorCategory } from '../domain/errorCategory.js';
import type { ProvisioningObservation } from '../tables/definitions.js';
import { jobKey } from '../domain/jobId.js';
import { capFlat, capName } from '../domain/text.js';

/**
 * Which objects of which job are failing now: the latest provisioning event per (job, source object)
 * wins by time. A Failure adds or updates the object, a later Success or Skipped removes it. This is the
 * evidence behind `sync-errors`: an object leaves the list only because a later event succeeded (or,
 * deliberately, because nothing was heard of it for SYNC_ERRORS_STALE_HOURS).
 *
 * Pure functions over a JSON state; src/rules/objectStatus.ts loads, feeds and saves it.
 */

export interface ObjectStatusLimits {
  /** Objects kept with details per job; beyond it only an id hash, error code and time. */
  readonly trackMaxPerJob: number;
  readonly staleMs: number;
}

const time = z.iso.datetime();

const failingObject = z.object({
  /** Display name (source, else target), capped. */
  n: z.string().nullable(),
  /** Object type. */
  t: z.string().nullable(),
  /** Provisioning action of the latest failed event. */
  a: z.string().nullable(),
  /** Error code of the latest failed event ('' when Graph gave none). */
  c: z.string(),
  /** First failure of the current streak. */
  f: time,
  /** Latest failure. */
  l: time,
});
export type FailingObject = z.infer<typeof failingObject>;

const codeInfo = z.object({
  category: z.string(),
  description: z.string().nullable(),
  recommendedAction: z.string().nullable(),
});

const stagedDeleteCycle = z.object({
  cycleId: z.string(),
  count: z.number().int().nonnegative(),
  firstAt: time,
  lastAt: time,
});
export type StagedDeleteCycle = z.infer<typeof stagedDeleteCycle>;

const jobStatus = z.object({
  /** The job id as the events carry it (3-part); matched to listed jobs by jobKey. */
  jobId: z.string(),
  servicePrincipalId: z.string().nullable(),
  configurationName: z.string().nullable(),
  failing: z.record(z.string(), failingObject),
  /** Failing objects beyond the cap: id hash -> [error code, latest failure as epoch ms]. */
  more: z.record(z.string(), z.tuple([z.string(), z.number()])),
  /**
   * Objects removed by a later non-failure, with that event's time: an older failure published late
   * (Graph's overlap window) must not bring them back. Kept for a day.
   */
  cleared: z.record(z.string(), z.number()),
  codes: z.record(z.string(), codeInfo),
  stagedDeletes: z.array(stagedDeleteCycle),
  /**
   * Successful Delete events per cycle: what a deletion-threshold trip cost once the deletes were
   * allowed (src/rules/deletionThreshold.ts). Absent in states written before.
   */
  deletes: z.array(stagedDeleteCycle).default([]),
});
export type JobObjectStatus = z.infer<typeof jobStatus>;

export const objectStatusState = z.object({
  version: z.literal(1),
  /** Since when this state has been fed without a gap in knowledge (reset when a corrupt state was replaced). */
  since: time,
  jobs: z.record(z.string(), jobStatus),
});
export type ObjectStatusState = z.infer<typeof objectStatusState>;

export const emptyObjectStatus = (now: Date): ObjectStatusState => ({
  version: 1,
  since: now.toISOString(),
  jobs: {},
});

/** One event, reduced to what the status needs (kept per run so a lost save race can be replayed). */
export interface ObjectEvent {
  readonly job: string;
  readonly jobId: string;
  readonly servicePrincipalId: string | null;
  readonly configurationName: string | null;
  readonly at: number;
  readonly objectId: string | null;
  readonly result: 'failure' | 'clear' | 'other';
  readonly code: string;
  readonly category: string;
  readonly name: string | null;
  readonly objectType: string | null;
  readonly action: string | null;
  readonly description: string | null;
  readonly recommendedAction: string | null;
  readonly cycleId: string | null;
  readonly stagedDelete: boolean;
  /** A Delete that succeeded. */
  readonly deleted: boolean;
}

const TOMBSTONE_MS = 24 * 3600_000;
const TOMBSTONES_MAX = 2_000;
const STAGED_CYCLES_MAX = 20;
const STAGED_KEEP_MS = 35 * 24 * 3600_000;
/** Untracked objects per job beyond which new ones are not remembered at all (state size). */
const MORE_FACTOR = 20;

/**
 * The tracker keeps every event of a run (for a replay), so an event must be small: a 200k-event run
 * held 120 MB of them. Strings that repeat across events (job ids, names of configurations, codes) are
 * shared instead of one copy per event from JSON.parse, and an event that fails no object keeps only
 * what applyObjectEvents reads of it (job, time, object, result): the rest is only read for failures
 * and staged deletes.
 */
export function toObjectEvents(records: readonly ProvisioningObservation[]): ObjectEvent[] {
  const events: ObjectEvent[] = [];
  for (const r of records) {
    if (!r.JobId) continue;
    const at = Date.parse(r.TimeGenerated);
    if (!Number.isFinite(at)) continue;
    const resultType = (r.ResultType ?? '').toLowerCase();
    const result =
      resultType === 'failure'
        ? 'failure'
        : resultType === 'success' || resultType === 'skipped'
          ? 'clear'
          : 'other';
    const action = (r.ProvisioningAction ?? '').toLowerCase();
    const stagedDelete = action === 'stageddelete';
    const deleted = action === 'delete' && resultType === 'success';
    const job = intern(jobKey(r.JobId));
    const jobId = intern(r.JobId);
    const servicePrincipalId = internOrNull(r.ServicePrincipalId);
    const configurationName = internOrNull(r.ConfigurationName);
    const objectId = (r.SourceId ?? r.TargetId)?.toLowerCase() ?? null;
    const failed = result === 'failure' || stagedDelete;
    const code = failed ? intern(r.ResultSignature ?? '') : '';
    // One literal with every field (no spread): all events share one hidden class, as small as it gets.
    events.push({
      job,
      jobId,
      servicePrincipalId,
      configurationName,
      at,
      objectId,
      result,
      code,
      category: failed ? intern(r.ErrorCategory ?? errorCategory(code) ?? 'Other') : 'Other',
      name: failed ? capName(r.SourceDisplayName ?? r.TargetDisplayName) : null,
      objectType: failed ? internOrNull(r.SourceType ?? r.TargetType) : null,
      action: failed ? internOrNull(r.ProvisioningAction) : null,
      description: failed ? capFlat(r.ResultDescription, 300) : null,
      recommendedAction: failed ? capFlat(r.RecommendedAction, 300) : null,
      // Only staged and done deletes read it (counted per cycle); kept for others, it was one more string per event.
      cycleId: stagedDelete || deleted ? r.CycleId : null,
      stagedDelete,
      deleted,
    });
  }
  // Latest wins by time: apply in time order whatever order the batches came in.
  return events.sort((a, b) => a.at - b.at);
}

/** Few distinct values, one copy each; bounded so a hostile feed cannot grow it without end. */
const interned = new Map<string, string>();
const INTERNED_MAX = 10_000;

function intern(value: string): string {
  const known = interned.get(value);
  if (known !== undefined) return known;
  if (interned.size < INTERNED_MAX) interned.set(value, value);
  return value;
}

const internOrNull = (value: string | null): string | null => (value === null ? null : intern(value));

/** Applies events in place (the state is this run's working copy). */
export function applyObjectEvents(
  state: ObjectStatusState,
  events: Iterable<ObjectEvent>,
  limits: ObjectStatusLimits,
): void {
  for (const event of events) {
    const job = (state.jobs[event.job] ??= {
      jobId: event.jobId,
      servicePrincipalId: event.servicePrincipalId,
      configurationName: event.configurationName,
      failing: {},
      more: {},
      cleared: {},
      codes: {},
      stagedDeletes: [],
      deletes: [],
    });
    job.servicePrincipalId ??= event.servicePrincipalId;
    job.configurationName ??= event.configurationName;
    if (event.stagedDelete) countPerCycle(job.stagedDeletes, event);
    if (event.deleted) countPerCycle((job.deletes ??= []), event);
    if (!event.objectId) continue;
    if (event.result === 'failure') fail(job, event, limits);
    else if (event.result === 'clear') clear(job, event);
  }
}

function fail(job: JobObjectStatus, event: ObjectEvent, limits: ObjectStatusLimits): void {
  const id = event.objectId as string;
  const cleared = job.cleared[id];
  if (cleared !== undefined && cleared >= event.at) return; // a later event already succeeded
  if (cleared !== undefined) delete job.cleared[id];
  const at = new Date(event.at).toISOString();
  job.codes[event.code] = {
    category: event.category,
    description: event.description ?? job.codes[event.code]?.description ?? null,
    recommendedAction: event.recommendedAction ?? job.codes[event.code]?.recommendedAction ?? null,
  };
  const known = job.failing[id];
  if (known) {
    if (Date.parse(known.l) > event.at) {
      // An older failure published late: it only moves the start of the streak back.
      if (Date.parse(known.f) > event.at) known.f = at;
      return;
    }
    job.failing[id] = {
      n: event.name ?? known.n,
      t: event.objectType ?? known.t,
      a: event.action,
      c: event.code,
      f: known.f,
      l: at,
    };
    return;
  }
  const hash = idHash(id);
  const more = job.more[hash];
  if (more || Object.keys(job.failing).length >= limits.trackMaxPerJob) {
    if (more && more[1] > event.at) return;
    if (more || Object.keys(job.more).length < limits.trackMaxPerJob * MORE_FACTOR) {
      job.more[hash] = [event.code, event.at];
    }
    return;
  }
  job.failing[id] = { n: event.name, t: event.objectType, a: event.action, c: event.code, f: at, l: at };
}

function clear(job: JobObjectStatus, event: ObjectEvent): void {
  const id = event.objectId as string;
  const known = job.failing[id];
  if (known) {
    if (Date.parse(known.l) > event.at) return; // an older success published late
    delete job.failing[id];
    job.cleared[id] = event.at;
    return;
  }
  // Most events clear an object that never failed: no hash for them while nothing is beyond the cap.
  if (isEmpty(job.more)) return;
  const hash = idHash(id);
  const more = job.more[hash];
  if (more && more[1] <= event.at) {
    delete job.more[hash];
    job.cleared[id] = event.at;
  }
}

function isEmpty(record: Readonly<Record<string, unknown>>): boolean {
  for (const _ in record) return false;
  return true;
}

function countPerCycle(cycles: StagedDeleteCycle[], event: ObjectEvent): void {
  const cycleId = event.cycleId ?? `unknown-${new Date(event.at).toISOString().slice(0, 13)}`;
  const at = new Date(event.at).toISOString();
  const cycle = cycles.find((c) => c.cycleId === cycleId);
  if (cycle) {
    cycle.count += 1;
    if (at < cycle.firstAt) cycle.firstAt = at;
    if (at > cycle.lastAt) cycle.lastAt = at;
  } else {
    cycles.push({ cycleId, count: 1, firstAt: at, lastAt: at });
    cycles.sort((a, b) => a.lastAt.localeCompare(b.lastAt));
    if (cycles.length > STAGED_CYCLES_MAX) cycles.shift();
  }
}

/**
 * Forgets what no longer matters: failures not heard of for `staleMs` (only call this after a run that
 * read the provisioning log, so an outage is not mistaken for silence), old tombstones and old staged
 * deletes, codes no object has any more, and jobs left empty.
 */
export function pruneObjectStatus(
  state: ObjectStatusState,
  now: Date,
  limits: ObjectStatusLimits,
  options: { readonly forgetStale: boolean },
): void {
  const nowMs = now.getTime();
  for (const [key, job] of Object.entries(state.jobs)) {
    if (options.forgetStale) {
      for (const [id, o] of Object.entries(job.failing)) {
        if (nowMs - Date.parse(o.l) > limits.staleMs) delete job.failing[id];
      }
      for (const [hash, [, at]] of Object.entries(job.more)) {
        if (nowMs - at > limits.staleMs) delete job.more[hash];
      }
    }
    const tombstones = Object.entries(job.cleared).filter(([, at]) => nowMs - at <= TOMBSTONE_MS);
    tombstones.sort((a, b) => b[1] - a[1]);
    job.cleared = Object.fromEntries(tombstones.slice(0, TOMBSTONES_MAX));
    job.stagedDeletes = job.stagedDeletes.filter((c) => nowMs - Date.parse(c.lastAt) <= STAGED_KEEP_MS);
    // Deletes matter only after a trip: kept while the job has staged deletes.
    job.deletes = (job.deletes ?? []).filter(
      (c) => job.stagedDeletes.length > 0 && nowMs - Date.parse(c.lastAt) <= STAGED_KEEP_MS,
    );
    const used = new Set([
      ...Object.values(job.failing).map((o) => o.c),
      ...Object.values(job.more).map((m) => m[0]),
    ]);
    for (const code of Object.keys(job.codes)) if (!used.has(code)) delete job.codes[code];
    const empty =
      Object.keys(job.failing).length === 0 &&
      Object.keys(job.more).length === 0 &&
      Object.keys(job.cleared).length === 0 &&
      job.stagedDeletes.length === 0;
    if (empty) delete state.jobs[key];
  }
}

/**
 * Keeps the serialised state under `maxBytes` by moving the oldest detailed failures of the biggest job
 * to the untracked hashes, then dropping the oldest untracked ones. Counts survive the first step; only
 * a pathological state loses some of the second.
 */
export function shrinkObjectStatus(state: ObjectStatusState, maxBytes: number): number {
  let dropped = 0;
  for (let round = 0; round < 100 && Buffer.byteLength(JSON.stringify(state)) > maxBytes; round++) {
    const jobs = Object.values(state.jobs);
    const biggest = jobs.sort(
      (a, b) =>
        Object.keys(b.failing).length +
        Object.keys(b.more).length / 4 -
        (Object.keys(a.failing).length + Object.keys(a.more).length / 4),
    )[0];
    if (!biggest) break;
    const detailed = Object.entries(biggest.failing).sort((a, b) => a[1].l.localeCompare(b[1].l));
    if (detailed.length > 10) {
      for (const [id, o] of detailed.slice(0, Math.ceil(detailed.length / 4))) {
        delete biggest.failing[id];
        biggest.more[idHash(id)] = [o.c, Date.parse(o.l)];
      }
      continue;
    }
    const more = Object.entries(biggest.more).sort((a, b) => a[1][1] - b[1][1]);
    const cut = more.slice(0, Math.max(1, Math.ceil(more.length / 4)));
    for (const [hash] of cut) delete biggest.more[hash];
    biggest.cleared = {};
    dropped += cut.length;
    if (cut.length === 0) break;
  }
  return dropped;
}

/** 12 hex digits of SHA-256: collisions among a job's failing objects are negligible, and it is 1/3 of a GUID. */
function idHash(id: string): string {
  return createHash('sha256').update(id).digest('hex').slice(0, 12);
}
