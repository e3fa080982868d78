import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * Parses PowerShell scripts with PowerShell's own parser
 * ([System.Management.Automation.Language.Parser]::ParseInput) in one `pwsh -NoProfile` and returns the
 * parse errors of each script (empty: it parses). Nothing is run.
 */
const PARSE = `
$scripts = Get-Content -LiteralPath $env:PS_SCRIPTS -Raw | ConvertFrom-Json
$results = @(foreach ($script in $scripts) {
    $tokens = $null; $errors = $null
    [void][System.Management.Automation.Language.Parser]::ParseInput([string]$script, [ref]$tokens, [ref]$errors)
    ,@($errors | ForEach-Object { $_.Message })
})
ConvertTo-Json -InputObject $results -Depth 4 -Compress
`;

export async function powershellParseErrors(pwsh: string, scripts: readonly string[]): Promise<string[][]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ps-parse-'));
  try {
    const file = path.join(dir, 'scripts.json');
    await writeFile(file, JSON.stringify(scripts));
    const { stdout } = await exec(pwsh, ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', PARSE], {
      env: { ...process.env, PS_SCRIPTS: file },
      timeout: 120_000,
    });
    const parsed = JSON.parse(stdout.trim()) as unknown;
    const list = Array.isArray(parsed) ? parsed : [parsed];
    return list.map((errors) =>
      Array.isArray(errors) ? errors.map(String) : errors ? [String(errors)] : [],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
