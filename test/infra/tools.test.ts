import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, toolOrSkip } from '../support/externalTools.js';

/*
 * The real Bicep CLI builds and lints infra/ with no error and no warning (a warning kept is disabled on its
 * line with the reason), and shellcheck passes every .sh hook. Required when CI=true (.ci/run installs both).
 */

const bicep = toolOrSkip('bicep');
const shellcheck = toolOrSkip('shellcheck');

const bicepFiles = [
  'infra/main.bicep',
  ...['app', 'core'].flatMap((d) =>
    readdirSync(path.join(repoRoot, 'infra', d))
      .filter((f) => f.endsWith('.bicep'))
      .map((f) => `infra/${d}/${f}`),
  ),
];

describe.skipIf(bicep.skip)('bicep', () => {
  it('builds main.bicep without errors or warnings', () => {
    const result = spawnSync(bicep.path!, ['build', 'infra/main.bicep', '--stdout'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.stderr.trim(), 'bicep build diagnostics').toBe('');
    expect(result.status).toBe(0);
    const template = JSON.parse(result.stdout) as { resources: unknown };
    expect(template.resources).toBeDefined();
  });

  /** One `bicep lint` over all of infra/ (a .NET start per file cost ~1.5 CPU-s each), read per file below. */
  let lint: { status: number | null; output: string } | undefined;
  const lintAll = () => {
    if (!lint) {
      const result = spawnSync(
        bicep.path!,
        ['lint', '--pattern', 'infra/**/*.bicep', '--diagnostics-format', 'default'],
        { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 },
      );
      lint = { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
    }
    return lint;
  };

  it('lints all of infra/ clean in one run', () => {
    const { status, output } = lintAll();
    expect(output, 'bicep lint --pattern infra/**/*.bicep').toBe('');
    expect(status).toBe(0);
  });

  it.each(bicepFiles)('lints %s clean', (file) => {
    // Diagnostics name their file by absolute path: "<path>(line,col) : Warning rule: ...".
    const prefix = `${path.join(repoRoot, file)}(`;
    const own = lintAll()
      .output.split('\n')
      .filter((line) => line.startsWith(prefix));
    expect(own, `bicep lint ${file}`).toEqual([]);
  });
});

describe.skipIf(shellcheck.skip)('shellcheck', () => {
  const scripts = [
    '.ci/run',
    'scripts/ci/install-tools.sh',
    ...readdirSync(path.join(repoRoot, 'infra/scripts'))
      .filter((f) => f.endsWith('.sh'))
      .map((f) => `infra/scripts/${f}`),
  ];
  it.each(scripts)('%s', (script) => {
    const result = spawnSync(shellcheck.path!, ['--severity=style', script], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(result.stdout, script).toBe('');
    expect(result.status).toBe(0);
  });
});
