import type { TenantEntry } from '../../src/fleet/tenantEntry.js';

/** Customer tenants of the routing tests: Contoso routes by its label `contoso`, Fabrikam by its name. */
export const CONTOSO = '1c0c0c0c-0000-4000-8000-00000000c0c0';
export const FABRIKAM = '2fab0000-0000-4000-8000-00000000fab0';

/** A registry entry signing in with the MSP app's federated credential. */
export const fleetEntry = (tenantId: string, displayName: string, routingTenant?: string): TenantEntry => ({
  tenantId,
  displayName,
  auth: { kind: 'federated', clientId: '0a0a0a0a-0000-4000-8000-000000000001' },
  ...(routingTenant ? { routingTenant } : {}),
  addedAt: '2026-12-01T00:00:00.000Z',
});
