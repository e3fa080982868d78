import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { LEASE_NAME } from '../app/underRunLease.js';
import { storedLeaseSchema } from '../state/lease.js';
import { readStoredState } from '../state/storedState.js';
import type { StateStore } from '../state/store.js';
import { claimDispatch, finishDispatch } from './dispatchRecord.js';
import type { TenantRegistry } from './registry.js';
import type { TenantMessage } from './tenantMessage.js';
import type { TenantQueue } from './tenantQueue.js';
import { runPool } from '../pool.js';

/**
 * The fleet timer's work: one message per due tenant on the work queue, each run by the queue-triggered
 * function (tenantRun.ts). A tenant is not due, and is skipped, while
 * - its run lease is held (a run of it is working, here or from a CLI), or
 * - its previous message is still in flight (queued, or being run): the dispatch record says so.
 * So a backlog never piles up several messages of one tenant, and no tenant is run twice in an interval.
 */
export interface FanOutDependencies {
  readonly registry: TenantRegistry;
  readonly state: StateStore;
  readonly queue: TenantQueue;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface FanOutOptions {
  /** The collect interval: a message older than a few of these is taken as lost. */
  readonly intervalMs: number;
  /** Tenants handled at once (state reads and queue sends are I/O). Default 16. */
  readonly concurrency?: number;
}

export interface FanOutResult {
  readonly slot: string;
  readonly enqueued: readonly string[];
  readonly skipped: readonly { readonly tenantId: string; readonly reason: 'running' | 'queued' }[];
  readonly failed: readonly { readonly tenantId: string; readonly error: string }[];
  /** Registry entries that could not be read (set aside). */
  readonly corrupt: readonly string[];
}

/** Messages not run within this many intervals are taken as lost, and their tenant enqueued again. */
const LOST_AFTER_INTERVALS = 3;

export async function fanOut(deps: FanOutDependencies, options: FanOutOptions): Promise<FanOutResult> {
  const now = deps.clock.now();
  const slot = new Date(Math.floor(now.getTime() / options.intervalMs) * options.intervalMs);
  const { tenants, corrupt } = await deps.registry.list();
  for (const c of corrupt) deps.log.warn(`tenant registry entry ${c.name} set aside: ${c.reason}`);
  const enqueued: string[] = [];
  const skipped: { tenantId: string; reason: 'running' | 'queued' }[] = [];
  const failed: { tenantId: string; error: string }[] = [];

  const one = async (tenantId: string): Promise<void> => {
    try {
      if (await leaseHeld(deps.state, tenantId, now)) {
        skipped.push({ tenantId, reason: 'running' });
        return;
      }
      const claimed = await claimDispatch(
        deps.state,
        tenantId,
        slot,
        now,
        options.intervalMs * LOST_AFTER_INTERVALS,
      );
      if (!claimed) {
        skipped.push({ tenantId, reason: 'queued' });
        return;
      }
      const message: TenantMessage = {
        v: 1,
        tenantId,
        slot: slot.toISOString(),
        enqueuedAt: now.toISOString(),
      };
      try {
        await deps.queue.send(JSON.stringify(message));
      } catch (error) {
        // Not on the queue: free the claim so the next tick enqueues the tenant instead of waiting it out.
        await finishDispatch(deps.state, tenantId, slot.toISOString(), deps.clock.now(), 'not-enqueued');
        throw error;
      }
      enqueued.push(tenantId);
    } catch (error) {
      failed.push({ tenantId, error: error instanceof Error ? error.message : String(error) });
    }
  };

  const ids = tenants.map((t) => t.tenantId);
  await runPool(ids, options.concurrency ?? 16, one);
  for (const f of failed) deps.log.warn(`fleet: tenant ${f.tenantId} not enqueued: ${f.error}`);
  return { slot: slot.toISOString(), enqueued, skipped, failed, corrupt: corrupt.map((c) => c.name) };
}

/** Whether someone holds the tenant's run lease now (a damaged lease counts as free: runs set it aside). */
export async function leaseHeld(state: StateStore, tenantId: string, now: Date): Promise<boolean> {
  const stored = await readStoredState(state, { tenantId, name: LEASE_NAME }, storedLeaseSchema);
  if (stored.kind === 'unavailable') throw stored.error;
  return stored.kind === 'found' && Date.parse(stored.value.expiresAt) > now.getTime();
}
