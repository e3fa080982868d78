import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRepoFile, repoRoot } from './infraFiles.js';

/*
 * The azd hook scripts (POSIX sh versions) run against stand-ins for `az` and `azd` that log their arguments
 * and answer like the real tools, on a PATH holding nothing else, so the tests see every call the scripts
 * make. The PowerShell twins cannot run here (no pwsh); they are checked for the same contract by text.
 */

const PRINCIPAL = '5d1e7b5c-0000-4000-8000-00000000abcd';
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const TOOLS = ['awk', 'cat', 'grep', 'head', 'mktemp', 'rm', 'sed', 'sleep', 'tr'];

const fakeAz = `#!/bin/sh
printf '%s\\n' "$*" >> "$STUB_LOG"
case "$*" in
  "account show"*) exit 0 ;;
  "cloud show"*) echo "https://graph.microsoft.com/" ;;
  "ad sp show --id ${GRAPH_APP_ID} --query id"*) echo "graph-sp" ;;
  "ad sp show --id ${GRAPH_APP_ID} --query appRoles"*)
    printf 'User.Read.All\\trole-user\\nSynchronization.Read.All\\trole-sync\\nAuditLog.Read.All\\trole-audit\\nDirectory.Read.All\\trole-dir\\n' ;;
  "rest --method get"*) echo "role-audit" ;;
  "rest --method post"*)
    if [ -n "\${STUB_DENY:-}" ]; then
      echo 'ERROR: Forbidden({"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}})' >&2
      exit 1
    fi ;;
  *) echo "unexpected az call: $*" >&2; exit 2 ;;
esac
`;

