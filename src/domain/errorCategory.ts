/**
 * Maps provisioning error codes to the categories Connect Health users know from its sync error report:
 * DuplicateAttribute, DataMismatch, DataValidationFailure, LargeAttribute, FederatedDomainChange, Other.
 * Graph's own `errorCategory` (failure / nonServiceFailure) says who must act, not what is wrong, so the
 * code is what we classify. Explicit codes first, then patterns for codes we have not met yet.
 */
export const ERROR_CATEGORIES = [
  'DuplicateAttribute',
  'DataMismatch',
  'DataValidationFailure',
  'LargeAttribute',
  'FederatedDomainChange',
  'Other',
] as const;
/** In the order Connect Health's report lists them (the digest keeps that order). */
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** A category as stored (rollups, alert details, table rows): anything unknown reads as Other. */
export function asErrorCategory(value: string | null | undefined): ErrorCategory {
  return value && isErrorCategory(value) ? value : 'Other';
}

const isErrorCategory = (value: string): value is ErrorCategory =>
  (ERROR_CATEGORIES as readonly string[]).includes(value);

/** Connect Health's wording: DuplicateAttribute -> Duplicate attribute. */
export function errorCategoryLabel(category: string | null | undefined): string {
  return (category ?? 'Other')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/ ([A-Z])/g, (_m, c: string) => ` ${c.toLowerCase()}`);
}

const explicit: Readonly<Record<string, ErrorCategory>> = {
  attributevaluemustbeunique: 'DuplicateAttribute',
  objectconflict: 'DuplicateAttribute',
  entryconflict: 'DuplicateAttribute',
  duplicatesourceentries: 'DuplicateAttribute',
  azureactivedirectoryconflictingobjects: 'DuplicateAttribute',
  invalidsoftmatch: 'DataMismatch',
  softmatchfailure: 'DataMismatch',
  hardmatchfailure: 'DataMismatch',
  azureactivedirectorycannotupdateobjectsoriginatedinexternalservice: 'DataMismatch',
  federateddomainchangeerror: 'FederatedDomainChange',
  largeobject: 'LargeAttribute',
  exceededallowedlength: 'LargeAttribute',
  azureactivedirectoryinvalidvalue: 'DataValidationFailure',
  invalidcharacters: 'DataValidationFailure',
  propertynotfound: 'DataValidationFailure',
};

const patterns: readonly [RegExp, ErrorCategory][] = [
  [/duplicate|conflict|unique|alreadyexists|inuse/i, 'DuplicateAttribute'],
  [/federat|domainchange|userprincipalnamedomain/i, 'FederatedDomainChange'],
  [/large|toolong|maxlength|exceed(ed)?(allowed)?(length|size|limit)/i, 'LargeAttribute'],
  [/mismatch|softmatch|hardmatch|immutableid|sourceanchor|anchor/i, 'DataMismatch'],
  [
    /invalid|validation|format|character|required|missing|malformed|notfound|syntax/i,
    'DataValidationFailure',
  ],
];

/**
 * The 2026 hard-match hardening (reference/cloud-sync-2026.md 1.6): Cloud Sync and Connect Sync may no
 * longer hard-match an AD object onto a cloud user that
 * - holds (from 1 Jun 2026), is assigned or is eligible for (from 1 Jul 2026) a privileged Entra role:
 *   the "existing admin role conflict" (tshoot-connect-sync-errors.md#existing-admin-role-conflict);
 * - already has onPremisesObjectIdentifier set: "Hard match operation blocked due to security hardening.
 *   Review OnPremisesObjectIdentifier mapping." (security-hardening).
 * Microsoft publishes the message, not an error code, so both are recognised by the error text (Graph's
 * errorInformation.reason) or by a code that names them. Both are matching problems: DataMismatch,
 * never the DuplicateAttribute that the word "conflict" would otherwise suggest.
 */
export type HardMatchBlock = 'security-hardening' | 'admin-role-conflict';

const HARDENING_TEXT =
  /hard match operation blocked due to security hardening|onpremisesobjectidentifier mapping/i;
const HARDENING_CODE = /hardmatch\w*(block|harden)|securityharden/i;
const ADMIN_ROLE_TEXT =
  /existing admin(istrator)? role conflict|admin(istrative)? role (is )?assigned|holds? an? (privileged|admin(istrative)?) (entra )?role/i;
const ADMIN_ROLE_CODE = /adminrole(conflict)?/i;

export function hardMatchBlock(
  code: string | null | undefined,
  description?: string | null,
): HardMatchBlock | undefined {
  const text = description ?? '';
  if (HARDENING_TEXT.test(text) || (code && HARDENING_CODE.test(code))) return 'security-hardening';
  if (ADMIN_ROLE_TEXT.test(text) || (code && ADMIN_ROLE_CODE.test(code))) return 'admin-role-conflict';
  return undefined;
}

/** The category of an error code; `description` (Graph's error reason) recognises the hard-match blocks. */
export function errorCategory(
  code: string | null | undefined,
  description?: string | null,
): ErrorCategory | null {
  if (hardMatchBlock(code, description)) return 'DataMismatch';
  if (!code) return null;
  const known = explicit[code.toLowerCase()];
  if (known) return known;
  for (const [pattern, category] of patterns) if (pattern.test(code)) return category;
  return 'Other';
}

/**
 * Error codes that Entra retries by itself: service-side hiccups (an internal error, a busy or
 * unavailable directory, a timeout), not something in the object or the configuration. The demo's
 * error catalogue and Microsoft's texts say so ("This attempt is automatically retried in 40 minutes",
 * "This operation will be retried automatically"). Alone they never open or update an alert; they count
 * once they persist (TRANSIENT_ERRORS_PERSIST_MINUTES).
 */
const RETRIED_CODES: readonly string[] = [
  'internalerror',
  'azuredirectoryserviceserverbusy',
  'serverbusy',
  'serviceunavailable',
  'timeout',
  'requesttimeout',
  'gatewaytimeout',
  'azuredirectoryservicetimeout',
];
const RETRIED_PATTERN = /(server|service)busy|timed?out|serviceunavailable|internalservererror/i;

export function isRetriedAutomatically(code: string | null | undefined): boolean {
  if (!code) return false;
  return RETRIED_CODES.includes(code.toLowerCase()) || RETRIED_PATTERN.test(code);
}
