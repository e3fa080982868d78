import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { advance } from '../../src/alerts/advance.js';
import { signAckToken, verifyAckToken } from '../../src/alerts/ackToken.js';
import { alertMessage } from '../../src/app/deliverOutbox.js';
import { ALERT_BOOK_KEY, alertBook, emptyAlertBook, type AlertBook } from '../../src/alerts/book.js';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import { main } from '../../src/cli.js';
import { virtualClock } from '../../src/clock.js';
import { DemoOnDemand } from '../../src/demo/provisionOnDemand.js';
import { DemoRestarts } from '../../src/demo/restartJob.js';
import type { DemoTenant } from '../../src/demo/server.js';
import { syntheticScenario } from '../../src/demo/scenario.js';
import type { AlertCandidate } from '../../src/domain/alertModel.js';
import { alertVersion } from '../../src/remediation/alertVersion.js';
import { fullCoverage } from '../../src/rules/coverage.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import { readValidated } from '../../src/state/store.js';
import { candidate, idOf, jobSubject } from '../alerts/lifecycle.js';
import { JOB, JOB2, SP, SP2, TENANT } from '../rules/fixtures.js';
import { HttpRequest } from '@azure/functions';
import { ackGet, ackPost, callAck } from '../support/ackFunction.js';
import { readTable, startTestTenant, tempDataDir } from '../support/collectHarness.js';
import { oneFailingObjectDetails } from './oneFailingObject.js';

/**
 * Issue 15 item 4: opt-in remediation from the ack page and the CLI, through the real `ack` function
 * handler and the real Graph client over HTTPS against the demo tenant, which records exactly what it
 * received. Each action: refused without REMEDIATION, refused on a changed alert, performed with an
 * audit row and the documented request; the GET of a confirmation page never acts; bad and expired
 * links are refused; directory data on the pages is escaped.
 */
const SECRET = 'a-test-secret-that-is-long-enough-for-hmac-0123456789';
const RULE = '6c409270-f78a-4bc6-af23-7cf3ab6482fe';
const SOURCE = '0b9f8e7d-6c5b-4a39-8271-605f4e3d2c1b';
const EVIL = '<img src=x onerror=alert(1)>Ana Costa';
const DN = 'CN=Ana <b>Costa</b>,OU=Users,DC=contoso,DC=com';
const at = new Date().toISOString();

const deletion = candidate('deletion-threshold', {
  severity: 'critical',
  summary: 'contoso.com provisioning: 612 deletions held by the threshold',
  trackedKey: '612',
});
const quarantine = candidate('job-quarantined', { severity: 'critical', summary: 'contoso.com quarantined' });
const errors = candidate('sync-errors', {
  severity: 'critical',
  summary: `contoso.com: 1 object failing (${EVIL})`,
  // Another job: a quarantine of the first one would inhibit (hide) its sync-errors.
  subject: { ...jobSubject, servicePrincipalId: SP2, jobId: JOB2, templateId: 'AD2AADProvisioning' },
  trackedKey: '1',
  details: oneFailingObjectDetails({
    servicePrincipalId: SP2,
    jobId: JOB2,
    sourceId: SOURCE,
    displayName: EVIL,
    at,
  }),
});

const ACTIONS = [
  {
    action: 'allow-deletes',
    alert: deletion,
    sp: SP,
    job: JOB,
    extra: {},
    sent: { kind: 'restart', body: { criteria: { resetScope: 'ForceDeletes' } } },
  },
  {
    action: 'restart',
    alert: quarantine,
    sp: SP,
    job: JOB,
    extra: {},
    sent: { kind: 'restart', body: { criteria: { resetScope: 'Watermark, Escrows, QuarantineState' } } },
  },
  {
    action: 'provision',
    alert: errors,
    sp: SP2,
    job: JOB2,
    extra: { object: SOURCE, dn: DN },
    sent: {
      kind: 'provisionOnDemand',
      body: { parameters: [{ ruleId: RULE, subjects: [{ objectId: DN, objectTypeName: 'user' }] }] },
    },
  },
] as const;

