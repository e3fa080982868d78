import type { TokenCredential } from '@azure/identity';
import { defaultAzureCredential } from './azure/defaultCredential.js';
import type { Clock } from './clock.js';
import type { CollectDependencies } from './collect/collectRun.js';
import { resolveTenantId } from './collect/tenant.js';
import type { Settings } from './config.js';
import type { Logger } from './log.js';
import { createSink } from './sinks/createSink.js';
import { createStateStore } from './state/createStateStore.js';
import type { StateStore } from './state/store.js';
import type { NotifyDependencies } from './notify/dispatch.js';
import type { MonitorDependencies } from './app/monitorRun.js';
import type { WebhookDependencies } from './app/webhook.js';

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
  const cred = sharedCredential(settings, !settings.graph.accessToken, options.credential);
  // The Graph client is loaded by the runs that call Graph, not by the webhooks that share this module.
  const { createGraphReader } = await import('./graph/graphReader.js');
  const graph = createGraphReader(settings.graph, { clock, ...(cred ? { credential: cred } : {}) });
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

/** What a webhook use case needs (src/app/webhook.ts): TENANT_ID must be set. */
export async function createWebhookDependencies(
  settings: Settings,
  clock: Clock,
  log: Logger,
  options: { credential?: TokenCredential } = {},
): Promise<WebhookDependencies> {
  if (!settings.tenantId) throw new Error('TENANT_ID must be set for webhooks');
  const cred = sharedCredential(settings, false, options.credential);
  return Promise.resolve({
    tenantId: settings.tenantId,
    sink: createSink(settings, cred ? { credential: cred } : {}),
    state: createStateStore(settings, cred ? { credential: cred } : {}),
    clock,
    log,
  });
}

/**
 * The Graph client an opt-in remediation sends its one request with (src/remediation): built only when
 * REMEDIATION allows the action and the admin confirmed it, so the ack page needs no Graph otherwise.
 */
export async function createRemediationGraph(
  settings: Settings,
  clock: Clock,
  options: { credential?: TokenCredential } = {},
): Promise<{ post(path: string, body: unknown): Promise<unknown> }> {
  const cred = sharedCredential(settings, !settings.graph.accessToken, options.credential);
  const { createGraphReader } = await import('./graph/graphReader.js');
  return createGraphReader(settings.graph, { clock, ...(cred ? { credential: cred } : {}) });
}

/** The notification channels' dependencies for a run or a webhook. */
export function notifyDependencies(
  settings: Settings,
  deps: { state: StateStore; clock: Clock; log: Logger },
  options: { credential?: TokenCredential } = {},
): NotifyDependencies {
  return {
    state: deps.state,
    clock: deps.clock,
    log: deps.log,
    settings: settings.notify,
    dataDir: settings.dataDir,
    localRetentionDays: settings.localRetentionDays,
    ...(options.credential ? { credential: options.credential } : {}),
  };
}

/** Everything one monitor run needs: the collect adapters plus the notification channels. */
export async function createMonitorDependencies(
  settings: Settings,
  clock: Clock,
  log: Logger,
  options: { credential?: TokenCredential } = {},
): Promise<MonitorDependencies> {
  const deps = await createCollectDependencies(settings, clock, log, options);
  return { ...deps, settings, notify: notifyDependencies(settings, deps, options) };
}

/**
 * One Azure credential for Graph, Logs Ingestion and Table Storage, created only when one of them needs
 * it (a static Graph token, NDJSON files and a local state store need none).
 */
function sharedCredential(
  settings: Settings,
  forGraph: boolean,
  given: TokenCredential | undefined,
): TokenCredential | undefined {
  const needed = forGraph || Boolean(settings.logsIngestion) || settings.stateTable?.kind === 'accountUrl';
  if (!needed) return undefined;
  return (
    given ??
    defaultAzureCredential({
      managedIdentityClientId: settings.graph.managedIdentityClientId,
      // The cloud's Entra authority for developer and workload credentials (a managed identity needs none).
      authorityHost: settings.cloud.authorityHost,
    })
  );
}
