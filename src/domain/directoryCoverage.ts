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
