import path from 'node:path';
import { virtualClock } from '../../src/clock.js';
import { runMonitor } from '../../src/app/monitorRun.js';
import { loadSettings } from '../../src/config.js';
import { demoDayScenario } from '../../src/demo/scenario.js';
import { startDemoTenant } from '../../src/demo/server.js';
import { silentLogger } from '../../src/log.js';
import type { StateStore } from '../../src/state/store.js';
import { createMonitorDependencies } from '../../src/wiring.js';

/**
 * Replays the built-in demo day through the real monitor run (demo tenant over HTTPS, real Graph client,
 * local sinks, state and outbox): each run collects, raises its alerts and records itself into the
 * digest rollups with its alert transitions, as in Azure. The caller's process must trust `tls` through
 * NODE_EXTRA_CA_CERTS.
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
      await runMonitor(deps, { trigger: 'demo' });
      runs += 1;
    }
    return { state: deps.state, tenantId: deps.tenantId, runs };
  } finally {
    await tenant.close();
  }
}
