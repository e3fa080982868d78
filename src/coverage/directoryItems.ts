import { z } from 'zod';
import { capFlat } from '../domain/text.js';

/**
 * The directory objects the coverage check reads with delta queries (users, groups, organizational
 * contacts), as Graph sends them. An incremental round may carry only the properties that changed, and a
 * removed object only its id and `@removed`, so every property is optional here; a malformed item is
 * counted and skipped, never fatal.
 */
export const OBJECT_TYPES = ['user', 'group', 'contact'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

const nullableString = z.string().nullable().optional();

export const directoryItemSchema = z.object({
  id: z.string().min(1),
  displayName: nullableString,
  userPrincipalName: nullableString,
  onPremisesSyncEnabled: z.boolean().nullable().optional(),
  onPremisesDomainName: nullableString,
  onPremisesDistinguishedName: nullableString,
  onPremisesLastSyncDateTime: nullableString,
  '@removed': z.object({ reason: z.string().optional() }).passthrough().optional(),
});
export type DirectoryItem = z.infer<typeof directoryItemSchema>;

/** What each delta query selects: only what the check needs (and Graph tracks every selected property). */
export const DELTA_PATHS: Readonly<Record<ObjectType, string>> = {
  user: '/users/delta?$select=id,displayName,userPrincipalName,onPremisesSyncEnabled,onPremisesDomainName,onPremisesDistinguishedName,onPremisesLastSyncDateTime',
  group: '/groups/delta?$select=id,displayName,onPremisesSyncEnabled,onPremisesDomainName,onPremisesLastSyncDateTime',
  contact: '/contacts/delta?$select=id,displayName,onPremisesSyncEnabled,onPremisesLastSyncDateTime',
};

/** The OU of a distinguished name: the DN without its first RDN (commas escaped as `\,` respected). */
export function organizationalUnitOf(dn: string | null | undefined): string | null {
  if (!dn) return null;
  const match = /^(?:\\.|[^,\\])*,(.*)$/s.exec(dn);
  return match?.[1] ? capFlat(match[1].trim(), 256) : null;
}

/**
 * Connect Sync's own directory synchronization accounts (Sync_<server>_<id>@<tenant>.onmicrosoft.com,
 * display name "On-Premises Directory Synchronization Service Account"): one per Connect Sync server.
 * Cloud Sync's agents do not use them.
 */
export function isConnectSyncAccount(item: DirectoryItem): boolean {
  const upn = item.userPrincipalName ?? '';
  return /^sync_[^@]+_[0-9a-f]+@/i.test(upn) || /directory synchronization service account/i.test(item.displayName ?? '');
}
