import { describe, expect, it } from 'vitest';
import type { CanaryEvidence } from '../../src/domain/directoryCoverage.js';
import { canaryStallVerdict, classifyJob } from '../../src/domain/jobCondition.js';
import type { JobStatusFacts } from '../../src/domain/jobStatus.js';

/**
 * The canary in the one job classifier (issue 15): a failed canary is a stall whatever the job status
 * says, a recent success holds a stall back, a request without an answer says nothing.
 */
const NOW = Date.parse('2026-11-02T12:00:00Z');
const MIN = 60_000;
const policy = { now: NOW, stalledMs: 30 * MIN, failingMinFailures: 3 };
const job = (lastSuccessMinutesAgo: number): JobStatusFacts => ({
  StatusCode: 'Active',
  QuarantineReason: null,
  QuarantineSince: null,
  QuarantineErrorCode: null,
  ScheduleState: 'Active',
  ScheduleInterval: 'PT2M',
  LastExecutionState: 'Succeeded',
  LastErrorCode: null,
  LastSuccessfulExecutionEnded: new Date(NOW - lastSuccessMinutesAgo * MIN).toISOString(),
  SuccessiveCompleteFailures: 0,
  EscrowsPruned: false,
});
const canary = (
  outcome: CanaryEvidence['outcome'],
  minutesAgo: number,
  roundTripMs = 4_000,
): CanaryEvidence => ({
  servicePrincipalId: 'sp',
  jobId: 'AD2AADProvisioning.x',
  at: new Date(NOW - minutesAgo * MIN).toISOString(),
  outcome,
  errorCode: outcome === 'failure' ? 'ExportTimeout' : null,
  failedStep: outcome === 'failure' ? 'EntryExportUpdate' : null,
  agentStep: false,
  roundTripMs,
  intervalMs: 60 * MIN,
});

describe('canary evidence in the job classifier', () => {
  it('a failed canary makes a healthy-looking job stalled', () => {
    expect(classifyJob(job(2), { policy }).state).toBe('healthy');
    expect(classifyJob(job(2), { policy, canary: canary('failure', 10) }).state).toBe('stalled');
  });

  it('a round trip beyond the stall window is a stall too', () => {
    expect(canaryStallVerdict(canary('success', 5, 31 * MIN), NOW, 30 * MIN)).toBe('stalled');
  });

  it('a recent success holds a stall back; one older than its interval plus the window proves nothing', () => {
    expect(classifyJob(job(120), { policy }).state).toBe('stalled');
    expect(classifyJob(job(120), { policy, canary: canary('success', 80) }).state).toBe('healthy');
    expect(classifyJob(job(120), { policy, canary: canary('success', 95) }).state).toBe('stalled');
  });

  it('throttled or failed requests say nothing either way', () => {
    for (const outcome of ['throttled', 'error'] as const) {
      expect(canaryStallVerdict(canary(outcome, 5), NOW, 30 * MIN)).toBe('no-evidence');
      expect(classifyJob(job(2), { policy, canary: canary(outcome, 5) }).state).toBe('healthy');
    }
  });
});
