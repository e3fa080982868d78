import { isCloudSyncTemplate } from './jobTemplates.js';

/**
 * Job ids: `AD2AADProvisioning.<hex>` (or `.<hex>.<tenant>`) in job listings and always the 3-part form
 * in provisioning logs, so events are matched to jobs by prefix, never by equality.
 */

/** The template id a job id starts with, when it is one the monitor collects. */
export function templateOfJobId(jobId: string | undefined | null): string | undefined {
  if (!jobId) return undefined;
  return remembered(templates, jobId, templateOf);
}

function templateOf(jobId: string): string | undefined {
  const dot = jobId.indexOf('.');
  const prefix = dot < 0 ? jobId : jobId.slice(0, dot);
  return isCloudSyncTemplate(prefix) ? prefix : undefined;
}

export function jobIdsMatch(listedJobId: string, eventJobId: string): boolean {
  const a = listedJobId.toLowerCase();
  const b = eventJobId.toLowerCase();
  return a === b || b.startsWith(`${a}.`) || a.startsWith(`${b}.`);
}

/**
 * One key per sync job, whichever id form we met it in. The first two parts (template + compact
 * service principal id) name the job, so they key state, subjects and fingerprints: a job seen both
 * ways is one job, and one alert.
 */
export function jobKey(jobId: string): string {
  return remembered(keys, jobId, keyOf);
}

function keyOf(jobId: string): string {
  const parts = jobId.trim().toLowerCase().split('.');
  return parts.length >= 2 ? `${parts[0]}.${parts[1]}` : (parts[0] ?? '');
}

/*
 * Both run for every provisioning event, and a tenant has a handful of jobs: the answers are kept per
 * job id. Bounded (emptied when full) so ids from a hostile or broken feed cannot grow it without end.
 */
const REMEMBERED_MAX = 1_000;
const templates = new Map<string, string | undefined>();
const keys = new Map<string, string>();

function remembered<T>(cache: Map<string, T>, jobId: string, compute: (jobId: string) => T): T {
  const known = cache.get(jobId);
  if (known !== undefined || cache.has(jobId)) return known as T;
  if (cache.size >= REMEMBERED_MAX) cache.clear();
  const value = compute(jobId);
  cache.set(jobId, value);
  return value;
}
