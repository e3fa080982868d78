/**
 * `npm run bench [-- --events N] [--sink ndjson|logs-ingestion] [--rounds R]`: throughput and memory of
 * provisioning collection against its floor.
 *
 * - The demo tenant makes N synthetic events (its own process); a page server (scripts/bench/pageServer,
 *   another process) reads every page from it once and serves them from memory, so the pipeline waits
 *   for no page generation, and stands in for Logs Ingestion (204 after reading the body).
 * - Rounds are interleaved, pipeline then floor, R times (default 3), each in a fresh process:
 *   pipeline = one real monitor run through `collect` (Graph client over HTTPS, paging, zod, records,
 *   de-duplication, the checkpoint per group of pages and the sink: NDJSON files or the real LogsIngestionClient),
 *   pacing disabled; floor = the work a minimal correct pipeline must do on the same pages (see
 *   scripts/bench/floor.ts), timed alone.
 * - Prints every round, then the medians: events/s of both, ratio = floor / pipeline, and the highest
 *   peak RSS of a pipeline process; then, to read that peak against, the memory floor (a process set
 *   up as a pipeline round that only receives the pages, then one that receives and parses them:
 *   scripts/bench/memoryFloor.ts). The last line is one JSON object
 *   {"events","sink","eventsPerSec","floorEventsPerSec","ratio","peakRssMb"}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { TokenCredential } from '@azure/identity';
import { systemClock } from '../src/clock.js';
import { runMonitor } from '../src/app/monitorRun.js';
import { environmentWith, loadSettings } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { createMonitorDependencies } from '../src/wiring.js';
import type { FloorSink } from './bench/floor.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BENCH_TOKEN = 'bench-token';
const DCR = 'dcr-00000000000000000000000000000b01';
const SINKS: readonly FloorSink[] = ['ndjson', 'logs-ingestion'];

interface Options {
  readonly events: number;
  readonly sink: FloorSink;
  readonly rounds: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '200000' },
      sink: { type: 'string', default: 'ndjson' },
      rounds: { type: 'string', default: '3' },
      // Internal: one round in a child process.
      role: { type: 'string' },
      'work-dir': { type: 'string' },
      'page-server': { type: 'string' },
      'tenant-id': { type: 'string' },
    },
  });
  const events = Number(values.events);
  if (!Number.isInteger(events) || events < 1) throw new Error('--events takes a positive whole number');
  const sink = values.sink as FloorSink;
  if (!SINKS.includes(sink)) throw new Error(`--sink takes ${SINKS.join(' or ')}`);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a positive whole number');
  const options = { events, sink, rounds };

  if (values.role !== undefined) {
    const workDir = values['work-dir'];
    const pageServer = values['page-server'];
    if (!workDir || !pageServer) throw new Error('a bench round needs --work-dir and --page-server');
    const tenantId = values['tenant-id'] ?? '';
    const rounds: Record<string, () => Promise<unknown>> = {
      pipeline: () => pipelineRound(options, workDir, pageServer, tenantId),
      floor: () => floorRound(options, workDir, pageServer),
      'memory-floor': () => memoryFloorRound(options, workDir, pageServer, tenantId, false),
      'memory-floor-parse': () => memoryFloorRound(options, workDir, pageServer, tenantId, true),
    };
    const round = rounds[values.role];
    if (!round) throw new Error(`no bench round is called ${values.role}`);
    const result = await round();
    console.log(JSON.stringify(result));
    return;
  }
  await orchestrate(options);
}

async function orchestrate(options: Options): Promise<void> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'csm-bench-'));
  const children: ChildProcess[] = [];
  try {
    // Loaded here, not at the top: a pipeline round's process must hold what a monitor run holds and
    // no more (the certificate maker is 10 MB of RSS), or the bench reports the harness's memory as ours.
    const { ensureLocalCertificate } = await import('../src/demo/tls.js');
    const certificate = await ensureLocalCertificate(path.join(workDir, 'tls'));
    const env = environmentWith({ NODE_EXTRA_CA_CERTS: certificate.certPath });
    const start = new Date(Date.now() - 26 * 3600_000);
    const tenant = await startChild(
      path.resolve(here, '../src/demo/standalone.js'),
      [
        ...['--scenario', 'synthetic', '--events', String(options.events), '--start', start.toISOString()],
        ...['--no-rate-limit', '--cert-dir', path.join(workDir, 'tls')],
      ],
      env,
      children,
    );
    const { baseUrl: tenantUrl, tenantId } = tenant as { baseUrl: string; tenantId: string };
    const pageSize = loadSettings({}).provisioning.pageSize;
    const served = (await startChild(
      path.resolve(here, 'bench/pageServer.js'),
      [
        ...['--tenant', tenantUrl, '--cert-dir', path.join(workDir, 'tls')],
        ...['--from', new Date(start.getTime() - 3600_000).toISOString(), '--page-size', String(pageSize)],
      ],
      env,
      children,
    )) as { baseUrl: string; pages: number; events: number; bytes: number };
    console.log(
      `${options.events} events of the demo tenant in ${served.pages} pages of ${pageSize} ` +
        `(${(served.bytes / 1e6).toFixed(0)} MB of JSON), served from memory; sink ${options.sink}`,
    );

    const pipeline: { seconds: number; peakRssMb: number; startRssMb: number }[] = [];
    const floor: number[] = [];
    const receive: number[] = [];
    const loads: number[] = [];
    const argsFor = (dir: string) => [
      ...['--events', String(options.events), '--sink', options.sink],
      ...['--work-dir', path.join(workDir, dir), '--page-server', served.baseUrl],
      ...['--tenant-id', tenantId],
    ];
    for (let round = 1; round <= options.rounds; round++) {
      const roundArgs = argsFor(`round-${round}`);
      loads.push(loadavg()[0]!);
      const p = (await runRound([...roundArgs, '--role', 'pipeline'], env)) as (typeof pipeline)[number];
      const f = (await runRound([...roundArgs, '--role', 'floor'], env)) as {
        seconds: number;
        receiveSeconds: number;
      };
      pipeline.push(p);
      floor.push(f.seconds);
      receive.push(f.receiveSeconds);
      console.log(
        `round ${round}: pipeline ${rate(options.events, p.seconds)} events/s (${p.seconds.toFixed(2)} s, ` +
          `peak RSS ${p.peakRssMb.toFixed(1)} MB, ${p.startRssMb.toFixed(0)} MB at its start); floor ${rate(options.events, f.seconds)} events/s ` +
          `(${f.seconds.toFixed(2)} s; receiving the pages, untimed in it: ${f.receiveSeconds.toFixed(2)} s); ` +
          `load ${loads.at(-1)!.toFixed(1)}`,
      );
    }
    const eventsPerSec = rate(options.events, median(pipeline.map((p) => p.seconds)));
    const floorEventsPerSec = rate(options.events, median(floor));
    const ratio = Number((floorEventsPerSec / eventsPerSec).toFixed(2));
    const peakRssMb = Number(Math.max(...pipeline.map((p) => p.peakRssMb)).toFixed(1));
    console.log(
      `median of ${options.rounds}: pipeline ${eventsPerSec} events/s, floor ${floorEventsPerSec} events/s, ` +
        `ratio ${ratio}; highest peak RSS ${peakRssMb} MB; 1-minute load ${loads.map((l) => l.toFixed(1)).join(', ')} on ${availableParallelism()} cores`,
    );
    // For reading the ratio: the floor leaves out receiving the pages over HTTPS, which the pipeline
    // cannot (issue 14 defines the floor so); this says what that part costs, on the same pages.
    const withReceive = rate(options.events, median(floor.map((f, i) => f + receive[i]!)));
    console.log(
      `informational: the floor plus receiving its pages over HTTPS (fetch + text) makes ${withReceive} events/s, ` +
        `ratio ${(withReceive / eventsPerSec).toFixed(2)}`,
    );
    // For reading the peak RSS: what a process that only receives (and parses) the same pages peaks at.
    const floorArgs = argsFor('memory-floor');
    const receiveOnly = (await runRound([...floorArgs, '--role', 'memory-floor'], env)) as {
      peakRssMb: number;
    };
    const receiveParse = (await runRound([...floorArgs, '--role', 'memory-floor-parse'], env)) as {
      peakRssMb: number;
    };
    console.log(
      `informational: memory floor, a round process with the monitor loaded that only receives these pages ` +
        `over HTTPS peaks at ${receiveOnly.peakRssMb.toFixed(1)} MB; receiving and JSON.parse of each, ` +
        `${receiveParse.peakRssMb.toFixed(1)} MB`,
    );
    console.log(
      JSON.stringify({
        events: options.events,
        sink: options.sink,
        eventsPerSec,
        floorEventsPerSec,
        ratio,
        peakRssMb,
      }),
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await rm(workDir, { recursive: true, force: true });
  }
}

/** One pipeline round: a monitor run through `collect`, as the timer function runs it. */
async function pipelineRound(
  options: Options,
  workDir: string,
  pageServer: string,
  tenantId: string,
): Promise<{ seconds: number; peakRssMb: number; startRssMb: number }> {
  const deps = await roundDependencies(options, workDir, pageServer, tenantId);
  const startRssMb = process.memoryUsage().rss / 1024 / 1024;
  const began = process.hrtime.bigint();
  const { collect: result } = await runMonitor(deps, { trigger: 'bench', through: 'collect' });
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  if (result.provisioning.written !== options.events) {
    throw new Error(
      `pipeline wrote ${result.provisioning.written} of ${options.events} events: ${JSON.stringify(result.issues)}`,
    );
  }
  return { seconds, peakRssMb: process.resourceUsage().maxRSS / 1024, startRssMb };
}

