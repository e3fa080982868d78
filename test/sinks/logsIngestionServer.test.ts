import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentTable } from '../../src/tables/definitions.js';
import { toRow } from '../../src/tables/schema.js';
import { LogsIngestionServer } from '../support/logsIngestionServer.js';

/*
 * The stand-in is what the sink tests trust, so its strictness is tested on its own, with plain fetch:
 * a lenient fake would let a drifting sink pass.
 */

let server: LogsIngestionServer;
beforeAll(async () => {
  server = await LogsIngestionServer.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

const agentRow = (extra: Record<string, unknown> = {}) =>
  toRow(agentTable, { TimeGenerated: '2026-11-23T07:00:00Z', AADTenantId: 't', AgentId: 'a1', ...extra });

interface PostOptions {
  stream?: string;
  dcr?: string;
  apiVersion?: string;
  token?: string | null;
  gzip?: boolean;
}

async function post(body: unknown, options: PostOptions = {}): Promise<Response> {
  const {
    stream = 'Custom-CloudSyncAgent_CL',
    dcr = server.dcrImmutableId,
    apiVersion = '2023-01-01',
  } = options;
  const json = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? 'test-token'}`;
  if (options.gzip !== false) headers['content-encoding'] = 'gzip';
  return fetch(`${server.endpoint}/dataCollectionRules/${dcr}/streams/${stream}?api-version=${apiVersion}`, {
    method: 'POST',
    headers,
    body: options.gzip === false ? json : gzipSync(json),
  });
}

describe('LogsIngestionServer', () => {
  it('accepts gzip and plain JSON arrays with exactly the declared columns and records them', async () => {
    expect((await post([agentRow()])).status).toBe(204);
    expect((await post([agentRow({ AgentId: 'a2' })], { gzip: false })).status).toBe(204);

    expect(server.acceptedRows('Custom-CloudSyncAgent_CL').map((r) => r.AgentId)).toEqual(['a1', 'a2']);
    const [gzipped, plain] = server.requests;
    expect(gzipped!.compressedBytes).not.toBe(gzipped!.uncompressedBytes);
    expect(plain!.compressedBytes).toBe(plain!.uncompressedBytes);
    expect(gzipped!.headers.authorization).toBe('Bearer test-token');
  });

  it.each([
    ['no bearer token', [agentRow()], { token: null }, 401],
    ['an unknown DCR', [agentRow()], { dcr: 'dcr-ffffffffffffffffffffffffffffffff' }, 404],
    ['a wrong api-version', [agentRow()], { apiVersion: '2021-11-01-preview' }, 400],
    ['an unknown stream', [agentRow()], { stream: 'Custom-Nope_CL' }, 400],
    ['a body that is not an array', agentRow(), {}, 400],
    ['malformed JSON', '[{"AgentId":', {}, 400],
    ['an unknown column', [{ ...agentRow(), Extra: 1 }], {}, 400],
    [
      'a missing column',
      [Object.fromEntries(Object.entries(agentRow()).filter(([k]) => k !== 'Status'))],
      {},
      400,
    ],
    ['a value of the wrong type', [agentRow({ Status: 3 })], {}, 400],
    ['an unparseable datetime', [agentRow({ LastSeenActive: 'yesterday' })], {}, 400],
  ] as const)('rejects %s', async (_name, body, options, status) => {
    const response = await post(body, options);
    expect(response.status).toBe(status);
    const payload = (await response.json()) as { error: { code: string; message: string } };
    expect(payload.error.message).toBeTruthy();
    expect(server.requests[0]!.status).toBe(status);
  });

  it('rejects bodies over 1 MB, compressed or not, with 413', async () => {
    const rows = Array.from({ length: 400 }, (_, i) =>
      agentRow({ AgentId: `a${i}`, MachineName: 'm'.repeat(3_000) }),
    );
    expect((await post(rows)).status).toBe(413); // tiny gzip, 1.2 MB inflated
    expect((await post(rows, { gzip: false })).status).toBe(413);
  });

  it('injects faults for the next N requests, with Retry-After', async () => {
    server.failNext(2, { status: 429, retryAfterSeconds: 3 });
    const first = await post([agentRow()]);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect((await post([agentRow()])).status).toBe(429);
    expect((await post([agentRow()])).status).toBe(204);
    expect(server.acceptedRows()).toHaveLength(1);
  });
});
