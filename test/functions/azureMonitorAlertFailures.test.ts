import { HttpRequest, InvocationContext } from '@azure/functions';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readTable } from '../support/collectHarness.js';
import { useFunctionEnvironment } from '../support/functionEnvironment.js';

/**
 * The Azure Monitor webhook when storage misbehaves (issue 9 row 11, issue 8). Azure Monitor retries a
 * webhook that failed; the alert used to be marked seen before it was stored or sent, so the retry got
 * 409 and the alert was gone. Now a failure answers 500 and the retry stores and sends it, once.
 */
const TENANT = '3f1b7c2a-9d4e-4a6b-8c1d-2e5f7a9b0c3d';

function payload(
  rule = 'cloudsync-monitor: no successful run in 20 minutes',
  alertGuid = 'b9569717-bc32-442f-add5-83a997729330',
) {
  return JSON.stringify({
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        alertId: `/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.AlertsManagement/alerts/${alertGuid}`,
        alertRule: rule,
        severity: 'Sev1',
        signalType: 'Log',
        monitorCondition: 'Fired',
        monitoringService: 'Log Alerts V2',
        alertTargetIDs: [
          '/subscriptions/11111111-1111-1111-1111-111111111111/resourcegroups/rg-csm/providers/microsoft.operationalinsights/workspaces/log-csm',
        ],
        configurationItems: ['log-csm'],
        originAlertId: '12345',
        firedDateTime: '2026-11-23T07:05:00.000Z',
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
  });
}

describe('functions/azureMonitorAlert when storage fails or holds damaged state', () => {
  const dataDirOf = useFunctionEnvironment({ TENANT_ID: TENANT });
  let dataDir: string;
  let logs: string[];
  beforeEach(() => {
    dataDir = dataDirOf();
    logs = [];
  });

  const call = async (text: string) => {
    const { azureMonitorAlert } = await import('../../functions/azureMonitorAlert.js');
    const request = new HttpRequest({
      method: 'POST',
      url: 'https://app.example/api/azureMonitorAlert',
      body: { string: text },
      headers: { 'content-type': 'application/json' },
    });
    const context = new InvocationContext({
      functionName: 'azureMonitorAlert',
      logHandler: (_level, ...args) => logs.push(args.map(String).join(' ')),
    });
    // A handler that throws is answered 500 by the Functions host.
    return azureMonitorAlert(request, context).then(
      (response) => response.status,
      () => 500,
    );
  };
  const rows = () => readTable(dataDir, 'CloudSyncAlert_CL');
  const outbox = async () => (await readdir(path.join(dataDir, 'outbox')).catch(() => [])).sort();
  const channelsOf = (files: string[]) =>
    files.map((f) => (f.includes('-email-') ? 'email' : 'teams')).sort();

  it('answers 500 when the sink fails, and the retry stores and sends the alert once', async () => {
    const table = path.join(dataDir, 'tables', 'CloudSyncAlert_CL.ndjson');
    await mkdir(table, { recursive: true });
    expect(await call(payload())).toBe(500);
    expect(await outbox()).toEqual([]);

    await rm(table, { recursive: true });
    expect(await call(payload())).toBe(202);
    expect(await rows()).toHaveLength(1);
    expect(channelsOf(await outbox())).toEqual(['email', 'teams']);
    expect(await call(payload())).toBe(409);
    expect(await rows()).toHaveLength(1);
    expect(await outbox()).toHaveLength(2);
  });

  it('answers 500 when the message cannot be queued, and the retry sends it without a second row', async () => {
    // Delivery state (ledger, pending queue) cannot be written: a file stands where its directory goes.
    const notifyState = path.join(dataDir, 'state', '_notify');
    await mkdir(path.dirname(notifyState), { recursive: true });
    await writeFile(notifyState, 'not a directory');
    expect(await call(payload())).toBe(500);
    expect(await outbox()).toEqual([]);

    await rm(notifyState);
    expect(await call(payload())).toBe(202);
    expect(channelsOf(await outbox())).toEqual(['email', 'teams']);
    expect(await rows()).toHaveLength(1);
  });

  it('sets a damaged seen-book aside, says so, and routes this and later alerts', async () => {
    const stateDir = path.join(dataDir, 'state', TENANT);
    await mkdir(stateDir, { recursive: true });
    await writeFile(path.join(stateDir, 'azure-monitor-alerts-seen.json'), '{"etag":"e","value":{"seen":[[');

    expect(await call(payload('rule one'))).toBe(202);
    expect(logs.join('\n')).toMatch(
      /Azure Monitor seen-book: stored state .*azure-monitor-alerts-seen is not valid JSON.*set aside as corrupt-azure-monitor-alerts-seen-\d{17}/,
    );
    expect((await readdir(stateDir)).filter((f) => f.startsWith('corrupt-'))).toHaveLength(1);

    expect(await call(payload('rule two', 'c0000000-0000-4000-8000-000000000002'))).toBe(202);
    expect(await rows()).toHaveLength(2);
    expect(await outbox()).toHaveLength(4);
    // The fresh book still recognises a replay.
    expect(await call(payload('rule one'))).toBe(409);
  });
});
