import type { JobRef } from '../../alerts/details.js';
import { jobPurpose, oneLine } from '../format.js';
import { isMicrosoftUrl, type Link } from '../links.js';
import type { Fact, Step } from '../view.js';

/**
 * Helpers shared by the per-kind views. Details come from stored alerts, possibly written by an older
 * version, so every field is treated as possibly missing (Loose<T>): a missing fact is left out, never
 * rendered as "undefined", and never crashes a notification.
 */
export type Loose<T> = T extends readonly (infer U)[]
  ? readonly Loose<U>[] | null | undefined
  : T extends object
    ? { readonly [K in keyof T]?: Loose<T[K]> | null }
    : T | null | undefined;

/** Names in titles and list items: one line, capped (a 10 KB display name must not swamp a message). */
export const NAME_MAX = 80;
export const name = (value: string | null | undefined, fallback = 'unknown'): string =>
  value ? oneLine(value, NAME_MAX) : fallback;

/** Longer directory-derived text (error descriptions, messages). */
export const TEXT_MAX = 400;
export const text = (value: string | null | undefined): string | undefined =>
  value ? oneLine(value, TEXT_MAX) : undefined;

/** "contoso.com" or, without a configuration name, the job id. */
export function whereOf(job: Loose<JobRef> | null | undefined, fallback?: string): string {
  return name(job?.configurationName ?? fallback ?? job?.jobId, 'the configuration');
}

export function jobFacts(job: Loose<JobRef> | null | undefined): Fact[] {
  if (!job) return [];
  const facts: Fact[] = [];
  const purpose = jobPurpose(job.templateId, job.jobId);
  if (job.jobId) facts.push({ label: 'Job', value: `${purpose ? `${purpose}: ` : ''}${name(job.jobId)}` });
  if (job.servicePrincipalId) facts.push({ label: 'Service principal', value: name(job.servicePrincipalId) });
  return facts;
}

/** Graph's troubleshootingUrl, only when it is https on a Microsoft host. */
export function troubleshootingLink(job: Loose<JobRef> | null | undefined): Link[] {
  const url = job?.troubleshootingUrl;
  return isMicrosoftUrl(url) ? [{ title: 'Troubleshoot (Microsoft)', url }] : [];
}

/** A KQL query over the monitor's own table for this job's provisioning events. */
export function provisioningQueryStep(
  job: Loose<JobRef> | null | undefined,
  what: string,
  filter: string,
): Step | undefined {
  if (!job?.jobId) return undefined;
  // Provisioning events carry a longer job id with the jobs API id as prefix.
  const jobId = kqlString(job.jobId);
  return {
    text: `${what} in Log Analytics (the monitor's table):`,
    code: `CloudSyncProvisioning_CL\n| where TimeGenerated > ago(1d) and JobId startswith ${jobId}\n| where ${filter}\n| project TimeGenerated, ProvisioningAction, SourceDisplayName, ResultSignature, ResultDescription`,
  };
}

/** A KQL string literal; job ids are plain, but nothing from Graph is pasted unquoted. */
function kqlString(value: string): string {
  return `"${oneLine(value, 200).replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
