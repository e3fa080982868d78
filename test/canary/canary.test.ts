import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runMonitor } from '../../src/app/monitorRun.js';
import { buildDigest } from '../../src/digest/runDigest.js';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import { jobId } from '../../src/demo/cloudSyncConfiguration.js';
import { DemoOnDemand } from '../../src/demo/provisionOnDemand.js';
import type { DemoTenant } from '../../src/demo/server.js';
import { syntheticScenario, type Scenario } from '../../src/demo/scenario.js';
import { SYNTHETIC_CONFIGURATION } from '../../src/demo/syntheticScenario.js';
import {
  dependencies,
  readTable,
  settingsFor,
  startTestTenant,
  tempDataDir,
} from '../support/collectHarness.js';

/**
 * Issue 15 item 2, through the real Graph client against the demo tenant's provisionOnDemand: a
 * designated canary object per configuration, provisioned on demand every CANARY_INTERVAL_MINUTES,
 * paced to the API's 5 requests per 10 s; each attempt a CloudSyncCanary_CL row with the result (or the
 * error code and the failed step) and the round trip.
 */
const MIN = 60_000;
const START = new Date('2026-11-02T08:00:00Z');
const SP = SYNTHETIC_CONFIGURATION.servicePrincipalId;
const JOB = jobId(SYNTHETIC_CONFIGURATION, 'AD2AADProvisioning');

let tenant: DemoTenant;
let clock: VirtualClock;
let onDemand: DemoOnDemand;

const scenario = (): Scenario =>
  syntheticScenario({
    start: new Date(START.getTime() - 60 * MIN),
    events: 50,
    spanMs: 60 * MIN,
  });

beforeEach(async () => {
  clock = virtualClock(START);
  onDemand = new DemoOnDemand();
  tenant = await startTestTenant({ clock, scenario: scenario(), onDemand });
});
afterEach(async () => {
  await tenant.close();
});

const canary = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    servicePrincipalId: SP,
    jobId: JOB,
    ruleId: '6c409270-f78a-4bc6-af23-7cf3ab6482fe',
    objectId: `CN=CloudSync Canary ${i},OU=Service,DC=northwind,DC=com`,
    objectTypeName: 'user',
  }));

async function setUp(objects: number, extra: Record<string, string> = {}) {
  const dataDir = await tempDataDir();
  const settings = settingsFor(tenant, dataDir, {
    CANARY_OBJECTS: JSON.stringify(canary(objects)),
    ...extra,
  });
  const deps = await dependencies(settings, clock);
  return { dataDir, deps, settings };
}

