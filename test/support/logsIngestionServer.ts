import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { tables as allTables } from '../../src/tables/definitions.js';
import { streamName, type ColumnType, type TableDefinition } from '../../src/tables/schema.js';
import { testCertificate } from './tls.js';

/**
 * A local stand-in for the Azure Monitor Logs Ingestion API, spoken to by the real `@azure/monitor-ingestion`
 * client: `POST /dataCollectionRules/{dcrImmutableId}/streams/{stream}?api-version=2023-01-01`, bearer
 * token, gzip or plain JSON array body, 1 MB limit, 204 on success. It is stricter than the service on
 * purpose: every row must carry exactly the columns the table declares, with values of the declared type,
 * so a sink that drifts from the table definitions fails here instead of silently losing columns in Azure.
 */

export const API_VERSION = '2023-01-01';
export const TEST_DCR_IMMUTABLE_ID = 'dcr-00000000000000000000000000000001';
/** "1 MB" in the service limits; the SDK keeps requests below 1,000,000 bytes, so 1 MiB leaves no doubt. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly dcrImmutableId: string | undefined;
  readonly stream: string | undefined;
  readonly headers: IncomingHttpHeaders;
  /** Bytes on the wire (gzip when Content-Encoding is gzip). */
  readonly compressedBytes: number;
  /** Bytes of the JSON text; undefined when it could not be decoded. */
  readonly uncompressedBytes: number | undefined;
  /** The decoded JSON array; undefined when the body was not one. */
  readonly rows: readonly Record<string, unknown>[] | undefined;
  readonly status: number;
  /** The error message answered, for non-2xx. */
  readonly error: string | undefined;
}

export interface Fault {
  readonly status: number;
  /** Sent as Retry-After (seconds), e.g. with 429 or 503. */
  readonly retryAfterSeconds?: number;
}

