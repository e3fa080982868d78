import { describe, expect, it } from 'vitest';
import { ConfigError, fleetModeEnabled, loadSettings } from '../../src/config.js';

describe('fleet settings', () => {
  it('are off by default: a single-tenant deployment needs none of them', () => {
    const settings = loadSettings({});
    expect(settings.fleet).toEqual({
      enabled: false,
      queueName: 'cloudsync-tenants',
      queue: undefined,
      maxDequeueCount: 5,
      certificatePath: undefined,
    });
    expect(fleetModeEnabled({})).toBe(false);
  });

  it('take the queue by connection string or by service URL with the identity', () => {
    const byUrl = loadSettings({
      FLEET_MODE: 'on',
      FLEET_QUEUE__queueServiceUri: 'https://msp.queue.core.windows.net/',
    });
    expect(byUrl.fleet).toMatchObject({
      enabled: true,
      queue: { kind: 'serviceUrl', serviceUrl: 'https://msp.queue.core.windows.net' },
    });
    expect(fleetModeEnabled({ FLEET_MODE: 'on' })).toBe(true);
  });

  it('say in plain words what fleet mode is missing', () => {
    expect(() => loadSettings({ FLEET_MODE: 'on' })).toThrow(ConfigError);
    expect(() => loadSettings({ FLEET_MODE: 'on' })).toThrow(
      /FLEET_MODE=on needs the work queue: FLEET_QUEUE/,
    );
    expect(() =>
      loadSettings({
        FLEET_QUEUE: 'UseDevelopmentStorage=true',
        FLEET_QUEUE__queueServiceUri: 'https://a.queue.core.windows.net',
      }),
    ).toThrow(/FLEET_QUEUE or FLEET_QUEUE__queueServiceUri, not both/);
    expect(() => loadSettings({ FLEET_QUEUE_NAME: 'Bad_Name' })).toThrow(/FLEET_QUEUE_NAME/);
  });
});
