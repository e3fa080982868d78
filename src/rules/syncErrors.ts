import {
  asDetails,
  type FailingObjectDetail,
  type JobRef,
  type SyncErrorGroupDetail,
} from '../domain/alertDetails.js';
import type { AlertCandidate } from '../domain/alertModel.js';
import { templateOfJobId } from '../domain/jobId.js';
import { ERROR_CATEGORIES, isRetriedAutomatically, type ErrorCategory } from '../domain/errorCategory.js';
import type { JobStatusRecord } from '../tables/definitions.js';
import type { Rule } from './context.js';
import { jobLabel, jobRef } from './jobFacts.js';
import { jobKey } from '../domain/jobId.js';
import type { JobObjectStatus } from './objectStatusState.js';
import { plural } from '../domain/text.js';

/** Error code groups listed; the rest are summed into the categories. */
const GROUPS_MAX = 25;
const CATEGORIES: readonly ErrorCategory[] = ERROR_CATEGORIES;

/**
 * `sync-errors`: a job has objects whose latest provisioning event failed. One alert per job, the objects
 * grouped by error code and category. Warning; critical above SYNC_ERRORS_CRITICAL_COUNT objects.
 * Material (what notifies an `updated`): the set of error codes, and the object count's doubling bucket
 * (1, 2-3, 4-7, ...): one more object with a known code is not news; the count in the text and the
 * alert row still track it (`trackedKey`). Objects failing with a code Entra retries by itself
 * (InternalError, server busy, timeouts) count only once they persist (TRANSIENT_ERRORS_PERSIST_MINUTES
 * and a failed retry): alone, a fresh one raises nothing.
 */
export const syncErrorsRule: Rule = ({ observations, settings, now }) => {
  const candidates: AlertCandidate[] = [];
  const listed = new Map(observations.jobs.filter((j) => j.JobId).map((j) => [jobKey(j.JobId ?? ''), j]));
  for (const [key, all] of Object.entries(observations.objectStatus.state.jobs)) {
    const status = persisting(all, now.getTime(), settings.transientPersistMs);
    const failing = Object.keys(status.failing).length + Object.keys(status.more).length;
    if (failing === 0) continue;
    candidates.push(candidate(observations.tenantId, status, listed.get(key), settings.syncErrors));
  }
  return { candidates };
};

/**
 * The job's failing objects without those whose automatically retried code has not persisted: failing
 * for `persistMs` and failed again after a retry (a later failure than the first). Untracked objects keep only their last failure time, not since when they fail, so they
 * always count (they only exist beyond SYNC_ERRORS_TRACK_MAX_PER_JOB objects).
 */
function persisting(status: JobObjectStatus, nowMs: number, persistMs: number): JobObjectStatus {
  const failing = Object.fromEntries(
    Object.entries(status.failing).filter(
      ([, o]) =>
        !isRetriedAutomatically(o.c) ||
        (nowMs - Date.parse(o.f) >= persistMs && Date.parse(o.l) > Date.parse(o.f)),
    ),
  );
  return { ...status, failing };
}

/** The doubling buckets a count has reached, as material items: 5 objects -> "2+ objects", "4+ objects". */
export function bucketsReached(count: number): string[] {
  const buckets: string[] = [];
  for (let low = 2; low <= count; low *= 2) buckets.push(`${low}+ objects failing`);
  return buckets;
}

