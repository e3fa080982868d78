import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { systemClock } from '../../src/clock.js';
import { environmentWith, loadSettings } from '../../src/config.js';
import { startFleetDemo, type FleetTenantSpec } from '../../src/demo/fleetServer.js';
import { hash32 } from '../../src/demo/prng.js';
import { ensureLocalCertificate } from '../../src/demo/tls.js';
import { fanOut } from '../../src/fleet/fanOut.js';
import { createFleetAdapters, fanOutDependencies, fleetQueues } from '../../src/fleet/fleetWiring.js';
import { syntheticScenario } from '../../src/demo/syntheticScenario.js';
import { silentLogger } from '../../src/log.js';
import { startAzuriteServices } from '../../test/fleet/azuriteServices.js';
import { childPidsMatching, cpuSecondsOf } from './fleetCounters.js';
import { tenantRecords } from './fleetRecords.js';
import type { RunReport, WorkerReport } from './fleetWorker.js';

/**
 * `npm run bench:fleet -- --tenants 500 --workers 16 [--processes P] [--intervals M] [--interval-sec S]`
 *
 * Fleet mode end to end on this machine: N simulated tenants behind the multi-tenant demo Graph (each
 * its own seeded synthetic scenario and its own 5-requests-per-10-s reporting limit; `--busy-pct` of
 * them with a heavy provisioning log), the tenant registry and every tenant's state in Azurite's table
 * service, the real queue protocol against Azurite's queue service, K workers in P processes running
 * the real monitor run per message. A fan-out tick every interval, in real time (no compressed clock:
 * the per-tenant pacing and the demo's rate limit both measure wall time).
 *
 * Figures: coveredWithinIntervalPct = tenant-intervals whose run finished (ok) before the next tick,
 * over tenants x intervals; p95TenantRunSec = 95th percentile of one message's run; throttled = 429s
 * the demo Graph sent; lost = messages enqueued whose run wrote no run row (after a drain of up to one
 * interval, less those still queued or poisoned); duplicated = run rows beyond one per message plus
 * provisioning rows repeating an EventId, both read back from the tenants' NDJSON tables. Each
 * tenant's first run (a day of history) is a warm-up tick before the measured ones (--no-warm-up to
 * count it). The last line is one JSON object.
 */
const { values } = parseArgs({
  options: {
    tenants: { type: 'string', default: '500' },
    workers: { type: 'string', default: '16' },
    processes: { type: 'string', default: '1' },
    intervals: { type: 'string', default: '2' },
    'interval-sec': { type: 'string', default: '300' },
    'busy-pct': { type: 'string', default: '2' },
    /** Write a V8 CPU profile of each worker process into this folder (node --cpu-prof). */
    'cpu-prof': { type: 'string' },
    /** Skip the warm-up tick (each tenant's first run, a day of history), so the first interval is it. */
    'no-warm-up': { type: 'boolean', default: false },
    /** Workers for the warm-up tick (default: --workers); the measured ticks use --workers. */
    'warm-up-workers': { type: 'string' },
  },
});
const tenants = Number(values.tenants);
const workers = Number(values.workers);
const processes = Math.max(1, Math.min(Number(values.processes), workers));
const intervals = Number(values.intervals);
const intervalSec = Number(values['interval-sec']);
const busyPct = Number(values['busy-pct']);
const warmUpWorkers = Number(values['warm-up-workers'] ?? workers);

