import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OBJECT_STATUS_KEY, ObjectStatusTracker } from '../../src/rules/objectStatus.js';
import {
  applyObjectEvents,
  emptyObjectStatus,
  pruneObjectStatus,
  toObjectEvents,
  type ObjectStatusState,
} from '../../src/rules/objectStatusState.js';
import { jobKey } from '../../src/domain/jobId.js';
import { detailsOf } from '../../src/domain/alertDetails.js';
import { coverageOf } from '../../src/rules/coverage.js';
import { FileStateStore } from '../../src/state/fileStateStore.js';
import { listSetAside } from '../../src/state/setAside.js';
import type { StateKey, StateStore, Versioned, WriteCondition } from '../../src/state/store.js';
import type { ProvisioningRecord } from '../../src/tables/definitions.js';
import {
  DAY,
  HOUR,
  JOB,
  JOB2,
  LOG_JOB2,
  MIN,
  TENANT,
  at,
  event,
  failure,
  observations,
  settings,
  success,
} from './fixtures.js';
import { evaluate } from './run.js';

const limits = { trackMaxPerJob: 3, staleMs: 7 * DAY };

function statusOf(
  records: readonly ProvisioningRecord[],
  state = emptyObjectStatus(at(-DAY)),
): ObjectStatusState {
  applyObjectEvents(state, toObjectEvents(records), limits);
  return state;
}
const failingIds = (state: ObjectStatusState, job = JOB) =>
  Object.keys(state.jobs[jobKey(job)]?.failing ?? {}).sort();

describe('object status: the latest event per (job, object) wins', () => {
  it.each([
    { title: 'a failure adds the object', events: [failure('a', 'A', 'X', 0)], failing: ['a'] },
    {
      title: 'a later success removes it',
      events: [failure('a', 'A', 'X', 0), success('a', MIN)],
      failing: [],
    },
    {
      title: 'a later skipped removes it',
      events: [failure('a', 'A', 'X', 0), success('a', MIN, { ResultType: 'Skipped' })],
      failing: [],
    },
    {
      title: 'an older success (published late) does not remove it',
      events: [failure('a', 'A', 'X', 2 * MIN), success('a', MIN)],
      failing: ['a'],
    },
    {
      title: 'order within a batch does not matter: time decides',
      events: [success('a', 2 * MIN), failure('a', 'A', 'X', MIN)],
      failing: [],
    },
    {
      title: 'a Warning neither adds nor removes',
      events: [failure('a', 'A', 'X', 0), success('a', MIN, { ResultType: 'Warning' })],
      failing: ['a'],
    },
    {
      title: 'objects are told apart by source id, case-insensitively',
      events: [failure('A-1', 'A', 'X', 0), failure('b', 'B', 'Y', 0), success('a-1', MIN)],
      failing: ['b'],
    },
  ])('$title', ({ events, failing }) => {
    expect(failingIds(statusOf(events))).toEqual(failing);
  });

  it('keeps the start of the failure streak and the latest code, name and action', () => {
    const state = statusOf([
      failure('a', 'Adele', 'X', 0, { ProvisioningAction: 'Create' }),
      failure('a', 'Adele Vance', 'Y', 10 * MIN, { ProvisioningAction: 'Update' }),
    ]);
    expect(state.jobs[jobKey(JOB)]?.failing.a).toEqual({
      n: 'Adele Vance',
      t: 'User',
      a: 'Update',
      c: 'Y',
      f: at(0).toISOString(),
      l: at(10 * MIN).toISOString(),
    });
  });

  it('remembers a removal, so an older failure published in a later batch does not bring it back', () => {
    const state = statusOf([failure('a', 'A', 'X', 0), success('a', 5 * MIN)]);
    statusOf([failure('a', 'A', 'X', 3 * MIN)], state);
    expect(failingIds(state)).toEqual([]);
    statusOf([failure('a', 'A', 'X', 6 * MIN)], state);
    expect(failingIds(state)).toEqual(['a']);
  });

  it('matches 2- and 3-part job ids by their prefix', () => {
    const state = statusOf([failure('a', 'A', 'X', 0, { JobId: LOG_JOB2 })]);
    expect(failingIds(state, JOB2)).toEqual(['a']);
  });

  it('over the cap, counts failing objects by code without details, and still removes them on success', () => {
    const events = ['a', 'b', 'c', 'd', 'e'].map((id, i) => failure(id, id.toUpperCase(), 'X', i * MIN));
    const state = statusOf(events);
    const status = state.jobs[jobKey(JOB)];
    expect(Object.keys(status?.failing ?? {})).toHaveLength(3);
    expect(Object.values(status?.more ?? {})).toHaveLength(2);
    statusOf([failure('e', 'E', 'X', 10 * MIN)], state); // a retry is not a second object
    expect(Object.values(status?.more ?? {})).toHaveLength(2);
    statusOf([success('d', 11 * MIN), success('e', 11 * MIN)], state);
    expect(Object.values(status?.more ?? {})).toHaveLength(0);
  });

  it('counts StagedDelete events per cycle', () => {
    const state = statusOf([
      ...Array.from({ length: 4 }, (_, i) =>
        event({
          ProvisioningAction: 'StagedDelete',
          CycleId: 'c1',
          SourceId: `d${i}`,
          TimeGenerated: at(i).toISOString(),
        }),
      ),
      event({
        ProvisioningAction: 'stageddelete',
        CycleId: 'c2',
        SourceId: 'd9',
        TimeGenerated: at(HOUR).toISOString(),
      }),
    ]);
    expect(state.jobs[jobKey(JOB)]?.stagedDeletes.map((c) => [c.cycleId, c.count])).toEqual([
      ['c1', 4],
      ['c2', 1],
    ]);
  });

  it('forgets failures not heard of for the stale window, but only after a run that read the log', () => {
    const state = statusOf([failure('old', 'Old', 'X', -8 * DAY), failure('new', 'New', 'X', -DAY)]);
    pruneObjectStatus(state, at(0), limits, { forgetStale: false });
    expect(failingIds(state)).toEqual(['new', 'old']);
    pruneObjectStatus(state, at(0), limits, { forgetStale: true });
    expect(failingIds(state)).toEqual(['new']);
  });

  it('caps directory text it keeps', () => {
    const state = statusOf([failure('a', 'x'.repeat(10_000), 'X', 0)]);
    expect(state.jobs[jobKey(JOB)]?.failing.a?.n?.length).toBeLessThanOrEqual(120);
  });
});

