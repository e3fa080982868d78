import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import type * as DataTables from '@azure/data-tables';
import type {
  TableClient,
  TableEntity,
  TableEntityResult,
  TableServiceClientOptions,
} from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { defaultAzureCredential } from '../azure/defaultCredential.js';
import type { StateTableSettings } from './settings.js';
import {
  STATE_VALUE_MAX_BYTES,
  StateConflictError,
  StateDecodeError,
  StateTooLargeError,
  type StateKey,
  type StateStore,
  type Versioned,
  type WriteCondition,
} from './store.js';

export interface TableStateStoreFactoryOptions {
  /** Used for an account URL; tests inject one. Default: DefaultAzureCredential (managed identity in Azure). */
  readonly credential?: TokenCredential;
}

const CHUNK_BYTES = 64 * 1024;
/** Below this, deflating saves too little to be worth a step. */
const DEFLATE_FROM_BYTES = 1024;
const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);
type Encoding = 'utf8' | 'deflate-raw';
/** RowKey and PartitionKey may each be up to 1 KiB; our escaped keys are ASCII, counted as UTF-16 to be safe. */
const MAX_KEY_CHARS = 512;

type EntityToStore = TableEntity<Record<string, unknown>>;
type StoredEntity = TableEntityResult<Record<string, unknown>>;

/**
 * State in Azure Table Storage: PartitionKey = tenant id, RowKey = state name (both escaped), with the
 * service's ETags for optimistic concurrency.
 *
 * The JSON is stored as UTF-8 bytes split over Binary properties `v0`, `v1`, ... plus a `chunks` count,
 * not as String properties: the service counts strings as UTF-16 (2 bytes a character) against its
 * 1 MiB entity limit, so a 900 kB JSON value would not fit as text, while as bytes it does
 * (<= 900,000 + 15 x ~20 bytes of property overhead + <= 2 KiB of keys). Each Binary property may hold
 * at most 64 KiB. The bytes are deflated when that makes them smaller (`encoding`): JSON always
 * compresses (even random printable ASCII deflates to ~82%), which means less to send, and it keeps
 * values inside Azurite's stricter check, which rejects an update whose request body (binary as base64,
 * so 4/3 of the bytes) exceeds 1 MiB although the real service counts the decoded bytes.
 *
 * Every write also stores a random write id (`w`). The SDK retries requests after timeouts and 5xx
 * answers; when a retried conditional write meets a 409/412, the first attempt may have succeeded, and
 * reading back our own write id tells a real conflict from our own earlier success.
 */
type Tables = typeof DataTables;

export class TableStateStore implements StateStore {
  /** The SDK and the client, loaded with the first operation: a function file that never needs state loads neither. */
  private loaded: Promise<{ client: TableClient; sdk: Tables }> | undefined;

  /** `client`, or how to make it once the SDK is loaded. */
  constructor(private readonly client: TableClient | ((sdk: Tables) => TableClient)) {}

  private clientOf(): Promise<{ client: TableClient; sdk: Tables }> {
    this.loaded ??= import('@azure/data-tables').then((sdk) => ({
      client: typeof this.client === 'function' ? this.client(sdk) : this.client,
      sdk,
    }));
    return this.loaded;
  }

  static fromSettings(
    stateTable: StateTableSettings,
    options: TableStateStoreFactoryOptions = {},
  ): TableStateStore {
    if (stateTable.kind === 'connectionString') {
      const clientOptions: TableServiceClientOptions = {
        allowInsecureConnection: isPlainHttpConnectionString(stateTable.connectionString),
      };
      return new TableStateStore(({ TableClient }) =>
        TableClient.fromConnectionString(stateTable.connectionString, stateTable.tableName, clientOptions),
      );
    }
    const credential =
      options.credential ??
      defaultAzureCredential({ managedIdentityClientId: stateTable.managedIdentityClientId });
    return new TableStateStore(
      ({ TableClient }) => new TableClient(stateTable.accountUrl, stateTable.tableName, credential),
    );
  }

  async read(key: StateKey): Promise<Versioned<unknown> | undefined> {
    const entity = await this.getEntity(key);
    if (!entity) return undefined;
    return { value: await decodeValue(entity, key), etag: entity.etag };
  }

