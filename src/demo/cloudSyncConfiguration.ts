import { compactGuid, guidFrom } from './ids.js';
import type { KeyValuePair, ProvisioningSystem, ServicePrincipal } from './graphTypes.js';
import { servicePrincipal } from './servicePrincipals.js';

/**
 * A Cloud Sync configuration: one AD domain, one service principal named after it, and its jobs. Both
 * scenarios build their configurations here so the service principal, the job ids, the job settings and
 * the provisioning events agree with each other.
 */
export const CLOUD_SYNC_APP_DISPLAY_NAME = 'Active Directory to Azure Active Directory Provisioning';
export const CLOUD_SYNC_TEMPLATE_ID = '1a4721b3-e57f-4451-ae87-ef078703ec94';

export interface CloudSyncConfiguration {
  readonly tenantId: string;
  readonly domain: string;
  readonly netBios: string;
  readonly servicePrincipalId: string;
  readonly appId: string;
  /** Newer configurations carry the template id; the documented sample shows null. */
  readonly applicationTemplateId: string | null;
  /** The jobs API shows 2-part (`AD2AADProvisioning.<32 hex>`) or 3-part ids; the docs show both. */
  readonly jobIdParts: 2 | 3;
}

/** The id of a job as the jobs API shows it. */
export function jobId(config: CloudSyncConfiguration, templateId: string): string {
  const twoPart = `${templateId}.${compactGuid(config.servicePrincipalId)}`;
  return config.jobIdParts === 2 ? twoPart : `${twoPart}.${config.tenantId}`;
}

/** The jobId of provisioning events: always 3-part, so it matches the jobs API id by prefix only. */
export function logJobId(config: CloudSyncConfiguration, templateId: string): string {
  return `${templateId}.${compactGuid(config.servicePrincipalId)}.${config.tenantId}`;
}

export function cloudSyncServicePrincipal(config: CloudSyncConfiguration): ServicePrincipal {
  // Shape of the sample in entra-docs hybrid/cloud-sync/concept-attributes.md, named after the domain
  // as the portal names configurations.
  return servicePrincipal({
    id: config.servicePrincipalId,
    displayName: config.domain,
    appDisplayName: CLOUD_SYNC_APP_DISPLAY_NAME,
    appId: config.appId,
    applicationTemplateId: config.applicationTemplateId,
    appOwnerOrganizationId: config.tenantId,
    homepage:
      'https://account.activedirectory.windowsazure.com:444/applications/default.aspx?metadata=AD2AADProvisioning|ISV9.1|primary|z',
    publisherName: 'Active Directory Application Registry',
    servicePrincipalNames: [
      'http://adapplicationregistry.onmicrosoft.com/adprovisioningtoaad/primary',
      CLOUD_SYNC_TEMPLATE_ID,
    ],
    tags: ['WindowsAzureActiveDirectoryIntegratedApp'],
    appRoles: [
      {
        allowedMemberTypes: ['User'],
        description: 'msiam_access',
        displayName: 'msiam_access',
        id: 'a0326856-1f51-4311-8ae7-a034d168eedf',
        isEnabled: true,
        origin: 'Application',
        value: null,
      },
    ],
  });
}

export function cloudSyncSystems(config: CloudSyncConfiguration): {
  source: ProvisioningSystem;
  target: ProvisioningSystem;
} {
  return {
    source: {
      id: guidFrom(config.tenantId, config.domain, 'ad-connector'),
      displayName: 'Active Directory',
      details: {},
    },
    target: {
      id: guidFrom(config.tenantId, 'entra-connector'),
      displayName: 'Azure Active Directory',
      details: {
        ApplicationId: config.appId,
        ServicePrincipalId: config.servicePrincipalId,
        ServicePrincipalDisplayName: config.domain,
      },
    },
  };
}

/** synchronizationJobSettings as the concept-attributes sample shows them. */
export function cloudSyncJobSettings(config: CloudSyncConfiguration): KeyValuePair[] {
  const domain = {
    DomainFQDN: config.domain,
    DomainNetBios: config.netBios,
    ForestFQDN: config.domain,
    ForestNetBios: config.netBios,
  };
  return [
    { name: 'Domain', value: JSON.stringify(domain) },
    { name: 'DomainFQDN', value: config.domain },
    { name: 'DomainNetBios', value: config.netBios },
    { name: 'ForestFQDN', value: config.domain },
    { name: 'ForestNetBios', value: config.netBios },
    { name: 'QuarantineTooManyDeletesThreshold', value: '500' },
  ];
}
