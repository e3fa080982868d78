import { createHash } from 'node:crypto';
import { z } from 'zod';
import { errorCategory } from '../domain/errorCategory.js';
import type { ProvisioningObservation } from '../tables/definitions.js';
import { jobKey } from '../domain/jobId.js';
import { StringPool } from '../domain/stringPool.js';
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

/** What an event says of its job: the same four strings (one copy each) for all events of a job. */
export type ObjectEventJob = Pick<ObjectEvent, 'job' | 'jobId' | 'servicePrincipalId' | 'configurationName'>;

/**
 * Where a run's events are kept for a replay (ObjectEventLog): an event that fails no object and counts
 * no delete is handed over as its parts, never built as an ObjectEvent (nearly every event of a run).
 */
export interface ObjectEventSink {
  addCompact(at: number, objectId: string | null, job: ObjectEventJob, result: 'clear' | 'other'): void;
  addWhole(event: ObjectEvent): void;
  /**
   * One copy of a text that whole events repeat (names, error texts and cycle ids of the objects that
   * fail again and again): the copy to keep for `value`.
   */
  share(value: string): string;
  /**
   * The one copy of an object id to use from here on: the status is looked up with it (a lookup with an
   * id string first seen costs more than with one seen before).
   */
  objectId(id: string): string;
}

/**
 * The tracker keeps every event of a run (for a replay), so an event must be small: a 200k-event run
 * held 120 MB of them. Strings that repeat across events (job ids, names of configurations, codes) are
 * shared instead of one copy per event from JSON.parse, and an event that fails no object keeps only
 * what applyObjectEvents reads of it (job, time, object, result): the rest is only read for failures
 * and staged deletes.
 */
export function toObjectEvents(records: readonly ProvisioningObservation[]): ObjectEvent[] {
  const events: ObjectEvent[] = [];
  const sink: ObjectEventSink = {
    addCompact: (at, objectId, job, result) => events.push(compactEvent(at, objectId, job, result)),
    addWhole: (event) => events.push(event),
    share: (value) => value,
    objectId: (id) => id,
  };
  eachObjectEvent(records, sink, () => undefined);
  return events;
}

/**
 * What `applyObjectEvents(state, toObjectEvents(records))` does, with each event also handed to `sink`,
 * and without building events that fail nothing (the per-event cost of a large run).
 */
export function recordObjectEvents(
  state: ObjectStatusState,
  records: readonly ProvisioningObservation[],
  limits: ObjectStatusLimits,
  sink: ObjectEventSink,
): void {
  let lastFields: ObjectEventJob | undefined;
  let lastJob: JobObjectStatus | undefined;
  /** Whether the job may have untracked objects; only a failure adds one, so it is asked again after each. */
  let more = true;
  eachObjectEvent(records, sink, (event, at, objectId, fields, result) => {
    if (event) {
      applyObjectEvent(state, event, limits);
      lastFields = undefined;
      return;
    }
    // Consecutive events share their job fields (see eachObjectEvent): its status is looked up once per change.
    if (fields !== lastFields) {
      lastFields = fields;
      lastJob = jobStatusOf(state, fields);
      more = !isEmpty(lastJob.more);
    }
    if (objectId && result === 'clear') clear(lastJob!, objectId, at, more);
  });
}

type ObjectResult = ObjectEvent['result'];

/**
 * The records' events in time order (latest wins by time: applied in time order whatever order the
 * batches came in; a stable sort, so events of one time keep the records' order), each handed to `sink`
 * and then to `then`: with the whole event, or (undefined) with the parts of a compact one.
 */
