import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { advance } from '../../src/alerts/advance.js';
import { signAckToken } from '../../src/alerts/ackToken.js';
import { ALERT_BOOK_KEY, alertBook, emptyAlertBook } from '../../src/alerts/book.js';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import { readSilences, silenceFor } from '../../src/alerts/silences.js';
import { fullCoverage } from '../../src/rules/coverage.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import { readValidated } from '../../src/state/store.js';
import { candidate, idOf, jobSubject } from '../alerts/lifecycle.js';
import { TENANT } from '../rules/fixtures.js';
import { ackGet, ackPost, callAck } from '../support/ackFunction.js';
import { readTable, tempDataDir } from '../support/collectHarness.js';

/**
 * Issue 11 item 3: "silence for ..." from the acknowledge page. The GET offers it with the alert's
 * labels prefilled; the POST with the signed token (checked like the acknowledge POST) creates a
 * silence over the chosen labels, with the alert's own values, for a time, with who and why.
 */
const SECRET = 'a-test-secret-that-is-long-enough-for-hmac-0123456789';

describe('silence from the acknowledge page', () => {
  const saved = { ...process.env };
  let dataDir: string;
  const offline = candidate('agent-offline', {
    severity: 'critical',
    summary: 'contoso.com has <i>no</i> active agent',
    subject: { ...jobSubject, templateId: 'AD2AADProvisioning' },
  });
  const alertId = idOf(offline);
  const token = (secret = SECRET) =>
    signAckToken({ tenantId: TENANT, alertId, expiresAt: new Date(Date.now() + 3600_000) }, secret);
  const state = () => new FileStateStore(path.join(dataDir, 'state'));

  beforeEach(async () => {
    dataDir = await tempDataDir();
    Object.assign(process.env, { TENANT_ID: TENANT, DATA_DIR: dataDir, ACK_SECRET: SECRET });
    const { book } = advance(emptyAlertBook(), [offline], fullCoverage, new Date(), defaultAlertSettings);
    await state().write({ tenantId: TENANT, name: ALERT_BOOK_KEY }, book, { ifNoneMatch: '*' });
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  const call = callAck;
  const get = ackGet;
  const post = ackPost;

  it('the page offers a silence with the alert labels prefilled (kind and configuration checked)', async () => {
    const page = (await call(get(token()))).body as string;
    expect(page).toContain('name="action" value="silence"');
    expect(page).toMatch(
      /<input type="checkbox" name="match" value="kind" checked> kind = <code>agent-offline<\/code>/,
    );
    expect(page).toMatch(
      /name="match" value="configuration" checked> configuration = <code>contoso\.com<\/code>/,
    );
    expect(page).toMatch(/name="match" value="jobFamily"> jobFamily = <code>AD2AAD<\/code>/);
    expect(page).toContain('&lt;i&gt;no&lt;/i&gt;');
    expect(await readSilences(state(), TENANT)).toEqual([]);
  });

  it('the POST creates the silence over the chosen labels with the alert values, for the time, with who and why', async () => {
    const before = Date.now();
    const response = await call(
      post([
        ['token', token()],
        ['action', 'silence'],
        ['match', 'kind'],
        ['match', 'configuration'],
        // Values in the form are not used: the token's alert gives them.
        ['configuration', 'everything'],
        ['for', '4h'],
        ['by', 'Ops on call'],
        ['comment', 'agent patch night'],
      ]),
    );
    expect(response.status).toBe(200);
    expect(response.body as string).toMatch(/Silenced/);
    expect(response.body as string).toMatch(/kind&#61;agent-offline, configuration&#61;contoso\.com/);
    const silences = await readSilences(state(), TENANT);
    expect(silences).toHaveLength(1);
    const silence = silences[0]!;
    expect(silence).toMatchObject({
      matchers: { kind: 'agent-offline', configuration: 'contoso.com' },
      createdBy: 'Ops on call',
      comment: 'agent patch night',
    });
    const length = Date.parse(silence.endsAt) - Date.parse(silence.startsAt);
    expect(length).toBe(4 * 3600_000);
    expect(Date.parse(silence.startsAt)).toBeGreaterThanOrEqual(before - 1000);

    // It mutes this alert and its like in the same configuration, not another configuration's.
    const book = (await readValidated(state(), { tenantId: TENANT, name: ALERT_BOOK_KEY }, alertBook))!.value;
    const alert = book.alerts[0]!;
    const now = new Date(Date.parse(silence.startsAt) + 60_000);
    expect(silenceFor(alert, silences, now)?.id).toBe(silence.id);
    const elsewhere = { ...alert, subject: { ...alert.subject, configurationName: 'fabrikam.local' } };
    expect(silenceFor(elsewhere, silences, now)).toBeUndefined();
    expect(silenceFor(alert, silences, new Date(Date.parse(silence.endsAt) + 1))).toBeUndefined();
    // A silence is not an acknowledgement: no row, nothing told.
    expect(await readTable(dataDir, 'CloudSyncAlert_CL')).toHaveLength(0);
  });

  it.each([
    [
      'a token signed with another secret',
      () => token('another-secret-that-is-long-enough-0123456789abcdef'),
      400,
    ],
    ['a tampered token', () => `${token().slice(0, -2)}xx`, 400],
  ])('rejects %s and creates no silence', async (_name, make, status) => {
    const response = await call(
      post([
        ['token', make()],
        ['action', 'silence'],
        ['match', 'kind'],
        ['for', '1h'],
        ['by', 'x'],
        ['comment', 'y'],
      ]),
    );
    expect(response.status).toBe(status);
    expect(await readSilences(state(), TENANT)).toEqual([]);
  });

  it('asks again without a label, a known duration, who or why', async () => {
    for (const form of [
      [
        ['for', '4h'],
        ['by', 'a'],
        ['comment', 'b'],
      ],
      [
        ['match', 'kind'],
        ['for', '3 weeks'],
        ['by', 'a'],
        ['comment', 'b'],
      ],
      [
        ['match', 'kind'],
        ['for', '4h'],
        ['comment', 'b'],
      ],
      [
        ['match', 'kind'],
        ['for', '4h'],
        ['by', 'a'],
      ],
    ] as [string, string][][]) {
      const response = await call(post([['token', token()], ['action', 'silence'], ...form]));
      expect(response.status).toBe(400);
    }
    expect(await readSilences(state(), TENANT)).toEqual([]);
  });
});
