import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const CLI = path.resolve('src/cli.ts');

/**
 * Settings and credentials that must not leak from the developer's or CI's environment into a CLI
 * under test: a test of "no credentials" has to mean none.
 */
const CONFIGURATION =
  /^(AZURE_|GRAPH_|TENANT_ID$|DATA_DIR$|MSI_|IDENTITY_|IMDS_|TEAMS_|ALERT_|ACK_|STATE_TABLE_|LOGS_INGESTION_|COLLECT_|DIGEST_)/;

/**
 * The environment of a CLI process: the test runner's minus all monitor settings, plus `env`. PATH holds
 * only Node's directory, so Azure Identity finds no Azure CLI, azd or PowerShell login to fall back on.
 */
export function cleanEnv(env: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !CONFIGURATION.test(name)) out[name] = value;
  }
  return { ...out, PATH: path.dirname(process.execPath), ...env };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI as a user runs it: a separate Node process (through tsx, no build needed). */
export async function cli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: cleanEnv(env),
      timeout: 180_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
