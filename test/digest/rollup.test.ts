import { describe, expect, it } from 'vitest';
import { ROLLUP_MAX_BYTES, boundRollup } from '../../src/digest/rollupBounds.js';
import { pruneRollups, readRollups, recordRun } from '../../src/digest/rollup.js';
import { MAX_FAILING_PER_JOB } from '../../src/digest/rollupMerge.js';
import {
  ROLLUP_PREFIX,
  emptyRollup,
  hourRollupSchema,
  rollupName,
  type HourRollup,
} from '../../src/digest/rollupSchema.js';
import { ProvisioningTally } from '../../src/digest/tally.js';
import {
  readValidated,
  type StateKey,
  type StateStore,
  type Versioned,
  type WriteCondition,
} from '../../src/state/store.js';
import {
  DAY,
  FAILING_MEMORY,
  HOUR,
  JOBS,
  TENANT,
  event,
  healthyRun,
  recordSpec,
  runFacts,
  tempStore,
} from './fixtures.js';
import { DAY_START, modelOf } from './scenarios.js';

const hour = (h: number, m = 0) => new Date(DAY_START.getTime() + h * HOUR + m * 60_000);
const rollupAt = async (store: StateStore, at: Date): Promise<HourRollup> =>
  (await readValidated(store, { tenantId: TENANT, name: rollupName(at) }, hourRollupSchema))!.value;

/** Holds every rollup read until `parties` reads are waiting, so concurrent writers surely collide. */
class BarrierStore implements StateStore {
  private waiting: (() => void)[] = [];
  private armed = true;
  constructor(
    private readonly inner: StateStore,
    private readonly parties: number,
  ) {}
  async read(key: StateKey): Promise<Versioned<unknown> | undefined> {
    if (this.armed && key.name.startsWith(ROLLUP_PREFIX)) {
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        if (this.waiting.length === this.parties) {
          this.armed = false;
          for (const release of this.waiting) release();
        }
      });
    }
    return this.inner.read(key);
  }
  write(key: StateKey, value: unknown, condition: WriteCondition): Promise<string> {
    return this.inner.write(key, value, condition);
  }
  delete(key: StateKey, condition?: { readonly ifMatch: string }): Promise<void> {
    return this.inner.delete(key, condition);
  }
  list(tenantId: string, prefix?: string): Promise<string[]> {
    return this.inner.list(tenantId, prefix);
  }
}

