import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStateStore, decodeSegment, encodeSegment } from '../../src/state/fileStateStore.js';
import { StateDecodeError } from '../../src/state/store.js';

const execFileAsync = promisify(execFile);
const TENANT = '11111111-2222-3333-4444-555555555555';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'file-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lockPath = (name: string): string => path.join(dir, TENANT, `${encodeSegment(name)}.json.lock`);

async function writeLock(name: string, owner: { pid: number; host: string }, ageMs = 0): Promise<string> {
  const file = lockPath(name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ token: 'someone-else', ...owner, at: new Date().toISOString() }));
  if (ageMs > 0) {
    const then = new Date(Date.now() - ageMs);
    await utimes(file, then, then);
  }
  return file;
}

describe('FileStateStore layout', () => {
  it('keeps each value in <dir>/<tenant>/<name>.json with its etag, and leaves no temp or lock files', async () => {
    const store = new FileStateStore(dir);
    const etag = await store.write(
      { tenantId: TENANT, name: 'watermark' },
      { at: 'x' },
      { ifNoneMatch: '*' },
    );
    await store.write({ tenantId: TENANT, name: 'alerts/Open #1' }, [1], { unconditional: true });
    expect((await readdir(path.join(dir, TENANT))).sort()).toEqual(
      ['watermark.json', `${encodeSegment('alerts/Open #1')}.json`].sort(),
    );
    expect(JSON.parse(await readFile(path.join(dir, TENANT, 'watermark.json'), 'utf8'))).toEqual({
      etag,
      value: { at: 'x' },
    });
  });

  it('encodes names reversibly, keeps case apart for case-insensitive file systems, and preserves prefixes', () => {
    const names = ['a', 'A', 'watermark/provisioning', '..', 'CON', 'x.json', 'ü😀', '%41', 'tab\t', ''];
    for (const name of names) {
      const encoded = encodeSegment(name);
      expect(encoded).toMatch(/^[a-z0-9_%A-F-]*$/);
      expect(encoded).not.toContain('.');
      expect(decodeSegment(encoded)).toBe(name);
    }
    expect(encodeSegment('A').toLowerCase()).not.toBe(encodeSegment('a').toLowerCase());
    expect(encodeSegment('alerts/open')).toMatch(new RegExp(`^${encodeSegment('alerts/')}`));
    expect(() => encodeSegment('bad\ud800')).toThrow(TypeError);
    expect(decodeSegment('Notes')).toBeUndefined(); // not something this store wrote
    expect(decodeSegment('%zz')).toBeUndefined();
  });

  it('lists only files it wrote, ignoring foreign files, locks and temp files', async () => {
    const store = new FileStateStore(dir);
    await store.write({ tenantId: TENANT, name: 'kept' }, 1, { unconditional: true });
    for (const stray of ['Notes.json', 'kept.json.lock', 'kept.json.123.tmp', 'README', '.json']) {
      await writeFile(path.join(dir, TENANT, stray), '{}');
    }
    expect(await store.list(TENANT)).toEqual(['kept']);
  });

  it('reports a damaged state file instead of treating it as missing', async () => {
    const store = new FileStateStore(dir);
    await mkdir(path.join(dir, TENANT), { recursive: true });
    await writeFile(path.join(dir, TENANT, 'broken.json'), '{"etag":"x","val');
    const read = store.read({ tenantId: TENANT, name: 'broken' });
    await expect(read).rejects.toBeInstanceOf(StateDecodeError);
    await expect(read).rejects.toThrow(/not valid JSON/);
  });

  it('refuses names too long for a file name', async () => {
    const store = new FileStateStore(dir);
    await expect(
      store.write({ tenantId: TENANT, name: 'x'.repeat(300) }, 1, { unconditional: true }),
    ).rejects.toThrow(RangeError);
  });
});