  async write(key: StateKey, value: unknown, condition: WriteCondition): Promise<string> {
    const writeId = randomUUID();
    const entity = await encodeEntity(key, value, writeId);
    try {
      // Replace, never Merge: a value that shrank must not keep the old value's trailing chunks.
      const { client } = await this.clientOf();
      const response = await this.withTable(() => {
        if ('ifMatch' in condition) {
          return client.updateEntity(entity, 'Replace', { etag: condition.ifMatch });
        }
        if ('ifNoneMatch' in condition) return client.createEntity(entity);
        return client.upsertEntity(entity, 'Replace');
      });
      if (!response.etag) throw new Error(`Table Storage returned no ETag for ${key.tenantId}/${key.name}`);
      return response.etag;
    } catch (error) {
      // 412: the etag no longer matches; 409: it exists already (ifNoneMatch); 404: it is gone (ifMatch).
      const status = restError(error)?.status;
      if (status === 412 || status === 409 || (status === 404 && 'ifMatch' in condition)) {
        const current = await this.getEntity(key);
        if (current && current.w === writeId) return current.etag;
        throw new StateConflictError(key);
      }
      throw error;
    }
  }

  async delete(key: StateKey, condition?: { readonly ifMatch: string }): Promise<void> {
    const { partitionKey, rowKey } = entityKeys(key);
    const { client } = await this.clientOf();
    try {
      await client.deleteEntity(partitionKey, rowKey, { etag: condition?.ifMatch ?? '*' });
    } catch (error) {
      const status = restError(error)?.status;
      if (status === 404) return; // missing entity or table: nothing to delete
      if (status === 412) throw new StateConflictError(key);
      throw error;
    }
  }

  async list(tenantId: string, prefix = ''): Promise<string[]> {
    const partitionKey = escapeKey(tenantId, 'tenant id');
    const low = prefix === '' ? '' : escapeKey(prefix, 'prefix', true);
    // Escaped keys are printable ASCII below '~' at their last position, so bumping the last character
    // gives the smallest string above every key that starts with `low`: a range query on RowKey.
    const high = low === '' ? '' : low.slice(0, -1) + String.fromCharCode(low.charCodeAt(low.length - 1) + 1);
    const {
      client,
      sdk: { odata },
    } = await this.clientOf();
    const filter =
      low === ''
        ? odata`PartitionKey eq ${partitionKey}`
        : odata`PartitionKey eq ${partitionKey} and RowKey ge ${low} and RowKey lt ${high}`;
    const names: string[] = [];
    try {
      for await (const entity of client.listEntities({ queryOptions: { filter, select: ['RowKey'] } })) {
        const name = unescapeKey(entity.rowKey ?? '');
        if (name !== undefined && name.startsWith(prefix)) names.push(name);
      }
    } catch (error) {
      if (restError(error)?.status === 404) return []; // the table does not exist yet
      throw error;
    }
    return names.sort();
  }

  private async getEntity(key: StateKey): Promise<StoredEntity | undefined> {
    const { partitionKey, rowKey } = entityKeys(key);
    const { client } = await this.clientOf();
    try {
      return await client.getEntity<Record<string, unknown>>(partitionKey, rowKey);
    } catch (error) {
      if (restError(error)?.status === 404) return undefined; // no such entity, or no table yet
      throw error;
    }
  }

  /** Creates the table on first use: a fresh deployment or a new Azurite has none until the first write. */
  private async withTable<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (restError(error)?.code !== 'TableNotFound') throw error;
      await (await this.clientOf()).client.createTable(); // the SDK already ignores 409 TableAlreadyExists
      return operation();
    }
  }
}

/* ---------------------------------------------------------------- entity encoding */

async function encodeEntity(key: StateKey, value: unknown, writeId: string): Promise<EntityToStore> {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`state ${key.tenantId}/${key.name}: value is not JSON`);
  const raw = Buffer.from(json, 'utf8');
  if (raw.length > STATE_VALUE_MAX_BYTES) throw new StateTooLargeError(key, raw.length);
  const deflated = raw.length >= DEFLATE_FROM_BYTES ? await deflate(raw) : undefined;
  const [bytes, encoding]: [Buffer, Encoding] =
    deflated && deflated.length < raw.length ? [deflated, 'deflate-raw'] : [raw, 'utf8'];
  const entity: EntityToStore = { ...entityKeys(key), encoding, chunks: 0, w: writeId };
  let chunks = 0;
  for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES, chunks++) {
    // A copy, not a view: the SDK base64-encodes the Uint8Array it is given, and a view over a pooled
    // Buffer could expose unrelated bytes of the pool.
    entity[`v${chunks}`] = new Uint8Array(bytes.subarray(offset, offset + CHUNK_BYTES));
  }
  entity.chunks = chunks;
  return entity;
}

