import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/notify/dispatch.js';
import {
  acsEmailMessage,
  OUTBOX_PLACEHOLDER_RECIPIENT,
  OUTBOX_PLACEHOLDER_SENDER,
} from '../../src/notify/emailPayload.js';
import { outboxFileName } from '../../src/notify/outbox.js';
import { TeamsWebhookServer } from '../support/teamsWebhookServer.js';
import { harness, message, type Harness } from './helpers.js';

/** With no channel settings, each message becomes files holding exactly what each channel would send. */
describe('local outbox', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.cleanup();
  });

  const outbox = () => path.join(h.dir, 'outbox');
  const readJson = async (file: string): Promise<unknown> =>
    JSON.parse(await readFile(path.join(outbox(), file), 'utf8'));

  it('writes one file per channel, named <time>-<channel>-<id>.json without colons', async () => {
    const report = await dispatch(message('alerts-run-0305'), h.deps());
    expect(report.channels.map((c) => [c.channel, c.transport, c.outcome])).toEqual([
      ['email', 'outbox', 'delivered'],
      ['teams', 'outbox', 'delivered'],
    ]);
    const files = (await readdir(outbox())).sort();
    expect(files).toEqual([
      '20260302T030500Z-email-alerts-run-0305.json',
      '20260302T030500Z-teams-alerts-run-0305.json',
    ]);
    for (const file of files) expect(file).not.toMatch(/[:<>"\\|?*]/);
  });

  it('holds the ACS EmailMessage, with the configured addresses when set', async () => {
    await dispatch(message('m-1'), h.deps());
    expect(await readJson('20260302T030500Z-email-m-1.json')).toEqual({
      senderAddress: OUTBOX_PLACEHOLDER_SENDER,
      content: {
        subject: '[Cloud Sync] CRITICAL: test m-1',
        plainText: 'alert m-1',
        html: '<p>alert m-1</p>',
      },
      recipients: { to: [{ address: OUTBOX_PLACEHOLDER_RECIPIENT }] },
      headers: { 'X-CloudSync-Monitor-Message-Id': 'm-1' },
      disableUserEngagementTracking: true,
    });

    const deps = h.deps({
      ALERT_EMAIL_SENDER: 'DoNotReply@contoso.example',
      ALERT_EMAIL_TO: 'ops@contoso.example',
    });
    await dispatch(message('m-2'), deps);
    expect(await readJson('20260302T030500Z-email-m-2.json')).toEqual(
      acsEmailMessage(message('m-2'), deps.settings.email),
    );
  });

  it('holds exactly the body the Teams webhook would receive', async () => {
    const server = await TeamsWebhookServer.start();
    // A separate state store for the webhook: the ledger would rightly call the second send a duplicate.
    const other = await harness();
    try {
      const big = message('m-teams', {
        teams: {
          card: {
            type: 'AdaptiveCard',
            version: '1.4',
            body: Array.from({ length: 400 }, (_, i) => ({
              type: 'TextBlock',
              text: `line ${i} ${'x'.repeat(80)}`,
            })),
          },
        },
      });
      await dispatch(big, h.deps());
      await dispatch(big, other.deps({ TEAMS_WEBHOOK_URL: server.webhookUrl }));
      const file = await readJson('20260302T030500Z-teams-m-teams.json');
      expect(file).toEqual(server.accepted[0]?.body);
      expect(Buffer.byteLength(JSON.stringify(file))).toBeLessThanOrEqual(28_000);
    } finally {
      await server.close();
      await other.cleanup();
    }
  });

  it('writes a message once, however often it is dispatched', async () => {
    await dispatch(message('m-dup'), h.deps());
    const second = await dispatch(message('m-dup'), h.deps());
    expect(second.channels.map((c) => c.outcome)).toEqual(['duplicate', 'duplicate']);
    expect(await readdir(outbox())).toHaveLength(2);
  });

  it('keeps distinct ids distinct in file names, and unsafe characters out', () => {
    const a = outboxFileName('email', message('alerts/a:b'));
    const b = outboxFileName('email', message('alerts/a_b'));
    expect(a).not.toBe(b);
    expect(a).toMatch(/^20260302T030500Z-email-alerts_a_b-[0-9a-f]{8}\.json$/);
    expect(outboxFileName('teams', message('x'.repeat(300))).length).toBeLessThan(160);
  });
});
