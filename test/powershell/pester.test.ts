import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heartbeat } from '../../functions/heartbeat.js';
import { agentHostSteps } from '../../src/render/guidance/agentHost.js';
import { jobErrorGuidance } from '../../src/render/guidance/jobErrors.js';
import { readTable, tempDataDir } from '../support/collectHarness.js';
import { toolOrSkip } from '../support/externalTools.js';
import { startFunctionsHost, type FunctionsHost } from '../support/functionsHost.js';
import {
  pesterContainer,
  pesterFailures,
  runPesterContainers,
  type PesterContainer,
  type PesterRun,
} from '../support/pester.js';
import { testCertificate } from '../support/tls.js';
import { PRINCIPALS, ROLES, TENANT as GRANT_TENANT, fakeAz, graphStandIn } from './grantGraphStandIn.js';

/*
 * The PowerShell the product ships, in real pwsh under Pester: every container (test/powershell/*.Tests.ps1)
 * runs in ONE pwsh process (pwsh's start, Pester's import and its warm-up are paid once, not per file), with
 * the stand-ins each needs up in this process; each `it` below checks what its container and its stand-in saw.
 *
 * - AgentHostCommands.Tests.ps1: every Windows service command the alert guidance prints (agent host steps,
 *   the agent signalling error) works on every agent generation agent-heartbeat/README.md lists, against a
 *   Get-Service mocked the way Windows answers.
 * - Install-CloudSyncHeartbeatTask.Tests.ps1: the installer with the Windows-only cmdlets mocked (the
 *   container says what it asserts): the task it registers, the configuration and its ACLs, the test run,
 *   the service check on current and older agents, -Uninstall.
 * - Send-CloudSyncHeartbeat.Tests.ps1: the heartbeat script posting with Invoke-WebRequest over HTTPS to the
 *   real heartbeat handler (functions/heartbeat.ts) behind a Functions host stand-in that checks the
 *   function key as the host does; the container asserts on exit codes, its log and the NDJSON table the
 *   handler writes, this side on what reached the host. pwsh trusts the test certificate through
 *   SSL_CERT_FILE (OpenSSL's variable, which .NET on Linux honours).
 * - grant-graph-permissions.Tests.ps1: infra/scripts/grant-graph-permissions.ps1 (the Azure CLI path azd's
 *   hook takes) against a Graph stand-in, reached through a stand-in `az` (see grantGraphStandIn.ts).
 */

const pwsh = toolOrSkip('pwsh');
const HEARTBEAT_TENANT = '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d';
const KEY = 'local-heartbeat-key-0123456789';
const CONTAINERS = {
  agentHost: 'test/powershell/AgentHostCommands.Tests.ps1',
  installer: 'test/powershell/Install-CloudSyncHeartbeatTask.Tests.ps1',
  heartbeat: 'test/powershell/Send-CloudSyncHeartbeat.Tests.ps1',
  grant: 'test/powershell/grant-graph-permissions.Tests.ps1',
} as const;

const serviceCommands = [
  ...agentHostSteps('CSYNC01.contoso.com'),
  ...(jobErrorGuidance('HybridIdentityServiceAgentSignalingError')?.steps ?? []),
]
  .flatMap((step) => (step.code ?? '').split('\n'))
  .filter((line) => /^\w+-Service\b/.test(line));

