import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptAzureMonitorAlert } from '../../src/app/azureMonitorAlert.js';
import { acceptHeartbeat } from '../../src/app/heartbeat.js';
import { runMonitor, type MonitorDependencies, type MonitorResult } from '../../src/app/monitorRun.js';
import { LEASE_NAME } from '../../src/app/underRunLease.js';
import { ALERT_BOOK_KEY } from '../../src/alerts/book.js';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import { WATERMARK_KEY } from '../../src/collect/provisioningCheckpoint.js';
import type { Settings } from '../../src/config.js';
import { syntheticScenario } from '../../src/demo/scenario.js';
import type { DemoTenant } from '../../src/demo/server.js';
import { commonAlert } from '../../src/domain/commonAlert.js';
import { HEARTBEATS_KEY } from '../../src/heartbeat/recordHeartbeat.js';
import { silentLogger } from '../../src/log.js';
import { azureMonitorMessageId } from '../../src/azureMonitor/routeAzureMonitorAlert.js';
import { ledgerKey } from '../../src/notify/ledger.js';
import { NOTIFY_STATE_SCOPE, notifyKey } from '../../src/notify/notifyState.js';
import { pendingName } from '../../src/notify/pending.js';
import { listSetAside } from '../../src/state/setAside.js';
import type { StateKey } from '../../src/state/store.js';
import { createWebhookDependencies, notifyDependencies } from '../../src/wiring.js';
import {
  dependencies,
  readTable,
  settingsFor,
  startTestTenant,
  tempDataDir,
} from '../support/collectHarness.js';
import { runningAgentHeartbeat } from '../support/heartbeats.js';

/**
 * Issue 8, "what it must show": a corrupt value in EACH stored state (alert book, heartbeat book, Azure
 * Monitor seen-book, pending entry, ledger shard, lease, provisioning watermark) is set aside with a clear
 * message (the run row's Errors: CorruptState, naming the state and its copy) and an alert
 * (`monitor-degraded` for the state signal), and the webhook call or the run that meets it works, as do
 * the runs after it. Real monitor runs against the demo tenant over HTTPS, real local state store.
 */
const start = new Date('2026-11-22T06:00:00Z');
let clock: VirtualClock;
let tenant: DemoTenant;

beforeAll(async () => {
  clock = virtualClock(start);
  tenant = await startTestTenant({
    clock,
    scenario: syntheticScenario({ start: new Date(start.getTime() - 3600_000), events: 400 }),
    reportsRateLimit: false,
  });
});
afterAll(() => tenant.close());

interface Case {
  readonly settings: Settings;
  readonly deps: MonitorDependencies;
  readonly dataDir: string;
  /** One full monitor run, then five minutes pass. */
  readonly run: () => Promise<MonitorResult>;
  /** What was made unreadable: a value of the wrong shape stored under the state's key. */
  readonly damage: (key: StateKey) => Promise<void>;
}

async function setUp(): Promise<Case> {
  clock.advance(3600_000);
  const dataDir = await tempDataDir();
  const settings = settingsFor(tenant, dataDir);
  const deps = await dependencies(settings, clock);
  return {
    settings,
    deps,
    dataDir,
    run: async () => {
      const result = await runMonitor(deps, { trigger: 'test' });
      clock.advance(5 * 60_000);
      return result;
    },
    damage: async (key) => {
      await deps.state.write(key, 'damaged', { unconditional: true });
    },
  };
}

const corruptIssues = (result: MonitorResult, name: string) =>
  result.collect.issues.filter((i) => i.code === 'CorruptState' && i.target === name);

/** The monitor-degraded transitions of these runs that carry a CorruptState issue. */
const degradedByCorruption = (results: readonly MonitorResult[]) =>
  results
    .flatMap((r) => r.transitions)
    .filter((t) => t.alert.kind === 'monitor-degraded' && JSON.stringify(t.alert).includes('CorruptState'));

