import { describe, expect, it } from 'vitest';
import { detailsOf } from '../../src/domain/alertDetails.js';
import { emptyRuleMemory } from '../../src/rules/memory.js';
import { DAY, HOUR, JOB, MIN, SP, at, event, iso, job, observations, settings } from './fixtures.js';
import { evaluate, objectState } from './run.js';

const quarantined = (reason: string, seriesBeganOffset = -HOUR) =>
  job({
    StatusCode: 'Quarantine',
    QuarantineReason: reason,
    QuarantineSince: iso(seriesBeganOffset),
    QuarantineSeriesBegan: iso(seriesBeganOffset),
    QuarantineNextAttempt: iso(seriesBeganOffset + 6 * HOUR),
    QuarantineErrorCode:
      reason === 'TooManyDeletes' ? 'TooManyDeletes' : 'AzureActiveDirectoryInvalidCredential',
    LastExecutionState: 'Failed',
    LastExecutionBegan: iso(seriesBeganOffset - 2 * MIN),
  });

describe('deletion-threshold rule', () => {
  it('fires for a TooManyDeletes quarantine with the staged deletions of that quarantine and how to allow or reject', () => {
    const staged = (cycle: string, count: number, offset: number) =>
      Array.from({ length: count }, (_, i) =>
        event({
          ProvisioningAction: 'StagedDelete',
          CycleId: cycle,
          SourceId: `${cycle}-${i}`,
          TimeGenerated: iso(offset),
        }),
      );
    const state = objectState([...staged('long-ago', 7, -3 * DAY), ...staged('trip', 600, -HOUR - MIN)]);
    const { candidates } = evaluate(
      'deletion-threshold',
      observations({ jobs: [quarantined('TooManyDeletes')], objectState: state }),
    );
    expect(candidates).toHaveLength(1);
    const alert = candidates[0];
    expect(alert?.severity).toBe('critical');
    expect(alert?.summary).toBe(
      'contoso.com provisioning: sync stopped, accidental-deletion threshold exceeded (600 deletions staged, threshold 500)',
    );
    const details = detailsOf('deletion-threshold', {
      kind: 'deletion-threshold',
      details: alert?.details ?? {},
    })!;
    expect(details.stagedDeletes).toMatchObject({ count: 600, events: 600, cycles: 1, complete: true });
    expect(details.allow.restart).toEqual({
      method: 'POST',
      path: `/servicePrincipals/${SP}/synchronization/jobs/${JOB}/restart`,
      body: { criteria: { resetScope: 'ForceDeletes' } },
    });
    expect(details.reject.portalAction).toBe('Restart sync');
    expect(
      evaluate('job-quarantined', observations({ jobs: [quarantined('TooManyDeletes')] })).candidates,
    ).toEqual([]);
  });
});

describe('deletion-threshold outcome (what the RESOLVED message says)', () => {
  const staged = (count: number, offset: number) =>
    Array.from({ length: count }, (_, i) =>
      event({
        ProvisioningAction: 'StagedDelete',
        CycleId: 'trip',
        SourceId: `s-${i}`,
        TimeGenerated: iso(offset),
      }),
    );
  const deletes = (count: number, offset: number, overrides = {}) =>
    Array.from({ length: count }, (_, i) =>
      event({
        ProvisioningAction: 'Delete',
        ResultType: 'Success',
        CycleId: 'after',
        SourceId: `s-${i}`,
        TimeGenerated: iso(offset),
        ...overrides,
      }),
    );
  const active = (beganOffset: number, overrides = {}) =>
    job({
      StatusCode: 'Active',
      LastExecutionState: 'Succeeded',
      LastExecutionBegan: iso(beganOffset),
      LastExecutionEnded: iso(beganOffset + MIN),
      ...overrides,
    });
  const outcome = (jobs: ReturnType<typeof job>[], records: Parameters<typeof objectState>[0]) =>
    evaluate('deletion-threshold', observations({ jobs, objectState: objectState(records) })).evaluation
      .resolutions;

  it('deletes allowed: counts the objects deleted after the trip, settled once a later cycle began', () => {
    const records = [
      ...staged(600, -3 * HOUR),
      ...deletes(7, -6 * HOUR, { CycleId: 'before-the-trip' }),
      ...deletes(600, -10 * MIN),
    ];
    const during = outcome([active(-11 * MIN)], records);
    expect(during[0]?.settled).toBe(false); // the deleting cycle may still be writing its events
    const [note] = outcome([active(-5 * MIN)], records);
    expect(note?.settled).toBe(true);
    expect(note?.resolution.summary).toBe('Deletes allowed: 600 objects deleted in Entra ID');
    expect(note?.resolution.details).toMatchObject({
      outcome: 'allowed',
      deleted: 600,
      held: 600,
      target: 'Entra ID',
    });
  });

  it('deletes rejected: a finished cycle after the trip deleted nothing (0 deleted)', () => {
    const [note] = outcome([active(-5 * MIN)], staged(600, -3 * HOUR));
    expect(note?.settled).toBe(true);
    expect(note?.resolution.summary).toBe(
      'Deletes rejected: sync restarted without deleting them (0 deleted)',
    );
    expect(note?.resolution.details).toMatchObject({ outcome: 'rejected', deleted: 0, held: 600 });
  });

  it('an Entra ID to AD job deletes in Active Directory, not in Entra ID', () => {
    const groupJob = `AAD2ADGroupProvisioning.${SP.replace(/-/g, '')}`;
    const records = [...staged(600, -3 * HOUR), ...deletes(600, -10 * MIN)].map((r) => ({
      ...r,
      JobId: groupJob,
    }));
    const [note] = outcome(
      [active(-5 * MIN, { JobId: groupJob, TemplateId: 'AAD2ADGroupProvisioning' })],
      records,
    );
    expect(note?.resolution.summary).toBe('Deletes allowed: 600 objects deleted in Active Directory');
  });

  it('no trip, no note: a job that never staged deletions', () => {
    expect(outcome([active(-5 * MIN)], deletes(3, -10 * MIN))).toEqual([]);
  });
});

