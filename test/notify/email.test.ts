import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch, retryPending } from '../../src/notify/dispatch.js';
import { acsEmailMessage, emailOperationId } from '../../src/notify/emailPayload.js';
import { AcsEmailServer } from '../support/acsEmailServer.js';
import { harness, message, type Harness } from './helpers.js';

/**
 * The real `@azure/communication-email` EmailClient against a local HTTPS endpoint that speaks the ACS
 * email protocol (HMAC-signed send, 202 + Operation-Location, operation polling): throttling is retried,
 * the message is sent once, and a retry after a lost answer is recognised by ACS through the operation id.
 */
describe('ACS email channel', () => {
  let h: Harness;
  let acs: AcsEmailServer;

  beforeEach(async () => {
    h = await harness();
    acs = await AcsEmailServer.start({ now: () => h.clock.now() });
  });
  afterEach(async () => {
    await acs.close();
    await h.cleanup();
  });

  const env = (extra: Record<string, string> = {}) => ({
    ALERT_EMAIL_CONNECTION_STRING: acs.connectionString,
    ALERT_EMAIL_SENDER: 'DoNotReply@contoso.example',
    ALERT_EMAIL_TO: 'ops@contoso.example, identity-team@contoso.example; oncall@contoso.example',
    ...extra,
  });

  it('sends through beginSend + polling, retrying a 429 after Retry-After, once', async () => {
    acs.failNext(1, { status: 429, retryAfterSeconds: 3 });
    const before = h.clock.now().getTime();
    const report = await dispatch(message('mail-1'), h.deps(env()));

    expect(report.channels.find((c) => c.channel === 'email')).toMatchObject({
      outcome: 'delivered',
      transport: 'acs',
      attempts: 2,
    });
    expect(h.clock.now().getTime() - before).toBe(3_000);
    expect(acs.sends).toHaveLength(1);
    const sent = acs.sends[0]!;
    expect(sent.operationId).toBe(emailOperationId('mail-1'));
    expect(sent.apiVersion).toMatch(/^\d{4}-\d{2}-\d{2}/);
    expect(sent.headers.authorization).toMatch(
      /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=/,
    );
    // One message carries every recipient.
    expect(sent.message).toMatchObject({
      senderAddress: 'DoNotReply@contoso.example',
      content: {
        subject: '[Cloud Sync] CRITICAL: test mail-1',
        html: '<p>alert mail-1</p>',
        plainText: 'alert mail-1',
      },
      recipients: {
        to: [
          { address: 'ops@contoso.example' },
          { address: 'identity-team@contoso.example' },
          { address: 'oncall@contoso.example' },
        ],
      },
    });
    // The protocol as spoken: throttled send, accepted send, a Running poll, a Succeeded poll.
    expect(acs.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /emails:send 429',
      'POST /emails:send 202',
      `GET /emails/operations/${sent.operationId} 200`,
      `GET /emails/operations/${sent.operationId} 200`,
    ]);
  });

  it('sends the same message once when it is dispatched twice', async () => {
    await dispatch(message('mail-twice'), h.deps(env()));
    const second = await dispatch(message('mail-twice'), h.deps(env()));
    expect(second.channels.find((c) => c.channel === 'email')?.outcome).toBe('duplicate');
    expect(acs.sends).toHaveLength(1);
    expect(acs.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('a retry after a timeout never sends twice: the same repeatability pair gets the first answer', async () => {
    // ACS accepts and sends, but the answer never arrives: we cannot know it went out, so we retry.
    acs.failNext(1, { acceptThenHang: true });
    const report = await dispatch(message('mail-lost'), h.deps(env({ NOTIFY_TIMEOUT_SECONDS: '1' })));
    expect(report.channels.find((c) => c.channel === 'email')).toMatchObject({
      outcome: 'delivered',
      attempts: 2,
    });
    const posts = acs.requests.filter((r) => r.method === 'POST');
    expect(posts.map((p) => p.status)).toEqual([202, 202]); // the repeat is answered, not executed
    expect(acs.sends).toHaveLength(1); // mailed once
    const sent = acs.sends[0]!;
    expect(sent.headers['repeatability-request-id']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(Date.parse(String(sent.headers['repeatability-first-sent']))).toBeLessThanOrEqual(
      h.clock.now().getTime(),
    );
  });

  it('a retry after a lost status poll never sends twice either', async () => {
    acs.failNext(1, { hang: true, on: 'poll' });
    const report = await dispatch(message('mail-poll'), h.deps(env({ NOTIFY_TIMEOUT_SECONDS: '1' })));
    expect(report.channels.find((c) => c.channel === 'email')?.outcome).toBe('delivered');
    expect(acs.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    expect(acs.sends).toHaveLength(1);
  });

  it('sends the documented headers on every send, and none on status polls', async () => {
    await dispatch(message('mail-headers'), h.deps(env()));
    const sent = acs.sends[0]!;
    expect(sent.headers['repeatability-first-sent']).toMatch(
      /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
    );
    expect(Date.parse(String(sent.headers['repeatability-first-sent']))).toBe(
      Math.floor(h.clock.now().getTime() / 1000) * 1000,
    );
  });

  it('keeps the message when ACS keeps failing and sends it on the next run', async () => {
    acs.failNext(4, { status: 503 });
    const report = await dispatch(message('mail-503'), h.deps(env()));
    expect(report.channels.find((c) => c.channel === 'email')).toMatchObject({
      outcome: 'pending',
      reason: 'server-error',
    });
    expect(acs.sends).toHaveLength(0);
    h.clock.advance(5 * 60_000);
    const retried = await retryPending(h.deps(env()));
    expect(retried.results).toMatchObject([
      { messageId: 'mail-503', channel: 'email', outcome: 'delivered' },
    ]);
    expect(acs.sends).toHaveLength(1);
  });

  it('records a send that ACS accepted but then failed, and does not retry it', async () => {
    acs.failNextOperations(1);
    const report = await dispatch(message('mail-failed'), h.deps(env()));
    expect(report.channels.find((c) => c.channel === 'email')).toMatchObject({
      outcome: 'failed',
      reason: 'rejected',
      attempts: 1,
    });
    h.clock.advance(60 * 60_000);
    expect((await retryPending(h.deps(env()))).results).toEqual([]);
    expect(acs.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('authenticates with a TokenCredential for ALERT_EMAIL_ENDPOINT (managed identity in Azure)', async () => {
    await acs.close();
    acs = await AcsEmailServer.start({ now: () => h.clock.now(), bearerToken: 'test-token-123' });
    const scopes: string[] = [];
    const credential: TokenCredential = {
      getToken: (scope: string | string[], _options?: GetTokenOptions): Promise<AccessToken> => {
        scopes.push(...(Array.isArray(scope) ? scope : [scope]));
        return Promise.resolve({ token: 'test-token-123', expiresOnTimestamp: Date.now() + 3600_000 });
      },
    };
    const deps = h.deps(
      {
        ALERT_EMAIL_ENDPOINT: acs.endpoint,
        ALERT_EMAIL_SENDER: 'DoNotReply@contoso.example',
        ALERT_EMAIL_TO: 'ops@contoso.example',
      },
      { credential },
    );
    const report = await dispatch(message('mail-mi'), deps);
    expect(report.channels.find((c) => c.channel === 'email')?.outcome).toBe('delivered');
    expect(scopes).toContain('https://communication.azure.com//.default');
    expect(acs.sends[0]?.headers.authorization).toBe('Bearer test-token-123');
  });

  it('never shows the connection string or access key in logs, reports or errors', async () => {
    acs.failNext(4, { status: 500 });
    const report = await dispatch(message('mail-secret'), h.deps(env()));
    const text = JSON.stringify(report) + h.log.lines.join('\n');
    expect(text).not.toContain(acs.accessKey);
    expect(text).not.toContain('accesskey=');
    expect(text).toContain('ACS email answered 500');
  });

  it('sends exactly the EmailMessage the outbox would store', async () => {
    const deps = h.deps(env());
    await dispatch(message('mail-shape'), deps);
    const expected = acsEmailMessage(message('mail-shape'), deps.settings.email);
    const sent = acs.sends[0]!.message;
    expect(sent.senderAddress).toBe(expected.senderAddress);
    expect(sent.content).toEqual(expected.content);
    expect(sent.recipients).toEqual(expected.recipients);
    expect(sent.headers).toEqual(expected.headers);
    // The REST name of the SDK's disableUserEngagementTracking.
    expect(sent.userEngagementTrackingDisabled).toBe(true);
  });
});