function eachObjectEvent(
  records: readonly ProvisioningObservation[],
  sink: ObjectEventSink,
  then: (
    event: ObjectEvent | undefined,
    at: number,
    objectId: string | null,
    job: ObjectEventJob,
    result: ObjectResult,
  ) => void,
): void {
  const chosen: number[] = [];
  const times: number[] = [];
  let ordered = true;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (!r.JobId) continue;
    const at = timeOf(r.TimeGenerated);
    if (!Number.isFinite(at)) continue;
    if (times.length > 0 && at < times[times.length - 1]!) ordered = false;
    chosen.push(i);
    times.push(at);
  }
  // A page is in time order (the collector asks so): no sort then.
  const order = ordered ? undefined : chosen.map((_, k) => k).sort((a, b) => times[a]! - times[b]!);
  // Consecutive records nearly always share their job: its strings are looked up once per change.
  let job: ObjectEventJob | undefined;
  let jobOf: ProvisioningObservation | undefined;
  // Results and actions repeat from one event to the next: lower-cased on change only.
  let rawResult: string | null = null;
  let resultType = '';
  let rawAction: string | null = null;
  let action = '';
  for (let n = 0; n < chosen.length; n++) {
    const k = order ? order[n]! : n;
    const r = records[chosen[k]!]!;
    const at = times[k]!;
    if (
      job === undefined ||
      r.JobId !== jobOf?.JobId ||
      r.ServicePrincipalId !== jobOf.ServicePrincipalId ||
      r.ConfigurationName !== jobOf.ConfigurationName
    ) {
      job = jobFieldsOf(r.JobId as string, r);
      jobOf = r;
    }
    if (r.ResultType !== rawResult) {
      rawResult = r.ResultType;
      resultType = lowerCase(rawResult);
    }
    const result: ObjectResult =
      resultType === 'failure'
        ? 'failure'
        : resultType === 'success' || resultType === 'skipped'
          ? 'clear'
          : 'other';
    if (r.ProvisioningAction !== rawAction) {
      rawAction = r.ProvisioningAction;
      action = lowerCase(rawAction);
    }
    const stagedDelete = action === 'stageddelete';
    const deleted = action === 'delete' && resultType === 'success';
    const id = r.SourceId ?? r.TargetId;
    const objectId = id === null ? null : sink.objectId(id.toLowerCase());
    if (result !== 'failure' && !stagedDelete && !deleted) {
      sink.addCompact(at, objectId, job, result);
      then(undefined, at, objectId, job, result);
      continue;
    }
    const event = wholeEvent(r, at, objectId, job, result, stagedDelete, deleted, sink);
    sink.addWhole(event);
    then(event, at, objectId, job, result);
  }
}
/**
 * Results and actions lower-cased without a new string per event: the collector writes a few canonical
 * spellings. Bounded like `interned`: an unknown value is kept as Graph sent it.
 */
const lowered = new Map<string, string>();

function lowerCase(value: string | null): string {
  if (value === null) return '';
  let lower = lowered.get(value);
  if (lower === undefined) {
    lower = value.toLowerCase();
    if (lowered.size < 100) lowered.set(value, lower);
  }
  return lower;
}

/**
 * Date.parse for the one form the collector writes (toISOString: 2026-12-02T03:04:05.678Z), without
 * parsing the date for every event: the hour's start is parsed once per hour and the rest added. Any
 * other form (or an out-of-range minute or second, which Date.parse rejects) goes to Date.parse.
 */
let hourPrefix = '';
let hourMs = NaN;

export function timeOf(value: string): number {
  if (value.length !== 24 || value.charCodeAt(23) !== Z) return Date.parse(value);
  const minutes = digits(value, 14, 2);
  const seconds = digits(value, 17, 2);
  const ms = digits(value, 20, 3);
  const fast =
    minutes >= 0 &&
    minutes < 60 &&
    seconds >= 0 &&
    seconds < 60 &&
    ms >= 0 &&
    value.charCodeAt(13) === COLON &&
    value.charCodeAt(16) === COLON &&
    value.charCodeAt(19) === DOT;
  if (!fast) return Date.parse(value);
  if (hourPrefix === '' || !value.startsWith(hourPrefix)) {
    const prefix = value.slice(0, 13);
    // Hour 24 is valid only as 24:00:00.000: left to Date.parse like any other odd hour.
    if (!HOUR.test(prefix)) return Date.parse(value);
    hourPrefix = prefix;
    hourMs = Date.parse(`${prefix}:00:00.000Z`);
  }
  return Number.isFinite(hourMs) ? hourMs + minutes * 60_000 + seconds * 1_000 + ms : Date.parse(value);
}

const HOUR = /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3])$/;
const COLON = 58;
const DOT = 46;
const Z = 90;