describe('canary: provision a designated object on demand', () => {
  it('succeeds: one row with the result and the round trip, then nothing until the interval has passed', async () => {
    const { dataDir, deps } = await setUp(1);
    await runMonitor(deps, { trigger: 'test' });
    expect(onDemand.requests).toHaveLength(1);
    expect(onDemand.requests[0]!.body).toEqual({
      parameters: [
        {
          ruleId: '6c409270-f78a-4bc6-af23-7cf3ab6482fe',
          subjects: [
            { objectId: 'CN=CloudSync Canary 0,OU=Service,DC=northwind,DC=com', objectTypeName: 'user' },
          ],
        },
      ],
    });
    const rows = await readTable(dataDir, 'CloudSyncCanary_CL');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      ServicePrincipalId: SP,
      ConfigurationName: 'northwind.com',
      JobId: JOB,
      Outcome: 'success',
      Result: 'Success',
      ErrorCode: null,
      FailedStep: null,
      AgentStep: false,
      RoundTripMs: 4_000,
    });
    clock.advance(30 * MIN);
    await runMonitor(deps, { trigger: 'test' });
    expect(onDemand.requests).toHaveLength(1); // CANARY_INTERVAL_MINUTES (60) not over yet
    clock.advance(31 * MIN);
    await runMonitor(deps, { trigger: 'test' });
    expect(onDemand.requests).toHaveLength(2);
  });

  it('fails at the agent step: the error code and the failed step, marked as the agent path', async () => {
    onDemand.behaviour = 'agentFailure';
    const { dataDir, deps } = await setUp(1);
    const result = await runMonitor(deps, { trigger: 'test' });
    const rows = await readTable(dataDir, 'CloudSyncCanary_CL');
    expect(rows[0]).toMatchObject({
      Outcome: 'failure',
      Result: 'Failure',
      ErrorCode: 'HybridIdentityServiceAgentSignalingError',
      FailedStep: 'EntryImportAdd',
      AgentStep: true,
    });
    expect((rows[0]!.Steps as { status: string }[])[0]!.status).toBe('Failure');
    expect(result.collect.run.Outcome).not.toBe('failed');
  });

  it('is first-class evidence for agent-offline: a failure at the agent step opens it, the next success resolves it', async () => {
    onDemand.behaviour = 'agentFailure';
    const { dataDir, deps } = await setUp(1);
    const agentAlerts = async () =>
      (await readTable(dataDir, 'CloudSyncAlert_CL')).filter((r) => r.Kind === 'agent-offline');
    await runMonitor(deps, { trigger: 'test' });
    const opened = (await agentAlerts()).filter((r) => r.Transition === 'new');
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ Severity: 'critical', ServicePrincipalId: SP });
    expect(opened[0]!.Summary).toMatch(/HybridIdentityServiceAgentSignalingError/);

    // Between attempts the failure stays evidence: nothing resolves.
    clock.advance(5 * MIN);
    await runMonitor(deps, { trigger: 'test' });
    expect((await agentAlerts()).filter((r) => r.Transition === 'resolved')).toEqual([]);

    onDemand.behaviour = 'success';
    clock.advance(61 * MIN);
    await runMonitor(deps, { trigger: 'test' });
    expect((await agentAlerts()).filter((r) => r.Transition === 'resolved')).toHaveLength(1);
  });

  it('keeps to 5 requests per 10 s: seven canaries in one run are paced, none refused', async () => {
    const { dataDir, deps } = await setUp(7);
    onDemand.latencyMs = 0;
    await runMonitor(deps, { trigger: 'test' });
    expect(onDemand.requests).toHaveLength(7);
    expect(onDemand.throttled).toBe(0);
    const at = onDemand.requests.map((r) => r.at);
    expect(at[5]! - at[0]!).toBeGreaterThanOrEqual(10_000);
    const rows = await readTable(dataDir, 'CloudSyncCanary_CL');
    expect(rows.map((r) => r.Outcome)).toEqual(Array(7).fill('success'));
  });

  it('rate-limited by Graph: Retry-After is honoured; still throttled after the retries, the row says so', async () => {
    const { dataDir, deps } = await setUp(1, { GRAPH_MAX_RETRIES: '2' });
    onDemand.throttleNext(1);
    await runMonitor(deps, { trigger: 'test' });
    expect(onDemand.throttled).toBe(1);
    expect((await readTable(dataDir, 'CloudSyncCanary_CL'))[0]).toMatchObject({ Outcome: 'success' });

    clock.advance(61 * MIN);
    onDemand.throttleNext(10);
    await runMonitor(deps, { trigger: 'test' });
    const rows = await readTable(dataDir, 'CloudSyncCanary_CL');
    expect(rows[1]).toMatchObject({
      Outcome: 'throttled',
      ErrorCode: expect.stringMatching(/TooManyRequests|HTTP429/),
    });
  });
});

