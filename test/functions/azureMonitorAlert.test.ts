import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readTable } from '../support/collectHarness.js';
import { useFunctionEnvironment } from '../support/functionEnvironment.js';
import { postJson } from '../support/invokeHttp.js';

const TENANT = '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d';

/** A common-alert-schema payload as Azure Monitor posts it for a log search alert. */
function payload(
  condition: 'Fired' | 'Resolved' = 'Fired',
  rule = 'cloudsync-monitor: no successful run in 20 minutes',
  alertGuid = 'b9569717-bc32-442f-add5-83a997729330',
) {
  return {
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        alertId: `/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.AlertsManagement/alerts/${alertGuid}`,
        alertRule: rule,
        severity: 'Sev1',
        signalType: 'Log',
        monitorCondition: condition,
        monitoringService: 'Log Alerts V2',
        alertTargetIDs: [
          '/subscriptions/11111111-1111-1111-1111-111111111111/resourcegroups/rg-csm/providers/microsoft.operationalinsights/workspaces/log-csm',
        ],
        configurationItems: ['log-csm'],
        originAlertId: '12345',
        firedDateTime: '2026-11-23T07:05:00.000Z',
        ...(condition === 'Resolved' ? { resolvedDateTime: '2026-11-23T07:40:00.000Z' } : {}),
        description: 'No CloudSyncMonitorRun_CL row with Outcome success or partial for 20 minutes',
        essentialsVersion: '1.0',
        alertContextVersion: '1.0',
      },
      alertContext: {
        properties: null,
        conditionType: 'LogQueryCriteria',
        condition: { windowSize: 'PT20M' },
      },
      customProperties: null,
    },
  };
}