export interface LogsIngestionServerOptions {
  readonly dcrImmutableId?: string;
  readonly tables?: readonly TableDefinition[];
  readonly maxBodyBytes?: number;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class LogsIngestionServer {
  readonly requests: RecordedRequest[] = [];
  readonly dcrImmutableId: string;
  private readonly streams: ReadonlyMap<string, TableDefinition>;
  private readonly maxBodyBytes: number;
  private readonly faults: Fault[] = [];
  private readonly server: Server;

  private constructor(options: LogsIngestionServerOptions) {
    this.dcrImmutableId = options.dcrImmutableId ?? TEST_DCR_IMMUTABLE_ID;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.streams = new Map((options.tables ?? allTables).map((table) => [streamName(table), table]));
    const { cert, key } = testCertificate();
    this.server = createServer({ cert, key }, (req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
      });
    });
  }

  static async start(options: LogsIngestionServerOptions = {}): Promise<LogsIngestionServer> {
    const instance = new LogsIngestionServer(options);
    await new Promise<void>((resolve, reject) => {
      instance.server.once('error', reject);
      instance.server.listen(0, '127.0.0.1', () => resolve());
    });
    return instance;
  }

  /** The endpoint to give LogsIngestionClient (LOGS_INGESTION_ENDPOINT). */
  get endpoint(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Answer the next `count` requests with `fault` instead of processing them (Infinity: until cleared). */
  failNext(count: number, fault: Fault): void {
    for (let i = 0; i < Math.min(count, 10_000); i++) this.faults.push(fault);
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Rows the server accepted (answered 204), in arrival order, optionally for one stream. */
  acceptedRows(stream?: string): Record<string, unknown>[] {
    return this.requests
      .filter((r) => r.status === 204 && (stream === undefined || r.stream === stream))
      .flatMap((r) => r.rows ?? []);
  }

  reset(): void {
    this.requests.length = 0;
    this.clearFaults();
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.endpoint);
    const match = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)$/.exec(url.pathname);
    const dcrImmutableId = match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
    const stream = match?.[2] === undefined ? undefined : decodeURIComponent(match[2]);
    const wire = await readBody(req);
    let uncompressedBytes: number | undefined;
    let rows: Record<string, unknown>[] | undefined;
    let status = 204;
    let error: string | undefined;
    let code = 'Success';
    try {
      if (!match) throw new HttpProblem(404, 'NotFound', `no route for ${url.pathname}`);
      if (req.method !== 'POST') throw new HttpProblem(405, 'MethodNotAllowed', `${req.method} not allowed`);
      if (url.searchParams.get('api-version') !== API_VERSION) {
        throw new HttpProblem(400, 'InvalidApiVersion', `api-version must be ${API_VERSION}`);
      }
      if (!/^Bearer \S+$/.test(req.headers.authorization ?? '')) {
        throw new HttpProblem(401, 'InvalidToken', 'a bearer token is required');
      }
      if (dcrImmutableId !== this.dcrImmutableId) {
        throw new HttpProblem(
          404,
          'InvalidDataCollectionRule',
          `data collection rule ${dcrImmutableId} not found`,
        );
      }
      const fault = this.faults.shift();
      if (fault) {
        if (fault.retryAfterSeconds !== undefined)
          res.setHeader('Retry-After', String(fault.retryAfterSeconds));
        throw new HttpProblem(fault.status, 'InjectedFault', `injected fault ${fault.status}`);
      }
      const json = this.decode(req.headers, wire);
      uncompressedBytes = json.length;
      rows = this.parseRows(json, stream);
    } catch (problem) {
      if (!(problem instanceof HttpProblem)) throw problem;
      status = problem.status;
      code = problem.code;
      error = problem.message;
    }
    this.requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      dcrImmutableId,
      stream,
      headers: { ...req.headers },
      compressedBytes: wire.length,
      uncompressedBytes,
      rows,
      status,
      error,
    });
    if (status === 204) return void res.writeHead(204).end();
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code, message: error } }));
  }

  private decode(headers: IncomingHttpHeaders, wire: Buffer): Buffer {
    if (wire.length > this.maxBodyBytes) {
      throw new HttpProblem(
        413,
        'ContentLengthLimitExceeded',
        `body of ${wire.length} bytes is over the limit`,
      );
    }
    const encoding = headers['content-encoding'];
    if (encoding === undefined || encoding === 'identity') return wire;
    if (encoding !== 'gzip')
      throw new HttpProblem(415, 'UnsupportedEncoding', `Content-Encoding ${encoding}`);
    try {
      // maxOutputLength also guards against a gzip bomb.
      return gunzipSync(wire, { maxOutputLength: this.maxBodyBytes });
    } catch (error) {
      if (error instanceof RangeError) {
        throw new HttpProblem(413, 'ContentLengthLimitExceeded', 'uncompressed body is over the limit');
      }
      throw new HttpProblem(400, 'InvalidContentEncoding', 'body is not valid gzip');
    }
  }

  private parseRows(json: Buffer, stream: string | undefined): Record<string, unknown>[] {
    const table = stream === undefined ? undefined : this.streams.get(stream);
    if (!table) throw new HttpProblem(400, 'InvalidStream', `stream ${stream} is not declared in the DCR`);
    let body: unknown;
    try {
      body = JSON.parse(json.toString('utf8'));
    } catch {
      throw new HttpProblem(400, 'InvalidPayload', 'malformed JSON');
    }
    if (!Array.isArray(body)) throw new HttpProblem(400, 'InvalidPayload', 'body must be a JSON array');
    const declared = Object.keys(table.columns);
    return body.map((row: unknown, index) => {
      if (typeof row !== 'object' || row === null || Array.isArray(row)) {
        throw new HttpProblem(400, 'InvalidPayload', `row ${index} is not an object`);
      }
      const record = row as Record<string, unknown>;
      const extra = Object.keys(record).filter((name) => !(name in table.columns));
      const missing = declared.filter((name) => !(name in record));
      if (extra.length > 0 || missing.length > 0) {
        throw new HttpProblem(
          400,
          'InvalidColumns',
          `row ${index} of ${stream}: unknown columns [${extra.join(', ')}], missing columns [${missing.join(', ')}]`,
        );
      }
      for (const [name, column] of Object.entries(table.columns)) {
        if (!valueFits(column.type, record[name])) {
          throw new HttpProblem(
            400,
            'InvalidValue',
            `row ${index} of ${stream}: ${name} is not a ${column.type}`,
          );
        }
      }
      return record;
    });
  }
}

function valueFits(type: ColumnType, value: unknown): boolean {
  if (value === null || type === 'dynamic') return true;
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'datetime':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value));
    case 'int':
    case 'long':
      return Number.isInteger(value);
    case 'real':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
