import { HttpRequest, InvocationContext } from '@azure/functions';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readTable } from '../support/collectHarness.js';
import { useFunctionEnvironment } from '../support/functionEnvironment.js';

const TENANT = '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d';

/** A common-alert-schema payload as Azure Monitor posts it for a log search alert. */
function payload(
  condition: 'Fired' | 'Resolved' = 'Fired',
  rule = 'cloudsync-monitor: no successful run in 20 minutes',
) {
  return {
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        alertId:
          '/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.AlertsManagement/alerts/b9569717-bc32-442f-add5-83a997729330',
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

const post = (text: string) =>
  new HttpRequest({
    method: 'POST',
    url: 'https://app.example/api/azureMonitorAlert',
    body: { string: text },
    headers: { 'content-type': 'application/json' },
  });

describe('functions/azureMonitorAlert (HTTP handler invoked directly)', () => {
  const dataDirOf = useFunctionEnvironment({ TENANT_ID: TENANT });
  let dataDir: string;
  beforeEach(() => {
    dataDir = dataDirOf();
  });
  const call = async (text: string) => {
    const { azureMonitorAlert } = await import('../../functions/azureMonitorAlert.js');
    return azureMonitorAlert(
      post(text),
      new InvocationContext({ functionName: 'azureMonitorAlert', logHandler: () => undefined }),
    );
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
});
