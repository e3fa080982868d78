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

/** The latest event of one object in this run: the failing-objects state is fed from it. */
export interface ObjectOutcome {
  readonly at: string;
  readonly failed: boolean;
  readonly code: string | null;
  readonly category: string | null;
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
  readonly lastByObject: Map<string, ObjectOutcome>;
  firstAt: string | null;
  lastAt: string | null;
}

export class ProvisioningTally {
  private readonly jobs = new Map<string, JobTally>();

  /** Feed every batch the collector wrote (the collect stage's onProvisioningWritten). */
  add(records: readonly ProvisioningObservation[]): void {
    for (const record of records) this.addOne(record);
  }

  /** Per job, in first-seen order. */
  byJob(): readonly JobTally[] {
    return [...this.jobs.values()];
  }

  get eventCount(): number {
    let n = 0;
    for (const job of this.jobs.values())
      for (const results of Object.values(job.byAction))
        for (const count of Object.values(results)) n += count;
    return n;
  }

  private addOne(record: ProvisioningObservation): void {
    const jobKey = record.JobId ?? `sp:${record.ServicePrincipalId ?? 'unknown'}`;
    const job = this.jobs.get(jobKey) ?? newJobTally(jobKey);
    this.jobs.set(jobKey, job);
    job.servicePrincipalId ??= record.ServicePrincipalId;
    job.configurationName ??= record.ConfigurationName;

    const action = digestAction(record.ProvisioningAction);
    const result = digestResult(record.ResultType);
    job.byAction[action][result] += 1;
    if (record.CycleId && job.cycles.size < MAX_CYCLES) job.cycles.add(record.CycleId);
    const at = record.TimeGenerated;
    if (job.firstAt === null || at < job.firstAt) job.firstAt = at;
    if (job.lastAt === null || at > job.lastAt) job.lastAt = at;

    const objectKey = objectKeyOf(record);
    const name = objectNameOf(record);
    const failed = result === 'failure';
    if (failed) {
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
    }
    // Only a later event decides whether an object is still failing; events of one run can come out of order.
    const previous = job.lastByObject.get(objectKey);
    if (!previous || previous.at <= at) {
      job.lastByObject.set(objectKey, {
        at,
        failed,
        code: failed ? (record.ResultSignature ?? 'UnknownError') : null,
        category: failed ? (record.ErrorCategory ?? 'Other') : null,
        name,
      });
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