/**
 * One memory floor round (scripts/bench/memoryFloor.ts), in a process set up as a pipeline round is:
 * the same modules loaded, the same dependencies made.
 */
async function memoryFloorRound(
  options: Options,
  workDir: string,
  pageServer: string,
  tenantId: string,
  parse: boolean,
): Promise<{ peakRssMb: number }> {
  await roundDependencies(options, workDir, pageServer, tenantId);
  const { memoryFloorPeakRssMb } = await import('./bench/memoryFloor.js');
  return { peakRssMb: await memoryFloorPeakRssMb(pageServer, BENCH_TOKEN, parse) };
}

/** What a pipeline round runs with: the page server as Graph (and as Logs Ingestion), pacing disabled. */
function roundDependencies(options: Options, workDir: string, pageServer: string, tenantId: string) {
  const logsIngestion =
    options.sink === 'logs-ingestion'
      ? { LOGS_INGESTION_ENDPOINT: pageServer, LOGS_INGESTION_DCR_IMMUTABLE_ID: DCR }
      : {};
  const settings = loadSettings(
    {},
    {
      GRAPH_BASE_URL: pageServer,
      GRAPH_ACCESS_TOKEN: BENCH_TOKEN,
      TENANT_ID: tenantId,
      DATA_DIR: path.join(workDir, 'data'),
      PROVISIONING_LOOKBACK_HOURS: '48',
      // Pacing disabled: the pages come from memory, without a rate limit.
      GRAPH_REPORTS_REQUESTS_PER_WINDOW: '1000',
      GRAPH_REPORTS_WINDOW_SECONDS: '0.001',
      RUN_TIME_BUDGET_SECONDS: '3600',
      RUN_LEASE_SECONDS: '7200',
      RUN_MAX_SECONDS: '7000',
      ...logsIngestion,
    },
  );
  const credential: TokenCredential = {
    getToken: () => Promise.resolve({ token: BENCH_TOKEN, expiresOnTimestamp: Date.now() + 3600_000 }),
  };
  return createMonitorDependencies(settings, systemClock, silentLogger, { credential });
}

