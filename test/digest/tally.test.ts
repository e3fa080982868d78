import { describe, expect, it } from 'vitest';
import { ProvisioningTally } from '../../src/digest/tally.js';
import { JOB, LOG_JOB2, MIN, event, failure, iso, success } from '../rules/fixtures.js';

describe('the provisioning tally of a run', () => {
  it('counts per job whatever the order of jobs, cycles, actions and results', () => {
    const tally = new ProvisioningTally();
    tally.add([
      success('a', 0, { CycleId: 'c1' }),
      success('b', MIN, { JobId: LOG_JOB2, CycleId: 'c1' }),
      success('a', 2 * MIN, { CycleId: 'c1', ProvisioningAction: 'delete' }),
      event({ SourceId: 'c', CycleId: 'c2', ResultType: 'SKIPPED', TimeGenerated: iso(3 * MIN) }),
      success('b', 4 * MIN, { JobId: LOG_JOB2, CycleId: 'c2', ResultType: 'Warning' }),
    ]);
    const [first, second] = tally.byJob();
    expect(first!.jobKey).toBe(JOB);
    expect([...first!.cycles]).toEqual(['c1', 'c2']);
    expect([...second!.cycles]).toEqual(['c1', 'c2']);
    expect(first!.byAction.update).toMatchObject({ success: 1, skipped: 1 });
    expect(first!.byAction.delete).toMatchObject({ success: 1 });
    expect(second!.byAction.update).toMatchObject({ success: 1, warning: 1 });
    expect(tally.eventCount).toBe(5);
  });

  it('keeps the latest event per object, its failure in full and only the time of a success', () => {
    const tally = new ProvisioningTally();
    tally.add([
      failure('a', 'Alice\u0000Smith', 'X', 2 * MIN),
      success('a', MIN),
      failure('b', 'Bob', 'Y', 0),
    ]);
    tally.add([success('b', MIN)]);
    const [job] = tally.byJob();
    expect(job!.lastByObject.get('a')).toEqual({
      at: iso(2 * MIN),
      code: 'X',
      category: 'Other',
      name: 'Alice Smith',
    });
    expect(job!.lastByObject.get('b')).toBe(iso(MIN));
    expect(job!.failures.get('X')).toMatchObject({ events: 1, examples: ['Alice Smith'] });
  });
});
