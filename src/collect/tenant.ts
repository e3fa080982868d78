import { tenantIdFromToken } from '../graph/auth.js';
import type { GraphReader } from '../graph/graphReader.js';
import { organization } from '../graph/schemas/servicePrincipal.js';
import { z } from 'zod';
import type { TenantSettings } from './settings.js';

/**
 * The tenant every record and state key is labelled with: TENANT_ID if set, else the `tid` claim of a
 * static token, else Graph's /organization.
 */
export async function resolveTenantId(settings: TenantSettings, graph: GraphReader): Promise<string> {
  if (settings.tenantId) return settings.tenantId;
  const fromToken = settings.graph.accessToken ? tenantIdFromToken(settings.graph.accessToken) : undefined;
  if (fromToken) return fromToken;
  const body = z
    .object({ value: z.array(organization).min(1) })
    .safeParse(await graph.get('/organization?$select=id'));
  if (!body.success) throw new Error('could not determine the tenant id from /organization: set TENANT_ID');
  return (body.data.value[0]?.id ?? '').toLowerCase();
}