function candidate(
  tenantId: string,
  status: JobObjectStatus,
  job: JobStatusRecord | undefined,
  settings: { criticalCount: number; listMax: number },
): AlertCandidate {
  const ref: JobRef = job
    ? jobRef(job)
    : {
        servicePrincipalId: status.servicePrincipalId,
        configurationName: status.configurationName,
        jobId: status.jobId,
        templateId: templateOfJobId(status.jobId) ?? null,
        troubleshootingUrl: null,
      };
  const tracked = Object.entries(status.failing).sort(
    ([idA, a], [idB, b]) => a.f.localeCompare(b.f) || idA.localeCompare(idB),
  );
  const untracked = Object.values(status.more);
  const total = tracked.length + untracked.length;

  const groups = new Map<
    string,
    { code: string; category: ErrorCategory; objects: FailingObjectDetail[]; count: number }
  >();
  const groupOf = (code: string) => {
    const category = toCategory(status.codes[code]?.category);
    const key = `${category}\u0000${code}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { code, category, objects: [], count: 0 }));
    return group;
  };
  for (const [sourceId, o] of tracked) {
    const group = groupOf(o.c);
    group.count += 1;
    group.objects.push({
      sourceId,
      displayName: o.n,
      objectType: o.t,
      action: o.a,
      failingSince: o.f,
      lastFailedAt: o.l,
    });
  }
  for (const [code] of untracked) groupOf(code).count += 1;

  const ordered = [...groups.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  const slots = allocate(
    ordered.map((g) => g.objects.length),
    settings.listMax,
  );
  const details: SyncErrorGroupDetail[] = ordered.slice(0, GROUPS_MAX).map((g, i) => {
    const objects = g.objects.slice(0, slots[i] ?? 0);
    return {
      errorCode: g.code || 'Unknown',
      errorCategory: g.category,
      objectCount: g.count,
      description: status.codes[g.code]?.description ?? null,
      recommendedAction: status.codes[g.code]?.recommendedAction ?? null,
      objects,
      moreObjects: g.count - objects.length,
    };
  });
  const unlisted = ordered.slice(GROUPS_MAX);
  const otherCodes = unlisted.length > 0 && {
    codes: unlisted.length,
    objects: unlisted.reduce((sum, g) => sum + g.count, 0),
  };
  const categories = CATEGORIES.map((errorCategory) => ({
    errorCategory,
    objectCount: ordered.filter((g) => g.category === errorCategory).reduce((sum, g) => sum + g.count, 0),
  }))
    .filter((c) => c.objectCount > 0)
    .sort((a, b) => b.objectCount - a.objectCount);

  const times = [...tracked.map(([, o]) => Date.parse(o.f)), ...untracked.map(([, at]) => at)];
  const latest = [...tracked.map(([, o]) => Date.parse(o.l)), ...untracked.map(([, at]) => at)];
  const oldest = new Date(Math.min(...times)).toISOString();
  const codes = ordered.map((g) => g.code || 'Unknown');
  const label = jobLabel({
    ConfigurationName: ref.configurationName,
    TemplateId: ref.templateId,
    JobId: ref.jobId,
  });
  const top = ordered
    .slice(0, 2)
    .map((g) => `${g.code || 'Unknown'}${g.count > 1 ? ` ×${g.count}` : ''}`)
    .join(', ');

  return {
    kind: 'sync-errors',
    subject: {
      tenantId,
      ...(ref.servicePrincipalId ? { servicePrincipalId: ref.servicePrincipalId } : {}),
      ...(ref.configurationName ? { configurationName: ref.configurationName } : {}),
      jobId: ref.jobId,
      ...(ref.templateId ? { templateId: ref.templateId } : {}),
    },
    severity: total > settings.criticalCount ? 'critical' : 'warning',
    summary: `${label}: ${plural(total, 'object')} failing to sync (${top}${ordered.length > 2 ? ', …' : ''})`,
    since: oldest,
    // A new code or a higher bucket is news; a code or objects that went away are not (like a fixed object).
    materialKey: 'failing objects',
    materialItems: [...codes.map((code) => `error code ${code}`), ...bucketsReached(total)],
    trackedKey: `${plural(total, 'object')}: ${ordered.map((g) => `${g.code || 'Unknown'} ×${g.count}`).join(', ')}`,
    details: asDetails('sync-errors', {
      job: ref,
      failingObjects: total,
      untrackedObjects: untracked.length,
      criticalAbove: settings.criticalCount,
      categories,
      groups: details,
      ...(otherCodes ? { otherCodes } : {}),
      oldestFailure: oldest,
      newestFailure: new Date(Math.max(...latest)).toISOString(),
    }),
  };
}

/** Shares `max` list slots fairly among groups (each gets one in turn), so small codes stay visible. */
function allocate(available: readonly number[], max: number): number[] {
  const slots = available.map(() => 0);
  let left = max;
  while (left > 0) {
    let given = false;
    for (let i = 0; i < available.length && left > 0; i++) {
      if ((slots[i] ?? 0) < (available[i] ?? 0)) {
        slots[i] = (slots[i] ?? 0) + 1;
        left -= 1;
        given = true;
      }
    }
    if (!given) break;
  }
  return slots;
}

function toCategory(value: string | undefined): ErrorCategory {
  return (CATEGORIES as readonly string[]).includes(value ?? '') ? (value as ErrorCategory) : 'Other';
}