describe('FileStateStore locking', () => {
  const key = { tenantId: TENANT, name: 'locked' };

  it('takes over a lock older than staleLockMs', async () => {
    const store = new FileStateStore(dir, { staleLockMs: 5_000 });
    await writeLock('locked', { pid: 1, host: 'another-host' }, 60_000);
    const started = Date.now();
    await store.write(key, 'after stale lock', { unconditional: true });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await store.read(key))?.value).toBe('after stale lock');
    expect(await readdir(path.join(dir, TENANT))).toEqual(['locked.json']);
  });

  it('takes over at once a lock whose process on this host is gone', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const deadPid = await new Promise<number>((resolve) => child.once('exit', () => resolve(child.pid!)));
    const store = new FileStateStore(dir, { staleLockMs: 30_000 });
    await writeLock('locked', { pid: deadPid, host: os.hostname() });
    const started = Date.now();
    await store.write(key, 'after dead owner', { unconditional: true });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('waits for a live holder, and gives up after lockTimeoutMs', async () => {
    const lockedAt = Date.now();
    const file = await writeLock('locked', { pid: process.pid, host: 'another-host' });
    const impatient = new FileStateStore(dir, { staleLockMs: 10_000, lockTimeoutMs: 200 });
    await expect(impatient.write(key, 1, { unconditional: true })).rejects.toThrow(/timed out waiting/);
    expect(await readFile(file, 'utf8')).toContain('someone-else');

    const patient = new FileStateStore(dir, { staleLockMs: 400 });
    await patient.write(key, 2, { unconditional: true });
    // It waited for the lock to go stale: a live holder is never interrupted early.
    expect(Date.now() - lockedAt).toBeGreaterThanOrEqual(400);
    expect((await patient.read(key))?.value).toBe(2);
  });
});

describe('FileStateStore across processes', () => {
  /**
   * Two separate Node processes each make N compare-and-swap increments of one counter (read, then write
   * with ifMatch; a conflict counts as a failed attempt). If the lock or the compare were not atomic across
   * processes, two increments from the same etag would both succeed and the counter would fall short.
   */
  it('never loses an increment when two processes race on one counter', async () => {
    const attempts = 150;
    const storeUrl = pathToFileURL(path.resolve('src/state/fileStateStore.ts')).href;
    const worker = `
      const { FileStateStore } = await import(${JSON.stringify(storeUrl)});
      const store = new FileStateStore(process.env.STATE_DIR);
      const key = { tenantId: 't', name: 'counter' };
      const startAt = Number(process.env.START_AT);
      const readyMs = startAt - Date.now();
      while (Date.now() < startAt) await new Promise((resolve) => setTimeout(resolve, 1));
      let ok = 0, conflicts = 0;
      for (let i = 0; i < ${attempts}; i++) {
        const current = await store.read(key);
        const next = (current?.value ?? 0) + 1;
        try {
          await store.write(key, next, current ? { ifMatch: current.etag } : { ifNoneMatch: '*' });
          ok++;
        } catch (error) {
          if (error.name !== 'StateConflictError') throw error;
          conflicts++;
        }
      }
      process.stdout.write(JSON.stringify({ ok, conflicts, readyMs, tookMs: Date.now() - startAt }));
    `;
    // Both workers start together once tsx has loaded in each, so their attempts really interleave.
    const env = { ...process.env, STATE_DIR: dir, START_AT: String(Date.now() + 1_500) };
    const run = () =>
      execFileAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', worker], {
        env,
        timeout: 30_000,
      });
    const outputs = await Promise.all([run(), run()]);
    const results = outputs.map((o) => JSON.parse(o.stdout) as { ok: number; conflicts: number });
    const successes = results.reduce((sum, r) => sum + r.ok, 0);
    for (const r of results) expect(r.ok + r.conflicts).toBe(attempts);
    const store = new FileStateStore(dir);
    expect((await store.read({ tenantId: 't', name: 'counter' }))?.value).toBe(successes);
    expect(await readdir(path.join(dir, 't'))).toEqual(['counter.json']);
    console.info(`cross-process CAS: ${JSON.stringify(results)}`);
  });
});