describe('digest rollups in the state store', () => {
  it('keeps runs, the latest job snapshot, agent observations and tallies under the UTC hour', async () => {
    const { store } = await tempStore();
    await recordSpec(store, hour(9, 5), healthyRun(hour(9, 5)));
    await recordSpec(
      store,
      hour(9, 15),
      healthyRun(hour(9, 15), {
        fabrikamProvisioning: { status: 'Quarantine', quarantineReason: 'TooManyDeletes' },
      }),
    );

    expect(await store.list(TENANT, ROLLUP_PREFIX)).toEqual(['digest-rollup-2026-11-22T09']);
    const rollup = await rollupAt(store, hour(9));
    expect(rollup.runs.map((r) => r.at)).toEqual([hour(9, 5).toISOString(), hour(9, 15).toISOString()]);
    const fab = rollup.jobs[JOBS.fabrikamProvisioning.jobId]!;
    expect(fab.latest).toMatchObject({ statusCode: 'Quarantine', quarantineReason: 'TooManyDeletes' });
    expect(fab.spans.map((s) => [s.state, s.detail, s.observations])).toEqual([
      ['healthy', null, 1],
      ['deletion-threshold', 'TooManyDeletes', 1],
    ]);
    expect(rollup.agents[Object.keys(rollup.agents)[0]!]).toMatchObject({
      active: 2,
      total: 2,
      latestStatus: 'active',
    });
    // Events carry 3-part job ids; they are kept under the job id the jobs API lists.
    expect(Object.keys(rollup.provisioning).sort()).toEqual(
      [JOBS.contosoProvisioning.jobId, JOBS.fabrikamProvisioning.jobId].sort(),
    );
    expect(rollup.provisioning[JOBS.fabrikamProvisioning.jobId]!.byAction.create).toMatchObject({
      success: 2,
    });
  });

  it('recording the same run twice changes nothing', async () => {
    const { store } = await tempStore();
    const facts = runFacts(hour(1, 5), healthyRun(hour(1, 5)));
    const tally = new ProvisioningTally();
    tally.add([event(hour(1, 5), { job: 'contosoProvisioning' })]);
    await recordRun(store, TENANT, { result: facts, provisioning: tally, transitions: [] }, FAILING_MEMORY);
    const before = await store.read({ tenantId: TENANT, name: rollupName(hour(1)) });
    const again = await recordRun(
      store,
      TENANT,
      { result: facts, provisioning: tally, transitions: [] },
      FAILING_MEMORY,
    );
    expect(again).toMatchObject({ attempts: 1, created: false });
    expect(await store.read({ tenantId: TENANT, name: rollupName(hour(1)) })).toEqual(before);
  });

  it('two writers of the same hour: no lost update (the loser retries on the ETag conflict)', async () => {
    const { store: files } = await tempStore();
    // First a bucket that exists (ifMatch path), then one that does not (ifNoneMatch path).
    await recordSpec(files, hour(2, 1), healthyRun(hour(2, 1)));
    for (const start of [hour(2, 2), hour(3, 2)]) {
      const store = new BarrierStore(files, 2);
      const results = await Promise.all([
        recordSpec(store, start, healthyRun(start)),
        recordSpec(store, new Date(start.getTime() + 60_000), healthyRun(new Date(start.getTime() + 60_000))),
      ]);
      expect(results.map((r) => r.attempts).sort()).toEqual([1, 2]);
      const rollup = await rollupAt(files, start);
      expect(rollup.runs.map((r) => r.at)).toContain(start.toISOString());
      expect(rollup.runs.map((r) => r.at)).toContain(new Date(start.getTime() + 60_000).toISOString());
    }
  });

  it('five concurrent writers all land', async () => {
    const { store } = await tempStore();
    const times = [1, 2, 3, 4, 5].map((m) => hour(4, m));
    await Promise.all(times.map((t) => recordSpec(store, t, healthyRun(t))));
    const rollup = await rollupAt(store, hour(4));
    expect(rollup.runs.map((r) => r.at).sort()).toEqual(times.map((t) => t.toISOString()));
    expect(Object.values(rollup.agents)[0]!.total).toBe(5);
  });

  it('keeps 8 days: a new hour prunes older rollups', async () => {
    const { store } = await tempStore();
    const old = new Date(DAY_START.getTime() - 9 * DAY);
    const kept = new Date(DAY_START.getTime() - 7 * DAY);
    await recordSpec(store, old, healthyRun(old));
    await recordSpec(store, kept, healthyRun(kept));
    const result = await recordSpec(store, hour(0, 5), healthyRun(hour(0, 5)));
    expect(result.created).toBe(true);
    expect(result.pruned).toEqual([rollupName(old)]);
    expect(await store.list(TENANT, ROLLUP_PREFIX)).toEqual([rollupName(kept), rollupName(hour(0))]);
    expect(await pruneRollups(store, TENANT, hour(0, 5))).toEqual([]);
  });

  it('replaces a corrupt hour instead of blocking every later run of it', async () => {
    const { store } = await tempStore();
    await store.write(
      { tenantId: TENANT, name: rollupName(hour(5)) },
      { nonsense: true },
      { unconditional: true },
    );
    const result = await recordSpec(store, hour(5, 5), healthyRun(hour(5, 5)));
    expect(result.replacedCorrupt).toBe(true);
    expect((await rollupAt(store, hour(5))).runs).toHaveLength(1);
    const read = await readRollups(store, TENANT, hour(0), hour(6));
    expect(read.hours.map((h) => h.hour)).toEqual([hour(5).toISOString()]);
  });

  it('carries failing objects from hour to hour until a later event succeeds', async () => {
    const { store } = await tempStore();
    const fail = (t: Date) =>
      event(t, {
        job: 'contosoProvisioning',
        result: 'Failure',
        code: 'AzureDirectoryServiceAttributeValueMustBeUnique',
        category: 'DuplicateAttribute',
        objectId: 'lee',
        name: 'Lee Gu',
      });
    await recordSpec(store, hour(1, 5), { ...healthyRun(hour(1, 5)), events: [fail(hour(1, 4))] });
    await recordSpec(store, hour(3, 5), healthyRun(hour(3, 5)));
    const carried = await rollupAt(store, hour(3));
    expect(carried.failing[JOBS.contosoProvisioning.jobId]!.objects.lee).toMatchObject({
      name: 'Lee Gu',
      since: hour(1, 4).toISOString(),
    });
    // Out of order within one run: the later success wins.
    await recordSpec(store, hour(5, 5), {
      ...healthyRun(hour(5, 5)),
      events: [
        event(hour(5, 3), { job: 'contosoProvisioning', objectId: 'lee', name: 'Lee Gu' }),
        fail(hour(5, 1)),
      ],
    });
    expect((await rollupAt(store, hour(5))).failing[JOBS.contosoProvisioning.jobId]!.objects).toEqual({});
  });

  it('forgets a failing object not seen again when the sync-errors rule does (SYNC_ERRORS_STALE_HOURS)', async () => {
    const failLee = event(hour(1, 4), {
      job: 'contosoProvisioning',
      result: 'Failure',
      code: 'AzureDirectoryServiceAttributeValueMustBeUnique',
      category: 'DuplicateAttribute',
      objectId: 'lee',
      name: 'Lee Gu',
    });
    const objectsAt4 = async (failingForgetMs: number) => {
      const { store } = await tempStore();
      const memory = { failingForgetMs };
      await recordSpec(store, hour(1, 5), { ...healthyRun(hour(1, 5)), events: [failLee] }, memory);
      await recordSpec(store, hour(4, 5), healthyRun(hour(4, 5)), memory);
      return Object.keys(
        (await rollupAt(store, hour(4))).failing[JOBS.contosoProvisioning.jobId]?.objects ?? {},
      );
    };
    // SYNC_ERRORS_STALE_HOURS=2: three hours without news of Lee, the digest lets go as the alert does.
    expect(await objectsAt4(2 * HOUR)).toEqual([]);
    expect(await objectsAt4(FAILING_MEMORY.failingForgetMs)).toEqual(['lee']);
  });

  it('caps failing objects per job and says so', async () => {
    const { store } = await tempStore();
    const events = Array.from({ length: MAX_FAILING_PER_JOB + 20 }, (_, i) =>
      event(hour(6, 1), {
        job: 'contosoProvisioning',
        result: 'Failure',
        code: `Code${i % 30}`,
        objectId: `o${i}`,
        name: `Object ${i}`,
      }),
    );
    await recordSpec(store, hour(6, 5), { ...healthyRun(hour(6, 5)), events });
    const rollup = await rollupAt(store, hour(6));
    const failing = rollup.failing[JOBS.contosoProvisioning.jobId]!;
    expect(Object.keys(failing.objects)).toHaveLength(MAX_FAILING_PER_JOB);
    expect(failing.overflow).toBe(20);
    // 25 error codes by name, the rest in one bucket.
    const codes = rollup.provisioning[JOBS.contosoProvisioning.jobId]!.failures;
    expect(Object.keys(codes)).toHaveLength(26);
    expect(codes['(other error codes)']).toMatchObject({ category: 'Other' });
    expect(rollup.truncated).toEqual(expect.arrayContaining([`failing:${JOBS.contosoProvisioning.jobId}`]));
    const model = await modelOf(store, new Date(DAY_START.getTime() + DAY));
    const job = model.configurations
      .flatMap((c) => c.jobs)
      .find((j) => j.jobId === JOBS.contosoProvisioning.jobId)!;
    expect(job.stillFailing).toMatchObject({ objects: MAX_FAILING_PER_JOB + 20, atLeast: true });
  });

  it('bounds an hour by size, dropping detail before counts', () => {
    const rollup = emptyRollup(TENANT, hour(7));
    for (let j = 0; j < 8; j++) {
      rollup.failing[`job-${j}`] = {
        overflow: 0,
        objects: Object.fromEntries(
          Array.from({ length: 1000 }, (_, i) => [
            `object-id-${j}-${i}-0123456789abcdef`,
            {
              name: 'x'.repeat(64),
              code: 'AzureDirectoryServiceAttributeValueMustBeUnique',
              category: 'DuplicateAttribute',
              since: hour(7).toISOString(),
              lastAt: hour(7).toISOString(),
            },
          ]),
        ),
      };
    }
    expect(JSON.stringify(rollup).length).toBeGreaterThan(ROLLUP_MAX_BYTES);
    const bounded = boundRollup(rollup);
    expect(Buffer.byteLength(JSON.stringify(bounded))).toBeLessThanOrEqual(ROLLUP_MAX_BYTES);
    expect(bounded.truncated).toContain('failing-objects-trimmed');
    const job = bounded.failing['job-0']!;
    expect(Object.keys(job.objects).length + job.overflow).toBe(1000);
  });
});