describe('job-quarantined rule', () => {
  it.each([
    {
      title: 'fresh quarantine',
      began: -HOUR,
      key: 'quarantine reason EncounteredQuarantineException',
      daysLeft: 27,
    },
    {
      title: '7 days left',
      began: -21 * DAY - HOUR,
      key: 'quarantine reason EncounteredQuarantineException; job disabled in 7 days or less',
      daysLeft: 6,
    },
    {
      title: '1 day left',
      began: -27 * DAY - HOUR,
      key: 'quarantine reason EncounteredQuarantineException; job disabled in 1 day or less',
      daysLeft: 0,
    },
  ])('material key moves as the disable approaches: $title', ({ began, key, daysLeft }) => {
    const { candidates } = evaluate(
      'job-quarantined',
      observations({ jobs: [quarantined('EncounteredQuarantineException', began)] }),
    );
    expect(candidates[0]?.severity).toBe('critical');
    expect(candidates[0]?.materialKey).toBe(key);
    const details = detailsOf('job-quarantined', {
      kind: 'job-quarantined',
      details: candidates[0]?.details ?? {},
    })!;
    expect(details.quarantine.disable.daysLeft).toBe(daysLeft);
    expect(details.quarantine.disable.expectedAt).toBe(iso(began + 28 * DAY));
    expect(details.quarantine.errorCode).toBe('AzureActiveDirectoryInvalidCredential');
  });

  it('a different reason is a different material key (re-notified as updated)', () => {
    const a = evaluate(
      'job-quarantined',
      observations({ jobs: [quarantined('EncounteredEscrowProportionThreshold')] }),
    );
    const b = evaluate(
      'job-quarantined',
      observations({ jobs: [quarantined('EncounteredQuarantineException')] }),
    );
    expect(a.candidates[0]?.materialKey).not.toBe(b.candidates[0]?.materialKey);
  });

  it('quarantined jobs raise neither job-failing nor sync-stalled themselves', () => {
    const jobs = [quarantined('EncounteredQuarantineException', -2 * DAY)];
    expect(evaluate('job-failing', observations({ jobs })).candidates).toEqual([]);
    expect(evaluate('sync-stalled', observations({ jobs })).candidates).toEqual([]);
  });
});

