import { describe, expect, it } from 'vitest';
import { advance } from '../../src/alerts/advance.js';
import { emptyAlertBook, type AlertBook } from '../../src/alerts/book.js';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import { detailsOf } from '../../src/domain/alertDetails.js';
import { classifyJob } from '../../src/domain/jobCondition.js';
import { fullCoverage } from '../../src/rules/coverage.js';
import { renderAlertMessage } from '../../src/render/alertMessage.js';
import { emptyRuleMemory, type RuleMemory } from '../../src/rules/memory.js';
import { HOUR, MIN, SP, at, iso, job, observations, settings } from './fixtures.js';
import { evaluate } from './run.js';

const DEVICE_JOB = `AD2AADDeviceSync.${SP.replace(/-/g, '')}`;
const pausedAfterInitialSync = (overrides = {}) =>
  job({
    JobId: DEVICE_JOB,
    TemplateId: 'AD2AADDeviceSync',
    StatusCode: 'Paused',
    EscrowsPruned: true,
    LastExecutionState: 'EntryLevelErrors',
    LastExecutionEnded: iso(-4 * MIN),
    CountEscrowed: 0,
    ...overrides,
  });

describe('initial-sync-paused rule (status.escrowsPruned with a Paused job)', () => {
  it('raises a critical alert at once, naming the job and telling how to start it again', () => {
    const { candidates } = evaluate(
      'initial-sync-paused',
      observations({ jobs: [pausedAfterInitialSync()] }),
    );
    expect(candidates).toHaveLength(1);
    const alert = candidates[0]!;
    expect(alert.severity).toBe('critical');
    expect(alert.summary).toBe(
      'contoso.com device sync is paused after its initial sync: too many objects failed, their errors were cleared and the job waits for them to be fixed',
    );
    expect(alert.since).toBe(iso(-4 * MIN));
    const details = detailsOf('initial-sync-paused', {
      kind: 'initial-sync-paused',
      details: alert.details,
    })!;
    expect(details.startPath).toBe(`/servicePrincipals/${SP}/synchronization/jobs/${DEVICE_JOB}/start`);
    expect(details.job.templateId).toBe('AD2AADDeviceSync');
  });

  it('is not a forgotten pause: no sync-stalled for it, even a day later', () => {
    const memory: RuleMemory = { ...emptyRuleMemory(), pausedSince: {} };
    const later = evaluate('sync-stalled', observations({ jobs: [pausedAfterInitialSync()] }), {
      now: at(25 * HOUR),
      memory,
    });
    // sync-stalled may raise its "paused a long time" candidate; the lifecycle mutes it (inhibition).
    const book = advance(emptyAlertBook(), later.evaluation.candidates, fullCoverage, at(25 * HOUR), {
      ...defaultAlertSettings,
    });
    expect(book.transitions.map((t) => t.alert.kind)).toEqual(['initial-sync-paused']);
  });

  it('stays silent for a pause an admin made (no pruned errors) and for a job running again', () => {
    for (const jobs of [
      [pausedAfterInitialSync({ EscrowsPruned: false })],
      [pausedAfterInitialSync({ EscrowsPruned: null })],
      [pausedAfterInitialSync({ StatusCode: 'Active' })],
    ]) {
      expect(evaluate('initial-sync-paused', observations({ jobs })).candidates).toEqual([]);
    }
  });

  it('opens at once (no hold-down), and resolves once the job runs again', () => {
    let book: AlertBook = emptyAlertBook();
    const run = (minute: number, jobs: ReturnType<typeof job>[]) => {
      const now = at(minute * MIN);
      const { evaluation } = evaluate('initial-sync-paused', observations({ jobs }), { now });
      const result = advance(book, evaluation.candidates, evaluation.coverage, now, {
        ...settings(),
        holdDownMs: 10 * MIN,
      });
      book = result.book;
      return result.transitions.map((t) => `${t.transition} ${t.alert.kind} ${t.alert.severity}`);
    };
    expect(run(0, [pausedAfterInitialSync()])).toEqual(['new initial-sync-paused critical']);
    expect(run(5, [pausedAfterInitialSync()])).toEqual([]);
    expect(run(10, [pausedAfterInitialSync({ StatusCode: 'Active', EscrowsPruned: false })])).toEqual([
      'resolved initial-sync-paused critical',
    ]);
  });

  it('tells what to do, with the Graph call to start the job whole (no id cut short)', () => {
    const longJob = `${DEVICE_JOB}.4c0b5d5e-1111-2222-3333-444444444444`;
    const [candidate] = evaluate(
      'initial-sync-paused',
      observations({ jobs: [pausedAfterInitialSync({ JobId: longJob })] }),
    ).candidates;
    const alert = {
      ...candidate!,
      id: 'x',
      state: 'open' as const,
      openedAt: iso(0),
      lastChangedAt: iso(0),
      lastNotifiedAt: iso(0),
    };
    const { email } = renderAlertMessage({
      tenantId: alert.subject.tenantId,
      generatedAt: iso(0),
      transitions: [{ transition: 'new', at: iso(0), alert }],
    });
    expect(email.subject).toContain('Sync job paused after its initial sync in contoso.com');
    expect(email.plainText).toContain(
      `POST https://graph.microsoft.com/v1.0/servicePrincipals/${SP}/synchronization/jobs/${longJob}/start`,
    );
    expect(email.plainText).toContain('Provisioning logs, filter Status = Failure');
  });

  it('is the job condition the digest, status and /health show: critical, not a plain pause', () => {
    expect(classifyJob(pausedAfterInitialSync())).toMatchObject({
      state: 'initial-sync-paused',
      severity: 'critical',
    });
    expect(classifyJob(pausedAfterInitialSync({ EscrowsPruned: false })).state).toBe('paused');
  });
});
