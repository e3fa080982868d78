/**
 * What makes a service principal, a job or a provisioning event "Cloud Sync" (design section 3).
 */

/** Job templates of Cloud Sync configurations. Other templates (SaaS app provisioning) are not ours. */
export const CLOUD_SYNC_JOB_TEMPLATES: readonly string[] = [
  'AD2AADProvisioning',
  'AD2AADPasswordHash',
  'AAD2ADGroupProvisioning',
  'AAD2ADExchangeHybridWriteback',
];

const templatesLower = new Set(CLOUD_SYNC_JOB_TEMPLATES.map((t) => t.toLowerCase()));

export function isCloudSyncTemplate(templateId: string | undefined | null): boolean {
  return templateId != null && templatesLower.has(templateId.toLowerCase());
}

/**
 * Job ids look like `AD2AADProvisioning.<hex>` in job listings and `AD2AADProvisioning.<hex>.<guid>` in
 * provisioning logs, so events are matched to jobs by prefix, never by equality.
 */
export function templateOfJobId(jobId: string | undefined | null): string | undefined {
  if (!jobId) return undefined;
  const prefix = jobId.split('.')[0] ?? '';
  return templatesLower.has(prefix.toLowerCase()) ? prefix : undefined;
}

export function jobIdsMatch(listedJobId: string, eventJobId: string): boolean {
  const a = listedJobId.toLowerCase();
  const b = eventJobId.toLowerCase();
  return a === b || b.startsWith(`${a}.`) || a.startsWith(`${b}.`);
}

/** Application templates Cloud Sync configurations are instantiated from (AD->Entra, Entra->AD). */
export const CLOUD_SYNC_APPLICATION_TEMPLATES: readonly string[] = [
  '1a4721b3-e57f-4451-ae87-ef078703ec94',
  'fb81332f-3eca-4ecf-a939-4278e501d330',
];

const CLOUD_SYNC_APP_NAMES = [
  'active directory to azure active directory provisioning',
  'azure active directory to active directory provisioning',
];

/**
 * Recognises a Cloud Sync configuration's service principal from the properties discovery selects.
 * `applicationTemplateId` is not always populated (the docs' own sample shows null), so the app name
 * and the provisioning service principal names count too.
 */
export function looksLikeCloudSyncServicePrincipal(sp: {
  applicationTemplateId?: string | null | undefined;
  appDisplayName?: string | null | undefined;
  servicePrincipalNames?: readonly string[] | null | undefined;
}): boolean {
  if (
    sp.applicationTemplateId &&
    CLOUD_SYNC_APPLICATION_TEMPLATES.includes(sp.applicationTemplateId.toLowerCase())
  ) {
    return true;
  }
  if (sp.appDisplayName && CLOUD_SYNC_APP_NAMES.includes(sp.appDisplayName.toLowerCase())) return true;
  return (sp.servicePrincipalNames ?? []).some((name) => {
    const n = name.toLowerCase();
    return (
      n.includes('adapplicationregistry.onmicrosoft.com/adprovisioning') ||
      CLOUD_SYNC_APPLICATION_TEMPLATES.includes(n)
    );
  });
}
