import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { virtualClock, type VirtualClock } from '../../src/clock.js';
import type { DemoTenant } from '../../src/demo/server.js';
import { syntheticScenario } from '../../src/demo/scenario.js';
import { GROUP_MAX_EVENTS } from '../../src/collect/provisioning.js';
import { NdjsonSink } from '../../src/sinks/ndjsonSink.js';
import type { RecordSink } from '../../src/sinks/sink.js';
import type { TableName, TableRecords } from '../../src/tables/definitions.js';
import { toRow } from '../../src/tables/schema.js';
import { tableByName } from '../../src/tables/definitions.js';
import {
  completeRowCount,
  dependencies,
  duplicatesOf,
  readTable,
  run,
  settingsFor,
  startTestTenant,
  tempDataDir,
} from '../support/collectHarness.js';
import { testCertificate } from '../support/tls.js';

/**
 * Issue 9, rows 1 to 5: what collection promises (README, "Delivery guarantees") tried the hard way:
 * a run that dies in the middle, a burst, events Graph publishes late, nextLinks that loop or leave Graph.
 */
const START = new Date('2026-11-22T06:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const tenants: DemoTenant[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(tenants.splice(0).map((t) => t.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function tenantWith(
  events: number,
  options: { spanMs?: number; at?: Date; latencyMs?: (i: number) => number } = {},
) {
  const clock = virtualClock(options.at ?? new Date(START.getTime() + 2 * HOUR));
  const tenant = await startTestTenant({
    clock,
    scenario: syntheticScenario({
      start: START,
      events,
      spanMs: options.spanMs ?? HOUR,
      ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}),
    }),
  });
  tenants.push(tenant);
  return { tenant, clock };
}

const table = (dataDir: string) => path.join(dataDir, 'tables', 'CloudSyncProvisioning_CL.ndjson');
const eventIds = async (dataDir: string) =>
  (await readTable(dataDir, 'CloudSyncProvisioning_CL')).map((row) => row.EventId as string);

/**
 * The sink of a process that is killed during its `crashAt`-th provisioning write: `before` (nothing
 * written), `torn` (half the rows and half a line reach the file) or `after` (all written, the
 * checkpoint never saved). The write then never returns, like a process that is gone; `dead` resolves
 * once it got there.
 */
function dyingSink(
  dataDir: string,
  crashAt: number,
  when: 'before' | 'torn' | 'after',
): RecordSink & { dead: Promise<void> } {
  const inner = new NdjsonSink(dataDir);
  let writes = 0;
  let died: () => void = () => undefined;
  const dead = new Promise<void>((resolve) => (died = resolve));
  return {
    dead,
    position: (table) => inner.position(table),
    heldSince: (table, position, ids) => inner.heldSince(table, position, ids),
    async write<N extends TableName>(table: N, rows: readonly TableRecords[N][]): Promise<void> {
      if (table !== 'CloudSyncProvisioning_CL' || ++writes < crashAt) return inner.write(table, rows);
      if (when === 'after') await inner.write(table, rows);
      if (when === 'torn') {
        const lines = rows.map((r) => JSON.stringify(toRow(tableByName(table), r)));
        const half = lines.slice(0, Math.ceil(lines.length / 2)).join('\n') + '\n';
        const torn = (lines[lines.length - 1] ?? '').slice(0, 40);
        await appendFile(inner.filePath(table), half + torn);
      }
      died();
      return new Promise<void>(() => undefined);
    },
  };
}

/** Starts a run that will die, waits until it is dead, and lets its lease run out. */
async function runThatDies(
  deps: Awaited<ReturnType<typeof dependencies>>,
  clock: VirtualClock,
  dead: Promise<void>,
) {
  void run(deps);
  // The dying write never settles: wait until it was reached (the run makes no progress after it).
  await dead;
  clock.advance(11 * MINUTE);
}

