import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendFleetDigests } from '../../src/fleet/sendFleetDigest.js';
import { fleetDigestsDependencies } from '../../src/fleet/fleetWiring.js';
import { offsetClock } from '../../src/clock.js';
import { fanOut } from '../../src/fleet/fanOut.js';
import { processNext } from '../../src/fleet/queueHost.js';
import { runTenantMessage } from '../../src/fleet/tenantRun.js';
import { acquireLease, releaseLease } from '../../src/state/lease.js';
import { LEASE_NAME } from '../../src/app/underRunLease.js';
import type { TenantEntry } from '../../src/fleet/tenantEntry.js';
import {
  fanOutDependencies,
  startFleetHarness,
  tenantRunDependencies,
  type FleetHarness,
} from './fleetHarness.js';

const TENANTS = [
  '11111111-1111-4111-8111-111111111111',
  '22222222-2222-4222-8222-222222222222',
  '33333333-3333-4333-8333-333333333333',
];
const INTERVAL = 5 * 60_000;

const entry = (tenantId: string, n: number): TenantEntry => ({
  tenantId,
  displayName: `Customer ${n}`,
  auth: { kind: 'federated', clientId: '0a0a0a0a-0000-4000-8000-000000000001' },
  addedAt: '2026-12-01T00:00:00.000Z',
});

describe('fleet fan-out over Azurite queues', () => {
  let h: FleetHarness;
  beforeAll(async () => {
    h = await startFleetHarness(TENANTS.map((tenantId, seed) => ({ tenantId, seed })));
    const adapters = h.adapters();
    for (const [n, id] of TENANTS.entries()) await adapters.registry.put(entry(id, n + 1));
  });
  afterAll(async () => h?.stop());

  it('enqueues one message per tenant and each message runs that tenant alone', async () => {
    const adapters = h.adapters();
    const { work, poison } = h.queues(adapters);
    await work.ensure();
    await poison.ensure();
    const result = await fanOut(fanOutDependencies(adapters, work), { intervalMs: INTERVAL });
    expect([...result.enqueued].sort()).toEqual(TENANTS);
    expect(await work.approximateCount()).toBe(3);

    // The same interval again: every tenant is in flight, nothing more is queued.
    const again = await fanOut(fanOutDependencies(adapters, work), { intervalMs: INTERVAL });
    expect(again.enqueued).toEqual([]);
    expect(again.skipped.map((s) => s.reason)).toEqual(['queued', 'queued', 'queued']);

    const ran: string[] = [];
    const deps = tenantRunDependencies(adapters);
    for (let i = 0; i < 3; i++) {
      const outcome = await processNext({
        queue: work,
        poisonQueue: poison,
        maxDequeueCount: 5,
        visibilitySeconds: 600,
        handler: async (text) => {
          const done = await runTenantMessage(deps, text);
          ran.push(`${done.tenantId}:${done.kind}`);
        },
      });
      expect(outcome).toBe('processed');
    }
    expect(ran.sort()).toEqual(TENANTS.map((t) => `${t}:ran`));
    for (const tenantId of TENANTS) {
      const runs = await h.tableRows(tenantId, 'CloudSyncMonitorRun_CL');
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ AADTenantId: tenantId, Trigger: 'queue', Outcome: 'success' });
      const jobs = await h.tableRows(tenantId, 'CloudSyncJobStatus_CL');
      expect(jobs.length).toBeGreaterThan(0);
      expect(jobs.every((row) => row.AADTenantId === tenantId)).toBe(true);
    }
    expect(await work.approximateCount()).toBe(0);
    expect(h.graph.totals().throttled).toBe(0);

    // The MSP's fleet digest: one message naming every tenant, from the rollups these runs left.
    const digest = await sendFleetDigests(fleetDigestsDependencies(adapters));
    expect(digest.model.rows.map((r) => r.displayName).sort()).toEqual([
      'Customer 1',
      'Customer 2',
      'Customer 3',
    ]);
    const outbox = await readdir(path.join(h.dataDir, 'outbox'));
    expect(outbox.filter((f) => f.includes('fleet-digest'))).toHaveLength(2);

    // The next interval: every tenant is due again.
    const later = h.adapters({ clock: offsetClock(new Date(Date.now() + INTERVAL)) });
    const next = await fanOut(fanOutDependencies(later, work), { intervalMs: INTERVAL });
    expect([...next.enqueued].sort()).toEqual(TENANTS);
    // drain them for the next test
    for (let i = 0; i < 3; i++) {
      const [m] = await work.receive(1, 30);
      if (m) await work.delete(m);
    }
  });

  it('does not enqueue a tenant whose run is still in progress (its run lease is held)', async () => {
    // Three intervals on, the messages drained above count as lost; one tenant's run is working.
    const adapters = h.adapters({ clock: offsetClock(new Date(Date.now() + 5 * INTERVAL)) });
    const { work } = h.queues(adapters);
    const [busy, ...idle] = TENANTS as [string, ...string[]];
    const lease = await acquireLease(
      adapters.state,
      { tenantId: busy, name: LEASE_NAME },
      { owner: 'a-run-in-another-worker', now: adapters.clock.now(), ttlMs: 10 * 60_000 },
    );
    try {
      const result = await fanOut(fanOutDependencies(adapters, work), { intervalMs: INTERVAL });
      expect(result.skipped).toEqual([{ tenantId: busy, reason: 'running' }]);
      expect([...result.enqueued].sort()).toEqual([...idle].sort());
      // Their messages are in flight now: the next tick, lease or not, adds none.
      const tick = h.adapters({ clock: offsetClock(new Date(Date.now() + 6 * INTERVAL)) });
      const next = await fanOut(fanOutDependencies(tick, work), { intervalMs: INTERVAL });
      expect(next.enqueued).toEqual([]);
    } finally {
      await releaseLease(adapters.state, lease);
    }
  });
});
