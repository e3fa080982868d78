import type { GetTokenOptions, TokenCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azureClouds, ConfigError, loadSettings } from '../../src/config.js';
import { createSink } from '../../src/sinks/createSink.js';
import { LogsIngestionServer } from '../support/logsIngestionServer.js';

/*
 * AZURE_CLOUD decides the Graph root, the Logs Ingestion audience and the Entra authority together. The
 * audience is checked where it matters: the token scope the real @azure/monitor-ingestion client asks the
 * credential for, on an upload to the local Logs Ingestion endpoint.
 */

const DCR = `dcr-${'0'.repeat(32)}`;

describe('AZURE_CLOUD', () => {
  it('defaults to the public cloud', () => {
    const settings = loadSettings({});
    expect(settings.cloud).toEqual({
      name: 'public',
      authorityHost: 'https://login.microsoftonline.com',
      logsIngestionAudience: 'https://monitor.azure.com',
    });
    expect(settings.graph.baseUrl).toBe('https://graph.microsoft.com');
  });

  it.each([
    [
      'usgovernment',
      'https://graph.microsoft.us',
      'https://monitor.azure.us',
      'https://login.microsoftonline.us',
    ],
    [
      'china',
      'https://microsoftgraph.chinacloudapi.cn',
      'https://monitor.azure.cn',
      'https://login.chinacloudapi.cn',
    ],
  ])(
    '%s sets Graph, the ingestion audience and the authority together',
    (cloud, graph, audience, authority) => {
      const settings = loadSettings({
        AZURE_CLOUD: cloud,
        LOGS_INGESTION_ENDPOINT: 'https://dcr.example.ingest.monitor.azure.us',
        LOGS_INGESTION_DCR_IMMUTABLE_ID: DCR,
      });
      expect(settings.graph.baseUrl).toBe(graph);
      expect(settings.logsIngestion?.audience).toBe(audience);
      expect(settings.cloud.authorityHost).toBe(authority);
    },
  );

  it('keeps an explicit GRAPH_BASE_URL (DoD, a stand-in) but refuses another cloud’s Graph', () => {
    expect(
      loadSettings({ AZURE_CLOUD: 'usgovernment', GRAPH_BASE_URL: 'https://dod-graph.microsoft.us' }).graph
        .baseUrl,
    ).toBe('https://dod-graph.microsoft.us');
    expect(loadSettings({ GRAPH_BASE_URL: 'https://127.0.0.1:8443' }).graph.baseUrl).toBe(
      'https://127.0.0.1:8443',
    );
    expect(() => loadSettings({ GRAPH_BASE_URL: 'https://graph.microsoft.us' })).toThrow(
      /GRAPH_BASE_URL is Microsoft Graph of the usgovernment cloud but AZURE_CLOUD is public/,
    );
    expect(() => loadSettings({ AZURE_CLOUD: 'germany' })).toThrow(ConfigError);
  });

  it('lists three clouds, each with https endpoints', () => {
    expect(Object.keys(azureClouds)).toEqual(['public', 'usgovernment', 'china']);
    for (const cloud of Object.values(azureClouds))
      for (const url of Object.values(cloud)) expect(url).toMatch(/^https:\/\/[a-z0-9.-]+$/);
  });
});

describe('the Logs Ingestion client asks for the cloud’s audience', () => {
  let server: LogsIngestionServer;
  beforeAll(async () => {
    server = await LogsIngestionServer.start();
  });
  afterAll(() => server.close());

  it.each(['public', 'usgovernment', 'china'] as const)('%s', async (cloud) => {
    const scopes: string[] = [];
    const credential: TokenCredential = {
      getToken: (scope: string | string[], _options?: GetTokenOptions) => {
        scopes.push(...(Array.isArray(scope) ? scope : [scope]));
        return Promise.resolve({ token: 'test-token', expiresOnTimestamp: Date.now() + 3600_000 });
      },
    };
    const settings = loadSettings({
      AZURE_CLOUD: cloud,
      LOGS_INGESTION_ENDPOINT: server.endpoint,
      LOGS_INGESTION_DCR_IMMUTABLE_ID: server.dcrImmutableId,
    });
    const sink = createSink(settings, { credential });
    await sink.write('CloudSyncMonitorRun_CL', [
      {
        TimeGenerated: '2026-11-23T06:00:00.000Z',
        AADTenantId: '6b1e1c52-3f0e-4b8e-9d7a-2f1d7c4a9e10',
        RunId: 'run-1',
        Trigger: 'test',
        Outcome: 'success',
        DurationMs: 1,
        EventsCollected: 0,
        JobsSeen: 0,
        AgentsSeen: 0,
        Errors: [],
      },
    ] as never);
    expect(new Set(scopes)).toEqual(new Set([`${azureClouds[cloud].logsIngestionAudience}/.default`]));
  });
});
