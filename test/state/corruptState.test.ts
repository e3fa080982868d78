import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import { acquireLease, releaseLease } from '../../src/state/lease.js';
import { SET_ASIDE_KEEP, corruptStateIssue, listSetAside, setAside } from '../../src/state/setAside.js';
import { StateDecodeError, type StateKey, type StateStore } from '../../src/state/store.js';
import { readStoredState } from '../../src/state/storedState.js';
import { TableStateStore } from '../../src/state/tableStateStore.js';
import { updateState } from '../../src/state/update.js';
import { startAzurite, type Azurite } from '../support/azurite.js';

/**
 * A damaged stored value, in each store as it really gets damaged (a local file with broken JSON, a
 * Table Storage entity with a missing chunk): it is set aside with a clear message, and the next call
 * works. Before the policy, the file store could not even overwrite such a file.
 */
const TENANT = '11111111-2222-3333-4444-555555555555';
const key = (name: string): StateKey => ({ tenantId: TENANT, name });
const counter = z.object({ n: z.number() });
const t0 = new Date('2026-11-23T10:00:00.000Z');

interface Subject {
  readonly store: StateStore;
  /** Stores bytes under `name` that the store cannot decode. */
  readonly damage: (name: string, marker?: string) => Promise<void>;
}

const tempDirs: string[] = [];
let azurite: Azurite | undefined;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function fileSubject(): Promise<Subject> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'state-corrupt-'));
  tempDirs.push(dir);
  return {
    store: new FileStateStore(dir),
    damage: async (name, marker = 'x') => {
      await mkdir(path.join(dir, TENANT), { recursive: true });
      // What a half-restored backup or a hand edit leaves behind: not JSON.
      await writeFile(path.join(dir, TENANT, `${name}.json`), `{"etag":"e1","value":{"n":${marker}`);
    },
  };
}