/**
 * What every case must show after the damage was met: a copy `corrupt-<name>-<time>`, the run row of
 * `reporting` saying so in words, monitor-degraded opened by it, and runs afterwards that are clean.
 */
async function expectSetAsideAndAlerted(
  c: Case,
  key: StateKey,
  reporting: MonitorResult,
  next: MonitorResult,
  options: { readonly toldInTheSameRun?: boolean } = {},
): Promise<void> {
  const copies = await copiesOf(c, key);
  expect(copies, `a copy of the damaged ${key.name}`).toHaveLength(1);

  const issues = corruptIssues(reporting, key.name);
  expect(issues.length, `CorruptState ${key.name} in the run`).toBeGreaterThan(0);
  expect(issues[0]!.message).toMatch(new RegExp(`${key.name} is invalid.*; set aside as ${copies[0]!}`));
  const row = (await readTable(c.dataDir, 'CloudSyncMonitorRun_CL')).find(
    (r) => r.RunId === reporting.collect.runId,
  );
  expect(JSON.stringify(row?.Errors)).toContain(`set aside as ${copies[0]!}`);
  expect(JSON.stringify(row?.Errors)).toContain('CorruptState');
  expect(reporting.collect.outcome).not.toBe('failed');

  const degraded = degradedByCorruption([reporting, next]);
  expect(degraded.filter((t) => t.transition === 'new')).toHaveLength(1);
  // Said once: the next run does not report the same copy again, unless it was found after this run's
  // rules had run (the alert book, set aside by the alerting step itself): then the next run tells them.
  if (options.toldInTheSameRun !== false) {
    expect(degradedByCorruption([reporting]).map((t) => t.transition)).toEqual(['new']);
    expect(corruptIssues(next, key.name)).toEqual([]);
  }
  expect(degraded[0]!.alert.summary).toMatch(/cannot read or write its state/);

  // Afterwards the state is healthy again: nothing more is set aside, the runs succeed.
  const later = await c.run();
  expect(corruptIssues(later, key.name)).toEqual([]);
  expect(later.collect.outcome).toBe('success');
  expect(await copiesOf(c, key)).toHaveLength(1);
}

/** The copies set aside of `key` (long names are shortened in the copy's name, so ask each copy). */
async function copiesOf(c: Case, key: StateKey): Promise<string[]> {
  const all = await listSetAside(c.deps.state, key.tenantId, new Date(0));
  return all.filter((copy) => copy.name === key.name).map((copy) => copy.copy);
}

const heartbeatOf = (machineName: string) => runningAgentHeartbeat(machineName, tenant.tenantId, clock.now());

function azureMonitorAlertOf(alertGuid: string) {
  return commonAlert.parse({
    schemaId: 'azureMonitorCommonAlertSchema',
    data: {
      essentials: {
        alertId: `/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.AlertsManagement/alerts/${alertGuid}`,
        alertRule: 'cloudsync-monitor: no successful run in 20 minutes',
        severity: 'Sev1',
        signalType: 'Log',
        monitorCondition: 'Fired',
        monitoringService: 'Log Alerts V2',
        alertTargetIDs: [
          '/subscriptions/11111111-1111-1111-1111-111111111111/resourcegroups/rg/workspaces/log',
        ],
        firedDateTime: clock.now().toISOString(),
        essentialsVersion: '1.0',
        alertContextVersion: '1.0',
      },
      alertContext: null,
      customProperties: null,
    },
  });
}

async function webhook(c: Case) {
  const deps = await createWebhookDependencies(c.settings, clock, silentLogger);
  return { ...deps, notify: notifyDependencies(c.settings, deps) };
}