describe('functions/azureMonitorAlert (HTTP handler invoked directly)', () => {
  const dataDirOf = useFunctionEnvironment({ TENANT_ID: TENANT });
  let dataDir: string;
  beforeEach(() => {
    dataDir = dataDirOf();
  });
  const call = async (text: string) => {
    const { azureMonitorAlert } = await import('../../functions/azureMonitorAlert.js');
    return postJson(azureMonitorAlert, 'azureMonitorAlert', text);
  };
  const outbox = async () => (await readdir(path.join(dataDir, 'outbox')).catch(() => [])).sort();

  it('routes a fired alert to every channel (the outbox here) and records it', async () => {
    const response = await call(JSON.stringify(payload()));
    expect(response.status).toBe(202);
    const files = await outbox();
    expect(files.some((f) => f.includes('-email-'))).toBe(true);
    expect(files.some((f) => f.includes('-teams-'))).toBe(true);
    const email = JSON.parse(
      await readFile(
        path.join(
          dataDir,
          'outbox',
          files.find((f) => f.includes('-email-'))!,
        ),
        'utf8',
      ),
    );
    expect(JSON.stringify(email)).toContain('no successful run in 20 minutes');
    const rows = await readTable(dataDir, 'CloudSyncAlert_CL');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      Kind: 'monitor-degraded',
      Transition: 'new',
      Severity: 'critical',
      AADTenantId: TENANT,
      // What the message met on each channel, as a monitor run's alert rows say it.
      Channels: ['email', 'teams'],
      Details: { delivery: { email: 'delivered', teams: 'delivered' } },
    });
  });

  it('takes each notification once: a replay is rejected and nothing more is stored or sent', async () => {
    const text = JSON.stringify(payload());
    expect((await call(text)).status).toBe(202);
    const before = await outbox();
    expect((await call(text)).status).toBe(409);
    expect(await outbox()).toEqual(before);
    expect(await readTable(dataDir, 'CloudSyncAlert_CL')).toHaveLength(1);
    // ...while the resolution of the same alert is news.
    expect((await call(JSON.stringify(payload('Resolved')))).status).toBe(202);
    expect((await readTable(dataDir, 'CloudSyncAlert_CL')).map((r) => r.Transition)).toEqual([
      'new',
      'resolved',
    ]);
  });

  it('escapes a hostile rule name in the email HTML', async () => {
    await call(JSON.stringify(payload('Fired', '<script>alert(1)</script>')));
    const file = (await outbox()).find((f) => f.includes('-email-'))!;
    const email = JSON.parse(await readFile(path.join(dataDir, 'outbox', file), 'utf8'));
    const html = email.content.html as string;
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it.each([
    ['malformed JSON', '{"schemaId":', 400],
    ['another schema', JSON.stringify({ schemaId: 'Microsoft.Insights/activityLogs', data: {} }), 400],
    ['an oversized body', JSON.stringify({ ...payload(), padding: 'x'.repeat(300_000) }), 413],
  ])('rejects %s and stores nothing', async (_name, text, status) => {
    expect((await call(text)).status).toBe(status);
    expect(await outbox()).toEqual([]);
    expect(await readTable(dataDir, 'CloudSyncAlert_CL')).toHaveLength(0);
  });

  /* Storage failures and damaged state (issue 9 row 11, issue 8): Azure Monitor retries a webhook that
     failed, so a failure must answer 500 and leave the alert to the retry, never mark it seen. */

  const rows = () => readTable(dataDir, 'CloudSyncAlert_CL');
  const channelsOf = (files: string[]) =>
    files.map((f) => (f.includes('-email-') ? 'email' : 'teams')).sort();

  it('answers 500 when the sink fails, and the retry stores the row without sending the alert again', async () => {
    const text = JSON.stringify(payload());
    const table = path.join(dataDir, 'tables', 'CloudSyncAlert_CL.ndjson');
    await mkdir(table, { recursive: true });
    // The alert is told first (the row names where it went), so a failing sink costs the row, not the alert.
    expect((await call(text)).status).toBe(500);
    expect(channelsOf(await outbox())).toEqual(['email', 'teams']);

    await rm(table, { recursive: true });
    expect((await call(text)).status).toBe(202);
    expect(await rows()).toHaveLength(1);
    expect(await outbox()).toHaveLength(2);
    // Sent by the first call: each channel's ledger knew it, and says so.
    expect((await rows())[0]).toMatchObject({
      Channels: ['email', 'teams'],
      Details: { delivery: { email: 'duplicate', teams: 'duplicate' } },
    });
    expect((await call(text)).status).toBe(409);
    expect(await rows()).toHaveLength(1);
    expect(await outbox()).toHaveLength(2);
  });

  it('answers 500 when the message cannot be queued, and the retry sends it without a second row', async () => {
    const text = JSON.stringify(payload());
    // Delivery state (ledger, pending queue) cannot be written: a file stands where its directory goes.
    const notifyState = path.join(dataDir, 'state', '_notify');
    await mkdir(path.dirname(notifyState), { recursive: true });
    await writeFile(notifyState, 'not a directory');
    expect((await call(text)).status).toBe(500);
    expect(await outbox()).toEqual([]);

    await rm(notifyState);
    expect((await call(text)).status).toBe(202);
    expect(channelsOf(await outbox())).toEqual(['email', 'teams']);
    expect(await rows()).toHaveLength(1);
  });

  it('sets a damaged seen-book aside, says so, and routes this and later alerts', async () => {
    const stateDir = path.join(dataDir, 'state', TENANT);
    await mkdir(stateDir, { recursive: true });
    await writeFile(path.join(stateDir, 'azure-monitor-alerts-seen.json'), '{"etag":"e","value":{"seen":[[');

    const first = await call(JSON.stringify(payload('Fired', 'rule one')));
    expect(first.status).toBe(202);
    expect(first.logs.join('\n')).toMatch(
      /Azure Monitor seen-book: stored state .*azure-monitor-alerts-seen is not valid JSON.*set aside as corrupt-azure-monitor-alerts-seen-\d{17}/,
    );
    expect((await readdir(stateDir)).filter((f) => f.startsWith('corrupt-'))).toHaveLength(1);

    const other = payload('Fired', 'rule two', 'c0000000-0000-4000-8000-000000000002');
    expect((await call(JSON.stringify(other))).status).toBe(202);
    expect(await rows()).toHaveLength(2);
    expect(await outbox()).toHaveLength(4);
    // The fresh book still recognises a replay.
    expect((await call(JSON.stringify(payload('Fired', 'rule one')))).status).toBe(409);
  });
});

describe('functions/azureMonitorAlert with routing', () => {
  const dataDirOf = useFunctionEnvironment({
    TENANT_ID: TENANT,
    ALERT_ROUTES: JSON.stringify({
      receivers: [
        { name: 'ops', email: ['ops@contoso.example'] },
        { name: 'oncall', email: ['oncall@contoso.example'] },
      ],
      routes: [{ match: { severity: 'critical' }, receivers: ['oncall'] }],
      defaultReceiver: 'ops',
    }),
  });

  it("goes to the default receiver, and its row names that receiver's channels, not email and Teams", async () => {
    const { azureMonitorAlert } = await import('../../functions/azureMonitorAlert.js');
    const response = await postJson(azureMonitorAlert, 'azureMonitorAlert', JSON.stringify(payload()));
    expect(response.status).toBe(202);
    const files = await readdir(path.join(dataDirOf(), 'outbox'));
    expect(files).toHaveLength(1);
    expect(files[0]).toContain('-ops.email-');
    const rows = await readTable(dataDirOf(), 'CloudSyncAlert_CL');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      Channels: ['ops.email'],
      Details: { delivery: { 'ops.email': 'delivered' } },
    });
  });
});
