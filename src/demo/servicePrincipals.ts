import { guidFrom } from './ids.js';
import type { Json, ServicePrincipal } from './graphTypes.js';
import type { IndexedList } from './scenario.js';

/**
 * The service principals of a demo tenant: a few that matter (Cloud Sync configurations, a SaaS app)
 * placed among many unrelated ones, so that discovery has to page (or filter) like in a real tenant.
 */

/** The v1.0 servicePrincipal properties a GET returns; `$select` accepts exactly these. */
// prettier-ignore
export const SERVICE_PRINCIPAL_PROPERTIES = [
  'id', 'deletedDateTime', 'accountEnabled', 'addIns', 'alternativeNames', 'appDescription', 'appDisplayName',
  'appId', 'applicationTemplateId', 'appOwnerOrganizationId', 'appRoleAssignmentRequired', 'appRoles',
  'description', 'disabledByMicrosoftStatus', 'displayName', 'homepage', 'info', 'keyCredentials', 'loginUrl',
  'logoutUrl', 'notes', 'notificationEmailAddresses', 'oauth2PermissionScopes', 'passwordCredentials',
  'preferredSingleSignOnMode', 'preferredTokenSigningKeyThumbprint', 'replyUrls',
  'resourceSpecificApplicationPermissions', 'samlSingleSignOnSettings', 'servicePrincipalNames',
  'servicePrincipalType', 'signInAudience', 'tags', 'tokenEncryptionKeyId', 'verifiedPublisher',
] as const;

export type ServicePrincipalFields = { id: string; displayName: string } & { [key: string]: Json };

/** A full servicePrincipal: every documented property present, null or empty unless given. */
export function servicePrincipal(fields: ServicePrincipalFields): ServicePrincipal {
  const full: { [key: string]: Json } = {};
  for (const property of SERVICE_PRINCIPAL_PROPERTIES) full[property] = null;
  Object.assign(full, {
    accountEnabled: true,
    addIns: [],
    alternativeNames: [],
    appRoleAssignmentRequired: false,
    appRoles: [],
    info: {
      termsOfServiceUrl: null,
      supportUrl: null,
      privacyStatementUrl: null,
      marketingUrl: null,
      logoUrl: null,
    },
    keyCredentials: [],
    notificationEmailAddresses: [],
    oauth2PermissionScopes: [],
    passwordCredentials: [],
    replyUrls: [],
    resourceSpecificApplicationPermissions: [],
    servicePrincipalNames: [],
    servicePrincipalType: 'Application',
    signInAudience: 'AzureADMultipleOrgs',
    tags: [],
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
  });
  Object.assign(full, fields);
  return full as ServicePrincipal;
}

// prettier-ignore
const FIRST_PARTY_NAMES = [
  'Microsoft Graph', 'Office 365 Exchange Online', 'Office 365 SharePoint Online', 'Microsoft Teams',
  'Azure Portal', 'Microsoft Intune', 'Windows Azure Service Management API', 'Microsoft Forms',
  'Power BI Service', 'Microsoft Office', 'Azure Key Vault', 'Microsoft Azure CLI', 'Skype for Business Online',
  'Microsoft Stream Service', 'Dynamics CRM Online', 'Office 365 Management APIs', 'Azure DevOps',
  'Microsoft Planner', 'OneNote', 'Yammer', 'Microsoft To-Do', 'Microsoft Whiteboard Services',
  'Azure Resource Graph', 'Log Analytics API', 'Microsoft Defender for Cloud Apps', 'Windows Update for Business',
];

/** The index-th unrelated service principal of a tenant: first-party apps, then line-of-business apps. */
export function fillerServicePrincipal(tenantId: string, index: number): ServicePrincipal {
  const firstParty = FIRST_PARTY_NAMES[index];
  const displayName = firstParty ?? `LOB app ${String(index).padStart(4, '0')}`;
  const appId = guidFrom(tenantId, 'filler-app', index);
  return servicePrincipal({
    id: guidFrom(tenantId, 'filler-sp', index),
    displayName,
    appDisplayName: displayName,
    appId,
    appOwnerOrganizationId: firstParty ? 'f8cdef31-a31e-4b4a-93e4-5f571e91255a' : tenantId,
    servicePrincipalNames: [appId],
    tags: firstParty ? [] : ['WindowsAzureActiveDirectoryIntegratedApp'],
    signInAudience: firstParty ? 'AzureADMultipleOrgs' : 'AzureADMyOrg',
  });
}

export interface ServicePrincipalDirectory extends IndexedList<ServicePrincipal> {
  /** Position of a service principal in the listing, or undefined. */
  indexOf(id: string): number | undefined;
}

/**
 * `total` service principals where `placed` sit at fixed positions and the rest are fillers. The filler
 * objects are built on demand; only an id-to-index map is kept (a few thousand strings).
 */
export function servicePrincipalDirectory(
  tenantId: string,
  total: number,
  placed: ReadonlyMap<number, ServicePrincipal>,
): ServicePrincipalDirectory {
  const at = (index: number): ServicePrincipal => {
    if (index < 0 || index >= total) throw new RangeError(`service principal index ${index} out of range`);
    return placed.get(index) ?? fillerServicePrincipal(tenantId, index);
  };
  let byId: Map<string, number> | undefined;
  return {
    count: total,
    at,
    indexOf(id) {
      if (!byId) {
        byId = new Map();
        for (let i = 0; i < total; i++) byId.set(placed.get(i)?.id ?? guidFrom(tenantId, 'filler-sp', i), i);
      }
      return byId.get(id.toLowerCase());
    },
  };
}
