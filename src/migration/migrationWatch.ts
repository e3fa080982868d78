import type { CoverageIndex, IndexEntry } from '../coverage/coverageState.js';
import { OBJECT_TYPES } from '../coverage/directoryItems.js';
import type { DirectoryCoverage } from '../domain/directoryCoverage.js';
import { classifyJob, type JobPolicy } from '../domain/jobCondition.js';
import { syncDirection } from '../domain/jobTemplates.js';
import type { JobStatusRecord } from '../tables/definitions.js';
import {
  writeBaselineObjects,
  updateMigration,
  type DomainCounts,
  type JobHealth,
  type Migration,
  type MigrationJob,
} from './migrationState.js';
import type { StateStore } from '../state/store.js';

/**
 * What a monitor run does while a migration is active (issue 15 item 2): the coverage check ran this run
 * whatever its interval (the app asks it to); its per-domain counts become the migration's current
 * counts (and its baseline, when `start` found no complete check yet); every job, writeback jobs above
 * all, gets this run's word from the job classifier. One state write.
 */
export const NO_DOMAIN = '';
const ERROR_CODES_MAX = 20;

/** Objects synced from on-premises per domain and type. */
export function countsByDomain(objects: Iterable<[string, IndexEntry]>): {
  counts: DomainCounts;
  objects: number;
} {
  const counts: DomainCounts = {};
  let total = 0;
  for (const [, e] of objects) {
    const domain = e.d ?? NO_DOMAIN;
    const row = (counts[domain] ??= Object.fromEntries(
      OBJECT_TYPES.map((t) => [t, 0]),
    ) as DomainCounts[string]);
    row[e.t]++;
    total++;
  }
  return { counts, objects: total };
}

export const isWriteback = (templateId: string | null | undefined): boolean =>
  syncDirection(templateId) === 'Entra ID to AD';

export function migrationJobs(jobs: readonly JobStatusRecord[]): MigrationJob[] {
  return jobs
    .filter((j) => j.JobId)
    .map((j) => ({
      servicePrincipalId: j.ServicePrincipalId,
      configurationName: j.ConfigurationName,
      jobId: j.JobId!,
      templateId: j.TemplateId,
      writeback: isWriteback(j.TemplateId),
    }));
}

export interface MigrationWatchInput {
  readonly jobs: readonly JobStatusRecord[];
  /** This run's coverage verdict and index; a check that did not read everything changes no counts. */
  readonly coverage: DirectoryCoverage | undefined;
  readonly index: CoverageIndex | undefined;
  readonly policy: Omit<JobPolicy, 'now'>;
}

export async function watchMigration(
  deps: { readonly state: StateStore; readonly tenantId: string },
  now: Date,
  input: MigrationWatchInput,
): Promise<Migration | undefined> {
  const at = now.toISOString();
  const complete = input.coverage?.checked === true && input.index !== undefined;
  const counted = complete ? countsByDomain(input.index.objects()) : undefined;
  let baselineTaken = false;
  const written = await updateMigration(deps.state, deps.tenantId, now, (current) => {
    if (!current || at >= current.validationEndsAt) return undefined;
    const next: Migration = { ...current, jobs: { ...current.jobs }, runs: current.runs + 1, lastRunAt: at };
    if (counted) {
      next.coverageChecks = current.coverageChecks + 1;
      next.current = { at, counts: counted.counts, objects: counted.objects };
      if (!current.baseline) {
        next.baseline = {
          takenAt: at,
          counts: counted.counts,
          objects: counted.objects,
          jobs: migrationJobs(input.jobs),
        };
        baselineTaken = true;
      }
    }
    for (const job of input.jobs) {
      if (!job.JobId) continue;
      next.jobs[job.JobId] = jobHealth(next.jobs[job.JobId], job, at, {
        ...input.policy,
        now: now.getTime(),
      });
    }
    const c = input.coverage?.details.coexistence;
    if (c) {
      next.coexistence = {
        firstSeenAt: current.coexistence?.firstSeenAt ?? at,
        lastSeenAt: at,
        organizationLastSyncAt: c.organizationLastSyncAt,
        syncAccounts: [...c.syncAccounts],
        cloudSyncObjects: c.cloudSyncObjects,
      };
    }
    return next;
  });
  // The baseline's objects, for the report's "left scope" list (after the value that says it exists).
  if (written && baselineTaken && input.index) {
    await writeBaselineObjects(deps.state, deps.tenantId, input.index.objects(), now);
  }
  return written;
}

function jobHealth(
  known: JobHealth | undefined,
  job: JobStatusRecord,
  at: string,
  policy: JobPolicy,
): JobHealth {
  const condition = classifyJob(job, { policy });
  const unhealthy = condition.state !== 'healthy';
  const errorCodes = { ...(known?.errorCodes ?? {}) };
  const code = job.LastErrorCode;
  if (code && (code in errorCodes || Object.keys(errorCodes).length < ERROR_CODES_MAX)) {
    errorCodes[code] = (errorCodes[code] ?? 0) + 1;
  }
  return {
    servicePrincipalId: job.ServicePrincipalId,
    configurationName: job.ConfigurationName,
    jobId: job.JobId!,
    templateId: job.TemplateId,
    writeback: isWriteback(job.TemplateId),
    firstSeenAt: known?.firstSeenAt ?? at,
    lastSeenAt: at,
    runs: (known?.runs ?? 0) + 1,
    unhealthyRuns: (known?.unhealthyRuns ?? 0) + (unhealthy ? 1 : 0),
    conditions: {
      ...(known?.conditions ?? {}),
      [condition.state]: (known?.conditions[condition.state] ?? 0) + 1,
    },
    lastCondition: condition.state,
    lastStatusCode: job.StatusCode,
    lastExecutionState: job.LastExecutionState,
    lastErrorCode: code,
    lastUnhealthyAt: unhealthy ? at : (known?.lastUnhealthyAt ?? null),
    errorCodes,
  };
}
