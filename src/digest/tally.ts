import { capText } from '../domain/text.js';
import type { ProvisioningObservation } from '../tables/definitions.js';
import {
  DIGEST_ACTIONS,
  DIGEST_RESULTS,
  digestAction,
  digestResult,
  type DigestAction,
  type DigestResult,
} from '../domain/digestVocabulary.js';

/**
 * Counts one collect run's provisioning events per job as the batches are written, so the digest never
 * has to read 24 hours of provisioning logs back from Graph or Log Analytics. Memory is bounded by the
 * caps below, except `lastByObject`, which holds one entry per object of this run (a run's events are
 * already bounded by the collector's time budget).
 */

/** Distinct failing object ids kept per error code (beyond it the count says "at least"). */
export const MAX_OBJECTS_PER_CODE = 100;
/** Example objects shown per error code. */
export const MAX_EXAMPLES_PER_CODE = 3;
/** Display names are directory data: capped once here, escaped by every renderer. */
export const MAX_NAME_CHARS = 64;
/** `2026-11-22T09` of an ISO 8601 instant (rollupSchema.ts's hourLabel, without a Date per event). */
const HOUR_LABEL_LENGTH = 13;
/** Cycle ids kept per job per run; a run covers minutes, a cycle runs every 2. */
const MAX_CYCLES = 500;

export interface CodeTally {
  category: string;
  events: number;
  objects: Set<string>;
  /** Distinct objects beyond MAX_OBJECTS_PER_CODE (their ids are not kept). */
  objectsOverflow: number;
  examples: string[];
}

/** The latest event of one object in this run, when it failed: the failing-objects state is fed from it. */
export interface ObjectOutcome {
  readonly at: string;
  readonly code: string;
  readonly category: string;
  readonly name: string;
}

export interface JobTally {
  /** The job id as the event carries it (3-part); the rollup matches it to the listed job by prefix. */
  readonly jobKey: string;
  servicePrincipalId: string | null;
  configurationName: string | null;
  readonly byAction: Record<DigestAction, Record<DigestResult, number>>;
  readonly cycles: Set<string>;
  readonly failures: Map<string, CodeTally>;
  /**
   * Per object, its latest event: the outcome when that event failed, else only its time (most objects
   * of a run do not fail, and one entry per object is what a large run holds longest).
   */
  readonly lastByObject: Map<string, ObjectOutcome | string>;
  /**
   * Events per UTC hour of their own time (`2026-11-22T09`): the rollup of the run's hour keeps those
   * from before it, so the digest can tell events that happened before its window (collected late).
   */
  readonly byEventHour: Map<string, number>;
  firstAt: string | null;
  lastAt: string | null;
}

/** When the object's latest event was. */
export const outcomeAt = (outcome: ObjectOutcome | string): string =>
  typeof outcome === 'string' ? outcome : outcome.at;

export class ProvisioningTally {
  private readonly jobs = new Map<string, JobTally>();
  /** The previous record's job: consecutive records nearly always share it (no lookup by a fresh string). */
  private last: { readonly key: string; readonly job: JobTally } | undefined;
  private action: readonly [string | null, DigestAction] = [null, digestAction(null)];
  private result: readonly [string | null, DigestResult] = [null, digestResult(null)];
  /** The cycle last added, and to which job. */
  private cycle: readonly [string | null, JobTally | null] = [null, null];
  /**
   * The run of consecutive records of one job in one hour, not yet added to its byEventHour: a batch's
   * events nearly all share both, so the map is touched once per run, not once per event.
   */
  private hourRun: { job: JobTally | null; label: string; events: number } = {
    job: null,
    label: 'none yet',
    events: 0,
  };

  /** Feed every batch the collector wrote (the collect stage's onProvisioningWritten). */
  add(records: readonly ProvisioningObservation[]): void {
    for (const record of records) this.addOne(record);
  }

  /** Per job, in first-seen order. */
  byJob(): readonly JobTally[] {
    this.endHourRun();
    return [...this.jobs.values()];
  }

  private endHourRun(): void {
    const { job, label, events } = this.hourRun;
    if (job && events > 0) job.byEventHour.set(label, (job.byEventHour.get(label) ?? 0) + events);
    this.hourRun.events = 0;
  }

  get eventCount(): number {
    let n = 0;
    for (const job of this.jobs.values())
      for (const results of Object.values(job.byAction))
        for (const count of Object.values(results)) n += count;
    return n;
  }

