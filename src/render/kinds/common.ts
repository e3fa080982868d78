import { detailsOf, type DetailsOf, type JobRef } from '../../domain/alertDetails.js';
import { endedAt, lastedMs, type Alert, type AlertKind } from '../../domain/alertModel.js';
import { formatDuration } from '../../domain/duration.js';
import { jobPurpose } from '../format.js';
import { oneLine } from '../../domain/text.js';
import { idText } from '../command.js';
import { isMicrosoftUrl, type Link } from '../links.js';
import type { Fact, Step } from '../view.js';

/**
 * Helpers shared by the per-kind views. Details come from stored alerts, possibly written by an older
 * version: a view reads them through requireDetails, checked against the kind's schema
 * (src/domain/alertDetails.ts), and a view given details it cannot read throws, so buildAlertView
 * falls back to the summary. The helpers also take partial facts (Loose<T>): a missing fact is left
 * out, never rendered as "undefined".
 */
export type Loose<T> = T extends readonly (infer U)[]
  ? readonly Loose<U>[] | null | undefined
  : T extends object
    ? { readonly [K in keyof T]?: Loose<T[K]> | null }
    : T | null | undefined;

/** The alert's details as its kind's schema reads them; throws when they do not fit (see above). */
export function requireDetails<K extends AlertKind>(kind: K, alert: Alert): DetailsOf<K> {
  const details = detailsOf(kind, alert);
  if (details === undefined)
    throw new Error(`details of ${alert.kind} alert ${alert.id} do not fit its schema`);
  return details;
}

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
  if (job.jobId) facts.push({ label: 'Job', value: `${purpose ? `${purpose}: ` : ''}${idText(job.jobId)}` });
  if (job.servicePrincipalId)
    facts.push({ label: 'Service principal', value: idText(job.servicePrincipalId) });
  return facts;
}

/** Graph's troubleshootingUrl, only when it is https on a Microsoft host. */
export function troubleshootingLink(job: Loose<JobRef> | null | undefined): Link[] {
  const url = job?.troubleshootingUrl;
  return isMicrosoftUrl(url) ? [{ title: 'Troubleshoot (Microsoft)', url }] : [];
}

/**
 * Microsoft URLs in Graph's error text (job errors point to fwlinks): shown as text they are broken
 * against auto-linking, so the message offers them again as whole links, Microsoft hosts only.
 */
export function microsoftLinksIn(value: string | null | undefined, title: string): Link[] {
  const urls = [...(value ?? '').matchAll(/https:\/\/[^\s"'<>()]+/g)].map((m) =>
    m[0].replace(/[.,;:]+$/, ''),
  );
  return [...new Set(urls)]
    .filter((url) => isMicrosoftUrl(url))
    .slice(0, 2)
    .map((url) => ({ title, url }));
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
    language: 'kql',
    code: `CloudSyncProvisioning_CL\n| where TimeGenerated > ago(1d) and JobId startswith ${jobId}\n| where ${filter}\n| project TimeGenerated, ProvisioningAction, SourceDisplayName, ResultSignature, ResultDescription`,
  };
}

/** A KQL string literal; job ids are plain, but nothing from Graph is pasted unquoted. */
function kqlString(value: string): string {
  return `"${oneLine(value, 200).replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** " after 2 h 28 min": how long a resolved alert's problem lasted, for its RESOLVED summary; '' when not known. */
export function lastedAfter(alert: Alert): string {
  const lasted = lastedMs(alert.since, endedAt(alert));
  return lasted !== undefined ? ` after ${formatDuration(lasted)}` : '';
}