describe('rollups written before the domain job classifier', () => {
  it("read their job states in today's words (ok, quarantine, not-running)", async () => {
    const { store } = await tempStore();
    await recordSpec(store, hour(9, 5), healthyRun(hour(9, 5)));
    const current = await rollupAt(store, hour(9));
    const jobId = JOBS.fabrikamProvisioning.jobId;
    const old = structuredClone(current) as unknown as {
      jobs: Record<
        string,
        { latest: Record<string, unknown>; spans: { state: string; detail: string | null }[] }
      >;
    };
    const {
      quarantineErrorCode: _q,
      scheduleState: _s,
      scheduleInterval: _i,
      ...latest
    } = old.jobs[jobId]!.latest;
    old.jobs[jobId] = {
      latest,
      spans: ['ok', 'quarantine', 'not-running'].map((state, i) => ({
        state,
        detail: i === 1 ? 'TooManyDeletes' : null,
        from: hour(9, i).toISOString(),
        to: hour(9, i).toISOString(),
        observations: 1,
      })),
    };
    await store.write({ tenantId: TENANT, name: rollupName(hour(9)) }, old, { unconditional: true });
    const read = await rollupAt(store, hour(9));
    expect(read.jobs[jobId]!.spans.map((s) => s.state)).toEqual(['healthy', 'deletion-threshold', 'unknown']);
    expect(read.jobs[jobId]!.latest.scheduleState).toBeNull();
  });
});
