import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readTable } from '../support/collectHarness.js';
import { useFunctionEnvironment } from '../support/functionEnvironment.js';
import { postJson } from '../support/invokeHttp.js';

const TENANT = '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d';

function body(overrides: Record<string, unknown> = {}) {
  return {
    machineName: 'CSYNC01.contoso.com',
    agentVersion: '1.1.1370.0',
    services: [
      {
        name: 'AADConnectProvisioningAgent',
        displayName: 'Microsoft Entra Provisioning Agent',
        status: 'Running',
        startType: 'Automatic',
      },
      {
        name: 'AzureADConnectAgentUpdater',
        displayName: 'Microsoft Entra Connect Agent Updater',
        status: 'Running',
        startType: 'AutomaticDelayed',
      },
    ],
    lastTraceLogAt: new Date(Date.now() - 60_000).toISOString(),
    sentAt: new Date().toISOString(),
    tenantId: TENANT,
    ...overrides,
  };
}

describe('functions/heartbeat (HTTP handler invoked directly)', () => {
  const dataDirOf = useFunctionEnvironment({ TENANT_ID: TENANT });
  let dataDir: string;
  beforeEach(() => {
    dataDir = dataDirOf();
  });

  const call = async (text: string, headers?: Record<string, string>) => {
    const { heartbeat } = await import('../../functions/heartbeat.js');
    return postJson(heartbeat, 'heartbeat', text, headers);
  };
  const stored = async () => ({
    rows: await readTable(dataDir, 'CloudSyncAgent_CL'),
    state: await readdir(path.join(dataDir, 'state')).catch(() => []),
  });

  it('accepts a heartbeat: one CloudSyncAgent_CL row from source heartbeat', async () => {
    const response = await call(JSON.stringify(body()));
    expect(response.status).toBe(202);
    const { rows } = await stored();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      AADTenantId: TENANT,
      Source: 'heartbeat',
      MachineName: 'CSYNC01.contoso.com',
      Status: 'active',
      AgentVersion: '1.1.1370.0',
    });
  });

  it('marks a host whose provisioning agent service is stopped inactive', async () => {
    const b = body();
    b.services[0] = { ...b.services[0]!, status: 'Stopped' };
    expect((await call(JSON.stringify(b))).status).toBe(202);
    expect((await stored()).rows[0]).toMatchObject({ Status: 'inactive', LastSeenActive: null });
  });

  it.each([
    ['malformed JSON', '{"machineName": ', 400],
    ['a body of the wrong shape', JSON.stringify(body({ services: 'all good' })), 400],
    ['an unexpected field', JSON.stringify(body({ command: 'rm -rf /' })), 400],
    [
      'a heartbeat for another tenant',
      JSON.stringify(body({ tenantId: '00000000-0000-0000-0000-000000000001' })),
      400,
    ],
    [
      'a stale heartbeat (replayed later)',
      JSON.stringify(body({ sentAt: new Date(Date.now() - 3600_000).toISOString() })),
      409,
    ],
    ['an oversized body', JSON.stringify(body({ machineName: 'x'.repeat(20_000) })), 413],
  ])('rejects %s with a clear message and stores nothing', async (_name, text, status) => {
    const response = await call(text);
    expect(response.status).toBe(status);
    expect(JSON.stringify(response.jsonBody)).toMatch(/error/);
    expect(await stored()).toEqual({ rows: [], state: [] });
  });

  it('rejects a non-JSON content type', async () => {
    const response = await call(JSON.stringify(body()), { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
  });

  it('rejects the same heartbeat sent twice: the replay stores nothing', async () => {
    const text = JSON.stringify(body());
    expect((await call(text)).status).toBe(202);
    const replay = await call(text);
    expect(replay.status).toBe(409);
    expect((await stored()).rows).toHaveLength(1);
  });

  /* Storage failures and damaged state (issue 9 row 11, issue 8). */

  const rows = () => readTable(dataDir, 'CloudSyncAgent_CL');
  const stateDir = () => path.join(dataDir, 'state', TENANT);

  it('answers 500 when the sink fails, and takes the retry of the same heartbeat', async () => {
    const text = JSON.stringify(body());
    // The agent table's file cannot be written: a directory stands where it would be.
    const table = path.join(dataDir, 'tables', 'CloudSyncAgent_CL.ndjson');
    await mkdir(table, { recursive: true });
    expect((await call(text)).status).toBe(500);

    await rm(table, { recursive: true });
    expect((await call(text)).status).toBe(202);
    expect(await rows()).toHaveLength(1);
    // ...and once it is stored, the same post again is a replay.
    expect((await call(text)).status).toBe(409);
    expect(await rows()).toHaveLength(1);
  });

  it('sets a damaged heartbeat book aside, says so, and takes this and every later heartbeat', async () => {
    await mkdir(stateDir(), { recursive: true });
    await writeFile(path.join(stateDir(), 'agent-heartbeats.json'), '{"etag":"e","value":{"hosts":');

    const first = await call(JSON.stringify(body()));
    expect(first.status).toBe(202);
    expect(first.logs.join('\n')).toMatch(
      /heartbeat book: stored state .*agent-heartbeats is not valid JSON.*set aside as corrupt-agent-heartbeats-\d{17}/,
    );
    const copy = (await readdir(stateDir())).find((f) => f.startsWith('corrupt-agent-heartbeats-'));
    expect(copy).toBeDefined();
    expect(await readFile(path.join(stateDir(), copy!), 'utf8')).toContain('{\\"hosts\\":');

    expect((await call(JSON.stringify(body({ machineName: 'CSYNC02.contoso.com' })))).status).toBe(202);
    expect((await rows()).map((r) => r.MachineName)).toEqual(['CSYNC01.contoso.com', 'CSYNC02.contoso.com']);
    const book = JSON.parse(await readFile(path.join(stateDir(), 'agent-heartbeats.json'), 'utf8')) as {
      value: { hosts: Record<string, unknown> };
    };
    expect(Object.keys(book.value.hosts).sort()).toEqual(['csync01.contoso.com', 'csync02.contoso.com']);
  });

  it('sets aside a book of the wrong shape the same way', async () => {
    await mkdir(stateDir(), { recursive: true });
    await writeFile(
      path.join(stateDir(), 'agent-heartbeats.json'),
      JSON.stringify({ etag: 'e', value: { hosts: { x: { machineName: 42 } } } }),
    );
    const first = await call(JSON.stringify(body()));
    expect(first.status).toBe(202);
    expect(first.logs.join('\n')).toMatch(/agent-heartbeats is invalid: hosts\.x\..*set aside/);
    expect((await call(JSON.stringify(body({ machineName: 'CSYNC02.contoso.com' })))).status).toBe(202);
  });
});
