import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * What the tenant runs wrote, read back from their NDJSON tables (DATA_DIR/tenants/<id>/tables/, the
 * current file and any rotated one): the bench counts lost and duplicated runs from these rows, not
 * from what the workers said they did.
 */
export interface TenantRecords {
  /** Run rows (CloudSyncMonitorRun_CL) of queue-triggered runs that started at or after `since`, not failed. */
  readonly runs: number;
  /** Provisioning rows whose EventId another row of the tenant already has. */
  readonly duplicateEvents: number;
  readonly events: number;
}

async function rowsOf(dir: string, table: string): Promise<Record<string, unknown>[]> {
  const files = [path.join(dir, `${table}.ndjson`)];
  try {
    for (const name of await readdir(path.join(dir, table))) files.push(path.join(dir, table, name));
  } catch {
    // never rotated
  }
  const rows: Record<string, unknown>[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n'))
      if (line.trim() !== '') rows.push(JSON.parse(line) as Record<string, unknown>);
  }
  return rows;
}

export async function tenantRecords(
  dataDir: string,
  tenantId: string,
  since: number,
): Promise<TenantRecords> {
  const dir = path.join(dataDir, 'tenants', tenantId, 'tables');
  const runs = (await rowsOf(dir, 'CloudSyncMonitorRun_CL')).filter(
    (r) => r.Trigger === 'queue' && r.Outcome !== 'failed' && Date.parse(String(r.TimeGenerated)) >= since,
  ).length;
  const seen = new Set<string>();
  let duplicateEvents = 0;
  const events = await rowsOf(dir, 'CloudSyncProvisioning_CL');
  for (const row of events) {
    const id = String(row.EventId);
    if (seen.has(id)) duplicateEvents++;
    seen.add(id);
  }
  return { runs, duplicateEvents, events: events.length };
}