/** The number written in `count` ASCII digits from `from`; -1 when one is not a digit. */
function digits(value: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function jobFieldsOf(jobId: string, r: ProvisioningObservation): ObjectEventJob {
  return {
    job: intern(jobKey(jobId)),
    jobId: intern(jobId),
    servicePrincipalId: internOrNull(r.ServicePrincipalId),
    configurationName: internOrNull(r.ConfigurationName),
  };
}

/** An event that fails no object and counts no delete: every field past its job, time, object and result is fixed. */
export function compactEvent(
  at: number,
  objectId: string | null,
  job: ObjectEventJob,
  result: 'clear' | 'other',
): ObjectEvent {
  return wholeFields(
    job,
    at,
    objectId,
    result,
    '',
    'Other',
    null,
    null,
    null,
    null,
    null,
    null,
    false,
    false,
  );
}

function wholeEvent(
  r: ProvisioningObservation,
  at: number,
  objectId: string | null,
  job: ObjectEventJob,
  result: ObjectResult,
  stagedDelete: boolean,
  deleted: boolean,
  strings: Pick<ObjectEventSink, 'share'>,
): ObjectEvent {
  const share = (value: string | null): string | null => (value === null ? null : strings.share(value));
  const failed = result === 'failure' || stagedDelete;
  const code = failed ? intern(r.ResultSignature ?? '') : '';
  return wholeFields(
    job,
    at,
    objectId,
    result,
    code,
    failed ? intern(r.ErrorCategory ?? errorCategory(code) ?? 'Other') : 'Other',
    failed ? share(capName(r.SourceDisplayName ?? r.TargetDisplayName)) : null,
    failed ? internOrNull(r.SourceType ?? r.TargetType) : null,
    failed ? internOrNull(r.ProvisioningAction) : null,
    failed ? share(capFlat(r.ResultDescription, 300)) : null,
    failed ? share(capFlat(r.RecommendedAction, 300)) : null,
    // Only staged and done deletes read it (counted per cycle); kept for others, it was one more string per event.
    stagedDelete || deleted ? share(r.CycleId) : null,
    stagedDelete,
    deleted,
  );
}

// One literal with every field (no spread): all events share one hidden class, as small as it gets.
function wholeFields(
  job: ObjectEventJob,
  at: number,
  objectId: string | null,
  result: ObjectResult,
  code: string,
  category: string,
  name: string | null,
  objectType: string | null,
  action: string | null,
  description: string | null,
  recommendedAction: string | null,
  cycleId: string | null,
  stagedDelete: boolean,
  deleted: boolean,
): ObjectEvent {
  return {
    job: job.job,
    jobId: job.jobId,
    servicePrincipalId: job.servicePrincipalId,
    configurationName: job.configurationName,
    at,
    objectId,
    result,
    code,
    category,
    name,
    objectType,
    action,
    description,
    recommendedAction,
    cycleId,
    stagedDelete,
    deleted,
  };
}

/** Few distinct values, one copy each (see StringPool). */
const interned = new StringPool(10_000);
const intern = (value: string): string => interned.share(value);
const internOrNull = (value: string | null): string | null => interned.shareOrNull(value);

/** Applies events in place (the state is this run's working copy). */
export function applyObjectEvents(
  state: ObjectStatusState,
  events: Iterable<ObjectEvent>,
  limits: ObjectStatusLimits,
): void {
  for (const event of events) applyObjectEvent(state, event, limits);
}

function applyObjectEvent(state: ObjectStatusState, event: ObjectEvent, limits: ObjectStatusLimits): void {
  const job = jobStatusOf(state, event);
  if (event.stagedDelete) countPerCycle(job.stagedDeletes, event);
  if (event.deleted) countPerCycle((job.deletes ??= []), event);
  if (!event.objectId) return;
  if (event.result === 'failure') fail(job, event, limits);
  else if (event.result === 'clear') clear(job, event.objectId, event.at);
}

function jobStatusOf(state: ObjectStatusState, event: ObjectEventJob): JobObjectStatus {
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
  return job;
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

/** `more`: false when the job is known to have no untracked objects (else it is looked at). */
function clear(job: JobObjectStatus, id: string, at: number, more = true): void {
  const known = job.failing[id];
  if (known) {
    if (Date.parse(known.l) > at) return; // an older success published late
    delete job.failing[id];
    job.cleared[id] = at;
    return;
  }
  // Most events clear an object that never failed: no hash for them while nothing is beyond the cap.
  if (!more || isEmpty(job.more)) return;
  const hash = idHash(id);
  const untracked = job.more[hash];
  if (untracked && untracked[1] <= at) {
    delete job.more[hash];
    job.cleared[id] = at;
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
