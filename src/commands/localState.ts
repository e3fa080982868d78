import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../clock.js';
import type { Settings } from '../config.js';
import { tenantIdFromToken } from '../graph/auth.js';
import type { Logger } from '../log.js';
import { FLEET_SCOPE } from '../fleet/registry.js';
import { NOTIFY_STATE_SCOPE } from '../notify/notifyState.js';
import type { RecordSink } from '../sinks/sink.js';
import { decodeSegment } from '../state/fileStateStore.js';
import type { StateStore } from '../state/store.js';
import { createCollectDependencies, createWebhookDependencies } from '../wiring.js';

/**
 * What `status`, `ack` and `ack --list` need: the state store and the sink of a tenant, without a
 * Graph call. They must work with no credentials and no network (after `demo`, on a laptop, in a
 * Nagios check), so the tenant comes from settings, the token, or the one tenant the local state holds.
 */
export interface LocalState {
  readonly tenantId: string;
  readonly state: StateStore;
  readonly sink: RecordSink;
}

export class NoLocalTenantError extends Error {
  constructor(
    message: string,
    /** No run has left state here at all (rather than several tenants' state). */
    readonly noLocalRun = false,
  ) {
    super(message);
    this.name = 'NoLocalTenantError';
  }
}

/**
 * Tenants that have state in DATA_DIR/state (the local file store), the deployment's own scopes
 * excluded: `_notify` (delivery) and `_fleet` (the tenant registry). Tenant ids are GUIDs.
 */
export async function localTenants(settings: Settings): Promise<string[]> {
  if (settings.stateTable) return [];
  const entries = await readdir(path.join(settings.dataDir, 'state')).catch(() => [] as string[]);
  return entries
    .map((entry) => decodeSegment(entry))
    .filter((t): t is string => t !== undefined && t !== NOTIFY_STATE_SCOPE && t !== FLEET_SCOPE)
    .sort();
}

function knownTenant(settings: Settings): string | undefined {
  const token = settings.graph.accessToken;
  return settings.tenantId ?? (token ? tenantIdFromToken(token) : undefined);
}

export async function resolveLocalTenant(settings: Settings): Promise<string> {
  const known = knownTenant(settings);
  if (known) return known;
  if (settings.stateTable) {
    throw new NoLocalTenantError('set TENANT_ID: the state table can hold several tenants');
  }
  const tenants = await localTenants(settings);
  const [only] = tenants;
  if (only !== undefined && tenants.length === 1) return only;
  const stateDir = path.join(settings.dataDir, 'state');
  // No "--live" here: only `status` has it (which says so itself); ack, digest and remediate refuse it.
  throw tenants.length === 0
    ? new NoLocalTenantError(
        `no local run yet: ${stateDir} holds no state. Run \`cloudsync-monitor run\` (or \`cloudsync-monitor demo\`) first, or point DATA_DIR or --data-dir at the data dir of a run`,
        true,
      )
    : new NoLocalTenantError(
        `${stateDir} holds state of several tenants (${tenants.join(', ')}): set TENANT_ID to choose one`,
      );
}

/**
 * `orAskGraph`: with a state table and no TENANT_ID, ask Graph whose tenant the credentials are for,
 * as a run would (`digest` and `ack` may; `status` must stay offline and asks for TENANT_ID instead).
 */
export async function openLocalState(
  settings: Settings,
  clock: Clock,
  log: Logger,
  options: { orAskGraph?: boolean } = {},
): Promise<LocalState> {
  if (options.orAskGraph && settings.stateTable && !knownTenant(settings)) {
    const deps = await createCollectDependencies(settings, clock, log);
    return { tenantId: deps.tenantId, state: deps.state, sink: deps.sink };
  }
  const tenantId = await resolveLocalTenant(settings);
  // The webhook wiring is exactly "state and sink of a known tenant, no Graph client".
  const deps = await createWebhookDependencies({ ...settings, tenantId }, clock, log);
  return { tenantId, state: deps.state, sink: deps.sink };
}