/**
 * One floor round: every page fetched first (timed apart: `receiveSeconds`, fetch and text, which the
 * floor leaves out), then the floor's work timed on them.
 */
async function floorRound(
  options: Options,
  workDir: string,
  pageServer: string,
): Promise<{ seconds: number; receiveSeconds: number }> {
  const pages: string[] = [];
  let receiveNs = 0n;
  let url: string | undefined = `${pageServer}/v1.0/auditLogs/provisioning`;
  while (url) {
    const began = process.hrtime.bigint();
    const response = await fetch(url, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
    if (!response.ok) throw new Error(`floor: ${response.status} from the page server`);
    const body = await response.text();
    receiveNs += process.hrtime.bigint() - began;
    pages.push(body);
    url = nextLinkOf(body);
  }
  await rm(workDir, { recursive: true, force: true });
  await mkdir(workDir, { recursive: true });
  const { floorSeconds } = await import('./bench/floor.js');
  return {
    seconds: floorSeconds(options.sink, pages, path.join(workDir, 'floor.ndjson')),
    receiveSeconds: Number(receiveNs) / 1e9,
  };
}

/** The page's nextLink, found without parsing the page (that is the floor's timed work). */
function nextLinkOf(body: string): string | undefined {
  const key = '"@odata.nextLink":"';
  const at = body.lastIndexOf(key);
  if (at < 0) return undefined;
  return body.slice(at + key.length, body.indexOf('"', at + key.length));
}

function runRound(args: readonly string[], env: Record<string, string | undefined>): Promise<unknown> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  let last = '';
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.trim() !== '') last = line;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench round ${args.join(' ')} exited with ${code}`));
      resolve(JSON.parse(last) as unknown);
    });
  });
}

/** Starts a helper process and resolves with the JSON line it prints once it is ready. */
function startChild(
  script: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
  children: ChildProcess[],
): Promise<unknown> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${path.basename(script)} exited early (${code})`)));
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line) as unknown));
  });
}

const rate = (events: number, seconds: number) => Math.round(events / seconds);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
