import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config.js';
import { describeError, redact, secretsOf } from '../../src/notify/redact.js';

describe('redaction', () => {
  const webhook =
    'https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Zm9vYmFyYmF6cXV4';
  const connection = 'endpoint=https://contoso.communication.azure.com/;accesskey=c2VjcmV0LWtleS12YWx1ZQ==';
  const settings = loadSettings({
    TEAMS_WEBHOOK_URL: webhook,
    ALERT_EMAIL_CONNECTION_STRING: connection,
    ALERT_EMAIL_SENDER: 'DoNotReply@contoso.example',
    ALERT_EMAIL_TO: 'ops@contoso.example',
  }).notify;
  const secrets = secretsOf(settings);

  it.each([
    `Failed to parse URL from ${webhook}`,
    `request to ${encodeURIComponent(webhook)} failed`,
    `bad connection string ${connection}`,
    'signature Zm9vYmFyYmF6cXV4 rejected',
    'Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host&Signature=abc123',
    'Authorization: Bearer eyJ0eXAiOiJKV1Qi.eyJhdWQiOi.sig',
  ])('removes secrets from %s', (text) => {
    const out = redact(text, secrets);
    expect(out).not.toContain('Zm9vYmFyYmF6cXV4');
    expect(out).not.toContain('c2VjcmV0LWtleS12YWx1ZQ');
    expect(out).not.toContain('/workflows/');
    expect(out).not.toContain('eyJ0eXAiOiJKV1Qi');
    expect(out).not.toContain('abc123');
  });

  it('keeps the origin of a URL so the failing service is still recognisable', () => {
    expect(redact('connect ECONNREFUSED https://127.0.0.1:8443/a/b?sig=x')).toBe(
      'connect ECONNREFUSED https://127.0.0.1:8443/[redacted]',
    );
  });

  it('describes errors and their causes without secrets', () => {
    const error = new TypeError('fetch failed', { cause: new Error(`connect to ${webhook} refused`) });
    const text = describeError(error, secrets);
    expect(text).toContain('fetch failed');
    expect(text).not.toContain('sig=');
  });
});
