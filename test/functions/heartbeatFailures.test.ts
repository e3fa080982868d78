import { HttpRequest, InvocationContext } from '@azure/functions';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readTable } from '../support/collectHarness.js';
import { useFunctionEnvironment } from '../support/functionEnvironment.js';

/**
 * The heartbeat webhook when storage misbehaves (issue 9 row 11, issue 8): a sink failure answers 500
 * and the host's retry is taken (it used to be rejected as already received, and its row was gone);
 * a damaged heartbeat book is set aside with a clear message instead of failing every later post.
 */
const TENANT = '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d';

function body(machineName = 'CSYNC01.contoso.com', sentAt = new Date()) {
  return JSON.stringify({
    machineName,
    agentVersion: '1.1.1370.0',
    services: [
      {
        name: 'AADConnectProvisioningAgent',
        displayName: 'Microsoft Entra Provisioning Agent',
        status: 'Running',
        startType: 'Automatic',
      },
    ],
    lastTraceLogAt: null,
    sentAt: sentAt.toISOString(),
    tenantId: TENANT,
  });
}

describe('functions/heartbeat when storage fails or holds damaged state', () => {
  const dataDirOf = useFunctionEnvironment({ TENANT_ID: TENANT });
  let dataDir: string;
  let logs: string[];
  beforeEach(() => {
    dataDir = dataDirOf();
    logs = [];
  });

  const call = async (text: string) => {
    const { heartbeat } = await import('../../functions/heartbeat.js');
    const request = new HttpRequest({
      method: 'POST',
      url: 'https://app.example/api/heartbeat',
      body: { string: text },
      headers: { 'content-type': 'application/json' },
    });
    const context = new InvocationContext({
      functionName: 'heartbeat',
      logHandler: (_level, ...args) => logs.push(args.map(String).join(' ')),
    });
    // A handler that throws is answered 500 by the Functions host.
    return heartbeat(request, context).then(
      (response) => response.status,
      () => 500,
    );
  };
  const rows = () => readTable(dataDir, 'CloudSyncAgent_CL');
  const stateDir = () => path.join(dataDir, 'state', TENANT);

  it('answers 500 when the sink fails, and takes the retry of the same heartbeat', async () => {
    const text = body();
    // The agent table's file cannot be written: a directory stands where it would be.
    const table = path.join(dataDir, 'tables', 'CloudSyncAgent_CL.ndjson');
    await mkdir(table, { recursive: true });
    expect(await call(text)).toBe(500);

    await rm(table, { recursive: true });
    expect(await call(text)).toBe(202);
    expect(await rows()).toHaveLength(1);
    // ...and once it is stored, the same post again is a replay.
    expect(await call(text)).toBe(409);
    expect(await rows()).toHaveLength(1);
  });

  it('sets a damaged heartbeat book aside, says so, and takes this and every later heartbeat', async () => {
    await mkdir(stateDir(), { recursive: true });
    await writeFile(path.join(stateDir(), 'agent-heartbeats.json'), '{"etag":"e","value":{"hosts":');

    expect(await call(body('CSYNC01.contoso.com'))).toBe(202);
    expect(logs.join('\n')).toMatch(
      /heartbeat book: stored state .*agent-heartbeats is not valid JSON.*set aside as corrupt-agent-heartbeats-\d{17}/,
    );
    const files = await readdir(stateDir());
    const copy = files.find((f) => f.startsWith('corrupt-agent-heartbeats-'));
    expect(copy).toBeDefined();
    expect(await readFile(path.join(stateDir(), copy!), 'utf8')).toContain('{\\"hosts\\":');

    expect(await call(body('CSYNC02.contoso.com'))).toBe(202);
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
    expect(await call(body())).toBe(202);
    expect(logs.join('\n')).toMatch(/agent-heartbeats is invalid: hosts\.x\..*set aside/);
    expect(await call(body('CSYNC02.contoso.com'))).toBe(202);
  });
});