let tenant: DemoTenant;
let restarts: DemoRestarts;
let onDemand: DemoOnDemand;
let dataDir: string;
const saved = { ...process.env };
const state = () => new FileStateStore(path.join(dataDir, 'state'));
const key = { tenantId: TENANT, name: ALERT_BOOK_KEY };

async function writeBook(candidates: readonly AlertCandidate[], book: AlertBook = emptyAlertBook()) {
  const next = advance(book, candidates, fullCoverage, new Date(), defaultAlertSettings).book;
  const current = await state().read(key);
  await state().write(key, next, current ? { ifMatch: current.etag } : { ifNoneMatch: '*' });
  return next;
}
const readBook = async () => (await readValidated(state(), key, alertBook))!.value;
const alertOf = async (c: AlertCandidate) => (await readBook()).alerts.find((a) => a.id === idOf(c))!;

/** A link as a notification makes it: the alert's version when sent. */
async function link(c: AlertCandidate, expiresInMs = 3600_000): Promise<string> {
  return signAckToken(
    {
      tenantId: TENANT,
      alertId: idOf(c),
      expiresAt: new Date(Date.now() + expiresInMs),
      alertVersion: alertVersion(await alertOf(c)),
    },
    SECRET,
  );
}

const confirmGet = (token: string, action: string, extra: Record<string, string> = {}) =>
  new HttpRequest({
    method: 'GET',
    url: `https://app.example/api/ack?${new URLSearchParams({ token, remediate: action, ...extra }).toString()}`,
  });
const confirmPost = (
  token: string,
  action: string,
  extra: Record<string, string> = {},
  confirm = 'contoso.com',
) => ackPost({ token, action: 'remediate', remediate: action, by: 'Ana from IT', confirm, ...extra });

const received = () => [...restarts.requests, ...onDemand.requests];
const auditRows = () => readTable(dataDir, 'CloudSyncRemediation_CL');

beforeEach(async () => {
  restarts = new DemoRestarts();
  onDemand = new DemoOnDemand();
  const start = new Date();
  tenant = await startTestTenant({
    clock: virtualClock(start),
    scenario: syntheticScenario({ start: new Date(start.getTime() - 3600_000), events: 5, spanMs: 3600_000 }),
    onDemand,
    restarts,
  });
  dataDir = await tempDataDir();
  Object.assign(process.env, {
    TENANT_ID: TENANT,
    DATA_DIR: dataDir,
    ACK_SECRET: SECRET,
    GRAPH_BASE_URL: tenant.baseUrl,
    GRAPH_ACCESS_TOKEN: 'test-token',
    REMEDIATION: 'on',
    REMEDIATION_RULE_IDS: JSON.stringify({ [JOB2]: RULE }),
  });
  await writeBook([deletion, quarantine, errors]);
});
afterEach(async () => {
  process.env = { ...saved };
  await tenant.close();
});

