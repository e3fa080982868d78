import {
  asErrorCategory,
  hardMatchBlock,
  type ErrorCategory,
  type HardMatchBlock,
} from '../../domain/errorCategory.js';

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

/**
 * The 2026 hard-match blocks (src/domain/errorCategory.ts) need their own remedy: the generic
 * DataMismatch advice would send people looking for a matching problem that is in fact a security block.
 * Sources: entra-docs whats-new (Feb and Jun 2026 entries), tshoot-connect-sync-errors.md
 * #existing-admin-role-conflict (reference/cloud-sync-2026.md 1.6).
 */
const HARD_MATCH_ADVICE: Readonly<Record<HardMatchBlock, string>> = {
  'security-hardening':
    'Blocked by the 2026 hard-match hardening: the cloud user already has onPremisesObjectIdentifier set (it is mapped to another AD object), or holds or is eligible for a privileged role. Check in the audit logs that the remapping is legitimate (changes to OnPremisesObjectIdentifier); only then clear the mapping with the Microsoft Graph call PATCH /beta/users/{userId} and the body {"onPremisesObjectIdentifier": null} (only null is accepted; a Hybrid Identity or Global Administrator with User-OnPremisesSyncBehavior.ReadWrite.All). The next cycle retries the match.',
  'admin-role-conflict':
    'Existing admin role conflict: the cloud user holds, or is eligible for, an Entra admin role, and sync may not take over (hard- or soft-match) an account with a role. If the AD account is the same person, remove the role assignments (and eligibility) from the cloud user, let the next cycle match it, then assign the roles again (better: keep admin accounts cloud-only and unsynchronised).',
};

/** What to do about a group of failing objects: the hard-match remedies first, else the category's. */
export function categoryAdvice(
  category: string | null | undefined,
  code?: string | null,
  description?: string | null,
): string {
  const block = hardMatchBlock(code, description);
  return block ? HARD_MATCH_ADVICE[block] : CATEGORY_ADVICE[asErrorCategory(category)];
}
