import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, inflateRaw, type ZlibOptions } from 'node:zlib';
import type { Context, FetchOptions, Middleware } from '@microsoft/microsoft-graph-client';
import { decodeUtf8 } from './collectionPage.js';

/**
 * The Graph client's last middleware, in place of its HTTPMessageHandler (which calls fetch): the same
 * request sent with node:https, answered with a WHATWG Response, so every middleware above it and the
 * client's own response handling are unchanged. Why: provisioning pages are about 2 MB of JSON each,
 * and fetch's web streams, TextDecoder and gunzip cost more CPU than node:https for the same bytes (201
 * pages, 422 MB, read and parsed: 4.17 CPU-s through fetch, 3.70 through this; gzipped as Graph sends
 * them, 5.86 against 3.99; scripts/bench/graphPages.ts).
 *
 * It does what fetch did for the chain: sends `Accept-Encoding` and decompresses (gzip, deflate, br), keeps
 * connections alive (one agent per process, idle sockets closed after 4 s like fetch's), rejects with the
 * signal's reason when `options.signal` aborts (the TimeoutHandler's, the run guard's), and follows no
 * redirect (the RedirectHandler does). Failures are Node's socket, DNS and TLS errors with their codes
 * (ECONNREFUSED, an untrusted certificate), which NetworkErrorHandler puts in words. A request this does
 * not speak (a Request object, a stream or form body) goes to fetch as before.
 */

/** fetch's (undici's) default; Graph's front door keeps idle connections longer. */
const IDLE_SOCKET_MS = 4_000;
const httpsAgent = new HttpsAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS });
const httpAgent = new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS });

const ACCEPT_ENCODING = 'gzip, deflate, br';

/** Statuses whose Response must have no body. */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

const gunzipped = promisify(gunzip);
const inflated = promisify(inflate);
const rawInflated = promisify(inflateRaw);
const unbrotlied = promisify(brotliDecompress);

type Decoder = (bytes: Buffer, options: ZlibOptions) => Promise<Buffer>;

const decoders: Readonly<Record<string, Decoder>> = {
  gzip: gunzipped,
  'x-gzip': gunzipped,
  br: unbrotlied,
  // "deflate" is zlib-wrapped by the standard, raw by some servers; fetch accepts both, and so does this.
  deflate: (bytes, options) =>
    ((bytes[0] ?? 0) & 0x0f) === 0x08 ? inflated(bytes, options) : rawInflated(bytes, options),
};

/**
 * Output chunks near the size the body will have: zlib's default of 16 KB made inflating a 2 MB page
 * cost 5.4 ms instead of 3 (JSON compresses about 8 to 10 times; capped at 1 MB).
 */
function inflateOptions(compressed: Buffer): ZlibOptions {
  return { chunkSize: Math.min(1 << 20, Math.max(16 << 10, compressed.length * 8)) };
}

/**
 * A Response whose body has already arrived whole: `text()`, `json()` and `arrayBuffer()` take the bytes at once
 * rather than reading them back through a web stream and TextDecoder (30 % less than that costs).
 * `url` is the request's, as fetch's is (the RedirectHandler compares hosts with it).
 */
function receivedResponse(bytes: Buffer, init: ResponseInit, url: string): Response {
  // A stream over the bytes, not the bytes: given a Buffer, Response copies it (2 MB a page, every page).
  const body = NULL_BODY_STATUS.has(init.status ?? 200) ? null : streamOf(bytes);
  const response = new Response(body, init);
  const take = (): Promise<Buffer> => {
    if (response.bodyUsed || response.body?.locked)
      return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
    // Cancelling the unread stream marks the body used, as reading it would.
    response.body?.cancel().catch(() => undefined);
    return Promise.resolve(bytes);
  };
  const text = (): Promise<string> => take().then(decodeUtf8);
  return Object.defineProperties(response, {
    url: { value: url },
    text: { value: text },
    json: { value: async (): Promise<unknown> => JSON.parse(await text()) as unknown },
    arrayBuffer: { value: (): Promise<ArrayBuffer> => take().then(ownArrayBuffer) },
  });
}

/** The bytes as an ArrayBuffer of their own: theirs when they fill it (a whole body does), else a copy. */
function ownArrayBuffer(bytes: Buffer): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = bytes;
  if (byteOffset === 0 && byteLength === buffer.byteLength && buffer instanceof ArrayBuffer) return buffer;
  return new Uint8Array(bytes).buffer;
}