/** Throws StateDecodeError (with the entity's etag and its properties as `raw`) when the entity is damaged. */
async function decodeValue(entity: StoredEntity, key: StateKey): Promise<unknown> {
  const damaged = (reason: string, cause?: unknown): StateDecodeError =>
    new StateDecodeError(key, reason, entity.etag, { raw: rawProperties(entity), cause });
  const { chunks, encoding } = entity;
  if (typeof chunks !== 'number' || !Number.isInteger(chunks) || chunks < 1) {
    throw damaged('has no valid chunk count');
  }
  if (encoding !== 'utf8' && encoding !== 'deflate-raw') throw damaged('has an unknown encoding');
  const parts: Uint8Array[] = [];
  for (let i = 0; i < chunks; i++) {
    const part = entity[`v${i}`];
    if (!(part instanceof Uint8Array)) throw damaged(`is missing chunk v${i}`);
    parts.push(part);
  }
  try {
    const stored = Buffer.concat(parts);
    // The output cap keeps a damaged entity from inflating into something huge.
    const raw =
      encoding === 'utf8' ? stored : await inflate(stored, { maxOutputLength: STATE_VALUE_MAX_BYTES });
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (error) {
    throw damaged(`is not valid ${encoding} JSON`, error);
  }
}

/** An entity's own properties as JSON (binary as base64), for keeping a copy of a damaged one. */
function rawProperties(entity: StoredEntity): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(entity)) {
    if (['partitionKey', 'rowKey', 'etag', 'timestamp', 'odata.metadata'].includes(name)) continue;
    raw[name] = value instanceof Uint8Array ? { base64: Buffer.from(value).toString('base64') } : value;
  }
  return raw;
}

function entityKeys(key: StateKey): { partitionKey: string; rowKey: string } {
  return { partitionKey: escapeKey(key.tenantId, 'tenant id'), rowKey: escapeKey(key.name, 'name') };
}

/* ---------------------------------------------------------------- key escaping */

/**
 * Table Storage forbids / \ # ? and control characters in keys, and '%' and quotes are known to trip
 * up URL handling in some tools. Everything outside printable ASCII, those characters and the escape
 * character '~' itself become ~XX (UTF-8 bytes, upper-case hex). Keys stay ASCII, so their sort order is
 * unambiguous, and escaping works per character, so an escaped prefix is a prefix of the escaped name.
 */
export function escapeKey(text: string, what: string, allowEmpty = false): string {
  if (text.length === 0 && !allowEmpty) throw new TypeError(`state key needs a non-empty ${what}`);
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x20 && code < 0x7e && !`/\\#?%'`.includes(char)) {
      out += char;
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      throw new TypeError(`state key ${JSON.stringify(text)} is not valid Unicode (lone surrogate)`);
    }
    for (const byte of Buffer.from(char, 'utf8'))
      out += `~${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out.length > MAX_KEY_CHARS) {
    throw new RangeError(
      `state key ${what} is too long for Table Storage once escaped (${out.length} > ${MAX_KEY_CHARS})`,
    );
  }
  return out;
}

/** The text behind an escaped key, or undefined for a key this store did not write. */
export function unescapeKey(escaped: string): string | undefined {
  try {
    const text = decodeURIComponent(escaped.replaceAll('%', '%25').replaceAll('~', '%'));
    return escapeKey(text, 'key', true) === escaped ? text : undefined;
  } catch {
    return undefined;
  }
}

/* ---------------------------------------------------------------- errors and connection strings */

function restError(error: unknown): { status: number | undefined; code: string | undefined } | undefined {
  if (typeof error !== 'object' || error === null || (error as { name?: unknown }).name !== 'RestError') {
    return undefined;
  }
  const { statusCode, code, details } = error as { statusCode?: number; code?: string; details?: unknown };
  const odataCode = (details as { odataError?: { code?: unknown } } | undefined)?.odataError?.code;
  const errorCode = (details as { errorCode?: unknown } | undefined)?.errorCode;
  const detailCode =
    typeof odataCode === 'string' ? odataCode : typeof errorCode === 'string' ? errorCode : undefined;
  return { status: statusCode, code: detailCode ?? code };
}

/**
 * Azurite (and any other local emulator) serves plain http, which the SDK refuses unless told otherwise.
 * `UseDevelopmentStorage=true` is handled by the SDK itself; explicit http endpoints are handled here.
 */
export function isPlainHttpConnectionString(connectionString: string): boolean {
  const parts = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) parts.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  const endpoint = parts.get('tableendpoint');
  if (endpoint) return endpoint.toLowerCase().startsWith('http://');
  return parts.get('defaultendpointsprotocol')?.toLowerCase() === 'http';
}