function tableSubject(): Subject {
  if (!azurite) throw new Error('Azurite is not running');
  const table = `t${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  const client = TableClient.fromConnectionString(azurite.connectionString, table, {
    allowInsecureConnection: true,
  });
  return {
    store: new TableStateStore(client),
    damage: async (name, marker = 'x') => {
      await client.createTable();
      // Claims two chunks, holds one: a write by some other tool, or a truncated restore.
      await client.upsertEntity(
        {
          partitionKey: TENANT,
          rowKey: name,
          chunks: 2,
          encoding: 'utf8',
          v0: Buffer.from(`{"n":${marker}`),
        },
        'Replace',
      );
    },
  };
}

for (const [label, make] of [
  ['FileStateStore', fileSubject],
  ['TableStateStore (Azurite)', () => Promise.resolve(tableSubject())],
] as const) {
  describe(`${label}: a damaged stored value`, () => {
    it('is reported as StateDecodeError with its key and etag, never as missing', async () => {
      const { store, damage } = await make();
      await damage('book');
      const error = await store.read(key('book')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StateDecodeError);
      expect((error as StateDecodeError).key).toEqual(key('book'));
      expect((error as StateDecodeError).etag).toEqual(expect.any(String));
      expect(await readStoredState(store, key('book'), counter)).toMatchObject({
        kind: 'corrupt',
        etag: (error as StateDecodeError).etag,
      });
    });

    it('can be replaced with ifMatch on the etag of the corrupt read, and unconditionally', async () => {
      const { store, damage } = await make();
      await damage('a');
      const { etag } = (await store.read(key('a')).catch((e: unknown) => e)) as StateDecodeError;
      await store.write(key('a'), { n: 1 }, { ifMatch: etag! });
      expect((await store.read(key('a')))?.value).toEqual({ n: 1 });

      await damage('b');
      await store.write(key('b'), { n: 2 }, { unconditional: true });
      expect((await store.read(key('b')))?.value).toEqual({ n: 2 });

      await damage('c');
      await store.delete(key('c'));
      expect(await store.read(key('c'))).toBeUndefined();
    });

    it('is set aside by updateState with a clear message, and the next update works', async () => {
      const { store, damage } = await make();
      await damage('book');
      const seen: (string | undefined)[] = [];
      const bump = () =>
        updateState(
          store,
          key('book'),
          counter,
          (current, { corrupt }) => {
            seen.push(corrupt?.message);
            return { value: { n: (current?.n ?? 0) + 1 }, result: corrupt };
          },
          { now: t0 },
        );

      const aside = await bump();
      expect(aside?.message).toMatch(
        new RegExp(
          `stored state ${TENANT}/book .*; set aside as corrupt-book-20261123100000000 and started afresh`,
        ),
      );
      expect(corruptStateIssue(aside!)).toEqual({
        signal: 'state',
        severity: 'warning',
        code: 'CorruptState',
        message: aside!.message,
        target: 'book',
      });
      // The copy keeps what could be read, for a human to look at.
      const copy = await store.read(key('corrupt-book-20261123100000000'));
      expect(JSON.stringify(copy?.value)).toContain('"name":"book"');
      expect(JSON.stringify(copy?.value)).toMatch(/\{\\"n\\":x|base64/);

      expect(await bump()).toBeUndefined();
      expect((await store.read(key('book')))?.value).toEqual({ n: 2 });
      expect(seen.filter(Boolean)).toHaveLength(1);
    });

    it('keeps only the last few copies per name', async () => {
      const { store, damage } = await make();
      for (let i = 0; i < SET_ASIDE_KEEP + 3; i++) {
        await damage('flappy', String(i));
        const stored = await readStoredState(store, key('flappy'), counter);
        if (stored.kind !== 'corrupt') throw new Error(`expected corrupt, got ${stored.kind}`);
        await setAside(store, key('flappy'), stored.reason, stored.etag, { now: new Date(t0.getTime() + i) });
      }
      const copies = await store.list(TENANT, 'corrupt-flappy-');
      expect(copies).toHaveLength(SET_ASIDE_KEEP);
      expect(copies.at(-1)).toBe(`corrupt-flappy-2026112310000000${SET_ASIDE_KEEP + 2}`);
      expect(
        (await listSetAside(store, TENANT, new Date(t0.getTime() + SET_ASIDE_KEEP + 1))).map((c) => c.copy),
      ).toEqual(copies.slice(-2));
    });

    it('is set aside as a lease and the lease acquired; the next run acquires as usual', async () => {
      const { store, damage } = await make();
      await damage('collect-lease');
      const lease = await acquireLease(store, key('collect-lease'), {
        owner: 'run-a',
        now: t0,
        ttlMs: 60_000,
      });
      expect(lease.setAside?.message).toMatch(/collect-lease .*set aside as corrupt-collect-lease-\d{17}/);
      expect(await releaseLease(store, lease)).toBe(true);
      const next = await acquireLease(store, key('collect-lease'), {
        owner: 'run-b',
        now: t0,
        ttlMs: 60_000,
      });
      expect(next.setAside).toBeUndefined();
    });
  });
}

describe('setAside', () => {
  it('leaves a value alone that changed since the corrupt read', async () => {
    const { store } = await fileSubject();
    await store.write(key('v'), { n: 'not a number' }, { unconditional: true });
    const stored = await readStoredState(store, key('v'), counter);
    if (stored.kind !== 'corrupt') throw new Error('expected corrupt');
    await store.write(key('v'), { n: 7 }, { unconditional: true }); // someone repaired it meanwhile
    const aside = await setAside(store, key('v'), stored.reason, stored.etag, { now: t0 });
    expect(aside).toMatchObject({ copy: undefined, removed: false });
    expect((await store.read(key('v')))?.value).toEqual({ n: 7 });
  });

  it('cuts a huge damaged value down to fit the store', async () => {
    const { store } = await fileSubject();
    const dir = (store as FileStateStore).dir;
    await mkdir(path.join(dir, TENANT), { recursive: true });
    await writeFile(path.join(dir, TENANT, 'big.json'), `{"value":"${'x'.repeat(2_000_000)}`);
    const stored = await readStoredState(store, key('big'), counter);
    if (stored.kind !== 'corrupt') throw new Error('expected corrupt');
    const aside = await setAside(store, key('big'), stored.reason, stored.etag, { now: t0 });
    expect(aside.removed).toBe(true);
    const copy = await readFile(path.join(dir, TENANT, `${aside.copy!}.json`), 'utf8');
    expect(copy).toContain('"truncated":true');
  });
});
