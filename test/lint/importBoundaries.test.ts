import { execFile } from 'node:child_process';
import { appendFile, cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const ROOT = path.resolve('.');
const DEPCRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/**
 * The import-boundary check of `npm run lint` (.dependency-cruiser.cjs), run on a scratch copy of the
 * sources: clean, it passes; with imports that cross the layering the wrong way, it fails and names
 * each broken rule. The real tree is never touched.
 */
async function cruise(dir: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await exec(
      process.execPath,
      [DEPCRUISE, 'src', 'functions', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
      { cwd: dir, timeout: 120_000 },
    );
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('import boundaries (npm run lint)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'csm-boundaries-'));
    for (const entry of ['src', 'functions', 'tsconfig.json', '.dependency-cruiser.cjs', 'package.json'])
      await cp(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
    await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('passes on the sources as they are', async () => {
    const result = await cruise(dir);
    expect(result.output).toContain('no dependency violations found');
    expect(result.code).toBe(0);
  });

  it('fails when an import crosses the layering the wrong way', async () => {
    const add = (file: string, line: string) => appendFile(path.join(dir, file), `\n${line}\n`);
    // The domain is pure: it may not reach into the rules.
    await add('src/domain/jobCondition.ts', "export type { RuleSettings } from '../rules/settings.js';");
    // The core may not import the CLI.
    await add('src/digest/jobsNow.ts', "export { EXIT_CODE } from '../commands/health.js';");
    // render -> digest while digest -> render: a cycle between folders.
    await add('src/render/format.ts', "export { hourLabel } from '../digest/rollupSchema.js';");
    // The core never imports the Functions runtime or the demo tenant.
    await add('src/alerts/rows.ts', "export { app } from '@azure/functions';");
    await add('src/rules/coverage.ts', "export { DEMO_TENANT_ID } from '../demo/demoDayTimeline.js';");
    // The core takes the settings slice it declares (src/*/settings.ts), never src/config.ts; nor do the use cases.
    await add('src/collect/discovery.ts', "export type { Settings } from '../config.js';");
    await add('src/app/underRunLease.ts', "export { loadSettings } from '../config.js';");

    const result = await cruise(dir);
    expect(result.code).not.toBe(0);
    for (const rule of [
      'domain-is-pure: src/domain/jobCondition.ts → src/rules/settings.ts',
      'core-not-up: src/digest/jobsNow.ts → src/commands/health.ts',
      'no-folder-cycles: src/render',
      'no-azure-functions-outside-functions: src/alerts/rows.ts',
      'no-demo-in-production: src/rules/coverage.ts → src/demo/demoDayTimeline.ts',
      'settings-only-at-the-edges: src/collect/discovery.ts → src/config.ts',
      'settings-only-at-the-edges: src/app/underRunLease.ts → src/config.ts',
    ]) {
      expect(result.output).toContain(rule);
    }
  });
});
