/**
 * Builds the deploy package of the Functions app: exactly what the Functions host needs and nothing else.
 *
 *   npx tsx scripts/package.ts [--out DIR] [--zip FILE] [--inputs FILE]   (npm run package; azd's prepackage hook)
 *
 * - esbuild bundles each function entry point (functions/*.ts) with the code and the npm packages it
 *   imports into ESM files with shared chunks, so there is one copy of each module (one @azure/functions
 *   programming model) and no node_modules folder. Only `@azure/functions-core`, which the Functions
 *   worker provides at run time, stays external. The demo tenant, the CLI, its commands and the card
 *   preview are never imported by a function, so they cannot end up in the package.
 * - The folder is rebuilt from scratch every time: a deleted function never stays registered.
 * - It holds host.json, a minimal package.json (type module, main = the bundled entry points) and the
 *   bundles; the zip (for tests and by hand) is what azd uploads from the same folder.
 * Prints the size and file count; its last line is one JSON object {"files","bytes","zipBytes"}.
 * `--inputs FILE` writes the list of source files and packages the bundles were built from (one path a
 * line, from esbuild's metafile), outside the package: what checks that no demo, CLI, preview or test
 * code ships read it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function arg(name: string, fallback: string): string;
function arg(name: string): string | undefined;
function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]!) : fallback;
}

const outDir = arg('--out', path.join(root, '.deploy'));
const zipFile = arg('--zip', path.join(root, '.deploy.zip'));
const inputsFile = arg('--inputs');

/** Builds the package into `out`; returns the files it was built from, relative to the project root. */
export async function buildPackage(out: string): Promise<string[]> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const functions = readdirSync(path.join(root, 'functions'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ in: path.join(root, 'functions', f), out: `functions/${f.replace(/\.ts$/, '')}` }));
  const result = await build({
    entryPoints: [
      ...functions,
      // The provisioning page worker, which collect/provisioningPageParsers looks for in dist/workers
      // (not dist/functions: the Functions host loads every file there as a function entry point).
      { in: path.join(root, 'src/collect/provisioningPageWorker.ts'), out: 'workers/provisioningPageWorker' },
    ],
    metafile: true,
    outdir: path.join(out, 'dist'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'chunks/[name]-[hash]',
    external: ['@azure/functions-core'],
    // CommonJS packages inside an ESM bundle call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __csmCreateRequire } from 'node:module'; const require = __csmCreateRequire(import.meta.url);",
    },
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    engines?: unknown;
  };
  writeFileSync(
    path.join(out, 'package.json'),
    `${JSON.stringify({ name: pkg.name, version: pkg.version, private: true, type: 'module', main: 'dist/functions/*.js', engines: pkg.engines }, null, 2)}\n`,
  );
  cpSync(path.join(root, 'host.json'), path.join(out, 'host.json'));
  return Object.keys(result.metafile.inputs)
    .map((input) => path.relative(root, path.resolve(root, input)).split(path.sep).join('/'))
    .sort();
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}

async function main(): Promise<void> {
  const inputs = await buildPackage(outDir);
  if (inputsFile) writeFileSync(inputsFile, `${inputs.join('\n')}\n`);
  const files = listFiles(outDir);
  const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
  rmSync(zipFile, { force: true });
  execFileSync('zip', ['-q', '-r', '-X', zipFile, '.'], { cwd: outDir });
  const zipBytes = statSync(zipFile).size;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(2);
  console.log(
    `deploy package ${path.relative(root, outDir) || outDir}: ${files.length} files, ${mb(bytes)} MiB`,
  );
  console.log(`zip ${path.relative(root, zipFile) || zipFile}: ${mb(zipBytes)} MiB`);
  console.log(JSON.stringify({ files: files.length, bytes, zipBytes }));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
