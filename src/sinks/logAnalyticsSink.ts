import type { TokenCredential } from '@azure/identity';
import type * as MonitorIngestion from '@azure/monitor-ingestion';
import type { LogsIngestionClient, LogsIngestionClientOptions } from '@azure/monitor-ingestion';
import { tableByName, type TableName, type TableRecords } from '../tables/definitions.js';
import { streamName, toRow, type TableDefinition } from '../tables/schema.js';
import { SinkError, type RecordSink } from './sink.js';
import type { SerialisedRows } from '../tables/serialisedRows.js';
import { runPool } from '../pool.js';

/**
 * Log Analytics through the Logs Ingestion API (`@azure/monitor-ingestion`): one DCR, one stream per table
 * (`Custom-<Table>`). The SDK gzips each request and retries 429 (honouring Retry-After) and 5xx; this sink
 * makes each row acceptable to the service, sizes the requests itself and turns every failure into a
 * SinkError with the number of rows that did not arrive.
 */

/**
 * Longest string value sent. The service silently truncates field values over 64 KB, which cuts JSON
 * and multi-byte text at a random point; we cut earlier, at a character boundary, with a visible marker.
 */
export const MAX_FIELD_CHARS = 32_000;
/** 32,000 characters can be 96 KB of UTF-8 (CJK), so bytes are capped too, below the 64 KB service limit. */
const MAX_FIELD_BYTES = 60_000;
/**
 * Largest request body (JSON array, uncompressed). The service limit is "1 MB"; the SDK's own chunking
 * keeps the sum of the rows under 1,000,000 bytes but not the commas and brackets, so a full SDK chunk
 * is slightly over 1,000,000. We chunk first, with headroom, and hand the SDK chunks it will not split.
 */
export const MAX_REQUEST_BYTES = 990_000;
/** A row must fit into a request of its own. */
export const MAX_ROW_BYTES = MAX_REQUEST_BYTES - 2;
/** Oversized rows are retried with halved field limits down to this floor before giving up. */
const MIN_FIELD_CHARS = 1_000;
/** Requests in flight per write, as the SDK's own default. */
const DEFAULT_CONCURRENCY = 5;

export interface LogAnalyticsTarget {
  /** The DCR's logs ingestion endpoint (or a DCE), https. */
  readonly endpoint: string;
  /** `dcr-<32 hex>`, the DCR's immutableId. */
  readonly dcrImmutableId: string;
  /** Token audience of the cloud (AZURE_CLOUD); the SDK's default is the public cloud's. */
  readonly audience?: string;
}

export interface LogAnalyticsSinkOptions extends LogsIngestionClientOptions {
  /** Requests in flight per write (default 5). */
  readonly maxConcurrency?: number;
}

