import { describe, expect, it } from 'vitest';
import { ObjectEventLog } from '../../src/rules/objectEventLog.js';
import { applyObjectEvents, emptyObjectStatus, toObjectEvents } from '../../src/rules/objectStatusState.js';
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
