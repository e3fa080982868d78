import type { AlertKind } from './alertModel.js';
import {
  failedCycles,
  isActive,
  isInitialSyncPaused,
  isPaused,
  isQuarantined,
  isTooManyDeletes,
  jobNoAgentCode,
  stalledAfterMs,
  type JobStatusFacts,
} from './jobStatus.js';
import type { CanaryEvidence } from './directoryCoverage.js';
import { instant } from './time.js';

/**
 * The one job classifier: what a job's state means for the people reading an alert, the digest,
 * `status` or /health. Worst first: when several hold (a quarantine caused by a missing agent), the
 * one that names the cause and stops sync wins. The rules raise one alert per kind that holds (see
 * src/rules); this says which single word the job gets.
 */
export const JOB_CONDITIONS = [
  'deletion-threshold',
  'no-agent',
  'quarantined',
  'initial-sync-paused',
  'paused',
  'unknown',
  'stalled',
  'failing',
  'healthy',
] as const;
export type JobConditionState = (typeof JOB_CONDITIONS)[number];
export type ConditionSeverity = 'ok' | 'warning' | 'critical';

export interface JobCondition {
  readonly state: JobConditionState;
  /** The quarantine reason, error code or status code that explains the state. */
  readonly detail: string | null;
  readonly severity: ConditionSeverity;
}

/** The thresholds of the rules (SYNC_STALLED_MINUTES, JOB_FAILING_MIN_FAILURES) and the time of judging. */
export interface JobPolicy {
  readonly now: number;
  readonly stalledMs: number;
  readonly failingMinFailures: number;
}

/**
 * What the classifier goes by besides one status snapshot. Stalled and failing depend on thresholds
 * and on what the rules remembered, so a caller either passes the policy (status, from Graph now) or
 * the job's open alerts (the digest and /health, from the runs' alert transitions): the alerts are the
 * rules' own verdict, so an open sync-stalled alert reads as "stalled" there too.
 */
export interface JobEvidence {
  readonly policy?: JobPolicy;
  readonly openAlerts?: readonly AlertKind[] | readonly string[];
  /** When Graph gives no last success: since when the monitor has seen none (epoch ms). */
  readonly noSuccessSince?: number;
  /** The latest canary attempt of the job (opt-in, src/canary): first-class evidence for or against a stall. */
  readonly canary?: CanaryEvidence;
}

const SEVERITY: Readonly<Record<JobConditionState, ConditionSeverity>> = {
  'deletion-threshold': 'critical',
  'no-agent': 'critical',
  quarantined: 'critical',
  'initial-sync-paused': 'critical',
  paused: 'warning',
  unknown: 'warning',
  stalled: 'warning',
  failing: 'warning',
  healthy: 'ok',
};

/** How each condition is named (the portal's words where it has them). */
const LABELS: Readonly<Record<JobConditionState, string>> = {
  'deletion-threshold': 'Deletion threshold exceeded',
  'no-agent': 'No active agent',
  quarantined: 'Quarantined',
  'initial-sync-paused': 'Paused: errors to clean up',
  paused: 'Paused',
  unknown: 'Unknown status',
  stalled: 'Stalled',
  failing: 'Cycles failing',
  healthy: 'Active',
};

export const conditionSeverity = (state: JobConditionState): ConditionSeverity => SEVERITY[state];
export const conditionLabel = (state: JobConditionState): string => LABELS[state];

export const isJobCondition = (value: string): value is JobConditionState =>
  (JOB_CONDITIONS as readonly string[]).includes(value);

/** A stored condition as people read it: its label, or the value itself when it is not one we know. */
export const conditionText = (value: string): string =>
  isJobCondition(value) ? conditionLabel(value) : value;

const condition = (state: JobConditionState, detail: string | null): JobCondition => ({
  state,
  detail,
  severity: SEVERITY[state],
});

export function classifyJob(job: JobStatusFacts, evidence: JobEvidence = {}): JobCondition {
  if (isQuarantined(job) && isTooManyDeletes(job))
    return condition('deletion-threshold', job.QuarantineReason);
  const agentCode = jobNoAgentCode(job);
  if (agentCode) return condition('no-agent', agentCode);
  if (isQuarantined(job))
    return condition('quarantined', job.QuarantineReason ?? job.QuarantineErrorCode ?? job.LastErrorCode);
  if (isInitialSyncPaused(job)) return condition('initial-sync-paused', 'EscrowsPruned');
  if (isPaused(job)) return condition('paused', null);
  if (!isActive(job)) return condition('unknown', job.StatusCode);
  const open = new Set<string>(evidence.openAlerts ?? []);
  if (open.has('sync-stalled') || isStalled(job, evidence)) return condition('stalled', job.LastErrorCode);
  if (open.has('job-failing') || isFailing(job, evidence.policy))
    return condition('failing', job.LastErrorCode);
  return condition('healthy', null);
}

function isStalled(job: JobStatusFacts, { policy, noSuccessSince, canary }: JobEvidence): boolean {
  if (!policy) return false;
  const seen = canaryStallVerdict(canary, policy.now, stalledAfterMs(job, policy.stalledMs));
  if (seen !== 'no-evidence') return seen === 'stalled';
  const since = instant(job.LastSuccessfulExecutionEnded) ?? noSuccessSince;
  return since !== undefined && policy.now - since >= stalledAfterMs(job, policy.stalledMs);
}

function isFailing(job: JobStatusFacts, policy: JobPolicy | undefined): boolean {
  if (!policy) return false;
  const failures = failedCycles(job);
  return failures > 0 && failures >= policy.failingMinFailures;
}

/**
 * What the latest canary attempt of a job (an object provisioned on demand, src/canary) says about a
 * stall, whatever the job status claims: the canary proves or disproves the whole path.
 * - `stalled`: Graph answered that provisioning the object failed, or the round trip took longer than
 *   the stall window. A request that never got an answer (throttled, forbidden, network) says nothing
 *   about the job.
 * - `flowing`: it succeeded recently: within its own interval plus the stall window (a success stands
 *   until the next attempt is due; one older than that means the canary stopped, and proves nothing).
 * - `no-evidence`: no canary, or nothing it could tell.
 */
export type CanaryStallVerdict = 'stalled' | 'flowing' | 'no-evidence';

export function canaryStallVerdict(
  canary: CanaryEvidence | undefined,
  now: number,
  stallWindowMs: number,
): CanaryStallVerdict {
  if (!canary) return 'no-evidence';
  if (canary.outcome === 'failure') return 'stalled';
  if (canary.outcome !== 'success') return 'no-evidence';
  if (canary.roundTripMs >= stallWindowMs) return 'stalled';
  const at = instant(canary.at);
  const fresh = at !== undefined && now - at < (canary.intervalMs ?? 0) + stallWindowMs;
  return fresh ? 'flowing' : 'no-evidence';
}
