import { describe, expect, it } from 'vitest';
import { ObjectEventLog } from '../../src/rules/objectEventLog.js';
import {
  applyObjectEvents,
  emptyObjectStatus,
  recordObjectEvents,
  toObjectEvents,
} from '../../src/rules/objectStatusState.js';
import { DAY, LOG_JOB2, MIN, SP2, at, event, failure, success } from './fixtures.js';

const limits = { trackMaxPerJob: 2, staleMs: 7 * DAY };

/** Every kind of event the tracker keeps: clears, others, failures, staged deletes, two jobs, no object. */
const records = [
  success('a', 0),
  failure('b', 'B', 'X', MIN),
  event({ SourceId: 'c', ResultType: 'Warning', TimeGenerated: at(2 * MIN).toISOString() }),
  event({ SourceId: 'd', ProvisioningAction: 'StagedDelete', TimeGenerated: at(3 * MIN).toISOString() }),
  success('b', 4 * MIN, { JobId: LOG_JOB2, ServicePrincipalId: SP2, ConfigurationName: null }),
  event({ SourceId: null, TargetId: null, TimeGenerated: at(5 * MIN).toISOString() }),
  failure('e', 'E', 'Y', 6 * MIN, { JobId: LOG_JOB2 }),
  failure('f', 'F', 'Y', 7 * MIN),
  failure('g', 'G', 'Y', 8 * MIN),
  success('g', 9 * MIN),
];

describe('the tracker keeps a run events compactly for its replay', () => {
  it('gives back every event equal, field by field and in order, to what was added', () => {
    const events = toObjectEvents(records);
    const log = new ObjectEventLog();
    // Past its first allocation, in several batches.
    for (let i = 0; i < 300; i++) log.add(events);
    const back = [...log];
    expect(back).toHaveLength(300 * events.length);
    expect(log.size).toBe(back.length);
    for (let i = 0; i < back.length; i++) expect(back[i]).toStrictEqual(events[i % events.length]);
  });

  it('replays onto a status exactly as the events themselves do', () => {
    const events = toObjectEvents(records);
    const log = new ObjectEventLog();
    log.add(events);
    const direct = emptyObjectStatus(at(-DAY));
    const replayed = emptyObjectStatus(at(-DAY));
    applyObjectEvents(direct, events, limits);
    applyObjectEvents(replayed, log, limits);
    expect(replayed).toStrictEqual(direct);
    expect(Object.keys(direct.jobs)).toHaveLength(2);
  });

  it('is empty after clear', () => {
    const log = new ObjectEventLog();
    log.add(toObjectEvents(records));
    log.clear();
    expect([...log]).toEqual([]);
    expect(log.size).toBe(0);
  });
});

describe('recording a batch straight into the status and the log', () => {
  /**
   * Out of time order, the job changing back and forth, an object beyond the cap of 2 (its hash kept)
   * cleared later, a done delete, an unknown result and action spelled oddly, a record without a job.
   */
  const batches = [
    records,
    [
      failure('h', 'H', 'Z', 12 * MIN),
      success('c', 10 * MIN, { JobId: LOG_JOB2, ServicePrincipalId: SP2, ConfigurationName: null }),
      failure('i', 'I', 'Z', 11 * MIN),
      success('h', 13 * MIN),
      event({
        SourceId: 'k',
        ProvisioningAction: 'delete',
        ResultType: 'SUCCESS',
        TimeGenerated: at(14 * MIN).toISOString(),
      }),
      event({ SourceId: 'l', ResultType: 'somethingNew', TimeGenerated: at(9 * MIN).toISOString() }),
      event({ SourceId: 'm', JobId: null, TimeGenerated: at(15 * MIN).toISOString() }),
      success('i', 16 * MIN, { SourceId: 'I' }),
      failure('f', 'F', 'Y', 2 * MIN),
    ],
    // One job only: n goes beyond the cap between two clears of that job, then is cleared.
    [success('o', 20 * MIN), failure('n', 'N', 'Z', 21 * MIN), success('n', 22 * MIN)],
  ];

  it('ends with the status and the log that building, logging and applying the events gave', () => {
    const expected = emptyObjectStatus(at(-DAY));
    const expectedLog = new ObjectEventLog();
    const state = emptyObjectStatus(at(-DAY));
    const log = new ObjectEventLog();
    for (const batch of batches) {
      const events = toObjectEvents(batch);
      expectedLog.add(events);
      applyObjectEvents(expected, events, limits);
      recordObjectEvents(state, batch, limits, log);
    }
    expect(state).toStrictEqual(expected);
    expect([...log]).toStrictEqual([...expectedLog]);
    // h, i and n went beyond the cap (untracked), then a later success cleared them.
    const job = Object.values(state.jobs).find((j) => j.jobId !== LOG_JOB2)!;
    expect(Object.keys(job.failing).sort()).toEqual(['b', 'f']);
    expect(Object.keys(job.cleared)).toEqual(expect.arrayContaining(['h', 'i', 'n']));

    // And the replay of what was logged onto a fresher status is the same either way.
    const rival = () => {
      const fresher = emptyObjectStatus(at(-DAY));
      applyObjectEvents(
        fresher,
        toObjectEvents([failure('a', 'A', 'R', -MIN), failure('c', 'C', 'R', -MIN)]),
        limits,
      );
      return fresher;
    };
    const replayed = rival();
    const replayedExpected = rival();
    applyObjectEvents(replayed, log, limits);
    applyObjectEvents(replayedExpected, expectedLog, limits);
    expect(replayed).toStrictEqual(replayedExpected);
  });
});
