import { describe, expect, it } from 'vitest';
import { ConfigError, loadSettings } from '../../src/config.js';

describe('notification settings', () => {
  it('defaults to the outbox and the custom-domain ACS quota', () => {
    const { notify } = loadSettings({});
    expect(notify.email.connection).toBeUndefined();
    expect(notify.teams).toBeUndefined();
    expect(notify.email).toMatchObject({ maxPerMinute: 30, maxPerHour: 100, to: [] });
    expect(notify.delivery).toEqual({
      timeoutMs: 30_000,
      maxAttempts: 4,
      maxRetryWaitMs: 30_000,
      pendingMaxAgeMs: 48 * 3600_000,
      ledgerRetentionMs: 30 * 24 * 3600_000,
    });
  });

  it('reads email by connection string or by endpoint with the managed identity', () => {
    const byKey = loadSettings({
      ALERT_EMAIL_CONNECTION_STRING: 'endpoint=https://acs.communication.azure.com/;accesskey=a2V5',
      ALERT_EMAIL_SENDER: 'DoNotReply@contoso.example',
      ALERT_EMAIL_TO: 'a@contoso.example; b@contoso.example',
    }).notify.email;
    expect(byKey.connection?.kind).toBe('connectionString');
    expect(byKey.to).toEqual(['a@contoso.example', 'b@contoso.example']);

    const byIdentity = loadSettings({
      ALERT_EMAIL_ENDPOINT: 'https://acs.communication.azure.com/',
      ALERT_EMAIL_SENDER: 'DoNotReply@contoso.example',
      ALERT_EMAIL_TO: 'a@contoso.example',
      AZURE_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
      EMAIL_MAX_PER_MINUTE: '5',
      EMAIL_MAX_PER_HOUR: '10',
    }).notify.email;
    expect(byIdentity).toMatchObject({
      connection: {
        kind: 'endpoint',
        endpoint: 'https://acs.communication.azure.com',
        managedIdentityClientId: '11111111-2222-3333-4444-555555555555',
      },
      maxPerMinute: 5,
      maxPerHour: 10,
    });
  });

  it('rejects more than 50 recipients (one ACS message)', () => {
    const to = Array.from({ length: 51 }, (_, i) => `u${i}@contoso.example`).join(',');
    expect(() => loadSettings({ ALERT_EMAIL_TO: to })).toThrow(ConfigError);
  });

  it('reports bad secret settings without their values', () => {
    const url =
      'http://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=SECRETSIG';
    const error = catchError(() => loadSettings({ TEAMS_WEBHOOK_URL: url }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('TEAMS_WEBHOOK_URL');
    expect(error.message).not.toContain('SECRETSIG');

    const bad = catchError(() =>
      loadSettings({
        ALERT_EMAIL_CONNECTION_STRING: 'accesskey=SECRETKEY',
        ALERT_EMAIL_SENDER: 'x@contoso.example',
        ALERT_EMAIL_TO: 'y@contoso.example',
      }),
    );
    expect(bad.message).toContain('ALERT_EMAIL_CONNECTION_STRING');
    expect(bad.message).not.toContain('SECRETKEY');
  });

  it('needs a sender when email has recipients, and only one way to reach ACS', () => {
    expect(() =>
      loadSettings({
        ALERT_EMAIL_ENDPOINT: 'https://acs.communication.azure.com',
        ALERT_EMAIL_TO: 'y@contoso.example',
      }),
    ).toThrow(/ALERT_EMAIL_SENDER/);
    expect(() =>
      loadSettings({
        ALERT_EMAIL_ENDPOINT: 'https://acs.communication.azure.com',
        ALERT_EMAIL_CONNECTION_STRING: 'endpoint=https://acs.communication.azure.com/;accesskey=a2V5',
        ALERT_EMAIL_SENDER: 'x@contoso.example',
        ALERT_EMAIL_TO: 'y@contoso.example',
      }),
    ).toThrow(/not both/);
  });
});

describe('email without recipients', () => {
  it('is email OFF with a warning, not a start-up error (what a default azd deployment sets)', () => {
    const settings = loadSettings({
      ALERT_EMAIL_ENDPOINT: 'https://acs.communication.azure.com',
      ALERT_EMAIL_SENDER: 'DoNotReply@1234.azurecomm.net',
    });
    expect(settings.notify.email.connection).toBeUndefined();
    expect(settings.notify.warnings).toEqual([
      expect.objectContaining({ code: 'EmailNoRecipients', message: expect.stringMatching(/email is OFF/) }),
    ]);
  });

  it('warns about nothing when email is fully configured or not at all', () => {
    expect(loadSettings({}).notify.warnings).toEqual([]);
    const on = loadSettings({
      ALERT_EMAIL_ENDPOINT: 'https://acs.communication.azure.com',
      ALERT_EMAIL_SENDER: 'DoNotReply@1234.azurecomm.net',
      ALERT_EMAIL_TO: 'ops@contoso.example',
    });
    expect(on.notify.warnings).toEqual([]);
    expect(on.notify.email.connection).toMatchObject({ kind: 'endpoint' });
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}
