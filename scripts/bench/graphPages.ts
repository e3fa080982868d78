/**
 * The Graph request path alone: every provisioning page the bench's page server holds, read through
 * `GraphReader.pages(..., { prefetch: true })` (the real Graph client and its middleware chain, JSON.parse
 * and the envelope check included) and nothing else, so changes to that path show in CPU-seconds.
 *
 *   node dist/scripts/bench/graphPages.js --base-url URL [--rounds 3] [--compare-fetch]
 *
 * URL is a running page server (scripts/bench/pageServer.ts; NODE_EXTRA_CA_CERTS must name its
 * certificate). Rounds run back to back in this process after a warm-up round. With --compare-fetch,
 * each round is read twice, once through the reader's own transport (NodeHttpHandler) and once through
 * the Graph client's HTTPMessageHandler (fetch), alternating which goes first, so both see the same load
 * on a shared machine. It prints each read's wall and CPU seconds and its GC, then one JSON line of medians.
 */
import { HTTPMessageHandler } from '@microsoft/microsoft-graph-client';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { systemClock } from '../../src/clock.js';
import { createGraphReader } from '../../src/graph/graphReader.js';

/** pageServer.ts's BENCH_TOKEN (importing that module would start a server). */
const BENCH_TOKEN = 'bench-token';

type Transport = 'node' | 'fetch';

interface Read {
  readonly wallSec: number;
  readonly cpuSec: number;
  readonly pages: number;
  readonly events: number;
  /** Time in garbage collection (main-thread pauses), and how many of them were full (mark-compact). */
  readonly gcSec: number;
  readonly fullGcs: number;
}

/** GC pauses as perf_hooks reports them; kind 4 is a mark-compact (NODE_PERFORMANCE_GC_MAJOR). */
const gc = { ms: 0, full: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.ms += entry.duration;
    if ((entry as { detail?: { kind?: number } }).detail?.kind === 4) gc.full++;
  }
}).observe({ entryTypes: ['gc'] });

async function readAll(baseUrl: string, transport: Transport): Promise<Read> {
  const reader = createGraphReader(
    {
      baseUrl,
      accessToken: BENCH_TOKEN,
      managedIdentityClientId: undefined,
      reportsRequestsPerWindow: 1_000_000,
      reportsWindowMs: 1_000,
      requestTimeoutMs: 60_000,
      maxRetries: 0,
    },
    { clock: systemClock, ...(transport === 'fetch' ? { transport: new HTTPMessageHandler() } : {}) },
  );
  const gcBefore = { ...gc };
  const cpu = process.cpuUsage();
  const start = performance.now();
  let pages = 0;
  let events = 0;
  for await (const page of reader.pages('/auditLogs/provisioning?$top=999', 'v1.0', { prefetch: true })) {
    pages++;
    events += page.value.length;
  }
  const used = process.cpuUsage(cpu);
  const wallSec = (performance.now() - start) / 1000;
  // GC entries arrive on a later tick.
  await new Promise((resolve) => setImmediate(resolve));
  return {
    wallSec,
    cpuSec: (used.user + used.system) / 1e6,
    pages,
    events,
    gcSec: (gc.ms - gcBefore.ms) / 1000,
    fullGcs: gc.full - gcBefore.full,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 0;
}

function summary(reads: readonly Read[]) {
  return {
    pages: reads[0]?.pages ?? 0,
    events: reads[0]?.events ?? 0,
    wallSec: Number(median(reads.map((r) => r.wallSec)).toFixed(2)),
    cpuSec: Number(median(reads.map((r) => r.cpuSec)).toFixed(2)),
    gcSec: Number(median(reads.map((r) => r.gcSec)).toFixed(2)),
    fullGcs: median(reads.map((r) => r.fullGcs)),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'base-url': { type: 'string' },
      rounds: { type: 'string', default: '3' },
      'compare-fetch': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const baseUrl = values['base-url'];
  const rounds = Number(values.rounds);
  if (!baseUrl || !Number.isInteger(rounds) || rounds < 1) {
    throw new Error('graphPages: --base-url URL (a running page server) is required; --rounds N >= 1');
  }
  const transports: Transport[] = values['compare-fetch'] ? ['node', 'fetch'] : ['node'];
  // Warm-up: JIT, TLS, module loading, for each transport.
  for (const transport of transports) await readAll(baseUrl, transport);
  const reads: Record<Transport, Read[]> = { node: [], fetch: [] };
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? transports : [...transports].reverse();
    for (const transport of order) {
      const read = await readAll(baseUrl, transport);
      reads[transport].push(read);
      process.stdout.write(
        `round ${i + 1} ${transport}: ${read.pages} pages, ${read.events} events, ` +
          `${read.wallSec.toFixed(2)} s wall, ${read.cpuSec.toFixed(2)} CPU-s, ` +
          `GC ${read.gcSec.toFixed(2)} s (${read.fullGcs} full)\n`,
      );
    }
  }
  const result = Object.fromEntries(transports.map((t) => [t, summary(reads[t])]));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
