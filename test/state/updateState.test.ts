import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import type { StateStore } from '../../src/state/store.js';
import { updateState } from '../../src/state/update.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const KEY = { tenantId: TENANT, name: 'counter' };
const counter = z.object({ n: z.number() });
const T0 = new Date('2026-11-23T10:00:00Z');

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
async function store(): Promise<FileStateStore> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'update-state-'));
  dirs.push(dir);
  return new FileStateStore(dir);
}

const increment = (s: StateStore) =>
  updateState(s, KEY, counter, (current) => ({ value: { n: (current?.n ?? 0) + 1 }, result: undefined }), {
    now: T0,
  });

describe('updateState', () => {
  it('loses no increment when many writers race on one value', async () => {
    const s = await store();
    await Promise.all(Array.from({ length: 6 }, () => increment(s)));
    expect((await s.read(KEY))?.value).toEqual({ n: 6 });
  });

  it('writes nothing when change returns only a result, or throws', async () => {
    const s = await store();
    await increment(s);
    const { etag } = (await s.read(KEY))!;
    expect(await updateState(s, KEY, counter, (current) => ({ result: current?.n }), { now: T0 })).toBe(1);
    await expect(
      updateState(
        s,
        KEY,
        counter,
        () => {
          throw new RangeError('refused');
        },
        { now: T0 },
      ),
    ).rejects.toThrow('refused');
    expect((await s.read(KEY))?.etag).toBe(etag);
  });

  it('changes nothing when the store cannot be read', async () => {
    const s = await store();
    const down: StateStore = {
      read: () => Promise.reject(new Error('ECONNRESET')),
      write: (...args) => s.write(...args),
      delete: (...args) => s.delete(...args),
      list: (...args) => s.list(...args),
    };
    await expect(increment(down)).rejects.toThrow('ECONNRESET');
    expect(await s.read(KEY)).toBeUndefined();
  });

  it('writes a held copy against the etag it was read at, and on a lost race replays onto a fresh read', async () => {
    const s = await store();
    await increment(s);
    const read = (await s.read(KEY))!;
    const seen: [boolean, number | undefined][] = [];
    // Held: the caller added 10 to what it read; nobody wrote meanwhile, so no read and no replay.
    const add10 = (current: { n: number } | undefined, { held }: { held: boolean }) => {
      seen.push([held, current?.n]);
      return { value: held ? current! : { n: (current?.n ?? 0) + 10 }, result: undefined };
    };
    await updateState(s, KEY, counter, add10, { now: T0, held: { value: { n: 11 }, etag: read.etag } });
    expect(seen).toEqual([[true, 11]]);
    expect((await s.read(KEY))?.value).toEqual({ n: 11 });
    // Now someone writes between the caller's read and its write: the held copy loses, the change replays.
    const stale = (await s.read(KEY))!.etag;
    await increment(s);
    seen.length = 0;
    await updateState(s, KEY, counter, add10, { now: T0, held: { value: { n: 21 }, etag: stale } });
    expect(seen).toEqual([
      [true, 21],
      [false, 12],
    ]);
    expect((await s.read(KEY))?.value).toEqual({ n: 22 });
  });
});
