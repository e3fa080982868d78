import { mkdtemp, readFile, rm, writeFile, mkdir, access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NdjsonSink } from '../../src/sinks/ndjsonSink.js';
import { SinkError } from '../../src/sinks/sink.js';
import {
  agentTable,
  monitorRunTable,
  type AgentRecord,
  type MonitorRunRecord,
} from '../../src/tables/definitions.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ndjson-sink-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const agent = (id: string, extra: Partial<AgentRecord> = {}): AgentRecord =>
  ({
    TimeGenerated: '2026-11-23T07:00:00.000Z',
    AADTenantId: '6b1e1c52-3f0e-4b8e-9d7a-2f1d7c4a9e10',
    AgentId: id,
    MachineName: `SYNC-${id}.corp.contoso.com`,
    Status: 'active',
    AgentGroups: [{ id: 'g1', displayName: 'Default' }],
    Source: 'graph',
    ...extra,
  }) as AgentRecord;

async function lines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n');
}

describe('NdjsonSink', () => {
  it('writes exactly the table columns, in table order, with null for missing values', async () => {
    const sink = new NdjsonSink(dir);
    const extra = { NotAColumn: 'dropped' } as unknown as Partial<AgentRecord>;
    await sink.write('CloudSyncAgent_CL', [agent('a1', extra)]);

    const [line] = await lines(path.join(dir, 'tables', 'CloudSyncAgent_CL.ndjson'));
    const row = JSON.parse(line!) as Record<string, unknown>;
    expect(Object.keys(row)).toEqual(Object.keys(agentTable.columns));
    expect(row.ExternalIp).toBeNull();
    expect(row.LastSeenActive).toBeNull();
    expect(row.ServiceStates).toBeNull();
    expect(row).not.toHaveProperty('NotAColumn');
    expect(row.MachineName).toBe('SYNC-a1.corp.contoso.com');
  });

  it('keeps dynamic columns as JSON values, not strings', async () => {
    const sink = new NdjsonSink(dir);
    const errors = [{ signal: 'agents', code: 'Forbidden', message: 'line one\nline "two"' }];
    const run = {
      TimeGenerated: '2026-11-23T07:00:00.000Z',
      AADTenantId: 't',
      RunId: 'r1',
      Outcome: 'partial',
      DurationMs: 1234,
      BacklogRemaining: false,
      Errors: errors,
    } as MonitorRunRecord;
    await sink.write('CloudSyncMonitorRun_CL', [run]);

    const all = await lines(sink.filePath('CloudSyncMonitorRun_CL'));
    expect(all).toHaveLength(1); // the embedded newline is escaped, the row stays on one line
    const row = JSON.parse(all[0]!) as Record<string, unknown>;
    expect(Object.keys(row)).toEqual(Object.keys(monitorRunTable.columns));
    expect(row.Errors).toEqual(errors);
    expect(row.DurationMs).toBe(1234);
    expect(row.BacklogRemaining).toBe(false);
  });

  it('appends batches, one file per table, creating the directories', async () => {
    const sink = new NdjsonSink(path.join(dir, 'nested', 'data'));
    await sink.write('CloudSyncAgent_CL', [agent('a1'), agent('a2')]);
    await sink.write('CloudSyncAgent_CL', [agent('a3')]);
    await new NdjsonSink(path.join(dir, 'nested', 'data')).write('CloudSyncAgent_CL', [agent('a4')]);

    const rows = (await lines(path.join(dir, 'nested', 'data', 'tables', 'CloudSyncAgent_CL.ndjson'))).map(
      (l) => JSON.parse(l) as AgentRecord,
    );
    expect(rows.map((r) => r.AgentId)).toEqual(['a1', 'a2', 'a3', 'a4']);
  });

  it('writes nothing for an empty batch', async () => {
    const sink = new NdjsonSink(dir);
    await sink.write('CloudSyncAgent_CL', []);
    await expect(access(sink.filePath('CloudSyncAgent_CL'))).rejects.toThrow();
  });

  it('keeps concurrent batches to one table whole and separate', async () => {
    const sink = new NdjsonSink(dir);
    const batches = Array.from({ length: 20 }, (_, b) =>
      Array.from({ length: 50 }, (_, i) => agent(`b${b}-${i}`, { MachineName: 'x'.repeat(2_000) })),
    );
    await Promise.all(batches.map((batch) => sink.write('CloudSyncAgent_CL', batch)));

    const ids = (await lines(sink.filePath('CloudSyncAgent_CL'))).map(
      (l) => (JSON.parse(l) as AgentRecord).AgentId,
    );
    expect(ids).toHaveLength(1_000);
    // Each batch is contiguous: no interleaving of two writes.
    for (const batch of batches) {
      const start = ids.indexOf(batch[0]!.AgentId);
      expect(ids.slice(start, start + 50)).toEqual(batch.map((r) => r.AgentId));
    }
  });

  it('starts on a new line after a torn last line left by a crashed process', async () => {
    const sink = new NdjsonSink(dir);
    await mkdir(path.join(dir, 'tables'));
    await writeFile(sink.filePath('CloudSyncAgent_CL'), '{"AgentId":"torn');
    await sink.write('CloudSyncAgent_CL', [agent('a1')]);

    const all = await lines(sink.filePath('CloudSyncAgent_CL'));
    expect(all[0]).toBe('{"AgentId":"torn');
    expect((JSON.parse(all[1]!) as AgentRecord).AgentId).toBe('a1');
  });

  it('wraps a failed write in SinkError with the failed row count', async () => {
    // A file where the tables directory should be: mkdir fails.
    await writeFile(path.join(dir, 'tables'), 'not a directory');
    const sink = new NdjsonSink(dir);
    const error = await sink.write('CloudSyncAgent_CL', [agent('a1'), agent('a2')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkError);
    expect(error).toMatchObject({ table: 'CloudSyncAgent_CL', failedRows: 2 });
  });

  it('rejects a batch it cannot serialise without writing any of it', async () => {
    const sink = new NdjsonSink(dir);
    const bad = agent('a2', { ServiceStates: { big: 1n } });
    const error = await sink.write('CloudSyncAgent_CL', [agent('a1'), bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkError);
    expect(error).toMatchObject({ failedRows: 2 });
    await expect(access(sink.filePath('CloudSyncAgent_CL'))).rejects.toThrow();
  });
});