const here = path.dirname(fileURLToPath(import.meta.url));
const workDir = await mkdtemp(path.join(os.tmpdir(), 'bench-fleet-'));
const certificate = await ensureLocalCertificate(path.join(workDir, 'tls'));
const azurite = await startAzuriteServices();
const start = new Date(Date.now() - 24 * 3600_000);
const specs: FleetTenantSpec[] = Array.from({ length: tenants }, (_, i) => {
  const h = hash32('fleet-tenant', i).toString(16).padStart(8, '0');
  const tenantId = `${h}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
  const busy = hash32('busy', i) % 10_000 < busyPct * 100;
  // A busy tenant: 20,000 events a day, so its first run pages ~20 times through the paced API.
  return busy
    ? { tenantId, seed: i, scenario: { ...syntheticScenario({ start, events: 20_000 }), tenantId } }
    : { tenantId, seed: i };
});
const graph = await startFleetDemo({ clock: systemClock, tls: certificate, tenants: specs });
const env: Record<string, string> = {
  GRAPH_BASE_URL: graph.baseUrl,
  DATA_DIR: path.join(workDir, 'data'),
  STATE_TABLE_CONNECTION_STRING: azurite.connectionString,
  FLEET_MODE: 'on',
  FLEET_QUEUE: azurite.connectionString,
  FLEET_QUEUE_NAME: 'bench-tenants',
  LOG_LEVEL: 'error',
};
const settings = loadSettings(env);
const adapters = createFleetAdapters(settings, systemClock, silentLogger);
const { work, poison } = fleetQueues(adapters);
await work.ensure();
await poison.ensure();
// Registered 16 at a time: one after the other, 500 tenants took minutes before the first tick.
const toRegister = [...specs];
await Promise.all(
  Array.from({ length: 16 }, async () => {
    for (let spec = toRegister.shift(); spec; spec = toRegister.shift()) {
      await adapters.registry.put({
        tenantId: spec.tenantId,
        displayName: `Customer ${spec.seed}`,
        auth: { kind: 'federated', clientId: '0a0a0a0a-0000-4000-8000-000000000001' },
        addedAt: new Date().toISOString(),
      });
    }
  }),
);

const reports: RunReport[] = [];
const warmUpReports: RunReport[] = [];
let measuring = values['no-warm-up'];
const workerReports: WorkerReport[] = [];
const children: ChildProcess[] = [];
const childEnv = environmentWith({ ...env, NODE_EXTRA_CA_CERTS: certificate.certPath });
for (let p = 0; p < processes; p++) {
  const share = Math.floor(workers / processes) + (p < workers % processes ? 1 : 0);
  const warmUpShare = Math.max(0, Math.ceil(Math.max(0, warmUpWorkers - workers) / processes));
  const child = fork(path.join(here, 'fleetWorker.js'), [String(share), String(warmUpShare)], {
    env: childEnv,
    stdio: 'inherit',
    execArgv: values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : [],
  });
  child.on('message', (m) => {
    if ((m as { kind?: string }).kind === 'worker') workerReports.push(m as WorkerReport);
    else (measuring ? reports : warmUpReports).push(m as RunReport);
  });
  children.push(child);
}

const fanOutDeps = fanOutDependencies(adapters, work);
const intervalMs = intervalSec * 1000;
let warmUpSlot: string | undefined;
if (!measuring) {
  // Steady state is what an interval must cover: each tenant's first run reads the whole lookback (a
  // day of its log) once in its life, so it runs here, timed apart, before the measured ticks.
  const started = Date.now();
  const result = await fanOut(fanOutDeps, { intervalMs });
  warmUpSlot = result.slot;
  const keys = new Set(result.enqueued.map((id) => `${id}|${result.slot}`));
  while (
    warmUpReports.filter((r) => r.kind !== 'failed' && keys.has(`${r.tenantId}|${r.slot}`)).length < keys.size
  )
    await systemClock.sleep(500);
  process.stderr.write(
    `warm-up: ${keys.size} first runs (a day of history each, ${Math.max(workers, warmUpWorkers)} workers) in ${((Date.now() - started) / 1000).toFixed(0)} s, not counted\n`,
  );
}
const enqueued = new Map<string, number>();
const skippedTicks: number[] = [];
const azuritePid = childPidsMatching('azurite')[0];
// The first tick must fall in a slot after the warm-up's (a slot is run once).
if (warmUpSlot !== undefined) await systemClock.sleep(Date.parse(warmUpSlot) + intervalMs - Date.now());
measuring = true;
for (const child of children) child.send('mark');
const loadBefore = os.loadavg();
const cpuOf = () => ({
  bench: process.cpuUsage(),
  azurite: azuritePid ? cpuSecondsOf(azuritePid) : undefined,
  workers: children.reduce((a, c) => a + (cpuSecondsOf(c.pid ?? 0) ?? Number.NaN), 0),
});
const cpuBefore = cpuOf();
const t0 = Date.now();
for (let i = 0; i < intervals; i++) {
  const tickAt = t0 + i * intervalSec * 1000;
  await systemClock.sleep(tickAt - Date.now());
  const fanOutStarted = Date.now();
  const result = await fanOut(fanOutDeps, { intervalMs });
  const fanOutSec = (Date.now() - fanOutStarted) / 1000;
  for (const id of result.enqueued) enqueued.set(`${id}|${result.slot}`, tickAt);
  skippedTicks.push(result.skipped.length);
  process.stderr.write(
    `tick ${i + 1}/${intervals} at +${((fanOutStarted - t0) / 1000).toFixed(0)} s: ${result.enqueued.length} enqueued, ${result.skipped.length} still in flight, ${result.failed.length} failed (fan-out ${fanOutSec.toFixed(1)} s)\n`,
  );
}
const endOfLast = t0 + intervals * intervalSec * 1000;
await systemClock.sleep(endOfLast - Date.now());
// Drain: what is still queued or running gets up to one more interval (it counts as late, not covered).
const drainUntil = Date.now() + intervalSec * 1000;
while (Date.now() < drainUntil) {
  const done = new Set(reports.filter((r) => r.kind !== 'failed').map((r) => `${r.tenantId}|${r.slot}`));
  if ([...enqueued.keys()].every((k) => done.has(k))) break;
  await systemClock.sleep(1000);
}
const loadAfter = os.loadavg();
const cpuAfter = cpuOf();
for (const child of children) child.send('stop');
await Promise.all(children.map((c) => new Promise((resolve) => c.once('exit', resolve))));
// Messages still on the queue at the end are late, not lost (a worker would still run them).
const stillQueued = await work.approximateCount();
const poisoned = await poison.approximateCount();

const byKey = new Map<string, RunReport[]>();
for (const r of reports)
  byKey.set(`${r.tenantId}|${r.slot}`, [...(byKey.get(`${r.tenantId}|${r.slot}`) ?? []), r]);
let covered = 0;
let reportedDuplicated = 0;
let notRun = 0;
for (const [key, tickAt] of enqueued) {
  const runs = (byKey.get(key) ?? []).filter((r) => r.kind === 'ran');
  if (runs.length === 0) notRun++;
  if (runs.length > 1) reportedDuplicated++;
  if (runs.some((r) => r.outcome !== 'failed' && r.endedAt <= tickAt + intervalSec * 1000)) covered++;
}
const reportedLost = Math.max(0, notRun - stillQueued - poisoned);
// Lost and duplicated as the records say: per tenant, the run rows written since the first measured
// tick against the messages enqueued for it (a run row is written once per run that did not fail).
const messagesOf = new Map<string, number>();
for (const key of enqueued.keys()) {
  const tenantId = key.split('|')[0]!;
  messagesOf.set(tenantId, (messagesOf.get(tenantId) ?? 0) + 1);
}
let missingRuns = 0;
let extraRuns = 0;
let duplicateEvents = 0;
let eventRows = 0;
for (const spec of specs) {
  const written = await tenantRecords(env.DATA_DIR!, spec.tenantId, t0 - 1000);
  const expected = messagesOf.get(spec.tenantId) ?? 0;
  missingRuns += Math.max(0, expected - written.runs);
  extraRuns += Math.max(0, written.runs - expected);
  duplicateEvents += written.duplicateEvents;
  eventRows += written.events;
}
const lost = Math.max(0, missingRuns - stillQueued - poisoned);
const duplicated = extraRuns + duplicateEvents;
const durations = reports.filter((r) => r.kind === 'ran').map((r) => (r.endedAt - r.startedAt) / 1000);
durations.sort((a, b) => a - b);
const p95 = durations.length
  ? durations[Math.min(durations.length - 1, Math.ceil(durations.length * 0.95) - 1)]!
  : 0;
const throttled = graph.totals().throttled;
// CPU of the measured part (the ticks and the drain): the bench process is the demo Graph of every
// tenant plus the fan-out; the workers' figure is their whole life (start-up included).
const ranCount = Math.max(1, durations.length);
const benchCpu = process.cpuUsage(cpuBefore.bench);
const cpu = {
  workers: cpuAfter.workers - cpuBefore.workers,
  graphAndFanOut: (benchCpu.user + benchCpu.system) / 1e6,
  azurite: (cpuAfter.azurite ?? Number.NaN) - (cpuBefore.azurite ?? Number.NaN),
};
// State names that carry ids, hours or shards are counted together.
const family = (label: string) =>
  label
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
    .replace(/\d{4}-\d\d-\d\dT\d\d/g, '<hour>')
    .replace(/\d{6,}/g, '<n>')
    .replace(/-[0-9a-f]$/, '-<shard>');
const storeOps = new Map<string, number>();
const addOps = (label: string, n: number) => storeOps.set(label, (storeOps.get(label) ?? 0) + n);
for (const r of reports.filter((x) => x.kind === 'ran'))
  for (const [label, n] of Object.entries(r.storeOps ?? {})) addOps(family(label), n);
for (const w of workerReports)
  for (const [scope, ops] of Object.entries(w.sharedStoreOps))
    for (const [label, n] of Object.entries(ops)) addOps(`${family(label)} (${scope})`, n);
const perRun = (n: number) => (n / ranCount).toFixed(2);
const storeTotal = [...storeOps.values()].reduce((a, b) => a + b, 0);
const failedRuns = reports.filter((r) => r.kind === 'failed');
process.stderr.write(
  [
    `runs: ${durations.length} ran, ${failedRuns.length} failed attempts${failedRuns[0] ? ` (first: ${failedRuns[0].error})` : ''}, ${reports.filter((r) => r.kind === 'duplicate').length} redelivered duplicates dropped`,
    `run seconds: median ${durations[Math.floor(durations.length / 2)]?.toFixed(2) ?? '-'}, p95 ${p95.toFixed(2)}, max ${durations.at(-1)?.toFixed(2) ?? '-'}`,
    `not run by the end: ${notRun} (${stillQueued} still queued, ${poisoned} poisoned, ${reportedLost} lost); workers reported ${reportedDuplicated} tenant-intervals run twice`,
    `records written: ${missingRuns} run rows missing, ${extraRuns} extra run rows, ${eventRows} provisioning rows of which ${duplicateEvents} repeat an EventId`,
    `tenants per worker: ${(tenants / workers).toFixed(1)}; worker-busy share of the interval: ${((durations.reduce((a, b) => a + b, 0) / intervals / (workers * intervalSec)) * 100).toFixed(0)} %`,
    `Graph: ${graph.totals().requests} requests (${perRun(graph.totals().requests)} a run), ${throttled} throttled; load average ${loadBefore[0]?.toFixed(2)} -> ${loadAfter[0]?.toFixed(2)} (${os.cpus().length} cores)`,
    `CPU seconds a run: workers ${perRun(cpu.workers)}, demo Graph + fan-out ${perRun(cpu.graphAndFanOut)}, Azurite ${perRun(cpu.azurite)}; all ${perRun(cpu.workers + cpu.graphAndFanOut + cpu.azurite)}`,
    `state round trips a run: ${perRun(storeTotal)} (${[...storeOps]
      .sort(([, a], [, b]) => b - a)
      .map(([label, n]) => `${label} ${perRun(n)}`)
      .join(', ')})`,
  ].join('\n') + '\n',
);
const total = enqueued.size === 0 ? 0 : tenants * intervals;
await graph.close();
await azurite.stop();
await rm(workDir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({
    tenants,
    workers,
    intervalSec,
    coveredWithinIntervalPct: total === 0 ? 0 : Math.round((covered / total) * 1000) / 10,
    p95TenantRunSec: Math.round(p95 * 100) / 100,
    throttled,
    lost,
    duplicated,
  })}\n`,
);
