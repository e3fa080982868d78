import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { createGraphReader, type GraphReader } from '../../src/graph/graphReader.js';
import { NodeHttpHandler } from '../../src/graph/nodeHttpHandler.js';
import { testCertificate } from '../support/tls.js';

/**
 * The Graph client sends its requests through NodeHttpHandler (node:https) instead of fetch: what the
 * chain above it relied on fetch for must still hold, seen through the real client against real sockets.
 */
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function serve(handler: Handler): Promise<string> {
  const { cert, key } = testCertificate();
  const server = createServer({ cert, key }, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handler(req, res, body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function readerAt(baseUrl: string, requestTimeoutMs = 10_000): GraphReader {
  return createGraphReader(
    {
      baseUrl,
      accessToken: 'test-token',
      managedIdentityClientId: undefined,
      reportsRequestsPerWindow: 100,
      reportsWindowMs: 1_000,
      requestTimeoutMs,
      maxRetries: 0,
    },
    { clock: systemClock },
  );
}

const JSON_TYPE = { 'content-type': 'application/json' };

describe('Graph requests over node:https', () => {
  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['deflate', deflateRawSync],
    ['br', brotliCompressSync],
  ] as const)('asks for compression and reads a %s body', async (coding, compress) => {
    let asked: string | undefined;
    let accept: string | undefined;
    const page = { value: [{ id: 'a', displayName: 'Zoë Müller ✓' }] };
    const base = await serve((req, res) => {
      asked = req.headers['accept-encoding'];
      accept = req.headers.accept;
      res.writeHead(200, { ...JSON_TYPE, 'content-encoding': coding });
      res.end(compress(Buffer.from(JSON.stringify(page))));
    });
    const pages = [];
    for await (const p of readerAt(base).pages('/auditLogs/provisioning', 'v1.0', { prefetch: true })) {
      pages.push(p.value);
    }
    expect(asked).toBe('gzip, deflate, br');
    expect(accept).toBe('*/*');
    expect(pages).toEqual([page.value]);
  });

  it('reads UTF-8 text as TextDecoder does, a byte order mark dropped', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, JSON_TYPE);
      res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"Zoë ✓ 日本"}')]));
    });
    expect(await readerAt(base).get('/organization')).toEqual({ name: 'Zoë ✓ 日本' });
  });

  it('sends a POST body and its headers; a 204 has no body', async () => {
    let seen: { method?: string; type?: string; length?: string; auth?: string; body?: string } = {};
    const base = await serve((req, res, body) => {
      seen = {
        method: req.method,
        type: req.headers['content-type'],
        length: req.headers['content-length'],
        auth: req.headers.authorization,
        body,
      };
      res.writeHead(204).end();
    });
    const answer = await readerAt(base).post('/servicePrincipals/x/synchronization/jobs/y/restart', {
      criteria: { resetScope: 'Full' },
    });
    expect(answer).toBeUndefined();
    const sent = JSON.stringify({ criteria: { resetScope: 'Full' } });
    expect(seen).toEqual({
      method: 'POST',
      type: 'application/json',
      length: String(Buffer.byteLength(sent)),
      auth: 'Bearer test-token',
      body: sent,
    });
  });

  it('leaves redirects to the RedirectHandler, which drops the token for another host', async () => {
    let authAtOther: string | undefined = 'unset';
    const other = await serve((req, res) => {
      authAtOther = req.headers.authorization;
      res.writeHead(200, JSON_TYPE).end('{"where":"other"}');
    });
    let base = '';
    base = await serve((req, res) => {
      // Absolute, as Graph sends them (a relative Location fails under fetch as well).
      if (req.url === '/v1.0/moved') return void res.writeHead(302, { location: `${base}/v1.0/here` }).end();
      if (req.url === '/v1.0/away') return void res.writeHead(307, { location: `${other}/v1.0/x` }).end();
      res.writeHead(200, JSON_TYPE).end(JSON.stringify({ where: req.url, auth: req.headers.authorization }));
    });
    const reader = readerAt(base);
    expect(await reader.get('/moved')).toEqual({ where: '/v1.0/here', auth: 'Bearer test-token' });
    expect(await reader.get('/away')).toEqual({ where: 'other' });
    expect(authAtOther).toBeUndefined();
  });

  it('a body that stops half-way times out instead of hanging the run', async () => {
    const base = await serve((_req, res) => {
      res.writeHead(200, { ...JSON_TYPE, 'content-length': '1000' });
      res.write('{"value":[');
    });
    await expect(readerAt(base, 300).get('/organization')).rejects.toMatchObject({
      kind: 'timeout',
      message: 'Graph request /organization timed out',
    });
  });

  it("the caller's signal ends a request in flight with its reason", async () => {
    const base = await serve(() => undefined);
    const controller = new AbortController();
    const reader = readerAt(base).withSignal(controller.signal);
    const failed = expect(reader.get('/organization')).rejects.toThrow(/run past its hard limit/);
    setTimeout(() => controller.abort(new Error('run past its hard limit')), 50);
    await failed;
  });

  it('a connection reset mid-body names it, with the host', async () => {
    const base = await serve((req, res) => {
      res.writeHead(200, { ...JSON_TYPE, 'content-length': '1000' });
      res.write('{"value":[', () => req.socket.destroy());
    });
    await expect(readerAt(base).get('/organization')).rejects.toThrow(
      `cannot reach ${new URL(base).host}: connection reset`,
    );
  });

  it('a kept-alive connection the server drops as a read goes out is retried once on a new one; a write is not', async () => {
    const served = new WeakMap<object, number>();
    let connections = 0;
    const base = await serve((req, res) => {
      const count = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, count);
      if (count === 1) connections++;
      // The second request on a connection finds it closed, as a server's idle timeout would.
      if (count > 1) return void req.socket.destroy();
      res.writeHead(200, JSON_TYPE).end('{"ok":true}');
    });
    const reader = readerAt(base);
    expect(await reader.get('/organization')).toEqual({ ok: true });
    expect(await reader.get('/organization')).toEqual({ ok: true });
    expect(connections).toBe(2);

    await expect(reader.post('/servicePrincipals/x/synchronization/jobs/y/restart', {})).rejects.toThrow(
      'connection reset',
    );
    expect(connections).toBe(2);
  });

  it('hands the chain a Response as fetch would: status, text, headers, url, a body read once', async () => {
    const base = await serve((_req, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(418, "I'm a teapot", { ...JSON_TYPE, 'retry-after': '7' }).end('{"tea":true}');
    });
    const context: Parameters<NodeHttpHandler['execute']>[0] = {
      request: `${base}/v1.0/teapot`,
      options: { method: 'GET', headers: {} },
    };
    await new NodeHttpHandler().execute(context);
    const response = context.response!;
    expect(response).toBeInstanceOf(Response);
    expect([response.status, response.statusText, response.ok, response.url]).toEqual([
      418,
      "I'm a teapot",
      false,
      `${base}/v1.0/teapot`,
    ]);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ tea: true });
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(TypeError);
  });
});