export interface PreparedRow {
  /** The row as JSON (UTF-8), made once: sizing the row and building its request both use it. */
  readonly json: Uint8Array;
  readonly bytes: number;
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/** A request body: the rows as one JSON array. */
function requestBody(rows: readonly PreparedRow[]): Buffer {
  const parts: Uint8Array[] = [OPEN];
  rows.forEach((row, i) => parts.push(...(i === 0 ? [row.json] : [COMMA, row.json])));
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

/**
 * Rows are serialised once, by prepareRow: the SDK would serialise each row again to size its chunks
 * and once more for the request (with our own sizing, four times in all, a third of the sink's CPU).
 * So `upload` gets one stand-in per request, which serialises to a token, and this policy (before the
 * SDK's gzip, which runs once per request, not per retry) puts the request body we built in its place.
 */
const BODY_TOKEN = /^\["(csm-body-\d+)"\]$/;
const GZIP_POLICY = 'GzippingPolicy';
type PipelinePolicy = Parameters<LogsIngestionClient['pipeline']['addPolicy']>[0];

function preSerialisedBodies(bodies: Map<string, Buffer>): PipelinePolicy {
  return {
    name: 'csmPreSerialisedBodies',
    sendRequest: (request, next) => {
      const token = typeof request.body === 'string' ? BODY_TOKEN.exec(request.body)?.[1] : undefined;
      if (token !== undefined) {
        const body = bodies.get(token);
        if (body === undefined) throw new Error(`no request body for ${token}`);
        request.body = body;
      }
      return next(request);
    },
  };
}

type Sdk = typeof MonitorIngestion;

export class LogAnalyticsSink implements RecordSink {
  /** The SDK and its client, loaded with the first write: a function file that never writes loads neither. */
  private sdk: Promise<{ client: LogsIngestionClient; sdk: Sdk }> | undefined;
  private readonly maxConcurrency: number;
  private readonly bodies = new Map<string, Buffer>();
  private nextBody = 0;

  constructor(
    private readonly target: LogAnalyticsTarget,
    private readonly credential: TokenCredential,
    private readonly options: LogAnalyticsSinkOptions = {},
  ) {
    this.maxConcurrency = Math.max(1, options.maxConcurrency ?? DEFAULT_CONCURRENCY);
  }

  private clientOf(): Promise<{ client: LogsIngestionClient; sdk: Sdk }> {
    this.sdk ??= import('@azure/monitor-ingestion').then((sdk) => {
      const { maxConcurrency: _perWrite, ...clientOptions } = this.options;
      const client = new sdk.LogsIngestionClient(this.target.endpoint, this.credential, {
        ...(this.target.audience ? { audience: this.target.audience } : {}),
        ...clientOptions,
      });
      client.pipeline.addPolicy(preSerialisedBodies(this.bodies), { beforePolicies: [GZIP_POLICY] });
      return { client, sdk };
    });
    return this.sdk;
  }

  async write<N extends TableName>(table: N, rows: readonly TableRecords[N][]): Promise<void> {
    const definition = tableByName(table);
    return this.send(table, definition, rows.length, () =>
      rows.map((record, index) => prepareRow(definition, record, index)),
    );
  }

  async writeJson(table: TableName, rows: SerialisedRows): Promise<void> {
    const definition = tableByName(table);
    return this.send(table, definition, rows.count, () => {
      const prepared: PreparedRow[] = [];
      for (let i = 0; i < rows.count; i++) prepared.push(prepareJsonRow(definition, rows, i));
      return prepared;
    });
  }

  /** Sends `count` rows, prepared by `prepare`, in requests of at most MAX_REQUEST_BYTES. */
  private async send(
    table: TableName,
    definition: TableDefinition,
    count: number,
    prepare: () => PreparedRow[],
  ): Promise<void> {
    if (count === 0) return;
    const stream = streamName(definition);
    let prepared: PreparedRow[];
    let chunks: number[][];
    try {
      prepared = prepare();
      chunks = chunkIndices(prepared);
    } catch (error) {
      // Nothing has been sent: the whole batch failed.
      throw new SinkError(`${stream}: ${count} rows not sent: ${describe(error)}`, table, count, {
        cause: error,
      });
    }
    const failures = await runPool(chunks, this.maxConcurrency, (chunk) =>
      this.upload(stream, requestBody(chunk.map((index) => prepared[index]!))),
    );
    const failed = failures.filter((f) => f !== undefined);
    if (failed.length === 0) return;
    // A request is all or nothing: every row of a failed one is not stored.
    const rejected = failures.flatMap((failure, i) => (failure ? chunks[i]! : [])).sort((a, b) => a - b);
    const causes = [...new Set(failed.map((f) => describe(f.cause)))].slice(0, 3);
    throw new SinkError(
      `${stream}: Logs Ingestion rejected ${rejected.length} of ${count} rows ` +
        `(${failed.length} of ${chunks.length} requests failed): ${causes.join('; ')}`,
      table,
      rejected.length,
      {
        cause: new AggregateError(
          failed.map((f) => f.cause),
          'Logs Ingestion requests failed',
        ),
        rejected,
      },
    );
  }

  /**
   * One request with `body` (a JSON array of at most MAX_REQUEST_BYTES: the SDK sees one stand-in and
   * does not split it). Resolves with the cause when it was not accepted.
   */
  private async upload(stream: string, body: Buffer): Promise<{ cause: unknown } | undefined> {
    const token = `csm-body-${this.nextBody++}`;
    this.bodies.set(token, body);
    const standIn = { toJSON: () => token };
    let sdk: Sdk | undefined;
    try {
      const loaded = await this.clientOf();
      sdk = loaded.sdk;
      await loaded.client.upload(this.target.dcrImmutableId, stream, [standIn], { maxConcurrency: 1 });
      return undefined;
    } catch (error) {
      if (sdk?.isAggregateLogsUploadError(error)) return { cause: error.errors[0]?.cause ?? error };
      return { cause: error };
    } finally {
      this.bodies.delete(token);
    }
  }
}

/** Packs rows into request bodies of at most MAX_REQUEST_BYTES, array brackets and commas included. */
export function chunkRows<T extends Pick<PreparedRow, 'bytes'>>(
  prepared: readonly T[],
  maxBytes = MAX_REQUEST_BYTES,
): T[][] {
  return chunkIndices(prepared, maxBytes).map((chunk) => chunk.map((index) => prepared[index]!));
}

/** chunkRows, as the positions of the rows in `prepared`. */
function chunkIndices(
  prepared: readonly Pick<PreparedRow, 'bytes'>[],
  maxBytes = MAX_REQUEST_BYTES,
): number[][] {
  const chunks: number[][] = [];
  let chunk: number[] = [];
  let size = 2; // []
  prepared.forEach(({ bytes }, index) => {
    if (chunk.length > 0 && size + 1 + bytes > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      size = 2;
    }
    size += bytes + (chunk.length > 0 ? 1 : 0);
    chunk.push(index);
  });
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/**
 * The row sent for a record and its JSON size: exactly the table's columns (toRow), every value short enough
 * for the service, the whole row small enough for one request. Throws when even the tightest limits leave
 * it too large.
 */
export function prepareRow(
  table: TableDefinition,
  record: Readonly<Record<string, unknown>>,
  index = 0,
): PreparedRow {
  const row = toRow(table, record);
  return prepared(table, row, Buffer.from(JSON.stringify(row)), index);
}

/** prepareRow for row `index` of rows already serialised: read back only when it needs fitting. */
export function prepareJsonRow(table: TableDefinition, rows: SerialisedRows, index: number): PreparedRow {
  const json = rows.row(index);
  // A row this short has no value over the limits (bytes >= characters).
  if (json.length <= MAX_FIELD_CHARS) return { json, bytes: json.length };
  return prepared(table, JSON.parse(rows.rowText(index)) as Record<string, unknown>, json, index);
}

function prepared(
  table: TableDefinition,
  row: Readonly<Record<string, unknown>>,
  json: Uint8Array,
  index: number,
): PreparedRow {
  let bytes = json.length;
  // No value is longer than the whole row's JSON: a row within the field limits needs no fitting.
  if (bytes <= MAX_FIELD_CHARS) return { json, bytes };
  for (let limit = MAX_FIELD_CHARS; limit >= MIN_FIELD_CHARS; limit = Math.floor(limit / 2)) {
    const fitted = Buffer.from(JSON.stringify(fitFields(table, row, limit)));
    bytes = fitted.length;
    if (bytes <= MAX_ROW_BYTES) return { json: fitted, bytes };
  }
  throw new Error(
    `row ${index} is ${bytes} bytes even with values cut to ${MIN_FIELD_CHARS} characters; ` +
      `a Logs Ingestion request is limited to 1 MB`,
  );
}

function fitFields(
  table: TableDefinition,
  row: Readonly<Record<string, unknown>>,
  limit: number,
): Record<string, unknown> {
  const fitted: Record<string, unknown> = {};
  for (const [name, column] of Object.entries(table.columns)) {
    const value = row[name];
    if (typeof value === 'string') fitted[name] = truncateText(value, limit);
    else if (column.type === 'dynamic' && value !== null && typeof value === 'object') {
      fitted[name] = fitDynamic(value, limit);
    } else fitted[name] = value;
  }
  return fitted;
}

/**
 * A dynamic value too large to send whole becomes an object that says so, rather than JSON cut mid-way,
 * which KQL's parse_json could not read. The preview keeps the start for a human to look at.
 */
function fitDynamic(value: object, limit: number): unknown {
  const json = JSON.stringify(value);
  if (json.length <= limit && Buffer.byteLength(json) <= MAX_FIELD_BYTES) return value;
  return { truncated: true, originalLength: json.length, preview: truncateText(json, limit) };
}

/** Cuts `text` to at most `maxChars` characters and MAX_FIELD_BYTES bytes, marker included. */
export function truncateText(text: string, maxChars: number = MAX_FIELD_CHARS): string {
  if (text.length <= maxChars && Buffer.byteLength(text) <= MAX_FIELD_BYTES) return text;
  const marker = ` [...truncated, ${text.length} characters in total]`;
  let keep = Math.min(text.length, maxChars) - marker.length;
  for (;;) {
    // Never split a surrogate pair: a lone surrogate becomes U+FFFD or invalid JSON downstream.
    const end = isHighSurrogate(text.charCodeAt(keep - 1)) ? keep - 1 : keep;
    const cut = text.slice(0, Math.max(0, end)) + marker;
    if (Buffer.byteLength(cut) <= MAX_FIELD_BYTES) return cut;
    keep = Math.floor(keep * 0.9);
  }
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/** Status-specific hints for the failures an operator can fix. */
const hints: Readonly<Record<number, string>> = {
  401: 'check the identity and the token audience (https://monitor.azure.com)',
  403: 'the identity needs the Monitoring Metrics Publisher role on the data collection rule',
  404: 'check LOGS_INGESTION_DCR_IMMUTABLE_ID and that the DCR declares this stream',
  413: 'request over 1 MB',
};

/** A short, single-line description of a failure, safe to log: bearer tokens are never included. */
function describe(error: unknown): string {
  const status = statusOf(error);
  const message = redact(error instanceof Error ? error.message : String(error))
    .replace(/\s+/g, ' ')
    .slice(0, 300);
  const hint = status === undefined ? undefined : hints[status];
  return `${status === undefined ? '' : `HTTP ${status}: `}${message}${hint ? ` (${hint})` : ''}`;
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('statusCode' in error)) return undefined;
  return typeof error.statusCode === 'number' ? error.statusCode : undefined;
}

/** Service and transport messages should not echo credentials, but a leaked token must not reach the logs. */
function redact(text: string): string {
  return text
    .replace(/Bearer\s+[^\s"',;]+/gi, 'Bearer [redacted]')
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[redacted-jwt]');
}
