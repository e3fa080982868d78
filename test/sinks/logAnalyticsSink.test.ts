import type { TokenCredential } from '@azure/identity';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  chunkRows,
  LogAnalyticsSink,
  MAX_FIELD_CHARS,
  MAX_REQUEST_BYTES,
  MAX_ROW_BYTES,
  prepareRow,
  truncateText,
} from '../../src/sinks/logAnalyticsSink.js';
import { SinkError, unstoredRows } from '../../src/sinks/sink.js';
import { provisioningTable, type ProvisioningRecord } from '../../src/tables/definitions.js';
import { rowJson, toRow } from '../../src/tables/schema.js';
import { SerialisedRows } from '../../src/tables/serialisedRows.js';
import { API_VERSION, LogsIngestionServer } from '../support/logsIngestionServer.js';

const STREAM = 'Custom-CloudSyncProvisioning_CL';
const credential: TokenCredential = {
  getToken: () => Promise.resolve({ token: 'test-token', expiresOnTimestamp: Date.now() + 3600_000 }),
};
// Short real retries: the SDK's retry policy runs, just without its production back-off.
const fastRetries = { retryOptions: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 20 } };

let server: LogsIngestionServer;
beforeAll(async () => {
  server = await LogsIngestionServer.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

const sink = (options = fastRetries) =>
  new LogAnalyticsSink(
    { endpoint: server.endpoint, dcrImmutableId: server.dcrImmutableId },
    credential,
    options,
  );

/** Provisioning events shaped like the ones the collector writes: ~1.2 KB each with their steps. */
function provisioningRecords(count: number): ProvisioningRecord[] {
  const start = Date.UTC(2026, 10, 23, 6, 0, 0);
  return Array.from({ length: count }, (_, i) => {
    const failed = i % 9 === 0;
    const user = `user${String(i).padStart(5, '0')}`;
    return {
      TimeGenerated: new Date(start + i * 731).toISOString(),
      AADTenantId: '6b1e1c52-3f0e-4b8e-9d7a-2f1d7c4a9e10',
      EventId: `b8e3d6f0-${String(i).padStart(4, '0')}-4c1e-9a57-${String(i).padStart(12, '0')}`,
      JobId: 'AD2AADProvisioning.fd1c9b9e8077402c8bc03a7186c8f976.3f7d5e0a-71f4-4f6b-a1c9-6b0c1f2d9e88',
      CycleId: '5f2b1d3c-8a9e-4c7f-b6d5-2e1a0f9c8b7d',
      ChangeId: `9c0d${String(i).padStart(4, '0')}-2b7e-4f3a-8d1c-6e5f4a3b2c1d`,
      ServicePrincipalId: '3f7d5e0a-71f4-4f6b-a1c9-6b0c1f2d9e88',
      ConfigurationName: 'corp.contoso.com',
      ProvisioningAction: failed ? 'Create' : 'Update',
      ResultType: failed ? 'Failure' : 'Success',
      ResultSignature: failed ? 'AzureActiveDirectoryDuplicateUserPrincipalName' : null,
      ResultDescription: failed
        ? `Failed to create User '${user}@contoso.com': another object with the same userPrincipalName exists.`
        : null,
      ErrorCategory: failed ? 'DuplicateAttribute' : null,
      RecommendedAction: failed ? 'Make the userPrincipalName unique in on-premises Active Directory.' : null,
      SourceId: `CN=${user},OU=Users,OU=HQ,DC=corp,DC=contoso,DC=com`,
      SourceDisplayName: `User ${i}`,
      SourceType: 'User',
      TargetId: failed ? null : `e2a1c3b4-${String(i).padStart(4, '0')}-4d5e-8f90-a1b2c3d4e5f6`,
      TargetDisplayName: `User ${i}`,
      TargetType: 'User',
      InitiatedBy: 'Microsoft.Azure.SyncFabric (application)',
      DurationMs: 120 + (i % 400),
      ModifiedProperties: [
        { displayName: 'mail', oldValue: null, newValue: `${user}@contoso.com` },
        { displayName: 'department', oldValue: 'Sales', newValue: 'Marketing' },
        { displayName: 'telephoneNumber', oldValue: '+1 425 555 0100', newValue: '+1 425 555 0199' },
      ],
      ProvisioningSteps: [
        {
          name: 'EntryImportAdd',
          provisioningStepType: 'import',
          status: 'success',
          description: `Received User '${user}' change of type (Update) from Active Directory`,
        },
        {
          name: 'EntrySynchronizationAdd',
          provisioningStepType: 'matching',
          status: 'success',
          description: `User '${user}' will be updated in Microsoft Entra ID`,
        },
        {
          name: 'EntryExportUpdate',
          provisioningStepType: 'export',
          status: failed ? 'failure' : 'success',
          description: failed
            ? 'Failed to create User in Microsoft Entra ID'
            : 'User was updated in Microsoft Entra ID',
        },
      ],
    };
  });
}

async function failure(promise: Promise<unknown>): Promise<SinkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SinkError);
  return error as SinkError;
}

