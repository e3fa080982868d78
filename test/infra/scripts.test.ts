import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRepoFile, repoRoot } from './infraFiles.js';

/*
 * The azd hook scripts (POSIX sh versions) run against stand-ins for `az` and `azd` that log their arguments
 * and answer like the real tools, on a PATH holding nothing else, so the tests see every call the scripts
 * make. The PowerShell twins are checked here for the same contract by text; grant-graph-permissions.ps1 also
 * runs in pwsh against a Graph stand-in (test/powershell/pester.test.ts).
 */

const PRINCIPAL = '5d1e7b5c-0000-4000-8000-00000000abcd';
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const TOOLS = [
  'awk',
  'cat',
  'dirname',
  'grep',
  'head',
  'mktemp',
  'printenv',
  'rm',
  'sed',
  'sh',
  'sleep',
  'tr',
];
const TENANT = '6b1e1c52-3f0e-4b8e-9d7a-2f1d7c4a9e10';

const fakeAz = `#!/bin/sh
printf '%s\\n' "$*" >> "$STUB_LOG"
case "$*" in
  "account show --query tenantId"*) echo "\${STUB_TENANT:-${TENANT}}" ;;
  "account show"*) exit 0 ;;
  "functionapp function keys list"*)
    if [ -n "\${STUB_NO_KEY:-}" ]; then exit 1; fi
    echo "\${STUB_KEY:-deployed-key}" ;;
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
  "env get-value"*) exit 1 ;;
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
        AZURE_TENANT_ID: TENANT,
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
    expect(status).toBe(1);
    expect(output).toContain('no principal id');
    expect(calls).toEqual([]);
  });

  it("refuses another tenant than the deployment's, before granting anything", () => {
    const { status, output, calls } = run(
      'grant-graph-permissions.sh',
      { az: fakeAz },
      {
        AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID: PRINCIPAL,
        AZURE_TENANT_ID: TENANT,
        STUB_TENANT: 'other-tenant',
      },
    );
    expect(status).toBe(1);
    expect(output).toContain(`signed in to tenant other-tenant, but the deployment is in tenant ${TENANT}`);
    expect(output).toContain(`az login --tenant ${TENANT}`);
    expect(calls.filter((call) => call.startsWith('rest'))).toEqual([]);
  });

  it('explains and exits 1 when the signed-in account may not grant (azd continues, and says so)', () => {
    const { status, output, calls } = run(
      'grant-graph-permissions.sh',
      { az: fakeAz },
      {
        AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID: PRINCIPAL,
        STUB_DENY: '1',
      },
    );
    expect(status).toBe(1);
    expect(output).toContain('Synchronization.Read.All: NOT granted: the signed-in account is not allowed');
    expect(output).toContain('WARNING: not granted: Synchronization.Read.All Directory.Read.All');
    expect(output).toContain('Privileged Role Administrator');
    expect(output).toContain(`grant-graph-permissions.sh ${PRINCIPAL}`);
    expect(calls.filter((call) => call.startsWith('rest --method post'))).toHaveLength(2); // no retries on 403
  });

  it('explains and exits 1 without the Azure CLI', () => {
    const { status, output } = run(
      'grant-graph-permissions.sh',
      {},
      { AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID: PRINCIPAL },
    );
    expect(status).toBe(1);
    expect(output).toContain('the Azure CLI (az) is not installed');
  });
});

describe('enable-alert-webhook.sh (postdeploy): the key is read from the deployed app every time', () => {
  const app = {
    AZURE_RESOURCE_GROUP: 'rg-prod',
    AZURE_FUNCTION_APP_NAME: 'func-abc',
    WEBHOOK_KEY_RETRY_SECONDS: '0',
  };
  const keyRead =
    'functionapp function keys list --resource-group rg-prod --name func-abc --function-name azureMonitorAlert --query default --output tsv';

  it('does nothing when the environment already has the deployed key', () => {
    const { status, calls } = run(
      'enable-alert-webhook.sh',
      { az: fakeAz, azd: fakeAzd },
      { ...app, ALERT_WEBHOOK_KEY: 'deployed-key' },
    );
    expect(status).toBe(0);
    expect(calls).toEqual([keyRead]);
  });

  it('first deploy, or after azd down (a stale key left in the environment): stores the key and provisions again', () => {
    const leftovers: Record<string, string>[] = [
      {},
      { ALERT_WEBHOOK_KEY: 'key-of-the-deleted-app' },
      { ALERT_WEBHOOK_ENABLED: 'true' },
    ];
    for (const left of leftovers) {
      const { status, calls } = run(
        'enable-alert-webhook.sh',
        { az: fakeAz, azd: fakeAzd },
        { ...app, ...left },
      );
      expect(status).toBe(0);
      expect(calls).toEqual([keyRead, 'env set ALERT_WEBHOOK_KEY deployed-key', 'provision --no-prompt']);
    }
  });

  it('clears the key again and exits 1 when that provisioning fails', () => {
    const { status, output, calls } = run(
      'enable-alert-webhook.sh',
      { az: fakeAz, azd: fakeAzd },
      { ...app, STUB_PROVISION_EXIT: '1' },
    );
    expect(status).toBe(1);
    expect(calls).toEqual([
      keyRead,
      'env set ALERT_WEBHOOK_KEY deployed-key',
      'provision --no-prompt',
      'env set ALERT_WEBHOOK_KEY ',
    ]);
    expect(output).toContain('the alert still emails its recipients');
  });

  it('says so and exits 1 when the function key cannot be read (code not deployed)', () => {
    const { status, output, calls } = run(
      'enable-alert-webhook.sh',
      { az: fakeAz, azd: fakeAzd },
      { ...app, STUB_NO_KEY: '1', WEBHOOK_KEY_ATTEMPTS: '2' },
    );
    expect(status).toBe(1);
    expect(output).toContain('could not read the key of the azureMonitorAlert function of func-abc');
    expect(calls).toEqual([keyRead, keyRead]);
  });
});

describe('deployment-summary.sh (end of azd up)', () => {
  it('says honestly what is missing: Graph grant, email recipients, watcher receivers', () => {
    const { status, output } = run(
      'deployment-summary.sh',
      { az: fakeAz, azd: fakeAzd },
      {
        AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID: PRINCIPAL,
        CLOUDSYNC_HEALTH_URL: 'https://func-abc.azurewebsites.net/api/health',
        CLOUDSYNC_WATCHER_STALE_MINUTES: '20',
      },
    );
    expect(status).toBe(0);
    expect(output).toContain('Graph permissions   MISSING: Synchronization.Read.All Directory.Read.All');
    expect(output).toContain('Email               OFF: no recipients');
    expect(output).toContain('azd env set ALERT_EMAIL_TO');
    expect(output).toContain('Teams               off (optional)');
    expect(output).toContain('Acknowledge links   on: https://func-abc.azurewebsites.net/api/ack');
    expect(output).toContain(
      "Watcher alert       NO receivers: 'no successful run for 20 minutes' notifies nobody",
    );
    expect(output).toContain('3 item(s) above need attention.');
  });

  it('and what is configured', () => {
    const { output } = run(
      'deployment-summary.sh',
      { az: fakeAz, azd: fakeAzd },
      {
        ALERT_EMAIL_TO: 'ops@contoso.example',
        TEAMS_WEBHOOK_URL: 'https://x.logic.azure.com/y',
        ALERT_WEBHOOK_KEY: 'k',
      },
    );
    expect(output).toContain('Email               on, to ops@contoso.example');
    expect(output).toContain('Teams               on');
    expect(output).toContain('email ops@contoso.example, webhook yes');
    expect(output).toContain('Graph permissions   unknown');
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

  it('store the same azd value and print the same summary lines', () => {
    const ps1 = readRepoFile('infra/scripts/enable-alert-webhook.ps1');
    expect(ps1).toContain('azd env set ALERT_WEBHOOK_KEY $key');
    expect(ps1).toContain('azd provision --no-prompt');
    expect(ps1).toContain("azd env set ALERT_WEBHOOK_KEY ''");
    const summary = readRepoFile('infra/scripts/deployment-summary.ps1');
    for (const line of [
      'Graph permissions',
      'Email               OFF',
      'Watcher alert       NO receivers',
      'Acknowledge links',
    ])
      expect(summary).toContain(line);
  });
});
