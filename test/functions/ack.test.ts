import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { advance } from '../../src/alerts/advance.js';
import { signAckToken } from '../../src/alerts/ackToken.js';
import { ALERT_BOOK_KEY, emptyAlertBook } from '../../src/alerts/book.js';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import { fullCoverage } from '../../src/rules/coverage.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import { candidate, idOf } from '../alerts/lifecycle.js';
import { TENANT } from '../rules/fixtures.js';
import { ackGet, ackPost, callAck } from '../support/ackFunction.js';
import { readTable, tempDataDir } from '../support/collectHarness.js';
import { TeamsWebhookServer } from '../support/teamsWebhookServer.js';
import { alertBook } from '../../src/alerts/book.js';
import { deliverOutbox } from '../../src/app/deliverOutbox.js';
import { systemClock } from '../../src/clock.js';
import { loadSettings } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { readValidated } from '../../src/state/store.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hmac-0123456789';

describe('functions/ack (confirmation page, then POST)', () => {
  const saved = { ...process.env };
  let dataDir: string;
  const open = candidate('job-quarantined', {
    severity: 'critical',
    summary: 'contoso.com is in <b>quarantine</b>',
  });
  const alertId = idOf(open);
  const token = (overrides: { alertId?: string; expiresAt?: Date } = {}) =>
    signAckToken(
      {
        tenantId: TENANT,
        alertId: overrides.alertId ?? alertId,
        expiresAt: overrides.expiresAt ?? new Date(Date.now() + 3600_000),
      },
      SECRET,
    );

  beforeEach(async () => {
    dataDir = await tempDataDir();
    Object.assign(process.env, { TENANT_ID: TENANT, DATA_DIR: dataDir, ACK_SECRET: SECRET });
    const { book } = advance(emptyAlertBook(), [open], fullCoverage, new Date(), defaultAlertSettings);
    await new FileStateStore(path.join(dataDir, 'state')).write(
      { tenantId: TENANT, name: ALERT_BOOK_KEY },
      book,
      { ifNoneMatch: '*' },
    );
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  const call = callAck;
  const get = ackGet;
  const post = ackPost;

  it('GET only shows the confirmation form (a mail scanner opening the link changes nothing)', async () => {
    const response = await call(get(token()));
    expect(response.status).toBe(200);
    expect(response.body as string).toContain('<form method="post">');
    expect(response.body as string).toContain('&lt;b&gt;quarantine&lt;/b&gt;');
    expect(await readTable(dataDir, 'CloudSyncAlert_CL')).toHaveLength(0);
  });

  it('POST from the form acknowledges once: one acknowledged row', async () => {
    const response = await call(post({ token: token(), until: '24h', by: 'Ops on call' }));
    expect(response.status).toBe(200);
    const rows = await readTable(dataDir, 'CloudSyncAlert_CL');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ AlertId: alertId, Transition: 'acknowledged', State: 'acknowledged' });
  });

  it('a second acknowledgement changes nothing and says "already acknowledged"; the first notifies once', async () => {
    expect((await call(post({ token: token(), until: '24h', by: 'Ops on call' }))).status).toBe(200);
    const again = await call(post({ token: token(), until: 'resolve', by: 'Someone else' }));
    expect(again.status).toBe(200);
    expect(again.body as string).toMatch(/Already acknowledged/);
    expect(again.body as string).toContain('Ops on call');
    expect((await call(get(token()))).body as string).toMatch(/already acknowledged by Ops on call/);
    expect(await readTable(dataDir, 'CloudSyncAlert_CL')).toHaveLength(1);

    // The acknowledgement was committed in the book's outbox: the next delivery tells Teams, once.
    const state = new FileStateStore(path.join(dataDir, 'state'));
    const book = await readValidated(state, { tenantId: TENANT, name: ALERT_BOOK_KEY }, alertBook);
    expect(book?.value.outbox.map((e) => e.transitions.map((t) => t.transition))).toEqual([['acknowledged']]);
    const teams = await TeamsWebhookServer.start();
    try {
      const settings = loadSettings({}, { TEAMS_WEBHOOK_URL: teams.webhookUrl, DATA_DIR: dataDir });
      const notify = { state, clock: systemClock, log: silentLogger, settings: settings.notify, dataDir };
      const deps = { tenantId: TENANT, notify, ack: settings.alerts.ack };
      await deliverOutbox(deps, book!.value.outbox);
      await deliverOutbox(deps, book!.value.outbox);
      expect(teams.accepted).toHaveLength(1);
      const card = JSON.stringify(teams.accepted[0]!.body);
      expect(card).toMatch(/ACKNOWLEDGED/);
      expect(card).toContain('Ops on call');
    } finally {
      await teams.close();
    }
  });

  it.each([
    ['a tampered token', () => `${token().slice(0, -2)}xx`, 400],
    ['an expired token', () => token({ expiresAt: new Date(Date.now() - 1000) }), 410],
    ['a token for an unknown alert', () => token({ alertId: 'nope' }), 404],
    ['no token', () => '', 400],
  ])('rejects %s and changes nothing', async (_name, make, status) => {
    expect((await call(post({ token: make(), until: 'resolve' }))).status).toBe(status);
    expect((await call(get(make()))).status).toBe(status);
    expect(await readTable(dataDir, 'CloudSyncAlert_CL')).toHaveLength(0);
  });
});
