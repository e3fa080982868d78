import type { TokenCredential } from '@azure/identity';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config.js';
import { createSink } from '../../src/sinks/createSink.js';
import { LogAnalyticsSink } from '../../src/sinks/logAnalyticsSink.js';
import { NdjsonSink } from '../../src/sinks/ndjsonSink.js';
import type { AlertRecord } from '../../src/tables/definitions.js';
import { LogsIngestionServer } from '../support/logsIngestionServer.js';

const alert = {
  TimeGenerated: '2026-11-23T07:00:00.000Z',
  AADTenantId: '6b1e1c52-3f0e-4b8e-9d7a-2f1d7c4a9e10',
  AlertId: 'fp-1',
  Kind: 'agent-offline',
  Severity: 'critical',
  Transition: 'new',
} as AlertRecord;

let server: LogsIngestionServer;
let dir: string;
beforeAll(async () => {
  server = await LogsIngestionServer.start();
  dir = await mkdtemp(path.join(os.tmpdir(), 'create-sink-'));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('createSink', () => {
  it('writes NDJSON under DATA_DIR when no Logs Ingestion settings are present', async () => {
    const sink = createSink(loadSettings({ DATA_DIR: dir }));
    expect(sink).toBeInstanceOf(NdjsonSink);
    await sink.write('CloudSyncAlert_CL', [alert]);
    const text = await readFile(path.join(dir, 'tables', 'CloudSyncAlert_CL.ndjson'), 'utf8');
    expect(JSON.parse(text)).toMatchObject({ AlertId: 'fp-1', State: null });
  });

  it('uses the Logs Ingestion API with the injected credential when a DCR is configured', async () => {
    const scopes: string[] = [];
    const credential: TokenCredential = {
      getToken: (scope) => {
        scopes.push(...(Array.isArray(scope) ? scope : [scope]));
        return Promise.resolve({ token: 'injected-token', expiresOnTimestamp: Date.now() + 3600_000 });
      },
    };
    const settings = loadSettings({
      DATA_DIR: dir,
      LOGS_INGESTION_ENDPOINT: server.endpoint,
      LOGS_INGESTION_DCR_IMMUTABLE_ID: server.dcrImmutableId,
    });
    const sink = createSink(settings, { credential });
    expect(sink).toBeInstanceOf(LogAnalyticsSink);
    await sink.write('CloudSyncAlert_CL', [alert]);

    expect(server.acceptedRows('Custom-CloudSyncAlert_CL')).toMatchObject([{ AlertId: 'fp-1' }]);
    expect(server.requests[0]!.headers.authorization).toBe('Bearer injected-token');
    expect(scopes).toEqual(['https://monitor.azure.com/.default']);
  });

  it('falls back to DefaultAzureCredential without fetching a token up front', () => {
    const settings = loadSettings({
      LOGS_INGESTION_ENDPOINT: 'https://dce.westeurope-1.ingest.monitor.azure.com',
      LOGS_INGESTION_DCR_IMMUTABLE_ID: 'dcr-0123456789abcdef0123456789abcdef',
      AZURE_CLIENT_ID: '00000000-0000-0000-0000-000000000001',
    });
    expect(createSink(settings)).toBeInstanceOf(LogAnalyticsSink);
  });
});