describe('collection is exactly once (issue 9, rows 1 to 5)', () => {
  for (const when of ['before', 'torn', 'after'] as const) {
    it(`a run killed ${when} writing its 2nd group of pages repeats nothing and loses nothing`, async () => {
      // 7 pages of 999: committed in groups of 2 pages (GROUP_MAX_EVENTS), so the 2nd write is pages 3-4.
      const { tenant, clock } = await tenantWith(6_000);
      const dataDir = await tempDataDir();
      const settings = settingsFor(tenant, dataDir, { PROVISIONING_PAGE_SIZE: '999' });

      const dying = dyingSink(dataDir, 2, when);
      await runThatDies(await dependencies(settings, clock, dying), clock, dying.dead);
      // The kill landed inside the run: the first group is written, not the last (whole rows counted).
      const rowsAfterCrash = (await readFile(table(dataDir), 'utf8')).split('\n').length - 1;
      expect(rowsAfterCrash).toBeGreaterThanOrEqual(2 * 999);
      expect(rowsAfterCrash).toBeLessThan(6_000);
      const second = await run(await dependencies(settings, clock));

      expect(second.outcome).toBe('success');
      const ids = await eventIds(dataDir);
      expect(duplicatesOf(ids)).toEqual([]);
      expect(new Set(ids).size).toBe(6_000);
    });
  }

  /** The sizes of the provisioning writes of one run over 6,000 events; `blind`: a sink like Logs Ingestion. */
  async function writesOfOneRun(blind: boolean): Promise<number[]> {
    const { tenant, clock } = await tenantWith(6_000);
    const dataDir = await tempDataDir();
    const inner = new NdjsonSink(dataDir);
    const writes: number[] = [];
    const sink: RecordSink = {
      write(table, rows) {
        if (table === 'CloudSyncProvisioning_CL') writes.push(rows.length);
        return inner.write(table, rows);
      },
    };
    if (!blind) {
      sink.position = (table) => inner.position(table);
      sink.heldSince = (table, position, ids) => inner.heldSince(table, position, ids);
    }
    // Unpaced: the pacer's waits move the virtual clock, and a group also ends after GROUP_MAX_MS of
    // reading; with pages read ahead of their parse, those waits come while a group is open.
    const settings = settingsFor(tenant, dataDir, {
      PROVISIONING_PAGE_SIZE: '999',
      GRAPH_REPORTS_REQUESTS_PER_WINDOW: '1000',
    });
    const result = await run(await dependencies(settings, clock, sink));
    expect(result.provisioning.written).toBe(6_000);
    return writes;
  }

  it('commits pages in bounded groups: one sink write per group of at most GROUP_MAX_EVENTS events', async () => {
    const writes = await writesOfOneRun(false);
    expect(writes).toEqual([1_998, 1_998, 1_998, 6]);
    expect(Math.max(...writes)).toBeLessThanOrEqual(GROUP_MAX_EVENTS);
  });

  it('a sink that cannot say what it took after a crash gets one page at a time: at most a page is written again', async () => {
    expect(await writesOfOneRun(true)).toEqual([999, 999, 999, 999, 999, 999, 6]);
  });

  it('a burst of 20,000 events in 10 minutes is written once, however many runs read it again', async () => {
    const { tenant, clock } = await tenantWith(20_000, {
      spanMs: 10 * MINUTE,
      at: new Date(START.getTime() + 11 * MINUTE),
    });
    const dataDir = await tempDataDir();
    const deps = await dependencies(settingsFor(tenant, dataDir, { PROVISIONING_PAGE_SIZE: '999' }), clock);

    const results = [];
    for (let i = 0; i < 4; i++) {
      results.push(await run(deps));
      clock.advance(5 * MINUTE);
    }

    expect(results.map((r) => r.outcome)).toEqual(['success', 'success', 'success', 'success']);
    const ids = await eventIds(dataDir);
    expect(duplicatesOf(ids)).toEqual([]);
    expect(ids).toHaveLength(20_000);
    // The second run still finds the events published in the minutes after the first; then nothing.
    expect(results.slice(2).map((r) => r.provisioning.written)).toEqual([0, 0]);
  });

  it('an unknown enumeration value is counted for the events written, not again for those read twice', async () => {
    const clock = virtualClock(new Date(START.getTime() + 2 * HOUR));
    const base = syntheticScenario({ start: START, events: 3_000, spanMs: 2 * HOUR });
    // Every tenth event with a provisioningAction this version does not know.
    const scenario = {
      ...base,
      provisioning: {
        count: base.provisioning.count,
        keyAt: (i: number) => base.provisioning.keyAt(i),
        visibleAtMs: (i: number) => base.provisioning.visibleAtMs(i),
        eventAt: (i: number) => ({
          ...base.provisioning.eventAt(i),
          ...(i % 10 === 0 ? { provisioningAction: 'brandNewAction' } : {}),
        }),
      },
    };
    const tenant = await startTestTenant({ clock, scenario, reportsRateLimit: false });
    tenants.push(tenant);
    const dataDir = await tempDataDir();
    const settings = settingsFor(tenant, dataDir, { PROVISIONING_PAGE_SIZE: '999' });
    const counted = (result: Awaited<ReturnType<typeof run>>) =>
      result.issues
        .filter((i) => i.code === 'UnknownValue' && i.message.includes('brandNewAction'))
        .reduce((sum, i) => sum + Number(/\((\d+)x\)/.exec(i.message)?.[1]), 0);
    /** Rows written so far with the unknown action: what the counts must add up to. */
    const writtenWithIt = async () =>
      (await readFile(table(dataDir), 'utf8')).split('\n').filter((line) => line.includes('"brandNewAction"'))
        .length;
    const first = await run(await dependencies(settings, clock));
    const afterFirst = await writtenWithIt();
    expect(afterFirst).toBeGreaterThan(0);
    expect(counted(first)).toBe(afterFirst);
    // Five minutes on: the overlap (15 min) is read again, its events are duplicates now.
    clock.advance(5 * MINUTE);
    const second = await run(await dependencies(settings, clock));
    expect(second.provisioning.duplicates).toBeGreaterThan(0);
    expect(counted(second)).toBe((await writtenWithIt()) - afterFirst);
  });

  it('collects events Graph publishes up to 2 hours late, each once', async () => {
    // Eight events among 200 arrive 16, 20, 30, 45, 60, 90, 110 and 120 minutes after they happened.
    const lateness = new Map([
      [20, 16],
      [40, 20],
      [60, 30],
      [80, 45],
      [100, 60],
      [120, 90],
      [140, 110],
      [160, 120],
    ]);
    const { tenant, clock } = await tenantWith(200, {
      at: new Date(START.getTime() + 5 * MINUTE),
      latencyMs: (i) => (lateness.get(i) ?? 1) * MINUTE,
    });
    const dataDir = await tempDataDir();
    const deps = await dependencies(settingsFor(tenant, dataDir), clock);

    for (let t = 0; t < 4 * 12; t++) {
      await run(deps);
      clock.advance(5 * MINUTE);
    }

    const ids = await eventIds(dataDir);
    expect(duplicatesOf(ids)).toEqual([]);
    expect(ids).toHaveLength(200);
  });

  it('stops a listing whose nextLink loops on an empty page, and says so in the run row', async () => {
    const { tenant, clock } = await tenantWith(500);
    const dataDir = await tempDataDir();
    const deps = await dependencies(settingsFor(tenant, dataDir, { PROVISIONING_PAGE_SIZE: '100' }), clock);
    tenant.injectFault({
      kind: 'nextLink',
      route: 'provisioning',
      mode: 'self',
      times: 1_000,
      afterMatching: 1,
    });

    const looping = await run(deps);

    expect(looping.outcome).toBe('partial');
    expect(looping.issues.map((i) => i.code)).toContain('NextLinkLoop');
    const rows = await readTable(dataDir, 'CloudSyncMonitorRun_CL');
    expect(JSON.stringify(rows.at(-1)?.Errors)).toContain('NextLinkLoop');
    expect(tenant.stats.byRoute.provisioning).toBeLessThan(5);
  });

  it('stops a listing that serves the same page again, and writes none of it twice', async () => {
    const { tenant, clock } = await tenantWith(500);
    const dataDir = await tempDataDir();
    const deps = await dependencies(settingsFor(tenant, dataDir, { PROVISIONING_PAGE_SIZE: '100' }), clock);
    tenant.injectFault({
      kind: 'nextLink',
      route: 'provisioning',
      mode: 'repeat',
      times: 1_000,
      afterMatching: 2,
    });

    const looping = await run(deps);
    expect(looping.outcome).toBe('partial');
    expect(looping.issues.map((i) => i.code)).toContain('NextLinkLoop');

    // Once Graph behaves, the next runs read everything, once.
    tenant.clearFaults();
    clock.advance(5 * MINUTE);
    expect((await run(deps)).outcome).toBe('success');
    const ids = await eventIds(dataDir);
    expect(duplicatesOf(ids)).toEqual([]);
    expect(ids).toHaveLength(500);
  });

  it('never follows a nextLink to another origin: no token leaves, no foreign row is written', async () => {
    const { tenant, clock } = await tenantWith(500);
    const { cert, key } = testCertificate();
    const seen: { authorization: string | undefined }[] = [];
    const foreign = createServer({ cert, key }, (request, response) => {
      seen.push({ authorization: request.headers.authorization });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ value: [{ id: 'injected', activityDateTime: START.toISOString() }] }));
    });
    servers.push(foreign);
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    const host = new URL(tenant.baseUrl).hostname;
    const origin = `https://${host}:${(foreign.address() as AddressInfo).port}`;
    const dataDir = await tempDataDir();
    const deps = await dependencies(settingsFor(tenant, dataDir, { PROVISIONING_PAGE_SIZE: '100' }), clock);
    tenant.injectFault({
      kind: 'nextLink',
      route: 'provisioning',
      mode: 'foreign',
      origin,
      afterMatching: 1,
    });

    const result = await run(deps);

    expect(seen).toEqual([]);
    expect(result.outcome).toBe('partial');
    expect(result.issues.map((i) => i.code)).toContain('NextLinkForeignOrigin');
    const ids = await eventIds(dataDir);
    expect(ids).not.toContain('injected');
    expect(ids).toHaveLength(200);
    // The checkpoint kept what was read: the next run goes on from there, with nothing twice.
    clock.advance(5 * MINUTE);
    expect((await run(deps)).outcome).toBe('success');
    const all = await eventIds(dataDir);
    expect(duplicatesOf(all)).toEqual([]);
    expect(all).toHaveLength(500);
  });
});

