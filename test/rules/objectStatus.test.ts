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
import { FileStateStore } from '../../src/state/fileStateStore.js';
import type { StateKey, StateStore, Versioned, WriteCondition } from '../../src/state/store.js';
import type { ProvisioningRecord } from '../../src/tables/definitions.js';
import { DAY, HOUR, JOB, JOB2, LOG_JOB2, MIN, TENANT, at, event, failure, success } from './fixtures.js';

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

  it('replaces a corrupt status, reports it, and starts its knowledge afresh', async () => {
    await store.write(
      { tenantId: TENANT, name: OBJECT_STATUS_KEY },
      { nonsense: true },
      { unconditional: true },
    );
    const tracker = await ObjectStatusTracker.load(store, TENANT, limits, at(0));
    tracker.record([failure('a', 'A', 'X', 0)]);
    const issues = await tracker.save(store, { now: at(0), provisioningRead: true });
    expect(issues.map((i) => [i.signal, i.code])).toEqual([['state', 'CorruptState']]);
    const snapshot = tracker.snapshot();
    expect(snapshot.health).toBe('ok');
    expect(snapshot.state.since).toBe(at(0).toISOString());
    expect(failingIds(snapshot.state)).toEqual(['a']);
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
});
