import type { TokenCredential } from '@azure/identity';
import { systemClock } from '../clock.js';
import type { Settings } from '../config.js';
import { createFleetAdapters, tenantSettings } from '../fleet/fleetWiring.js';
import { probeTenant } from '../fleet/tenantProbe.js';
import {
  routingLabel,
  TENANT_AUTH_KINDS,
  tenantEntrySchema,
  type TenantEntry,
} from '../fleet/tenantEntry.js';
import type { Logger } from '../log.js';

/**
 * `cloudsync-monitor tenants add|list|remove|test`: the fleet's tenant registry (the state table when
 * one is configured, else DATA_DIR/state/_fleet). `test` signs in to the tenant as the monitor would
 * and reads jobs, provisioning logs and agents once, printing what is missing (admin consent, a
 * permission) with the admin-consent URL. Nothing is written to the tenant.
 */
export interface TenantsOptions {
  readonly action: string | undefined;
  readonly id: string | undefined;
  readonly name?: string | undefined;
  readonly auth?: string | undefined;
  readonly clientId?: string | undefined;
  readonly secretUri?: string | undefined;
  readonly configurations?: string | undefined;
  readonly routingTenant?: string | undefined;
  readonly json?: boolean;
  readonly print: (line: string) => void;
  /** Tests and local use: the Graph credential for `test` (default: the tenant's own auth). */
  readonly graphCredential?: (entry: TenantEntry) => TokenCredential;
}

export async function tenantsCommand(
  settings: Settings,
  log: Logger,
  options: TenantsOptions,
): Promise<number | { usage: string }> {
  // Locally, GRAPH_ACCESS_TOKEN (e.g. `az account get-access-token --tenant <id> --resource-type ms-graph`)
  // stands in for the tenant's app credential, which may need the Function App's managed identity.
  const token = settings.graph.accessToken;
  const graphCredential =
    options.graphCredential ??
    (token
      ? (): TokenCredential => ({
          getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3600_000 }),
        })
      : undefined);
  const adapters = createFleetAdapters(
    settings,
    systemClock,
    log,
    graphCredential ? { graphCredential } : {},
  );
  const { registry } = adapters;
  const { print } = options;
  switch (options.action) {
    case 'add': {
      if (!options.id) return { usage: 'tenants add needs the tenant id (a GUID)' };
      if (!options.name) return { usage: 'tenants add needs --name (the display name)' };
      if (!options.auth || !(TENANT_AUTH_KINDS as readonly string[]).includes(options.auth))
        return { usage: `tenants add needs --auth ${TENANT_AUTH_KINDS.join('|')}` };
      const parsed = tenantEntrySchema.safeParse({
        tenantId: options.id,
        displayName: options.name,
        auth: {
          kind: options.auth,
          clientId: options.clientId,
          ...(options.secretUri ? { secretUri: options.secretUri } : {}),
        },
        ...(options.configurations
          ? { configurations: options.configurations.split(/[\s,;]+/).filter(Boolean) }
          : {}),
        ...(options.routingTenant ? { routingTenant: options.routingTenant } : {}),
        addedAt: systemClock.now().toISOString(),
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return { usage: `tenants add: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`.trim() };
      }
      const { added } = await registry.put(parsed.data);
      print(`${added ? 'added' : 'updated'} ${parsed.data.displayName} (${parsed.data.tenantId})`);
      print(`next: \`cloudsync-monitor tenants test ${parsed.data.tenantId}\``);
      return 0;
    }
    case 'list': {
      const { tenants, corrupt } = await registry.list();
      if (options.json) {
        print(JSON.stringify({ tenants, corrupt }));
        return 0;
      }
      if (tenants.length === 0) print('no tenants registered (`cloudsync-monitor tenants add`)');
      for (const t of tenants) {
        const filter = t.configurations ? `${t.configurations.length} configurations` : 'all configurations';
        print(
          `${t.tenantId}  ${t.displayName}  auth=${t.auth.kind}  ${filter}  routing tenant=${routingLabel(t)}`,
        );
      }
      for (const c of corrupt) print(`set aside a damaged entry ${c.name}: ${c.reason}`);
      return 0;
    }
    case 'remove': {
      if (!options.id) return { usage: 'tenants remove needs the tenant id' };
      const removed = await registry.remove(options.id);
      print(
        removed
          ? `removed ${options.id} (its monitoring state stays in its own partition)`
          : `no tenant ${options.id}`,
      );
      return removed ? 0 : 1;
    }
    case 'test': {
      if (!options.id) return { usage: 'tenants test needs the tenant id' };
      const entry = await registry.get(options.id);
      if (!entry) {
        print(`no tenant ${options.id} in the registry (\`cloudsync-monitor tenants list\`)`);
        return 1;
      }
      const { createGraphReader } = await import('../graph/graphReader.js');
      const graph = createGraphReader(tenantSettings(settings, entry).graph, {
        clock: systemClock,
        credential: adapters.graphCredential(entry),
      });
      const result = await probeTenant(graph, {
        tenantId: entry.tenantId,
        clientId: entry.auth.clientId,
        authorityHost: settings.cloud.authorityHost,
        ...(entry.configurations?.[0] ? { configurationId: entry.configurations[0] } : {}),
      });
      if (options.json) {
        print(JSON.stringify(result));
        return result.ok ? 0 : 1;
      }
      print(`${entry.displayName} (${entry.tenantId}), auth ${entry.auth.kind}, app ${entry.auth.clientId}`);
      for (const check of result.checks) {
        const mark = check.ok ? 'ok     ' : check.expected ? 'n/a    ' : 'MISSING';
        print(`  ${mark} ${check.signal}: ${check.detail}`);
      }
      if (result.checks.some((c) => c.needsConsent)) {
        print(
          'An administrator of the tenant grants admin consent (Global or Privileged Role Administrator) at:',
        );
        print(`  ${result.consentUrl}`);
      }
      print(
        result.ok
          ? 'ready: the monitor can read this tenant'
          : 'not ready: fix what is MISSING, then test again',
      );
      return result.ok ? 0 : 1;
    }
    default:
      return { usage: 'tenants takes add, list, remove or test' };
  }
}
