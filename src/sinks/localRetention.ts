import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Local retention (LOCAL_RETENTION_DAYS, default 14): NDJSON tables are rotated per day and dated files
 * and outbox files older than the setting are deleted. `tables/<Table>.ndjson` stays the active file
 * (design section 7: readers and tests find every current record there); earlier days move out to
 * `tables/<Table>/<yyyy-mm-dd>.ndjson`.
 *
 * Days are UTC days of the real clock and of file times, never a run's `--now`: a replay (the demo, a
 * backfill) writes a simulated day in seconds, and must not rotate its own output away.
 */
export const DEFAULT_RETENTION_DAYS = 14;
const DAY_MS = 86_400_000;

const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const DATED = /^(\d{4}-\d{2}-\d{2})(?:\.\d+)?\.ndjson$/;

/** Where the rotated files of a table live. */
export const datedDirOf = (activeFile: string): string => activeFile.replace(/\.ndjson$/, '');

/**
 * Moves the active file to its dated name when its last write was on an earlier day than `now`, then
 * deletes dated files past retention. Returns the dated file it made, if any. A file that is moved
 * keeps its inode, which is how an NDJSON position still finds it after a crash (see NdjsonSink).
 */
export async function rotateIfDue(
  activeFile: string,
  now: number,
  retentionDays: number,
): Promise<string | undefined> {
  let rotated: string | undefined;
  const info = await stat(activeFile).catch(ignoreMissing);
  if (info && info.size > 0 && dayOf(info.mtimeMs) < dayOf(now)) {
    const dir = datedDirOf(activeFile);
    await mkdir(dir, { recursive: true });
    const day = dayOf(info.mtimeMs);
    const taken = new Set(await readdir(dir));
    let name = `${day}.ndjson`;
    // Only a clock set back makes a second file for one day; it is kept, not merged.
    for (let n = 1; taken.has(name); n++) name = `${day}.${n}.ndjson`;
    rotated = path.join(dir, name);
    await rename(activeFile, rotated);
  }
  await pruneDated(datedDirOf(activeFile), now, retentionDays);
  return rotated;
}

/** Deletes dated files of days before the retention window (`retentionDays` days before `now`'s day). */
export async function pruneDated(dir: string, now: number, retentionDays: number): Promise<void> {
  const oldest = dayOf(now - retentionDays * DAY_MS);
  for (const name of (await readdir(dir).catch(ignoreMissing)) ?? []) {
    const day = DATED.exec(name)?.[1];
    if (day !== undefined && day < oldest) await unlink(path.join(dir, name)).catch(ignoreMissing);
  }
}

/** Dated files of a table, newest first. */
export async function datedFiles(activeFile: string): Promise<string[]> {
  const dir = datedDirOf(activeFile);
  const names = (await readdir(dir).catch(ignoreMissing)) ?? [];
  return names
    .filter((name) => DATED.test(name))
    .sort()
    .reverse()
    .map((name) => path.join(dir, name));
}

/** Deletes outbox files last written before the retention window; names are not parsed (see above). */
export async function pruneOutbox(dir: string, now: number, retentionDays: number): Promise<number> {
  const before = now - retentionDays * DAY_MS;
  let deleted = 0;
  for (const name of (await readdir(dir).catch(ignoreMissing)) ?? []) {
    if (!name.endsWith('.json')) continue;
    const file = path.join(dir, name);
    const info = await stat(file).catch(ignoreMissing);
    if (info && info.mtimeMs < before) {
      await unlink(file).catch(ignoreMissing);
      deleted += 1;
    }
  }
  return deleted;
}

function ignoreMissing(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw error;
}