describe.skipIf(pwsh.skip)('the shipped PowerShell (pwsh, Pester, one process for every container)', () => {
  const graph = graphStandIn();
  const saved = { ...process.env };
  let bin: string;
  let host: FunctionsHost;
  let heartbeatDataDir: string;
  let run: PesterRun;
  const part = (container: string) => pesterContainer(run, container);

  beforeAll(async () => {
    await new Promise<void>((resolve) => graph.server.listen(0, '127.0.0.1', resolve));
    const graphUrl = `https://127.0.0.1:${(graph.server.address() as AddressInfo).port}`;
    bin = mkdtempSync(path.join(tmpdir(), 'csm-az-'));
    writeFileSync(path.join(bin, 'az'), fakeAz);
    chmodSync(path.join(bin, 'az'), 0o755);
    // The heartbeat handler reads its app settings as in Azure (loadSettings): for the whole run.
    heartbeatDataDir = await tempDataDir();
    Object.assign(process.env, { TENANT_ID: HEARTBEAT_TENANT, DATA_DIR: heartbeatDataDir });
    host = await startFunctionsHost({ heartbeat }, KEY);
    host.loseResponses(1, ({ body }) => body.includes('"machineName":"CSYNC-LOST.contoso.com"'));

    const containers: PesterContainer[] = [
      { path: CONTAINERS.agentHost, data: { Commands: serviceCommands } },
      { path: CONTAINERS.installer, data: {} },
      {
        path: CONTAINERS.heartbeat,
        data: { Url: host.url('heartbeat'), Key: KEY, DataDir: heartbeatDataDir, TenantId: HEARTBEAT_TENANT },
      },
      {
        path: CONTAINERS.grant,
        data: { BinDir: bin, GraphUrl: graphUrl, TenantId: GRANT_TENANT, Principals: PRINCIPALS },
      },
    ];
    run = await runPesterContainers(pwsh.path!, containers, { SSL_CERT_FILE: testCertificate().certPath });
  }, 900_000);

  afterAll(async () => {
    process.env = { ...saved };
    await host?.close();
    if (bin) rmSync(bin, { recursive: true, force: true });
    await new Promise<void>((resolve) => graph.server.close(() => resolve()));
  });

  it('agent-host service commands: find and start the agent services on current and older agents', () => {
    expect(serviceCommands.length).toBeGreaterThanOrEqual(3);
    const agentHost = part(CONTAINERS.agentHost);
    expect(pesterFailures(agentHost), run.output).toEqual([]);
    expect(agentHost.tests).toHaveLength(1 + 2 * serviceCommands.length);
  });

  it('Install-CloudSyncHeartbeatTask.ps1 registers the task, writes a locked-down configuration and uninstalls', () => {
    const installer = part(CONTAINERS.installer);
    expect(pesterFailures(installer), run.output).toEqual([]);
    expect(installer.tests.length).toBeGreaterThanOrEqual(10);
  });

  it('Send-CloudSyncHeartbeat.ps1 records heartbeats, refuses a replay and a wrong key, and takes a retry after a lost answer', async () => {
    const sent = part(CONTAINERS.heartbeat);
    expect(pesterFailures(sent), run.output).toEqual([]);
    expect(sent.tests.length).toBeGreaterThanOrEqual(6);

    // What reached the host: JSON with the key in the header only, the documented User-Agent, one 401 (no retry).
    const posts = host.requests.filter((r) => r.functionName === 'heartbeat');
    for (const post of posts) {
      expect(post.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(post.headers['user-agent']).toBe('CloudSyncMonitor-Heartbeat/1.0.0');
      expect(post.body).not.toContain(KEY);
    }
    expect(posts.filter((r) => r.status === 401)).toHaveLength(1);
    const lost = posts.filter((r) => r.body.includes('CSYNC-LOST'));
    expect(lost.map((r) => r.status)).toEqual(['lost', 409]);
    expect(lost[0]!.body).toBe(lost[1]!.body); // every attempt of one run sends the identical body

    const rows = await readTable(heartbeatDataDir, 'CloudSyncAgent_CL');
    expect(rows.map((r) => r.MachineName)).toEqual([
      'CSYNC01.contoso.com',
      'CSYNC02.contoso.com',
      'CSYNC-LOST.contoso.com',
      'CSYNC04.contoso.com',
      'CSYNC05.contoso.com',
    ]);
    expect(new Set(rows.map((r) => r.Source))).toEqual(new Set(['heartbeat']));
  });

  it('grant-graph-permissions.ps1 grants once and then nothing new, refuses another tenant, and names the cause of a failure', () => {
    const grant = part(CONTAINERS.grant);
    expect(pesterFailures(grant), run.output).toEqual([]);
    expect(grant.tests.length).toBeGreaterThanOrEqual(7);

    // Graph's side: each missing permission was assigned exactly once, whatever the number of runs.
    const held = (principal: string) =>
      graph.assignments
        .filter((a) => a.principalId === principal)
        .map((a) => a.appRoleId)
        .sort();
    const wanted = [
      ROLES['Synchronization.Read.All'],
      ROLES['AuditLog.Read.All'],
      ROLES['Directory.Read.All'],
    ].sort();
    expect(held(PRINCIPALS.fresh)).toEqual(wanted);
    expect(held(PRINCIPALS.partly)).toEqual(wanted);
    const posts = graph.calls.filter((c) => c.method === 'POST' && c.status === 201);
    expect(posts.filter((c) => c.path.includes(PRINCIPALS.fresh))).toHaveLength(3);
    expect(posts.filter((c) => c.path.includes(PRINCIPALS.partly))).toHaveLength(2);
    expect(held(PRINCIPALS.denied)).toEqual([]);
    expect(graph.assignments.map((a) => a.appRoleId)).not.toContain(ROLES['User.Read.All']);
    // Another tenant: not one Graph call was made by that run (its account is only used there).
    expect(graph.calls.filter((c) => c.account === 'admin-elsewhere')).toEqual([]);
  });
});
