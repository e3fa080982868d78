import { createHash } from 'node:crypto';

/**
 * Deterministic identifiers. Graph ids are GUIDs; the demo derives them from names so that the same
 * scenario always has the same ids without storing them (the synthetic scenario has 200,000 events).
 */
export function guidFrom(...parts: readonly (string | number)[]): string {
  const hex = createHash('sha1').update(parts.join('|')).digest('hex');
  // Version 4 / RFC 4122 variant bits, so the ids look like the GUIDs Graph returns.
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A GUID without dashes: the middle part of provisioning job ids (`AD2AADProvisioning.<32 hex>.<guid>`). */
export function compactGuid(guid: string): string {
  return guid.replaceAll('-', '');
}

/** Graph's timestamp format (UTC, millisecond precision). */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** What Graph returns for "never" in synchronization status fields. */
export const NEVER = '0001-01-01T00:00:00Z';
