import { createHash, randomUUID } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  fsync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { readdir, readFile, rename, stat, unlink, link } from 'node:fs/promises';
import { promisify } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import {
  STATE_VALUE_MAX_BYTES,
  StateConflictError,
  StateDecodeError,
  StateTooLargeError,
  type StateKey,
  type StateStore,
  type Versioned,
  type WriteCondition,
} from './store.js';

export interface FileStateStoreOptions {
  /** A lock file older than this is considered abandoned. Critical sections last milliseconds. */
  readonly staleLockMs?: number;
  /** Give up waiting for a lock after this long (a live holder should never take close to this). */
  readonly lockTimeoutMs?: number;
}

interface LockOwner {
  readonly token: string;
  readonly pid: number;
  readonly host: string;
  readonly at: string;
}

const MAX_FILE_NAME_BYTES = 255;

/**
 * State in local files: `<dir>/<tenant>/<name>.json`, for the CLI and the embedded default.
 *
 * - Each file holds `{ "etag": ..., "value": ... }`, so a value and its etag change together in one rename.
 * - Writes go to a temp file, are fsynced, then renamed over the target: readers never see half a file,
 *   and a crash leaves either the old or the new value.
 * - The etag is a fresh random id per write, not a content hash: writing A, B, then A again must still
 *   invalidate an etag taken from the first A (a hash would let a stale compare-and-swap through).
 * - Conditional writes are compare-and-swap under a per-key lock file created with O_EXCL ('wx'), so two
 *   processes (two CLI runs, a CLI next to a local Functions host) cannot both win. A lock left by a
 *   crashed process is taken over when its owner process is gone (same host) or when it is older than
 *   `staleLockMs`.
 * - A damaged file never blocks its own replacement: unconditional writes and deletes do not look at
 *   the old content, and an undecodable file has an etag too (a hash of its bytes, reported in
 *   StateDecodeError), so it can be replaced or removed with ifMatch like any other value.
 * - Only the fsyncs wait on the event loop. The other steps of a write (lock, read, temp file, rename,
 *   unlock: about a dozen) are synchronous calls on small local files, microseconds each: done as
 *   promises, each step waited for the event loop to come round, and while the collector parses pages
 *   that took 50 to 75 ms per write, which held up every commit of provisioning pages (README,
 *   "Delivery guarantees") and left the run idle a tenth of its time.
 */
export class FileStateStore implements StateStore {
  private readonly staleLockMs: number;
  private readonly lockTimeoutMs: number;

  constructor(
    readonly dir: string,
    options: FileStateStoreOptions = {},
  ) {
    this.staleLockMs = options.staleLockMs ?? 30_000;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 2 * this.staleLockMs + 5_000;
  }

  async read(key: StateKey): Promise<Versioned<unknown> | undefined> {
    const file = this.fileOf(key);
    // Reads keep to promises: they are not on a commit's path, and a value can be large.
    const current = decodeStateFile(await readFile(file, 'utf8').catch(absentOnENOENT));
    if (current.kind === 'absent') return undefined;
    if (current.kind === 'undecodable') {
      throw new StateDecodeError(key, `${current.reason} (file ${file})`, current.etag, {
        raw: current.text,
      });
    }
    return { etag: current.etag, value: current.value };
  }

  async write(key: StateKey, value: unknown, condition: WriteCondition): Promise<string> {
    const json = serialise(key, value);
    const file = this.fileOf(key);
    mkdirSync(path.dirname(file), { recursive: true });
    return this.withLock(file, async () => {
      if (!('unconditional' in condition)) {
        const current = loadStateFile(file).etag;
        if ('ifMatch' in condition && current !== condition.ifMatch) throw new StateConflictError(key);
        if ('ifNoneMatch' in condition && current !== undefined) throw new StateConflictError(key);
      }
      const etag = randomUUID();
      await writeAtomically(file, `{"etag":${JSON.stringify(etag)},"value":${json}}\n`);
      return etag;
    });
  }

  async delete(key: StateKey, condition?: { readonly ifMatch: string }): Promise<void> {
    const file = this.fileOf(key);
    if (!(await exists(path.dirname(file)))) return;
    await this.withLock(file, () => {
      if (condition) {
        const current = loadStateFile(file).etag;
        if (current === undefined) return;
        if (current !== condition.ifMatch) throw new StateConflictError(key);
      }
      unlinkIfThere(file);
    });
  }

