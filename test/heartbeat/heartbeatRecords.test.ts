import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CorruptHeartbeatBookError,
  loadHeartbeatRecords,
  readHeartbeatRecords,
} from '../../src/heartbeat/heartbeatRecords.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';

const TENANT = '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d';
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function damagedBook(): Promise<FileStateStore> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'heartbeat-records-'));
  dirs.push(dir);
  await mkdir(path.join(dir, TENANT), { recursive: true });
  await writeFile(path.join(dir, TENANT, 'agent-heartbeats.json'), '{"etag":"e","value":{"hosts":{');
  return new FileStateStore(dir);
}

describe('reading the heartbeat book in a run', () => {
  it('sets a damaged book aside and says so once (CorruptState); the next run reads a fresh book', async () => {
    const store = await damagedBook();
    const error = await readHeartbeatRecords(store, TENANT, new Date()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptHeartbeatBookError);
    expect((error as Error).name).toBe('CorruptState'); // the run issue's code
    expect((error as Error).message).toMatch(
      /agent-heartbeats is not valid JSON.*set aside as corrupt-agent-heartbeats-/,
    );
    expect(await readHeartbeatRecords(store, TENANT, new Date())).toEqual([]);
    expect(await store.list(TENANT, 'corrupt-')).toHaveLength(1);
  });

  it('returns what was set aside to a caller that reports it itself', async () => {
    const store = await damagedBook();
    const loaded = await loadHeartbeatRecords(store, TENANT, new Date('2026-11-23T10:00:00Z'));
    expect(loaded.records).toEqual([]);
    expect(loaded.setAside?.copy).toBe('corrupt-agent-heartbeats-20261123100000000');
  });
});
