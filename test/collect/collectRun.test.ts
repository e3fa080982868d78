import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { offsetClock, virtualClock, type Clock, type VirtualClock } from '../../src/clock.js';
import type { DemoTenant } from '../../src/demo/server.js';
import { syntheticScenario } from '../../src/demo/scenario.js';
import { LeaseHeldError } from '../../src/state/lease.js';
import {
  dependencies,
  duplicatesOf,
  readTable,
  run,
  settingsFor,
  startTestTenant,
  tempDataDir,
} from '../support/collectHarness.js';

const START = new Date('2026-11-22T06:00:00Z');
const HOUR = 3600_000;

const tenants: DemoTenant[] = [];
afterEach(async () => {
  await Promise.all(tenants.splice(0).map((t) => t.close()));
});

/** A synthetic tenant with `events` events in the hour after START, all visible two hours later. */
async function syntheticTenant<C extends Clock = VirtualClock>(
  events: number,
  clock: C = virtualClock(new Date(START.getTime() + 2 * HOUR)) as unknown as C,
  extra = {},
) {
  const tenant = await startTestTenant({
    clock,
    scenario: syntheticScenario({ start: START, events, spanMs: HOUR }),
    ...extra,
  });
  tenants.push(tenant);
  return { tenant, clock };
}

const eventIds = async (dataDir: string) =>
  (await readTable(dataDir, 'CloudSyncProvisioning_CL')).map((row) => row.EventId);

