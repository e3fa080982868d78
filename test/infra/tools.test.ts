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

  it.each(bicepFiles)('lints %s clean', (file) => {
    const result = spawnSync(bicep.path!, ['lint', file, '--diagnostics-format', 'default'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(`${result.stdout}${result.stderr}`.trim(), `bicep lint ${file}`).toBe('');
    expect(result.status).toBe(0);
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
