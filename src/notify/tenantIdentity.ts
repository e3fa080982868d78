/**
 * Who a tenant is to the people told about it, in a deployment that watches many (fleet mode): the
 * name its messages carry, so an MSP reading "CRITICAL ... · Contoso" knows which customer it is, and
 * the routing label its routes match on. A single-tenant deployment has none: its messages name the
 * tenant id and its `tenant` matchers match that id, as before.
 */
export interface TenantIdentity {
  readonly tenantId: string;
  /** Named in every message's subject and body. */
  readonly displayName: string;
  /** What a route's `tenant` matcher also accepts besides the tenant id (the registry's routing label). */
  readonly routingLabel: string;
}

/** The values a `tenant` matcher accepts for this tenant: its id and, in fleet mode, its routing label. */
export function tenantMatchValues(
  tenantId: string | undefined,
  identity: TenantIdentity | undefined,
): string[] {
  const values = tenantId === undefined ? [] : [tenantId];
  if (identity && (tenantId === undefined || identity.tenantId.toLowerCase() === tenantId.toLowerCase()))
    values.push(identity.tenantId, identity.routingLabel);
  return values;
}
