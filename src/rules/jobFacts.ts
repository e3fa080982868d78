import type { JobRef } from '../domain/alertDetails.js';
import type { AlertSubject } from '../domain/alertModel.js';
import { templateOfJobId } from '../domain/jobId.js';
import { jobName } from '../domain/jobTemplates.js';
import { capName } from '../domain/text.js';
import type { JobStatusRecord } from '../tables/definitions.js';

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

/** "contoso.com provisioning", "contoso.com password hash sync": how people name a job. */
export const jobLabel = (job: Pick<JobStatusRecord, 'ConfigurationName' | 'TemplateId' | 'JobId'>): string =>
  jobName(capName(job.ConfigurationName), job.TemplateId ?? templateOfJobId(job.JobId));
