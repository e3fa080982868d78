import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import {
  LeaseHeldError,
  LeaseLostError,
  acquireLease,
  releaseLease,
  renewLease,
  storedLeaseSchema,
} from '../../src/state/lease.js';
import {
  STATE_VALUE_MAX_BYTES,
  StateConflictError,
  StateTooLargeError,
  readValidated,
  type StateKey,
  type StateStore,
} from '../../src/state/store.js';
import { TableStateStore } from '../../src/state/tableStateStore.js';
import { startAzurite, type Azurite } from '../support/azurite.js';

/**
 * One contract, every StateStore: the local file store and the Table Storage store against a real
 * Azurite. Each test gets a fresh store (a new directory, a new table) so tests cannot leak into each other.
 */
type StoreFactory = () => Promise<StateStore>;

const TENANT = '11111111-2222-3333-4444-555555555555';
const OTHER_TENANT = '99999999-8888-7777-6666-555555555555';
const key = (name: string, tenantId = TENANT): StateKey => ({ tenantId, name });

/** Settles every promise and sorts the outcomes, for races where exactly one contender must win. */
async function race<T>(contenders: Promise<T>[]): Promise<{ won: T[]; lost: unknown[] }> {
  const settled = await Promise.allSettled(contenders);
  return {
    won: settled.filter((s) => s.status === 'fulfilled').map((s) => s.value),
    lost: settled.filter((s) => s.status === 'rejected').map((s) => s.reason as unknown),
  };
}

/**
 * A JSON value of about `bytes` bytes: pseudo-random words with multi-byte characters, so the value
 * stays big even where a store compresses it (several 64 KiB chunks in Table Storage) and chunk borders
 * fall inside characters.
 */
function bigValue(bytes: number): { items: string[] } {
  const letters = 'abcdefghijklmnopqrstuvwxyzéü€😀ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const chars = [...letters];
  let seed = 12345;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  const items: string[] = [];
  let size = 12;
  while (size < bytes - 200) {
    let word = '';
    for (let i = 0, n = 20 + (next() % 60); i < n; i++) word += chars[next() % chars.length];
    items.push(word);
    size += Buffer.byteLength(JSON.stringify(word)) + 1;
  }
  return { items };
}

/** A JSON string value whose serialisation is exactly `bytes` bytes. */
function valueOfExactSize(bytes: number): string {
  return 'y'.repeat(bytes - 2);
}

