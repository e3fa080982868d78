import type { MonitorDependencies, MonitorResult } from '../app/monitorRun.js';
import { runMonitor } from '../app/monitorRun.js';
import type { Clock } from '../clock.js';
import type { SlidingWindowPacer } from '../graph/pacer.js';
import type { Logger } from '../log.js';
import { LeaseHeldError } from '../state/lease.js';
import type { StateStore } from '../state/store.js';
import { finishDispatch, readDispatchSeen } from './dispatchRecord.js';
import { pacerFor, savePacer, type PacingLimit } from './pacingState.js';
import type { TenantRegistry } from './registry.js';
import type { TenantEntry } from './tenantEntry.js';
import { parseTenantMessage } from './tenantMessage.js';

/**
 * The queue-triggered function's work: one tenant's monitor run (src/app/monitorRun.ts, as the
 * single-tenant timer runs it), under that tenant's run lease and with its state in its own partition.
 *
 * It throws when the run failed, so the Functions host retries the message and, after
 * maxDequeueCount attempts, moves it to the poison queue (poison.ts alerts then). A run that only
 * could not read some signal is not a failure: its run row and `monitor-degraded` say so, as for one
 * tenant. Redelivery is harmless: a run is idempotent, and a message whose slot already finished is
 * dropped.
 */
export interface TenantRunDependencies {
  readonly registry: TenantRegistry;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly pacing: PacingLimit;
  /**
   * The tenant's monitor dependencies (its Graph credential, the shared stores), with this pacer, and
   * what to release after its run (the tenant's open NDJSON files: a worker runs many tenants).
   */
  readonly monitorDependencies: (
    entry: TenantEntry,
    pacer: SlidingWindowPacer,
  ) => Promise<{ readonly deps: MonitorDependencies; readonly release: () => Promise<void> }>;
}

export type TenantRunOutcome =
  | { readonly kind: 'ran'; readonly tenantId: string; readonly result: MonitorResult }
  /** Another run holds the lease (a CLI run, or one that outlived its message): nothing to do. */
  | { readonly kind: 'lease-held'; readonly tenantId: string }
  /** The message of a slot that already finished (redelivered after its run completed). */
  | { readonly kind: 'duplicate'; readonly tenantId: string }
  /** The tenant left the registry after it was enqueued. */
  | { readonly kind: 'removed'; readonly tenantId: string };

export class TenantRunFailed extends Error {
  constructor(
    readonly tenantId: string,
    message: string,
  ) {
    super(message);
    this.name = 'TenantRunFailed';
  }
}

export async function runTenantMessage(deps: TenantRunDependencies, text: string): Promise<TenantRunOutcome> {
  const message = parseTenantMessage(text);
  if ('error' in message) throw new Error(`fleet queue: ${message.error}`);
  const { tenantId, slot } = message;
  // Three independent reads at once: a run's time before its first Graph request is mostly waiting.
  const [entry, dispatch, pacer] = await Promise.all([
    deps.registry.get(tenantId),
    readDispatchSeen(deps.state, tenantId),
    pacerFor(deps.state, tenantId, deps.clock, deps.pacing),
  ]);
  if (!entry) {
    deps.log.warn(`fleet: tenant ${tenantId} is no longer registered; message dropped`);
    return { kind: 'removed', tenantId };
  }
  if (dispatch?.record.slot === slot && dispatch.record.finishedAt !== undefined)
    return { kind: 'duplicate', tenantId };

  let result: MonitorResult;
  try {
    const monitor = await deps.monitorDependencies(entry, pacer);
    try {
      result = await runMonitor(monitor.deps, { trigger: 'queue' });
    } finally {
      await monitor.release().catch(() => undefined);
    }
  } catch (error) {
    if (error instanceof LeaseHeldError) {
      deps.log.warn(`fleet: ${entry.displayName} skipped: ${error.message}`);
      await finishDispatch(deps.state, tenantId, slot, deps.clock.now(), 'lease-held', dispatch);
      return { kind: 'lease-held', tenantId };
    }
    throw new TenantRunFailed(
      tenantId,
      `${entry.displayName}: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    await savePacer(deps.state, tenantId, pacer).catch((error: unknown) =>
      deps.log.warn(`fleet: pacing of ${tenantId} not saved`, { error: String(error) }),
    );
  }
  if (result.collect.outcome === 'failed') {
    throw new TenantRunFailed(
      tenantId,
      `${entry.displayName}: run ${result.collect.runId} failed: ${result.collect.issues.map((i) => i.message).join('; ')}`,
    );
  }
  await finishDispatch(deps.state, tenantId, slot, deps.clock.now(), result.collect.outcome, dispatch);
  return { kind: 'ran', tenantId, result };
}