describe('one run at a time, fenced by its lease (issue 9, row 6)', () => {
  it('a run that lost its lease writes nothing more', async () => {
    const { tenant, clock } = await tenantWith(2_000);
    const dataDir = await tempDataDir();
    const settings = settingsFor(tenant, dataDir, {
      PROVISIONING_PAGE_SIZE: '200',
      // Long enough for this test to take the lease over while the third page hangs, even on a busy machine.
      GRAPH_REQUEST_TIMEOUT_SECONDS: '5',
      GRAPH_MAX_RETRIES: '0',
      RUN_LEASE_SECONDS: '60',
      RUN_TIME_BUDGET_SECONDS: '20',
      // Far beyond the lease: only the lease can stop this run (as after a paused VM).
      RUN_MAX_SECONDS: '3000',
    });
    const deps = await dependencies(settings, clock);
    // The third page hangs; meanwhile the lease runs out and another run takes it over.
    tenant.injectFault({ kind: 'timeout', route: 'provisioning', afterMatching: 2 });
    const running = run(deps);
    // Two pages of 200 are read (held as one group of pages until the listing ends or the group is
    // full); the request for the third hangs.
    while (tenant.stats.byRoute.provisioning < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    clock.advance(2 * MINUTE);
    await deps.state.write(
      { tenantId: tenant.tenantId, name: 'lease-collect' },
      {
        owner: 'the-other-run',
        acquiredAt: clock.now().toISOString(),
        expiresAt: new Date(clock.now().getTime() + 10 * MINUTE).toISOString(),
      },
      { unconditional: true },
    );
    // What is on disk once the lease is gone (a group write already under way when the pages came
    // quicker than the group's time bound is let finish first): nothing may follow it.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const before = await completeRowCount(dataDir, 'CloudSyncProvisioning_CL');

    const lost = await running;

    expect(lost.issues.map((i) => i.code)).toContain('LeaseLostError');
    expect((await readTable(dataDir, 'CloudSyncProvisioning_CL')).length).toBe(before);
    expect(await readTable(dataDir, 'CloudSyncMonitorRun_CL')).toEqual([]);
    const lease = await deps.state.read({ tenantId: tenant.tenantId, name: 'lease-collect' });
    expect(lease?.value).toMatchObject({ owner: 'the-other-run' });
  });

  it('a run kept busy past its lease time renews it, so a second run cannot start beside it', async () => {
    const { tenant, clock } = await tenantWith(3_000);
    const dataDir = await tempDataDir();
    const settings = settingsFor(tenant, dataDir, {
      PROVISIONING_PAGE_SIZE: '100',
      RUN_LEASE_SECONDS: '60',
      RUN_TIME_BUDGET_SECONDS: '200',
      RUN_MAX_SECONDS: '300',
    });
    const deps = await dependencies(settings, clock);
    // Every page waits for a 429's Retry-After once: the run takes minutes of (virtual) time.
    for (let i = 0; i < 30; i++) {
      tenant.injectFault({
        kind: 'status',
        route: 'provisioning',
        status: 429,
        retryAfterSeconds: 15,
        afterMatching: 1,
      });
    }
    const started = clock.now().getTime();
    const first = run(deps);
    while (clock.now().getTime() < started + 90_000) await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await run(await dependencies(settings, clock)).catch((error: unknown) => error);

    expect(second).toBeInstanceOf(Error);
    expect((second as Error).name).toBe('LeaseHeldError');
    expect((await first).outcome).toBe('success');
    tenant.clearFaults();
    clock.advance(5 * MINUTE);
    await run(deps);
    const ids = await eventIds(dataDir);
    expect(duplicatesOf(ids)).toEqual([]);
    expect(ids).toHaveLength(3_000);
  });
});