describe('canary: first-class evidence for sync-stalled', () => {
  const stallRows = async (dataDir: string) =>
    (await readTable(dataDir, 'CloudSyncAlert_CL')).filter((r) => r.Kind === 'sync-stalled');

  it('raises sync-stalled when the canary fails while the job status looks healthy, and says what the canary saw', async () => {
    onDemand.behaviour = 'exportFailure';
    const { dataDir, deps } = await setUp(1);
    await runMonitor(deps, { trigger: 'test' });
    const jobs = await readTable(dataDir, 'CloudSyncJobStatus_CL');
    // The job status itself is healthy: Active, a successful cycle minutes ago.
    expect(jobs.at(-1)).toMatchObject({ StatusCode: 'Active' });
    expect(
      clock.now().getTime() - Date.parse(jobs.at(-1)!.LastSuccessfulExecutionEnded as string),
    ).toBeLessThan(5 * MIN);
    // A warning is told once it has held ALERT_HOLD_DOWN_MINUTES; the failure stands until the next attempt.
    clock.advance(15 * MIN);
    const told = await runMonitor(deps, { trigger: 'test' });
    const opened = (await stallRows(dataDir)).filter((r) => r.Transition === 'new');
    expect(opened).toHaveLength(1);
    expect(opened[0]!.Summary).toMatch(
      /looks healthy, but the canary could not provision CN=CloudSync Canary 0,OU=Service,DC=northwind,DC=com on demand at .* at step EntryExportUpdate \(ExportTimeout\)/,
    );
    expect((opened[0]!.Details as { facts: { mode: string; canary: unknown } }).facts).toMatchObject({
      mode: 'canary-failing',
      canary: { outcome: 'failure', errorCode: 'ExportTimeout', failedStep: 'EntryExportUpdate' },
    });
    // Not the agent path: no agent-offline.
    expect((await readTable(dataDir, 'CloudSyncAlert_CL')).some((r) => r.Kind === 'agent-offline')).toBe(
      false,
    );
    // The message says it too.
    const transition = told.transitions.find((t) => t.alert.kind === 'sync-stalled');
    expect(transition?.alert.summary).toMatch(/ExportTimeout/);

    // The next attempt succeeds: the stall resolves.
    onDemand.behaviour = 'success';
    clock.advance(50 * MIN);
    await runMonitor(deps, { trigger: 'test' });
    expect((await stallRows(dataDir)).filter((r) => r.Transition === 'resolved')).toHaveLength(1);
  });

  it('holds sync-stalled back while the canary succeeds, though the job status reports no successful cycle', async () => {
    await tenant.close();
    // The job's last success is frozen two hours back: by its status, the job is stalled.
    const base = scenario();
    const frozen = new Date(START.getTime() - 120 * MIN).toISOString();
    const stale: Scenario = {
      ...base,
      jobs: (sp, at) =>
        base.jobs(sp, at)?.map((j) => ({
          ...j,
          status: {
            ...j.status,
            lastSuccessfulExecution: j.status.lastSuccessfulExecution && {
              ...j.status.lastSuccessfulExecution,
              timeEnded: frozen,
            },
          },
        })),
    };
    tenant = await startTestTenant({ clock, scenario: stale, onDemand });

    // Without a canary: stalled (the control).
    const control = await setUp(0, { CANARY_OBJECTS: '' });
    await runMonitor(control.deps, { trigger: 'test' });
    clock.advance(15 * MIN);
    await runMonitor(control.deps, { trigger: 'test' });
    expect((await stallRows(control.dataDir)).filter((r) => r.Transition === 'new')).toHaveLength(1);

    // With a canary that succeeds: the whole path works, no stall.
    const { dataDir, deps } = await setUp(1);
    await runMonitor(deps, { trigger: 'test' });
    clock.advance(15 * MIN);
    await runMonitor(deps, { trigger: 'test' });
    expect((await readTable(dataDir, 'CloudSyncCanary_CL'))[0]).toMatchObject({ Outcome: 'success' });
    expect(await stallRows(dataDir)).toEqual([]);
  });
});

describe('canary: the round trip is a sync latency figure in the digest', () => {
  it('per configuration: the last attempt, and p50/p95 of the successful round trips of the day', async () => {
    const { deps, settings } = await setUp(1);
    // Five attempts an hour apart: 2, 4, 6 and 8 s round trips, then a failure at the export step.
    for (const [i, ms] of [2_000, 4_000, 6_000, 8_000, 3_000].entries()) {
      onDemand.latencyMs = ms;
      onDemand.behaviour = i === 4 ? 'exportFailure' : 'success';
      await runMonitor(deps, { trigger: 'test' });
      clock.advance(61 * MIN);
    }
    expect(onDemand.requests).toHaveLength(5);
    const digest = await buildDigest({
      state: deps.state,
      tenantId: deps.tenantId,
      now: clock.now(),
      settings,
    });
    expect(digest.model.latency?.configurations).toEqual([
      expect.objectContaining({
        name: 'northwind.com',
        attempts: 5,
        unsuccessful: 1,
        last: expect.objectContaining({ outcome: 'failure', roundTripMs: 3_000 }),
        p50Ms: 4_000,
        p95Ms: 8_000,
      }),
    ]);
    const text = digest.message.email.plainText;
    expect(text).toContain('SYNC LATENCY');
    expect(text).toMatch(
      /northwind\.com: last 3\.0 s \(failure, \d\d:\d\d UTC\); p50 4\.0 s, p95 8\.0 s over 4 successful attempts; 1 not successful/,
    );
    expect(digest.message.email.html).toContain('Sync latency');
  });

  it('says nothing about latency without a canary (opt-in)', async () => {
    const { deps, settings } = await setUp(0, { CANARY_OBJECTS: '' });
    await runMonitor(deps, { trigger: 'test' });
    clock.advance(61 * MIN);
    const digest = await buildDigest({
      state: deps.state,
      tenantId: deps.tenantId,
      now: clock.now(),
      settings,
    });
    expect(digest.model.latency).toBeUndefined();
    expect(digest.message.email.plainText).not.toContain('SYNC LATENCY');
  });
});
