import type { JobRef } from '../alerts/details.js';
import type { AlertSubject } from '../alerts/model.js';
import { templateOfJobId } from '../collect/cloudSync.js';
import type { JobStatusRecord } from '../tables/definitions.js';
import { capName } from './text.js';

/** Facts about a listed job that several rules share. */

export const jobRef = (job: JobStatusRecord): JobRef => ({
  servicePrincipalId: job.ServicePrincipalId,
  configurationName: job.ConfigurationName,
  jobId: job.JobId ?? '',
  templateId: job.TemplateId ?? templateOfJobId(job.JobId) ?? null,
  troubleshootingUrl: job.TroubleshootingUrl || null,
});

export const jobSubject = (tenantId: string, job: JobStatusRecord): AlertSubject => ({
  tenantId,
  ...(job.ServicePrincipalId ? { servicePrincipalId: job.ServicePrincipalId } : {}),
  ...(job.ConfigurationName ? { configurationName: job.ConfigurationName } : {}),
  ...(job.JobId ? { jobId: job.JobId } : {}),
  ...(job.TemplateId ? { templateId: job.TemplateId } : {}),
});

const lower = (value: string | null | undefined): string => (value ?? '').toLowerCase();

/** Graph's quarantine object is set only while the job is quarantined; the status code says so too. */
export const isQuarantined = (job: JobStatusRecord): boolean =>
  lower(job.StatusCode) === 'quarantine' || (job.QuarantineReason !== null && job.QuarantineSince !== null);

export const isTooManyDeletes = (job: JobStatusRecord): boolean =>
  lower(job.QuarantineReason) === 'toomanydeletes';

export const isPaused = (job: JobStatusRecord): boolean =>
  lower(job.StatusCode) === 'paused' || ['paused', 'disabled'].includes(lower(job.ScheduleState));

export const isActive = (job: JobStatusRecord): boolean => lower(job.StatusCode) === 'active';

/** "contoso.com provisioning", "contoso.com password hash sync": how people name a job. */
export function jobLabel(job: Pick<JobStatusRecord, 'ConfigurationName' | 'TemplateId' | 'JobId'>): string {
  const template = job.TemplateId ?? templateOfJobId(job.JobId) ?? 'sync job';
  const what =
    {
      ad2aadprovisioning: 'provisioning',
      ad2aadpasswordhash: 'password hash sync',
      aad2adgroupprovisioning: 'group writeback',
      aad2adexchangehybridwriteback: 'Exchange hybrid writeback',
    }[template.toLowerCase()] ?? template;
  return `${capName(job.ConfigurationName) ?? 'Cloud Sync'} ${what}`;
}
