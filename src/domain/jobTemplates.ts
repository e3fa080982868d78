/**
 * Cloud Sync job identity: which job templates exist, which family (direction) each belongs to, and
 * what people call them. This is the one table of job names: alert summaries ("contoso.com
 * provisioning"), alert facts ("AD to Entra ID provisioning") and the digest ("Provisioning (AD to
 * Entra ID)") are all phrased from it. Sources: design section 3 and reference/cloud-sync-2026.md 2.1.
 */

/** Job ids start with their template id, whose prefix is the direction: AD2AAD*, AAD2AD*, Entra2AD*. */
export const TEMPLATE_FAMILIES = ['AD2AAD', 'AAD2AD', 'Entra2AD'] as const;
export type KnownTemplateFamily = (typeof TEMPLATE_FAMILIES)[number];
/** `unknown`: not a Cloud Sync prefix we know; such a job is still named (by its template id), never dropped. */
export type TemplateFamily = KnownTemplateFamily | 'unknown';

export type SyncDirection = 'AD to Entra ID' | 'Entra ID to AD';

const DIRECTION: Readonly<Record<KnownTemplateFamily, SyncDirection>> = {
  AD2AAD: 'AD to Entra ID',
  AAD2AD: 'Entra ID to AD',
  Entra2AD: 'Entra ID to AD',
};

export interface JobTemplate {
  readonly templateId: string;
  readonly family: KnownTemplateFamily;
  /** What the job does, lower case unless a proper name: "provisioning", "password hash sync". */
  readonly name: string;
}

/** In the order the portal lists a configuration's jobs (the digest sorts jobs so). */
export const JOB_TEMPLATES: readonly JobTemplate[] = [
  { templateId: 'AD2AADProvisioning', family: 'AD2AAD', name: 'provisioning' },
  { templateId: 'AD2AADPasswordHash', family: 'AD2AAD', name: 'password hash sync' },
  // Device sync (preview, July 2026): AD computers to Entra devices.
  { templateId: 'AD2AADDeviceSync', family: 'AD2AAD', name: 'device sync' },
  { templateId: 'AAD2ADGroupProvisioning', family: 'AAD2AD', name: 'group provisioning' },
  {
    templateId: 'AAD2ADExchangeHybridWriteback',
    family: 'AAD2AD',
    name: 'Exchange hybrid writeback',
  },
  // Entra ID to AD user provisioning (preview); this template id is seen in the wild, not documented.
  { templateId: 'AAD2ADProvisioning', family: 'AAD2AD', name: 'user provisioning' },
  // Exchange Online attribute writeback ("LES writeback"); a doc heading, unconfirmed as a template id.
  {
    templateId: 'Entra2ADExchangeOnlineAttributeWriteback',
    family: 'Entra2AD',
    name: 'Exchange Online attribute writeback',
  },
];

const byId = new Map(JOB_TEMPLATES.map((t) => [t.templateId.toLowerCase(), t]));

export const jobTemplate = (templateId: string | null | undefined): JobTemplate | undefined =>
  templateId ? byId.get(templateId.toLowerCase()) : undefined;

/**
 * Lower-cased prefixes, longest first: AAD2AD before AD2AAD is not needed (neither is a prefix of the
 * other), but longest first is safe. Made once: templateFamily runs for every provisioning event.
 */
const FAMILY_PREFIXES: readonly (readonly [string, KnownTemplateFamily])[] = [...TEMPLATE_FAMILIES]
  .sort((a, b) => b.length - a.length)
  .map((f) => [f.toLowerCase(), f] as const);

/** The family of any template id, known or not, by its prefix (case-insensitive). */
export function templateFamily(templateId: string | null | undefined): TemplateFamily {
  const id = (templateId ?? '').toLowerCase();
  for (const [prefix, family] of FAMILY_PREFIXES) if (id.startsWith(prefix)) return family;
  return 'unknown';
}

export function syncDirection(templateId: string | null | undefined): SyncDirection | undefined {
  const family = templateFamily(templateId);
  return family === 'unknown' ? undefined : DIRECTION[family];
}

/** The templates this version knows by name (any other of a known family is recognised by its prefix). */
export const CLOUD_SYNC_JOB_TEMPLATES: readonly string[] = JOB_TEMPLATES.map((t) => t.templateId);

/**
 * A Cloud Sync job template: any template id of a known family (AD2AAD*, AAD2AD*, Entra2AD*), named or
 * not (reference/cloud-sync-2026.md 2.1: "tolerate unknown prefixes that start with AD2AAD, AAD2AD or
 * Entra2AD"). Collection keeps every job of a configuration either way (src/collect/jobs.ts); this
 * only says whether a job id alone marks a provisioning event as Cloud Sync.
 */
export const isCloudSyncTemplate = (templateId: string | null | undefined): boolean =>
  templateFamily(templateId) !== 'unknown';

/** Position in JOB_TEMPLATES; unknown templates sort last. */
export function templateRank(templateId: string | null | undefined): number {
  const template = jobTemplate(templateId);
  return template ? JOB_TEMPLATES.indexOf(template) : JOB_TEMPLATES.length;
}

/* ------------------------------------------------------------------ how a job is named */

/** The template's name, else the template id itself (an unknown template is shown as Graph names it). */
export const templateName = (templateId: string): string => jobTemplate(templateId)?.name ?? templateId;

/** "contoso.com provisioning": how people name a job, in alert summaries and subjects. */
export const jobName = (configurationName: string | null, templateId: string | null | undefined): string =>
  `${configurationName ?? 'Cloud Sync'} ${templateId ? templateName(templateId) : 'sync job'}`;

/** "Provisioning (AD to Entra ID)": a job under its configuration's heading (the digest). */
export function jobTitle(templateId: string): string {
  const name = templateName(templateId);
  const direction = syncDirection(templateId);
  const title = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
  return direction ? `${title} (${direction})` : title;
}

/** "AD to Entra ID provisioning": what a job does, next to its id in alert facts. */
export function jobPurpose(templateId: string): string {
  const direction = syncDirection(templateId);
  return direction ? `${direction} ${templateName(templateId)}` : templateName(templateId);
}