  async list(tenantId: string, prefix = ''): Promise<string[]> {
    const tenantDir = path.join(this.dir, encodeSegment(requireNonEmpty(tenantId, 'tenant id')));
    let entries: string[];
    try {
      entries = await readdir(tenantDir);
    } catch (error) {
      if (hasCode(error, 'ENOENT')) return [];
      throw error;
    }
    // Encoded names never contain '.', so this skips lock and temp files (`x.json.lock`, `x.json.<id>.tmp`).
    const names: string[] = [];
    for (const entry of entries) {
      if (!/^[^.]+\.json$/.test(entry)) continue;
      const name = decodeSegment(entry.slice(0, -'.json'.length));
      if (name !== undefined && name.startsWith(prefix)) names.push(name);
    }
    return names.sort();
  }

  private fileOf(key: StateKey): string {
    const tenant = encodeSegment(requireNonEmpty(key.tenantId, 'tenant id'));
    const name = `${encodeSegment(requireNonEmpty(key.name, 'name'))}.json`;
    // Leave room for the lock and temp suffixes on file systems with a 255-byte name limit.
    if (
      Buffer.byteLength(name) + 48 > MAX_FILE_NAME_BYTES ||
      Buffer.byteLength(tenant) > MAX_FILE_NAME_BYTES
    ) {
      throw new RangeError(`state ${key.tenantId}/${key.name}: the name is too long for a local state file`);
    }
    return path.join(this.dir, tenant, name);
  }

  private async withLock<T>(file: string, body: () => T | Promise<T>): Promise<T> {
    const lockFile = `${file}.lock`;
    const owner: LockOwner = {
      token: randomUUID(),
      pid: process.pid,
      host: os.hostname(),
      at: new Date().toISOString(),
    };
    await this.acquireLock(lockFile, owner);
    try {
      return await body();
    } finally {
      releaseLock(lockFile, owner.token);
    }
  }

  private async acquireLock(lockFile: string, owner: LockOwner): Promise<void> {
    const deadline = Date.now() + this.lockTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        writeFileSync(lockFile, JSON.stringify(owner), { flag: 'wx' });
        return;
      } catch (error) {
        if (!hasCode(error, 'EEXIST')) throw error;
      }
      if (await this.breakIfAbandoned(lockFile)) continue;
      if (Date.now() > deadline) throw new Error(`timed out waiting for state lock ${lockFile}`);
      // Jittered, growing back-off: contention lasts only as long as one read-compare-rename.
      await sleep(Math.min(50, 2 + attempt * 2) * (0.5 + Math.random()));
    }
  }

  /**
   * Removes an abandoned lock. Two processes may decide at once that the same lock is abandoned, and one of
   * them may already have replaced it with a fresh lock; so instead of unlinking by name (which could delete
   * the fresh lock) the lock is moved aside atomically, checked to be the abandoned one, and put back
   * without overwriting (link fails if the name is taken again) when it turns out to be a fresh one.
   */
  private async breakIfAbandoned(lockFile: string): Promise<boolean> {
    const seen = readLock(lockFile);
    if (!seen) return true; // released meanwhile: try again at once
    if (!this.isAbandoned(seen)) return false;
    const aside = `${lockFile}.${randomUUID()}.stale`;
    try {
      await rename(lockFile, aside);
    } catch (error) {
      if (hasCode(error, 'ENOENT')) return true; // someone else removed it: just try again
      throw error;
    }
    const moved = readLock(aside);
    if (moved && moved.identity !== seen.identity) {
      await link(aside, lockFile).catch(ignoreCode('EEXIST'));
    }
    await unlink(aside).catch(ignoreCode('ENOENT'));
    return true;
  }

  private isAbandoned(lock: LockFile): boolean {
    if (Date.now() - lock.mtimeMs > this.staleLockMs) return true;
    const owner = lock.owner;
    if (owner && owner.host === os.hostname() && owner.pid !== process.pid) return !processAlive(owner.pid);
    // A lock file still being written (empty or partial) counts as fresh; only age can make it abandoned.
    return false;
  }
}

/* ---------------------------------------------------------------- files */

type StateFile =
  | { readonly kind: 'absent'; readonly etag?: undefined }
  | { readonly kind: 'decoded'; readonly etag: string; readonly value: unknown }
  | { readonly kind: 'undecodable'; readonly etag: string; readonly reason: string; readonly text: string };

/** The file's value and etag; a file that does not decode gets an etag from its bytes instead of throwing. */
function loadStateFile(file: string): StateFile {
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    text = absentOnENOENT(error);
  }
  return decodeStateFile(text);
}

const absentOnENOENT = (error: unknown): undefined => {
  if (hasCode(error, 'ENOENT')) return undefined;
  throw error;
};

