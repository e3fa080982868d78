import { describe, expect, it } from 'vitest';
import { ConfigError, loadSettings } from '../../src/config.js';

describe('settings', () => {
  it('has a default for everything a demo run needs', () => {
    const settings = loadSettings({});
    expect(settings.graph.baseUrl).toBe('https://graph.microsoft.com');
    expect(settings.dataDir).toBe('./.data');
    expect(settings.graph.reportsRequestsPerWindow).toBe(5);
    expect(settings.graph.reportsWindowMs).toBe(10_000);
    expect(settings.provisioning.lookbackMs).toBe(24 * 3600_000);
    expect(settings.logsIngestion).toBeUndefined();
    expect(settings.stateTable).toBeUndefined();
  });

  it('treats blank values as unset', () => {
    const settings = loadSettings({ GRAPH_BASE_URL: '  ', PROVISIONING_PAGE_SIZE: '' });
    expect(settings.graph.baseUrl).toBe('https://graph.microsoft.com');
    expect(settings.provisioning.pageSize).toBe(999);
  });

  it('names every bad setting at once', () => {
    let error: unknown;
    try {
      loadSettings({
        GRAPH_BASE_URL: 'http://graph.example',
        PROVISIONING_PAGE_SIZE: '5000',
        TENANT_ID: 'contoso',
        LOGS_INGESTION_DCR_IMMUTABLE_ID: 'nope',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'GRAPH_BASE_URL',
      'PROVISIONING_PAGE_SIZE',
      'TENANT_ID',
      'LOGS_INGESTION_DCR_IMMUTABLE_ID',
    ]) {
      expect(problems).toContain(name);
    }
  });

  it('never echoes a secret in an error', () => {
    expect(() =>
      loadSettings({
        STATE_TABLE_CONNECTION_STRING: 'AccountKey=secret',
        STATE_TABLE_ACCOUNT_URL: 'https://x.table.core.windows.net',
      }),
    ).toThrow(ConfigError);
    try {
      loadSettings({ GRAPH_ACCESS_TOKEN: 'eyJ-secret', GRAPH_BASE_URL: 'nope' });
    } catch (e) {
      expect(String(e)).not.toContain('eyJ-secret');
    }
  });

  it('requires the Logs Ingestion endpoint and DCR together', () => {
    expect(() =>
      loadSettings({ LOGS_INGESTION_ENDPOINT: 'https://dce.eastus-1.ingest.monitor.azure.com' }),
    ).toThrow(/set together/);
    const settings = loadSettings({
      LOGS_INGESTION_ENDPOINT: 'https://dce.eastus-1.ingest.monitor.azure.com/',
      LOGS_INGESTION_DCR_IMMUTABLE_ID: 'dcr-0123456789abcdef0123456789abcdef',
    });
    expect(settings.logsIngestion).toEqual({
      endpoint: 'https://dce.eastus-1.ingest.monitor.azure.com',
      dcrImmutableId: 'dcr-0123456789abcdef0123456789abcdef',
      audience: 'https://monitor.azure.com', // AZURE_CLOUD public
    });
  });

  it('parses an explicit list of configurations', () => {
    const settings = loadSettings({
      SYNC_SERVICE_PRINCIPAL_IDS:
        'AAAAAAAA-0000-0000-0000-000000000001, aaaaaaaa-0000-0000-0000-000000000002',
    });
    expect(settings.discovery.servicePrincipalIds).toEqual([
      'aaaaaaaa-0000-0000-0000-000000000001',
      'aaaaaaaa-0000-0000-0000-000000000002',
    ]);
  });
});

describe('local.settings.sample.json', () => {
  it('lists every setting, with no secret in it', async () => {
    const { readFile } = await import('node:fs/promises');
    const { settingsSchema } = await import('../../src/config.js');
    const sample = JSON.parse(await readFile('local.settings.sample.json', 'utf8')) as {
      Values: Record<string, string>;
    };
    expect(Object.keys(settingsSchema.shape).filter((name) => !(name in sample.Values))).toEqual([]);
    for (const name of [
      'GRAPH_ACCESS_TOKEN',
      'ACK_SECRET',
      'ALERT_EMAIL_CONNECTION_STRING',
      'TEAMS_WEBHOOK_URL',
      'STATE_TABLE_CONNECTION_STRING',
    ]) {
      expect(sample.Values[name]).toBe('');
    }
  });
});
