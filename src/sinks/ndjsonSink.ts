import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { tableByName, type TableName, type TableRecords } from '../tables/definitions.js';
import { toRow } from '../tables/schema.js';
import { SinkError, type RecordSink, type SinkPosition } from './sink.js';

/**
 * The local sink: `<dataDir>/tables/<TableName>.ndjson`, one JSON object per line holding exactly the
 * table's columns in table order (the same rows Log Analytics would receive), so local files can be read
 * with jq or loaded into Kusto with the table's schema.
 */
export class NdjsonSink implements RecordSink {
  private readonly tablesDir: string;
  /** Per file, the tail of the writes in flight: writes to one file are serialised (see append). */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(dataDir: string) {
    this.tablesDir = path.resolve(dataDir, 'tables');
  }

  /** Where a table's rows go; exposed so the CLI and tests need not rebuild the path. */
  filePath(table: TableName): string {
    return path.join(this.tablesDir, `${table}.ndjson`);
  }

  /** The file's length: everything before it was flushed by an earlier write. */
  async position(table: TableName): Promise<SinkPosition> {
    try {
      return (await stat(this.filePath(table))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
  }

  async heldSince(
    table: TableName,
    position: SinkPosition,
    eventIds: ReadonlySet<string>,
  ): Promise<Set<string>> {
    const from = typeof position === 'number' ? position : Number(position);
    if (!Number.isSafeInteger(from) || from < 0) throw new RangeError(`not an NDJSON position: ${position}`);
    const held = new Set<string>();
    let handle: FileHandle;
    try {
      handle = await open(this.filePath(table), 'r+');
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
        const id = eventIdOf(line);
        if (id !== undefined && eventIds.has(id)) held.add(id);
      }
      return held;
    } finally {
      await handle.close();
    }
  }

  async write<N extends TableName>(table: N, rows: readonly TableRecords[N][]): Promise<void> {
    if (rows.length === 0) return;
    let text: string;
    try {
      const definition = tableByName(table);
      text = rows.map((record) => JSON.stringify(toRow(definition, record))).join('\n') + '\n';
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
    const file = this.filePath(table);
    const previous = this.queues.get(file) ?? Promise.resolve();
    const current = previous.then(() => this.append(file, text));
    // The chain must survive a failed write, or every later write to this file would fail too.
    const tail = current.catch(() => undefined);
    this.queues.set(file, tail);
    try {
      await current;
    } catch (error) {
      throw new SinkError(
        `cannot append ${rows.length} rows to ${file}: ${describe(error)}`,
        table,
        rows.length,
        {
          cause: error,
        },
      );
    } finally {
      if (this.queues.get(file) === tail) this.queues.delete(file);
    }
  }

  /**
   * One write call for the whole batch. If it fails half way (disk full), the file is cut back to its
   * previous length so the batch is all-or-nothing and a retry does not leave duplicates or a torn line.
   * Writes are serialised per file because that rollback must not cut off another batch's rows.
   */
  private async append(file: string, text: string): Promise<void> {
    await mkdir(path.dirname(file), { recursive: true });
    const handle = await open(file, 'a+');
    try {
      const { size } = await handle.stat();
      // A previous process may have died mid-line; start on a fresh line so our first row stays parseable.
      const prefix = size > 0 && !(await endsWithNewline(handle, size)) ? '\n' : '';
      try {
        await handle.appendFile(prefix + text, 'utf8');
        // Flushed before write() resolves: the caller advances its watermark past these rows next.
        await handle.datasync();
      } catch (error) {
        await handle.truncate(size).catch(() => undefined);
        throw error;
      }
    } finally {
      await handle.close();
    }
  }
}

async function endsWithNewline(handle: FileHandle, size: number): Promise<boolean> {
  const last = Buffer.alloc(1);
  await handle.read(last, 0, 1, size - 1);
  return last[0] === 0x0a;
}

function eventIdOf(line: string): string | undefined {
  try {
    const row = JSON.parse(line) as { EventId?: unknown };
    return typeof row.EventId === 'string' ? row.EventId : undefined;
  } catch {
    return undefined; // a line torn by an older crash, mid-file: it holds no whole row
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