describe.each(ACTIONS)('remediation $action', ({ action, alert, sp, job, extra, sent }) => {
  it('is refused while REMEDIATION is off: nothing sent, the refusal audited and noted on the alert', async () => {
    delete process.env.REMEDIATION;
    const token = await link(alert);
    const page = await callAck(confirmPost(token, action, extra));
    expect(page.status).toBe(409);
    expect(page.body).toContain('Remediation is off: nothing is sent to the tenant.');
    expect(received()).toEqual([]);
    const [row] = await auditRows();
    expect(row).toMatchObject({
      AlertId: idOf(alert),
      Action: action,
      Outcome: 'refused',
      Actor: 'Ana from IT',
      Via: 'ack-page',
    });
    expect(row!.Reason).toMatch(/REMEDIATION=on/);
    expect((await alertOf(alert)).remediations).toMatchObject([
      { action, outcome: 'refused', by: 'Ana from IT' },
    ]);
    // The ack page itself says remediation is off instead of offering buttons.
    const ackPage = (await callAck(ackGet(token))).body as string;
    expect(ackPage).toContain('Remediation is off (setting REMEDIATION)');
    expect(ackPage).not.toContain('name="remediate"');
  });

  it('is refused when the alert changed since the link was made', async () => {
    const token = await link(alert);
    const changed = { ...alert, trackedKey: `${alert.trackedKey ?? ''}9`, materialKey: 'changed' };
    await writeBook(
      [deletion, quarantine, errors].map((c) => (c === alert ? changed : c)),
      await readBook(),
    );
    const page = await callAck(confirmPost(token, action, extra));
    expect(page.status).toBe(409);
    expect(page.body).toContain('The alert has changed since this link was made');
    expect(received()).toEqual([]);
    expect((await auditRows())[0]).toMatchObject({ Outcome: 'refused', Action: action });
  });

  it('the confirmation GET shows the exact request and sends nothing; the POST sends exactly it', async () => {
    const token = await link(alert);
    const ackPage = (await callAck(ackGet(token))).body as string;
    expect(ackPage).toContain(`name="remediate" value="${action}"`);

    const shown = await callAck(confirmGet(token, action, extra));
    expect(shown.status).toBe(200);
    const html = shown.body as string;
    const jobPath = `/v1.0/servicePrincipals/${sp}/synchronization/jobs/${encodeURIComponent(job)}/${sent.kind}`;
    expect(html).toContain(`POST ${tenant.baseUrl}${jobPath}`);
    expect(html).toContain('Type <code>contoso.com</code> to confirm');
    expect(received()).toEqual([]);
    expect(await auditRows()).toEqual([]);

    const done = await callAck(confirmPost(token, action, extra));
    expect(done.body).toContain('Done');
    expect(done.status).toBe(200);
    if (sent.kind === 'restart') {
      expect(restarts.requests).toHaveLength(1);
      expect(restarts.requests[0]).toMatchObject({
        method: 'POST',
        path: jobPath,
        servicePrincipalId: sp,
        jobId: job,
        body: sent.body,
      });
      expect(restarts.requests[0]!.contentType).toMatch(/^application\/json/);
      expect(onDemand.requests).toEqual([]);
    } else {
      expect(onDemand.requests).toHaveLength(1);
      expect(onDemand.requests[0]).toMatchObject({ servicePrincipalId: sp, jobId: job, body: sent.body });
      expect(restarts.requests).toEqual([]);
    }
    const rows = await auditRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      AADTenantId: TENANT,
      AlertId: idOf(alert),
      AlertKind: alert.kind,
      Action: action,
      Outcome: 'performed',
      Actor: 'Ana from IT',
      Via: 'ack-page',
      JobId: job,
      RequestMethod: 'POST',
      RequestPath: jobPath.replace('/v1.0', ''),
      RequestBody: sent.body,
      ResponseStatus: sent.kind === 'restart' ? 204 : 200,
    });
    expect((await alertOf(alert)).remediations).toMatchObject([
      { action, outcome: 'performed', by: 'Ana from IT', via: 'ack-page' },
    ]);
  });
});

