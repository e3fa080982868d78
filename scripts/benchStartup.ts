/**
 * `npm run bench:startup`: the module-load time of each function file, as built by `npm run build`
 * (unbundled, dist/functions) and as deployed (bundled by scripts/package.ts), and of the modules a CLI
 * `run` loads (dist/src/cli.js up to the start of the run). Each figure is the median of 7 fresh
 * processes, timed inside the process from before the import to after it (Node's own start is not
 * counted: the Functions host starts its worker once). A function file over 150 ms is flagged.
 * The last line is one JSON object {"functions":{name:{unbundled,bundled}},"cliRun":ms,"limitMs":150}.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildPackage } from './package.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LIMIT_MS = 150;
const RUNS = 7;

/** Milliseconds to import `target` (a file URL) in a fresh Node process. */
function loadMs(target: string, cwd: string): number {
  const program = `const t = performance.now(); await import(${JSON.stringify(target)}); process.stdout.write(String(performance.now() - t));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', program], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return Number(out);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const out = mkdtempSync(path.join(tmpdir(), 'csm-startup-'));
  try {
    await buildPackage(out);
    const names = readdirSync(path.join(root, 'functions'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3));
    // Round-robin over every target, so a burst of load on the shared machine hits all of them alike.
    const targets: { key: string; url: string; cwd: string }[] = [];
    for (const name of names) {
      targets.push({
        key: `${name}/unbundled`,
        url: pathToFileURL(path.join(root, 'dist/functions', `${name}.js`)).href,
        cwd: root,
      });
      targets.push({
        key: `${name}/bundled`,
        url: pathToFileURL(path.join(out, 'dist/functions', `${name}.js`)).href,
        cwd: out,
      });
    }
    // The CLI starts its command only as the entry point, so importing it loads the modules of the CLI;
    // `run` then loads its own the moment it starts: both are timed (scripts/bench/cliRunModules).
    targets.push({
      key: 'cli',
      url: pathToFileURL(path.join(root, 'dist/scripts/bench/cliRunModules.js')).href,
      cwd: root,
    });
    const samples = new Map<string, number[]>(targets.map((t) => [t.key, []]));
    for (let run = 0; run < RUNS; run++)
      for (const t of targets) samples.get(t.key)!.push(loadMs(t.url, t.cwd));
    const ms = (key: string) => Math.round(median(samples.get(key)!));
    const functions: Record<string, { unbundled: number; bundled: number }> = {};
    const flag = (value: number) => (value < LIMIT_MS ? '' : ` (over ${LIMIT_MS} ms)`);
    for (const name of names) {
      const unbundled = ms(`${name}/unbundled`);
      const bundled = ms(`${name}/bundled`);
      functions[name] = { unbundled, bundled };
      console.log(
        `${name.padEnd(18)} unbundled ${String(unbundled).padStart(5)} ms${flag(unbundled)}   bundled ${String(bundled).padStart(5)} ms${flag(bundled)}`,
      );
    }
    const cliRun = ms('cli');
    console.log(`cli run            ${String(cliRun).padStart(5)} ms (the CLI and the modules of a run)`);
    console.log(`medians of ${RUNS} processes; 1-minute load ${loadavg()[0]!.toFixed(1)}`);
    console.log(JSON.stringify({ functions, cliRun, limitMs: LIMIT_MS }));
    const over = Object.entries(functions).filter(([, t]) => t.bundled >= LIMIT_MS);
    if (over.length > 0) process.exitCode = 1;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
