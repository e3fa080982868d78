import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { testCertificate } from './tls.js';

/**
 * A stand-in for the Azure Functions host in front of real HTTP handlers, for clients that are not Node
 * (pwsh's Invoke-WebRequest): HTTPS on 127.0.0.1 with the test certificate (globalSetup), routes
 * `/api/<name>`, and the host's own `authLevel: 'function'` check, which the handlers rely on and do not
 * do themselves: the key in `x-functions-key` or `?code=`, else 401 with an empty body. The handler runs
 * in this process with this process's settings, as the worker would; a handler that throws is answered 500.
 *
 * `loseResponses(n, match)`: the next n requests that `match` are handled (whatever they store, they store)
 * but their connection is cut before the answer, as a proxy or a network timeout would.
 */

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

export interface HostedRequest {
  readonly functionName: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The status the client got, or 'lost' when the connection was cut. */
  readonly status: number | 'lost';
}

export interface FunctionsHost {
  readonly baseUrl: string;
  url(functionName: string): string;
  readonly requests: readonly HostedRequest[];
  loseResponses(count: number, match: (request: { functionName: string; body: string }) => boolean): void;
  close(): Promise<void>;
}

function headerRecord(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function sameKey(given: string | null | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, init: HttpResponseInit): void {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries((init.headers ?? {}) as Record<string, string>)) {
    headers[name.toLowerCase()] = value;
  }
  let payload = '';
  if (init.jsonBody !== undefined) {
    payload = JSON.stringify(init.jsonBody);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  } else if (typeof init.body === 'string') {
    payload = init.body;
  }
  response.writeHead(init.status ?? 200, headers);
  response.end(payload);
}

export async function startFunctionsHost(
  functions: Record<string, Handler>,
  functionKey: string,
): Promise<FunctionsHost> {
  const requests: HostedRequest[] = [];
  const toLose: { count: number; match: (request: { functionName: string; body: string }) => boolean }[] = [];
  const { cert, key } = testCertificate();

  const server = createServer({ cert, key }, (request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'https://127.0.0.1');
      const name = /^\/api\/([^/]+)$/.exec(url.pathname)?.[1];
      const handler = name === undefined ? undefined : functions[name];
      const bytes = await readBody(request);
      const headers = headerRecord(request);
      const record = (status: number | 'lost') =>
        requests.push({ functionName: name ?? url.pathname, headers, body: bytes.toString('utf8'), status });
      if (!handler || !name) {
        record(404);
        send(response, { status: 404 });
        return;
      }
      if (!sameKey(headers['x-functions-key'] ?? url.searchParams.get('code'), functionKey)) {
        record(401);
        send(response, { status: 401 });
        return;
      }
      const context = new InvocationContext({ functionName: name, logHandler: () => undefined });
      const query: Record<string, string> = Object.fromEntries(url.searchParams);
      const hostRequest = new HttpRequest({
        method: request.method ?? 'GET',
        url: `https://127.0.0.1${url.pathname}${url.search}`,
        headers,
        query,
        body: { bytes },
      });
      let answer: HttpResponseInit;
      try {
        answer = await handler(hostRequest, context);
      } catch {
        answer = { status: 500 };
      }
      const lose = toLose.find(
        (rule) => rule.count > 0 && rule.match({ functionName: name, body: bytes.toString('utf8') }),
      );
      if (lose) {
        lose.count -= 1;
        record('lost');
        request.socket.destroy();
        return;
      }
      record(answer.status ?? 200);
      send(response, answer);
    })().catch(() => {
      response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    url: (functionName) => `${baseUrl}/api/${functionName}`,
    requests,
    loseResponses: (count, match) => {
      toLose.push({ count, match });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
