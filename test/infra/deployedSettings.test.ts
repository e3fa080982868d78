import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, type Settings } from '../../src/config.js';
import { toolOrSkip } from '../support/externalTools.js';
import { BicepSnapshots, evaluate, SNAPSHOT_SCOPE, type PredictedResource } from './bicepSnapshot.js';

/*
 * Nothing a user can deploy fails to start: for the default parameters and every documented option
 * combination, the app settings of the compiled deployment (bicep snapshot, the real Bicep CLI) are loaded
 * through the monitor's own settings loader (src/config.ts), as the Functions host hands them to every
 * function. A combination whose settings throw would make every invocation fail: a silent outage.
 */

const bicep = toolOrSkip('bicep');

const ACK = `'${'k'.repeat(64)}'`;
const TEAMS = `'https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b2c/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SIGNATURE'`;
const base = { environmentName: "'prod'", location: "'westeurope'", ackSecret: ACK };

interface Combination {
  readonly params: Readonly<Record<string, string>>;
  readonly check: (settings: Settings, resources: readonly PredictedResource[]) => void;
}

const combinations: Record<string, Combination> = {
  // azd up with nothing set: email endpoint and sender without recipients.
  default: {
    params: base,
    check: (settings) => {
      expect(settings.notify.email.connection).toBeUndefined();
      expect(settings.notify.warnings.map((w) => w.code)).toEqual(['EmailNoRecipients']);
      expect(settings.notify.teams).toBeUndefined();
      expect(settings.cloud.name).toBe('public');
    },
  },
  'email with recipients': {
    params: { ...base, alertEmailTo: "'ops@contoso.example; oncall@contoso.example'" },
    check: (settings) => {
      expect(settings.notify.email.connection).toMatchObject({ kind: 'endpoint' });
      expect(settings.notify.email.to).toEqual(['ops@contoso.example', 'oncall@contoso.example']);
      expect(settings.notify.warnings).toEqual([]);
    },
  },
  teams: {
    params: { ...base, teamsWebhookUrl: TEAMS },
    check: (settings) => {
      expect(settings.notify.teams?.webhookUrl).toContain('logic.azure.com');
      expect(settings.notify.warnings.map((w) => w.code)).toEqual(['EmailNoRecipients']);
    },
  },
  'watcher webhook (key read by the postdeploy hook)': {
    params: { ...base, watcherEmailTo: "'oncall@contoso.example'", alertWebhookKey: "'fn-key-123'" },
    check: (_settings, resources) => {
      const group = resources.find((r) => r.type === 'Microsoft.Insights/actionGroups')!;
      const props = evaluate(group.properties) as {
        webhookReceivers: { serviceUri: string }[];
        emailReceivers: { emailAddress: string }[];
      };
      expect(props.webhookReceivers.map((w) => w.serviceUri)).toEqual([
        'https://func-abc123.azurewebsites.net/api/azureMonitorAlert?code=fn-key-123',
      ]);
      expect(props.emailReceivers.map((e) => e.emailAddress)).toEqual(['oncall@contoso.example']);
    },
  },
  'US Government': {
    params: { ...base, azureCloud: "'usgovernment'", alertEmailTo: "'ops@contoso.example'" },
    check: (settings) => {
      expect(settings.cloud.name).toBe('usgovernment');
      expect(settings.graph.baseUrl).toBe('https://graph.microsoft.us');
      expect(settings.logsIngestion?.audience).toBe('https://monitor.azure.us');
    },
  },
  'US Government DoD': {
    params: { ...base, azureCloud: "'usgovernment'", graphBaseUrl: "'https://dod-graph.microsoft.us'" },
    check: (settings) => expect(settings.graph.baseUrl).toBe('https://dod-graph.microsoft.us'),
  },
  China: {
    params: { ...base, azureCloud: "'china'" },
    check: (settings) => expect(settings.graph.baseUrl).toBe('https://microsoftgraph.chinacloudapi.cn'),
  },
  'everything, with overrides and a 15-minute schedule': {
    params: {
      ...base,
      alertEmailTo: "'ops@contoso.example'",
      teamsWebhookUrl: TEAMS,
      alertWebhookKey: "'fn-key-123'",
      syncServicePrincipalIds: "'3f7d5e0a-71f4-4f6b-a1c9-6b0c1f2d9e88, 5a6b7c8d-1e2f-4a3b-8c9d-0e1f2a3b4c5d'",
      collectSchedule: "'0 */15 * * * *'",
      digestSchedule: "'0 30 6 * * *'",
      extraAppSettings:
        "{ PROVISIONING_LOOKBACK_HOURS: '48', EMAIL_MAX_PER_MINUTE: '30', EMAIL_MAX_PER_HOUR: '100' }",
    },
    check: (settings, resources) => {
      expect(settings.discovery.servicePrincipalIds).toHaveLength(2);
      expect(settings.provisioning.lookbackMs).toBe(48 * 3600_000);
      expect(settings.notify.email.maxPerMinute).toBe(30);
      expect(settings.collectSchedule).toBe('0 */15 * * * *');
      expect(watcherWindow(resources)).toBe('PT60M'); // four 15-minute intervals
    },
  },
};