function stateStoreContract(label: string, makeStore: StoreFactory): void {
  describe(`${label}: StateStore contract`, () => {
    it('reads a missing key as undefined, even before anything was ever stored', async () => {
      const store = await makeStore();
      expect(await store.read(key('nothing'))).toBeUndefined();
      expect(await store.list(TENANT)).toEqual([]);
    });

    it('round-trips JSON values and returns the etag it reports on read', async () => {
      const store = await makeStore();
      const values: unknown[] = [
        { watermark: '2026-01-01T00:00:00Z', ids: ['a', 'b'], nested: { n: 1.5, ok: true, none: null } },
        'a string with ünïcödé and 😀',
        42,
        null,
        false,
        [],
      ];
      for (const [i, value] of values.entries()) {
        const etag = await store.write(key(`v${i}`), value, { unconditional: true });
        expect(typeof etag).toBe('string');
        expect(await store.read(key(`v${i}`))).toEqual({ value, etag });
      }
    });

    it('gives every write a new etag, also when the value is the same', async () => {
      const store = await makeStore();
      const first = await store.write(key('same'), { a: 1 }, { unconditional: true });
      const second = await store.write(key('same'), { a: 1 }, { unconditional: true });
      expect(second).not.toBe(first);
      await expect(store.write(key('same'), { a: 2 }, { ifMatch: first })).rejects.toBeInstanceOf(
        StateConflictError,
      );
    });

    it('ifNoneMatch creates once, then conflicts and leaves the value alone', async () => {
      const store = await makeStore();
      const etag = await store.write(key('once'), { v: 1 }, { ifNoneMatch: '*' });
      await expect(store.write(key('once'), { v: 2 }, { ifNoneMatch: '*' })).rejects.toBeInstanceOf(
        StateConflictError,
      );
      expect(await store.read(key('once'))).toEqual({ value: { v: 1 }, etag });
    });

    it('ifMatch succeeds with the current etag and conflicts with a stale one, leaving the value unchanged', async () => {
      const store = await makeStore();
      const stale = await store.write(key('cas'), { v: 1 }, { unconditional: true });
      const current = await store.write(key('cas'), { v: 2 }, { ifMatch: stale });
      expect(current).not.toBe(stale);
      const error = await store.write(key('cas'), { v: 3 }, { ifMatch: stale }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StateConflictError);
      expect((error as StateConflictError).key).toEqual(key('cas'));
      expect(await store.read(key('cas'))).toEqual({ value: { v: 2 }, etag: current });
    });

    it('ifMatch on a missing key conflicts and creates nothing', async () => {
      const store = await makeStore();
      const etag = await store.write(key('gone'), 1, { unconditional: true });
      await store.delete(key('gone'));
      await expect(store.write(key('gone'), 2, { ifMatch: etag })).rejects.toBeInstanceOf(StateConflictError);
      expect(await store.read(key('gone'))).toBeUndefined();
    });

    it('lets exactly one of two concurrent writers with the same etag win', async () => {
      const store = await makeStore();
      for (let round = 0; round < 5; round++) {
        const start = await store.write(key('contended'), { round, by: 'nobody' }, { unconditional: true });
        const { won, lost } = await race([
          store.write(key('contended'), { round, by: 'a' }, { ifMatch: start }),
          store.write(key('contended'), { round, by: 'b' }, { ifMatch: start }),
        ]);
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(lost[0]).toBeInstanceOf(StateConflictError);
        const stored = await store.read(key('contended'));
        expect(stored?.etag).toBe(won[0]);
        expect(['a', 'b']).toContain((stored?.value as { by: string }).by);
      }
    });

    it('lets exactly one of several concurrent creators win', async () => {
      const store = await makeStore();
      const { won, lost } = await race(
        ['a', 'b', 'c', 'd'].map((by) => store.write(key('created'), { by }, { ifNoneMatch: '*' })),
      );
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(3);
      for (const error of lost) expect(error).toBeInstanceOf(StateConflictError);
      expect((await store.read(key('created')))?.etag).toBe(won[0]);
    });

    it('round-trips a value of ~300 KB, and a smaller value replacing it', async () => {
      const store = await makeStore();
      const value = bigValue(300_000);
      expect(Buffer.byteLength(JSON.stringify(value))).toBeGreaterThan(290_000);
      const etag = await store.write(key('big'), value, { ifNoneMatch: '*' });
      expect(await store.read(key('big'))).toEqual({ value, etag });
      const small = await store.write(key('big'), { items: ['one'] }, { ifMatch: etag });
      expect(await store.read(key('big'))).toEqual({ value: { items: ['one'] }, etag: small });
    });

    it('accepts exactly STATE_VALUE_MAX_BYTES and rejects one byte more with StateTooLargeError', async () => {
      const store = await makeStore();
      const largest = valueOfExactSize(STATE_VALUE_MAX_BYTES);
      const etag = await store.write(key('largest'), largest, { unconditional: true });
      expect(await store.read(key('largest'))).toEqual({ value: largest, etag });

      const error = await store
        .write(key('largest'), valueOfExactSize(STATE_VALUE_MAX_BYTES + 1), { unconditional: true })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StateTooLargeError);
      expect((error as StateTooLargeError).bytes).toBe(STATE_VALUE_MAX_BYTES + 1);
      expect((await store.read(key('largest')))?.etag).toBe(etag);
    });

    it('rejects values that are not JSON and empty key parts', async () => {
      const store = await makeStore();
      await expect(store.write(key('undef'), undefined, { unconditional: true })).rejects.toBeInstanceOf(
        TypeError,
      );
      await expect(store.write(key(''), 1, { unconditional: true })).rejects.toBeInstanceOf(TypeError);
      await expect(store.read(key('x', ''))).rejects.toBeInstanceOf(TypeError);
    });

    const oddNames = [
      'watermark/provisioning',
      'back\\slash',
      'hash#question?percent%tilde~',
      'quote\'s "double"',
      '.',
      '..',
      'CON',
      'Name',
      'name',
      'name.json',
      'üñí©ødé 😀 中文',
      'tab\tnewline\ncontrol\u0001del\u007f',
      'percent-escaped %2F ~2F',
      ' leading and trailing ',
    ];

    it('stores names with characters unsafe for files and table keys, each under its own key', async () => {
      const store = await makeStore();
      for (const [i, name] of oddNames.entries()) {
        await store.write(key(name), { i, name }, { ifNoneMatch: '*' });
      }
      for (const [i, name] of oddNames.entries()) {
        expect((await store.read(key(name)))?.value).toEqual({ i, name });
      }
      expect(await store.list(TENANT)).toEqual([...oddNames].sort());
      const tilde = await store.read(key('hash#question?percent%tilde~'));
      await store.delete(key('hash#question?percent%tilde~'), { ifMatch: tilde!.etag });
      expect(await store.list(TENANT)).toHaveLength(oddNames.length - 1);
    });

    it('lists names by prefix', async () => {
      const store = await makeStore();
      const names = [
        'alert',
        'alerts/a',
        'alerts/b/c',
        'alerts~x',
        'alertsX',
        'alerts0',
        'discovery',
        'Alerts/z',
      ];
      for (const name of names) await store.write(key(name), 1, { unconditional: true });
      expect(await store.list(TENANT)).toEqual([...names].sort());
      expect(await store.list(TENANT, 'alerts/')).toEqual(['alerts/a', 'alerts/b/c']);
      expect(await store.list(TENANT, 'alerts')).toEqual([
        'alerts/a',
        'alerts/b/c',
        'alerts0',
        'alertsX',
        'alerts~x',
      ]);
      expect(await store.list(TENANT, 'alerts/b/c')).toEqual(['alerts/b/c']);
      expect(await store.list(TENANT, 'zzz')).toEqual([]);
      expect(await store.list(TENANT, '')).toHaveLength(names.length);
      expect(await store.list(OTHER_TENANT)).toEqual([]);
    });

    it('deletes conditionally and tolerates deleting what is not there', async () => {
      const store = await makeStore();
      const stale = await store.write(key('del'), 1, { unconditional: true });
      const current = await store.write(key('del'), 2, { ifMatch: stale });
      await expect(store.delete(key('del'), { ifMatch: stale })).rejects.toBeInstanceOf(StateConflictError);
      expect(await store.read(key('del'))).toEqual({ value: 2, etag: current });
      await store.delete(key('del'), { ifMatch: current });
      expect(await store.read(key('del'))).toBeUndefined();
      expect(await store.list(TENANT)).toEqual([]);

      await store.delete(key('del'));
      await store.delete(key('del'), { ifMatch: current });
      await store.delete(key('never', OTHER_TENANT));

      await store.write(key('plain'), 1, { unconditional: true });
      await store.delete(key('plain'));
      expect(await store.read(key('plain'))).toBeUndefined();
      // After a delete the key can be created afresh.
      await store.write(key('plain'), 3, { ifNoneMatch: '*' });
      expect((await store.read(key('plain')))?.value).toBe(3);
    });

    it('keeps tenants apart', async () => {
      const store = await makeStore();
      const mine = await store.write(key('watermark'), 'mine', { ifNoneMatch: '*' });
      const theirs = await store.write(key('watermark', OTHER_TENANT), 'theirs', { ifNoneMatch: '*' });
      expect(await store.read(key('watermark'))).toEqual({ value: 'mine', etag: mine });
      expect(await store.read(key('watermark', OTHER_TENANT))).toEqual({ value: 'theirs', etag: theirs });
      await store.write(key('only-mine'), 1, { unconditional: true });
      expect(await store.list(TENANT)).toEqual(['only-mine', 'watermark']);
      expect(await store.list(OTHER_TENANT)).toEqual(['watermark']);
      await store.delete(key('watermark'));
      expect(await store.read(key('watermark', OTHER_TENANT))).toEqual({ value: 'theirs', etag: theirs });
    });
  });

  describe(`${label}: run lease`, () => {
    const LEASE = key('lease/collect');
    const t0 = new Date('2026-11-23T10:00:00.000Z');
    const at = (ms: number): Date => new Date(t0.getTime() + ms);
    const TTL = 60_000;

    it('is acquired when free and stored as a valid lease', async () => {
      const store = await makeStore();
      const lease = await acquireLease(store, LEASE, { owner: 'run-a', now: t0, ttlMs: TTL });
      expect(lease).toMatchObject({ key: LEASE, owner: 'run-a', acquiredAt: t0, expiresAt: at(TTL) });
      const stored = await readValidated(store, LEASE, storedLeaseSchema);
      expect(stored).toEqual({
        etag: lease.etag,
        value: { owner: 'run-a', acquiredAt: t0.toISOString(), expiresAt: at(TTL).toISOString() },
      });
    });

    it('lets only one of two concurrent acquirers win; the other learns who holds it and until when', async () => {
      const store = await makeStore();
      const { won, lost } = await race([
        acquireLease(store, LEASE, { owner: 'run-a', now: t0, ttlMs: TTL }),
        acquireLease(store, LEASE, { owner: 'run-b', now: t0, ttlMs: TTL }),
      ]);
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const error = lost[0] as LeaseHeldError;
      expect(error).toBeInstanceOf(LeaseHeldError);
      expect(error.holder).toBe(won[0]!.owner);
      expect(error.expiresAt).toEqual(at(TTL));
    });

    it('refuses a held lease until it expires, then allows a takeover', async () => {
      const store = await makeStore();
      const a = await acquireLease(store, LEASE, { owner: 'run-a', now: t0, ttlMs: TTL });
      await expect(
        acquireLease(store, LEASE, { owner: 'run-b', now: at(TTL - 1), ttlMs: TTL }),
      ).rejects.toThrow(LeaseHeldError);
      const b = await acquireLease(store, LEASE, { owner: 'run-b', now: at(TTL), ttlMs: TTL });
      expect(b.owner).toBe('run-b');
      expect(b.etag).not.toBe(a.etag);
      expect(b.expiresAt).toEqual(at(2 * TTL));
    });

    it('lets only one of two concurrent takeovers of an expired lease win', async () => {
      const store = await makeStore();
      await acquireLease(store, LEASE, { owner: 'run-a', now: t0, ttlMs: TTL });
      const later = at(TTL + 1);
      const { won, lost } = await race([
        acquireLease(store, LEASE, { owner: 'run-b', now: later, ttlMs: TTL }),
        acquireLease(store, LEASE, { owner: 'run-c', now: later, ttlMs: TTL }),
      ]);
      expect(won).toHaveLength(1);
      expect(lost[0]).toBeInstanceOf(LeaseHeldError);
      expect((await readValidated(store, LEASE, storedLeaseSchema))?.value.owner).toBe(won[0]!.owner);
    });

    it('releases its own lease, but a late release never deletes the lease of whoever took over', async () => {
      const store = await makeStore();
      const a = await acquireLease(store, LEASE, { owner: 'run-a', now: t0, ttlMs: TTL });
      const b = await acquireLease(store, LEASE, { owner: 'run-b', now: at(2 * TTL), ttlMs: TTL });
      expect(await releaseLease(store, a)).toBe(false);
      expect((await readValidated(store, LEASE, storedLeaseSchema))?.value.owner).toBe('run-b');
      expect(await releaseLease(store, b)).toBe(true);
      expect(await store.read(LEASE)).toBeUndefined();
      // Free again: anyone may take it.
      await acquireLease(store, LEASE, { owner: 'run-c', now: at(2 * TTL + 1), ttlMs: TTL });
    });

    it('renews for the same owner, and reports a lost lease on renewal after a takeover', async () => {
      const store = await makeStore();
      const a = await acquireLease(store, LEASE, { owner: 'run-a', now: t0, ttlMs: TTL });
      const renewed = await renewLease(store, a, { now: at(30_000), ttlMs: TTL });
      expect(renewed.expiresAt).toEqual(at(30_000 + TTL));
      expect(renewed.acquiredAt).toEqual(t0);
      const again = await acquireLease(store, LEASE, { owner: 'run-a', now: at(40_000), ttlMs: TTL });
      expect(again.acquiredAt).toEqual(t0);
      expect(again.expiresAt).toEqual(at(40_000 + TTL));

      await acquireLease(store, LEASE, { owner: 'run-b', now: at(40_000 + TTL), ttlMs: TTL });
      await expect(renewLease(store, again, { now: at(40_000 + TTL), ttlMs: TTL })).rejects.toBeInstanceOf(
        LeaseLostError,
      );
    });

    it('sets a corrupt stored lease aside and takes it, saying so; the next run acquires as usual', async () => {
      const store = await makeStore();
      await store.write(LEASE, { owner: 42 }, { unconditional: true });
      const lease = await acquireLease(store, LEASE, { owner: 'run-a', now: t0, ttlMs: TTL });
      expect(lease.owner).toBe('run-a');
      expect(lease.setAside?.message).toMatch(
        /lease\/collect is invalid.*set aside as corrupt-lease\/collect-\d{17}/,
      );
      const copy = await store.read(key(lease.setAside!.copy!));
      expect(copy?.value).toMatchObject({ name: 'lease/collect', raw: { owner: 42 } });
      expect((await readValidated(store, LEASE, storedLeaseSchema))?.value.owner).toBe('run-a');

      expect(await releaseLease(store, lease)).toBe(true);
      const next = await acquireLease(store, LEASE, { owner: 'run-b', now: at(1), ttlMs: TTL });
      expect(next.setAside).toBeUndefined();
    });

    it('rejects a meaningless request', async () => {
      const store = await makeStore();
      await expect(acquireLease(store, LEASE, { owner: '', now: t0, ttlMs: TTL })).rejects.toBeInstanceOf(
        TypeError,
      );
      await expect(acquireLease(store, LEASE, { owner: 'x', now: t0, ttlMs: 0 })).rejects.toBeInstanceOf(
        RangeError,
      );
    });
  });
}

/* ---------------------------------------------------------------- the stores under test */

const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

stateStoreContract('FileStateStore', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'state-contract-'));
  tempDirs.push(dir);
  return new FileStateStore(dir);
});

let azurite: Azurite | undefined;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

stateStoreContract('TableStateStore (Azurite)', () => {
  if (!azurite) throw new Error('Azurite is not running');
  // A fresh table per test: isolates tests and exercises create-on-first-use every time.
  const table = `state${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  const client = TableClient.fromConnectionString(azurite.connectionString, table, {
    allowInsecureConnection: true,
  });
  return Promise.resolve(new TableStateStore(client));
});
