import { asErrorCategory, type ErrorCategory } from '../../domain/errorCategory.js';

export { errorCategoryLabel as categoryLabel } from '../../domain/errorCategory.js';

/**
 * What to do about object-level sync errors, per Connect Health error category (the categories its
 * sync error report used, so people who ran Connect Sync recognise them; defined in
 * src/domain/errorCategory.ts). Graph's own recommendedAction, when present, is shown next to this (as
 * directory-derived text).
 */
const CATEGORY_ADVICE: Readonly<Record<ErrorCategory, string>> = {
  DuplicateAttribute:
    'Another object already uses this value (proxyAddresses, userPrincipalName, mail). Find the other object in AD or Entra ID and remove or change the duplicate value; the next cycle retries by itself.',
  DataMismatch:
    'The AD object could not be matched to the existing Entra ID object (soft or hard match). Check the cloud object: is it already synced from elsewhere, or does its onPremisesImmutableId differ?',
  DataValidationFailure:
    'An attribute value is not valid in Entra ID (characters, format or a missing required value). Correct it in Active Directory.',
  LargeAttribute:
    'An attribute exceeds an Entra ID limit (too many userCertificate or proxyAddresses values, a large thumbnailPhoto). Clean it up in Active Directory.',
  FederatedDomainChange:
    'The UPN suffix moves from one federated domain to another, which Entra ID does not accept in one step. Change the UPN through a managed domain, or update it with Microsoft Graph.',
  Other:
    'Open the failed event in the provisioning logs (filter Status = Failure) and follow its recommended action.',
};

export function categoryAdvice(category: string | null | undefined): string {
  return CATEGORY_ADVICE[asErrorCategory(category)];
}