describe('a corrupt value in each stored state is set aside, said and alerted; the product goes on', () => {
  it('the alert book', async () => {
    const c = await setUp();
    await c.run();
    const key = { tenantId: tenant.tenantId, name: ALERT_BOOK_KEY };
    await c.damage(key);
    const reporting = await c.run();
    expect(reporting.alerting, 'the run still evaluated its alerts').toBeDefined();
    await expectSetAsideAndAlerted(c, key, reporting, await c.run(), { toldInTheSameRun: false });
  });

  it('the heartbeat book: the heartbeat that meets it is stored, and so are the next ones', async () => {
    const c = await setUp();
    await c.run();
    const key = { tenantId: tenant.tenantId, name: HEARTBEATS_KEY };
    await c.damage(key);
    const hooks = await webhook(c);
    expect((await acceptHeartbeat(hooks, heartbeatOf('HB01.contoso.com'))).accepted).toBe(true);
    expect((await acceptHeartbeat(hooks, heartbeatOf('HB02.contoso.com'))).accepted).toBe(true);
    const reporting = await c.run();
    await expectSetAsideAndAlerted(c, key, reporting, await c.run());
    const hosts = (await readTable(c.dataDir, 'CloudSyncAgent_CL')).filter((r) => r.Source === 'heartbeat');
    expect(hosts.map((r) => r.MachineName)).toEqual(['HB01.contoso.com', 'HB02.contoso.com']);
  });

  it('the Azure Monitor seen-book: the alert that meets it is routed, a replay is still recognised', async () => {
    const c = await setUp();
    await c.run();
    const key = { tenantId: tenant.tenantId, name: 'azure-monitor-alerts-seen' };
    await c.damage(key);
    const hooks = await webhook(c);
    const alert = azureMonitorAlertOf('c0000000-0000-4000-8000-000000000001');
    expect((await acceptAzureMonitorAlert(hooks, alert)).accepted).toBe(true);
    expect(await acceptAzureMonitorAlert(hooks, alert)).toMatchObject({ accepted: false, status: 409 });
    const reporting = await c.run();
    await expectSetAsideAndAlerted(c, key, reporting, await c.run());
  });

  it('a pending entry: the run that meets it delivers what it can and goes on', async () => {
    const c = await setUp();
    await c.run();
    const key = notifyKey(pendingName('email', 'digest-damaged'));
    await c.damage(key);
    const reporting = await c.run();
    expect(await c.deps.state.read(key)).toBeUndefined();
    await expectSetAsideAndAlerted(c, key, reporting, await c.run());
  });

  it('a channel ledger shard: the message that meets it is delivered once, and so are the next ones', async () => {
    const c = await setUp();
    await c.run();
    const alert = azureMonitorAlertOf('c0000000-0000-4000-8000-00000000000a');
    const key = ledgerKey('email', azureMonitorMessageId(alert));
    await c.damage(key);
    const hooks = await webhook(c);
    const first = await acceptAzureMonitorAlert(hooks, alert);
    const second = await acceptAzureMonitorAlert(
      hooks,
      azureMonitorAlertOf('c0000000-0000-4000-8000-00000000000b'),
    );
    expect([first.accepted, second.accepted]).toEqual([true, true]);
    const reporting = await c.run();
    await expectSetAsideAndAlerted(c, key, reporting, await c.run());
    const ledger = await c.deps.state.read(key);
    expect(JSON.stringify(ledger?.value)).toContain(first.accepted ? first.messageId : '?');
    expect(key.tenantId).toBe(NOTIFY_STATE_SCOPE);
  });

  it('the run lease: the run that meets it takes the lease and works', async () => {
    const c = await setUp();
    await c.run();
    const key = { tenantId: tenant.tenantId, name: LEASE_NAME };
    await c.damage(key);
    const reporting = await c.run();
    expect(reporting.collect.provisioning.written).toBeGreaterThan(0);
    await expectSetAsideAndAlerted(c, key, reporting, await c.run());
  });

  it('the provisioning watermark: the run resumes without writing an event twice', async () => {
    const c = await setUp();
    await c.run();
    const key = { tenantId: tenant.tenantId, name: WATERMARK_KEY };
    await c.damage(key);
    const reporting = await c.run();
    await expectSetAsideAndAlerted(c, key, reporting, await c.run());
    const ids = (await readTable(c.dataDir, 'CloudSyncProvisioning_CL')).map((r) => r.EventId);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
