import { afterEach, describe, expect, it } from 'vitest';
import { runMonitor } from '../../src/app/monitorRun.js';
import { virtualClock } from '../../src/clock.js';
import { syntheticScenario } from '../../src/demo/scenario.js';
import type { DemoTenant } from '../../src/demo/server.js';
import { buildDigest } from '../../src/digest/runDigest.js';
import { recordHeartbeat } from '../../src/heartbeat/recordHeartbeat.js';
import { silentLogger } from '../../src/log.js';
import { dependencies, settingsFor, startTestTenant, tempDataDir } from '../support/collectHarness.js';
import { runningAgentHeartbeat } from '../support/heartbeats.js';

/**
 * Issue 8: in app-only mode (agents API off) heartbeats are the only word on the agents; they reach
 * the digest through the run's roll-up stage.
 */
const tenants: DemoTenant[] = [];
afterEach(async () => {
  await Promise.all(tenants.splice(0).map((t) => t.close()));
});

describe('heartbeats in the digest', () => {
  it('the digest of a day where an agent is seen only by its heartbeats shows that agent', async () => {
    const start = new Date('2026-11-22T00:00:00Z');
    const clock = virtualClock(new Date(start.getTime() + 5 * 60_000));
    const tenant = await startTestTenant({
      clock,
      scenario: syntheticScenario({ start, events: 300, spanMs: 24 * 3600_000 }),
      reportsRateLimit: false,
      agentsApi: 'forbidden',
    });
    tenants.push(tenant);
    const dataDir = await tempDataDir();
    const settings = settingsFor(tenant, dataDir, { AGENTS_API: 'off' });
    const deps = await dependencies(settings, clock);
    for (let run = 0; run < 12; run++) {
      await recordHeartbeat(
        { sink: deps.sink, state: deps.state, clock, tenantId: tenant.tenantId, log: silentLogger },
        runningAgentHeartbeat('HBONLY01.northwind.com', tenant.tenantId, clock.now()),
      );
      await runMonitor(deps, { trigger: 'test' });
      clock.advance(5 * 60_000);
    }

    const digest = await buildDigest({
      state: deps.state,
      tenantId: tenant.tenantId,
      now: new Date(start.getTime() + 24 * 3600_000),
      settings,
    });
    expect(JSON.stringify(digest.model)).toContain('HBONLY01.northwind.com');
    expect(digest.message.email.html).toContain('HBONLY01.northwind.com');
  });
});
