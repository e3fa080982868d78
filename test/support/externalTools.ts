import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The external tools of the infra tests (Bicep CLI, PowerShell 7 with Pester, shellcheck): found on PATH or
 * in the repository's .tools/ folder (scripts/ci/install-tools.sh puts them there; .ci/run runs it).
 * With CI=true a missing tool fails the test that needs it; elsewhere that test is skipped with a message
 * saying how to get the tool.
 */

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const toolsDir = path.join(repoRoot, '.tools');

export type ToolName = 'bicep' | 'pwsh' | 'shellcheck';

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of the tool, or undefined. */
export function findTool(name: ToolName): string | undefined {
  const dirs = [
    path.join(toolsDir, 'bin'),
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean),
  ];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/** The folder holding Pester (for PSModulePath), when installed by scripts/ci/install-tools.sh. */
export const toolsModulesDir = path.join(toolsDir, 'modules');

export const requiredInCi = process.env.CI === 'true';

/**
 * `describe.skipIf(...)` argument plus the message: in CI a missing tool throws at collection time, so the
 * run fails instead of silently skipping what it must prove.
 */
export function toolOrSkip(name: ToolName): { path: string | undefined; skip: boolean } {
  const found = findTool(name);
  if (found) return { path: found, skip: false };
  const how = 'run scripts/ci/install-tools.sh (NuGet/dotnet/Debian) or put it on PATH';
  if (requiredInCi) throw new Error(`${name} is required when CI=true but was not found: ${how}`);
  console.warn(`SKIPPED: tests that need ${name}: not found (${how})`);
  return { path: undefined, skip: true };
}