const fakeAzd = `#!/bin/sh
printf '%s\\n' "$*" >> "$STUB_LOG"
case "$*" in
  "env set"*) exit 0 ;;
  "provision --no-prompt") exit "\${STUB_PROVISION_EXIT:-0}" ;;
  *) echo "unexpected azd call: $*" >&2; exit 2 ;;
esac
`;

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/** Runs an infra/scripts/*.sh with the given fake tools on PATH; returns its output and the tools' calls. */
function run(script: string, fakes: Record<string, string>, env: Record<string, string> = {}) {
  const bin = mkdtempSync(path.join(tmpdir(), 'csm-hook-'));
  dirs.push(bin);
  for (const tool of TOOLS) symlinkSync(`/usr/bin/${tool}`, path.join(bin, tool));
  for (const [name, body] of Object.entries(fakes)) {
    writeFileSync(path.join(bin, name), body);
    chmodSync(path.join(bin, name), 0o755);
  }
  const log = path.join(bin, 'calls.log');
  writeFileSync(log, '');
  const result = spawnSync('/bin/sh', [path.join(repoRoot, 'infra/scripts', script)], {
    cwd: repoRoot,
    env: { PATH: bin, STUB_LOG: log, HOME: bin, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { status: result.status, output: `${result.stdout}${result.stderr}`, calls };
}

describe('grant-graph-permissions.sh', () => {
  it('grants the missing application permissions and skips the ones already granted', () => {
    const { status, output, calls } = run(
      'grant-graph-permissions.sh',
      { az: fakeAz },
      {
        AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID: PRINCIPAL,
      },
    );
    expect(status).toBe(0);
    expect(output).toContain('Synchronization.Read.All: granted');
    expect(output).toContain('AuditLog.Read.All: already granted');
    expect(output).toContain('Directory.Read.All: granted');
    expect(output).toContain('All Microsoft Graph permissions are in place.');
    const posts = calls.filter((call) => call.startsWith('rest --method post'));
    expect(posts).toHaveLength(2);
    for (const [post, role] of [
      [posts[0]!, 'role-sync'],
      [posts[1]!, 'role-dir'],
    ] as const) {
      expect(post).toContain(
        `--url https://graph.microsoft.com/v1.0/servicePrincipals/${PRINCIPAL}/appRoleAssignments`,
      );
      expect(post).toContain(`{"principalId":"${PRINCIPAL}","resourceId":"graph-sp","appRoleId":"${role}"}`);
    }
    expect(calls.join('\n')).not.toContain('role-user');
  });

  it('stops before calling anything without a principal id', () => {
    const { status, output, calls } = run('grant-graph-permissions.sh', { az: fakeAz });
    expect(status).toBe(0);
    expect(output).toContain('no principal id');
    expect(calls).toEqual([]);
  });

  it('explains and exits 0 when the signed-in account may not grant', () => {
    const { status, output, calls } = run(
      'grant-graph-permissions.sh',
      { az: fakeAz },
      {
        AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID: PRINCIPAL,
        STUB_DENY: '1',
      },
    );
    expect(status).toBe(0);
    expect(output).toContain('Synchronization.Read.All: NOT granted: the signed-in account is not allowed');
    expect(output).toContain('WARNING: not granted: Synchronization.Read.All Directory.Read.All');
    expect(output).toContain('Privileged Role Administrator');
    expect(output).toContain(`grant-graph-permissions.sh ${PRINCIPAL}`);
    expect(calls.filter((call) => call.startsWith('rest --method post'))).toHaveLength(2); // no retries on 403
  });

  it('explains and exits 0 without the Azure CLI', () => {
    const { status, output } = run(
      'grant-graph-permissions.sh',
      {},
      { AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID: PRINCIPAL },
    );
    expect(status).toBe(0);
    expect(output).toContain('the Azure CLI (az) is not installed');
  });
});

describe('enable-alert-webhook.sh (postdeploy)', () => {
  it('does nothing once the webhook is enabled', () => {
    const { status, calls } = run(
      'enable-alert-webhook.sh',
      { azd: fakeAzd },
      { ALERT_WEBHOOK_ENABLED: 'true' },
    );
    expect(status).toBe(0);
    expect(calls).toEqual([]);
  });

  it('enables the webhook and provisions again after the first deploy', () => {
    const { status, calls } = run('enable-alert-webhook.sh', { azd: fakeAzd });
    expect(status).toBe(0);
    expect(calls).toEqual(['env set ALERT_WEBHOOK_ENABLED true', 'provision --no-prompt']);
  });

  it('turns the flag back off and exits 0 when that provisioning fails', () => {
    const { status, output, calls } = run(
      'enable-alert-webhook.sh',
      { azd: fakeAzd },
      { STUB_PROVISION_EXIT: '1' },
    );
    expect(status).toBe(0);
    expect(calls).toEqual([
      'env set ALERT_WEBHOOK_ENABLED true',
      'provision --no-prompt',
      'env set ALERT_WEBHOOK_ENABLED false',
    ]);
    expect(output).toContain('azd env set ALERT_WEBHOOK_ENABLED true && azd provision');
  });
});

describe('PowerShell twins', () => {
  it('grant the same permissions of the same API', () => {
    const ps1 = readRepoFile('infra/scripts/grant-graph-permissions.ps1');
    const sh = readRepoFile('infra/scripts/grant-graph-permissions.sh');
    for (const text of [ps1, sh]) {
      expect(text).toContain(GRAPH_APP_ID);
      for (const permission of ['Synchronization.Read.All', 'AuditLog.Read.All', 'Directory.Read.All']) {
        expect(text).toContain(permission);
      }
    }
    expect(ps1).toMatch(
      /\$Permissions = @\('Synchronization\.Read\.All', 'AuditLog\.Read\.All', 'Directory\.Read\.All'\)/,
    );
    expect(ps1).toMatch(/^exit 0$/m);
  });

  it('toggle the same azd flag', () => {
    const ps1 = readRepoFile('infra/scripts/enable-alert-webhook.ps1');
    expect(ps1).toContain('azd env set ALERT_WEBHOOK_ENABLED true');
    expect(ps1).toContain('azd provision --no-prompt');
    expect(ps1).toContain('azd env set ALERT_WEBHOOK_ENABLED false');
  });
});
