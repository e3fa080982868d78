import path from 'node:path';
import { virtualClock } from '../../src/clock.js';
import { runMonitor } from '../../src/app/monitorRun.js';
import { loadSettings } from '../../src/config.js';
import { recordRun } from '../../src/digest/rollup.js';
import { ProvisioningTally } from '../../src/digest/tally.js';
import { demoDayScenario } from '../../src/demo/scenario.js';
import { startDemoTenant } from '../../src/demo/server.js';
import { silentLogger } from '../../src/log.js';
import type { StateStore } from '../../src/state/store.js';
import { createMonitorDependencies } from '../../src/wiring.js';

/**
 * Replays the built-in demo day through the real collector (demo tenant over HTTPS, real Graph client,
 * local sinks and state) and records every run into the digest rollups, as the collect run does once
 * the lead wires recordRun in. The caller's process must trust `tls` through NODE_EXTRA_CA_CERTS.
 * Alert transitions are not produced here (the lifecycle engine is wired separately), so they are [].
 */
export async function replayDemoDay(options: {
  readonly dataDir: string;
  readonly dayStart: Date;
  readonly tls: { readonly cert: string; readonly key: string };
  readonly runEveryMs?: number;
}): Promise<{ state: StateStore; tenantId: string; runs: number }> {
  const every = options.runEveryMs ?? 5 * 60_000;
  const clock = virtualClock(options.dayStart);
  const tenant = await startDemoTenant({
    clock,
    tls: options.tls,
    scenario: demoDayScenario({ dayStart: options.dayStart }),
  });
  try {
    const settings = loadSettings(
      {},
      {
        GRAPH_BASE_URL: tenant.baseUrl,
        GRAPH_ACCESS_TOKEN: 'demo-token',
        TENANT_ID: tenant.tenantId,
        DATA_DIR: path.resolve(options.dataDir),
      },
    );
    const deps = await createMonitorDependencies(settings, clock, silentLogger);
    let runs = 0;
    const end = options.dayStart.getTime() + 24 * 3600_000;
    // The first run at 00:05 and the last at 23:55, like a 5-minute timer inside the day.
    for (let at = options.dayStart.getTime() + every; at < end; at += every) {
      clock.set(new Date(Math.max(at, clock.now().getTime())));
      const tally = new ProvisioningTally();
      const { collect: result } = await runMonitor(deps, {
        trigger: 'demo',
        through: 'collect',
        onProvisioningWritten: (rows) => tally.add(rows),
      });
      await recordRun(deps.state, deps.tenantId, { result, provisioning: tally, transitions: [] });
      runs += 1;
    }
    return { state: deps.state, tenantId: deps.tenantId, runs };
  } finally {
    await tenant.close();
  }
}