describe('ObjectStatusTracker persistence', () => {
  let dir: string;
  let store: FileStateStore;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'object-status-'));
    store = new FileStateStore(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves and loads what it was fed', async () => {
    const first = await ObjectStatusTracker.load(store, TENANT, limits, at(0));
    first.record([failure('a', 'A', 'X', 0), failure('b', 'B', 'Y', 0)]);
    expect(await first.save(store, { now: at(MIN), provisioningRead: true })).toEqual([]);
    const second = await ObjectStatusTracker.load(store, TENANT, limits, at(2 * MIN));
    expect(second.snapshot().health).toBe('ok');
    expect(failingIds(second.snapshot().state)).toEqual(['a', 'b']);
    expect(second.snapshot().state.since).toBe(at(0).toISOString());
  });

  it('two runs that loaded the same status both keep their evidence (ETag race: replayed, not lost)', async () => {
    const seed = await ObjectStatusTracker.load(store, TENANT, limits, at(0));
    seed.record([failure('a', 'A', 'X', 0), failure('b', 'B', 'X', 0)]);
    await seed.save(store, { now: at(0), provisioningRead: true });

    const one = await ObjectStatusTracker.load(store, TENANT, limits, at(MIN));
    const two = await ObjectStatusTracker.load(store, TENANT, limits, at(MIN));
    one.record([success('a', MIN)]);
    two.record([failure('c', 'C', 'X', 2 * MIN)]);
    await one.save(store, { now: at(2 * MIN), provisioningRead: true });
    expect(await two.save(store, { now: at(2 * MIN), provisioningRead: true })).toEqual([]);

    const after = await ObjectStatusTracker.load(store, TENANT, limits, at(3 * MIN));
    expect(failingIds(after.snapshot().state)).toEqual(['b', 'c']);
  });

  it('sets a corrupt status aside, reports it, and starts its knowledge afresh', async () => {
    await store.write(
      { tenantId: TENANT, name: OBJECT_STATUS_KEY },
      { nonsense: true },
      { unconditional: true },
    );
    const tracker = await ObjectStatusTracker.load(store, TENANT, limits, at(0));
    tracker.record([failure('a', 'A', 'X', 0)]);
    const issues = await tracker.save(store, { now: at(0), provisioningRead: true });
    expect(issues.map((i) => [i.signal, i.code, i.target])).toEqual([
      ['state', 'CorruptState', OBJECT_STATUS_KEY],
    ]);
    const snapshot = tracker.snapshot();
    expect(snapshot.health).toBe('ok');
    expect(snapshot.state.since).toBe(at(0).toISOString());
    expect(failingIds(snapshot.state)).toEqual(['a']);
    const copies = await listSetAside(store, TENANT, at(-MIN));
    expect(copies.map((c) => [c.name, c.raw])).toEqual([[OBJECT_STATUS_KEY, { nonsense: true }]]);
    expect(issues[0]?.message).toContain(copies[0]?.copy);
  });

  it('when the store cannot be read, it reports unavailable and never overwrites what is stored', async () => {
    const seed = await ObjectStatusTracker.load(store, TENANT, limits, at(0));
    seed.record([failure('a', 'A', 'X', 0)]);
    await seed.save(store, { now: at(0), provisioningRead: true });

    let reads = 0;
    const flaky: StateStore = {
      read: (key: StateKey): Promise<Versioned<unknown> | undefined> =>
        ++reads === 1 ? Promise.reject(new Error('ECONNRESET')) : store.read(key),
      write: (key: StateKey, value: unknown, condition: WriteCondition) => store.write(key, value, condition),
      delete: (key, condition) => store.delete(key, condition),
      list: (tenantId, prefix) => store.list(tenantId, prefix),
    };
    const tracker = await ObjectStatusTracker.load(flaky, TENANT, limits, at(MIN));
    expect(tracker.snapshot().health).toBe('unavailable');
    tracker.record([failure('b', 'B', 'X', MIN)]);
    // The second read works: the stored status is read and this run's events are replayed onto it.
    await tracker.save(flaky, { now: at(MIN), provisioningRead: true });
    expect(tracker.snapshot().health).toBe('ok');
    expect(failingIds(tracker.snapshot().state)).toEqual(['a', 'b']);

    const down: StateStore = { ...flaky, read: () => Promise.reject(new Error('ECONNRESET')) };
    const blind = await ObjectStatusTracker.load(down, TENANT, limits, at(2 * MIN));
    blind.record([success('a', 2 * MIN)]);
    const issues = await blind.save(down, { now: at(2 * MIN), provisioningRead: true });
    expect(blind.snapshot().health).toBe('unavailable');
    expect(issues.some((i) => i.severity === 'error' && i.signal === 'state')).toBe(true);
    const stored = await ObjectStatusTracker.load(store, TENANT, limits, at(3 * MIN));
    expect(failingIds(stored.snapshot().state)).toEqual(['a', 'b']);
  });

  /** The store, with `before` run (once per write of the object status) just ahead of each such write. */
  function racing(before: () => Promise<void>, times = 1): StateStore {
    let left = times;
    return {
      read: (key) => store.read(key),
      write: async (key, value, condition) => {
        if (key.name === OBJECT_STATUS_KEY && left-- > 0) await before();
        return store.write(key, value, condition);
      },
      delete: (key, condition) => store.delete(key, condition),
      list: (tenantId, prefix) => store.list(tenantId, prefix),
    };
  }

  async function seeded(records: readonly ProvisioningRecord[]): Promise<void> {
    const seed = await ObjectStatusTracker.load(store, TENANT, limits, at(0));
    seed.record(records);
    expect(await seed.save(store, { now: at(0), provisioningRead: true })).toEqual([]);
  }

  const syncErrors = (state: ObjectStatusState) => {
    const [candidate] = evaluate('sync-errors', observations({ objectState: state }), {
      now: at(5 * MIN),
    }).candidates;
    const details =
      candidate && detailsOf('sync-errors', { kind: 'sync-errors', details: candidate.details });
    return details?.groups.flatMap((g) => g.objects.map((o) => o.displayName)).sort();
  };

  it('two runs saving at once: the loser of the ETag race replays its events, and the alert shows both', async () => {
    await seeded([failure('a', 'Adele', 'X', 0), failure('b', 'Ben', 'X', 0)]);
    const one = await ObjectStatusTracker.load(store, TENANT, limits, at(MIN));
    const two = await ObjectStatusTracker.load(store, TENANT, limits, at(MIN));
    one.record([success('a', MIN)]);
    two.record([failure('c', 'Cleo', 'X', 2 * MIN)]);
    const saves = await Promise.all([
      one.save(store, { now: at(2 * MIN), provisioningRead: true }),
      two.save(store, { now: at(2 * MIN), provisioningRead: true }),
    ]);
    expect(saves).toEqual([[], []]);

    const after = await ObjectStatusTracker.load(store, TENANT, limits, at(3 * MIN));
    expect(syncErrors(after.snapshot().state)).toEqual(['Ben', 'Cleo']);
    // Whichever run lost, the status it evaluates its alerts on holds the winner's evidence too.
    const loser = [one, two].find((t) => failingIds(t.snapshot().state).length === 2);
    expect(loser && syncErrors(loser.snapshot().state)).toEqual(['Ben', 'Cleo']);
  });

  it('a run whose save loses to a write made meanwhile keeps both runs’ evidence', async () => {
    await seeded([failure('a', 'Adele', 'X', 0)]);
    const late = await ObjectStatusTracker.load(store, TENANT, limits, at(MIN));
    late.record([failure('b', 'Ben', 'Y', MIN)]);
    const meanwhile = racing(async () => {
      const other = await ObjectStatusTracker.load(store, TENANT, limits, at(MIN));
      other.record([success('a', MIN), failure('c', 'Cleo', 'X', MIN)]);
      expect(await other.save(store, { now: at(MIN), provisioningRead: true })).toEqual([]);
    });
    expect(await late.save(meanwhile, { now: at(2 * MIN), provisioningRead: true })).toEqual([]);
    expect(late.snapshot().health).toBe('ok');
    expect(syncErrors(late.snapshot().state)).toEqual(['Ben', 'Cleo']);
    const stored = await ObjectStatusTracker.load(store, TENANT, limits, at(3 * MIN));
    expect(syncErrors(stored.snapshot().state)).toEqual(['Ben', 'Cleo']);
  });

  it('a status corrupted while the run worked is set aside and reported, and the run’s events saved', async () => {
    await seeded([failure('a', 'Adele', 'X', 0)]);
    const tracker = await ObjectStatusTracker.load(store, TENANT, limits, at(MIN));
    tracker.record([failure('b', 'Ben', 'Y', MIN)]);
    const corrupting = racing(async () => {
      await store.write({ tenantId: TENANT, name: OBJECT_STATUS_KEY }, { jobs: 7 }, { unconditional: true });
    });
    const issues = await tracker.save(corrupting, { now: at(2 * MIN), provisioningRead: true });
    expect(issues.map((i) => [i.signal, i.code])).toEqual([['state', 'CorruptState']]);
    expect(tracker.snapshot().health).toBe('ok');
    // What the damaged value held is lost (it is in the set-aside copy); this run's evidence is not.
    expect(syncErrors(tracker.snapshot().state)).toEqual(['Ben']);
    expect((await listSetAside(store, TENANT, at(0))).map((c) => c.raw)).toEqual([{ jobs: 7 }]);
    const stored = await ObjectStatusTracker.load(store, TENANT, limits, at(3 * MIN));
    expect(syncErrors(stored.snapshot().state)).toEqual(['Ben']);
  });

  it('a save that keeps losing the race reports an issue, never throws, and no alert resolves on it', async () => {
    await seeded([failure('a', 'Adele', 'X', 0)]);
    const tracker = await ObjectStatusTracker.load(store, TENANT, limits, at(MIN));
    tracker.record([success('a', 10 * MIN)]);
    let rivals = 0;
    const contended = racing(async () => {
      const rival = await ObjectStatusTracker.load(store, TENANT, limits, at(MIN));
      rival.record([failure('a', 'Adele', 'X', MIN + ++rivals)]);
      await rival.save(store, { now: at(MIN), provisioningRead: true });
    }, 100);
    const issues = await tracker.save(contended, { now: at(2 * MIN), provisioningRead: true });
    expect(issues.map((i) => [i.signal, i.severity, i.code])).toEqual([
      ['state', 'error', 'StateConflictError'],
    ]);
    expect(tracker.snapshot().health).toBe('unavailable');
    // Its "Adele is fixed" was never saved, so no open sync-errors alert may resolve on it this run.
    const coverage = coverageOf(observations({ objectStatus: tracker.snapshot() }), at(2 * MIN), settings());
    expect(
      coverage.isChecked({
        kind: 'sync-errors',
        subject: { tenantId: TENANT },
        openedAt: at(0).toISOString(),
      }),
    ).toBe(false);
    // Every rival's write stands and this run wrote nothing: Adele still fails, as the rivals last saw.
    expect(rivals).toBe(4);
    const stored = await ObjectStatusTracker.load(store, TENANT, limits, at(3 * MIN));
    expect(stored.snapshot().state.jobs[jobKey(JOB)]?.failing.a?.l).toBe(at(MIN + 4).toISOString());
    expect(syncErrors(stored.snapshot().state)).toEqual(['Adele']);
  });
});
