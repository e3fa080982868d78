import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot, toolsModulesDir } from './externalTools.js';

/**
 * Runs Pester containers (test/powershell/*.Tests.ps1 files) in one fresh `pwsh -NoProfile`, each with its
 * `data` as the container's parameters, and returns every test's outcome from the run's result file (JSON
 * written from Invoke-Pester's PassThru object; the NUnit XML is written next to it for people).
 * Asynchronous on purpose: a stand-in server in this process must keep answering while pwsh runs. One
 * process for several containers pays pwsh's start, Pester's import and its warm-up once.
 */

export interface PesterTest {
  /** The container (the .Tests.ps1 file, absolute) the test belongs to. */
  readonly container: string;
  readonly name: string;
  readonly result: string;
  readonly error: string;
}

export interface PesterContainer {
  /** Relative to the repository root. */
  readonly path: string;
  readonly data: Record<string, unknown>;
}

export interface PesterRun {
  readonly exitCode: number | null;
  readonly tests: readonly PesterTest[];
  /** Failures outside any test (BeforeAll, discovery), with their messages. */
  readonly containerErrors: readonly string[];
  readonly output: string;
}

const RUNNER = `
$ErrorActionPreference = 'Stop'
Import-Module Pester -MinimumVersion 5.5
$containers = @($env:PESTER_CONTAINERS | ConvertFrom-Json -AsHashtable | ForEach-Object {
    New-PesterContainer -Path $_.path -Data $_.data
})
$config = New-PesterConfiguration
$config.Run.Container = $containers
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.Output.RenderMode = 'Plaintext'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = Join-Path $env:PESTER_RESULT_DIR 'results.xml'
$run = Invoke-Pester -Configuration $config
$tests = @($run.Tests | ForEach-Object {
    [ordered]@{ container = [string]$_.Block.BlockContainer.Item; name = $_.ExpandedPath; result = [string]$_.Result; error = (@($_.ErrorRecord | ForEach-Object { [string]$_ }) -join [Environment]::NewLine) }
})
$containerErrors = @($run.Containers | ForEach-Object {
    $item = [string]$_.Item
    $_.ErrorRecord | ForEach-Object { [ordered]@{ container = $item; error = [string]$_ } }
})
$summary = [ordered]@{ tests = $tests; containerErrors = $containerErrors }
[IO.File]::WriteAllText((Join-Path $env:PESTER_RESULT_DIR 'results.json'), ($summary | ConvertTo-Json -Depth 5))
`;

/** One container in its own pwsh (see runPesterContainers). */
export async function runPester(
  pwsh: string,
  container: string,
  data: Record<string, unknown>,
  env: Record<string, string> = {},
  timeoutMs = 240_000,
): Promise<PesterRun> {
  return runPesterContainers(pwsh, [{ path: container, data }], env, timeoutMs);
}

export async function runPesterContainers(
  pwsh: string,
  containers: readonly PesterContainer[],
  env: Record<string, string> = {},
  timeoutMs = 240_000 * containers.length,
): Promise<PesterRun> {
  const resultDir = await mkdtemp(path.join(tmpdir(), 'csm-pester-'));
  try {
    const child = spawn(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', RUNNER], {
      cwd: repoRoot,
      env: {
        ...process.env,
        PSModulePath: [toolsModulesDir, process.env.PSModulePath].filter(Boolean).join(path.delimiter),
        PESTER_CONTAINERS: JSON.stringify(
          containers.map((c) => ({ path: path.resolve(repoRoot, c.path), data: c.data })),
        ),
        PESTER_RESULT_DIR: resultDir,
        NO_COLOR: '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs, // a hung script is killed, never left running after the test
      killSignal: 'SIGKILL',
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    let summary: { tests: PesterTest[]; containerErrors: { container: string; error: string }[] };
    try {
      summary = JSON.parse(await readFile(path.join(resultDir, 'results.json'), 'utf8')) as typeof summary;
    } catch {
      throw new Error(`Pester wrote no result file (exit ${exitCode}):\n${output}`);
    }
    return {
      exitCode,
      tests: summary.tests,
      containerErrors: summary.containerErrors.map((e) => `${path.basename(e.container)}: ${e.error}`),
      output,
    };
  } finally {
    await rm(resultDir, { recursive: true, force: true });
  }
}

/** A readable account of what did not pass, for the assertion message. */
export function pesterFailures(run: PesterRun): string[] {
  return [
    ...run.containerErrors.map((e) => `container: ${e}`),
    ...run.tests.filter((t) => t.result !== 'Passed').map((t) => `${t.result}: ${t.name}\n${t.error}`),
  ];
}

/** The part of a run that one container (path relative to the repository root) did. */
export function pesterContainer(run: PesterRun, container: string): PesterRun {
  const file = path.resolve(repoRoot, container);
  return {
    ...run,
    tests: run.tests.filter((t) => path.resolve(t.container) === file),
    containerErrors: run.containerErrors.filter((e) => e.startsWith(`${path.basename(file)}: `)),
  };
}