function decodeStateFile(text: string | undefined): StateFile {
  if (text === undefined) return { kind: 'absent' };
  const undecodable = (reason: string): StateFile => ({
    kind: 'undecodable',
    // Prefixed so it can never equal a real etag (random UUIDs).
    etag: `undecodable-${createHash('sha256').update(text).digest('hex').slice(0, 32)}`,
    reason,
    text,
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undecodable('is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || !('etag' in parsed) || !('value' in parsed)) {
    return undecodable('has no etag/value envelope');
  }
  const { etag, value } = parsed;
  if (typeof etag !== 'string') return undecodable('has a non-string etag');
  return { kind: 'decoded', etag, value };
}

const fsyncAsync = promisify(fsync);

/** Temp file + fsync + rename (+ directory fsync, so the rename itself survives a power cut). */
async function writeAtomically(file: string, content: string): Promise<void> {
  const temp = `${file}.${randomUUID()}.tmp`;
  const fd = openSync(temp, 'wx');
  try {
    writeFileSync(fd, content, 'utf8');
    await fsyncAsync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, file);
  } catch (error) {
    unlinkIfThere(temp);
    throw error;
  }
  await syncDirectory(path.dirname(file));
}

async function syncDirectory(dir: string): Promise<void> {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    await fsyncAsync(fd);
  } catch {
    // Not supported everywhere (Windows cannot open or fsync a directory); the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function unlinkIfThere(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if (!hasCode(error, 'ENOENT')) throw error;
  }
}

interface LockFile {
  readonly owner: LockOwner | undefined;
  readonly mtimeMs: number;
  /** Tells two lock files apart: the owner's token, or for an unreadable one its inode and mtime. */
  readonly identity: string;
}

function readLock(lockFile: string): LockFile | undefined {
  let fd: number | undefined;
  try {
    // Stat and read through one descriptor so both describe the same file even if the name is replaced meanwhile.
    fd = openSync(lockFile, 'r');
    const info = fstatSync(fd);
    const text = readFileSync(fd, 'utf8');
    const owner = parseLockOwner(text);
    return {
      owner,
      mtimeMs: info.mtimeMs,
      identity: owner?.token ?? `${info.dev}:${info.ino}:${info.mtimeMs}`,
    };
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return undefined;
    throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function parseLockOwner(text: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<LockOwner>;
    if (
      typeof parsed.token === 'string' &&
      typeof parsed.pid === 'number' &&
      typeof parsed.host === 'string'
    ) {
      return { token: parsed.token, pid: parsed.pid, host: parsed.host, at: String(parsed.at) };
    }
  } catch {
    // Written but not yet complete, or damaged: treated as an owner we cannot identify.
  }
  return undefined;
}

/** Deletes the lock only if it is still ours: if we overran and it was broken, the new holder keeps theirs. */
function releaseLock(lockFile: string, token: string): void {
  const current = readLock(lockFile);
  if (current?.owner?.token === token) unlinkIfThere(lockFile);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return !hasCode(error, 'ESRCH');
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return false;
    throw error;
  }
}

/* ---------------------------------------------------------------- names */

/**
 * Reversible file-name encoding. Only [a-z0-9_-] stay as they are; everything else, upper-case letters
 * included, becomes %XX of its UTF-8 bytes (upper-case hex). Escaping capitals keeps names that differ only
 * in case apart on case-insensitive file systems (macOS, Windows); escaping '.' rules out '.', '..' and
 * clashes with the `.json`, `.lock` and `.tmp` suffixes. The encoding is per character, so an encoded
 * prefix is a prefix of the encoded name.
 */
export function encodeSegment(text: string): string {
  let out = '';
  for (const char of text) {
    if (/^[a-z0-9_-]$/.test(char)) {
      out += char;
      continue;
    }
    if (char.length === 1 && char >= '\ud800' && char <= '\udfff') {
      throw new TypeError(`state key ${JSON.stringify(text)} is not valid Unicode (lone surrogate)`);
    }
    for (const byte of Buffer.from(char, 'utf8'))
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The name behind an encoded segment, or undefined for a file this store did not write (say `Notes.json`). */
export function decodeSegment(encoded: string): string | undefined {
  try {
    const decoded = decodeURIComponent(encoded);
    return encodeSegment(decoded) === encoded ? decoded : undefined;
  } catch {
    return undefined;
  }
}

/* ---------------------------------------------------------------- shared helpers */

function serialise(key: StateKey, value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`state ${key.tenantId}/${key.name}: value is not JSON`);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > STATE_VALUE_MAX_BYTES) throw new StateTooLargeError(key, bytes);
  return json;
}

function requireNonEmpty(text: string, what: string): string {
  if (text.length === 0) throw new TypeError(`state key needs a non-empty ${what}`);
  return text;
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

function ignoreCode(code: string): (error: unknown) => void {
  return (error) => {
    if (!hasCode(error, code)) throw error;
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
