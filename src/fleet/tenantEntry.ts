import { z } from 'zod';
import type { TenantIdentity } from '../notify/tenantIdentity.js';

/**
 * One customer tenant of an MSP deployment (fleet mode): who it is, how the monitor signs in there and
 * what it watches. Stored in the tenant registry (registry.ts); validated whenever it is read back.
 *
 * Authentication is always a multi-tenant app registration of the MSP, consented (admin consent) in the
 * customer tenant; what differs is how the app proves itself:
 * - `certificate`: the app's certificate (FLEET_CERTIFICATE_PATH, e.g. a Key Vault certificate loaded
 *   into the Function App), the same for every tenant;
 * - `federated`: a federated identity credential of the app that trusts the Function App's managed
 *   identity (no secret at all: the managed identity's token is the client assertion);
 * - `keyVaultSecret`: a client secret for this tenant alone, read from Key Vault (`secretUri`) with the
 *   managed identity at run time; the secret itself is never stored in the registry or printed.
 */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const guid = (what: string) =>
  z
    .string()
    .regex(GUID, `${what} must be a GUID`)
    .transform((v) => v.toLowerCase());

export const tenantAuthSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('certificate'), clientId: guid('clientId') }),
  z.object({ kind: z.literal('federated'), clientId: guid('clientId') }),
  z.object({
    kind: z.literal('keyVaultSecret'),
    clientId: guid('clientId'),
    secretUri: z
      .url({ protocol: /^https$/, error: 'secretUri must be an https:// Key Vault secret URL' })
      .refine((u) => /\/secrets\/[^/]+/.test(new URL(u).pathname), {
        message: 'secretUri must name a secret: https://<vault>.vault.azure.net/secrets/<name>[/<version>]',
      }),
  }),
]);
export type TenantAuth = z.infer<typeof tenantAuthSchema>;
export type TenantAuthKind = TenantAuth['kind'];
export const TENANT_AUTH_KINDS: readonly TenantAuthKind[] = ['certificate', 'federated', 'keyVaultSecret'];

export const tenantEntrySchema = z.object({
  tenantId: guid('tenantId'),
  displayName: z.string().trim().min(1, 'displayName must not be empty').max(256),
  auth: tenantAuthSchema,
  /**
   * The Cloud Sync configurations to watch, as their service principal ids (like
   * SYNC_SERVICE_PRINCIPAL_IDS for one tenant); absent: every configuration discovery finds.
   */
  configurations: z.array(guid('a configuration')).optional(),
  /**
   * The `tenant` label routes match on (the routing of the operate work); absent: the display name.
   * Lets several tenants share a receiver ("contoso-group") or one tenant have its own.
   */
  routingTenant: z.string().trim().min(1).max(128).optional(),
  addedAt: z.iso.datetime(),
});
export type TenantEntry = z.infer<typeof tenantEntrySchema>;

/** The label a tenant's alerts carry for routing. */
export function routingLabel(entry: TenantEntry): string {
  return entry.routingTenant ?? entry.displayName;
}

/** What a tenant's messages and routes know of it: its name in every message, its routing label. */
export function tenantIdentity(entry: TenantEntry): TenantIdentity {
  return { tenantId: entry.tenantId, displayName: entry.displayName, routingLabel: routingLabel(entry) };
}