  /** The digest's words for the previous record's action and result (a few values, mostly repeated). */
  private actionOf(raw: string | null): DigestAction {
    if (raw !== this.action[0]) this.action = [raw, digestAction(raw)];
    return this.action[1];
  }

  private resultOf(raw: string | null): DigestResult {
    if (raw !== this.result[0]) this.result = [raw, digestResult(raw)];
    return this.result[1];
  }

  private jobOf(record: ProvisioningObservation): JobTally {
    const jobKey = record.JobId ?? `sp:${record.ServicePrincipalId ?? 'unknown'}`;
    if (this.last?.key === jobKey) return this.last.job;
    let job = this.jobs.get(jobKey);
    if (!job) {
      job = newJobTally(jobKey);
      this.jobs.set(jobKey, job);
    }
    this.last = { key: jobKey, job };
    return job;
  }

  private addOne(record: ProvisioningObservation): void {
    const job = this.jobOf(record);
    job.servicePrincipalId ??= record.ServicePrincipalId;
    job.configurationName ??= record.ConfigurationName;

    const action = this.actionOf(record.ProvisioningAction);
    const result = this.resultOf(record.ResultType);
    job.byAction[action][result] += 1;
    // Events of a cycle come together: the set is asked once per cycle, not once per event.
    const cycle = record.CycleId;
    if (cycle && (cycle !== this.cycle[0] || job !== this.cycle[1]) && job.cycles.size < MAX_CYCLES) {
      job.cycles.add(cycle);
      this.cycle = [cycle, job];
    }
    const at = record.TimeGenerated;
    const run = this.hourRun;
    if (job !== run.job || !at.startsWith(run.label)) {
      this.endHourRun();
      run.job = job;
      run.label = at.slice(0, HOUR_LABEL_LENGTH);
    }
    run.events += 1;
    if (job.firstAt === null || at < job.firstAt) job.firstAt = at;
    if (job.lastAt === null || at > job.lastAt) job.lastAt = at;

    const objectKey = objectKeyOf(record);
    const failed = result === 'failure';
    // Only a later event decides whether an object is still failing; events of one run can come out of order.
    const previous = job.lastByObject.get(objectKey);
    const latest = previous === undefined || outcomeAt(previous) <= at;
    if (!failed) {
      if (latest) job.lastByObject.set(objectKey, at);
      return;
    }
    const name = objectNameOf(record);
    const code = record.ResultSignature ?? 'UnknownError';
    const entry = job.failures.get(code) ?? {
      category: record.ErrorCategory ?? 'Other',
      events: 0,
      objects: new Set<string>(),
      objectsOverflow: 0,
      examples: [],
    };
    job.failures.set(code, entry);
    entry.events += 1;
    if (!entry.objects.has(objectKey)) {
      if (entry.objects.size < MAX_OBJECTS_PER_CODE) entry.objects.add(objectKey);
      else entry.objectsOverflow += 1;
    }
    if (entry.examples.length < MAX_EXAMPLES_PER_CODE && !entry.examples.includes(name))
      entry.examples.push(name);
    if (latest) {
      job.lastByObject.set(objectKey, { at, code, category: record.ErrorCategory ?? 'Other', name });
    }
  }
}

function newJobTally(jobKey: string): JobTally {
  const byAction = Object.fromEntries(
    DIGEST_ACTIONS.map((a) => [a, Object.fromEntries(DIGEST_RESULTS.map((r) => [r, 0]))]),
  ) as Record<DigestAction, Record<DigestResult, number>>;
  return {
    jobKey,
    servicePrincipalId: null,
    configurationName: null,
    byAction,
    cycles: new Set(),
    failures: new Map(),
    lastByObject: new Map(),
    byEventHour: new Map(),
    firstAt: null,
    lastAt: null,
  };
}

/** The source object (the AD object) identifies what failed; a create that failed has no target yet. */
function objectKeyOf(record: ProvisioningObservation): string {
  return (
    record.SourceId ??
    record.TargetId ??
    `name:${record.SourceDisplayName ?? record.TargetDisplayName ?? '?'}`
  );
}

function objectNameOf(record: ProvisioningObservation): string {
  const name =
    record.SourceDisplayName ??
    record.TargetDisplayName ??
    record.SourceId ??
    record.TargetId ??
    '(unnamed object)';
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  return capText(name.replace(/[\u0000-\u001f\u007f]+/g, ' '), MAX_NAME_CHARS);
}
