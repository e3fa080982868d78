import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Compiles the project (tsconfig.build.json, as `npm run build` does) for tests that run the built CLI or
 * scripts as a process, and returns the folder.
 *
 * Without `outDir`, the build is shared: one folder per content of the build's inputs
 * (`.test-artifacts/build-<hash>`), made once and reused by every test file and every later test run
 * until a source changes. A full compile costs ~20 CPU-seconds; four test files used to pay it each.
 * Test files running at once (vitest forks) take turns through a lock folder; the first builds, the
 * others wait and use its result. With `outDir`, compiles into that folder every time (as before).
 */
export function buildProject(outDir?: string): string {
  if (outDir !== undefined) {
    compile(outDir);
    return outDir;
  }
  const artifacts = path.resolve('.test-artifacts');
  const shared = path.join(artifacts, `build-${inputHash()}`);
  if (existsSync(shared)) return shared;
  mkdirSync(artifacts, { recursive: true });
  const lock = `${shared}.lock`;
  for (;;) {
    try {
      mkdirSync(lock);
      break; // ours: build
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // Another test file is building it: wait, unless its builder died long ago (a stale lock).
    if (existsSync(shared)) return shared;
    if (Date.now() - lockAge(lock) > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
    else sleep(250);
  }
  try {
    if (existsSync(shared)) return shared;
    const scratch = `${shared}.tmp-${process.pid}`;
    rmSync(scratch, { recursive: true, force: true });
    compile(scratch);
    renameSync(scratch, shared); // complete or absent: a reader never sees half a build
    for (const old of readdirSync(artifacts)) {
      if (/^build-[0-9a-f]+$/.test(old) && path.join(artifacts, old) !== shared) {
        rmSync(path.join(artifacts, old), { recursive: true, force: true });
      }
    }
    return shared;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A compile takes well under this even on a loaded machine; a lock older than it was left by a dead builder. */
const STALE_LOCK_MS = 10 * 60_000;

function compile(outDir: string): void {
  execFileSync(process.execPath, [
    path.resolve('node_modules/typescript/bin/tsc'),
    '-p',
    'tsconfig.build.json',
    '--outDir',
    outDir,
  ]);
}

/** Everything the emitted JavaScript depends on: the compiler options and every file of the included folders. */
function inputHash(): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(createRequire(import.meta.url).resolve('typescript/package.json')));
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) {
    hash.update(`\0${file}\0`).update(readFileSync(path.resolve(file)));
  }
  const included = (
    JSON.parse(readFileSync(path.resolve('tsconfig.build.json'), 'utf8')) as { include: string[] }
  ).include;
  for (const dir of included) {
    for (const file of filesUnder(path.resolve(dir))) {
      hash.update(`\0${path.relative(process.cwd(), file)}\0`).update(readFileSync(file));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return filesUnder(full);
      return entry.isFile() ? [full] : [];
    });
}

function lockAge(lock: string): number {
  try {
    return statSync(lock).mtimeMs;
  } catch {
    return Date.now();
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
