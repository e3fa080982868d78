import type { ProvisioningErrorInfo, SynchronizationError } from './graphTypes.js';

/**
 * The errors the demo tenant produces.
 *
 * Job-level codes (`quarantine.error`, `lastExecution.error`) are the documented Cloud Sync codes
 * (MicrosoftDocs/entra-docs, hybrid/cloud-sync/reference-error-codes.md), except `TooManyDeletes`: no
 * document shows the error that accompanies quarantine reason TooManyDeletes, so that one is modelled.
 *
 * Object-level codes (provisioningStatusInfo.errorInformation) follow what AD-to-Entra provisioning logs
 * carry: the Entra directory error name with an `AzureDirectoryService` prefix (the form seen for
 * AttributeValueMustBeUnique in the field), one per Connect Health category a monitor must tell apart,
 * plus the generic provisioning-service codes documented in howto-analyze-provisioning-logs.md.
 */

export const jobErrors = {
  noActiveAgents: {
    code: 'HybridIdentityServiceNoActiveAgents',
    message:
      "We're unable to find an active agent for the domain you're trying to sync. Please check to see if the agent is running by going to the server, where the agent is installed, and check to see if Microsoft Entra Connect cloud sync agent under Services is running.",
    tenantActionable: true,
  },
  serverBusy: {
    code: 'AzureDirectoryServiceServerBusy',
    message:
      'An error occurred. Error Code: 81. Error Description: Microsoft Entra ID is currently busy. This operation will be retried automatically. If this issue persists for more than 24 hours, contact Technical Support.',
    tenantActionable: false,
  },
  invalidCredential: {
    code: 'AzureActiveDirectoryInvalidCredential',
    message:
      'We found an issue with the service account that is used to run Microsoft Entra Cloud Sync. You can repair the cloud service account by following the instructions at https://go.microsoft.com/fwlink/?linkid=2150988. If the error persists, please contact support with Job ID (from status pane of your configuration). Additional Error Details: CredentialsInvalid AADSTS50034: The user account {EmailHidden} does not exist in the directory.',
    tenantActionable: true,
  },
  tooManyDeletes: {
    code: 'TooManyDeletes',
    message:
      'The number of deletions in this cycle (600) exceeds the accidental deletion threshold (500). Review the StagedDelete events in the provisioning logs, then allow the deletes (restart with resetScope ForceDeletes) or fix the cause and restart.',
    tenantActionable: true,
  },
} satisfies Record<string, SynchronizationError>;

/** Facts about the failing object that the error texts quote. */
export interface ErrorSubject {
  readonly displayName: string;
  readonly userPrincipalName: string;
  readonly mail: string;
}

export type ObjectErrorKind =
  | 'duplicateProxyAddress'
  | 'duplicateUserPrincipalName'
  | 'invalidSoftMatch'
  | 'invalidMail'
  | 'largeUserCertificate'
  | 'federatedDomainChange'
  | 'internalError'
  | 'quarantinedProxyAddress'
  | 'saasEntryConflict';

export function objectError(kind: ObjectErrorKind, subject: ErrorSubject): ProvisioningErrorInfo {
  switch (kind) {
    case 'duplicateProxyAddress':
      return {
        errorCode: 'AzureDirectoryServiceAttributeValueMustBeUnique',
        errorCategory: 'nonServiceFailure',
        reason: `Unable to update this object because the following attributes associated with this object have values that may already be associated with another object in your local directory services: [ProxyAddresses SMTP:${subject.mail};]. Correct or remove the duplicate values in your local directory.`,
        additionalDetails: `The value 'SMTP:${subject.mail}' of property 'proxyAddresses' is already used by another object.`,
        recommendedAction:
          'Find the other object with this proxy address in Active Directory or Microsoft Entra ID and remove the duplicate value.',
      };
    case 'duplicateUserPrincipalName':
      return {
        errorCode: 'AzureDirectoryServiceAttributeValueMustBeUnique',
        errorCategory: 'nonServiceFailure',
        reason: `Unable to update this object because the following attributes associated with this object have values that may already be associated with another object in your local directory services: [UserPrincipalName ${subject.userPrincipalName};]. Correct or remove the duplicate values in your local directory.`,
        additionalDetails: `The value '${subject.userPrincipalName}' of property 'userPrincipalName' is already used by another object.`,
        recommendedAction: 'Give one of the two objects a different userPrincipalName in Active Directory.',
      };
    case 'invalidSoftMatch':
      return {
        errorCode: 'AzureDirectoryServiceInvalidSoftMatch',
        errorCategory: 'nonServiceFailure',
        reason: `Unable to create this object because an object in Microsoft Entra ID with the same proxy address 'SMTP:${subject.mail}' is already synchronized from another source (its onPremisesImmutableId differs).`,
        additionalDetails: null,
        recommendedAction:
          'Decide which on-premises object owns the cloud object; clear the immutable ID of the cloud object or change the conflicting value.',
      };
    case 'invalidMail':
      return {
        errorCode: 'AzureDirectoryServiceDataValidationFailed',
        errorCategory: 'nonServiceFailure',
        reason: `Unable to create this object because the value '${subject.mail.replace('@', '@@')}' of property 'mail' is not a valid email address.`,
        additionalDetails: "Property 'mail' failed validation: invalid character '@' in the domain part.",
        recommendedAction: "Correct the 'mail' attribute of the user in Active Directory.",
      };
    case 'largeUserCertificate':
      return {
        errorCode: 'AzureDirectoryServiceLargeObject',
        errorCategory: 'nonServiceFailure',
        reason:
          "Unable to update this object because the attribute 'userCertificate' has 22 values, which exceeds the limit of 15 values.",
        additionalDetails: null,
        recommendedAction:
          "Remove expired certificates from the user's userCertificate attribute in Active Directory (at most 15 values).",
      };
    case 'federatedDomainChange':
      return {
        errorCode: 'AzureDirectoryServiceFederatedDomainChangeError',
        errorCategory: 'nonServiceFailure',
        reason: `Unable to update this object because the userPrincipalName suffix changes from one federated domain to another ('${subject.userPrincipalName}').`,
        additionalDetails: null,
        recommendedAction:
          'Change the UPN suffix to a managed domain first, or update the user with Update-MgUser before the next cycle.',
      };
    case 'internalError':
      return {
        errorCode: 'InternalError',
        errorCategory: 'failure',
        reason:
          'An internal service error occurred within the Microsoft Entra provisioning service. This attempt is automatically retried in 40 minutes.',
        additionalDetails: null,
        recommendedAction: null,
      };
    case 'quarantinedProxyAddress':
      return {
        errorCode: 'QuarantinedAttributeValueMustBeUnique',
        errorCategory: 'nonServiceFailure',
        reason: `The object was exported, but the duplicate value 'smtp:${subject.mail}' of 'proxyAddresses' was quarantined (duplicate attribute resiliency).`,
        additionalDetails: null,
        recommendedAction: 'Remove the duplicate proxy address from one of the objects.',
      };
    case 'saasEntryConflict':
      return {
        errorCode: 'EntryConflict',
        errorCategory: 'nonServiceFailure',
        reason: `The target application returned an error response with the HTTP status code 409: a user with the name '${subject.userPrincipalName}' already exists.`,
        additionalDetails: null,
        recommendedAction: null,
      };
  }
}
