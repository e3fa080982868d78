import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { offsetClock, systemClock, type Clock } from '../../src/clock.js';
import { loadSettings, type Settings } from '../../src/config.js';
import {
  demoTenantToken,
  startFleetDemo,
  type FleetDemo,
  type FleetTenantSpec,
} from '../../src/demo/fleetServer.js';
import {
  createFleetAdapters,
  fanOutDependencies,
  fleetQueues,
  poisonDependencies,
  tenantRunDependencies,
  type FleetAdapters,
} from '../../src/fleet/fleetWiring.js';
import type { TenantEntry } from '../../src/fleet/tenantEntry.js';
import type { TenantQueue } from '../../src/fleet/tenantQueue.js';
import { silentLogger } from '../../src/log.js';
import { testCertificate } from '../support/tls.js';
import { startAzuriteServices, type AzuriteServices } from './azuriteServices.js';

/**
 * Fleet mode against real protocols: Azurite (queue + table + blob) and the multi-tenant demo Graph
 * over HTTPS, with the real SDKs; each tenant signs in with a token naming it (the demo's stand-in
 * for the tenant's app credential).
 */
export interface FleetHarness {
  readonly azurite: AzuriteServices;
  readonly graph: FleetDemo;
  readonly dataDir: string;
  /** The app settings of this fleet, as a Function App has them (handlers read them from process.env). */
  env(extra?: Record<string, string>): Record<string, string>;
  settings(extra?: Record<string, string>): Settings;
  adapters(options?: { clock?: Clock; settings?: Settings }): FleetAdapters;
  queues(adapters: FleetAdapters): { work: TenantQueue; poison: TenantQueue };
  tableRows(tenantId: string, table: string): Promise<Record<string, unknown>[]>;
  outbox(tenantId: string): Promise<string[]>;
  stop(): Promise<void>;
}

export const tenantCredentialFor = (entry: TenantEntry): TokenCredential => ({
  getToken: (): Promise<AccessToken> =>
    Promise.resolve({ token: demoTenantToken(entry.tenantId), expiresOnTimestamp: Date.now() + 3600_000 }),
});

export async function startFleetHarness(tenants: readonly FleetTenantSpec[]): Promise<FleetHarness> {
  const azurite = await startAzuriteServices();
  const tls = testCertificate();
  const graph = await startFleetDemo({ clock: systemClock, tls, tenants, eventsPerDay: [50, 400] });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'fleet-'));
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    GRAPH_BASE_URL: graph.baseUrl,
    DATA_DIR: dataDir,
    STATE_TABLE_CONNECTION_STRING: azurite.connectionString,
    FLEET_MODE: 'on',
    FLEET_QUEUE: azurite.connectionString,
    FLEET_QUEUE_NAME: 'tenants',
    PROVISIONING_LOOKBACK_HOURS: '1',
    AGENTS_API: 'off',
    ...extra,
  });
  const settings = (extra: Record<string, string> = {}): Settings => loadSettings({}, env(extra));
  return {
    azurite,
    graph,
    dataDir,
    env,
    settings,
    adapters: (options = {}) =>
      createFleetAdapters(options.settings ?? settings(), options.clock ?? systemClock, silentLogger, {
        graphCredential: tenantCredentialFor,
      }),
    queues: (adapters) => fleetQueues(adapters),
    async tableRows(tenantId, table) {
      const dir = path.join(dataDir, 'tenants', tenantId, 'tables');
      const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.startsWith(table));
      const rows: Record<string, unknown>[] = [];
      for (const file of files) {
        const text = await readFile(path.join(dir, file), 'utf8');
        for (const line of text.split('\n').filter(Boolean))
          rows.push(JSON.parse(line) as Record<string, unknown>);
      }
      return rows;
    },
    async outbox(tenantId) {
      return readdir(path.join(dataDir, 'tenants', tenantId, 'outbox')).catch(() => [] as string[]);
    },
    async stop() {
      await graph.close();
      await azurite.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export { fanOutDependencies, poisonDependencies, tenantRunDependencies, offsetClock };