describe('collect run: the real Graph client against the demo tenant over HTTPS', () => {
  it('pages across 3,000 events and writes each exactly once, with exactly the table columns', async () => {
    const { tenant, clock } = await syntheticTenant(3_000);
    const dataDir = await tempDataDir();
    const deps = await dependencies(settingsFor(tenant, dataDir, { PROVISIONING_PAGE_SIZE: '200' }), clock);

    const result = await run(deps);

    expect(result.outcome).toBe('success');
    expect(result.provisioning.pages).toBeGreaterThanOrEqual(15);
    const rows = await readTable(dataDir, 'CloudSyncProvisioning_CL');
    expect(rows).toHaveLength(3_000);
    expect(duplicatesOf(rows.map((r) => r.EventId))).toEqual([]);
    expect(rows.every((r) => r.AADTenantId === tenant.tenantId)).toBe(true);
    const runs = await readTable(dataDir, 'CloudSyncMonitorRun_CL');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      Outcome: 'success',
      EventsCollected: 3_000,
      AADTenantId: tenant.tenantId,
    });
    expect(tenant.stats.throttled).toBe(0);
  });

  it('writes no duplicate on a second run over the same data', async () => {
    const { tenant, clock } = await syntheticTenant(800);
    const dataDir = await tempDataDir();
    const deps = await dependencies(settingsFor(tenant, dataDir), clock);

    await run(deps);
    clock.advance(5 * 60_000);
    const second = await run(deps);

    expect(second.provisioning.written).toBe(0);
    const ids = await eventIds(dataDir);
    expect(ids).toHaveLength(800);
    expect(duplicatesOf(ids)).toEqual([]);
  });

  it('honours Retry-After on a 429 in the middle of paging and loses nothing', async () => {
    const clock = offsetClock(new Date(START.getTime() + 2 * HOUR));
    const { tenant } = await syntheticTenant(600, clock);
    tenant.injectFault({
      kind: 'status',
      route: 'provisioning',
      status: 429,
      retryAfterSeconds: 1,
      afterMatching: 1,
    });
    const dataDir = await tempDataDir();
    const deps = await dependencies(settingsFor(tenant, dataDir, { PROVISIONING_PAGE_SIZE: '200' }), clock);

    const began = Date.now();
    const result = await run(deps);

    expect(tenant.stats.throttled).toBe(1);
    expect(Date.now() - began).toBeGreaterThanOrEqual(1_000);
    expect(result.outcome).toBe('success');
    const ids = await eventIds(dataDir);
    expect(ids).toHaveLength(600);
    expect(duplicatesOf(ids)).toEqual([]);
  });

  it('paces the reporting API so that a normal run sees no 429', async () => {
    // The documented limit scaled down (5 per 1 s instead of 5 per 10 s) on both sides, in real time.
    const clock = offsetClock(new Date(START.getTime() + 2 * HOUR));
    const { tenant } = await syntheticTenant(1_300, clock, {
      reportsRateLimit: { requests: 5, windowMs: 1_000 },
    });
    const dataDir = await tempDataDir();
    const deps = await dependencies(
      settingsFor(tenant, dataDir, {
        PROVISIONING_PAGE_SIZE: '100',
        GRAPH_REPORTS_WINDOW_SECONDS: '1',
        GRAPH_MAX_RETRIES: '0',
      }),
      clock,
    );

    const result = await run(deps);

    expect(result.provisioning.pages).toBeGreaterThanOrEqual(13);
    expect(tenant.stats.throttled).toBe(0);
    expect(result.outcome).toBe('success');
    expect(await eventIds(dataDir)).toHaveLength(1_300);
  });

  it('reports a malformed record and skips it while the rest is written', async () => {
    const { tenant, clock } = await syntheticTenant(500);
    tenant.injectFault({ kind: 'malformedRecord' });
    const dataDir = await tempDataDir();
    const deps = await dependencies(settingsFor(tenant, dataDir), clock);

    const result = await run(deps);

    expect(result.provisioning.invalid).toBe(1);
    expect(result.issues.some((i) => i.code === 'MalformedEvent')).toBe(true);
    expect(result.outcome).toBe('success');
    const ids = await eventIds(dataDir);
    expect(ids.length).toBeGreaterThanOrEqual(499);
    expect(duplicatesOf(ids)).toEqual([]);
    const [runRow] = await readTable(dataDir, 'CloudSyncMonitorRun_CL');
    expect(runRow?.EventsInvalid).toBe(1);
  });

  it('leaves the watermark where it was when the sink fails, and sends the data on the next run', async () => {
    // Half an hour into the synthetic hour: about half of the events exist yet.
    const { tenant, clock } = await syntheticTenant(
      400,
      virtualClock(new Date(START.getTime() + 30 * 60_000)),
    );
    const dataDir = await tempDataDir();
    const deps = await dependencies(settingsFor(tenant, dataDir), clock);
    const first = await run(deps);
    expect(first.provisioning.written).toBeGreaterThan(0);
    expect(first.provisioning.written).toBeLessThan(400);
    const markBefore = first.provisioning.watermark;

    // The rest arrives; then the table file cannot be written (a directory stands where the file goes).
    clock.set(new Date(START.getTime() + 2 * HOUR));
    const blocked = path.join(dataDir, 'tables', 'CloudSyncProvisioning_CL.ndjson');
    const firstRows = await readFile(blocked, 'utf8');
    await rm(blocked);
    await mkdir(blocked);
    const failed = await run(deps);
    expect(failed.issues.some((i) => i.signal === 'sink' && i.severity === 'error')).toBe(true);
    expect(failed.outcome).toBe('partial');
    expect(failed.provisioning.written).toBe(0);
    expect(failed.provisioning.watermark).toBe(markBefore);

    await rm(blocked, { recursive: true });
    await writeFile(blocked, firstRows);
    clock.advance(5 * 60_000);
    const recovered = await run(deps);
    expect(recovered.outcome).toBe('success');
    expect(recovered.provisioning.written).toBe(400 - first.provisioning.written);
    const ids = await eventIds(dataDir);
    expect(ids).toHaveLength(400);
    expect(duplicatesOf(ids)).toEqual([]);
  });

  it('works off a backlog larger than one run can take over several runs, from the checkpoint', async () => {
    const { tenant, clock } = await syntheticTenant(2_000);
    const dataDir = await tempDataDir();
    // 100-event pages at 5 requests per 10 s: a 10 s budget takes about 6 pages per run.
    const deps = await dependencies(
      settingsFor(tenant, dataDir, { PROVISIONING_PAGE_SIZE: '100', RUN_TIME_BUDGET_SECONDS: '10' }),
      clock,
    );

    const results = [];
    for (let i = 0; i < 10; i += 1) {
      const result = await run(deps);
      results.push(result);
      if (!result.provisioning.backlogRemaining) break;
      clock.advance(60_000);
    }

    expect(results[0]?.provisioning.backlogRemaining).toBe(true);
    expect(results.length).toBeGreaterThan(2);
    expect(results.at(-1)?.provisioning.backlogRemaining).toBe(false);
    const ids = await eventIds(dataDir);
    expect(ids).toHaveLength(2_000);
    expect(duplicatesOf(ids)).toEqual([]);
    const runs = await readTable(dataDir, 'CloudSyncMonitorRun_CL');
    expect(runs.filter((r) => r.BacklogRemaining === true).length).toBe(results.length - 1);
  });

  it('records "agent API unavailable in app-only mode" once and still succeeds', async () => {
    const { tenant, clock } = await syntheticTenant(50, virtualClock(new Date(START.getTime() + 2 * HOUR)), {
      agentsApi: 'forbidden',
    });
    const dataDir = await tempDataDir();
    const deps = await dependencies(settingsFor(tenant, dataDir), clock);

    const first = await run(deps);
    clock.advance(5 * 60_000);
    const second = await run(deps);

    expect(first.outcome).toBe('success');
    expect(first.agentsApi).toBe('unavailable');
    expect(first.issues.filter((i) => i.code === 'AgentApiUnavailable')).toHaveLength(1);
    expect(second.outcome).toBe('success');
    expect(second.issues.filter((i) => i.code === 'AgentApiUnavailable')).toHaveLength(0);
    expect(first.jobs.length).toBeGreaterThan(0);
    expect(second.jobs.length).toBeGreaterThan(0);
  });

  it('lets only one of two racing runs collect; the other fails cleanly and writes nothing', async () => {
    const { tenant, clock } = await syntheticTenant(300);
    const dataDir = await tempDataDir();
    const a = await dependencies(settingsFor(tenant, dataDir), clock);
    const b = await dependencies(settingsFor(tenant, dataDir), clock);

    const outcomes = await Promise.allSettled([run(a), run(b)]);

    const rejected = outcomes.filter((o) => o.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseHeldError);
    expect(await readTable(dataDir, 'CloudSyncMonitorRun_CL')).toHaveLength(1);
    const ids = await eventIds(dataDir);
    expect(ids).toHaveLength(300);
    expect(duplicatesOf(ids)).toEqual([]);
  });

  it.each([
    ['a truncated page', { kind: 'truncatedPage', route: 'provisioning', afterMatching: 1 } as const],
    [
      'a 503 that outlasts the retries',
      { kind: 'status', route: 'provisioning', status: 503, times: 4, afterMatching: 1 } as const,
    ],
  ])('%s costs the run, not the data: the next run picks up from the checkpoint', async (_name, fault) => {
    const { tenant, clock } = await syntheticTenant(900);
    tenant.injectFault(fault);
    const dataDir = await tempDataDir();
    const deps = await dependencies(
      settingsFor(tenant, dataDir, { PROVISIONING_PAGE_SIZE: '300', GRAPH_MAX_RETRIES: '3' }),
      clock,
    );

    const first = await run(deps);
    expect(first.outcome).toBe('partial');
    expect(first.issues.some((i) => i.signal === 'provisioning' && i.severity === 'error')).toBe(true);
    expect(first.provisioning.written).toBe(300);

    clock.advance(5 * 60_000);
    const second = await run(deps);
    expect(second.outcome).toBe('success');
    const ids = await eventIds(dataDir);
    expect(ids).toHaveLength(900);
    expect(duplicatesOf(ids)).toEqual([]);
  });

  it('a request that never answers times out instead of hanging the run', async () => {
    const { tenant, clock } = await syntheticTenant(100);
    tenant.injectFault({ kind: 'timeout', route: 'jobs' });
    const dataDir = await tempDataDir();
    const deps = await dependencies(
      settingsFor(tenant, dataDir, { GRAPH_REQUEST_TIMEOUT_SECONDS: '1' }),
      clock,
    );

    const result = await run(deps);

    expect(result.outcome).toBe('partial');
    expect(result.issues.some((i) => i.signal === 'jobs' && /timed out/.test(i.message))).toBe(true);
    expect(await eventIds(dataDir)).toHaveLength(100);
  });
});
