/**
 * `npm run bench [-- --events N]`: throughput and memory of provisioning collection.
 *
 * Collects N synthetic provisioning events from the demo tenant (run in a child process, so its work
 * and memory are not counted) through the real pipeline: Graph client over HTTPS, paging, zod
 * validation, normalisation, de-duplication and the NDJSON sink, with pacing disabled. Then, on the
 * same pages, measures the floor: JSON.parse + JSON.stringify + gzip alone. Prints events/s for both,
 * their ratio (floor / pipeline) and the peak RSS of this process. The last line is one JSON object.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { systemClock } from '../src/clock.js';
import { runMonitor } from '../src/app/monitorRun.js';
import { environmentWith, extraCaCertsPath, loadSettings } from '../src/config.js';
import { ensureLocalCertificate } from '../src/demo/tls.js';
import { silentLogger } from '../src/log.js';
import { createMonitorDependencies } from '../src/wiring.js';

const PAGE_SIZE = 500;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { events: { type: 'string', default: '200000' }, 'work-dir': { type: 'string' } },
  });
  const events = Number(values.events);
  if (!Number.isInteger(events) || events < 1) throw new Error('--events takes a positive whole number');

  const workDir = values['work-dir'] ?? (await mkdtemp(path.join(tmpdir(), 'csm-bench-')));
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

  const start = new Date(Date.now() - 26 * 3600_000);
  const dataDir = path.join(workDir, 'data');
  await rm(dataDir, { recursive: true, force: true }); // a fresh watermark: every event is new
  const server = await startTenantProcess(workDir, events, start);
  try {
    const settings = loadSettings(
      {},
      {
        GRAPH_BASE_URL: server.baseUrl,
        GRAPH_ACCESS_TOKEN: 'bench-token',
        TENANT_ID: server.tenantId,
        DATA_DIR: dataDir,
        PROVISIONING_PAGE_SIZE: String(PAGE_SIZE),
        PROVISIONING_LOOKBACK_HOURS: '48',
        // Pacing disabled: the demo tenant runs without its rate limit here.
        GRAPH_REPORTS_REQUESTS_PER_WINDOW: '1000',
        GRAPH_REPORTS_WINDOW_SECONDS: '0.001',
        RUN_TIME_BUDGET_SECONDS: '3600',
        RUN_LEASE_SECONDS: '7200',
        RUN_MAX_SECONDS: '7000',
      },
    );
    const deps = await createMonitorDependencies(settings, systemClock, silentLogger);

    const began = process.hrtime.bigint();
    const { collect: result } = await runMonitor(deps, { trigger: 'bench', through: 'collect' });
    const pipelineSeconds = Number(process.hrtime.bigint() - began) / 1e9;
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    if (result.provisioning.written !== events) {
      throw new Error(
        `pipeline wrote ${result.provisioning.written} of ${events} events: ${JSON.stringify(result.issues)}`,
      );
    }

    const floorSeconds = await measureFloor(server.baseUrl, start);
    const eventsPerSec = Math.round(events / pipelineSeconds);
    const floorEventsPerSec = Math.round(events / floorSeconds);
    const ratio = Number((floorEventsPerSec / eventsPerSec).toFixed(2));
    console.log(`pipeline: ${events} events in ${pipelineSeconds.toFixed(2)} s = ${eventsPerSec} events/s`);
    console.log(
      `floor (JSON.parse + JSON.stringify + gzip of the same pages): ${floorEventsPerSec} events/s`,
    );
    console.log(`ratio floor/pipeline: ${ratio} (target <= 2); peak RSS ${peakRssMb.toFixed(1)} MB`);
    console.log(
      JSON.stringify({
        events,
        eventsPerSec,
        floorEventsPerSec,
        ratio,
        peakRssMb: Number(peakRssMb.toFixed(1)),
      }),
    );
  } finally {
    server.process.kill('SIGTERM');
  }
}

/** Fetches the same pages again (untimed) and times only parse + stringify + gzip on each. */
async function measureFloor(baseUrl: string, start: Date): Promise<number> {
  let url: string | undefined =
    `${baseUrl}/v1.0/auditLogs/provisioning?$filter=activityDateTime gt ${new Date(start.getTime() - 3600_000).toISOString()}` +
    ` and activityDateTime lt ${new Date().toISOString()}&$orderby=activityDateTime asc&$top=${PAGE_SIZE}`;
  let nanos = 0n;
  while (url) {
    const response = await fetch(url, { headers: { authorization: 'Bearer bench-token' } });
    if (!response.ok) throw new Error(`floor: ${response.status} from the demo tenant`);
    const body = await response.text();
    const t0 = process.hrtime.bigint();
    const page = JSON.parse(body) as { value: unknown[]; '@odata.nextLink'?: string };
    gzipSync(JSON.stringify(page.value));
    nanos += process.hrtime.bigint() - t0;
    url = page['@odata.nextLink'];
  }
  return Number(nanos) / 1e9;
}

interface TenantProcess {
  baseUrl: string;
  tenantId: string;
  process: ChildProcess;
}

function startTenantProcess(workDir: string, events: number, start: Date): Promise<TenantProcess> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const standalone = path.resolve(here, '../src/demo/standalone.js');
  const child = spawn(
    process.execPath,
    [
      standalone,
      '--scenario',
      'synthetic',
      '--events',
      String(events),
      '--start',
      start.toISOString(),
      '--no-rate-limit',
      '--cert-dir',
      path.join(workDir, 'tls'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`demo tenant exited early (${code})`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      const info = JSON.parse(line) as { baseUrl: string; tenantId: string };
      resolve({ baseUrl: info.baseUrl, tenantId: info.tenantId, process: child });
    });
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
