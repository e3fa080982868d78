import type { CoverageGapDetails } from './alertDetails.js';

/**
 * What the coverage check (src/coverage) found this run, for the `coverage-gap` rule: the directory's
 * on-premises objects against what Cloud Sync provisioned. `checked` is false when the directory was not
 * read fully this run (no permission, an error, a first read still under way): then nothing resolves.
 */
export interface DirectoryCoverage {
  readonly checked: boolean;
  readonly details: CoverageGapDetails;
  /** When the oldest gap began (the end of its grace period), or coexistence was first seen. */
  readonly since: string | null;
}

/**
 * One canary attempt (src/canary): a designated object provisioned on demand. Evidence for the rules:
 * a success proves the agent path works; a failure at the agent step points at the agents.
 */
export interface CanaryEvidence {
  readonly servicePrincipalId: string;
  readonly jobId: string;
  readonly at: string;
  readonly outcome: 'success' | 'failure' | 'error' | 'throttled';
  readonly errorCode: string | null;
  readonly failedStep: string | null;
  readonly agentStep: boolean;
  readonly roundTripMs: number;
  /** CANARY_INTERVAL_MINUTES: a success stands as evidence until the next attempt is due. */
  readonly intervalMs?: number;
  /** The canary object (its distinguished name in AD), for the alert text. */
  readonly objectId?: string;
}
