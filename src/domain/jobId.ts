import { isCloudSyncTemplate } from './jobTemplates.js';

/**
 * Job ids: `AD2AADProvisioning.<hex>` (or `.<hex>.<tenant>`) in job listings and always the 3-part form
 * in provisioning logs, so events are matched to jobs by prefix, never by equality.
 */

/** The template id a job id starts with, when it is one the monitor collects. */
export function templateOfJobId(jobId: string | undefined | null): string | undefined {
  if (!jobId) return undefined;
  const prefix = jobId.split('.')[0] ?? '';
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
  const parts = jobId.trim().toLowerCase().split('.');
  return parts.length >= 2 ? `${parts[0]}.${parts[1]}` : (parts[0] ?? '');
}
