/**
 * `node dist/scripts/burst.js [--events 150000]`: the burst guarantee of issue 9, measured.
 *
 * A tenant publishes N provisioning events within 10 minutes (a full sync of a large domain). Monitor
 * runs (collection stages, real Graph client over HTTPS, NDJSON sink, file state, paced to 12 pages a
 * second) with a short time budget work the burst off over several runs, then run twice more: the second of those is
 * due for the late sweep, which reads the whole burst again from the lateness window. Prints per run
 * what was written, then one JSON line: {"events","runs","written","duplicates","missing","peakRssMb"}.
 * The peak RSS is taken before the check reads the table back.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { runMonitor } from '../src/app/monitorRun.js';
import { systemClock } from '../src/clock.js';
import { environmentWith, extraCaCertsPath, loadSettings } from '../src/config.js';
import { ensureLocalCertificate } from '../src/demo/tls.js';
import { silentLogger } from '../src/log.js';
import { createMonitorDependencies } from '../src/wiring.js';
import { startSyntheticTenant } from './tenantProcess.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { events: { type: 'string', default: '150000' }, 'work-dir': { type: 'string' } },
  });
  const events = Number(values.events);
  if (!Number.isInteger(events) || events < 1) throw new Error('--events takes a positive whole number');
  const workDir = values['work-dir'] ?? (await mkdtemp(path.join(tmpdir(), 'csm-burst-')));
  const certificate = await ensureLocalCertificate(path.join(workDir, 'tls'));
  if (extraCaCertsPath() !== certificate.certPath) {
    // Node reads extra trusted certificates only at start-up: run again trusting the demo tenant's.
    const child = spawn(
      process.execPath,
      [...process.execArgv, ...process.argv.slice(1), '--work-dir', workDir],
      {
        stdio: 'inherit',
        env: environmentWith({ NODE_EXTRA_CA_CERTS: certificate.certPath }),
      },
    );
    process.exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
    await rm(workDir, { recursive: true, force: true });
    return;
  }

  const tenant = await startSyntheticTenant({
    workDir,
    events,
    start: new Date(Date.now() - 20 * 60_000),
    spanMinutes: 10,
  });
  const dataDir = path.join(workDir, 'data');
  try {
    const settings = loadSettings(
      {},
      {
        GRAPH_BASE_URL: tenant.baseUrl,
        GRAPH_ACCESS_TOKEN: 'burst-token',
        TENANT_ID: tenant.tenantId,
        DATA_DIR: dataDir,
        PROVISIONING_PAGE_SIZE: '999',
        // Paced to 12 pages a second: the burst's 151 pages then take more than one run's budget however
        // fast the machine (resuming the backlog is part of what is tested), as Graph's own limit would.
        GRAPH_REPORTS_REQUESTS_PER_WINDOW: '12',
        GRAPH_REPORTS_WINDOW_SECONDS: '1',
        RUN_TIME_BUDGET_SECONDS: '10',
      },
    );
    const deps = await createMonitorDependencies(settings, systemClock, silentLogger);
    let runs = 0;
    let written = 0;
    let after = 0;
    // Work the burst off, then two runs more (the second is due for the late sweep).
    while (runs < 40 && after < 2) {
      const { collect } = await runMonitor(deps, { trigger: 'burst', through: 'collect' });
      runs += 1;
      written += collect.provisioning.written;
      console.log(
        `run ${runs}: ${collect.outcome}, ${collect.provisioning.written} written, ${collect.provisioning.duplicates} already written, backlog ${collect.provisioning.backlogRemaining}`,
      );
      if (collect.outcome !== 'success') throw new Error(JSON.stringify(collect.issues));
      if (!collect.provisioning.backlogRemaining) after += 1;
    }
    const peakRssMb = Number((process.resourceUsage().maxRSS / 1024).toFixed(1));

    const seen = new Set<string>();
    let duplicates = 0;
    const lines = createInterface({
      input: createReadStream(path.join(dataDir, 'tables', 'CloudSyncProvisioning_CL.ndjson')),
    });
    for await (const line of lines) {
      if (!line) continue;
      const id = (JSON.parse(line) as { EventId: string }).EventId;
      if (seen.has(id)) duplicates += 1;
      seen.add(id);
    }
    console.log(
      JSON.stringify({ events, runs, written, duplicates, missing: events - seen.size, peakRssMb }),
    );
  } finally {
    tenant.process.kill('SIGTERM');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
