import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fanOut } from '../../src/fleet/fanOut.js';
import { processNext } from '../../src/fleet/queueHost.js';
import { handlePoisonedMessage } from '../../src/fleet/poison.js';
import { runTenantMessage } from '../../src/fleet/tenantRun.js';
import type { TenantEntry } from '../../src/fleet/tenantEntry.js';
import { readDispatch } from '../../src/fleet/dispatchRecord.js';
import {
  fanOutDependencies,
  poisonDependencies,
  startFleetHarness,
  tenantRunDependencies,
  type FleetHarness,
} from './fleetHarness.js';

const HEALTHY = '44444444-4444-4444-8444-444444444444';
const CORRUPT = '55555555-5555-4555-8555-555555555555';
/** Registered, but Graph does not know it (its consent was withdrawn): every attempt fails. */
const REVOKED = '66666666-6666-4666-8666-666666666666';
const INTERVAL = 5 * 60_000;

const entry = (tenantId: string, displayName: string): TenantEntry => ({
  tenantId,
  displayName,
  auth: { kind: 'federated', clientId: '0a0a0a0a-0000-4000-8000-000000000001' },
  addedAt: '2026-12-01T00:00:00.000Z',
});

describe('fleet: poison messages and per-tenant isolation', () => {
  let h: FleetHarness;
  beforeAll(async () => {
    h = await startFleetHarness([
      { tenantId: HEALTHY, seed: 4 },
      { tenantId: CORRUPT, seed: 5 },
    ]);
    const { registry } = h.adapters();
    await registry.put(entry(HEALTHY, 'Healthy Ltd'));
    await registry.put(entry(CORRUPT, 'Corrupt plc'));
    await registry.put(entry(REVOKED, 'Revoked Inc'));
  });
  afterAll(async () => h?.stop());

  it("moves a tenant whose run fails on every attempt to the poison queue, alerts, and keeps the others running; one tenant's corrupt state touches no other", async () => {
    const settings = h.settings({ FLEET_MAX_DEQUEUE_COUNT: '2' });
    const adapters = h.adapters({ settings });
    const { work, poison } = h.queues(adapters);
    await work.ensure();
    await poison.ensure();

    // Damage the corrupt tenant's state in its partition: its alert book and its discovery cache.
    const table = TableClient.fromConnectionString(h.azurite.connectionString, 'CloudSyncMonitorState', {
      allowInsecureConnection: true,
    });
    await table.createTable().catch(() => undefined);
    for (const name of ['alerts-book', 'collect-discovery']) {
      await table.upsertEntity(
        { partitionKey: CORRUPT, rowKey: name, garbage: 'not a state value' },
        'Replace',
      );
    }

    const result = await fanOut(fanOutDependencies(adapters, work), { intervalMs: INTERVAL });
    expect([...result.enqueued].sort()).toEqual([HEALTHY, CORRUPT, REVOKED].sort());

    const deps = tenantRunDependencies(adapters);
    const outcomes: string[] = [];
    const host = {
      queue: work,
      poisonQueue: poison,
      maxDequeueCount: settings.fleet.maxDequeueCount,
      visibilitySeconds: 600,
      handler: (text: string) => runTenantMessage(deps, text),
    };
    for (let i = 0; i < 8 && outcomes.filter((o) => o !== 'retried').length < 3; i++) {
      outcomes.push(await processNext(host));
    }
    expect(outcomes.filter((o) => o === 'processed')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'retried')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'poisoned')).toHaveLength(1);
    expect(await work.approximateCount()).toBe(0);

    // The poison queue holds the revoked tenant's message; its trigger alerts once.
    const [poisoned] = await poison.receive(1, 60);
    expect(poisoned).toBeDefined();
    expect(JSON.parse(poisoned!.text)).toMatchObject({ tenantId: REVOKED });
    const handled = await handlePoisonedMessage(poisonDependencies(adapters), {
      messageId: poisoned!.messageId,
      text: poisoned!.text,
      attempts: settings.fleet.maxDequeueCount,
      queueName: poison.name,
    });
    expect(handled).toEqual({ alerted: true, tenantId: REVOKED });
    const alerts = await h.tableRows(REVOKED, 'CloudSyncAlert_CL');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ AADTenantId: REVOKED, Kind: 'monitor-degraded', Transition: 'new' });
    expect(String(alerts[0]?.Summary)).toMatch(/Revoked Inc .* failed 2 times/);
    const outbox = await h.outbox(REVOKED);
    expect(outbox.filter((f) => f.includes('email'))).toHaveLength(1);
    expect(outbox.filter((f) => f.includes('teams'))).toHaveLength(1);
    // Told once: the same poison message again (a redelivery) alerts nobody.
    const again = await handlePoisonedMessage(poisonDependencies(adapters), {
      messageId: poisoned!.messageId,
      text: poisoned!.text,
      attempts: settings.fleet.maxDequeueCount,
      queueName: poison.name,
    });
    expect(again.alerted).toBe(false);
    expect(await h.tableRows(REVOKED, 'CloudSyncAlert_CL')).toHaveLength(1);
    // Its dispatch is closed: the next interval enqueues it again.
    expect((await readDispatch(adapters.state, REVOKED))?.outcome).toBe('poisoned');

    // Isolation: the corrupt tenant's damaged values were set aside in its own partition and said in its
    // run row; the healthy tenant's run read every signal, saw no corrupt state, and has no copies.
    const corruptRun = (await h.tableRows(CORRUPT, 'CloudSyncMonitorRun_CL'))[0];
    expect(JSON.stringify(corruptRun?.Errors)).toMatch(/CorruptState/);
    const healthyRun = (await h.tableRows(HEALTHY, 'CloudSyncMonitorRun_CL'))[0];
    expect(healthyRun).toMatchObject({ Outcome: 'success' });
    expect(JSON.stringify(healthyRun?.Errors)).not.toMatch(/CorruptState/);
    const copies = async (tenantId: string) => {
      const names: string[] = [];
      for await (const e of table.listEntities({
        queryOptions: { filter: `PartitionKey eq '${tenantId}'` },
      })) {
        names.push(String(e.rowKey));
      }
      return names.filter((n) => n.startsWith('corrupt-'));
    };
    expect((await copies(CORRUPT)).length).toBeGreaterThan(0);
    expect(await copies(HEALTHY)).toEqual([]);
  });
});
