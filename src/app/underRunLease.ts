import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { RunContext } from '../collect/collectRun.js';
import type { Logger } from '../log.js';
import { acquireLease, releaseLease } from '../state/lease.js';
import type { StateStore } from '../state/store.js';
import { RunGuard } from './runGuard.js';

export const LEASE_NAME = 'lease-collect';

export interface RunLimits {
  /** Collection stops requesting pages after this long. */
  readonly timeBudgetMs: number;
  /** The lease's time to live; renewed while the run works. */
  readonly leaseMs: number;
  /** Nothing is written after this long (inside the Functions timeout). */
  readonly maxMs: number;
}

/**
 * Runs `work` under the tenant's run lease, so two racing runs (timer and CLI, say) never both work:
 * the loser fails with LeaseHeldError before it reads or writes anything. `work` gets the guard that
 * renews the lease and fences every write by it (see RunGuard); the run must write through it.
 */
export async function underRunLease<T>(
  deps: {
    readonly tenantId: string;
    readonly clock: Clock;
    readonly state: StateStore;
    readonly log: Logger;
  },
  limits: RunLimits,
  trigger: string,
  work: (run: RunContext, guard: RunGuard) => Promise<T>,
): Promise<T> {
  const { tenantId, clock, state } = deps;
  const runId = randomUUID();
  const startedAt = clock.now();
  const ttlMs = Math.max(limits.leaseMs, limits.timeBudgetMs * 2);
  const lease = await acquireLease(
    state,
    { tenantId, name: LEASE_NAME },
    { owner: runId, now: startedAt, ttlMs },
  );
  const guard = new RunGuard(state, lease, {
    clock,
    ttlMs,
    hardLimit: new Date(startedAt.getTime() + limits.maxMs),
  });
  try {
    return await work(
      { runId, startedAt, deadline: startedAt.getTime() + limits.timeBudgetMs, trigger },
      guard,
    );
  } finally {
    guard.close();
    await releaseLease(state, guard.currentLease).catch((error: unknown) =>
      deps.log.warn('could not release the run lease', { error: String(error) }),
    );
  }
}
