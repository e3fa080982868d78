import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { loadSettings } from '../../src/config.js';
import { GraphRequestError } from '../../src/graph/errors.js';
import { createGraphReader, type GraphReader } from '../../src/graph/graphReader.js';
import { testCertificate } from '../support/tls.js';

/**
 * Pages are read as bytes and parsed when they arrive (GraphReader.parsedPages):
 * what a failed or malformed page says must still reach the run row as it did when the client parsed it.
 */
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const NO_PREMIUM = {
  error: {
    code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
    message: 'Tenant does not have a SKU required to access this resource.',
  },
};

/** A Graph stand-in: page 1 links to page 2, which answers `second`. */
async function readerFor(second: { status: number; body: string }): Promise<GraphReader> {
  const { cert, key } = testCertificate();
  let base = '';
  const server = createServer({ cert, key }, (req, res) => {
    const json = { 'content-type': 'application/json' };
    if (req.url?.includes('skip=2')) return void res.writeHead(second.status, json).end(second.body);
    res.writeHead(200, json).end(
      JSON.stringify({
        value: [{ id: 'a' }, { id: 'b' }],
        '@odata.nextLink': `${base}/v1.0/auditLogs/provisioning?skip=2`,
      }),
    );
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const settings = loadSettings(
    {},
    {
      GRAPH_BASE_URL: base,
      GRAPH_ACCESS_TOKEN: 'test-token',
      TENANT_ID: '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d',
      GRAPH_MAX_RETRIES: '0',
    },
  );
  return createGraphReader(settings.graph, { clock: systemClock });
}

async function readAll(reader: GraphReader): Promise<{ items: unknown[]; error: unknown }> {
  const items: unknown[] = [];
  try {
    for await (const page of reader.pages('/auditLogs/provisioning', 'v1.0', { prefetch: true })) {
      items.push(...page.value);
    }
    return { items, error: undefined };
  } catch (error) {
    return { items, error };
  }
}

describe('Graph pages read as text', () => {
  it('a page Graph refuses names its Graph error code and status, after the pages before it', async () => {
    const reader = await readerFor({ status: 403, body: JSON.stringify(NO_PREMIUM) });
    const { items, error } = await readAll(reader);
    expect(items).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(error).toBeInstanceOf(GraphRequestError);
    expect(error).toMatchObject({
      kind: 'forbidden',
      status: 403,
      code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
    });
    expect((error as Error).message).toContain('Tenant does not have a SKU');
  });

  it('a page that is not JSON is an invalid response, not a crash', async () => {
    const reader = await readerFor({ status: 200, body: '{"value": [' });
    const { error } = await readAll(reader);
    expect(error).toMatchObject({ kind: 'invalidResponse', code: 'InvalidJson' });
  });

  it('a page without a collection says so', async () => {
    const reader = await readerFor({ status: 200, body: '{"items": []}' });
    const { error } = await readAll(reader);
    expect(error).toMatchObject({ kind: 'invalidResponse', code: 'NotACollection' });
  });
});
