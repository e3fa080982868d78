import path from 'node:path';
import type { TokenCredential } from '@azure/identity';
import type { MonitorDependencies } from '../app/monitorRun.js';
import { defaultAzureCredential } from '../azure/defaultCredential.js';
import type { Clock } from '../clock.js';
import type { Settings } from '../config.js';
import type { SlidingWindowPacer } from '../graph/pacer.js';
import type { Logger } from '../log.js';
import { createSink } from '../sinks/createSink.js';
import { NdjsonSink } from '../sinks/ndjsonSink.js';
import type { RecordSink } from '../sinks/sink.js';
import { createStateStore } from '../state/createStateStore.js';
import type { StateStore } from '../state/store.js';
import { notifyDependencies } from '../wiring.js';
import type { FanOutDependencies } from './fanOut.js';
import type { NotifyDependencies } from '../notify/dispatch.js';
import type { FleetDigestsDependencies } from './sendFleetDigest.js';
import type { PoisonDependencies } from './poison.js';
import { TenantRegistry } from './registry.js';
import { poisonQueueName } from './settings.js';
import { tenantCredential } from './tenantCredential.js';
import { tenantIdentity, type TenantEntry } from './tenantEntry.js';
import { StorageTenantQueue, type TenantQueue } from './tenantQueue.js';
import type { TenantRunDependencies } from './tenantRun.js';

/**
 * Fleet mode's adapters from the settings, shared by the fleet functions and the CLI. One state store
 * and one sink serve every tenant (every key and row carries the tenant id); each tenant gets its own
 * settings (TENANT_ID, its configurations filter) and its own Graph credential and pacer.
 *
 * Local files (no state table, no Log Analytics): each tenant's records and outbox go to
 * DATA_DIR/tenants/<tenant id>/, so concurrent runs of different tenants never share a file; the
 * state (and the registry) stays in DATA_DIR/state, one folder per tenant.
 */
export interface FleetAdapters {
  readonly settings: Settings;
  readonly state: StateStore;
  readonly registry: TenantRegistry;
  readonly clock: Clock;
  readonly log: Logger;
  /** The deployment's own credential (state table, Logs Ingestion, queue, Key Vault); undefined when none is needed. */
  readonly credential: TokenCredential | undefined;
  /** A tenant's Graph credential; tests and the bench give their own. */
  readonly graphCredential: (entry: TenantEntry) => TokenCredential;
}

export interface FleetAdapterOptions {
  readonly credential?: TokenCredential;
  readonly graphCredential?: (entry: TenantEntry) => TokenCredential;
}

export function createFleetAdapters(
  settings: Settings,
  clock: Clock,
  log: Logger,
  options: FleetAdapterOptions = {},
): FleetAdapters {
  const needsCredential =
    Boolean(settings.logsIngestion) ||
    settings.stateTable?.kind === 'accountUrl' ||
    settings.fleet.queue?.kind === 'serviceUrl';
  const credential =
    options.credential ??
    (needsCredential
      ? defaultAzureCredential({
          managedIdentityClientId: settings.graph.managedIdentityClientId,
          authorityHost: settings.cloud.authorityHost,
        })
      : undefined);
  const state = createStateStore(settings, credential ? { credential } : {});
  return {
    settings,
    state,
    registry: new TenantRegistry(state, () => clock.now()),
    clock,
    log,
    credential,
    graphCredential:
      options.graphCredential ??
      ((entry) =>
        tenantCredential(entry.tenantId, entry.auth, {
          authorityHost: settings.cloud.authorityHost,
          certificatePath: settings.fleet.certificatePath,
          managedIdentityClientId: settings.graph.managedIdentityClientId,
        })),
  };
}

/** One tenant's settings: the deployment's, narrowed to this tenant. */
export function tenantSettings(settings: Settings, entry: TenantEntry): Settings {
  const local = !settings.logsIngestion;
  return Object.freeze({
    ...settings,
    tenantId: entry.tenantId,
    // The tenant's token comes from its credential, never a deployment-wide static token.
    graph: { ...settings.graph, accessToken: undefined },
    discovery: {
      ...settings.discovery,
      servicePrincipalIds: entry.configurations ?? settings.discovery.servicePrincipalIds,
    },
    dataDir: local ? path.join(settings.dataDir, 'tenants', entry.tenantId) : settings.dataDir,
  });
}

