import { fstatSync, readSync, statSync, writeSync } from 'node:fs';
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { tableByName, type TableName, type TableRecords } from '../tables/definitions.js';
import { rowJson } from '../tables/schema.js';
import { datedFiles, DEFAULT_RETENTION_DAYS, rotateIfDue } from './localRetention.js';
import { rowIdentity } from '../tables/rowIdentity.js';
import type { SerialisedRows } from '../tables/serialisedRows.js';
import { SinkError, type RecordSink, type SinkPosition } from './sink.js';

/**
 * The local sink: `<dataDir>/tables/<TableName>.ndjson`, one JSON object per line holding exactly the
 * table's columns in table order (the same rows Log Analytics would receive), so local files can be read
 * with jq or loaded into Kusto with the table's schema. Earlier days are rotated out to
 * `tables/<TableName>/<yyyy-mm-dd>.ndjson` and kept LOCAL_RETENTION_DAYS (see localRetention).
 *
 * Each table's file is opened once and kept open while writes come (a collect run writes a page every
 * few milliseconds; opening the file per write cost a third of the sink's time). It is closed after
 * `idleCloseMs` without a write, or by close().
 */
export interface NdjsonSinkOptions {
  /** Days of dated files kept (LOCAL_RETENTION_DAYS). */
  readonly retentionDays?: number;
  /** The real clock (ms) that decides rotation; tests set it. */
  readonly now?: () => number;
  readonly idleCloseMs?: number;
}

interface OpenFile {
  readonly handle: FileHandle;
  /** Identifies the file across a rotation (a rename keeps it): positions carry it. */
  readonly ino: string;
  /** The length after our last write, when we know the file ends with a newline there. */
  cleanEnd: number;
}

export class NdjsonSink implements RecordSink {
  private readonly tablesDir: string;
  private readonly retentionDays: number;
  private readonly now: () => number;
  private readonly idleCloseMs: number;
  /** Per table, the tail of the operations in flight: one file's operations are serialised (see append). */
  private readonly queues = new Map<TableName, Promise<unknown>>();
  private readonly files = new Map<TableName, OpenFile>();
  /**
   * Tables with a position() handed out and no write since: they are not rotated (rotation is only
   * considered when a file is opened), so a position and the write it precedes address the same file.
   */
  private readonly positionTaken = new Set<TableName>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(dataDir: string, options: NdjsonSinkOptions = {}) {
    this.tablesDir = path.resolve(dataDir, 'tables');
    this.retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
    this.now = options.now ?? Date.now;
    this.idleCloseMs = options.idleCloseMs ?? 2_000;
  }

  /** Where a table's rows go; exposed so the CLI and tests need not rebuild the path. */
  filePath(table: TableName): string {
    return path.join(this.tablesDir, `${table}.ndjson`);
  }

  /**
   * Where the table's durable data ends now, as `<inode>:<length>`: everything before it was flushed
   * by an earlier write. The inode lets heldSince find the file again after it was rotated.
   */
  position(table: TableName): Promise<SinkPosition> {
    return this.enqueue(table, async () => {
      this.positionTaken.add(table);
      let info = statSync(this.filePath(table), { bigint: true, throwIfNoEntry: false });
      // A file that does not exist yet is made now, so the position can name it.
      if (info === undefined)
        info = await this.openFile(table).then(
          (file) => file.handle.stat({ bigint: true }),
          () => undefined,
        );
      // Nothing usable at the path: the write that follows fails and says why; the position only has to parse.
      if (info === undefined || !info.isFile()) return 0;
      return `${info.ino}:${info.size}`;
    });
  }

  /**
   * Which of `eventIds` were written after `position`: in the active file, or in the dated file it was
   * rotated to (a plain number, from before rotation existed, means the active file).
   */
  heldSince(table: TableName, position: SinkPosition, eventIds: ReadonlySet<string>): Promise<Set<string>> {
    const { ino, from } = parsePosition(position);
    return this.enqueue(table, async () => {
      // Our own handle may describe a file this is about to cut: reopen it on the next write.
      await this.closeFile(table);
      const file = await this.fileHolding(table, ino);
      return file === undefined ? new Set<string>() : heldIn(file, from, eventIds, table);
    });
  }

  async write<N extends TableName>(table: N, rows: readonly TableRecords[N][]): Promise<void> {
    if (rows.length === 0) return;
    let text = '';
    try {
      const definition = tableByName(table);
      for (const record of rows) text += `${rowJson(definition, record)}\n`;
    } catch (error) {
      // e.g. a BigInt or a cycle in a dynamic column: nothing is written.
      throw new SinkError(
        `cannot serialise ${rows.length} rows for ${table}: ${describe(error)}`,
        table,
        rows.length,
        {
          cause: error,
        },
      );
    }
    return this.appendRows(table, rows.length, Buffer.from(text, 'utf8'));
  }

  writeJson(table: TableName, rows: SerialisedRows): Promise<void> {
    return rows.count === 0 ? Promise.resolve() : this.appendRows(table, rows.count, rows.lines());
  }

  private async appendRows(table: TableName, count: number, lines: Buffer): Promise<void> {
    try {
      await this.enqueue(table, () => this.append(table, lines));
      this.positionTaken.delete(table);
    } catch (error) {
      throw new SinkError(
        `cannot append ${count} rows to ${this.filePath(table)}: ${describe(error)}`,
        table,
        count,
        { cause: error },
      );
    }
  }

