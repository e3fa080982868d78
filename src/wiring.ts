import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { Clock } from './clock.js';
import type { CollectDependencies } from './collect/collectRun.js';
import { resolveTenantId } from './collect/tenant.js';
import type { Settings } from './config.js';
import { createGraphReader } from './graph/graphReader.js';
import type { Logger } from './log.js';
import { createSink } from './sinks/createSink.js';
import { createStateStore } from './state/createStateStore.js';

/**
 * Builds the real adapters from settings: the one place the CLI and the Functions share, so both run
 * the same core against the same kinds of Graph client, sink and state store.
 */
export async function createCollectDependencies(
  settings: Settings,
  clock: Clock,
  log: Logger,
  options: { credential?: TokenCredential } = {},
): Promise<CollectDependencies> {
  // One credential for Graph, Logs Ingestion and Table Storage, created only if something needs it.
  const needsCredential =
    !settings.graph.accessToken || settings.logsIngestion || settings.stateTable?.kind === 'accountUrl';
  const cred = needsCredential
    ? (options.credential ??
      new DefaultAzureCredential({ managedIdentityClientId: settings.graph.managedIdentityClientId }))
    : undefined;
  const graph = createGraphReader(settings, { clock, ...(cred ? { credential: cred } : {}) });
  const tenantId = await resolveTenantId(settings, graph);
  return {
    settings,
    tenantId,
    graph,
    sink: createSink(settings, cred ? { credential: cred } : {}),
    state: createStateStore(settings, cred ? { credential: cred } : {}),
    clock,
    log,
  };
}
