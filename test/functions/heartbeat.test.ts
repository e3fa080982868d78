import { HttpRequest, InvocationContext } from '@azure/functions';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readTable } from '../support/collectHarness.js';
import { useFunctionEnvironment } from '../support/functionEnvironment.js';

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

const post = (text: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  new HttpRequest({
    method: 'POST',
    url: 'https://app.example/api/heartbeat',
    body: { string: text },
    headers,
  });

describe('functions/heartbeat (HTTP handler invoked directly)', () => {
  const dataDirOf = useFunctionEnvironment({ TENANT_ID: TENANT });
  let dataDir: string;
  beforeEach(() => {
    dataDir = dataDirOf();
  });

  const call = async (request: HttpRequest) => {
    const { heartbeat } = await import('../../functions/heartbeat.js');
    return heartbeat(
      request,
      new InvocationContext({ functionName: 'heartbeat', logHandler: () => undefined }),
    );
  };
  const stored = async () => ({
    rows: await readTable(dataDir, 'CloudSyncAgent_CL'),
    state: await readdir(path.join(dataDir, 'state')).catch(() => []),
  });

  it('accepts a heartbeat: one CloudSyncAgent_CL row from source heartbeat', async () => {
    const response = await call(post(JSON.stringify(body())));
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
    expect((await call(post(JSON.stringify(b)))).status).toBe(202);
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
    const response = await call(post(text));
    expect(response.status).toBe(status);
    expect(JSON.stringify(response.jsonBody)).toMatch(/error/);
    expect(await stored()).toEqual({ rows: [], state: [] });
  });

  it('rejects a non-JSON content type', async () => {
    const response = await call(post(JSON.stringify(body()), { 'content-type': 'text/plain' }));
    expect(response.status).toBe(415);
  });

  it('rejects the same heartbeat sent twice: the replay stores nothing', async () => {
    const text = JSON.stringify(body());
    expect((await call(post(text))).status).toBe(202);
    const replay = await call(post(text));
    expect(replay.status).toBe(409);
    expect((await stored()).rows).toHaveLength(1);
  });
});