/** The sink a tenant's rows go to (Log Analytics for all, or the tenant's own NDJSON folder). */
export function tenantSink(adapters: FleetAdapters, entry: TenantEntry | undefined): RecordSink {
  const settings = entry ? tenantSettings(adapters.settings, entry) : adapters.settings;
  return createSink(settings, adapters.credential ? { credential: adapters.credential } : {});
}

export async function tenantMonitorDependencies(
  adapters: FleetAdapters,
  entry: TenantEntry,
  pacer: SlidingWindowPacer,
): Promise<{ deps: MonitorDependencies; release: () => Promise<void> }> {
  const settings = tenantSettings(adapters.settings, entry);
  const { createGraphReader } = await import('../graph/graphReader.js');
  const graph = createGraphReader(settings.graph, {
    clock: adapters.clock,
    credential: adapters.graphCredential(entry),
    pacer,
  });
  const sink = tenantSink(adapters, entry);
  return {
    deps: {
      settings,
      tenantId: entry.tenantId,
      graph,
      sink,
      state: adapters.state,
      clock: adapters.clock,
      log: adapters.log,
      notify: tenantNotify(adapters, entry),
    },
    // A worker runs many tenants: each run's NDJSON files are closed when it ends.
    release: async () => {
      if (sink instanceof NdjsonSink) await sink.close();
    },
  };
}

/**
 * The channels of the MSP's own messages (no tenant given: the fleet digest, messages naming no tenant)
 * or of one tenant's: the same routing document, with the tenant's identity, so its routes' `tenant`
 * matchers accept its routing label, its digest goes to its receivers and its messages name it.
 */
export function tenantNotify(adapters: FleetAdapters, entry: TenantEntry | undefined): NotifyDependencies {
  const settings = entry ? tenantSettings(adapters.settings, entry) : adapters.settings;
  const base = { state: adapters.state, clock: adapters.clock, log: adapters.log };
  const notify = notifyDependencies(
    settings,
    base,
    adapters.credential ? { credential: adapters.credential } : {},
  );
  return entry ? { ...notify, tenant: tenantIdentity(entry) } : notify;
}

/** The digest timer's: each tenant's digest to its receivers, the fleet digest to the MSP. */
export function fleetDigestsDependencies(adapters: FleetAdapters): FleetDigestsDependencies {
  return {
    registry: adapters.registry,
    state: adapters.state,
    log: adapters.log,
    now: adapters.clock.now(),
    settings: adapters.settings,
    notify: tenantNotify(adapters, undefined),
    tenant: (entry) => ({
      settings: tenantSettings(adapters.settings, entry),
      notify: tenantNotify(adapters, entry),
    }),
  };
}

export function fleetQueues(adapters: FleetAdapters): { work: TenantQueue; poison: TenantQueue } {
  const { fleet } = adapters.settings;
  if (!fleet.queue) throw new Error('fleet mode needs FLEET_QUEUE or FLEET_QUEUE__queueServiceUri');
  return {
    work: StorageTenantQueue.fromSettings(fleet.queue, fleet.queueName, adapters.credential),
    poison: StorageTenantQueue.fromSettings(
      fleet.queue,
      poisonQueueName(fleet.queueName),
      adapters.credential,
    ),
  };
}

export function fanOutDependencies(adapters: FleetAdapters, queue: TenantQueue): FanOutDependencies {
  return {
    registry: adapters.registry,
    state: adapters.state,
    queue,
    clock: adapters.clock,
    log: adapters.log,
  };
}

export function tenantRunDependencies(adapters: FleetAdapters): TenantRunDependencies {
  const { graph } = adapters.settings;
  return {
    registry: adapters.registry,
    state: adapters.state,
    clock: adapters.clock,
    log: adapters.log,
    pacing: { requests: graph.reportsRequestsPerWindow, windowMs: graph.reportsWindowMs },
    monitorDependencies: (entry, pacer) => tenantMonitorDependencies(adapters, entry, pacer),
  };
}

export function poisonDependencies(adapters: FleetAdapters): PoisonDependencies {
  return {
    registry: adapters.registry,
    state: adapters.state,
    clock: adapters.clock,
    log: adapters.log,
    alertTargets: (tenantId, entry) =>
      Promise.resolve({
        // A message naming no registered tenant is the deployment's own trouble: the fleet scope.
        tenantId: entry?.tenantId ?? tenantId ?? '_fleet',
        sink: tenantSink(adapters, entry),
        notify: tenantNotify(adapters, entry),
      }),
  };
}
