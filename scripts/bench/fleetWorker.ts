import type { AccessToken } from '@azure/identity';
import { systemClock } from '../../src/clock.js';
import { loadSettings } from '../../src/config.js';
import { demoTenantToken } from '../../src/demo/fleetServer.js';
import { createFleetAdapters, fleetQueues, tenantRunDependencies } from '../../src/fleet/fleetWiring.js';
import { FLEET_SCOPE, TenantRegistry } from '../../src/fleet/registry.js';
import { NOTIFY_STATE_SCOPE } from '../../src/notify/notifyState.js';
import { runQueueWorker } from '../../src/fleet/queueHost.js';
import { runTenantMessage } from '../../src/fleet/tenantRun.js';
import { parseTenantMessage } from '../../src/fleet/tenantMessage.js';
import { silentLogger } from '../../src/log.js';
import { StoreCounter } from './fleetCounters.js';

/**
 * One worker process of the fleet bench: `workers` queue consumers (each one message at a time, as the
 * Functions host runs queue messages), each message one tenant's real monitor run against the
 * multi-tenant demo Graph, with state in Azurite's table and the queue in Azurite's queue service.
 * Settings come from the environment the bench gives it; every finished message is reported to the
 * parent over IPC.
 */
export interface RunReport {
  readonly tenantId: string;
  readonly slot: string;
  readonly kind: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly outcome?: string;
  readonly error?: string;
  /** State store round trips of this run in the tenant's own partition, by operation and name. */
  readonly storeOps?: Record<string, number>;
}

/** Sent once when the worker process stops: its round trips outside tenant partitions since the mark. */
export interface WorkerReport {
  readonly kind: 'worker';
  readonly sharedStoreOps: Record<string, Record<string, number>>;
}

async function main(): Promise<void> {
  const workers = Number(process.argv[2] ?? '1');
  // Extra consumers for the warm-up only (the first runs), stopped at the mark.
  const warmUpOnly = Math.max(0, Number(process.argv[3] ?? '0'));
  const settings = loadSettings();
  const adapters = createFleetAdapters(settings, systemClock, silentLogger, {
    graphCredential: (entry) => ({
      getToken: (): Promise<AccessToken> =>
        Promise.resolve({
          token: demoTenantToken(entry.tenantId),
          expiresOnTimestamp: Date.now() + 3600_000,
        }),
    }),
  });
  const { work, poison } = fleetQueues(adapters);
  const counter = new StoreCounter();
  const counted = counter.wrap(adapters.state);
  const deps = tenantRunDependencies({
    ...adapters,
    state: counted,
    registry: new TenantRegistry(counted, () => systemClock.now()),
  });
  const sharedScopes = [FLEET_SCOPE, NOTIFY_STATE_SCOPE];
  const stop = new AbortController();
  const warmUpDone = new AbortController();
  process.on('message', (m) => {
    if (m === 'stop') stop.abort();
    // The measured part begins: round trips outside tenant partitions are counted from here.
    if (m === 'mark') {
      warmUpDone.abort();
      for (const scope of sharedScopes) counter.take(scope);
    }
  });
  const report = (r: RunReport) => process.send?.(r);
  await Promise.all(
    Array.from({ length: workers + warmUpOnly }, (_, i) =>
      runQueueWorker({
        queue: work,
        poisonQueue: poison,
        maxDequeueCount: settings.fleet.maxDequeueCount,
        visibilitySeconds: Math.ceil(settings.run.maxMs / 1000) + 60,
        signal: i < workers ? stop.signal : AbortSignal.any([stop.signal, warmUpDone.signal]),
        pollMs: 200,
        sleep: (ms) => systemClock.sleep(ms),
        handler: async (text) => {
          const startedAt = Date.now();
          const message = parseTenantMessage(text);
          const tenantId = 'error' in message ? '?' : message.tenantId;
          const slot = 'error' in message ? '?' : message.slot;
          try {
            const done = await runTenantMessage(deps, text);
            report({
              tenantId,
              slot,
              kind: done.kind,
              startedAt,
              endedAt: Date.now(),
              ...(done.kind === 'ran' ? { outcome: done.result.collect.outcome } : {}),
              storeOps: counter.take(tenantId),
            });
          } catch (error) {
            report({
              tenantId,
              slot,
              kind: 'failed',
              startedAt,
              endedAt: Date.now(),
              error: String(error).slice(0, 300),
              storeOps: counter.take(tenantId),
            });
            throw error;
          }
        },
      }),
    ),
  );
  const sharedStoreOps = Object.fromEntries(sharedScopes.map((scope) => [scope, counter.take(scope)]));
  process.send?.({ kind: 'worker', sharedStoreOps } satisfies WorkerReport);
  process.disconnect?.();
}

await main();
