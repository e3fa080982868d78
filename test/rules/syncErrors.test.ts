import { describe, expect, it } from 'vitest';
import { detailsOf } from '../../src/domain/alertDetails.js';
import { JOB, JOB2, LOG_JOB2, MIN, SP2, failure, job, observations, settings, success } from './fixtures.js';
import { evaluate, objectState } from './run.js';

describe('sync-errors rule', () => {
  it('raises one alert per job, objects grouped by error code and category, oldest failure first', () => {
    const state = objectState([
      failure('megan', 'Megan Bowen', 'AttributeValueMustBeUnique', -50 * MIN),
      failure('adele', 'Adele Vance', 'AttributeValueMustBeUnique', -40 * MIN),
      failure('lee', 'Lee Gu', 'InvalidMail', -30 * MIN, { ResultDescription: 'mail is not valid' }),
      failure('pradeep', 'Pradeep Gupta', 'InvalidSoftMatch', -20 * MIN, {
        JobId: LOG_JOB2,
        ServicePrincipalId: SP2,
      }),
    ]);
    const { candidates } = evaluate(
      'sync-errors',
      observations({
        objectState: state,
        jobs: [job(), job({ JobId: JOB2, ServicePrincipalId: SP2, ConfigurationName: 'fabrikam.local' })],
      }),
    );
    expect(candidates).toHaveLength(2);
    const contoso = candidates.find((c) => c.subject.jobId === JOB);
    expect(contoso?.severity).toBe('warning');
    expect(contoso?.summary).toBe(
      'contoso.com provisioning: 3 objects failing to sync (AttributeValueMustBeUnique ×2, InvalidMail)',
    );
    expect(contoso?.since).toBe(new Date(Date.parse('2026-03-02T12:00:00.000Z') - 50 * MIN).toISOString());
    const details = detailsOf('sync-errors', { kind: 'sync-errors', details: contoso?.details ?? {} })!;
    expect(details.failingObjects).toBe(3);
    expect(details.groups.map((g) => [g.errorCode, g.errorCategory, g.objectCount])).toEqual([
      ['AttributeValueMustBeUnique', 'DuplicateAttribute', 2],
      ['InvalidMail', 'DataValidationFailure', 1],
    ]);
    expect(details.groups[0]?.objects.map((o) => o.displayName)).toEqual(['Megan Bowen', 'Adele Vance']);
    expect(details.groups[1]?.description).toBe('mail is not valid');
    expect(details.categories).toEqual([
      { errorCategory: 'DuplicateAttribute', objectCount: 2 },
      { errorCategory: 'DataValidationFailure', objectCount: 1 },
    ]);
    // The 2-part listed job id names the subject even though events carry the 3-part one.
    expect(candidates.find((c) => c.subject.servicePrincipalId === SP2)?.subject.jobId).toBe(JOB2);
  });

  it('lists at most SYNC_ERRORS_LIST_MAX objects, shared fairly among codes, and counts the rest', () => {
    const records = [
      ...Array.from({ length: 30 }, (_, i) =>
        failure(`dup${i}`, `Dup ${i}`, 'AttributeValueMustBeUnique', -i * MIN),
      ),
      ...Array.from({ length: 2 }, (_, i) => failure(`mail${i}`, `Mail ${i}`, 'InvalidMail', -i * MIN)),
    ];
    const { candidates } = evaluate('sync-errors', observations({ objectState: objectState(records) }), {
      settings: settings({
        syncErrors: { criticalCount: 20, listMax: 6, trackMaxPerJob: 500, staleMs: 7 * 24 * 60 * MIN },
      }),
    });
    const details = detailsOf('sync-errors', { kind: 'sync-errors', details: candidates[0]?.details ?? {} })!;
    expect(candidates[0]?.severity).toBe('critical');
    expect(details.groups.map((g) => [g.objects.length, g.moreObjects])).toEqual([
      [4, 26],
      [2, 0],
    ]);
  });

  it('counts objects beyond the tracking cap by code without listing them', () => {
    const records = Array.from({ length: 5 }, (_, i) => failure(`o${i}`, `O ${i}`, 'X', -i * MIN));
    const { candidates } = evaluate('sync-errors', observations({ objectState: objectState(records, 3) }));
    const details = detailsOf('sync-errors', { kind: 'sync-errors', details: candidates[0]?.details ?? {} })!;
    expect([details.failingObjects, details.untrackedObjects]).toEqual([5, 2]);
    expect(details.groups[0]?.objects).toHaveLength(3);
    expect(details.groups[0]?.moreObjects).toBe(2);
  });

  it('names codes and doubling buckets as material items: a new code or bucket is an update, one more object or a fix is not', () => {
    const { candidates } = evaluate(
      'sync-errors',
      observations({ objectState: objectState([failure('megan', 'Megan Bowen', 'DupUpn', -MIN)]) }),
    );
    expect(candidates[0]?.materialItems).toEqual(['error code DupUpn']);
    expect(candidates[0]?.trackedKey).toBe('1 object: DupUpn ×1');
    const five = evaluate(
      'sync-errors',
      observations({
        objectState: objectState(
          ['a', 'b', 'c', 'd', 'e'].map((id) => failure(id, id.toUpperCase(), 'DupUpn', -MIN)),
        ),
      }),
    );
    expect(five.candidates[0]?.materialItems).toEqual([
      'error code DupUpn',
      '2+ objects failing',
      '4+ objects failing',
    ]);
  });

  it('an object failing with a code Entra retries by itself counts only once it persists (time and a failed retry)', () => {
    const persist = { transientPersistMs: 30 * MIN };
    const fresh = evaluate(
      'sync-errors',
      observations({ objectState: objectState([failure('a', 'A', 'InternalError', -5 * MIN)]) }),
      { settings: settings(persist) },
    );
    expect(fresh.candidates).toEqual([]);
    const old = evaluate(
      'sync-errors',
      observations({
        objectState: objectState([
          failure('a', 'A', 'InternalError', -50 * MIN),
          failure('a', 'A', 'InternalError', -5 * MIN),
        ]),
      }),
      { settings: settings(persist) },
    );
    expect(old.candidates.map((c) => c.materialItems)).toEqual([['error code InternalError']]);
    // Next to a real error, a fresh retried one is not listed (and not material).
    const mixed = evaluate(
      'sync-errors',
      observations({
        objectState: objectState([
          failure('a', 'A', 'InternalError', -5 * MIN),
          failure('b', 'B', 'DupUpn', -5 * MIN),
        ]),
      }),
      { settings: settings(persist) },
    );
    expect(mixed.candidates[0]?.materialItems).toEqual(['error code DupUpn']);
  });

  it('raises nothing once every failing object had a later success', () => {
    const { candidates } = evaluate(
      'sync-errors',
      observations({ objectState: objectState([failure('a', 'A', 'X', -2 * MIN), success('a', -MIN)]) }),
    );
    expect(candidates).toEqual([]);
  });
});