describe('LogAnalyticsSink with the real LogsIngestionClient', () => {
  it('sends 5,000 rows as gzip requests under 1 MB to Custom-<Table> with exactly the table columns', async () => {
    const records = provisioningRecords(5_000);
    await sink().write('CloudSyncProvisioning_CL', records);

    expect(server.requests.length).toBeGreaterThanOrEqual(4);
    const columns = Object.keys(provisioningTable.columns);
    for (const request of server.requests) {
      expect(request.status).toBe(204);
      expect(request.stream).toBe(STREAM);
      expect(request.dcrImmutableId).toBe(server.dcrImmutableId);
      // The SDK spells it `api%2Dversion`; the service (and the stand-in) decode the query.
      expect(new URL(request.url, server.endpoint).searchParams.get('api-version')).toBe(API_VERSION);
      expect(request.headers.authorization).toBe('Bearer test-token');
      // The server gunzips what is labelled gzip and answers 400 when it is not: a 204 proves real gzip.
      expect(request.headers['content-encoding']).toBe('gzip');
      expect(request.compressedBytes).toBeLessThan(request.uncompressedBytes!);
      // Strictly under 1 MB in its most conservative reading (10^6 bytes), brackets and commas included.
      expect(request.uncompressedBytes).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
      expect(request.compressedBytes).toBeLessThan(1_000_000);
      for (const row of request.rows!) expect(Object.keys(row)).toEqual(columns);
    }
    // Nothing lost, nothing duplicated, values as toRow made them (dynamic columns as JSON).
    const accepted = server.acceptedRows(STREAM);
    expect(accepted).toHaveLength(5_000);
    const byId = new Map(accepted.map((row) => [row.EventId, row]));
    expect(byId.size).toBe(5_000);
    for (const record of [records[0]!, records[9]!, records[4_999]!]) {
      expect(byId.get(record.EventId)).toEqual(toRow(provisioningTable, record));
    }
  });

  it('sends rows serialised by rowJson (writeJson) exactly as it sends the records, fitting an oversized one', async () => {
    const records = provisioningRecords(3_000);
    const huge = { ...records[7]!, SourceDisplayName: 'ü'.repeat(40_000) };
    records[7] = huge;
    await sink().write('CloudSyncProvisioning_CL', records);
    // Requests go five at a time: compared in a fixed order.
    const byEventId = (rows: Record<string, unknown>[]) =>
      [...rows].sort((a, b) => String(a.EventId).localeCompare(String(b.EventId)));
    const sizes = () => server.requests.map((r) => r.uncompressedBytes).sort();
    const fromRecords = byEventId(server.acceptedRows(STREAM));
    const requestsFromRecords = sizes();
    server.reset();

    const rows = new SerialisedRows();
    for (const record of records) rows.push(rowJson(provisioningTable, record));
    await sink().writeJson('CloudSyncProvisioning_CL', rows);

    expect(byEventId(server.acceptedRows(STREAM))).toEqual(fromRecords);
    expect(sizes()).toEqual(requestsFromRecords);
    expect(fromRecords.find((row) => row.EventId === huge.EventId)!.SourceDisplayName).toMatch(
      /^ü+ \[\.\.\.truncated, 40000 characters in total\]$/,
    );
  });

  it('answers a 500 with a retry: nothing lost, nothing duplicated', async () => {
    server.failNext(1, { status: 500 });
    await sink().write('CloudSyncProvisioning_CL', provisioningRecords(5_000));

    expect(server.requests.filter((r) => r.status === 500)).toHaveLength(1);
    const ids = server.acceptedRows(STREAM).map((row) => row.EventId);
    expect(ids).toHaveLength(5_000);
    expect(new Set(ids).size).toBe(5_000);
  });

  it('waits for Retry-After on 429 and then delivers', async () => {
    server.failNext(1, { status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    await sink().write('CloudSyncProvisioning_CL', provisioningRecords(10));

    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(server.requests.map((r) => r.status)).toEqual([429, 204]);
    expect(server.acceptedRows()).toHaveLength(10);
  });

  it('reports persistent failure as SinkError with the failed row count, never the token', async () => {
    server.failNext(Infinity, { status: 500 });
    const error = await failure(sink().write('CloudSyncProvisioning_CL', provisioningRecords(20)));

    expect(error.table).toBe('CloudSyncProvisioning_CL');
    expect(error.failedRows).toBe(20);
    expect(error.message).toContain('HTTP 500');
    expect(error.message).toContain(STREAM);
    expect(error.message).not.toContain('test-token');
    expect(server.requests).toHaveLength(3); // the first attempt and maxRetries (2) retries
  });

  it('counts only the rows of the requests that failed when others succeeded', async () => {
    // One request in flight at a time: the first chunk exhausts its retries, the others get through.
    server.failNext(3, { status: 503 });
    const error = await failure(
      sink({ ...fastRetries, maxConcurrency: 1 } as typeof fastRetries).write(
        'CloudSyncProvisioning_CL',
        provisioningRecords(5_000),
      ),
    );
    const accepted = server.acceptedRows(STREAM).length;
    expect(accepted).toBeGreaterThan(0);
    expect(error.failedRows).toBe(5_000 - accepted);
    expect(error.message).toMatch(/rejected \d+ of 5000 rows \(1 of \d+ requests failed\)/);
  });

  it('names exactly the rejected rows of a partial failure: resending them writes no row twice and loses none', async () => {
    // 5,000 rows are several requests; the first to arrive is refused for good (400, not retried).
    server.failNext(1, { status: 400 });
    const records = provisioningRecords(5_000);
    const error = await failure(sink().write('CloudSyncProvisioning_CL', records));
    const firstTry = server.acceptedRows(STREAM).length;
    expect(firstTry).toBeGreaterThan(0);
    expect(error.rejected).toHaveLength(5_000 - firstTry);
    expect(error.failedRows).toBe(5_000 - firstTry);

    await sink().write('CloudSyncProvisioning_CL', unstoredRows(records, error));
    const ids = server.acceptedRows(STREAM).map((row) => row.EventId);
    expect(ids).toHaveLength(5_000);
    expect(new Set(ids).size).toBe(5_000);
    expect([...ids].sort()).toEqual(records.map((r) => r.EventId).sort());
  });

  it('does not retry a 403 and tells the operator which role is missing', async () => {
    server.failNext(1, { status: 403 });
    const error = await failure(sink().write('CloudSyncProvisioning_CL', provisioningRecords(5)));
    expect(error.failedRows).toBe(5);
    expect(error.message).toContain('Monitoring Metrics Publisher');
    expect(server.requests).toHaveLength(1);
  });

  it('keeps credential failures free of tokens', async () => {
    const leaky: TokenCredential = {
      getToken: () =>
        Promise.reject(new Error('token endpoint said: Bearer eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl')),
    };
    const target = { endpoint: server.endpoint, dcrImmutableId: server.dcrImmutableId };
    const error = await failure(
      new LogAnalyticsSink(target, leaky, fastRetries).write(
        'CloudSyncProvisioning_CL',
        provisioningRecords(2),
      ),
    );
    expect(error.failedRows).toBe(2);
    expect(error.message).not.toContain('eyJ');
    expect(error.message).toContain('[redacted]');
  });

  it('sends nothing for an empty batch', async () => {
    await sink().write('CloudSyncProvisioning_CL', []);
    expect(server.requests).toHaveLength(0);
  });

  it('truncates oversized strings and dynamic values so the service accepts the row', async () => {
    const [record] = provisioningRecords(1);
    const steps = Array.from({ length: 2_000 }, (_, i) => ({
      name: `step${i}`,
      description: 'd'.repeat(40),
    }));
    await sink().write('CloudSyncProvisioning_CL', [
      { ...record!, ResultDescription: 'x'.repeat(100_000), ProvisioningSteps: steps },
    ]);

    const [row] = server.acceptedRows();
    const description = row!.ResultDescription as string;
    expect(description).toHaveLength(MAX_FIELD_CHARS);
    expect(description).toMatch(/^x+ \[\.\.\.truncated, 100000 characters in total\]$/);
    expect(row!.ProvisioningSteps).toMatchObject({
      truncated: true,
      originalLength: JSON.stringify(steps).length,
    });
  });

  it('shrinks a row that would exceed one request until it fits', async () => {
    const [record] = provisioningRecords(1);
    const big = 'ü'.repeat(40_000); // 80 KB of UTF-8 per column
    const huge = { ...record! } as Record<string, unknown>;
    for (const [name, column] of Object.entries(provisioningTable.columns)) {
      if (column.type === 'string' && name !== 'AADTenantId') huge[name] = big;
    }
    await sink().write('CloudSyncProvisioning_CL', [huge as ProvisioningRecord]);

    const request = server.requests[0]!;
    expect(request.status).toBe(204);
    expect(request.uncompressedBytes).toBeLessThan(MAX_ROW_BYTES);
    expect(request.rows![0]!.SourceId).toMatch(/^ü+ \[\.\.\.truncated, 40000 characters in total\]$/);
  });
});

describe('row preparation', () => {
  it('leaves ordinary rows alone', () => {
    const [record] = provisioningRecords(1);
    const { json, bytes } = prepareRow(provisioningTable, record!);
    const row = JSON.parse(Buffer.from(json).toString('utf8')) as Record<string, unknown>;
    expect(row).toEqual(toRow(provisioningTable, record!));
    expect(bytes).toBe(Buffer.byteLength(JSON.stringify(row)));
  });

  it('cuts by UTF-8 bytes as well as characters, never splitting a surrogate pair', () => {
    const emoji = '😀'.repeat(20_000); // 40,000 UTF-16 units, 80 KB of UTF-8
    const cut = truncateText(emoji);
    expect(cut.length).toBeLessThanOrEqual(MAX_FIELD_CHARS);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(64_000);
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(truncateText('short')).toBe('short');
  });

  it('packs requests up to the byte limit, counting brackets and commas', () => {
    const row = { v: 'x'.repeat(3) }; // {"v":"xxx"} is 11 bytes
    const rows = Array.from({ length: 10 }, () => ({ row, bytes: 11 }));
    // [a,b,c] with 11-byte rows: 2 + 3*11 + 2 commas = 37 bytes.
    expect(chunkRows(rows, 37).map((c) => c.length)).toEqual([3, 3, 3, 1]);
    expect(chunkRows(rows, 36).map((c) => c.length)).toEqual([2, 2, 2, 2, 2]);
    for (const chunk of chunkRows(rows, 37))
      expect(JSON.stringify(chunk.map((c) => c.row)).length).toBeLessThanOrEqual(37);
  });

  it('names the row when even the tightest limits cannot make it fit', () => {
    // 500 columns of 1,000 control characters: 6 bytes each once JSON-escaped.
    const columns = Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`C${i}`, { type: 'string', description: 'c' } as const]),
    );
    const table = { name: 'Wide_CL', description: 'wide', columns };
    const record = Object.fromEntries(Object.keys(columns).map((c) => [c, '\u0001'.repeat(5_000)]));
    expect(() => prepareRow(table, record, 7)).toThrow(/row 7 is \d+ bytes .* limited to 1 MB/);
  });
});
