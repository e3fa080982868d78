import path from 'node:path';
import { parseArgs } from 'node:util';
import { offsetClock } from '../clock.js';
import { MAX_INGESTION_LATENCY_MS } from './ingestionLatency.js';
import { demoDayScenario, startOfYesterdayUtc } from './demoDayScenario.js';
import { syntheticScenario } from './syntheticScenario.js';
import type { Scenario } from './scenario.js';
import { startDemoTenant } from './server.js';
import { ensureLocalCertificate } from './tls.js';

/**
 * Runs the demo tenant as its own process (benchmarks, manual exploration):
 *
 *   node dist/src/demo/standalone.js [--port 0] [--scenario day|synthetic] [--events N] [--start ISO]
 *                                    [--span-minutes M] [--no-rate-limit] [--cert-dir DIR]
 *
 * Time runs in real time from a scenario-chosen start: for `day`, the end of the demo day (so the whole
 * day is in the past); for `synthetic`, the end of its span plus the longest ingestion latency (so
 * every event is visible). Prints one JSON line {baseUrl, tenantId, certPath} once listening; trust the
 * certificate with NODE_EXTRA_CA_CERTS. Exits cleanly on SIGTERM / SIGINT.
 */
const DAY_MS = 24 * 3600_000;

function usage(message: string): never {
  process.stderr.write(`standalone: ${message}\n`);
  process.exit(2);
}

function parseStart(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const start = new Date(value);
  if (Number.isNaN(start.getTime())) usage(`--start '${value}' is not an ISO date-time`);
  return start;
}

async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string', default: '0' },
      scenario: { type: 'string', default: 'day' },
      events: { type: 'string', default: '200000' },
      'span-minutes': { type: 'string', default: '1440' },
      start: { type: 'string' },
      'no-rate-limit': { type: 'boolean', default: false },
      'cert-dir': { type: 'string', default: path.join('.data', 'tls') },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    usage(`--port '${values.port}' is not a port number`);
  const start = parseStart(values.start);

  let scenario: Scenario;
  let clockStart: Date;
  if (values.scenario === 'day') {
    const dayStart = start ?? startOfYesterdayUtc(new Date());
    scenario = demoDayScenario({ dayStart });
    clockStart = new Date(dayStart.getTime() + DAY_MS);
  } else if (values.scenario === 'synthetic') {
    const events = Number(values.events);
    if (!Number.isSafeInteger(events) || events < 0) usage(`--events '${values.events}' is not a count`);
    const spanMs = Number(values['span-minutes']) * 60_000;
    if (!Number.isSafeInteger(spanMs) || spanMs < events)
      usage(`--span-minutes '${values['span-minutes']}' is too short`);
    const syntheticStart = start ?? new Date(Date.now() - 2 * DAY_MS);
    scenario = syntheticScenario({ start: syntheticStart, events, spanMs });
    clockStart = new Date(syntheticStart.getTime() + spanMs + MAX_INGESTION_LATENCY_MS);
  } else {
    usage(`--scenario must be 'day' or 'synthetic', not '${values.scenario}'`);
  }

  const certificate = await ensureLocalCertificate(values['cert-dir']);
  const tenant = await startDemoTenant({
    clock: offsetClock(clockStart),
    tls: certificate,
    scenario,
    reportsRateLimit: values['no-rate-limit'] ? false : undefined,
    port,
  });
  process.stdout.write(
    `${JSON.stringify({ baseUrl: tenant.baseUrl, tenantId: tenant.tenantId, certPath: certificate.certPath })}\n`,
  );

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    tenant.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`standalone: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
