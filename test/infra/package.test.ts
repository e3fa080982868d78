import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/externalTools.js';

/*
 * The deploy package (npm run package, azd's prepackage hook): exactly what the Functions host needs. Built
 * into a temporary folder by the real script, then inspected, and each bundled function loaded in a fresh
 * Node process the way the host loads it (an ESM import of the package.json main entries).
 */

let dir: string;
let out: string;
let report: { files: number; bytes: number; zipBytes: number };
/** The files the bundles were built from (esbuild's metafile, via --inputs). */
let inputs: string[];

function listFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((entry) => {
    const full = path.join(folder, entry);
    return statSync(full).isDirectory() ? listFiles(full) : [path.relative(out, full)];
  });
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'csm-package-'));
  out = path.join(dir, 'deploy');
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/package.ts',
      '--out',
      out,
      '--zip',
      path.join(dir, 'deploy.zip'),
      '--inputs',
      path.join(dir, 'inputs.txt'),
    ],
    { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 },
  );
  expect(result.status, result.stderr).toBe(0);
  const lines = result.stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^deploy package .+: \d+ files, [\d.]+ MiB$/);
  expect(lines[1]).toMatch(/^zip .+: [\d.]+ MiB$/);
  report = JSON.parse(lines.at(-1)!) as typeof report;
  inputs = readFileSync(path.join(dir, 'inputs.txt'), 'utf8').trim().split('\n');
}, 150_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('deploy package', () => {
  it('is small: well under 20 MB zipped, no node_modules', () => {
    expect(report.zipBytes).toBeLessThan(20 * 1024 * 1024);
    const files = listFiles(out);
    expect(files.length).toBe(report.files);
    expect(files.some((f) => f.includes('node_modules'))).toBe(false);
  });

  it('holds host.json, a package.json whose main finds every function, and the bundles only', () => {
    const files = listFiles(out);
    expect(files).toContain('host.json');
    const pkg = JSON.parse(readFileSync(path.join(out, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg).toMatchObject({ type: 'module', main: 'dist/functions/*.js' });
    expect(pkg.dependencies).toBeUndefined();
    const functions = readdirSync(path.join(repoRoot, 'functions')).map((f) => f.replace(/\.ts$/, '.js'));
    expect(
      files
        .filter((f) => f.startsWith('dist/functions/'))
        .map((f) => path.basename(f))
        .sort(),
    ).toEqual(functions.sort());
    for (const file of files)
      expect(file, 'unexpected file').toMatch(
        /^(host\.json|package\.json|dist\/(functions|chunks|workers)\/[\w.-]+\.(js|txt))$/,
      );
  });

  it('is built from no demo, CLI, command, preview, script or test module, nor a dev-only package', () => {
    expect(inputs).toContain('functions/collect.ts');
    expect(inputs).toContain('src/app/monitorRun.ts');
    const shipped = inputs.filter((input) =>
      /^(src\/demo\/|src\/cli\.ts$|src\/commands\/|src\/render\/cardPreview\.ts$|scripts\/|test\/)/.test(
        input,
      ),
    );
    expect(shipped).toEqual([]);
    const devOnly = [
      'selfsigned',
      'vitest',
      'playwright-core',
      'esbuild',
      'tsx',
      'azurite',
      'dependency-cruiser',
    ];
    const packages = new Set(
      inputs
        .filter((input) => input.startsWith('node_modules/'))
        .map((input) => /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1]),
    );
    expect(devOnly.filter((name) => packages.has(name))).toEqual([]);
  });

  it('carries no demo, CLI, command, preview or test code', () => {
    const text = listFiles(out)
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(path.join(out, f), 'utf8'))
      .join('\n');
    // Markers of code that must stay out: the demo tenant's server, the CLI's usage, the card preview, selfsigned.
    for (const marker of ['src/demo/', 'src/cli.ts', 'src/commands/', 'cardPreview', 'selfsigned', 'vitest'])
      expect(text.includes(marker), marker).toBe(false);
  });

  it('holds the provisioning page worker where the bundled collector looks for it, and it reads a page', () => {
    // collect/provisioningPageParsers looks for ../workers/ from the bundle's chunks and functions.
    const worker = path.join(out, 'dist/workers/provisioningPageWorker.js');
    expect(statSync(worker).isFile()).toBe(true);
    const page = JSON.stringify({
      value: [
        {
          id: 'evt-1',
          activityDateTime: '2026-11-22T09:00:00Z',
          jobId: 'AD2AADProvisioning.0123456789abcdef0123456789abcdef.4c0b5d5e-1111-2222-3333-444444444444',
          provisioningStatusInfo: { status: 'success' },
        },
      ],
    });
    const script = `
      import { Worker } from 'node:worker_threads';
      const context = { tenantId: 't', names: new Map(), cloudSyncServicePrincipalIds: new Set() };
      const w = new Worker(${JSON.stringify(worker)}, { execArgv: [] });
      w.on('message', (m) => { console.log(JSON.stringify({ ids: m.page.ids, row: Buffer.from(m.page.rows).toString() })); w.terminate(); });
      w.on('error', (e) => { console.error(e); process.exit(1); });
      w.postMessage({ id: 0, body: Buffer.from(${JSON.stringify(page)}), path: '/auditLogs/provisioning', context });`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(result.status, result.stderr).toBe(0);
    const reply = JSON.parse(result.stdout.trim()) as { ids: string[]; row: string };
    expect(reply.ids).toEqual(['evt-1']);
    expect(JSON.parse(reply.row)).toMatchObject({
      EventId: 'evt-1',
      AADTenantId: 't',
      ResultType: 'Success',
    });
  });

  it('every bundled function loads on its own and registers with @azure/functions', () => {
    for (const file of readdirSync(path.join(out, 'dist/functions'))) {
      const result = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(path.join(out, 'dist/functions', file))}); console.log(JSON.stringify(Object.keys(m)));`,
        ],
        // FLEET_MODE=on: the fleet's queue functions register only in fleet mode; the others always do.
        { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH ?? '', FLEET_MODE: 'on' } },
      );
      expect(result.status, `${file}: ${result.stderr}`).toBe(0);
      // Outside the host @azure/functions runs in test mode and says it skipped the registration.
      expect(result.stderr).toContain(`Skipping call to register function "${file.replace(/\.js$/, '')}"`);
      expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toContain(file.replace(/\.js$/, ''));
    }
  });
});
