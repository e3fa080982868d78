import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config.js';
import { createStateStore } from '../../src/state/createStateStore.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import { STATE_VALUE_MAX_BYTES, StateConflictError, StateDecodeError } from '../../src/state/store.js';
import {
  TableStateStore,
  escapeKey,
  isPlainHttpConnectionString,
  unescapeKey,
} from '../../src/state/tableStateStore.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { testCertificate } from '../support/tls.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const key = (name: string) => ({ tenantId: TENANT, name });

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

const freshTable = (): string => `t${randomUUID().replaceAll('-', '').slice(0, 20)}`;
const rawClient = (table: string, options: TableServiceClientOptions = {}): TableClient =>
  TableClient.fromConnectionString(azurite.connectionString, table, {
    allowInsecureConnection: true,
    ...options,
  });

/** The worst case for compression: random printable ASCII (no quote or backslash, so no JSON escapes). */
function randomJsonString(bytes: number): string {
  const alphabet = [...Array(95).keys()]
    .map((i) => String.fromCharCode(32 + i))
    .filter((c) => c !== '"' && c !== '\\');
  return [...randomBytes(bytes - 2)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** Entity size as the service counts it (Understanding the Table service data model; binary = its bytes). */
function entitySize(entity: Record<string, unknown>, partitionKey: string, rowKey: string): number {
  let size = 4 + (partitionKey.length + rowKey.length) * 2;
  for (const [name, value] of Object.entries(entity)) {
    if (['partitionKey', 'rowKey', 'etag', 'timestamp'].includes(name)) continue;
    const valueSize =
      value instanceof Uint8Array ? value.length + 4 : typeof value === 'string' ? value.length * 2 + 4 : 8;
    size += 8 + name.length * 2 + valueSize;
  }
  return size;
}

describe('TableStateStore key escaping', () => {
  it('escapes forbidden characters reversibly, keeps keys ASCII, and preserves prefixes', () => {
    const samples = ['plain', 'a/b\\c#d?e', '%7E ~41', "it's", 'ü😀中', 'ctl\u0000\u001f\u007f\u0085', ' x '];
    for (let i = 0; i < 200; i++) {
      samples.push(String.fromCodePoint(...[...randomBytes(12)].map((b) => (b < 200 ? b : 0x1f600 + b))));
    }
    for (const text of samples) {
      const escaped = escapeKey(text, 'name');
      expect(escaped).toMatch(/^[\x20-\x7e]*[\x20-\x7d]$/); // printable ASCII, never ending in '~'
      expect(escaped).not.toMatch(/[/\\#?%']/);
      expect(unescapeKey(escaped)).toBe(text);
      expect(escapeKey(text + 'suffix/x', 'name').startsWith(escaped)).toBe(true);
    }
    expect(() => escapeKey('lone\udc00', 'name')).toThrow(TypeError);
    expect(() => escapeKey('', 'name')).toThrow(TypeError);
    expect(() => escapeKey('/'.repeat(200), 'name')).toThrow(RangeError);
    expect(unescapeKey('~zz')).toBeUndefined();
    expect(unescapeKey('has/slash')).toBeUndefined();
  });

  it('stores escaped keys in the table', async () => {
    const table = freshTable();
    const store = new TableStateStore(rawClient(table));
    await store.write({ tenantId: 'tenant/1', name: 'alerts/#1?' }, 1, { unconditional: true });
    const rows = [];
    for await (const row of rawClient(table).listEntities()) rows.push([row.partitionKey, row.rowKey]);
    expect(rows).toEqual([['tenant~2F1', 'alerts~2F~231~3F']]);
  });
});

describe('TableStateStore entity layout', () => {
  it('deflates JSON into Binary chunks of at most 64 KiB and replaces all chunks on update', async () => {
    const table = freshTable();
    const store = new TableStateStore(rawClient(table));
    const big = randomJsonString(STATE_VALUE_MAX_BYTES);
    const etag = await store.write(key('big'), big, { ifNoneMatch: '*' });

    const stored = await rawClient(table).getEntity<Record<string, unknown>>(TENANT, 'big');
    expect(stored.etag).toBe(etag);
    expect(stored.encoding).toBe('deflate-raw');
    const chunks = stored.chunks as number;
    expect(chunks).toBeGreaterThan(10);
    for (let i = 0; i < chunks; i++) {
      expect(stored[`v${i}`]).toBeInstanceOf(Uint8Array);
      expect((stored[`v${i}`] as Uint8Array).length).toBeLessThanOrEqual(64 * 1024);
    }
    expect(stored[`v${chunks}`]).toBeUndefined();
    // The largest value, stored as the real service counts it, stays well inside the 1 MiB entity limit
    // even with the longest keys (512 characters each).
    const size = entitySize(stored, 'p'.repeat(512), 'r'.repeat(512));
    expect(size).toBeLessThan(1024 * 1024);

    // Through the update path too (Azurite checks the request body size there), then shrink.
    const updated = await store.write(key('big'), big, { ifMatch: etag });
    expect(await store.read(key('big'))).toEqual({ value: big, etag: updated });
    await store.write(key('big'), { small: true }, { ifMatch: updated });
    const small = await rawClient(table).getEntity<Record<string, unknown>>(TENANT, 'big');
    expect(small).toMatchObject({ chunks: 1, encoding: 'utf8' });
    expect(small.v1).toBeUndefined();
  });

  it('reports a damaged entity instead of returning garbage', async () => {
    const table = freshTable();
    const client = rawClient(table);
    await client.createTable();
    await client.createEntity({
      partitionKey: TENANT,
      rowKey: 'broken',
      chunks: 2,
      encoding: 'utf8',
      v0: new Uint8Array([123]),
    });
    const read = new TableStateStore(client).read(key('broken'));
    await expect(read).rejects.toBeInstanceOf(StateDecodeError);
    await expect(read).rejects.toThrow(/missing chunk v1/);
  });
});

describe('TableStateStore when the SDK retries a write that had already succeeded', () => {
  type Policy = NonNullable<TableServiceClientOptions['additionalPolicies']>[number]['policy'];

  /** Lets the armed request reach Azurite, then pretends the answer was a 500, so the SDK sends it again. */
  function losingFirstAnswer(): { policy: Policy; arm: () => void; lost: () => number } {
    let armed = false;
    let lost = 0;
    const policy: Policy = {
      name: 'lose-first-answer',
      async sendRequest(request, next) {
        const response = await next(request);
        if (armed && request.method !== 'GET' && !request.url.endsWith('/Tables')) {
          armed = false;
          lost++;
          return { ...response, status: 500 };
        }
        return response;
      },
    };
    return { policy, arm: () => (armed = true), lost: () => lost };
  }

  it('recognises its own earlier success by the write id instead of reporting a conflict', async () => {
    const flaky = losingFirstAnswer();
    const table = freshTable();
    const store = new TableStateStore(
      rawClient(table, {
        additionalPolicies: [{ policy: flaky.policy, position: 'perRetry' }],
        retryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 20 },
      }),
    );
    await rawClient(table).createTable();

    flaky.arm();
    const created = await store.write(key('retried'), 1, { ifNoneMatch: '*' });
    flaky.arm();
    const updated = await store.write(key('retried'), 2, { ifMatch: created });
    expect(flaky.lost()).toBe(2);
    expect(await store.read(key('retried'))).toEqual({ value: 2, etag: updated });

    // A genuine conflict is still one.
    flaky.arm();
    await expect(store.write(key('retried'), 3, { ifMatch: created })).rejects.toBeInstanceOf(
      StateConflictError,
    );
  });
});

describe('TableStateStore.fromSettings and createStateStore', () => {
  it('recognises plain-http connection strings (Azurite) and leaves https ones alone', () => {
    expect(isPlainHttpConnectionString(azurite.connectionString)).toBe(true);
    expect(isPlainHttpConnectionString('DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k')).toBe(
      true,
    );
    expect(
      isPlainHttpConnectionString(
        'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k;EndpointSuffix=core.windows.net',
      ),
    ).toBe(false);
    expect(
      isPlainHttpConnectionString(
        'TableEndpoint=https://a.table.core.windows.net/;SharedAccessSignature=sv=x',
      ),
    ).toBe(false);
    expect(isPlainHttpConnectionString('UseDevelopmentStorage=true')).toBe(false); // the SDK handles this one itself
  });

  it('builds a working store from a connection string, creating the table on first write', async () => {
    const tableName = `fromSettings${randomUUID().slice(0, 8)}`;
    const settings = loadSettings({
      STATE_TABLE_CONNECTION_STRING: azurite.connectionString,
      STATE_TABLE_NAME: tableName,
    });
    const store = createStateStore(settings);
    expect(store).toBeInstanceOf(TableStateStore);
    expect(await store.read(key('x'))).toBeUndefined();
    const etag = await store.write(key('x'), { ok: true }, { ifNoneMatch: '*' });
    expect(await store.read(key('x'))).toEqual({ value: { ok: true }, etag });
    expect(await store.list(TENANT)).toEqual(['x']);
  });

  it('uses local files under <dataDir>/state without table settings', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'state-data-'));
    try {
      const store = createStateStore(loadSettings({ DATA_DIR: dataDir }));
      expect(store).toBeInstanceOf(FileStateStore);
      expect((store as FileStateStore).dir).toBe(path.join(dataDir, 'state'));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('sends a bearer token from the injected credential to an account URL', async () => {
    const seen: { authorization: string | undefined; url: string | undefined }[] = [];
    const { cert, key: tlsKey } = testCertificate();
    const server = https.createServer({ cert, key: tlsKey }, (request, response) => {
      seen.push({ authorization: request.headers.authorization, url: request.url });
      response.writeHead(404, {
        'content-type': 'application/json;odata=minimalmetadata',
        'x-ms-error-code': 'TableNotFound',
      });
      response.end(
        JSON.stringify({
          'odata.error': { code: 'TableNotFound', message: { lang: 'en-US', value: 'no table' } },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const scopes: string[] = [];
    const credential: TokenCredential = {
      getToken: (requested): Promise<AccessToken> => {
        scopes.push(...[requested].flat());
        return Promise.resolve({ token: 'test-token', expiresOnTimestamp: Date.now() + 3_600_000 });
      },
    };
    try {
      const port = (server.address() as AddressInfo).port;
      const settings = loadSettings({
        STATE_TABLE_ACCOUNT_URL: `https://127.0.0.1:${port}`,
        STATE_TABLE_NAME: 'CloudSyncMonitorState',
      });
      const store = createStateStore(settings, { credential });
      expect(store).toBeInstanceOf(TableStateStore);
      expect(await store.read(key('watermark'))).toBeUndefined();
      expect(seen).toHaveLength(1);
      expect(seen[0]!.authorization).toBe('Bearer test-token');
      expect(seen[0]!.url).toContain('CloudSyncMonitorState');
      expect(scopes).toContain('https://storage.azure.com/.default');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
