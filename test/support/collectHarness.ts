import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Clock } from '../../src/clock.js';
import { runMonitor, type MonitorDependencies } from '../../src/app/monitorRun.js';
import type { CollectResult } from '../../src/collect/collectRun.js';
import { loadSettings, type RawSettings, type Settings } from '../../src/config.js';
import { startDemoTenant, type DemoTenant, type DemoTenantOptions } from '../../src/demo/server.js';
import { silentLogger } from '../../src/log.js';
import type { RecordSink } from '../../src/sinks/sink.js';
import type { ProvisioningObservation } from '../../src/tables/definitions.js';
import { createMonitorDependencies } from '../../src/wiring.js';
import { testCertificate } from './tls.js';

/** A demo tenant on the shared test certificate. */
export function startTestTenant(options: Omit<DemoTenantOptions, 'tls'>): Promise<DemoTenant> {
  const { cert, key } = testCertificate();
  return startDemoTenant({ ...options, tls: { cert, key } });
}

export async function tempDataDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'csm-test-'));
}

/** Settings pointing the real Graph client at a demo tenant, everything else local. */
export function settingsFor(
  tenant: DemoTenant,
  dataDir: string,
  overrides: Partial<Record<keyof RawSettings, string>> = {},
): Settings {
  return loadSettings(
    {},
    {
      GRAPH_BASE_URL: tenant.baseUrl,
      GRAPH_ACCESS_TOKEN: 'test-token',
      TENANT_ID: tenant.tenantId,
      DATA_DIR: dataDir,
      ...overrides,
    },
  );
}

export async function dependencies(
  settings: Settings,
  clock: Clock,
  sink?: RecordSink,
): Promise<MonitorDependencies> {
  const deps = await createMonitorDependencies(settings, clock, silentLogger);
  return sink ? { ...deps, sink } : deps;
}

/** A monitor run through collection only (then its run row): what collection tests look at. */
export const run = async (
  deps: MonitorDependencies,
  onProvisioningWritten?: (records: readonly ProvisioningObservation[]) => void,
): Promise<CollectResult> =>
  (
    await runMonitor(deps, {
      trigger: 'test',
      through: 'collect',
      ...(onProvisioningWritten ? { onProvisioningWritten } : {}),
    })
  ).collect;

/** Rows of a local NDJSON table file (none when the file does not exist yet). */
export async function readTable(dataDir: string, table: string): Promise<Record<string, unknown>[]> {
  let text: string;
  try {
    text = await readFile(path.join(dataDir, 'tables', `${table}.ndjson`), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Complete rows of a local NDJSON table so far, for polling a run that is still writing: a reader racing
 * the writer can see the last row half appended, which readTable would refuse.
 */
export async function completeRowCount(dataDir: string, table: string): Promise<number> {
  try {
    const text = await readFile(path.join(dataDir, 'tables', `${table}.ndjson`), 'utf8');
    return text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter((line) => line.trim() !== '').length;
  } catch {
    return 0;
  }
}

export function duplicatesOf(values: readonly unknown[]): unknown[] {
  const seen = new Set<unknown>();
  return values.filter((v) => (seen.has(v) ? true : (seen.add(v), false)));
}
