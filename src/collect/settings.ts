import type { GraphSettings } from '../graph/settings.js';
import type { ProvisioningSettings } from './provisioning.js';

/**
 * What collecting needs of the settings (discovery, the agents API, provisioning logs): declared beside
 * the collector so it depends on nothing above it. src/config.ts maps the environment to it.
 */
export interface CollectSettings {
  readonly discovery: {
    /** SYNC_SERVICE_PRINCIPAL_IDS: the configurations to watch; none: discover them. */
    readonly servicePrincipalIds: readonly string[] | undefined;
    readonly refreshMs: number;
  };
  /** AGENTS_API: `off` where the beta agents API is not granted (heartbeats only). */
  readonly agentsApi: 'auto' | 'off';
  readonly provisioning: ProvisioningSettings;
}

/** What telling the tenant needs: TENANT_ID, else the `tid` of a static Graph token. */
export interface TenantSettings {
  readonly tenantId: string | undefined;
  readonly graph: Pick<GraphSettings, 'accessToken'>;
}