  /** Closes every open file once the writes queued before are done; a later write opens it again. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    await Promise.all(
      [...this.files.keys()].map((table) => this.enqueue(table, () => this.closeFile(table))),
    );
  }

  /**
   * One write call for the whole batch, then a datasync: the caller advances its checkpoint past these
   * rows next, so they must be on disk first (one fsync per batch is the price of that guarantee). If
   * the write fails half way (disk full), the file is cut back to its previous length so the batch is
   * all-or-nothing and a retry leaves no duplicates or torn line; operations on a file are serialised
   * because that rollback must not cut off another batch's rows.
   */
  private async append(table: TableName, lines: Buffer): Promise<void> {
    const file = await this.openFile(table);
    const { handle } = file;
    // Someone else (another process, a crashed one) may have written since: check the end again.
    // Only the datasync waits on the event loop: the other steps are quick local calls, and each one
    // made a promise waited for the event loop, busy parsing the next pages (see FileStateStore).
    const { size } = fstatSync(handle.fd);
    const clean = size === 0 || size === file.cleanEnd || endsWithNewline(handle.fd, size);
    const data = clean ? lines : Buffer.concat([NEWLINE, lines]);
    file.cleanEnd = -1;
    try {
      writeAll(handle.fd, data);
      await handle.datasync();
    } catch (error) {
      await handle.truncate(size).catch(() => undefined);
      throw error;
    }
    file.cleanEnd = size + data.length;
  }

  private async openFile(table: TableName): Promise<OpenFile> {
    this.keepOpen();
    const active = this.filePath(table);
    const cached = this.files.get(table);
    if (cached) {
      const current = statSync(active, { bigint: true, throwIfNoEntry: false });
      if (current !== undefined && String(current.ino) === cached.ino) return cached;
      // Moved or deleted under us (by hand, by another process): go on in whatever is at the path now.
      await this.closeFile(table);
    }
    await mkdir(this.tablesDir, { recursive: true });
    if (!this.positionTaken.has(table)) {
      // Housekeeping must never cost a write: a failed rotation leaves the file growing, tried next time.
      await rotateIfDue(active, this.now(), this.retentionDays).catch(() => undefined);
    }
    const handle = await open(active, 'a+');
    try {
      const { ino } = await handle.stat({ bigint: true });
      const file: OpenFile = { handle, ino: String(ino), cleanEnd: -1 };
      this.files.set(table, file);
      return file;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  private async closeFile(table: TableName): Promise<void> {
    const file = this.files.get(table);
    if (!file) return;
    this.files.delete(table);
    await file.handle.close();
  }

  /** The active file, or the dated one with inode `ino`; undefined when it no longer exists. */
  private async fileHolding(table: TableName, ino: string | undefined): Promise<string | undefined> {
    const active = this.filePath(table);
    const candidates = [active, ...(ino === undefined ? [] : await datedFiles(active))];
    for (const candidate of candidates) {
      const info = await stat(candidate, { bigint: true }).catch(() => undefined);
      if (info && (ino === undefined || String(info.ino) === ino)) return candidate;
    }
    return undefined;
  }

  /** Runs `operation` after the table's earlier operations, whatever their outcome. */
  private enqueue<T>(table: TableName, operation: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(table) ?? Promise.resolve();
    const current = previous.then(operation);
    // The chain must survive a failed operation, or every later write to this file would fail too.
    const tail = current.catch(() => undefined);
    this.queues.set(table, tail);
    void tail.then(() => {
      if (this.queues.get(table) === tail) this.queues.delete(table);
    });
    return current;
  }

  /** Files stay open while writes keep coming; the timer closes them after a pause (and never keeps a process alive). */
  private keepOpen(): void {
    if (this.idleTimer) {
      this.idleTimer.refresh();
      return;
    }
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      void this.close().catch(() => undefined);
    }, this.idleCloseMs);
    this.idleTimer.unref();
  }
}

const NEWLINE = Buffer.from('\n');

function parsePosition(position: SinkPosition): { ino: string | undefined; from: number } {
  const text = String(position);
  const match = /^(?:(\d+):)?(\d+)$/.exec(text);
  const from = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(from)) throw new RangeError(`not an NDJSON position: ${text}`);
  return { ino: match[1], from };
}

/** The ids of `eventIds` in `file` after byte `from`, cutting off a torn last row first. */
async function heldIn(
  file: string,
  from: number,
  eventIds: ReadonlySet<string>,
  table: TableName,
): Promise<Set<string>> {
  const held = new Set<string>();
  let handle: FileHandle;
  try {
    handle = await open(file, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return held;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size <= from) return held;
    const tail = Buffer.alloc(size - from);
    await handle.read(tail, 0, tail.length, from);
    // A row without its newline was cut off by a crash: remove it so the file holds whole rows only.
    const end = tail.lastIndexOf(0x0a) + 1;
    if (end < tail.length) {
      await handle.truncate(from + end);
      await handle.datasync();
    }
    for (const line of tail.subarray(0, end).toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      const id = identityOf(table, line);
      if (id !== undefined && eventIds.has(id)) held.add(id);
    }
    return held;
  } finally {
    await handle.close();
  }
}

function endsWithNewline(fd: number, size: number): boolean {
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  return last[0] === 0x0a;
}

/** The file is opened for appending: every write goes to its end. */
function writeAll(fd: number, data: Buffer): void {
  for (let offset = 0; offset < data.length;) offset += writeSync(fd, data, offset);
}

function identityOf(table: TableName, line: string): string | undefined {
  try {
    return rowIdentity(table, JSON.parse(line) as Record<string, unknown>);
  } catch {
    return undefined; // a line torn by an older crash, mid-file: it holds no whole row
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
