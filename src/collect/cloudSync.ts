/**
 * What makes a service principal, a job or a provisioning event "Cloud Sync" (design section 3).
 */

// Job templates and job ids are Cloud Sync facts of the domain (src/domain/jobTemplates.ts, jobId.ts).
export { CLOUD_SYNC_JOB_TEMPLATES, isCloudSyncTemplate } from '../domain/jobTemplates.js';
export { jobIdsMatch, templateOfJobId } from '../domain/jobId.js';

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