function streamOf(bytes: Buffer): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (bytes.length > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

export class NodeHttpHandler implements Middleware {
  async execute(context: Context): Promise<void> {
    const options = context.options ?? {};
    const body = requestBody(options.body);
    if (typeof context.request !== 'string' || body === UNSUPPORTED) {
      // RequestInfo: typed for the DOM, which this project's lib does not include.
      context.response = await fetch(context.request as Request | string, context.options);
      return;
    }
    context.response = await send(context.request, options, body);
  }
}

const UNSUPPORTED = Symbol('unsupported body');

function requestBody(body: FetchOptions['body']): Buffer | string | undefined | typeof UNSUPPORTED {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || Buffer.isBuffer(body)) return body;
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return UNSUPPORTED;
}

function requestHeaders(options: FetchOptions, body: Buffer | string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  // Headers accepts every shape the client uses (a Headers, an array of pairs, a record).
  new Headers(options.headers).forEach((value, name) => {
    headers[name] = value;
  });
  // What fetch sent unless told otherwise, so Graph sees the same request (less its browser-only headers).
  headers.accept ??= '*/*';
  headers['user-agent'] ??= 'node';
  headers['accept-encoding'] ??= ACCEPT_ENCODING;
  if (body !== undefined) {
    headers['content-length'] = String(Buffer.byteLength(body));
    if (typeof body === 'string') headers['content-type'] ??= 'text/plain;charset=UTF-8';
  }
  return headers;
}

async function send(
  url: string,
  options: FetchOptions,
  body: Buffer | string | undefined,
): Promise<Response> {
  const signal = options.signal ?? undefined;
  signal?.throwIfAborted();
  const target = new URL(url);
  const method = (options.method ?? 'GET').toUpperCase();
  const headers = requestHeaders(options, body);
  try {
    return await attempt(target, method, headers, body, signal);
  } catch (error) {
    // A kept-alive connection the server closed just as this request went out: Node's documented
    // remedy is to send the request again on a new one, which only a read may be.
    if (!(error instanceof StaleConnection)) throw error;
    if (method !== 'GET' && method !== 'HEAD') throw error.cause;
    return attempt(target, method, headers, body, signal);
  }
}

class StaleConnection extends Error {}

const STALE_CODES = new Set(['ECONNRESET', 'EPIPE']);

function attempt(
  target: URL,
  method: string,
  headers: Record<string, string>,
  body: Buffer | string | undefined,
  signal: AbortSignal | undefined,
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    const settle = (error: unknown, response?: Response): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (response) resolve(response);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- fetch rejects with the signal's reason, whatever it is
      else reject(error);
    };
    const onAbort = (): void => {
      settle(signal?.reason);
      request.destroy();
    };
    const request = (target.protocol === 'http:' ? httpRequest : httpsRequest)(target, {
      method,
      headers,
      agent: target.protocol === 'http:' ? httpAgent : httpsAgent,
    });
    let answered = false;
    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error: NodeJS.ErrnoException) => {
      const stale = request.reusedSocket && !answered && STALE_CODES.has(error.code ?? '');
      settle(stale ? new StaleConnection('stale connection', { cause: error }) : error);
    });
    request.on('response', (message) => {
      answered = true;
      receive(message, method)
        .then((bytes) => settle(undefined, responseOf(message, bytes, target.href)))
        .catch((error: unknown) => {
          settle(error);
          message.destroy();
        });
    });
    request.end(body);
  });
}

/** The whole body, decompressed as its Content-Encoding says (codings applied last are undone first). */
async function receive(message: IncomingMessage, method: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', resolve);
    message.on('error', reject);
    message.on('close', () => {
      if (!message.complete) reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    });
  });
  let bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  const status = message.statusCode ?? 0;
  if (method === 'HEAD' || NULL_BODY_STATUS.has(status) || bytes.length === 0) return bytes;
  const codings = (message.headers['content-encoding'] ?? '').toLowerCase().split(',');
  for (const coding of codings.reverse()) {
    const decode = decoders[coding.trim()];
    if (decode) bytes = await decode(bytes, inflateOptions(bytes));
  }
  return bytes;
}

function responseOf(message: IncomingMessage, bytes: Buffer, url: string): Response {
  const headers = new Headers();
  const raw = message.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return receivedResponse(
    bytes,
    { status: message.statusCode ?? 0, statusText: message.statusMessage ?? '', headers },
    url,
  );
}
