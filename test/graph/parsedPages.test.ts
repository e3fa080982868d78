import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { loadSettings } from '../../src/config.js';
import { parsePage } from '../../src/graph/collectionPage.js';
import { createGraphReader, type GraphReader } from '../../src/graph/graphReader.js';
import { testCertificate } from '../support/tls.js';

/**
 * GraphReader.parsedPages requests the next page as soon as its link can be read from the bytes, before
 * the page is parsed. The parsed page's own link must still decide, and a link read ahead must never
 * take the token anywhere PagingGuard would not: checked against stand-ins that plant a second link
 * in a page and link to another origin.
 */
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

type Handler = (url: string, base: string) => unknown;

async function standIn(handler: Handler): Promise<{ base: string; requests: string[] }> {
  const { cert, key } = testCertificate();
  const requests: string[] = [];
  let base = '';
  const server = createServer({ cert, key }, (req, res) => {
    requests.push(req.url ?? '');
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(handler(req.url ?? '', base)));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, requests };
}

function readerFor(base: string): GraphReader {
  const settings = loadSettings(
    {},
    {
      GRAPH_BASE_URL: base,
      GRAPH_ACCESS_TOKEN: 'test-token',
      TENANT_ID: '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d',
      GRAPH_MAX_RETRIES: '0',
      GRAPH_REPORTS_REQUESTS_PER_WINDOW: '1000',
    },
  );
  return createGraphReader(settings.graph, { clock: systemClock });
}

/** Parses like the main thread does, after a random delay, so pages finish out of order. */
async function slowParse(body: Buffer, at: string) {
  await sleep(Math.random() * 30);
  return parsePage(body.toString('utf8'), at);
}

async function readAll(reader: GraphReader, ahead = 3): Promise<{ ids: unknown[]; error: unknown }> {
  const ids: unknown[] = [];
  try {
    for await (const page of reader.parsedPages('/auditLogs/provisioning', 'v1.0', slowParse, ahead)) {
      ids.push(...page.value.map((item) => (item as { id: unknown }).id));
    }
  } catch (error) {
    return { ids, error };
  }
  return { ids, error: undefined };
}

describe('pages read ahead of their parse', () => {
  it('come out in listing order, each once, whatever order their parses finish in', async () => {
    const { base, requests } = await standIn((url, root) => {
      const page = Number(/skip=(\d+)/.exec(url)?.[1] ?? 0);
      return {
        value: [{ id: `p${page}a` }, { id: `p${page}b` }],
        ...(page < 9 ? { '@odata.nextLink': `${root}/v1.0/auditLogs/provisioning?skip=${page + 1}` } : {}),
      };
    });
    const { ids, error } = await readAll(readerFor(base));
    expect(error).toBeUndefined();
    expect(ids).toEqual(Array.from({ length: 10 }, (_, p) => [`p${p}a`, `p${p}b`]).flat());
    expect(requests).toHaveLength(10);
  });

  it('a link planted after the real one is dropped: the page own link is followed, nothing is read twice', async () => {
    const { base, requests } = await standIn((url, root) => {
      if (url.includes('decoy')) return { value: [{ id: 'decoy' }] };
      const page = Number(/skip=(\d+)/.exec(url)?.[1] ?? 0);
      return {
        ...(page < 3 ? { '@odata.nextLink': `${root}/v1.0/auditLogs/provisioning?skip=${page + 1}` } : {}),
        // A nested key that the byte scan finds last: the hint is wrong, the parse is not.
        value: [{ id: `p${page}`, details: { '@odata.nextLink': `${root}/v1.0/decoy?from=${page}` } }],
      };
    });
    const { ids, error } = await readAll(readerFor(base));
    expect(error).toBeUndefined();
    expect(ids).toEqual(['p0', 'p1', 'p2', 'p3']);
    // Each real page once; the decoys may have been requested (same origin), never handed out.
    expect(requests.filter((url) => !url.includes('decoy'))).toHaveLength(4);
  });

  it('a link to another origin is never requested, not even ahead: the listing stops after the page', async () => {
    const foreign = await standIn(() => ({ value: [{ id: 'stolen' }] }));
    const { base } = await standIn(() => ({
      value: [{ id: 'p0' }],
      '@odata.nextLink': `${foreign.base}/v1.0/auditLogs/provisioning?skip=1`,
    }));
    const { ids, error } = await readAll(readerFor(base));
    expect(ids).toEqual(['p0']);
    expect(error).toMatchObject({ code: 'NextLinkForeignOrigin' });
    await sleep(50);
    expect(foreign.requests).toEqual([]);
  });

  it('a listing that loops is stopped as `pages` stops it', async () => {
    const { base } = await standIn((url, root) => ({
      value: [{ id: 'same' }],
      '@odata.nextLink': `${root}/v1.0/auditLogs/provisioning?skip=${url.includes('skip=1') ? 2 : 1}`,
    }));
    const { ids, error } = await readAll(readerFor(base));
    expect(error).toMatchObject({ code: 'NextLinkLoop' });
    expect(ids.length).toBeLessThanOrEqual(3);
  });
});