describe('remediation checks', () => {
  it('a restart answered 504 is sent once and reported as unconfirmed; a throttled one (429) is retried and done', async () => {
    restarts.failNext({ status: 504 });
    const unconfirmed = await callAck(confirmPost(await link(quarantine), 'restart'));
    expect(unconfirmed.body).toContain('it may have been done or not, and it is not sent again');
    expect(restarts.requests).toHaveLength(1);

    restarts.failNext({ status: 429, retryAfterSeconds: 0 });
    const done = await callAck(confirmPost(await link(quarantine), 'restart'));
    expect(done.body).toContain('Done');
    expect(restarts.requests).toHaveLength(3);
    expect((await auditRows()).map((r) => [r.Outcome, r.ResponseStatus])).toEqual([
      ['failed', 504],
      ['performed', 204],
    ]);
  });

  it('a wrong confirmation, a resolved alert and an action of another kind are refused, each saying why', async () => {
    const token = await link(deletion);
    const wrong = await callAck(confirmPost(token, 'allow-deletes', {}, 'fabrikam.com'));
    expect(wrong.body).toContain('Not confirmed: type contoso.com exactly to confirm');
    const other = await callAck(confirmPost(token, 'provision', { object: SOURCE, dn: DN }));
    expect(other.body).toContain('applies to a sync-errors alert only; this is a deletion-threshold alert');
    await writeBook([quarantine, errors], await readBook());
    const resolved = await callAck(confirmPost(token, 'allow-deletes'));
    expect(resolved.body).toMatch(/This alert resolved at/);
    expect(received()).toEqual([]);
    expect((await auditRows()).map((r) => r.Outcome)).toEqual(['refused', 'refused', 'refused']);
  });

  it('a bad or expired link is refused and audited, and nothing is sent', async () => {
    const good = await link(quarantine);
    const tampered = `${good.slice(0, -2)}${good.endsWith('AA') ? 'BB' : 'AA'}`;
    const bad = await callAck(confirmPost(tampered, 'restart'));
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('This acknowledge link is not valid.');
    const expired = await callAck(confirmPost(await link(quarantine, -1000), 'restart'));
    expect(expired.status).toBe(410);
    expect((await callAck(confirmGet(tampered, 'restart'))).status).toBe(400);
    expect(received()).toEqual([]);
    expect((await auditRows()).map((r) => [r.Outcome, r.Reason])).toEqual([
      ['refused', 'the link is not valid'],
      ['refused', 'the link has expired'],
    ]);
  });

  it('directory data on the remediation pages is HTML-escaped', async () => {
    const token = await link(errors);
    const choose = (await callAck(confirmGet(token, 'provision'))).body as string;
    expect(choose).toContain('<select name="object">');
    expect(choose).toContain('&lt;img src&#61;x onerror&#61;alert(1)&gt;Ana Costa');
    expect(choose).not.toContain('<img');
    const confirm = (await callAck(confirmGet(token, 'provision', { object: SOURCE, dn: DN })))
      .body as string;
    expect(confirm).toContain('CN&#61;Ana &lt;b&gt;Costa&lt;/b&gt;');
    expect(confirm).not.toMatch(/<b>|<img/);
    expect(received()).toEqual([]);
  });

  it('the CLI prints the plan without --confirm and sends it with --confirm, audited with --actor', async () => {
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    const id = idOf(deletion);
    expect(await main(['remediate', 'allow-deletes', id], io)).toBe(0);
    expect(out.join('\n')).toContain(
      `POST ${tenant.baseUrl}/v1.0/servicePrincipals/${SP}/synchronization/jobs/${encodeURIComponent(JOB)}/restart`,
    );
    expect(out.join('\n')).toContain('{"criteria":{"resetScope":"ForceDeletes"}}');
    expect(received()).toEqual([]);
    const version = alertVersion(await alertOf(deletion));
    expect(
      await main(
        ['remediate', 'allow-deletes', id, '--alert-version', 'stale', '--actor', 'ana', '--confirm'],
        io,
      ),
    ).toBe(1);
    expect(received()).toEqual([]);
    // The command the plan printed, as printed: the version after `=`, so one that starts with "-"
    // (base64url: 1 in 64) is not read as an option (which made this test fail now and then).
    expect(out.join('\n')).toContain(`--alert-version=${version} --confirm`);
    expect(
      await main(
        ['remediate', 'allow-deletes', id, '--alert-version=-StartsWithADash', '--actor', 'ana', '--confirm'],
        io,
      ),
    ).toBe(1);
    expect(received()).toEqual([]);
    expect(
      await main(
        ['remediate', 'allow-deletes', id, `--alert-version=${version}`, '--actor', 'ana', '--confirm'],
        io,
      ),
    ).toBe(0);
    expect(restarts.requests.map((r) => r.body)).toEqual([{ criteria: { resetScope: 'ForceDeletes' } }]);
    expect((await auditRows()).map((r) => [r.Outcome, r.Via, r.Actor])).toEqual([
      ['refused', 'cli', 'ana'],
      ['refused', 'cli', 'ana'],
      ['performed', 'cli', 'ana'],
    ]);
  });

  it('the printed provision command works pasted into a shell as printed: the same DN ($, quotes) and --data-dir', async () => {
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    // A DN a shell would rewrite in double quotes ($HOME) or end early (the apostrophe).
    const dn = `CN=Dan $HOME O'Brien \\"x\\",OU=Users,DC=contoso,DC=com`;
    const elsewhere = dataDir;
    delete process.env.DATA_DIR;
    const plan = [
      'remediate',
      'provision',
      idOf(errors),
      '--object',
      SOURCE,
      '--dn',
      dn,
      '--data-dir',
      elsewhere,
    ];
    expect(await main(plan, io)).toBe(0);
    const printed = out.find((l) => l.startsWith('to send it: '))!.slice('to send it: '.length);
    // The words a POSIX shell makes of the line, as a user pasting it gets them.
    const words = execFileSync('sh', ['-c', `printf '%s\\0' ${printed}`], { encoding: 'utf8' })
      .split('\0')
      .slice(0, -1);
    expect(words.slice(0, 2)).toEqual(['cloudsync-monitor', 'remediate']);
    expect(words).toContain(dn);
    expect(words.slice(words.indexOf('--data-dir'), words.indexOf('--data-dir') + 2)).toEqual([
      '--data-dir',
      elsewhere,
    ]);
    expect(received()).toEqual([]);
    expect(await main([...words.slice(1), '--actor', 'ana'], io)).toBe(0);
    expect(onDemand.requests.map((r) => r.body)).toEqual([
      { parameters: [{ ruleId: RULE, subjects: [{ objectId: dn, objectTypeName: 'user' }] }] },
    ]);
  });

  it('the next message about the alert says who did what, and its ack link carries the alert as it is then', async () => {
    await callAck(confirmPost(await link(quarantine), 'restart'));
    // The next run: the quarantine reason changed (an `updated`), told in one message.
    const next = advance(
      await readBook(),
      [deletion, { ...quarantine, materialKey: 'other reason' }, errors],
      fullCoverage,
      new Date(Date.now() + 60_000),
      defaultAlertSettings,
    );
    const told = next.transitions.filter((t) => t.alert.id === idOf(quarantine));
    expect(told.map((t) => t.transition)).toEqual(['updated']);
    const entry = { id: 'm1', createdAt: new Date().toISOString(), transitions: told, done: [] };
    const message = alertMessage(TENANT, entry, {
      secret: SECRET,
      baseUrl: 'https://app.example/api/ack',
      linkTtlMs: 3600_000,
    });
    expect(message.email.plainText).toMatch(/Remediation:? +restart performed by Ana from IT \(ack page\)/);
    const token = /token=([A-Za-z0-9._-]+)/.exec(message.email.plainText)?.[1] ?? '';
    const verified = verifyAckToken(decodeURIComponent(token), SECRET, new Date());
    expect(verified.ok && verified.payload.alertVersion).toBe(alertVersion(told[0]!.alert));
  });

  it('a provisioning that fails at the agent step is audited as failed, with the error code and the steps', async () => {
    onDemand.behaviour = 'agentFailure';
    const page = await callAck(confirmPost(await link(errors), 'provision', { object: SOURCE, dn: DN }));
    expect(page.status).toBe(502);
    expect(page.body).toContain('HybridIdentityServiceAgentSignalingError');
    expect(onDemand.requests).toHaveLength(1);
    const [row] = await auditRows();
    expect(row).toMatchObject({
      Outcome: 'failed',
      ErrorCode: 'HybridIdentityServiceAgentSignalingError',
      Result: [{ name: 'EntryImportAdd', type: 'Import', status: 'Failure' }],
    });
    expect((await alertOf(errors)).remediations).toMatchObject([{ action: 'provision', outcome: 'failed' }]);
  });

  it('an acknowledged alert still offers its fixes; the link made before the acknowledgement is refused', async () => {
    const before = await link(quarantine);
    expect((await callAck(ackPost({ token: before, until: 'resolve', by: 'Ana' }))).body).toContain(
      'Acknowledged',
    );
    const stale = await callAck(confirmPost(before, 'restart'));
    expect(stale.body).toContain('The alert has changed since this link was made (now acknowledged');
    const after = await link(quarantine);
    const page = (await callAck(ackGet(after))).body as string;
    expect(page).toContain('Already acknowledged');
    expect(page).toContain('name="remediate" value="restart"');
    expect((await callAck(confirmPost(after, 'restart'))).status).toBe(200);
    expect(restarts.requests).toHaveLength(1);
  });
});
