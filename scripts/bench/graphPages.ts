/**
 * The Graph request path alone: every provisioning page the bench's page server holds, read through
 * `GraphReader.pages(..., { prefetch: true })` (the real Graph client and its middleware chain, JSON.parse
 * and the envelope check included) and nothing else, so changes to that path show in CPU-seconds.
 *
 *   node dist/scripts/bench/graphPages.js --base-url URL [--rounds 3]
 *
 * URL is a running page server (scripts/bench/pageServer.ts; NODE_EXTRA_CA_CERTS must name its
 * certificate). Rounds run back to back in this process after one warm-up round; it prints each round's
 * wall and CPU seconds, then one JSON line with the medians.
 */
import { parseArgs } from 'node:util';
import { systemClock } from '../../src/clock.js';
import { createGraphReader } from '../../src/graph/graphReader.js';

/** pageServer.ts's BENCH_TOKEN (importing that module would start a server). */
const BENCH_TOKEN = 'bench-token';

interface Round {
  readonly wallSec: number;
  readonly cpuSec: number;
  readonly pages: number;
  readonly events: number;
}

async function round(baseUrl: string): Promise<Round> {
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
    { clock: systemClock },
  );
  const cpu = process.cpuUsage();
  const start = performance.now();
  let pages = 0;
  let events = 0;
  for await (const page of reader.pages('/auditLogs/provisioning?$top=999', 'v1.0', { prefetch: true })) {
    pages++;
    events += page.value.length;
  }
  const used = process.cpuUsage(cpu);
  return {
    wallSec: (performance.now() - start) / 1000,
    cpuSec: (used.user + used.system) / 1e6,
    pages,
    events,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 0;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'base-url': { type: 'string' }, rounds: { type: 'string', default: '3' } },
    strict: true,
  });
  const baseUrl = values['base-url'];
  const rounds = Number(values.rounds);
  if (!baseUrl || !Number.isInteger(rounds) || rounds < 1) {
    throw new Error('graphPages: --base-url URL (a running page server) is required; --rounds N >= 1');
  }
  await round(baseUrl); // warm-up: JIT, TLS session, module loading
  const results: Round[] = [];
  for (let i = 0; i < rounds; i++) {
    const result = await round(baseUrl);
    results.push(result);
    process.stdout.write(
      `round ${i + 1}: ${result.pages} pages, ${result.events} events, ` +
        `${result.wallSec.toFixed(2)} s wall, ${result.cpuSec.toFixed(2)} CPU-s\n`,
    );
  }
  const summary = {
    pages: results[0]?.pages ?? 0,
    events: results[0]?.events ?? 0,
    wallSec: Number(median(results.map((r) => r.wallSec)).toFixed(2)),
    cpuSec: Number(median(results.map((r) => r.cpuSec)).toFixed(2)),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