describe('sync-stalled rule', () => {
  it.each([
    { title: 'last success 29 min ago', lastSuccess: -29 * MIN, interval: 'PT2M', fires: false },
    { title: 'last success 30 min ago', lastSuccess: -30 * MIN, interval: 'PT2M', fires: true },
    {
      title: 'a 40-minute schedule needs 3 intervals',
      lastSuccess: -100 * MIN,
      interval: 'PT40M',
      fires: false,
    },
    {
      title: 'a 40-minute schedule after 3 intervals',
      lastSuccess: -120 * MIN,
      interval: 'PT40M',
      fires: true,
    },
    {
      title: '"never" (0001-01-01) is unknown, not ancient',
      lastSuccess: null,
      interval: 'PT2M',
      fires: false,
    },
  ])('Active job: $title', ({ lastSuccess, interval, fires }) => {
    const jobs = [
      job({
        LastSuccessfulExecutionEnded: lastSuccess === null ? '0001-01-01T00:00:00Z' : iso(lastSuccess),
        ScheduleInterval: interval,
        LastErrorCode: 'TimeOut',
      }),
    ];
    const { candidates } = evaluate('sync-stalled', observations({ jobs }));
    expect(candidates.length).toBe(fires ? 1 : 0);
    if (fires) {
      expect(candidates[0]?.severity).toBe('warning');
      expect(candidates[0]?.summary).toMatch(
        /^contoso\.com provisioning: no successful sync cycle for .* \(last error TimeOut\)$/,
      );
    }
  });

  it('an Active job that never succeeded counts from the first run that saw it, remembered across runs', () => {
    const jobs = [job({ LastSuccessfulExecutionEnded: null })];
    const first = evaluate('sync-stalled', observations({ jobs }), { now: at(0) });
    expect(first.candidates).toEqual([]);
    const later = evaluate('sync-stalled', observations({ jobs }), {
      now: at(31 * MIN),
      memory: first.evaluation.memory,
    });
    expect(later.candidates).toHaveLength(1);
    expect(later.candidates[0]?.since).toBe(iso(0));
  });

  it('a job released from quarantine is measured from its release, not from its last success before it', () => {
    const held = quarantined('EncounteredQuarantineException', -2 * HOUR);
    const first = evaluate('sync-stalled', observations({ jobs: [held] }), { now: at(0) });
    const released = job({
      LastSuccessfulExecutionEnded: iso(-2 * HOUR),
      LastExecutionEnded: iso(-2 * HOUR),
    });
    const soon = evaluate('sync-stalled', observations({ jobs: [released] }), {
      now: at(5 * MIN),
      memory: first.evaluation.memory,
    });
    expect(soon.candidates).toEqual([]);
    const late = evaluate('sync-stalled', observations({ jobs: [released] }), {
      now: at(30 * MIN),
      memory: soon.evaluation.memory,
    });
    expect(late.candidates.map((c) => c.since)).toEqual([iso(0)]);
  });

  it('a paused job alerts after PAUSED_ALERT_HOURS, dated no later than the end of its last cycle', () => {
    const paused = job({
      StatusCode: 'Paused',
      ScheduleState: 'Paused',
      LastExecutionEnded: iso(-23 * HOUR),
    });
    const memory = emptyRuleMemory();
    expect(evaluate('sync-stalled', observations({ jobs: [paused] }), { memory }).candidates).toEqual([]);
    const next = evaluate('sync-stalled', observations({ jobs: [paused] }), { now: at(HOUR), memory });
    expect(next.candidates).toHaveLength(1);
    expect(next.candidates[0]?.materialKey).toBe('paused');
    expect(next.candidates[0]?.summary).toBe(
      'contoso.com provisioning has been paused for 24 h: nothing is synchronised',
    );
  });

  it('a schedule disabled counts as paused; the threshold is a setting', () => {
    const disabled = job({ ScheduleState: 'Disabled', LastExecutionEnded: iso(-2 * HOUR) });
    const { candidates } = evaluate('sync-stalled', observations({ jobs: [disabled] }), {
      settings: settings({ pausedMs: HOUR }),
    });
    expect(candidates.map((c) => c.materialKey)).toEqual(['paused']);
  });
});

describe('job-failing rule', () => {
  it.each([
    { title: 'one failed cycle is a blip', state: 'Failed', failures: 1, min: 3, fires: false },
    { title: '3 failures in a row', state: 'Failed', failures: 3, min: 3, fires: true },
    {
      title: 'with the setting at 1, any failed cycle',
      state: 'Failed',
      failures: null,
      min: 1,
      fires: true,
    },
    { title: 'succeeded', state: 'Succeeded', failures: 0, min: 1, fires: false },
    {
      title: 'entry-level errors are sync-errors, not job failures',
      state: 'EntryLevelErrors',
      failures: 0,
      min: 1,
      fires: false,
    },
  ])('$title', ({ state, failures, min, fires }) => {
    const jobs = [
      job({
        LastExecutionState: state,
        SuccessiveCompleteFailures: failures,
        LastErrorCode: 'AzureActiveDirectoryInvalidCredential',
        LastSuccessfulExecutionEnded: iso(-10 * MIN),
      }),
    ];
    const { candidates } = evaluate('job-failing', observations({ jobs }), {
      settings: settings({ jobFailingMinFailures: min }),
    });
    expect(candidates.length).toBe(fires ? 1 : 0);
    if (fires) {
      expect(candidates[0]?.materialKey).toBe('error AzureActiveDirectoryInvalidCredential');
      expect(candidates[0]?.since).toBe(iso(-10 * MIN));
    }
  });

  it.each([
    { failingFor: 10, fires: false },
    { failingFor: 29, fires: false },
    { failingFor: 30, fires: true },
  ])(
    'a code Entra retries by itself (server busy) counts once the job has failed with it for 30 minutes: $failingFor min -> $fires',
    ({ failingFor, fires }) => {
      const jobs = [
        job({
          LastExecutionState: 'Failed',
          SuccessiveCompleteFailures: 5,
          LastErrorCode: 'AzureDirectoryServiceServerBusy',
          LastSuccessfulExecutionEnded: iso(-failingFor * MIN),
        }),
      ];
      const { candidates } = evaluate('job-failing', observations({ jobs }), {
        settings: settings({ transientPersistMs: 30 * MIN }),
      });
      expect(candidates.length).toBe(fires ? 1 : 0);
    },
  );
});