function appSettingsOf(resources: readonly PredictedResource[]): Record<string, string> {
  const config = resources.find(
    (r) => r.type === 'Microsoft.Web/sites/config' && r.name.endsWith('/appsettings'),
  );
  if (!config) throw new Error('no appsettings resource in the snapshot');
  const settings = evaluate(config.properties) as Record<string, unknown>;
  for (const [name, value] of Object.entries(settings))
    if (typeof value !== 'string')
      throw new Error(`app setting ${name} is not a string: ${JSON.stringify(value)}`);
  return settings as Record<string, string>;
}

function watcherWindow(resources: readonly PredictedResource[]): unknown {
  const rule = resources.find((r) => r.type === 'Microsoft.Insights/scheduledQueryRules')!;
  return (evaluate(rule.properties) as { windowSize: unknown }).windowSize;
}

describe.skipIf(bicep.skip)(
  'deployed app settings start the monitor (bicep snapshot -> loadSettings)',
  () => {
    let snapshots: BicepSnapshots;
    const results = new Map<string, readonly PredictedResource[]>();

    beforeAll(async () => {
      snapshots = BicepSnapshots.create(bicep.path!);
      const names = Object.keys(combinations);
      // Two at a time: the machine has two cores.
      for (let i = 0; i < names.length; i += 2) {
        await Promise.all(
          names.slice(i, i + 2).map(async (name, j) => {
            results.set(name, await snapshots.snapshot(`combo${i + j}`, combinations[name]!.params));
          }),
        );
      }
    }, 240_000);
    afterAll(() => snapshots?.cleanup());

    it.each(Object.keys(combinations))('%s', (name) => {
      const resources = results.get(name)!;
      const env = appSettingsOf(resources);
      let settings: Settings;
      try {
        settings = loadSettings(env);
      } catch (error) {
        throw new Error(
          `the "${name}" deployment would fail on every invocation: ${(error as Error).message}`,
          { cause: error },
        );
      }
      // What every function needs in Azure: the tenant (webhooks), Log Analytics, Table Storage, ack links.
      expect(settings.tenantId).toBe(SNAPSHOT_SCOPE.tenantId);
      expect(settings.logsIngestion).toBeDefined();
      expect(settings.stateTable?.kind).toBe('accountUrl');
      expect(env.ACK_BASE_URL).toBe('https://func-abc123.azurewebsites.net/api/ack');
      expect(env.ACK_SECRET).toHaveLength(64);
      combinations[name]!.check(settings, resources);
    });

    it('the default watcher threshold is 20 minutes (four 5-minute collect intervals)', () => {
      expect(watcherWindow(results.get('default')!)).toBe('PT20M');
    });

    it('nothing in the deployment lists keys of a function that may not exist yet', () => {
      for (const resources of results.values()) expect(JSON.stringify(resources)).not.toMatch(/listKeys/i);
    });
  },
);
